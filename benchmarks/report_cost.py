"""Where a report's time goes, and what two jobs buy over one.

    python benchmarks/report_cost.py [--region mile] [--regions 6|all] [--data data/demo]

1. One report executed with papermill, its cells timed (papermill records each cell's duration):
   kernel start (wall time not spent in cells), imports and data load (set-up cell), estimation
   (indicator computations, effect estimates, integrity checks), rendering (tables and charts),
   then the HTML export (nbconvert) timed separately.
2. The batch over the first N report regions (``--regions 6``, or ``all`` for the 29 demo
   regions) with ``--jobs 1`` and ``--jobs 2``: wall time and reports per minute.

Results are printed and written to ``benchmarks/out/report_cost.csv`` (git-ignored).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

#: Stage of each report-notebook cell, recognised by the first words of its source.
STAGES = (
    ("import evalkit", "imports and data load"),
    ("# Region-level indicators", "estimation: indicators, scorecard, watch-list"),
    ('present.show_heading("sec_effects"', "estimation: effects (CS DiD) and their charts"),
    ('present.show_heading("sec_integrity"', "estimation: integrity checks"),
)


def stage_of(source: str) -> str:
    for start, stage in STAGES:
        if source.lstrip().startswith(start):
            return stage
    return "rendering: tables and charts"


def one_report(region: str, year: int, data: str) -> pd.DataFrame:
    import papermill

    from evalkit.reporting import report

    params = report.validate_parameters({"region": region, "year": year, "data": data})
    # the kernel's ``python`` is this interpreter (kernelspecs name ``python``), as in evalkit's runner
    bindir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bindir:
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    notebook = report.notebook_path()
    with tempfile.TemporaryDirectory() as tmp:
        params["output_dir"] = tmp
        started = time.perf_counter()
        executed = papermill.execute_notebook(
            str(notebook),
            str(Path(tmp) / "out.ipynb"),
            parameters=params,
            kernel_name=report.KERNEL_NAME,
            progress_bar=False,
            extra_arguments=report.KERNEL_ARGUMENTS,
            cwd=str(notebook.parent),
        )
        wall = time.perf_counter() - started
    rows = [
        {"stage": stage_of(c.source), "seconds": c.metadata.get("papermill", {}).get("duration") or 0.0}
        for c in executed.cells
        if c.cell_type == "code"
    ]
    cells = pd.DataFrame(rows).groupby("stage", sort=False)["seconds"].sum()
    started = time.perf_counter()
    report.export_html(report.clean_notebook(executed), region)
    export = time.perf_counter() - started
    table = pd.concat(
        [
            pd.Series({"kernel start and papermill overhead": wall - cells.sum()}),
            cells,
            pd.Series({"rendering: HTML export (nbconvert)": export}),
        ]
    )
    out = table.rename("seconds").reset_index().rename(columns={"index": "stage"})
    out["share"] = out["seconds"] / out["seconds"].sum()
    return out


def batch_timing(regions: list[str], year: int, data: str) -> pd.DataFrame:
    from evalkit.reporting.batch import run_batch

    rows = []
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            outcomes = run_batch(year, regions=",".join(regions), jobs=jobs, data=data, out=tmp, progress=False)
            wall = time.perf_counter() - started
        for o in outcomes:
            if not o.ok:
                print(f"jobs {jobs}: {o.region} failed: {o.error}", file=sys.stderr)
        rows.append(
            {
                "jobs": jobs,
                "reports": len(outcomes),
                "failed": sum(not o.ok for o in outcomes),
                "wall_seconds": wall,
                "seconds_per_report": wall / len(outcomes),
                "slowest_report_seconds": max(o.seconds for o in outcomes),
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--region", default="mile")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--data", default=str(ROOT / "data" / "demo"))
    parser.add_argument(
        "--regions", default="6", help="number of report regions for the jobs 1 vs 2 run (0: skip it), or all"
    )
    args = parser.parse_args(argv)

    from evalkit.core.registry import report_regions
    from evalkit.reporting.report import ensure_data

    ensure_data(args.data)
    cost = one_report(args.region, args.year, args.data)
    print(f"Per-report cost, {args.region} {args.year}:")
    print(cost.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    codes = [r.code for r in report_regions()]
    chosen = codes if args.regions == "all" else codes[: int(args.regions)]
    batch = batch_timing(chosen, args.year, args.data) if chosen else pd.DataFrame()
    if chosen:
        print(f"\nBatch of {len(chosen)} reports, jobs 1 vs 2:")
        print(batch.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    pd.concat([cost.assign(part="per_report"), batch.assign(part="batch")]).to_csv(out / "report_cost.csv", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
