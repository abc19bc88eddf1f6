"""Benchmark 3: Gini by income source (Lerman–Yitzhaki) and FGT(0, 1, 2) by county × year.

    python benchmarks/bench_inequality.py --size 2M --impl evalkit|baseline

``evalkit``: only the needed columns are read from the dataset
(:func:`evalkit.dataset.read_households`, no household ids), then the vectorised grouped
functions :func:`evalkit.inequality.gini_by_source` (``groups`` = county × year) and
:func:`evalkit.inequality.inequality_table` (``line`` = the FGT line) run once over all groups.
``baseline``: the straightforward pandas way, ``groupby(["county", "year"]).apply`` with a
sort-based weighted Gini and FGT per group (what one writes without the library).
The poverty line is a fixed 8,000 yuan per person (an illustrative line, the same for both).

Peers (issue 17), on the same columns as ``evalkit``:

* ``numpy``: a direct numpy implementation: per source one ``lexsort`` by (group, value),
  cumulative weights within the group, weighted ranks, the Lerman–Yitzhaki terms (share, source
  Gini, Gini correlation with the total's rank) and FGT(0,1,2) by ``bincount`` (ties are not
  given mid-ranks, evalkit's convention);
* ``polars``: the same computation as a polars query (sort by group and value, cumulative weight
  sums over the group, grouped aggregates).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SIZES, Phases, dataset_path  # noqa: E402

LINE = 8_000.0
SOURCES = ("wage", "net_operating", "property", "transfer")
COLUMNS = ["county", "household_size", *SOURCES]


def per_capita(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({f"{s}_pc": frame[s].to_numpy() / frame["household_size"].to_numpy() for s in SOURCES})
    out["net_income_pc"] = out.sum(axis=1)
    return out


def run_evalkit(frame: pd.DataFrame) -> tuple[int, int]:
    from evalkit.indicators.inequality import gini_by_source, inequality_table

    pc = per_capita(frame)
    # integer county × year codes: factorising 12 M strings would cost more than the Ginis
    county = pd.factorize(frame["county"], sort=True)[0].astype(np.int64)
    groups = county * 10_000 + frame["year"].to_numpy(np.int64)
    by_source = gini_by_source(
        pc[[f"{s}_pc" for s in SOURCES]], weights=frame["household_size"].to_numpy(), groups=groups
    )
    table = inequality_table(
        pd.concat([frame[["county", "year", "household_size"]], pc[["net_income_pc"]]], axis=1),
        by=["county"],
        line=LINE,
    )
    return len(by_source), len(table)


def _gini(y: np.ndarray, w: np.ndarray) -> float:
    order = np.argsort(y, kind="mergesort")
    y, w = y[order], w[order]
    cw = np.cumsum(w)
    rank = (cw - w / 2) / cw[-1]
    mu = np.sum(w * y) / cw[-1]
    return 2 * (np.sum(w * y * rank) / cw[-1] - mu * np.sum(w * rank) / cw[-1]) / mu


def run_baseline(frame: pd.DataFrame) -> tuple[int, int]:
    pc = per_capita(frame)
    data = pd.concat([frame[["county", "year", "household_size"]], pc], axis=1)

    def per_group(g: pd.DataFrame) -> pd.Series:
        w = g["household_size"].to_numpy(float)
        y = g["net_income_pc"].to_numpy()
        out = {"gini": _gini(y, w)}
        for s in SOURCES:
            out[f"gini_{s}"] = _gini(g[f"{s}_pc"].to_numpy(), w)
        gap = np.where(y < LINE, (LINE - y) / LINE, 0.0)
        for a in (0, 1, 2):
            out[f"fgt{a}"] = np.sum(w * ((y < LINE) if a == 0 else gap**a)) / w.sum()
        return pd.Series(out)

    table = data.groupby(["county", "year"]).apply(per_group)
    return len(table), len(table)


def _group_codes(frame: pd.DataFrame) -> np.ndarray:
    county = pd.factorize(frame["county"], sort=True)[0].astype(np.int64)
    year = frame["year"].to_numpy(np.int64)
    return pd.factorize(county * 10_000 + year, sort=True)[0]


def run_numpy(frame: pd.DataFrame) -> tuple[int, int]:
    pc = per_capita(frame)
    g = _group_codes(frame)
    w = frame["household_size"].to_numpy(float)
    n = int(g.max()) + 1
    total_w = np.bincount(g, w, n)

    def rank(y: np.ndarray) -> np.ndarray:
        order = np.lexsort((y, g))
        cw = np.cumsum(w[order])
        start = np.concatenate([[0.0], np.cumsum(total_w)[:-1]])
        out = np.empty_like(y)
        out[order] = (cw - start[g[order]] - w[order] / 2) / total_w[g[order]]
        return out

    def mean(x: np.ndarray) -> np.ndarray:
        return np.bincount(g, w * x, n) / total_w

    def cov(x: np.ndarray, f: np.ndarray) -> np.ndarray:
        return mean(x * f) - mean(x) * mean(f)

    y = pc["net_income_pc"].to_numpy()
    f = rank(y)
    mu = mean(y)
    result = {"gini": 2 * cov(y, f) / mu}
    for s in SOURCES:
        x = pc[f"{s}_pc"].to_numpy()
        fs = rank(x)
        cov_own = cov(x, fs)
        result[f"share_{s}"] = mean(x) / mu
        result[f"gini_{s}"] = 2 * cov_own / mean(x)
        result[f"corr_{s}"] = cov(x, f) / cov_own
    gap = np.where(y < LINE, (LINE - y) / LINE, 0.0)
    for a in (0, 1, 2):
        result[f"fgt{a}"] = mean((y < LINE).astype(float) if a == 0 else gap**a)
    return n, len(result)


def run_polars(frame: pd.DataFrame) -> tuple[int, int]:
    import polars as pl

    pc = per_capita(frame)
    data = pl.from_pandas(pd.concat([frame[["county", "year", "household_size"]], pc], axis=1)).rename(
        {"household_size": "w"}
    )
    keys = ["county", "year"]
    data = data.with_columns(W=pl.col("w").sum().over(keys))

    def with_rank(df: pl.DataFrame, col: str, name: str) -> pl.DataFrame:
        df = df.sort([*keys, col])
        return df.with_columns(((pl.col("w").cum_sum().over(keys) - pl.col("w") / 2) / pl.col("W")).alias(name))

    data = with_rank(data, "net_income_pc", "f")
    cols = []
    for s in SOURCES:
        data = with_rank(data, f"{s}_pc", f"f_{s}")
    wm = lambda e: (pl.col("w") * e).sum() / pl.col("w").sum()  # noqa: E731
    y = pl.col("net_income_pc")
    cols.append((2 * (wm(y * pl.col("f")) - wm(y) * wm(pl.col("f"))) / wm(y)).alias("gini"))
    for s in SOURCES:
        x = pl.col(f"{s}_pc")
        own = wm(x * pl.col(f"f_{s}")) - wm(x) * wm(pl.col(f"f_{s}"))
        cols += [
            (wm(x) / wm(y)).alias(f"share_{s}"),
            (2 * own / wm(x)).alias(f"gini_{s}"),
            ((wm(x * pl.col("f")) - wm(x) * wm(pl.col("f"))) / own).alias(f"corr_{s}"),
        ]
    gap = pl.when(y < LINE).then((LINE - y) / LINE).otherwise(0.0)
    cols += [wm((y < LINE).cast(pl.Float64)).alias("fgt0"), wm(gap).alias("fgt1"), wm(gap**2).alias("fgt2")]
    table = data.group_by(keys).agg(cols)
    return len(table), len(table.columns)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, required=True)
    parser.add_argument("--impl", choices=["evalkit", "baseline", "numpy", "polars"], required=True)
    args = parser.parse_args()
    phases = Phases()
    with phases("load"):
        if args.impl in ("evalkit", "numpy", "polars"):
            from evalkit.io.dataset import read_households

            # only the columns the item needs: no household ids (12 M strings at 2M households)
            frame = read_households(dataset_path(args.size), ["year", *COLUMNS])
        else:
            # the straightforward way: read every column of every file
            frame = pd.read_parquet(dataset_path(args.size) / "households")
    with phases("compute"):
        run = {"evalkit": run_evalkit, "numpy": run_numpy, "polars": run_polars, "baseline": run_baseline}[args.impl]
        rows = run(frame)
    phases.emit(rows=len(frame), out_rows=rows[0])


if __name__ == "__main__":
    main()
