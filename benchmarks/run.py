"""Entry point of ``make bench``: generate the benchmark panels, measure every item in a fresh
process (wall time and peak RSS by ``/usr/bin/time -v``), write ``benchmarks/results/*.csv`` and
the results table of ``benchmarks/README.md``.

    python benchmarks/run.py                       # items 1–6 at 200k and 2M households, item 2 at 20M
    python benchmarks/run.py --sizes 20M --items 2 # the national panel only (generates ~8 GB first)
    python benchmarks/run.py --table               # only re-render the README table from the CSVs

Each measurement is a row of ``results/<item>.csv``: item, size, impl, variant, status, wall_s,
peak_rss_mb, the script's own phases (load_s, compute_s, ...) and its outputs; a re-run replaces
the rows it measures and keeps the others. Generated data goes to ``benchmarks/out/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HERE, OUT, RESULTS, SIZES, dataset_path, export_path, measure  # noqa: E402

#: Targets of issue 7: (item, size) → (max wall seconds, max peak RSS MB).
TARGETS = {
    ("indicators", "2M"): (30, 6_000),
    ("indicators", "20M"): (300, 24_000),
    ("inequality", "2M"): (30, None),
    ("twfe", "2M"): (60, 12_000),
    ("did", "2M"): (300, 16_000),
}
ITEMS = {1: "ingest", 2: "indicators", 3: "inequality", 4: "twfe", 5: "did", 6: "batch", 7: "peers", 8: "scale"}
#: Items ``make bench`` runs (item 8, the county batch at scale, takes about an hour: ``--items 8``).
DEFAULT_ITEMS = "1,2,3,4,5,6,7"
KEY = ("item", "size", "impl", "variant")
README = HERE / "README.md"
#: Items that need no benchmark panel (item 8 makes its reports from a demo folder).
NO_PANEL = ("scale",)
#: Items measured on the national panel (the issue asks for the indicator set there).
ITEMS_20M = ("indicators",)
START, END = "<!-- results:start -->", "<!-- results:end -->"
PEERS_START, PEERS_END = "<!-- peers:start -->", "<!-- peers:end -->"
#: Item 7: the pairs measured (``--peer-items``; None: all of ``peers.PAIRS``) and the alternated rounds.
PEER_ITEMS: list[str] | None = None
PEER_REPEATS = 2
#: The panel folder of the report pair of item 7 (``--report-data``; a 30,000-household demo by default).
REPORT_DATA = str(OUT / "report_panel")


def record(item: str, size: str, impl: str, variant: str, result: dict) -> dict:
    """Store one measurement in ``results/<item>.csv`` (replacing the same item/size/impl/variant)."""
    row = {"item": item, "size": size, "impl": impl, "variant": variant, **result}
    target = TARGETS.get((item, size)) if impl in ("duckdb", "evalkit") else None
    if target and result.get("status") == "ok":
        ok_time = result["wall_s"] <= target[0]
        ok_mem = target[1] is None or (result.get("peak_rss_mb") or 0) <= target[1]
        row["target"] = f"≤ {target[0]} s" + (f", ≤ {target[1] / 1000:g} GB" if target[1] else "")
        row["meets_target"] = "yes" if ok_time and ok_mem else "no"
    file = RESULTS / f"{item}.csv"
    rows = []
    if file.exists():
        with open(file, newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.DictReader(fh) if tuple(r.get(k, "") for k in KEY) != (item, size, impl, variant)]
    rows.append({k: ("" if v is None else v) for k, v in row.items()})
    fields = list(dict.fromkeys(k for r in rows for k in r))
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(file, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    print(
        f"[{item} {size} {impl} {variant}] {row.get('status')} {row.get('wall_s')} s, "
        f"{row.get('peak_rss_mb')} MB {row.get('error', '')}",
        flush=True,
    )
    return row


def ensure_data(size: str, export: bool) -> None:
    """Generate the panel (and the GBK export) unless present; the cost is recorded too."""
    has_data = (dataset_path(size) / "dataset.json").exists()
    has_export = export_path(size).exists() or not export
    if has_data and has_export:
        return
    chunk = {"20k": 20_000, "200k": 100_000, "1M": 500_000, "500k": 250_000, "2M": 500_000, "20M": 500_000}[size]
    args = ["benchmarks/make_data.py", "--size", size, "--chunk", str(chunk)] + (["--export"] if export else [])
    record("generate", size, "demo", "export" if export else "dataset", measure(args))


def bench_ingest(size: str) -> None:
    out = OUT / f"ingested_{size}"
    shutil.rmtree(out, ignore_errors=True)
    # chunked (evalkit.ingest.ChunkedIngest, blocks of 500,000 lines); at 200k also the whole-file
    # ingest (--chunk-rows 0: evalkit.ingest.ingest), which needs the whole export in memory
    variants = [("csv-gbk chunked 500k rows", "500000")] + ([("csv-gbk in memory", "0")] if size == "200k" else [])
    for variant, rows in variants:
        record(
            "ingest",
            size,
            "evalkit",
            variant,
            measure(
                [
                    "-m",
                    "evalkit.cli",
                    "ingest",
                    str(export_path(size)),
                    "--out",
                    str(out),
                    "--measures",
                    str(export_path(size).with_name(f"{export_path(size).stem}_measures.csv")),
                    "--chunk-rows",
                    rows,
                    "--force-demo-key",  # the benchmark exports are synthetic
                ],
                timeout=3600,
            ),
        )
        shutil.rmtree(out, ignore_errors=True)


def bench_indicators(size: str) -> None:
    impls = ["duckdb", "pandas", "baseline"] if size != "20M" else ["duckdb"]
    for impl in impls:
        record(
            "indicators",
            size,
            impl,
            "county×year",
            measure(["benchmarks/bench_indicators.py", "--size", size, "--impl", impl], timeout=3600),
        )


def bench_inequality(size: str) -> None:
    for impl in ("evalkit", "baseline"):
        record(
            "inequality",
            size,
            impl,
            "county×year",
            measure(["benchmarks/bench_inequality.py", "--size", size, "--impl", impl], timeout=3600),
        )


def bench_twfe(size: str) -> None:
    record(
        "twfe",
        size,
        "evalkit",
        "all households",
        measure(["benchmarks/bench_twfe.py", "--size", size, "--impl", "evalkit"], timeout=3600),
    )
    if size != "200k":
        return
    for n in (
        1_000,
        2_000,
        4_000,
    ):  # statsmodels with dummies: until it fails or takes > 10 min (time ∝ n³, memory ∝ n²)
        row = record(
            "twfe",
            size,
            "statsmodels",
            f"{n} households",
            measure(
                ["benchmarks/bench_twfe.py", "--size", size, "--impl", "statsmodels", "--households", str(n)],
                timeout=600,
            ),
        )
        if row.get("status") != "ok":
            break


def bench_did(size: str) -> None:
    for impl in ("evalkit", "direct"):
        record(
            "did",
            size,
            impl,
            "industry_award",
            measure(["benchmarks/bench_did.py", "--size", size, "--impl", impl], timeout=3600),
        )


#: Report regions in the batch benchmark: "all" (the 29 demo regions) or the first N of
#: ``evalkit.registry.report_regions()`` (``--batch-regions``).
BATCH_REGIONS = "all"


def bench_batch(size: str) -> None:
    """Item 6 (on the demo panel in data/demo, whatever ``size``): ``evalkit batch`` with
    ``--jobs 1`` and ``--jobs 2`` over the same regions, the serial papermill loop, and the
    per-report cost split of ``report_cost.py`` (its CSV copied to results/report_cost.csv)."""
    if size != "200k":
        return
    from evalkit.core.registry import report_regions

    codes = [r.code for r in report_regions()]
    chosen = codes if BATCH_REGIONS == "all" else codes[: int(BATCH_REGIONS)]
    variant = f"{len(chosen)} regions"
    for jobs in ("1", "2"):
        out = OUT / f"reports_jobs{jobs}"
        shutil.rmtree(out, ignore_errors=True)
        record(
            "batch",
            "demo",
            f"evalkit --jobs {jobs}",
            variant,
            measure(
                [
                    "-m",
                    "evalkit.cli",
                    "batch",
                    "--year",
                    "2025",
                    "--jobs",
                    jobs,
                    "--regions",
                    ",".join(chosen),
                    "--out",
                    str(out),
                ],
                timeout=3600,
            ),
        )
    record(
        "batch",
        "demo",
        "papermill loop",
        variant,
        measure(["benchmarks/bench_batch_loop.py", "--regions", BATCH_REGIONS], timeout=3600),
    )
    record(
        "batch",
        "demo",
        "report_cost.py",
        "mile: per-report split",
        measure(["benchmarks/report_cost.py", "--regions", "0"], timeout=1800),
    )
    split = OUT / "report_cost.csv"
    if split.exists():
        shutil.copy(split, RESULTS / "report_cost.csv")


#: Item 8: numbers of county reports (``--county-reports``), the demo folder they are made from
#: (``--scale-data``; written by ``evalkit demo-data`` when missing) and the ways of running them.
COUNTY_REPORTS = "25,100"
SCALE_DATA = str(OUT / "county_demo")
SCALE_MODES = {
    "evalkit --jobs 1": ["--jobs", "1"],
    "evalkit --jobs 2": ["--jobs", "2"],
    "evalkit --scheduler local (2 workers)": ["--scheduler", "local", "--jobs", "2"],
}


def county_codes(n: int) -> list[str]:
    """The first ``n`` counties of the region registry (registry order: by province and prefecture)."""
    from evalkit.core.registry import regions

    table = regions()
    codes = table.loc[table["level"] == "county", "code"].tolist()
    if n > len(codes):
        raise SystemExit(f"--county-reports {n}: the registry has {len(codes)} counties")
    return codes[:n]


def bench_scale(size: str) -> None:
    """Item 8 (a national-shaped batch, measured once whatever ``size``): ``evalkit batch`` of N
    county reports (HTML only, year 2025) with ``--jobs 1``, ``--jobs 2`` and a two-worker
    LocalCluster; wall, CPU (the process and its children: kernels, workers), peak RSS of the
    largest process, load average, and CPU seconds per report."""
    import subprocess
    import tempfile

    if not (Path(SCALE_DATA) / "meta.json").exists():
        subprocess.run([sys.executable, "-m", "evalkit.cli", "demo-data", "--out", SCALE_DATA], check=True)
    for n in (int(x) for x in COUNTY_REPORTS.split(",") if x):
        codes = county_codes(n)
        for impl, options in SCALE_MODES.items():
            with tempfile.TemporaryDirectory(prefix="evalkit-scale-") as out:
                args = ["-m", "evalkit.cli", "batch", "--data", SCALE_DATA, "--formats", "html", "--year", "2025"]
                result = measure([*args, *options, "--regions", ",".join(codes), "--out", out], timeout=4 * 3600)
                written = len(list(Path(out, "2025").glob("*.html"))) - 1  # less index.html
            result["reports_written"] = written
            if result.get("cpu_s") and written > 0:
                result["cpu_s_per_report"] = round(result["cpu_s"] / written, 1)
                result["wall_s_per_report"] = round(result["wall_s"] / written, 1)
            record("scale", "demo 30k", impl, f"{n} county reports", result)


def bench_peers(size: str) -> None:
    """Item 7: the peer pairs (benchmarks/peers.py); the report pair on ``REPORT_DATA`` (generated
    by ``evalkit demo-data`` when missing), measured with the first size only."""
    import subprocess

    from peers import run_pairs

    wants_report = PEER_ITEMS is None or "report" in PEER_ITEMS
    if wants_report and not (Path(REPORT_DATA) / "meta.json").exists():
        subprocess.run([sys.executable, "-m", "evalkit.cli", "demo-data", "--out", REPORT_DATA], check=True)
    first = not (RESULTS / "peers.csv").exists() or size == "200k"
    run_pairs(size, items=PEER_ITEMS, repeats=PEER_REPEATS, report_data=REPORT_DATA if first else None)


RUNNERS = {
    "ingest": bench_ingest,
    "indicators": bench_indicators,
    "inequality": bench_inequality,
    "twfe": bench_twfe,
    "did": bench_did,
    "batch": bench_batch,
    "peers": bench_peers,
    "scale": bench_scale,
}


def render_table() -> str:
    """Markdown table of every result CSV (the README's results section)."""
    lines = [
        "| item | households | implementation | variant | wall (s) | CPU (s) | peak RSS (MB) | phases (s) "
        "| load avg | target | meets |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | --- | --- | --- | --- |",
    ]
    order = ["generate", *(i for i in ITEMS.values() if i != "peers")]  # peers: their own table
    for item in order:
        file = RESULTS / f"{item}.csv"
        if not file.exists():
            continue
        with open(file, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        size_rank = {"200k": 0, "500k": 1, "2M": 2, "20M": 3}
        rows.sort(key=lambda r: (size_rank.get(r["size"], 9), r["impl"], r["variant"]))
        for r in rows:
            phases = ", ".join(
                f"{k[:-2]} {float(v):.1f}"
                for k, v in r.items()
                if k.endswith("_s") and k not in ("wall_s", "cpu_s") and v
            )
            status = r["wall_s"] if r.get("status") == "ok" else f"{r.get('status')}"
            lines.append(
                f"| {item} | {r['size']} | {r['impl']} | {r['variant']} | {status} | {r.get('cpu_s', '')} | "
                f"{r.get('peak_rss_mb', '')} | {phases} | {r.get('load_before', '')}→{r.get('load_after', '')} | "
                f"{r.get('target', '')} | {r.get('meets_target', '')} |"
            )
    return "\n".join(lines)


def render_growth() -> str:
    """How cost grows from 200k to 2M households (10× the rows): ratio of CPU seconds and wall."""
    lines = [
        "| item | implementation | variant | CPU 200k (s) | CPU 2M (s) | CPU ratio | wall ratio | memory ratio |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for item in (i for i in ITEMS.values() if i != "peers"):
        file = RESULTS / f"{item}.csv"
        if not file.exists():
            continue
        with open(file, newline="", encoding="utf-8") as fh:
            rows = {(r["size"], r["impl"], r["variant"]): r for r in csv.DictReader(fh) if r.get("status") == "ok"}
        for (size, impl, variant), small in sorted(rows.items()):
            big = rows.get(("2M", impl, variant))
            if size != "200k" or big is None:
                continue

            def ratio(key, a=small, b=big):
                try:
                    return f"{float(b[key]) / float(a[key]):.1f}"
                except (KeyError, ValueError, ZeroDivisionError):
                    return ""

            lines.append(
                f"| {item} | {impl} | {variant} | {small.get('cpu_s', '')} | {big.get('cpu_s', '')} | "
                f"{ratio('cpu_s')} | {ratio('wall_s')} | {ratio('peak_rss_mb')} |"
            )
    return "\n".join(lines)


def write_readme_table() -> None:
    text = README.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{README}: markers {START} … {END} missing")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    body = f"{render_table()}\n\nGrowth from 200,000 to 2,000,000 households (10× the rows):\n\n{render_growth()}"
    text = f"{head}{START}\n{body}\n{END}{tail}"
    if PEERS_START in text and PEERS_END in text:
        from peers import render_peers

        head, rest = text.split(PEERS_START, 1)
        _, tail = rest.split(PEERS_END, 1)
        text = f"{head}{PEERS_START}\n{render_peers()}\n{PEERS_END}{tail}"
    README.write_text(text, encoding="utf-8")


def main() -> None:
    global BATCH_REGIONS, COUNTY_REPORTS, SCALE_DATA, PEER_ITEMS, PEER_REPEATS
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="200k,2M,20M", help="comma-separated: 200k, 500k, 2M, 20M")
    parser.add_argument(
        "--items",
        default=DEFAULT_ITEMS,
        help="item numbers (1–8; 7: the peers; 8: the county batch)",
    )
    parser.add_argument("--table", action="store_true", help="only re-render the README table")
    parser.add_argument("--batch-regions", default="all", help="item 6: all, or the first N report regions")
    parser.add_argument("--keep-data", action="store_true", help="keep the 20M panel in benchmarks/out")
    parser.add_argument(
        "--peer-items", default="all", help="item 7: all, or pairs of peers.PAIRS (indicators,backend,...)"
    )
    parser.add_argument("--peer-repeats", type=int, default=PEER_REPEATS, help="item 7: alternated rounds per pair")
    parser.add_argument("--county-reports", default=COUNTY_REPORTS, help="item 8: numbers of county reports")
    parser.add_argument("--scale-data", default=SCALE_DATA, help="item 8: the demo folder the reports are made from")
    parser.add_argument(
        "--scale-modes", default="all", help="item 8: all, or a comma-separated subset of jobs1, jobs2, local"
    )
    args = parser.parse_args()
    BATCH_REGIONS = args.batch_regions
    COUNTY_REPORTS, SCALE_DATA = args.county_reports, args.scale_data
    PEER_ITEMS = None if args.peer_items == "all" else [i for i in args.peer_items.split(",") if i]
    PEER_REPEATS = args.peer_repeats
    if args.scale_modes != "all":
        keys = dict(zip(("jobs1", "jobs2", "local"), list(SCALE_MODES), strict=True))
        wanted = [keys[m] for m in args.scale_modes.split(",") if m]
        for impl in list(SCALE_MODES):
            if impl not in wanted:
                del SCALE_MODES[impl]
    if not args.table:
        sizes = [s for s in args.sizes.split(",") if s]
        unknown = [s for s in sizes if s not in SIZES]
        if unknown:
            raise SystemExit(f"unknown sizes {unknown}; use {list(SIZES)}")
        items = [ITEMS[int(i)] for i in args.items.split(",") if i]
        for size in sizes:
            chosen = [i for i in items if size != "20M" or i in ITEMS_20M]
            if not chosen:
                continue
            if any(i not in NO_PANEL for i in chosen):
                ensure_data(size, export="ingest" in chosen)
            for item in chosen:
                RUNNERS[item](size)
            if size == "20M" and not args.keep_data:  # ~8 GB: never left behind
                shutil.rmtree(dataset_path(size), ignore_errors=True)
    write_readme_table()


if __name__ == "__main__":
    main()
