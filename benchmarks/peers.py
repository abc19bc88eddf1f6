"""Item 7 of ``run.py``: evalkit against the tools users would pick instead (issue 17).

Each pair runs in one sequence, alternated (evalkit, peers…, then peers… reversed, evalkit, and
so on for ``repeats`` rounds), every run a fresh process measured by :func:`common.measure`;
``results/peers.csv`` keeps every run, the README table the medians and the ratios
evalkit / peer (wall, CPU, peak RSS; below 1 means evalkit is faster or smaller). CS-DiD runs
with one BLAS thread for every implementation.
"""

from __future__ import annotations

import csv
import os
import statistics
from pathlib import Path

from common import RESULTS, dataset_path, measure

ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
#: item → (script, evalkit implementation, peers, extra arguments, extra environment)
PAIRS: dict[str, tuple[str, str, list[str], list[str], dict]] = {
    "indicators": ("bench_indicators.py", "default", ["polars", "polars-full", "pandas-groupby"], [], {}),
    # the default backend choice (evalkit.indicators.duckdb_backend.choose_backend): DuckDB / pandas path
    "backend": ("bench_indicators.py", "duckdb", ["pandas"], [], {}),
    "inequality": ("bench_inequality.py", "evalkit", ["numpy", "polars"], [], {}),
    "twfe": ("bench_twfe.py", "evalkit", ["pyfixest", "linearmodels"], [], {}),
    "did": ("bench_did.py", "evalkit", ["direct", "differences"], ["--households", "50000"], ONE_THREAD),
    "report": ("bench_report.py", "evalkit", ["papermill"], ["--region", "mile", "--year", "2025"], {}),
}
FILE = RESULTS / "peers.csv"
FIELDS = ["item", "size", "impl", "round", "status", "wall_s", "cpu_s", "peak_rss_mb", "load_before", "load_after"]


def run_pairs(size: str, items=None, repeats: int = 2, report_data: str | None = None) -> None:
    """Measure every pair of ``items`` (default all) at ``size``; the report pair on the panel
    folder ``report_data`` (skipped without one)."""
    rows = []
    for item in items or PAIRS:
        script, own, peers, extra, env = PAIRS[item]
        if item == "report" and not report_data:
            continue
        where = ["--data", str(report_data)] if item == "report" else ["--size", size]
        order = [own, *peers]
        for r in range(repeats):
            for impl in order if r % 2 == 0 else order[::-1]:
                result = measure(
                    [f"benchmarks/{script}", "--impl", impl, *where, *extra], timeout=3600, env={**os.environ, **env}
                )
                row = {"item": item, "size": size if item != "report" else Path(report_data).name, "impl": impl}
                row.update({"round": r, **{k: result.get(k) for k in FIELDS[4:]}})
                print(
                    f"[peers {item} {impl} round {r}] {row['status']} {row['wall_s']} s {row['peak_rss_mb']} MB",
                    flush=True,
                )
                rows.append(row)
    keep = []
    measured = {(r["item"], r["size"]) for r in rows}
    if FILE.exists():
        with open(FILE, newline="", encoding="utf-8") as fh:
            keep = [r for r in csv.DictReader(fh) if (r["item"], r["size"]) not in measured]
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(FILE, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(keep + rows)


def _median(rows: list[dict], key: str) -> float | None:
    values = [float(r[key]) for r in rows if r.get(key) not in (None, "") and r.get("status") == "ok"]
    return statistics.median(values) if values else None


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "—"


def render_peers() -> str:
    """The peer table: medians of each implementation and the evalkit / peer ratios."""
    if not FILE.exists():
        return "(no peer measurements yet: `python benchmarks/run.py --items 7`)"
    with open(FILE, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    lines = [
        "| item | households | evalkit | peer | runs | evalkit wall (s) | peer wall (s) | wall ratio | CPU ratio "
        "| RSS ratio | load avg |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for item, (_, own, peers, extra, _) in PAIRS.items():
        for size in dict.fromkeys(r["size"] for r in rows if r["item"] == item):
            mine = [r for r in rows if r["item"] == item and r["size"] == size and r["impl"] == own]
            loads = [float(r[k]) for r in rows if r["item"] == item and r["size"] == size for k in FIELDS[8:] if r[k]]
            for peer in peers:
                theirs = [r for r in rows if r["item"] == item and r["size"] == size and r["impl"] == peer]
                if not mine or not theirs:
                    continue
                note = " ".join(extra) if item != "report" else ""
                label = f"{size} ({note})" if note else size
                lines.append(
                    f"| {item} | {label} | {own} | {peer} | {len(mine)}+{len(theirs)} "
                    f"| {_median(mine, 'wall_s'):.1f} | {_median(theirs, 'wall_s'):.1f} "
                    f"| {_ratio(_median(mine, 'wall_s'), _median(theirs, 'wall_s'))} "
                    f"| {_ratio(_median(mine, 'cpu_s'), _median(theirs, 'cpu_s'))} "
                    f"| {_ratio(_median(mine, 'peak_rss_mb'), _median(theirs, 'peak_rss_mb'))} "
                    f"| {min(loads):.1f}–{max(loads):.1f} |"
                )
    return "\n".join(lines)


__all__ = ["PAIRS", "dataset_path", "render_peers", "run_pairs"]
