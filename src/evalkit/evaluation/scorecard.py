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

STATUS_LABELS = {
    "met": ("达标", "met"),
    "not_met": ("未达标", "not met"),
    "not_due": ("未到考核年份", "not yet due"),
    "not_measurable": ("缺少数据", "no data"),
    "reported": ("仅列示", "reported only"),
    "check_flagged": ("需核查", "to check"),
    "check_clear": ("未发现", "none found"),
}
#: Status of a target before its assessment year (``not_due``): progress towards it.
PROGRESS_LABELS = {
    "on_track": ("进行中: 按进度", "in progress: on track"),
    "off_track": ("进行中: 落后于进度", "in progress: off track"),
    "unknown": ("进行中: 进度不明", "in progress: progress unknown"),
}
#: Change of status on the previous year.
CHANGE_LABELS = {
    "now_met": ("转为达标", "now met"),
    "no_longer_met": ("转为未达标", "no longer met"),
    "still_met": ("保持达标", "still met"),
    "still_not_met": ("仍未达标", "still not met"),
}
COLUMNS = [
    "target_id",
    "document",
    "region",
    "county",
    "description",
    "indicator",
    "source",
    "comparison",
    "value",
    "threshold",
    "margin",
    "previous_value",
    "unit",
    "status",
    "status_code",
    "reason_code",
    "reason",
    "n_households",
    "clause",
    "note",
    "plan_title",
    "plan_first_year",
    "plan_last_year",
    "due_year",
    "previous_status_code",
    "previous_status",
    "change_code",
    "change",
    "progress_code",
    "pace_needed",
    "pace_last_year",
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


#: progress columns before the scorecard's year-on-year pass fills them (and for check rows)
NO_PROGRESS = {
    "previous_status_code": "",
    "previous_status": "",
    "change_code": "",
    "change": "",
    "progress_code": "",
    "pace_needed": np.nan,
    "pace_last_year": np.nan,
}


def _check_row(
    region: Region,
    year: int,
    lang: str,
    key: str,
    document: str,
    description: str,
    value,
    n,
    code: str,
    error: str | None,
    plan_title: tuple[str, str],
    unit: str = "households",
) -> dict:
    """One scorecard row that is a check or a listed count (issue 16), never a target."""
    i = 0 if lang == "zh" else 1
    return {
        "target_id": key,
        "document": document,
        "region": region.name_zh if i == 0 else region.name_en,
        "county": "",
        "description": description,
        "indicator": key.removeprefix("check-"),
        "source": "panel",
        "comparison": ("核查", "check")[i],
        "value": float(value) if value is not None else np.nan,
        "threshold": np.nan,
        "margin": np.nan,
        "previous_value": np.nan,
        "unit": unit,
        "status": STATUS_LABELS[code][i],
        "status_code": code,
        "reason_code": "missing_series" if error else "",
        "reason": f"{REASON_LABELS['missing_series'][i]}: {error}" if error else "",
        "n_households": n,
        "clause": "",
        "note": ("核查项, 不是目标", "a check, not a target")[i],
        "plan_title": plan_title[i],
        "plan_first_year": None,
        "plan_last_year": None,
        "due_year": year,
        **NO_PROGRESS,
    }


def check_rows(panel, region: Region, year: int, lang: str = "zh", cost: pd.DataFrame | None = None) -> list[dict]:
    """The post-assessment checks (issue 16) as scorecard rows - not targets (no threshold, never
    met or not met), each with the number of households checked:

    * identification (:mod:`evalkit.evaluation.identification`): households flagged per check,
      status 需核查 (some) / 未发现 (none);
    * support matching (:mod:`evalkit.evaluation.coverage`): per matching rule that applies,
      households whose support does not match, status 需核查 / 未发现;
    * the watch-list over time (:mod:`evalkit.evaluation.watchlist_flows`): households newly, still
      and no longer flagged (any flag), status 仅列示;
    * cost, given ``cost`` (:func:`~evalkit.evaluation.cost.cost_per_yuan`): yuan gained per yuan paid
      with its 95% CI per measure with a credible effect (:func:`~evalkit.evaluation.cost.cost_checks`), 仅列示.

    A part the panel cannot give (no monitoring line, no previous year) is 无法评估 with the reason."""
    from evalkit.evaluation.coverage import region_match_summary
    from evalkit.evaluation.identification import CHECKS, LABELS, identification_flags
    from evalkit.evaluation.watchlist_flows import watchlist_flows

    i = 0 if lang == "zh" else 1
    rows = []
    title = ("识别核查 (核查项, 不是目标)", "identification checks (checks, not targets)")
    try:
        flags, error = identification_flags(panel, region, year), None
    except EvalkitError as exc:
        flags, error = None, str(exc)
    for check in CHECKS:
        n = int(flags[check].sum()) if flags is not None else None
        code = "not_measurable" if flags is None else ("check_flagged" if n else "check_clear")
        checked = len(flags) if flags is not None else None
        rows.append(
            _check_row(
                region, year, lang, f"check-{check}", "identification", LABELS[check][i], n, checked, code, error, title
            )
        )
    title = ("帮扶措施匹配核查 (核查项, 不是目标)", "support matching checks (checks, not targets)")
    try:
        summary, error = region_match_summary(panel, region, year, lang), None
    except EvalkitError as exc:
        summary, error = None, str(exc)
    if summary is None:
        rows.append(
            _check_row(
                region,
                year,
                lang,
                "check-match",
                "support_matching",
                ("帮扶措施匹配", "support matching")[i],
                None,
                None,
                "not_measurable",
                error,
                title,
            )
        )
    else:
        for rule in summary.itertuples(index=False):
            code = "check_flagged" if rule.n_unmatched else "check_clear"
            description = ("帮扶措施未匹配: ", "support not matching: ")[i] + str(rule.label)
            rows.append(
                _check_row(
                    region,
                    year,
                    lang,
                    f"check-match-{rule.rule}",
                    "support_matching",
                    description,
                    int(rule.n_unmatched),  # type: ignore[arg-type]  # itertuples fields are untyped
                    int(rule.n_households),  # type: ignore[arg-type]
                    code,
                    None,
                    title,
                )
            )
    title = ("监测预警台账 (仅列示)", "the watch-list over time (reported only)")
    try:
        flows: pd.Series | None = watchlist_flows(panel, region, year, lang).set_index("flag").loc["any_flag"]  # type: ignore[assignment]  # one row: a Series
        error = None
    except EvalkitError as exc:
        flows, error = None, str(exc)
    for part, zh, en in (
        ("new", "新增预警户", "newly flagged"),
        ("still", "持续预警户", "still flagged"),
        ("left", "退出预警户", "no longer flagged"),
    ):
        value = int(flows[f"n_{part}"]) if flows is not None else None
        checked = int(flows["n_before"] + flows["n_new"]) if flows is not None else None
        code = "reported" if flows is not None else "not_measurable"
        rows.append(
            _check_row(
                region,
                year,
                lang,
                f"check-flow-{part}",
                "watchlist_flows",
                (zh, en)[i],
                value,
                checked,
                code,
                error,
                title,
            )
        )
    if cost is not None:
        from evalkit.evaluation.cost import cost_checks

        title = ("资金使用效益: 每元补助增收 (仅列示)", "cost: yuan gained per yuan paid (reported only)")
        for item in cost_checks(cost, lang):
            args = (item["description"], item["value"], item["n_households"], "reported", None, title)
            rows.append(_check_row(region, year, lang, f"check-cost-{item['measure']}", "cost", *args, unit="ratio"))
    return rows


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
