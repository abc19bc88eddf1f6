"""Identification accuracy (后评估: 应纳尽纳, no 错退) and 返贫 / 致贫 events.

Checks on the 脱贫 and 监测 households of a region in ``year`` (parameters and their sources in
``data/identification_rules.csv``; the line is the province-year monitoring line,
:func:`evalkit.indicators.thresholds.line_per_row`):

* ``below_line_not_monitored`` — per-capita net income below the monitoring line and not under
  monitoring (not a 监测对象, or a 监测对象 whose risk is marked eliminated);
* ``income_fall_not_monitored`` — per-capita net income fell by at least ``income_fall_share``
  (default 30%) on last year and not under monitoring;
* ``eliminated_below_line`` — risk marked eliminated in year E (``year`` − 1 or ``year``) while
  the income was below the line in E or in E + 1 (E + 1 ≤ ``year``): possibly 错退;
* ``fell_back`` (返贫) — a 脱贫 household at or above the line last year and below it this year;
* ``fell_into`` (致贫) — a 监测 household that is not 脱贫 (边缘易致贫户, 突发严重困难户) crossing
  the line the same way.

These are checks, not targets: a flag is a household to look at (the panel does not hold the
other 监测 criteria — 刚性支出, 风险 other than income), not proof of an error.
:func:`identification_counts` counts them by county and township (and in total);
:func:`identification_list` is the caseworker list (pseudonymised ids only).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.registry import Region, get_region, region_mask
from evalkit.core.resources import read_reference_csv
from evalkit.evaluation.watchlist import CASE_COLUMNS

RULES_FILE = "identification_rules.csv"
CHECKS = (
    "below_line_not_monitored",
    "income_fall_not_monitored",
    "eliminated_below_line",
    "fell_back",
    "fell_into",
)
LABELS = {
    "below_line_not_monitored": ("低于监测线但未纳入监测", "below the monitoring line, not monitored"),
    "income_fall_not_monitored": ("收入大幅下降但未纳入监测", "income fell sharply, not monitored"),
    "eliminated_below_line": ("标注风险消除但收入低于监测线", "risk marked eliminated while below the line"),
    "fell_back": ("返贫 (脱贫户跌破监测线)", "fell back (a household lifted out of poverty fell below the line)"),
    "fell_into": (
        "致贫 (边缘/突发困难户跌破监测线)",
        "fell into poverty (a monitored household not lifted out of poverty fell below the line)",
    ),
}
LIST_COLUMNS = [
    *CASE_COLUMNS,
    "check",
    "check_label",
    "net_income_pc",
    "net_income_pc_prev",
    "line",
    "risk_eliminated_year",
]


def identification_rules() -> dict[str, float]:
    """Parameters of the checks (``data/identification_rules.csv``: parameter, value, source)."""
    table = read_reference_csv(RULES_FILE)
    return dict(zip(table["parameter"], table["value"].astype(float), strict=True))


def _frame(households: pd.DataFrame, year: int, synthetic: bool) -> pd.DataFrame:
    from evalkit.indicators.thresholds import line_per_row

    hh = households[households["is_tuopin"] | households["is_monitored"]]
    hh = hh[hh["year"].between(year - 1, year)]
    hh = hh.assign(line=line_per_row(hh, "monitoring_line", include_synthetic=synthetic).to_numpy())
    pc = hh.pivot_table(index="household_id", columns="year", values="net_income_pc", aggfunc="first")
    line = hh.pivot_table(index="household_id", columns="year", values="line", aggfunc="first")
    rows = hh[hh["year"] == year].copy()
    if rows.empty:
        raise EvalkitError(f"{year} 年没有脱贫户或监测户数据 / no 脱贫 or monitored households in {year}")
    if rows["line"].isna().all():
        raise EvalkitError(
            f"缺少 {', '.join(sorted(rows['province'].unique()))} {year} 年监测线 / no monitoring line for {year}"
        )

    def at(table: pd.DataFrame, y: int) -> pd.Series:
        col = table[y] if y in table.columns else pd.Series(np.nan, index=table.index)
        return rows["household_id"].map(col)

    rows["net_income_pc_prev"] = at(pc, year - 1)
    rows["_line_prev"] = at(line, year - 1)
    return rows


def identification_flags(
    panel, region: Region | str, year: int, income_fall_share: float | None = None
) -> pd.DataFrame:
    """One row per 脱贫/监测 household of ``region`` in ``year`` with a boolean column per check of
    :data:`CHECKS` (module docstring), line, net_income_pc_prev and the area columns."""
    region = get_region(region) if isinstance(region, str) else region
    year = int(year)
    fall = identification_rules()["income_fall_share"] if income_fall_share is None else float(income_fall_share)
    hh = panel.households.loc[region_mask(panel.households, region)]
    rows = _frame(hh, year, panel.synthetic)
    pc, line = rows["net_income_pc"], rows["line"]
    prev, line_prev = rows["net_income_pc_prev"], rows["_line_prev"]
    eliminated = rows["risk_eliminated"].fillna(False).astype(bool) if "risk_eliminated" in rows else False
    under_monitoring = rows["is_monitored"].astype(bool) & ~eliminated
    below = pc < line
    rows["below_line_not_monitored"] = below & ~under_monitoring
    rows["income_fall_not_monitored"] = (prev > 0) & (pc <= (1 - fall) * prev) & ~under_monitoring
    e_year = rows["risk_eliminated_year"] if "risk_eliminated_year" in rows else pd.Series(np.nan, index=rows.index)
    e_year = pd.to_numeric(e_year, errors="coerce")
    # eliminated last year: below the line then (year − 1) or now; eliminated this year: below now
    last = e_year.eq(year - 1) & ((prev < line_prev) | below)
    this = e_year.eq(year) & below
    rows["eliminated_below_line"] = (last | this).fillna(False)
    crossed = (prev >= line_prev) & below
    rows["fell_back"] = crossed & rows["is_tuopin"].astype(bool)
    rows["fell_into"] = crossed & ~rows["is_tuopin"].astype(bool) & rows["is_monitored"].astype(bool)
    for c in CHECKS:
        rows[c] = rows[c].fillna(False).astype(bool)
    return rows.drop(columns=[c for c in rows.columns if c.startswith("_")])


def identification_counts(flags: pd.DataFrame, by: str = "county", lang: str = "zh") -> pd.DataFrame:
    """Households and flagged households per check by ``by`` (county or township) and in total:
    long table ``by``, check, label, n_households, n_flagged, share. Townships left blank in the
    data are not listed (they stay in the total)."""
    i = 0 if lang == "zh" else 1
    total = "合计" if lang == "zh" else "total"
    data = flags[flags[by].fillna("").astype(str) != ""] if by in flags.columns else flags.iloc[0:0]
    per = data.groupby(by, sort=True)[list(CHECKS)].sum()
    size = data.groupby(by, sort=True).size()
    per.loc[total] = flags[list(CHECKS)].sum()
    size.loc[total] = len(flags)
    long = per.reset_index(names=by).melt(id_vars=by, var_name="check", value_name="n_flagged")
    long["n_households"] = long[by].map(size).astype(int)
    long["n_flagged"] = long["n_flagged"].astype(int)
    long["share"] = long["n_flagged"] / long["n_households"].where(long["n_households"] > 0)
    long["label"] = long["check"].map({k: v[i] for k, v in LABELS.items()})
    order = {c: k for k, c in enumerate(CHECKS)}
    long = long.sort_values(["check", by], key=lambda s: s.map(order) if s.name == "check" else s.eq(total))
    return long[[by, "check", "label", "n_households", "n_flagged", "share"]].reset_index(drop=True)


def identification_list(flags: pd.DataFrame) -> pd.DataFrame:
    """The caseworker list: one row per flagged household and check (:data:`LIST_COLUMNS`),
    by check, lowest income first. Pseudonymised ids only."""
    parts = [flags.loc[flags[c]].assign(check=c, check_label=LABELS[c][0]) for c in CHECKS]
    out = pd.concat(parts, ignore_index=True) if parts else flags.iloc[0:0]
    out = out.sort_values(
        ["check", "net_income_pc", "household_id"], key=lambda s: s.map(CHECKS.index) if s.name == "check" else s
    )
    return out[[c for c in LIST_COLUMNS if c in out.columns]].reset_index(drop=True)
