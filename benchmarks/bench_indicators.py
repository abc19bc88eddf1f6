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
  ``groupby(["county", "year"]).sum()``, ``shift`` for growth and ``groupby().rank`` for quintiles;
* ``default``: what evalkit picks by itself (:func:`evalkit.indicators.duckdb_backend.choose_backend`
  called as ``indicators(backend="auto")`` calls it, then that path; the choice is printed as ``backend``);

peers (issue 17), the tools a user would pick instead:

* ``pandas-groupby``: a plain pandas groupby (as ``baseline``) on the needed columns only;
* ``polars``: a polars lazy query over the Parquet files (the sums of the five components, shares,
  growth, below-line counts and unweighted quintile ranks; no household ids), collected once;
* ``polars-full``: a polars lazy query computing what evalkit's set computes (the same tables:
  also the six transfer-detail columns per capita, households and persons, the below-line counts
  on the stored ``net_income_pc``, growth contributions against year − 1, and every year − 1
  household's quintile by the person-weighted mid-rank within its county, indexed by
  ``household_id``), collected once (:func:`run_polars_full`; its numbers equal evalkit's:
  ``benchmarks/check_polars_full.py``).
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


NEEDED = ["county", "year", "household_size", *COMPONENTS]


def run_polars(path: Path) -> dict:
    import polars as pl

    frame = pl.scan_parquet(str(path / "households" / "**" / "*.parquet"), hive_partitioning=True).select(NEEDED)
    frame = frame.with_columns(net_operating=pl.col("operating_income") - pl.col("operating_expenses"))
    frame = frame.with_columns(
        net_income=pl.col("wage") + pl.col("net_operating") + pl.col("property") + pl.col("transfer")
    )
    frame = frame.with_columns(below=(pl.col("net_income") / pl.col("household_size") < LINE).cast(pl.Int64))
    frame = frame.with_columns(persons_below=pl.col("below") * pl.col("household_size"))
    values = ["net_income", *COMPONENTS, "net_operating"]
    sums = frame.group_by(["county", "year"]).agg(pl.col(["household_size", *values, "below", "persons_below"]).sum())
    levels = sums.select(
        "county", "year", *[(pl.col(c) / pl.col("household_size")).alias(f"{c}_pc") for c in values]
    ).with_columns(
        [
            (pl.col(f"{c}_pc") / pl.col("net_income_pc")).alias(f"share_{c}")
            for c in ("wage", "net_operating", "property", "transfer")
        ]
    )
    levels = levels.sort(["county", "year"])
    pcs = [f"{c}_pc" for c in values]
    growth = levels.select(
        "county",
        "year",
        *[
            (
                (pl.col(c) - pl.col(c).shift(1).over("county")) / pl.col("net_income_pc").shift(1).over("county") * 100
            ).alias(c)
            for c in pcs
        ],
    )
    below = sums.select(
        "county", "year", "below", "persons_below", share=pl.col("persons_below") / pl.col("household_size")
    )
    last = frame.select(pl.col("year").max()).collect().item()
    quint = (
        frame.filter(pl.col("year") == last - 1)
        .with_columns(pc=pl.col("net_income") / pl.col("household_size"))
        .with_columns(
            quintile=pl.min_horizontal(
                ((pl.col("pc").rank("average").over("county") / pl.len().over("county")) * 5).cast(pl.Int64) + 1, 5
            )
        )
        .select("county", "quintile")
    )
    out = pl.collect_all([levels, growth, below, quint])
    return dict(zip(["levels", "growth", "below", "quintiles"], out, strict=True))


