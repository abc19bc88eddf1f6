"""Generate the benchmark panels with the demo generator, written straight to a Parquet dataset
in chunks (:func:`evalkit.demo.iter_panel_chunks` → :func:`evalkit.dataset.write_dataset`): peak
memory is one chunk whatever the size, so the 20,000,000-household panel is never in memory.

    python benchmarks/make_data.py --size 2M [--chunk 250000] [--export]

``--export`` also writes the GBK CSV export of the same panel (``evalkit.demo.write_export``:
``export_<size>.csv`` and ``export_<size>_measures.csv``) for the ingest benchmark, chunk by chunk.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT, SEED, SIZES, Phases, dataset_path, export_path  # noqa: E402

from evalkit.demo import iter_panel_chunks  # noqa: E402
from evalkit.io.dataset import write_dataset  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, required=True)
    parser.add_argument("--chunk", type=int, default=250_000, help="households per chunk")
    parser.add_argument("--export", action="store_true", help="also write the GBK CSV export")
    parser.add_argument(
        "--export-only", action="store_true", help="write only the GBK CSV export (the dataset is left as it is)"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    phases = Phases()
    households = SIZES[args.size]
    exported = []

    def chunks():
        for panel in iter_panel_chunks(households, SEED, args.chunk):
            if args.export or args.export_only:
                with phases("export"):
                    exported.append(_append_export(panel, export_path(args.size), first=not exported))
            yield panel

    if args.export_only:
        with phases("generate_and_export"):
            for _ in chunks():
                pass
        phases.emit(size=args.size, households=households, export_rows=sum(exported))
        return
    shutil.rmtree(dataset_path(args.size), ignore_errors=True)  # benchmark data: also a partial earlier run
    with phases("generate_and_write"):
        write_dataset(chunks(), dataset_path(args.size))
    phases.emit(size=args.size, households=households, export_rows=sum(exported))


def _append_export(panel, path: Path, first: bool) -> int:
    """Append one chunk to the GBK export and its measures file (``evalkit.demo.write_export`` on
    a temporary file per chunk; the header line is kept once). Returns household rows written."""
    from evalkit.demo import write_export

    part = path.with_name(f"part_{path.name}")
    rows = 0
    for src_file, dst_file in zip(
        write_export(panel, part, encoding="gbk"),
        (path, path.with_name(f"{path.stem}_measures{path.suffix}")),
        strict=False,
    ):
        with open(src_file, "rb") as src, open(dst_file, "wb" if first else "ab") as dst:
            header = src.readline()
            if first:
                dst.write(header)
            n = 0
            for block in iter(lambda: src.read(1 << 24), b""):
                dst.write(block)
                n += block.count(b"\n")
        rows = rows or n
        src_file.unlink()
    return rows


if __name__ == "__main__":
    main()
