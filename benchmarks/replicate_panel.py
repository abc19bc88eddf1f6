"""Build a larger benchmark dataset by replicating a generated one, partition by partition.

    python benchmarks/replicate_panel.py --source 2M --size 20M --factor 10

Replica ``r`` of every household gets the id ``<household_id>~r`` (so the households are distinct)
and otherwise identical rows: the 20,000,000-household panel is then ten copies of the
2,000,000-household demo panel. Used when the demo generator itself cannot produce the national
panel within the session (see the README: it runs at ~100,000 households per 3.7 s on one core,
so 20M households take ~12 min on an idle machine and much longer on a busy one). Indicator
queries scan the same number of rows and groups as on a generated panel; the values differ from a
generated panel's only in sampling noise. Only the household table is written (item 2 needs no
measures); ``dataset.json`` says ``replicated_from`` and carries no fingerprint.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SIZES, Phases, dataset_path  # noqa: E402

import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from evalkit.dataset import DATASET_META, HOUSEHOLDS_DIR, read_dataset_meta  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", choices=SIZES, default="2M")
    parser.add_argument("--size", choices=SIZES, default="20M")
    parser.add_argument("--factor", type=int, default=10)
    args = parser.parse_args()
    phases = Phases()
    source, target = dataset_path(args.source), dataset_path(args.size)
    shutil.rmtree(target, ignore_errors=True)
    record = read_dataset_meta(source)
    rows = 0
    with phases("copy"):
        # partition by partition (bounded memory, no spill): one file per replica and partition
        for folder in sorted({f.parent for f in (source / HOUSEHOLDS_DIR).rglob("*.parquet")}):
            table = pq.read_table(sorted(folder.glob("*.parquet")), partitioning=None)
            out = target / folder.relative_to(source)
            out.mkdir(parents=True, exist_ok=True)
            ids = table.column("household_id")
            position = table.schema.get_field_index("household_id")
            for r in range(args.factor):
                copy = table.set_column(position, "household_id", pc.binary_join_element_wise(ids, pa.scalar(f"~{r}", ids.type), pa.scalar("", ids.type)))
                pq.write_table(copy, out / f"part-{r}.parquet", row_group_size=256_000)
                rows += copy.num_rows
    record.update(
        rows={"households": rows, "measures": 0},
        fingerprint=None, replicated_from={"dataset": args.source, "factor": args.factor},
    )
    record.pop("panel_fingerprint", None)
    (target / DATASET_META).write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    phases.emit(rows=rows)


if __name__ == "__main__":
    main()
