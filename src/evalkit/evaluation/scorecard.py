"""The yearly scorecard: every policy target that applies to a region, with its status.

``scorecard(panel, region, year)`` returns one row per target (per county for "every county"
targets): value, threshold, margin, previous-year value and status

* 达标 / met — the value satisfies the comparison;
* 未达标 / not met — it does not;
* 未到考核年份 / not yet due (``not_due``) — an end-of-plan target before its year: the value
  now, the distance to the target, the yearly pace needed and last year's pace, and whether it
  is on track (进行中: 按进度 / 落后于进度 / 进度不明);
* 缺少数据 / no data (``not_measurable``) — with the reason: ``missing_series`` (no panel rows
  for the year, a column the population or indicator needs, a comparison series, a programme
  value), ``too_few_households`` (fewer than 10 households in the population:
  :data:`MIN_HOUSEHOLDS`).

Only the plans in force in the year are listed. Each assessed row also carries last year's
status and the change (转为达标, 转为未达标, 保持达标, 仍未达标) when last year was a target year.

A target is never "met" unless both its value and its threshold were measured.

Which targets apply (``data/targets/README.md``): those of documents whose region contains
``region``. ``whole_region`` targets apply to the document's region itself, and to a region
inside it only when the target says ``subregions: true`` (rates and shares, not region totals);
``each_county`` targets are evaluated for every county-level unit of ``region``.

Indicators come from :mod:`evalkit.income` (levels, growth, gap to rural, thresholds,
quintiles) on the target's population; household shares with a worker or a developmental
measure are counted here from the panel and its measures. Growth compares the same households
in both years. Programme indicators (衔接资金 shares, posts, ...) come from a programme-indicator
table (region, year, indicator, value, source), see :func:`load_programme`; the synthetic demo
panel uses ``data/demo_programme_indicators.csv`` (SYNTHETIC), a real panel has none unless given.

Values are measured by :mod:`evalkit.evaluation.target_values` (its public names are re-exported
here); this module decides which targets apply and compares value and threshold.

margin = value − threshold for "at least / above / rises" comparisons and threshold − value for
"at most / below / falls" ones: positive means on the target's side.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np
import pandas as pd

from evalkit.core.config import MIN_HOUSEHOLDS
from evalkit.core.errors import EvalkitError
from evalkit.core.registry import Region, get_region, regions
from evalkit.evaluation.scorecard_checks import check_rows
from evalkit.evaluation.scorecard_columns import CHANGE_LABELS, COLUMNS, NO_PROGRESS, PROGRESS_LABELS, STATUS_LABELS
from evalkit.evaluation.target_values import (  # re-exported: part of this module's API
    DEMO_PROGRAMME_FILE,
    DEVELOPMENTAL_KINDS,
    INCOME_LEVELS,
    PROGRAMME_COLUMNS,
    REASON_LABELS,
    ROW_INDICATORS,
    SOCIAL_ASSISTANCE,
    WORK_INCENTIVE,
    Measured,
    ScoreContext,
    demo_programme,
    load_programme,
    missing,
    reference_value,
    target_value,
)
from evalkit.evaluation.targets import (
    COMPARISONS,
    LOWER_IS_BETTER,
    PREVIOUS_YEAR_COMPARISONS,
    REFERENCE_COMPARISONS,
    REPORT_COMPARISONS,
    Target,
    load_targets,
)

__all__ = [
    "CHANGE_LABELS",
    "COLUMNS",
    "DEMO_PROGRAMME_FILE",
    "DEVELOPMENTAL_KINDS",
    "INCOME_LEVELS",
    "MIN_HOUSEHOLDS",
    "NO_PROGRESS",
    "PROGRAMME_COLUMNS",
    "PROGRESS_LABELS",
    "REASON_LABELS",
    "ROW_INDICATORS",
    "SOCIAL_ASSISTANCE",
    "STATUS_LABELS",
    "WORK_INCENTIVE",
    "Measured",
    "ScoreContext",
    "applicable_units",
    "check_rows",
    "demo_programme",
    "load_programme",
    "missing",
    "reference_value",
    "scorecard",
    "target_value",
]


def _compare(comparison: str, value: float, threshold: float, tolerance: float = 0.0) -> bool:
    """Whether ``value`` meets ``threshold``; ``tolerance`` ("左右") widens threshold comparisons."""
    return {
        ">=": value >= threshold - tolerance,
        ">": value > threshold - tolerance,
        "<=": value <= threshold + tolerance,
        "<": value < threshold + tolerance,
        "increases": value > threshold,
        "decreases": value < threshold,
        "exceeds_reference": value > threshold,
        "at_least_reference": value >= threshold,
    }[comparison]


def _row(
    target: Target,
    region: Region,
    county: str,
    year: int,
    lang: str,
    value: Measured | None,
    threshold: Measured | None,
    previous: Measured | None,
    reason: tuple[str, str, str] | None,
) -> dict:
    i = 0 if lang == "zh" else 1
    v = value.value if value is not None else np.nan
    th = threshold.value if threshold is not None and target.comparison not in REPORT_COMPARISONS else np.nan
    if reason is None and target.comparison in REPORT_COMPARISONS:
        code, margin = "reported", np.nan
    elif reason is None:
        met = _compare(target.comparison, v, th, target.tolerance)
        code = "met" if met else "not_met"
        # against the tolerated bound ("左右"): threshold + tolerance for at-most targets, − for at-least
        margin = th + target.tolerance - v if target.comparison in LOWER_IS_BETTER else v - th + target.tolerance
    else:
        code, margin = "not_measurable", np.nan
    return {
        "target_id": target.id,
        "document": target.document,
        "region": region.name_zh if i == 0 else region.name_en,
        "county": county,
        "description": target.description(lang),
        "indicator": target.indicator,
        "source": target.source,
        "comparison": COMPARISONS[target.comparison][i],
        "value": v,
        "threshold": th,
        "margin": margin,
        "previous_value": previous.value if previous is not None else np.nan,
        "unit": target.unit,
        "status": STATUS_LABELS[code][i],
        "status_code": code,
        "reason_code": reason[0] if reason else "",
        "reason": reason[1 + i] if reason else "",
        "n_households": value.n_households if value is not None else None,
        "clause": target.clause,
        "note": target.note,
        "plan_title": target.document_title_zh if i == 0 else (target.document_title_en or target.document_title_zh),
        "plan_first_year": target.plan_years[0],
        "plan_last_year": target.plan_years[1],
        "due_year": year,
        **NO_PROGRESS,
    }


def _evaluate_target(
    ctx: ScoreContext, target: Target, region: Region, unit: Region, year: int, lang: str, county: str
) -> dict:
    """One scorecard row (of ``region``'s scorecard) for ``target`` on ``unit`` in ``year``."""
    value = target_value(ctx, target, unit, year)
    previous = target_value(ctx, target, unit, year - 1)
    if target.comparison in PREVIOUS_YEAR_COMPARISONS:
        threshold = (
            previous
            if previous.ok
            else missing(
                f"缺少上一年({year - 1})的值: {previous.detail[0]}",
                f"no value for the previous year ({year - 1}): {previous.detail[1]}",
            )
        )
        if previous.reason == "too_few_households":
            threshold = previous
    elif target.comparison in REFERENCE_COMPARISONS:
        threshold = reference_value(ctx, target, unit, year)
    elif target.comparison in REPORT_COMPARISONS:
        threshold = Measured(value=0.0)  # no threshold: the value is listed, never met or not met
    else:
        threshold = Measured(value=target.threshold_for(year))
    reason = None
    for m in (value, threshold):
        if not m.ok:
            code = m.reason or "missing_series"
            labels = REASON_LABELS[code]
            reason = (code, _reason_text(labels[0], m.detail[0]), _reason_text(labels[1], m.detail[1]))
            break
    row = _row(target, region, county, year, lang, value, threshold, previous, reason)
    if reason is None and year - 1 in target.years:
        before = _previous_status(ctx, target, unit, year - 1, previous)
        if before:
            i = 0 if lang == "zh" else 1
            change = {
                ("not_met", "met"): "now_met",
                ("met", "not_met"): "no_longer_met",
                ("met", "met"): "still_met",
                ("not_met", "not_met"): "still_not_met",
            }[(before, row["status_code"])]
            row |= {
                "previous_status_code": before,
                "previous_status": STATUS_LABELS[before][i],
                "change_code": change,
                "change": CHANGE_LABELS[change][i],
            }
    return row


def _reason_text(label: str, detail: str) -> str:
    """``label: detail``, or the label alone when the detail only repeats it."""
    return f"{label}: {detail}" if detail and detail != label else label


def _previous_status(ctx: ScoreContext, target: Target, unit: Region, year: int, value: Measured) -> str:
    """Status code (met / not_met) of ``target`` on ``unit`` in ``year`` given its ``value`` then,
    or ``""`` when it cannot be told (or the target is only reported)."""
    if not value.ok or target.comparison in REPORT_COMPARISONS:
        return ""
    if target.comparison in PREVIOUS_YEAR_COMPARISONS:
        threshold = target_value(ctx, target, unit, year - 1)
    elif target.comparison in REFERENCE_COMPARISONS:
        threshold = reference_value(ctx, target, unit, year)
    else:
        threshold = Measured(value=target.threshold_for(year))
    if not threshold.ok:
        return ""
    return "met" if _compare(target.comparison, value.value, threshold.value, target.tolerance) else "not_met"


def _progress_row(
    ctx: ScoreContext, target: Target, region: Region, unit: Region, year: int, due: int, lang: str, county: str
) -> dict:
    """A target before its assessment year ``due``: the value now against the target, the
    distance, the yearly pace needed to close it and last year's pace (status ``not_due``,
    progress on track / off track / unknown). Targets against the previous year or a reference
    series are on track when they hold now."""
    value = target_value(ctx, target, unit, year)
    previous = target_value(ctx, target, unit, year - 1)
    sign = -1.0 if target.comparison in LOWER_IS_BETTER else 1.0
    if target.comparison in PREVIOUS_YEAR_COMPARISONS:
        threshold = previous
    elif target.comparison in REFERENCE_COMPARISONS:
        threshold = reference_value(ctx, target, unit, year)
    else:
        threshold = Measured(value=target.threshold_for(due))
    row = _row(target, region, county, year, lang, value, threshold, previous, ("", "", ""))
    i = 0 if lang == "zh" else 1
    progress, pace_needed, pace_last = "unknown", np.nan, np.nan
    if value.ok and threshold.ok:
        margin = sign * (value.value - threshold.value) + target.tolerance
        row["margin"] = margin
        if target.comparison in PREVIOUS_YEAR_COMPARISONS or target.comparison in REFERENCE_COMPARISONS:
            met = _compare(target.comparison, value.value, threshold.value, target.tolerance)
            progress = "on_track" if met else "off_track"
        else:
            pace_needed = max(0.0, -margin) / (due - year)
            if previous.ok:
                pace_last = sign * (value.value - previous.value)
            if margin >= 0:
                progress = "on_track"
            elif np.isfinite(pace_last):
                progress = "on_track" if pace_last >= pace_needed else "off_track"
    reason = value if not value.ok else threshold if not threshold.ok else None
    detail = ("", "")
    if reason is not None:
        labels = REASON_LABELS[reason.reason or "missing_series"]
        detail = (_reason_text(labels[0], reason.detail[0]), _reason_text(labels[1], reason.detail[1]))
    return row | {
        "status_code": "not_due",
        "status": PROGRESS_LABELS[progress][i],
        "reason_code": reason.reason or "missing_series" if reason is not None else "",
        "reason": detail[i],
        "due_year": due,
        "progress_code": progress,
        "pace_needed": pace_needed,
        "pace_last_year": pace_last,
    }


@cache
def _region(code: str) -> Region:
    return get_region(code)


@cache
def _county_units(region: Region) -> tuple[Region, ...]:
    if region.level == "county":
        return (region,)
    table = regions()
    inside = table["level"].eq("county")
    for column, name in region.filter.items():
        inside &= table[column].eq(name)
    return tuple(_region(code) for code in table.loc[inside, "code"])


def applicable_units(target: Target, region: Region) -> list[Region]:
    """The units ``target`` is evaluated on for a scorecard of ``region`` (empty: does not apply)."""
    home = _region(target.region)
    if any(region.filter.get(k) != v for k, v in home.filter.items()) or not home.filter:
        return []
    if target.scope == "each_county":
        units = list(_county_units(region))
        return [u for u in units if u.name_zh in target.counties] if target.counties else units
    return [region] if (region.code == home.code or target.subregions) else []


@lru_cache(maxsize=1)
def _default_targets() -> tuple[Target, ...]:
    return tuple(load_targets())


def scorecard(
    panel,
    region: str | Region,
    year: int,
    programme=None,
    lang: str = "zh",
    targets: list[Target] | None = None,
    checks: bool = True,
    cost: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Status of every target that applies to ``region`` in ``year`` (columns: :data:`COLUMNS`).

    ``programme``: a programme-indicator table (DataFrame or path, see :func:`load_programme`);
    default: the SYNTHETIC demo table when ``panel.synthetic``, else none (programme targets are
    then 缺少数据). ``lang``: zh | en for descriptions, statuses and reasons. ``targets``: default
    all of ``data/targets``. ``checks``: append the identification checks (:func:`check_rows`;
    status 需核查 / 未发现, never 达标). ``cost``: the region's cost table (the report's; without it no cost rows).

    Only plans in force in ``year`` (the document's period contains it) are listed; the plan's
    last year is its final assessment (``plan_last_year == year``). A target due in a later
    year of the plan (an end-of-plan target) is listed with status ``not_due`` and its progress
    (:func:`_progress_row`); a target assessed only in earlier years of the plan is not listed.

    Parameters
    ----------
    panel : Panel
    region : str or Region
    year : int
    programme : pandas.DataFrame or path, optional
    lang : {"zh", "en"}, default "zh"
    targets : list of Target, optional
    checks : bool, default True

    Returns
    -------
    pandas.DataFrame
        One row per target (and check), columns :data:`COLUMNS`: status, value, threshold,
        reason, clause and source of the plan.
    """
    if lang not in ("zh", "en"):
        raise EvalkitError(f"lang 必须是 zh 或 en / lang must be zh or en, got {lang!r}")
    region = _region(region) if isinstance(region, str) else region
    year = int(year)
    if programme is None:
        programme = demo_programme() if panel.synthetic else None
    elif (
        not isinstance(programme, pd.DataFrame)
        or not set(PROGRAMME_COLUMNS) <= set(programme.columns)
        or programme["year"].dtype.kind not in "iu"
    ):
        programme = load_programme(programme)
    ctx = ScoreContext(
        households=panel.households, measures=panel.measures, synthetic=panel.synthetic, programme=programme
    )
    rows = []
    for target in _default_targets() if targets is None else targets:
        units = applicable_units(target, region)
        if not units or not target.in_force(year):
            continue
        later = [y for y in target.years if y > year] if target.comparison not in REPORT_COMPARISONS else []
        if year not in target.years and not later:
            continue  # assessed only in earlier years of the plan
        for unit in units:
            county = (unit.name_zh if lang == "zh" else unit.name_en) if target.scope == "each_county" else ""
            if year in target.years:
                rows.append(_evaluate_target(ctx, target, region, unit, year, lang, county))
            else:
                rows.append(_progress_row(ctx, target, region, unit, year, min(later), lang, county))
    if checks:
        rows += check_rows(panel, region, year, lang, cost=cost)
    return pd.DataFrame(rows, columns=COLUMNS)
