"""The scorecard as an official reads it (:func:`evalkit.evaluation.scorecard.scorecard` → display
tables): counts as integers with their unit (``336,173 人``, ``2 个产业``), shares as percentages,
yuan as whole yuan, and values shown with as many decimals as it takes for the display never to
contradict the status (0.546 against 0.55 shows ``54.6%`` / ``55.0%``, never ``0.55 | 0.55 |
未达标``); last year's value and the change of status; end-of-plan targets before their year
as progress (distance, yearly pace needed, last year's change); one table per plan in force, the
plan's final year marked as its final assessment; status counts with 未到考核年份 and 缺少数据
apart.
"""

from __future__ import annotations

import math

import pandas as pd

from evalkit.reporting import disclosure
from evalkit.reporting.present import area_label, missing_mark, t

#: Status codes in the order the counts show them.
STATUS_ORDER = ("met", "not_met", "not_due", "not_measurable")
#: Target units that are counts (shown as integers with the unit's label).
COUNT_UNITS = (
    "persons",
    "person",
    "villages",
    "industries",
    "enterprises",
    "entities",
    "jobs",
    "posts",
    "zones",
    "person-times",
)
MAX_EXTRA_DECIMALS = 4


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def _base_decimals(unit: str) -> int:
    return {"share": 1, "percent": 1, "ratio": 2}.get(unit, 0)


def format_target_value(
    x, unit: str, lang: str = "zh", decimals: int | None = None, signed: bool = False, difference: bool = False
) -> str:
    """A target value in ``unit``: ``share`` → percent, ``percent`` (already in percent) → ``%``,
    ``ratio`` → plain number, ``yuan`` → yuan, a count unit → an integer with the unit's label,
    ``flag`` → 是/否. ``signed`` (a margin) or ``difference`` (a distance or pace): a difference
    of two values, percentage points for shares and percents."""
    if _missing(x):
        return missing_mark(lang)
    d = _base_decimals(unit) if decimals is None else decimals
    sign = "+" if signed else ""
    if unit == "flag" and not (signed or difference):
        return t("yes", lang) if x else t("no", lang)
    if unit in ("share", "percent"):
        number = 100 * x if unit == "share" else x
        if signed or difference:
            return f"{number:{sign}.{d}f} {t('pp_unit', lang)}"
        return f"{number:.{d}f}%"
    if unit == "ratio":
        return f"{x:{sign},.{d}f}"
    if unit == "yuan":
        return f"{x:{sign},.{d}f} {t('yuan_unit', lang)}"
    label = t(f"unit_{unit}", lang)
    return f"{x:{sign},.{d}f} {label}"


def display_decimals(value, threshold, unit: str) -> int:
    """The fewest decimals (from the unit's usual number) at which ``value`` and ``threshold``
    display differently, unless they are equal: the display then never shows a value equal to
    its target next to 未达标 (or a strict target as 达标)."""
    base = _base_decimals(unit)
    if _missing(value) or _missing(threshold) or unit == "flag" or value == threshold:
        return base
    for d in range(base, base + MAX_EXTRA_DECIMALS + 1):
        if format_target_value(value, unit, decimals=d) != format_target_value(threshold, unit, decimals=d):
            return d
    return base + MAX_EXTRA_DECIMALS


def _text(x) -> str:
    return "" if _missing(x) else str(x)


def area_of(row: pd.Series, lang: str = "zh") -> str:
    """The area a scorecard row is about (its county when it has one, else the region), in ``lang``."""
    county = row.get("county")
    return area_label(county if isinstance(county, str) and county else row["region"], lang)


def _note(row: pd.Series, lang: str, d: int) -> str:
    """说明: the reason when not measured; for a target not yet due, distance and pace."""
    reason = _text(row.get("reason"))
    if row["status_code"] != "not_due":
        return reason
    due, unit = int(row["due_year"]), row["unit"]
    if _missing(row.get("pace_needed")):
        text = t("pace_note_due", lang).format(due=due)
    else:
        distance = format_target_value(max(0.0, -row["margin"]), unit, lang, d, difference=True)
        pace = format_target_value(row["pace_needed"], unit, lang, d, difference=True)
        last = float(row["pace_last_year"]) if "pace_last_year" in row else math.nan
        if _missing(last):
            text = t("pace_note_unknown", lang).format(due=due, distance=distance, pace=pace)
        else:
            change = format_target_value(abs(last), unit, lang, d, difference=True)
            said = t("pace_last_better" if last >= 0 else "pace_last_worse", lang).format(change=change)
            text = t("pace_note", lang).format(due=due, distance=distance, pace=pace, last=said)
    return f"{text}; {reason}" if reason else text


