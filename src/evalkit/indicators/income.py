"""Income indicators of the canonical panel: level, components, structure, growth, gap to rural residents.

Every function takes the household-year table (``Panel.households``: household totals in yuan,
``household_size``, ``year``, region columns) and returns a tidy DataFrame with one row per group
× year. ``by`` is a list of grouping columns (region level, ``household_type``, ``doudi``,
``relocated``, a quintile column, …); ``year`` is always a key. Missing group keys form their own
group (nothing is dropped).

Weighting (column ``weighting`` of the output):

* ``"person"`` (default, as official statistics): X_pc = Σ_i X_i / Σ_i size_i, total income over
  total persons of the group (国家统计局 住户收支调查: 人均 = 总收入 / 总人口).
* ``"household"``: X_pc = (1/n) Σ_i X_i / size_i, the mean over households of per-capita income.

Income account (POLICY.md): net_operating = operating_income − operating_expenses;
net_income = wage + net_operating + property + transfer; shares are component_pc / net_income_pc
for wage, net_operating, property and transfer, so they sum to 1.

Threshold, transition and quintile functions live in :mod:`evalkit.thresholds` and are
re-exported here (``evalkit.income.below_threshold`` etc.).

The same formulas run as DuckDB SQL over a Parquet dataset in :mod:`evalkit.duckdb_indicators`
(provincial and national panels); change both together — ``tests/test_duckdb_indicators.py``
checks that the two paths agree to 1e-9.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.core.config import LINE_10000
from evalkit.core.errors import EvalkitError
from evalkit.core.schema import (  # noqa: F401 (labour_group re-exported)
    COMPONENTS,
    INCOME_COLUMNS,
    TRANSFER_DETAIL,
    add_income_account,
    income_signs,
    labour_group,
)
from evalkit.indicators.thresholds import (  # noqa: F401  (re-exported: agreed public API of evalkit.income)
    below_threshold,
    per_capita_income,
    quintile_groups,
    share_above_since,
    transitions,
)
from evalkit.indicators.weighted import group_keys

#: Components whose change makes up the change of net income (expenses enter with a minus sign).
GROWTH_COMPONENTS: tuple[str, ...] = INCOME_COLUMNS
WEIGHTINGS = ("person", "household")
MISSING_COMPARISON = "missing comparison series"


def check_households(households: pd.DataFrame, columns, what: str = "households") -> None:
    """Raise :class:`EvalkitError` if ``households`` is empty, lacks ``columns``, has missing values
    in them, or has a household size below 1 (bilingual message naming column and rows)."""
    if len(households) == 0:
        raise EvalkitError(f"{what}: 没有农户数据(空组) / no households (empty group)", code="E-DATA-EMPTY")
    absent = [c for c in columns if c not in households.columns]
    if absent:
        raise EvalkitError(f"{what}: 缺少列 / missing columns: {', '.join(absent)}", code="E-DATA-COLUMNS")
    for col in columns:
        bad = households[col].isna()
        if col == "household_size":
            bad |= pd.to_numeric(households[col], errors="coerce").lt(1)
        if bad.any():
            rows = households.loc[bad, [c for c in ("household_id", "year") if c in households.columns]].head(5)
            where = "; ".join(", ".join(str(v) for v in r) for r in rows.itertuples(index=False))
            raise EvalkitError(
                f"{what}: 列 {col} 有 {int(bad.sum())} 个缺失或无效值(如 {where}) / "
                f"column {col} has {int(bad.sum())} missing or invalid values (e.g. {where})",
                code="E-DATA-MISSING-VALUES",
            )


def _check_weight(weight: str) -> None:
    if weight not in WEIGHTINGS:
        raise EvalkitError(
            f"weight 必须是 person 或 household / weight must be 'person' or 'household', got {weight!r}",
            code="E-WEIGHT-KIND",
        )


def income_indicators(households: pd.DataFrame, by=(), weight: str = "person") -> pd.DataFrame:
    """Per-capita net income, each component per capita, and the income structure, by group × year.

    Columns: by…, year, n_households, n_persons, net_income_pc, wage_pc, operating_income_pc,
    operating_expenses_pc, net_operating_pc, property_pc, transfer_pc, transfer_<detail>_pc (for
    detail columns present; ``nan`` for a group where any household lacks the detail),
    share_wage, share_net_operating, share_property, share_transfer (component_pc / net_income_pc,
    summing to 1; ``nan`` when net_income_pc is 0), weighting.

    Formulas (module docstring): person weighting Σ X / Σ size; household weighting mean of X / size.
    A group of one household is computed like any other (publishing tables must still suppress
    cells below 10 households, using ``n_households``).

    Parameters
    ----------
    households : pandas.DataFrame
        Household-year rows with the income components and ``household_size``.
    by : str or sequence of str, default ()
        Grouping columns besides ``year`` (a missing key forms its own group).
    weight : {"person", "household"}, default "person"
        Person weighting (Σ X / Σ size, as official statistics) or household weighting.

    Returns
    -------
    pandas.DataFrame
        One row per group × year: the per-capita income levels, the structure shares and the
        counts (columns above).

    Raises
    ------
    EvalkitError
        ``E-DATA-EMPTY``, ``E-DATA-COLUMNS``, ``E-DATA-MISSING-VALUES``, ``E-GROUP-COLUMNS``,
        ``E-WEIGHT-KIND``.
    """
    _check_weight(weight)
    keys = group_keys(by, households)
    check_households(households, ["year", "household_size", *INCOME_COLUMNS])  # missing group keys: own group
    detail = [c for c in TRANSFER_DETAIL if c in households.columns]
    size = households["household_size"].astype(float)
    values = pd.DataFrame({c: households[c].astype(float) for c in (*INCOME_COLUMNS, *detail)}, index=households.index)
    values = add_income_account(values)
    if weight == "household":
        values = values.div(size, axis=0)
    frame = pd.concat([households[keys], values], axis=1).assign(_size=size, _one=1)
    for c in detail:
        frame[f"_na_{c}"] = values[c].isna().astype(int)
    sums = frame.groupby(keys, sort=True, observed=True, dropna=False).sum(min_count=0)
    denom = sums["_size"] if weight == "person" else sums["_one"]
    out = pd.DataFrame({"n_households": sums["_one"].astype("int64"), "n_persons": sums["_size"]})
    out["net_income_pc"] = sums["net_income"] / denom
    for c in (*INCOME_COLUMNS[:3], "net_operating", *INCOME_COLUMNS[3:], *detail):
        out[f"{c}_pc"] = sums[c] / denom
    for c in detail:
        out.loc[sums[f"_na_{c}"] > 0, f"{c}_pc"] = np.nan
    net = out["net_income_pc"].where(out["net_income_pc"] != 0)
    for c in COMPONENTS:
        out[f"share_{c}"] = out[f"{c}_pc"] / net
    out["weighting"] = weight
    return out.reset_index()


def growth_contributions(households: pd.DataFrame, by=(), weight: str = "person", base_year=None) -> pd.DataFrame:
    """Nominal growth of per-capita net income and each component's contribution, by group × year.

    With base year b (``base_year=None``: the previous calendar year, year − 1; an int: that
    fixed year for every later year) and N = net_income_pc:

    * growth_rate = (N_t − N_b) / N_b (a fraction), growth_pct = 100 · growth_rate;
    * contrib_k_yuan = ΔX_k,pc for k in wage, operating_income, property, transfer, and
      contrib_operating_expenses_yuan = −ΔX_expenses,pc (cutting expenses is a positive
      contribution, 广西 "有效减少经营性支出");
    * contrib_k_pp = 100 · contrib_k_yuan / N_b (percentage points).

    Σ_k contrib_k_yuan = N_t − N_b and Σ_k contrib_k_pp = growth_pct exactly (the standard
    contribution-to-growth accounting of 国家统计局 收入构成分析). Years with no base year in the data
    are left out; a group missing its base year keeps its row with ``nan`` and
    ``status = "missing base year"``; a zero base income gives ``nan`` rates with
    ``status = "zero base income"``.

    Parameters
    ----------
    households : pandas.DataFrame
        Household-year rows with the income components and ``household_size``.
    by : str or sequence of str, default ()
        Grouping columns besides ``year``.
    weight : {"person", "household"}, default "person"
    base_year : int, optional
        Fixed base year; default the previous calendar year.

    Returns
    -------
    pandas.DataFrame
        One row per group × year with growth_rate, growth_pct, contrib_<k>_yuan, contrib_<k>_pp,
        base_year and status.

    Raises
    ------
    EvalkitError
        ``E-YEAR-BASE`` when ``base_year`` is not in the data; the errors of :func:`income_indicators`.
    """
    return _growth(income_indicators(households, by, weight), group_keys(by), base_year)


def _growth(ind: pd.DataFrame, keys: list[str], base_year) -> pd.DataFrame:
    others = [k for k in keys if k != "year"]
    cols = ["net_income_pc", *(f"{c}_pc" for c in GROWTH_COMPONENTS)]
    years = sorted(ind["year"].unique())
    if base_year is None:
        current = ind[ind["year"] > years[0]].assign(base_year=lambda d: d["year"] - 1)
    else:
        if base_year not in years:
            raise EvalkitError(
                f"基期 {base_year} 不在数据中(有 {years}) / base year {base_year} not in the data ({years})",
                code="E-YEAR-BASE",
            )
        current = ind[ind["year"] > base_year].assign(base_year=base_year)
    base = ind[[*others, "year", *cols]].rename(columns={"year": "base_year", **{c: f"{c}_base" for c in cols}})
    out = current.merge(base, on=[*others, "base_year"], how="left")
    n0 = out["net_income_pc_base"]
    out["growth_rate"] = (out["net_income_pc"] - n0) / n0.where(n0 != 0)
    out["growth_pct"] = 100 * out["growth_rate"]
    for c in GROWTH_COMPONENTS:
        delta = out[f"{c}_pc"] - out[f"{c}_pc_base"]
        out[f"contrib_{c}_yuan"] = income_signs()[c] * delta  # cutting expenses (sign −1) adds income
        out[f"contrib_{c}_pp"] = 100 * out[f"contrib_{c}_yuan"] / n0.where(n0 != 0)
    out["status"] = np.where(n0.isna(), "missing base year", np.where(n0 == 0, "zero base income", "ok"))
    lead = [
        *others,
        "year",
        "base_year",
        "n_households",
        "n_persons",
        "net_income_pc",
        "net_income_pc_base",
        "growth_rate",
        "growth_pct",
    ]
    contrib = [f"contrib_{c}_{u}" for c in GROWTH_COMPONENTS for u in ("yuan", "pp")]
    return out[[*lead, *contrib, "status", "weighting"]]


def _comparison_series(indicator: str, include_synthetic: bool) -> pd.DataFrame | None:
    """The comparison series from :mod:`evalkit.comparison`, or ``None`` if that module is unavailable."""
    try:
        from evalkit.core.comparison import series
    except ImportError:
        return None
    return series(indicator, include_synthetic=include_synthetic)


def gap_to_rural(
    indicators: pd.DataFrame,
    region_column: str,
    include_synthetic: bool = False,
    comparison: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Gap between 脱贫人口 income and local rural residents' disposable income, per region × year.

    ``indicators``: output of :func:`income_indicators` computed on 脱贫 households with
    ``region_column`` among its ``by`` (region names in Chinese, as in the comparison series).
    ``comparison``: a frame [region, year, value] of 农村居民人均可支配收入; default
    ``evalkit.comparison.series("rural_disposable_income", include_synthetic)``.

    Added columns: rural_income, rural_growth_pct = 100 (R_t / R_{t−1} − 1),
    tuopin_growth_pct = 100 (N_t / N_{t−1} − 1) from the indicators' previous year,
    ratio_rural_to_tuopin = R_t / N_t (信阳 target: about 1.1 by 2025, i.e. 1 : 1.1),
    growth_differential_pp = tuopin_growth_pct − rural_growth_pct (信阳 and 广西 targets: > 0),
    comparison_status: "ok"; "missing comparison series" (no rural value for this region-year:
    ratio and differential ``nan``); "missing previous year" (ratio available, differential ``nan``).
    """
    need = [region_column, "year", "net_income_pc"]
    missing = [c for c in need if c not in indicators.columns]
    if missing:
        raise EvalkitError(f"indicators 缺少列 / indicators lack columns: {', '.join(missing)}")
    if comparison is None:
        comparison = _comparison_series("rural_disposable_income", include_synthetic)
    if comparison is None or len(comparison) == 0:
        rural = pd.DataFrame(
            {
                region_column: pd.Series(dtype=object),
                "year": pd.Series(dtype="int64"),
                "rural_income": pd.Series(dtype=float),
            }
        )
    else:
        rural = comparison.rename(columns={"region": region_column, "value": "rural_income"})[
            [region_column, "year", "rural_income"]
        ].dropna(subset=["rural_income"])
        rural = rural.astype({region_column: object, "year": "int64", "rural_income": float})
    out = indicators.astype({region_column: object}).merge(rural, on=[region_column, "year"], how="left")
    prev_rural = rural.assign(year=rural["year"] + 1).rename(columns={"rural_income": "_rural_prev"})
    groups = list(indicators.columns[: list(indicators.columns).index("year") + 1])  # by…, year
    prev_tp = (
        indicators[[*groups, "net_income_pc"]]
        .astype({region_column: object})
        .assign(year=lambda d: d["year"] + 1)
        .rename(columns={"net_income_pc": "_tp_prev"})
    )
    out = out.merge(prev_rural, on=[region_column, "year"], how="left").merge(prev_tp, on=groups, how="left")
    out["rural_growth_pct"] = 100 * (out["rural_income"] / out["_rural_prev"] - 1)
    out["tuopin_growth_pct"] = 100 * (out["net_income_pc"] / out["_tp_prev"] - 1)
    out["ratio_rural_to_tuopin"] = out["rural_income"] / out["net_income_pc"].where(out["net_income_pc"] > 0)
    out["growth_differential_pp"] = out["tuopin_growth_pct"] - out["rural_growth_pct"]
    out["comparison_status"] = np.where(
        out["rural_income"].isna(),
        MISSING_COMPARISON,
        np.where(out["growth_differential_pp"].isna(), "missing previous year", "ok"),
    )
    return out.drop(columns=["_rural_prev", "_tp_prev"])