def run_polars_full(path: Path) -> dict:
    """The indicator set evalkit computes, as one polars query (module docstring)."""
    import polars as pl

    from evalkit.core.schema import TRANSFER_DETAIL  # the column names only

    detail = list(TRANSFER_DETAIL)
    scan = pl.scan_parquet(str(path / "households" / "**" / "*.parquet"), hive_partitioning=True)
    frame = scan.select([*NEEDED, *detail, "net_income_pc"])
    below = pl.col("net_income_pc") < LINE
    sums = frame.group_by(["county", "year"]).agg(
        pl.len().alias("n_households"),
        pl.col("household_size").cast(pl.Float64).sum().alias("n_persons"),
        *[pl.col(c).sum() for c in [*COMPONENTS, *detail]],
        below.sum().cast(pl.Float64).alias("n_households_below"),
        pl.col("household_size").cast(pl.Float64).filter(below).sum().alias("n_persons_below"),
    )
    pc = {c: pl.col(c) / pl.col("n_persons") for c in [*COMPONENTS, *detail]}
    pc["net_operating"] = pc["operating_income"] - pc["operating_expenses"]
    pc["net_income"] = pc["wage"] + pc["net_operating"] + pc["property"] + pc["transfer"]
    levels = sums.select(
        "county", "year", "n_households", "n_persons", *[v.alias(f"{c}_pc") for c, v in pc.items()]
    ).with_columns(
        [
            (pl.col(f"{c}_pc") / pl.col("net_income_pc")).alias(f"share_{c}")
            for c in ("wage", "net_operating", "property", "transfer")
        ]
    )
    levels = levels.sort(["county", "year"])
    base = levels.select(
        "county", (pl.col("year") + 1).alias("year"), *[pl.col(f"{c}_pc").alias(f"{c}_base") for c in pc]
    )
    n0 = pl.col("net_income_base")
    growth = (
        levels.join(base, on=["county", "year"], how="inner")
        .select(
            "county",
            "year",
            ((pl.col("net_income_pc") - n0) / n0).alias("growth_rate"),
            *[
                ((pl.col(f"{c}_pc") - pl.col(f"{c}_base")) * (-1 if c == "operating_expenses" else 1)).alias(
                    f"contrib_{c}_yuan"
                )
                for c in ("wage", "operating_income", "operating_expenses", "property", "transfer")
            ],
        )
        .sort(["county", "year"])
    )
    below_table = sums.select(
        "county",
        "year",
        "n_households_below",
        "n_persons_below",
        share_households_below=pl.col("n_households_below") / pl.col("n_households"),
        share_persons_below=pl.col("n_persons_below") / pl.col("n_persons"),
    ).sort(["county", "year"])
    last = scan.select(pl.col("year").max()).collect().item()
    prev = scan.filter(pl.col("year") == last - 1).select(
        "household_id", "county", pl.col("household_size").cast(pl.Float64).alias("w"), pc="net_income_pc"
    )
    # person-weighted mid-rank within the county: tie blocks (county, income), their cumulative weight
    blocks = (
        prev.group_by(["county", "pc"])
        .agg(pl.col("w").sum().alias("wb"))
        .sort(["county", "pc"])
        .with_columns(cum=pl.col("wb").cum_sum().over("county"), total=pl.col("wb").sum().over("county"))
        .select(
            "county",
            "pc",
            quintile=pl.min_horizontal(
                (5 * (pl.col("cum") - pl.col("wb") / 2) / pl.col("total")).floor().cast(pl.Int64) + 1, 5
            ),
        )
    )
    quint = prev.join(blocks, on=["county", "pc"], how="left", maintain_order="left").select("household_id", "quintile")
    out = pl.collect_all([levels, growth, below_table, quint])
    return dict(zip(["levels", "growth", "below", "quintiles"], out, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, required=True)
    parser.add_argument(
        "--impl",
        choices=["duckdb", "pandas", "baseline", "default", "pandas-groupby", "polars", "polars-full"],
        required=True,
    )
    args = parser.parse_args()
    path = dataset_path(args.size)
    phases = Phases()
    extra = {}
    if args.impl == "default":
        from evalkit.indicators.duckdb_backend import choose_backend

        with phases("choose"):  # as indicators(backend="auto") chooses: no schema read, no file listing
            args.impl = extra["backend"] = choose_backend(path)
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
    elif args.impl in ("polars", "polars-full"):
        with phases("compute"):
            tables = (run_polars if args.impl == "polars" else run_polars_full)(path)
    else:
        with phases("load"):
            # baseline: every column; pandas-groupby: the needed ones only
            frame = pd.read_parquet(path / "households", columns=NEEDED if args.impl == "pandas-groupby" else None)
            frame["year"] = frame["year"].astype("int64")
        with phases("compute"):
            tables = baseline(frame)
    first = next(iter(tables.values()))
    phases.emit(out_rows=len(first), tables=len(tables), **extra)


if __name__ == "__main__":
    main()
