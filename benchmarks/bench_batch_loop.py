"""Baseline of benchmark 6: the report notebooks executed one after another by a plain papermill
loop (:func:`report_cost.one_report` per region: papermill + HTML export), no process pool.

    python benchmarks/bench_batch_loop.py --regions 6 [--year 2025]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Phases  # noqa: E402
from report_cost import one_report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", default="6", help="number of report regions, or all")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[1] / "data" / "demo"))
    args = parser.parse_args()
    from evalkit.core.registry import report_regions

    codes = [r.code for r in report_regions()]
    chosen = codes if args.regions == "all" else codes[: int(args.regions)]
    phases = Phases()
    with phases("loop"):
        for code in chosen:
            one_report(code, args.year, args.data)
    phases.emit(reports=len(chosen))


if __name__ == "__main__":
    main()
