"""Benchmark 2: the full income indicator set by county × year.

    python benchmarks/bench_indicators.py --size 2M --impl duckdb|pandas|baseline

The set (:func:`evalkit.duckdb_indicators.indicator_tables`): levels and components per capita
and shares (``income_indicators``), year-on-year growth contributions, households and persons
below 10,000 yuan (``below_threshold``), and the quintile group (五等份) of every household of
the last year by its previous-year income within its county.

* ``duckdb``: DuckDB SQL straight over the Parquet files (nothing loaded into pandas but results);
* ``pandas``: evalkit's pandas functions (:mod:`evalkit.income`) after loading only the needed
  columns from the dataset;
* ``baseline``: the straightforward pandas way: read every column of the dataset, then
  ``groupby(["county", "year"]).sum()``, ``shift`` for growth and ``groupby().rank`` for quintiles.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SIZES, Phases, dataset_path  # noqa: E402

LINE = 10_000.0
BY = ["county"]
COMPONENTS = ["wage", "operating_income", "operating_expenses", "property", "transfer"]


def baseline(frame: pd.DataFrame) -> dict:
    frame = frame.assign(net_operating=frame["operating_income"] - frame["operating_expenses"])
    frame["net_income"] = frame["wage"] + frame["net_operating"] + frame["property"] + frame["transfer"]
    frame["below"] = (frame["net_income"] / frame["household_size"] < LINE).astype(int)
    frame["persons_below"] = frame["below"] * frame["household_size"]
    sums = frame.groupby(["county", "year"])[
        ["household_size", "net_income", *COMPONENTS, "net_operating", "below", "persons_below"]
    ].sum()
    levels = sums[["net_income", *COMPONENTS, "net_operating"]].div(sums["household_size"], axis=0).add_suffix("_pc")
    for c in ("wage", "net_operating", "property", "transfer"):
        levels[f"share_{c}"] = levels[f"{c}_pc"] / levels["net_income_pc"]
    prev = levels.groupby(level="county").shift(1)
    growth = (levels - prev).div(prev["net_income_pc"], axis=0) * 100
    below = sums[["below", "persons_below"]].assign(share=sums["persons_below"] / sums["household_size"])
    last = frame["year"].max()
    prev_year = frame[frame["year"] == last - 1].copy()
    prev_year["pc"] = prev_year["net_income"] / prev_year["household_size"]
    prev_year["quintile"] = np.minimum((prev_year.groupby("county")["pc"].rank(pct=True) * 5).astype(int) + 1, 5)
    return {"levels": levels, "growth": growth, "below": below, "quintiles": prev_year["quintile"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, required=True)
    parser.add_argument("--impl", choices=["duckdb", "pandas", "baseline"], required=True)
    args = parser.parse_args()
    path = dataset_path(args.size)
    phases = Phases()
    if args.impl == "duckdb":
        from evalkit.indicators.duckdb_backend import indicator_tables

        with phases("compute"):
            tables = indicator_tables(path, by=BY, line=LINE)
    elif args.impl == "pandas":
        from evalkit.indicators.duckdb_backend import _pandas_indicator_tables, needed_columns
        from evalkit.io.dataset import load_panel_from_dataset

        with phases("load"):
            households = load_panel_from_dataset(path, columns=needed_columns(path, BY), measures=False).households
        with phases("compute"):
            tables = _pandas_indicator_tables(households, by=BY, line=LINE)
    else:
        with phases("load"):
            frame = pd.read_parquet(path / "households")
            frame["year"] = frame["year"].astype("int64")
        with phases("compute"):
            tables = baseline(frame)
    first = next(iter(tables.values()))
    phases.emit(out_rows=len(first), tables=len(tables))


if __name__ == "__main__":
    main()
