"""Where the time of the DuckDB indicator set goes: each table timed on its own (each opens its
own connection), plus a bare row count and a two-column scan for the I/O floor; one JSON line.

    python benchmarks/profile_indicators.py --size 2M
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SIZES, dataset_path  # noqa: E402

from evalkit.indicators import duckdb_backend as ddb
from evalkit.io.dataset import duckdb_connection  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, required=True)
    args = parser.parse_args()
    path = dataset_path(args.size)
    timings = {}
    for name, call in {
        "connect_and_describe": lambda: ddb._Source(path),
        "income_indicators": lambda: ddb.income_indicators(path, ["county"]),
        "growth_contributions": lambda: ddb.growth_contributions(path, ["county"]),
        "below_threshold": lambda: ddb.below_threshold(path, 10_000, ["county"]),
        "quintile_groups": lambda: ddb.quintile_groups(path, 2025, ["county"]),
    }.items():
        start = time.perf_counter()
        call()
        timings[name] = round(time.perf_counter() - start, 2)
    con = duckdb_connection(path)
    start = time.perf_counter()
    n = con.execute("SELECT COUNT(*) FROM households").fetchall()[0][0]
    timings["count_rows"] = round(time.perf_counter() - start, 2)
    start = time.perf_counter()
    con.execute("SELECT county, year, SUM(wage), SUM(household_size) FROM households GROUP BY ALL").fetchall()
    timings["scan_two_columns"] = round(time.perf_counter() - start, 2)
    files = len(list((path / "households").rglob("*.parquet")))
    print(json.dumps({"size": args.size, "rows": n, "files": files, **timings}))


if __name__ == "__main__":
    main()
