"""Income thresholds on the panel: counts below a line, the base-year cohort above it later,
year-to-year transitions, and weighted quintile groups (五等份) of last year's income.

The line is a number (e.g. 10,000 yuan, 弥勒 and 广西) or ``"monitoring_line"``: the province-year
监测线 (防止返贫监测范围), taken from ``evalkit.comparison.series("monitoring_line")`` or from an
explicit ``lines`` frame [province (or region), year, value]. "Below" means
net_income_pc < line (strictly); "above" means ≥ line. Households whose province-year has no
monitoring line are counted (``n_households_no_line``) and their group's figures are ``nan`` with
``status = "missing monitoring line"``: never counted as above or below.

All functions are vectorised (merges and groupby); public names are re-exported by
:mod:`evalkit.income`. :func:`below_threshold` and :func:`quintile_groups` also run as DuckDB
SQL in :mod:`evalkit.duckdb_indicators`; change both together (``tests/test_duckdb_indicators.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.schema import INCOME_INPUTS, net_income_pc
from evalkit.indicators.weighted import group_keys, weighted_midrank

MONITORING_LINE = "monitoring_line"
MISSING_LINE = "missing monitoring line"
TRANSITIONS = ("rose_above", "fell_below", "stayed_below", "stayed_above", "only_year0", "only_year1")


def per_capita_income(households: pd.DataFrame) -> pd.Series:
    """``net_income_pc`` of each row (the derived column, or derived here from the components)."""
    if len(households) == 0:
        raise EvalkitError("没有农户数据(空组) / no households (empty group)", code="E-DATA-EMPTY")
    if "net_income_pc" in households.columns:
        pc = households["net_income_pc"].astype(float)
    else:
        absent = [c for c in INCOME_INPUTS if c not in households.columns]
        if absent:
            raise EvalkitError(f"缺少列 / missing columns: {', '.join(absent)}")
        pc = net_income_pc(households).astype(float)
    if pc.isna().any():
        raise EvalkitError(
            f"人均纯收入有 {int(pc.isna().sum())} 个缺失值 / net_income_pc has {int(pc.isna().sum())} missing values"
        )
    return pc


def line_per_row(
    households: pd.DataFrame, line, lines: pd.DataFrame | None = None, include_synthetic: bool = False
) -> pd.Series:
    """The threshold that applies to each household-year row (``nan`` where no monitoring line exists).

    ``line``: a positive number, or ``"monitoring_line"`` resolved per ``province`` × ``year`` from
    ``lines`` (columns province or region, year, value) or, by default, from
    ``evalkit.comparison.series("monitoring_line", include_synthetic)``.
    """
    if isinstance(line, str):
        if line != MONITORING_LINE:
            raise EvalkitError(
                f"line 必须是数字或 'monitoring_line' / line must be a number or 'monitoring_line', got {line!r}",
                code="E-LINE-KIND",
            )
        if "province" not in households.columns:
            raise EvalkitError("按省监测线需要 province 列 / the monitoring line needs the province column")
        if lines is None:
            from evalkit.core.comparison import series

            lines = series(MONITORING_LINE, include_synthetic=include_synthetic)
        if lines is None or len(lines) == 0:
            return pd.Series(np.nan, index=households.index, name="line")
        table = lines.rename(columns={"region": "province"})[["province", "year", "value"]]
        table = table.astype({"province": object, "year": "int64", "value": float}).drop_duplicates(
            ["province", "year"]
        )
        keys = households[["province", "year"]].astype({"province": object, "year": "int64"})
        return pd.Series(
            keys.merge(table, on=["province", "year"], how="left")["value"].to_numpy(),
            index=households.index,
            name="line",
        )
    z = float(line)
    if not np.isfinite(z) or z <= 0:
        raise EvalkitError(
            f"收入线必须为正数 / the income line must be positive, got {line!r}", code="E-LINE-NOT-POSITIVE"
        )
    return pd.Series(z, index=households.index, name="line")


def _line_label(line) -> str:
    return line if isinstance(line, str) else f"{float(line):g}"


def below_threshold(
    households: pd.DataFrame, line, by=(), *, lines: pd.DataFrame | None = None, include_synthetic: bool = False
) -> pd.DataFrame:
    """Number and share of households and persons with net_income_pc < line, by group × year.

    Columns: by…, year, line, n_households, n_persons, n_households_below, n_persons_below,
    share_households_below = n_households_below / n_households, share_persons_below =
    n_persons_below / n_persons, n_households_no_line, status ("ok" | "missing monitoring line").

    Parameters
    ----------
    households : pandas.DataFrame
        Household-year rows with the income components, ``household_size`` and, for the
        monitoring line, ``province``.
    line : float or "monitoring_line"
        A positive line in yuan per person (e.g. 10,000), or each province's 防止返贫监测 line of
        the year.
    by : str or sequence of str, default ()
        Grouping columns besides ``year``.
    lines : pandas.DataFrame, optional
        Monitoring lines (province or region, year, value); default the comparison series
        ``monitoring_line`` (:mod:`evalkit.core.comparison`, sources in data/).
    include_synthetic : bool, default False
        Allow the synthetic lines of the demo regions.

    Returns
    -------
    pandas.DataFrame
        One row per group × year: households and persons below the line, their shares and the
        households without a line (columns above).

    Raises
    ------
    EvalkitError
        ``E-LINE-KIND``, ``E-LINE-NOT-POSITIVE``, ``E-DATA-EMPTY``, ``E-DATA-MISSING-VALUES``,
        ``E-GROUP-COLUMNS``.
    """
    keys = group_keys(by, households)
    pc = per_capita_income(households)
    z = line_per_row(households, line, lines, include_synthetic)
    size = households["household_size"].astype(float)
    below = pc < z
    frame = households[keys].assign(
        _one=1, _size=size, _below=below.astype(int), _below_p=size * below, _noline=z.isna().astype(int)
    )
    sums = frame.groupby(keys, sort=True, observed=True, dropna=False).sum()
    out = pd.DataFrame(
        {
            "line": _line_label(line),
            "n_households": sums["_one"],
            "n_persons": sums["_size"],
            "n_households_below": sums["_below"].astype(float),
            "n_persons_below": sums["_below_p"],
        }
    )
    out["share_households_below"] = out["n_households_below"] / out["n_households"]
    out["share_persons_below"] = out["n_persons_below"] / out["n_persons"]
    out["n_households_no_line"] = sums["_noline"]
    incomplete = out["n_households_no_line"] > 0
    cols = ["n_households_below", "n_persons_below", "share_households_below", "share_persons_below"]
    out.loc[incomplete, cols] = np.nan
    out["status"] = np.where(incomplete, MISSING_LINE, "ok")
    return out.reset_index()


def share_above_since(
    households: pd.DataFrame,
    line,
    base_year: int,
    years,
    by=(),
    *,
    lines: pd.DataFrame | None = None,
    include_synthetic: bool = False,
    strict: bool = False,
) -> pd.DataFrame:
    """Among households below ``line`` in ``base_year`` (the cohort), the share at or above it in each of ``years``
    (strictly above with ``strict=True``: a clause saying 超过 — tracked cohorts say which, evalkit.evaluation.cohorts).

    The 弥勒 target (2022 ≥ 85 %, 2023 all of those below 10,000 yuan in the base year). Households
    are matched by ``household_id``; ``by`` is taken from the base year. Columns: by…, base_year,
    year, n_cohort, n_observed (cohort households present that year), n_missing, n_above,
    share_above = n_above / n_observed, share_above_persons (persons in that year), status
    ("ok" | "empty cohort" or "none observed": shares ``nan`` | "missing monitoring line").
    """
    by = [by] if isinstance(by, str) else list(by)
    years = [years] if np.isscalar(years) else list(years)
    pc = per_capita_income(households)
    z = line_per_row(households, line, lines, include_synthetic)
    if base_year not in set(households["year"].unique()):
        raise EvalkitError(f"基期 {base_year} 不在数据中 / base year {base_year} not in the data", code="E-YEAR-BASE")
    rows = households[["household_id", "year", "household_size", *by]].assign(_pc=pc, _z=z)
    base = rows[rows["year"] == base_year]
    cohort = base.loc[base["_pc"] < base["_z"], ["household_id", *by]]
    if len(cohort) == 0:
        out = pd.DataFrame(
            {
                "base_year": base_year,
                "year": years,
                "line": _line_label(line),
                "n_cohort": 0,
                "n_observed": 0,
                "n_missing": 0,
                "n_above": 0.0,
                "share_above": np.nan,
                "share_above_persons": np.nan,
                "status": "empty cohort",
            }
        )
        return out
    later = rows.loc[rows["year"].isin(years), ["household_id", "year", "household_size", "_pc", "_z"]]
    grid = cohort.merge(pd.DataFrame({"year": years}), how="cross").merge(
        later, on=["household_id", "year"], how="left"
    )
    observed = grid["_pc"].notna()
    above = observed & ((grid["_pc"] > grid["_z"]) if strict else (grid["_pc"] >= grid["_z"]))
    grid = grid.assign(
        _one=1,
        _obs=observed.astype(int),
        _above=above.astype(int),
        _size=grid["household_size"].fillna(0),
        _above_p=grid["household_size"].where(above, 0),
        _noline=(observed & grid["_z"].isna()).astype(int),
    )
    sums = grid.groupby([*by, "year"], sort=True, observed=True, dropna=False)[
        ["_one", "_obs", "_above", "_size", "_above_p", "_noline"]
    ].sum()
    out = pd.DataFrame(
        {
            "base_year": base_year,
            "line": _line_label(line),
            "n_cohort": sums["_one"],
            "n_observed": sums["_obs"],
            "n_missing": sums["_one"] - sums["_obs"],
            "n_above": sums["_above"].astype(float),
        }
    )
    out["share_above"] = out["n_above"] / out["n_observed"].where(out["n_observed"] > 0)
    out["share_above_persons"] = sums["_above_p"] / sums["_size"].where(sums["_size"] > 0)
    noline = sums["_noline"] > 0
    out.loc[noline, ["n_above", "share_above", "share_above_persons"]] = np.nan
    out["status"] = np.where(noline, MISSING_LINE, np.where(out["n_observed"] == 0, "none observed", "ok"))
    return out.reset_index()


def transitions(
    households: pd.DataFrame,
    line,
    year0: int,
    year1: int,
    by=(),
    *,
    lines: pd.DataFrame | None = None,
    include_synthetic: bool = False,
) -> pd.DataFrame:
    """Movements across ``line`` between ``year0`` and ``year1``, households matched by ``household_id``.

    transition: rose_above (below in year0, at/above in year1), fell_below, stayed_below,
    stayed_above, only_year0 (not in the panel in year1), only_year1 (entered), and
    ``no_line`` for households whose province-year has no monitoring line. Columns: by… (from
    year0, else year1), year0, year1, transition, n_households, n_persons (year1 size, year0 for
    only_year0), share_households (of the group's households in either year). Every category is
    listed for every group (true zero counts appear as 0).
    """
    by = [by] if isinstance(by, str) else list(by)
    pc = per_capita_income(households)
    z = line_per_row(households, line, lines, include_synthetic)
    rows = households[["household_id", "year", "household_size", *by]].assign(
        _below=np.where(z.isna(), np.nan, (pc < z).astype(float))
    )
    r0 = rows[rows["year"] == year0].drop(columns="year")
    r1 = rows[rows["year"] == year1].drop(columns="year")
    if len(r0) == 0 or len(r1) == 0:
        raise EvalkitError(f"年度 {year0} 或 {year1} 没有数据 / no data for year {year0} or {year1}")
    m = r0.merge(r1, on="household_id", how="outer", suffixes=("_0", "_1"), indicator=True)
    b0, b1 = m["_below_0"], m["_below_1"]
    state = np.select(
        [
            m["_merge"] == "left_only",
            m["_merge"] == "right_only",
            b0.isna() | b1.isna(),
            (b0 == 1) & (b1 == 0),
            (b0 == 0) & (b1 == 1),
            (b0 == 1) & (b1 == 1),
        ],
        ["only_year0", "only_year1", "no_line", "rose_above", "fell_below", "stayed_below"],
        "stayed_above",
    )
    data = pd.DataFrame({c: m[f"{c}_0"].where(m["_merge"] != "right_only", m[f"{c}_1"]) for c in by})
    data["transition"] = pd.Categorical(state, categories=[*TRANSITIONS, "no_line"])
    data["_persons"] = m["household_size_1"].fillna(m["household_size_0"])
    data["_one"] = 1
    sums = data.groupby([*by, "transition"], sort=True, observed=False, dropna=False)[["_one", "_persons"]].sum()
    out = sums.rename(columns={"_one": "n_households", "_persons": "n_persons"}).reset_index()
    no_line = out["transition"] == "no_line"
    if out.loc[no_line, "n_households"].sum() == 0:  # list "no_line" only when it happens
        out = out[~no_line]
    total = (
        out.groupby(by, sort=False, dropna=False)["n_households"].transform("sum") if by else out["n_households"].sum()
    )
    out["share_households"] = out["n_households"] / total
    out["transition"] = out["transition"].astype(str)
    out.insert(len(by), "year0", year0)
    out.insert(len(by) + 1, "year1", year1)
    return out.reset_index(drop=True)


def quintile_groups(households: pd.DataFrame, year: int, by=()) -> pd.Series:
    """Weighted quintile group (五等份, 1 = bottom 20 %) of each household's year − 1 net_income_pc.

    q_i = min(5, ⌊5 F_i⌋ + 1) with F_i the person-weighted mid-rank (weights household_size, tied
    incomes share a rank and so a quintile; :func:`evalkit.indicators.weighted.weighted_midrank`),
    computed within each ``by`` group (e.g. the county) when given. Returns a Series indexed by
    household_id (households present in year − 1), name ``quintile``. 江西's first 增收重点对象
    group is ``quintile == 1``. A group of one household falls in quintile 3 (F = 0.5).
    """
    by = [by] if isinstance(by, str) else list(by)
    prev = households[households["year"] == year - 1]
    if len(prev) == 0:
        raise EvalkitError(
            f"五等份需要上一年({year - 1})数据 / quintiles need the previous year ({year - 1}) in the data",
            code="E-YEAR-PREVIOUS",
        )
    codes = prev.groupby(by, sort=True, observed=True, dropna=False).ngroup().to_numpy() if by else None
    q = weighted_quintiles(per_capita_income(prev), prev["household_size"], codes)
    return pd.Series(q, index=pd.Index(prev["household_id"].to_numpy(), name="household_id"), name="quintile")


def weighted_quintiles(pc, weights, codes: np.ndarray | None = None) -> np.ndarray:
    """The quintile group of :func:`quintile_groups` for each row: min(5, ⌊5 F⌋ + 1), F the
    ``weights``-weighted mid-rank of ``pc`` within the rows' groups (integer ``codes``, any
    labelling; ``None``: one group). Shared by the pandas and the DuckDB path."""
    f = weighted_midrank(np.asarray(pc, dtype=float), np.asarray(weights, dtype=float), codes)
    return np.minimum(np.floor(5 * f).astype(int) + 1, 5)


__all__ = [
    "below_threshold",
    "share_above_since",
    "transitions",
    "quintile_groups",
    "weighted_quintiles",
    "line_per_row",
    "per_capita_income",
]