def indicator_set(households: pd.DataFrame, by=(), weight: str = "person", line: float = LINE_10000) -> pd.DataFrame:
    """The full indicator set per group × year in one call: levels and structure
    (:func:`income_indicators`), year-on-year growth and contributions (:func:`growth_contributions`),
    persons and households below ``line`` (:func:`below_threshold`) and the inequality and poverty
    measures of net_income_pc (:func:`evalkit.inequality.inequality_table`, FGT against ``line``).
    Each block keeps its own definitions; columns that two blocks share are taken from the first.
    """
    from evalkit.indicators.inequality import inequality_table

    keys = group_keys(by)
    if "net_income_pc" not in households.columns:
        households = households.assign(net_income_pc=per_capita_income(households))
    out = income_indicators(households, by, weight)
    growth = _growth(out, keys, None)
    below = below_threshold(households, line, by)
    ineq = inequality_table(households, by, weight=weight, line=line)
    for block in (growth, below, ineq):
        extra = [c for c in block.columns if c not in out.columns or c in keys]
        out = out.merge(block[extra], on=keys, how="left")
    return out


def quintile_growth(households: pd.DataFrame, year: int, by=(), weight: str = "person") -> pd.DataFrame:
    """Income growth from year − 1 to ``year`` of each quintile group of year − 1 income (same households).

    Households are grouped by :func:`quintile_groups` and followed by ``household_id``; the output is
    :func:`evalkit.income.growth_contributions` for groups by… × quintile on the households present
    in both years, plus ``n_not_followed`` (quintile members absent in ``year``).
    """
    by = [by] if isinstance(by, str) else list(by)
    q = quintile_groups(households, year, by)
    present = set(households.loc[households["year"] == year, "household_id"])
    followed = q[q.index.isin(present)]
    rows = households[households["year"].isin([year - 1, year]) & households["household_id"].isin(followed.index)]
    rows = rows.assign(quintile=rows["household_id"].map(followed).to_numpy())
    if by:
        # a household keeps its year − 1 group, so that a move between groups does not split it
        origin = households.loc[households["year"] == year - 1].set_index("household_id")[by]
        rows = rows.drop(columns=by).join(origin, on="household_id")
    out = growth_contributions(rows, [*by, "quintile"], weight, base_year=year - 1)
    lost = q[~q.index.isin(present)].rename("quintile").reset_index()
    if by:
        lost = lost.join(origin, on="household_id")
    n_lost = lost.groupby([*by, "quintile"], dropna=False).size().rename("n_not_followed").reset_index()
    out = out.merge(n_lost, on=[*by, "quintile"], how="left")
    out["n_not_followed"] = out["n_not_followed"].fillna(0).astype(int)
    return out


def track_households(
    households: pd.DataFrame, household_ids, years=None, by=(), weight: str = "person"
) -> pd.DataFrame:
    """Income indicators of a fixed set of households (e.g. the bottom quintile of a base year) in each year.

    :func:`evalkit.income.income_indicators` restricted to ``household_ids`` (and ``years`` if
    given), plus ``n_tracked`` = the size of the set and ``n_missing`` = tracked households absent that year.
    """
    ids = pd.Index(pd.unique(pd.Series(list(household_ids))))
    rows = households[households["household_id"].isin(ids)]
    if years is not None:
        rows = rows[rows["year"].isin([years] if np.isscalar(years) else list(years))]
    if len(rows) == 0:
        raise EvalkitError("跟踪的农户在所选年度没有数据 / the tracked households have no rows in the years selected")
    out = income_indicators(rows, by, weight)
    out["n_tracked"] = len(ids)
    if not by:
        out["n_missing"] = len(ids) - out["n_households"]
    return out
