"""Target populations on the panel: which households a target counts.

A population specification (the ``population`` of a target or of its document,
``data/targets/README.md``) is a mapping of optional keys combined with AND; :func:`population_mask`
applies it to the household rows of the membership year (:func:`population_year`). Examples:
信阳 counts 脱贫人口 except 兜底 households (``exclude_doudi``); 弥勒 counts 脱贫人口 and 监测对象
below 10,000 yuan in the base year 2021 (``below_line_in_base_year``). The file checks of the
specification are :func:`evalkit.evaluation.targets.validate_population`.
"""

from __future__ import annotations

import re

import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.indicators.income import quintile_groups

POPULATION_GROUPS = ("tuopin", "monitored")
POPULATION_KEYS = (
    "groups",
    "exclude_doudi",
    "relocated",
    "labourers",
    "full_labourers",
    "willing_to_work",
    "below_line_in_base_year",
    "bottom_quintile_previous_year",
    "unresolved_monitoring_years",
)
#: a count rule of ``labourers`` / ``full_labourers``: ">=2", "1", "0", "<3"
COUNT_RULE = re.compile(r"^(>=|<=|>|<)?\s*(\d+)$")

__all__ = ["COUNT_RULE", "POPULATION_GROUPS", "POPULATION_KEYS", "population_mask", "population_year"]


def _count_rule(series: pd.Series, rule) -> pd.Series:
    match = COUNT_RULE.match(str(rule).strip())
    if match is None:
        raise EvalkitError(f"无法解析的计数规则 / unparsable count rule {rule!r}: expected e.g. '>=2' or '3'")
    op, number = match.groups()
    return {">=": series.ge, "<=": series.le, ">": series.gt, "<": series.lt, None: series.eq}[op](int(number))


def _need(households: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in households.columns]
    if missing:
        raise EvalkitError(
            f"面板缺少列 {missing}, 无法确定人群 '{what}' / "
            f"panel lacks columns {missing} needed for population '{what}'",
            code="E-POPULATION-COLUMNS",
        )


def population_year(population: dict, year: int) -> int:
    """The year whose rows define membership: the base year for base-year cohorts, else ``year``."""
    base = population.get("below_line_in_base_year")
    return int(base["year"]) if base else int(year)


def population_mask(households: pd.DataFrame, population: dict, year: int) -> pd.Series:
    """Boolean mask over ``households`` rows of the membership year (see :func:`population_year`)
    selecting the target population. Rows of other years are False.

    Keys (all optional, combined with AND): ``groups`` (tuopin = ``is_tuopin``, monitored =
    ``is_monitored``; a household in any listed group; default both), ``exclude_doudi``,
    ``relocated`` (true/false), ``labourers`` (labour_full + labour_weak, e.g. ">=2", "1", "0"),
    ``full_labourers`` (labour_full), ``willing_to_work`` (migrant_workers + labour_seeking_work > 0),
    ``below_line_in_base_year`` ({year, line}: net_income_pc < line in that year),
    ``bottom_quintile_previous_year`` (quintile 1 of :func:`evalkit.income.quintile_groups` for
    ``year``, i.e. of last year's person-weighted income among the listed groups' households passed in),
    ``unresolved_monitoring_years`` (n: 监测对象 whose risk is not eliminated and who entered
    monitoring at least n years before ``year``).

    Raises :class:`EvalkitError` naming the missing column when the panel cannot tell.
    """
    ref_year = population_year(population, year)
    at = households["year"].eq(ref_year)
    rows = households.loc[at]
    groups = population.get("groups", list(POPULATION_GROUPS))
    _need(rows, [{"tuopin": "is_tuopin", "monitored": "is_monitored"}[g] for g in groups], "groups")
    mask = pd.Series(False, index=rows.index)
    for g in groups:
        mask |= rows["is_tuopin" if g == "tuopin" else "is_monitored"].astype(bool)
    if population.get("exclude_doudi"):
        _need(rows, ["doudi"], "exclude_doudi")
        mask &= ~rows["doudi"].fillna(False).astype(bool)
    if "relocated" in population:
        _need(rows, ["relocated"], "relocated")
        mask &= rows["relocated"].fillna(False).astype(bool).eq(bool(population["relocated"]))
    if "labourers" in population:
        _need(rows, ["labour_full", "labour_weak"], "labourers")
        mask &= _count_rule(rows["labour_full"].fillna(0) + rows["labour_weak"].fillna(0), population["labourers"])
    if "full_labourers" in population:
        _need(rows, ["labour_full"], "full_labourers")
        mask &= _count_rule(rows["labour_full"].fillna(0), population["full_labourers"])
    if population.get("willing_to_work"):
        _need(rows, ["migrant_workers", "labour_seeking_work"], "willing_to_work")
        mask &= (rows["migrant_workers"].fillna(0) + rows["labour_seeking_work"].fillna(0)) > 0
    base = population.get("below_line_in_base_year")
    if base:
        mask &= rows["net_income_pc"] < float(base["line"])
    if population.get("bottom_quintile_previous_year"):
        in_groups = pd.Series(False, index=households.index)
        for g in groups:
            in_groups |= households["is_tuopin" if g == "tuopin" else "is_monitored"].astype(bool)
        quintile = quintile_groups(households.loc[in_groups], int(year))
        mask &= rows["household_id"].isin(quintile.index[quintile.eq(1)])
    if "unresolved_monitoring_years" in population:
        _need(rows, ["monitoring_start_year", "risk_eliminated"], "unresolved_monitoring_years")
        unresolved = ~rows["risk_eliminated"].fillna(False).astype(bool)
        long_enough = (int(year) - rows["monitoring_start_year"]) >= int(population["unresolved_monitoring_years"])
        mask &= rows["is_monitored"].astype(bool) & unresolved & long_enough.fillna(False)
    out = pd.Series(False, index=households.index)
    out.loc[rows.index] = mask.to_numpy()
    return out