def _value_text(row: pd.Series, unit: str, lang: str, d: int) -> str:
    """The value; a count of households (identification checks, listed counts) under 10 is "<10"."""
    value = row["value"]
    text = format_target_value(value, unit, lang, d)
    state = row.get("disclosure_state")
    if isinstance(state, str):  # the state of the same count in another table (postassessment)
        return str(disclosure.apply_marks([text], [state])[0])
    if unit == "households" and not _missing(value) and value > 0 and disclosure.is_small(value):
        return str(disclosure.apply_marks([text], [disclosure.PRIMARY])[0])
    return text


def scorecard_display(card: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """One display row per target and unit: 目标, 地区, 实际值, 目标值, 差距, 上年值, 较上年,
    评估结果, 说明 (all strings; no ``NaN``)."""
    rows = []
    for _, row in card.iterrows():
        unit = row["unit"]
        d = display_decimals(row["value"], row["threshold"], unit)
        rows.append(
            {
                t("target", lang): row["description"],
                t("region", lang): area_of(row, lang),
                t("value", lang): _value_text(row, unit, lang, d),
                t("threshold", lang): format_target_value(row["threshold"], unit, lang, d),
                t("margin", lang): format_target_value(row["margin"], unit, lang, d, signed=True),
                t("previous_value", lang): format_target_value(row["previous_value"], unit, lang, d),
                t("status_change", lang): _text(row.get("change")) or missing_mark(lang),
                t("status", lang): row["status"],
                t("reason", lang): _note(row, lang, d),
            }
        )
    columns = [
        t(k, lang)
        for k in (
            "target",
            "region",
            "value",
            "threshold",
            "margin",
            "previous_value",
            "status_change",
            "status",
            "reason",
        )
    ]
    return pd.DataFrame(rows, columns=columns)


def status_counts(card: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Number of targets (rows) per status, every status listed, counts as integers:
    达标, 未达标, 未到考核年份, 缺少数据."""
    counts = card["status_code"].value_counts() if len(card) else pd.Series(dtype=int)
    codes = [*STATUS_ORDER, *(["reported"] if counts.get("reported", 0) else [])]  # 仅列示: list-only clauses
    return pd.DataFrame(
        {
            t("status", lang): [t(f"status_{code}", lang) for code in codes],
            t("n_targets", lang): [f"{int(counts.get(code, 0)):,}" for code in codes],
        }
    )


def plan_heading(row: pd.Series, year: int, lang: str = "zh") -> str:
    """``<plan title> (2023—2025年)``, with ``终期评估`` when ``year`` is the plan's last year."""
    if _missing(row.get("plan_first_year")) or _missing(row.get("plan_last_year")):
        return str(row["plan_title"])  # not a plan (the identification checks)
    first, last = int(row["plan_first_year"]), int(row["plan_last_year"])
    period = f"{first}—{last}年" if lang == "zh" else f"{first}–{last}"
    final = f" · {t('plan_final', lang)}" if int(year) == last else ""
    return f"{row['plan_title']} ({t('plan_period', lang)} {period}){final}"


def scorecard_sections(card: pd.DataFrame, year: int, lang: str = "zh") -> list[tuple[str, pd.DataFrame]]:
    """One ``(heading, display table)`` per plan in force in ``year``, in the scorecard's order."""
    out = []
    for document in dict.fromkeys(card["document"]):
        rows = card[card["document"] == document]
        out.append((plan_heading(rows.iloc[0], year, lang), scorecard_display(rows, lang)))
    return out


def show_scorecard(card: pd.DataFrame, year: int, lang: str = "zh") -> None:
    """Display the status counts, then one table per plan in force under its heading (report notebook)."""
    from IPython.display import Markdown, display

    from evalkit.reporting.present import show_notice, show_table

    show_table(status_counts(card, lang))
    if len(card) == 0:
        show_notice(t("no_plan_in_force", lang), "note")
    for heading, table in scorecard_sections(card, year, lang):
        display(Markdown(f"#### {heading}"))
        show_table(table, text_columns=2)
