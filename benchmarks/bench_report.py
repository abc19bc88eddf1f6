"""Peer benchmark: one region's report, evalkit versus papermill + nbconvert called directly.

    python benchmarks/bench_report.py --impl evalkit|papermill|load-region|load-whole --data FOLDER [--region mile]

* ``evalkit``: :func:`evalkit.reporting.report.run_report` (parameters checked, the notebook run by
  papermill, HTML written, results JSON), HTML only;
* ``papermill``: what one writes without evalkit's runner: ``papermill.execute_notebook`` of
  notebooks/report.ipynb with the same parameters, then ``nbconvert``'s ``HTMLExporter`` with
  the input cells hidden.

What the report's first cell reads from a panel folder (issue 17):

* ``load-region``: :func:`evalkit.io.load.load_report_panel` (only the region's rows, scanned with a
  filter) and the fingerprint recorded in meta.json (:func:`evalkit.io.load.data_fingerprint`);
* ``load-whole``: the former way: the whole panel read, the region selected in memory, the whole
  panel hashed (:meth:`evalkit.core.panel.Panel.fingerprint`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Phases  # noqa: E402


def load_only(args, phases: Phases) -> None:
    from evalkit.core.panel import load_panel
    from evalkit.core.registry import get_region
    from evalkit.io.load import data_fingerprint, load_report_panel
    from evalkit.reporting.report import region_households

    region = get_region(args.region)
    with phases("load"):
        panel = load_report_panel(args.data, region, args.year) if args.impl == "load-region" else load_panel(args.data)
        households = region_households(panel, region, args.year)
    with phases("fingerprint"):
        fingerprint = data_fingerprint(panel) if args.impl == "load-region" else panel.fingerprint()
    phases.emit(rows=len(households), rows_in_memory=len(panel.households), fingerprint=fingerprint)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--impl", choices=["evalkit", "papermill", "load-region", "load-whole"], required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--region", default="mile")
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    phases = Phases()
    from evalkit.reporting import report

    if args.impl.startswith("load-"):
        load_only(args, phases)
        return
    with tempfile.TemporaryDirectory() as tmp:
        if args.impl == "evalkit":
            with phases("report"):
                outcome = report.run_report(args.region, args.year, data=args.data, out=tmp, formats="html")
            ok = bool(outcome.ok)
        else:
            import nbformat
            import papermill
            from nbconvert import HTMLExporter

            params = report.validate_parameters({"region": args.region, "year": args.year, "data": args.data})
            params["output_dir"] = tmp
            notebook = report.notebook_path()
            with phases("papermill"):
                executed = papermill.execute_notebook(
                    str(notebook),
                    str(Path(tmp) / "out.ipynb"),
                    parameters=params,
                    kernel_name=report.KERNEL_NAME,
                    progress_bar=False,
                    cwd=str(notebook.parent),
                )
            with phases("nbconvert"):
                html, _ = HTMLExporter(exclude_input=True).from_notebook_node(nbformat.from_dict(executed))
                (Path(tmp) / "report.html").write_text(html, encoding="utf-8")
            ok = True
    phases.emit(ok=ok)


if __name__ == "__main__":
    main()
