"""The post-assessment checks (issue 16) as scorecard rows: :func:`check_rows`.

Checks are not targets: no threshold, never met or not met; each row says how many households
were checked and how many were flagged (identification, support matching), or lists a count
(the watch-list over time, the cost per yuan). :func:`evalkit.evaluation.scorecard.scorecard`
appends them with ``checks=True``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.registry import Region
from evalkit.evaluation.scorecard_columns import NO_PROGRESS, STATUS_LABELS
from evalkit.evaluation.target_values import REASON_LABELS


def check_row(
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
            check_row(
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
            check_row(
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
                check_row(
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
            check_row(
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
            rows.append(check_row(region, year, lang, f"check-cost-{item['measure']}", "cost", *args, unit="ratio"))
    return rows
