"""The report's written summary (主要结论) and problem list (问题清单), generated from the numbers
by the sentence templates of ``data/summary_templates.yaml`` (zh and en).

Every value a sentence quotes is formatted by :mod:`evalkit.reporting.present` /
:mod:`evalkit.reporting.scorecard_view` from the same tables the report shows; a sentence whose
numbers are missing or rest on fewer than 10 households is left out (never a sentence with
``—`` or ``<10`` in it). The problem list has one row per unmet target and area (the counties
concerned, with value, target and margin), per target without data, and per data-quality finding.
"""

from __future__ import annotations

import math
from functools import lru_cache

import pandas as pd
import yaml

from evalkit.core.resources import data_path
from evalkit.reporting import disclosure
from evalkit.reporting.present import area_label, format_value, rounded_parts, t
from evalkit.reporting.scorecard_view import area_of, display_decimals, format_target_value

TEMPLATES_FILE = "summary_templates.yaml"
COMPONENTS = ("wage", "operating_income", "operating_expenses", "property", "transfer")
#: Unmet targets named in the summary (largest relative shortfall first).
MAX_SHORTFALLS = 3
#: Measures named in each of the summary's measure sentences (largest effect first; "and n more").
MAX_MEASURES = 5
NOT_TARGETS = ("identification",)


@lru_cache(maxsize=1)
def templates() -> dict:
    """The sentence templates (``data/summary_templates.yaml``: key → {zh, en})."""
    return yaml.safe_load(data_path(TEMPLATES_FILE).read_text(encoding="utf-8"))


def say(key: str, lang: str = "zh", **values) -> str:
    """Template ``key`` in ``lang`` with ``values`` filled in."""
    return templates()[key][lang].format(**values)


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def _number(numbers: pd.DataFrame, key: str):
    """The key number ``key`` when it is published (present and resting on ≥ 10 households), else None."""
    rows = numbers[numbers["key"] == key]
    if len(rows) == 0:
        return None
    row = rows.iloc[0]
    if _missing(row["value"]) or disclosure.is_small(row["n_households"]):
        return None
    return row["value"]


def _targets_only(card: pd.DataFrame) -> pd.DataFrame:
    return card[~card["document"].isin(NOT_TARGETS)] if len(card) else card


def shortfalls(card: pd.DataFrame, n: int = MAX_SHORTFALLS) -> pd.DataFrame:
    """Unmet targets by relative shortfall (margin / |threshold|, the widest first)."""
    missed = _targets_only(card)
    missed = missed[missed["status_code"] == "not_met"]
    if len(missed) == 0:
        return missed
    scale = missed["threshold"].abs().where(missed["threshold"].abs() > 0, 1.0)
    return missed.assign(_relative=missed["margin"] / scale).sort_values("_relative", kind="stable").head(n)


def _pp(x: float, lang: str) -> str:
    return f"{x:.1f} {t('pp_unit', lang)}"


def _excludes_zero(row) -> bool:
    return bool(row["ci_low"] > 0 or row["ci_high"] < 0)


def _caveat_reasons(row, lang: str) -> list[str]:
    """Short reasons an estimate needs care: a failed pre-trend test, too few clusters, another caveat."""
    from evalkit.effects.measures import PRETEST_ALERT, format_pvalue  # lazily: evalkit.effects imports pyfixest

    reasons = []
    p = row["pretest_pvalue"]
    if not _missing(p) and p < PRETEST_ALERT:
        reasons.append(say("caveat_pretrend", lang, p=format_pvalue(p, lang=lang)))
    if not _missing(row["wild_pvalue"]):
        reasons.append(say("caveat_few_clusters", lang, n=int(row["n_clusters"])))
    if not reasons and row["caveat"]:
        reasons.append(say("caveat_design", lang))
    return reasons


def _listed(items: list[str], lang: str) -> str:
    shown = ("；" if lang == "zh" else "; ").join(items[:MAX_MEASURES])
    if len(items) > MAX_MEASURES:
        shown += ("" if lang == "zh" else "; ") + say(
            "measures_more", lang, n=len(items), more=len(items) - MAX_MEASURES
        )
    return shown


def measure_sentences(estimates: pd.DataFrame | None, lang: str = "zh") -> list[str]:
    """The summary's sentences on the measures, from the numbers of the every-measure effects table
    (:func:`evalkit.reporting.effects_section.measures_estimates`): measures whose 95% interval
    excludes zero without a caveat (credible), those whose interval excludes zero but with a caveat
    (a failed pre-trend test, too few clusters, another design caveat), and how many show no effect
    distinguishable from zero. Effects are formatted as in the table; estimates resting on fewer
    than 10 treated households are left out, as the table hides them."""
    if estimates is None or len(estimates) == 0:
        return []
    shown = estimates[[not disclosure.is_small(n) for n in estimates["n_treated"]]]
    shown = shown.sort_values("att", ascending=False, kind="stable")
    credible, caveated, unclear = [], [], 0
    for _, row in shown.iterrows():
        if _missing(row["att"]) or _missing(row["ci_low"]) or _missing(row["ci_high"]):
            continue
        if not _excludes_zero(row):
            unclear += 1
            continue
        effect = format_value(row["att"], "yuan", lang)
        reasons = _caveat_reasons(row, lang)
        if reasons:
            reason = ("；" if lang == "zh" else "; ").join(reasons)
            caveated.append(say("measure_caveat_item", lang, measure=row["measure"], effect=effect, reason=reason))
        else:
            low, high = format_value(row["ci_low"], "yuan", lang), format_value(row["ci_high"], "yuan", lang)
            credible.append(say("measure_item", lang, measure=row["measure"], effect=effect, low=low, high=high))
    out = []
    if credible:
        out.append(say("measures_credible", lang, items=_listed(credible, lang)))
    if caveated:
        out.append(say("measures_caveat", lang, items=_listed(caveated, lang)))
    if credible or caveated:
        if unclear:
            out.append(say("measures_unclear", lang, n=unclear))
    elif unclear:
        out.append(say("measures_none", lang, n=unclear))
    return out


def summary_sentences(
    numbers: pd.DataFrame,
    growth_prev: pd.DataFrame,
    card: pd.DataFrame,
    year: int,
    region_name: str,
    lang: str = "zh",
    watch_counts: pd.DataFrame | None = None,
    integrity_findings: pd.DataFrame | None = None,
    measures: pd.DataFrame | None = None,
) -> list[str]:
    """The 主要结论 sentences, in order: level and growth, the component that drove growth, the gap
    to rural residents, the thresholds, targets met and missed with the largest shortfalls, the
    measures with credible effects and those with caveats (``measures``: the numbers of the
    effects table, :func:`measure_sentences`), the watch-list, the data-quality findings."""
    out = []
    income, growth = _number(numbers, "net_income_pc"), _number(numbers, "growth_prev")
    if income is not None:
        values = {"year": year, "region": region_name, "income": format_value(income, "yuan", lang)}
        if growth is not None:
            out.append(say("level_growth", lang, **values, growth=format_value(growth, "pct", lang)))
        else:
            out.append(say("level_only", lang, **values))
    row = growth_prev[growth_prev["year"] == year] if len(growth_prev) else growth_prev
    if growth is not None and len(row) and growth > 0:
        exact = [float(row[f"contrib_{c}_pp"].iloc[0]) for c in COMPONENTS]
        # as the growth table shows them: rounded so that they add up to the growth shown
        contributions = dict(zip(COMPONENTS, rounded_parts(exact, 100 * growth), strict=True))
        top = max(contributions, key=lambda c: contributions[c])
        if contributions[top] > 0:
            out.append(
                say(
                    "driver",
                    lang,
                    component=t(top, lang),
                    contribution=_pp(contributions[top], lang),
                    share=format_value(
                        contributions[top] / round(100 * growth, 1), "pct", lang
                    ),  # of the figures shown
                )
            )
    ratio, differential = _number(numbers, "ratio_rural_to_tuopin"), _number(numbers, "growth_differential_pp")
    if ratio is not None and differential is not None:
        out.append(
            say(
                "gap",
                lang,
                ratio=format_value(ratio, "ratio", lang),
                direction=templates()["gap_faster" if differential >= 0 else "gap_slower"][lang],
                differential=_pp(abs(differential), lang),
            )
        )
    share_10000, below_line = (
        _number(numbers, "share_persons_below_10000"),
        _number(numbers, "n_persons_below_monitoring"),
    )
    if share_10000 is not None and below_line is not None:
        out.append(
            say(
                "thresholds",
                lang,
                share_10000=format_value(share_10000, "pct", lang),
                below_line=format_value(below_line, "persons", lang),
            )
        )
    targets = _targets_only(card)
    if len(targets):
        counts = targets["status_code"].value_counts()
        out.append(
            say(
                "targets",
                lang,
                n_assessed=int(counts.get("met", 0) + counts.get("not_met", 0)),
                n_met=int(counts.get("met", 0)),
                n_not_met=int(counts.get("not_met", 0)),
                n_due=int(counts.get("not_due", 0)),
                n_missing=int(counts.get("not_measurable", 0)),
            )
        )
        worst = shortfalls(card)
        if len(worst):
            items = [
                say(
                    "shortfall_item",
                    lang,
                    target=r["description"],
                    area=area_of(r, lang),
                    value=format_target_value(
                        r["value"], r["unit"], lang, display_decimals(r["value"], r["threshold"], r["unit"])
                    ),
                    threshold=format_target_value(
                        r["threshold"], r["unit"], lang, display_decimals(r["value"], r["threshold"], r["unit"])
                    ),
                )
                for _, r in worst.iterrows()
            ]
            out.append(say("shortfalls", lang, items=("；" if lang == "zh" else "; ").join(items)))
    out += measure_sentences(measures, lang)
    if watch_counts is not None and len(watch_counts):
        by = watch_counts.columns[0]
        total = watch_counts[(watch_counts[by] == watch_counts[by].iloc[-1]) & (watch_counts["flag"] == "any_flag")]
        if len(total) and not bool(total["suppressed"].iloc[0]) and not _missing(total["n_households"].iloc[0]):
            out.append(say("watchlist", lang, n=f"{int(total['n_households'].iloc[0]):,}"))
    if integrity_findings is not None:
        flagged = int(integrity_findings["flagged"].astype(bool).sum()) if len(integrity_findings) else 0
        out.append(say("integrity", lang, n=flagged) if flagged else say("integrity_clear", lang))
    return out


def problem_list(card: pd.DataFrame, lang: str = "zh", integrity_findings: pd.DataFrame | None = None) -> pd.DataFrame:
    """问题清单: one row per unmet target and area (value, target, margin), per target without data
    (the reason), per flagged data-quality finding (the check, the area, what was found)."""
    rows = []
    targets = _targets_only(card)
    for _, r in targets[targets["status_code"] == "not_met"].iterrows():
        d = display_decimals(r["value"], r["threshold"], r["unit"])
        rows.append(
            {
                "problem": say("problem_target", lang, target=r["description"]),
                "area": area_of(r, lang),
                "value": format_target_value(r["value"], r["unit"], lang, d),
                "threshold": format_target_value(r["threshold"], r["unit"], lang, d),
                "margin": format_target_value(r["margin"], r["unit"], lang, d, signed=True),
                "note": "",
            }
        )
    for _, r in targets[targets["status_code"] == "not_measurable"].iterrows():
        rows.append(
            {
                "problem": say("problem_missing", lang, target=r["description"]),
                "area": area_of(r, lang),
                "value": "",
                "threshold": "",
                "margin": "",
                "note": r["reason"],
            }
        )
    if integrity_findings is not None and len(integrity_findings):
        for _, r in integrity_findings[integrity_findings["flagged"].astype(bool)].iterrows():
            rows.append(
                {
                    "problem": say("problem_integrity", lang, check=r["check_label"]),
                    "area": area_label(r["unit"], lang),
                    "value": "",
                    "threshold": "",
                    "margin": "",
                    "note": r.get("detail", "") or "",
                }
            )
    table = pd.DataFrame(rows, columns=["problem", "area", "value", "threshold", "margin", "note"])
    return table.rename(
        columns={
            "problem": t("problem", lang),
            "area": t("region", lang),
            "value": t("value", lang),
            "threshold": t("threshold", lang),
            "margin": t("margin", lang),
            "note": t("reason", lang),
        }
    )


def show_summary(
    numbers,
    growth_prev,
    card,
    year: int,
    region_name: str,
    lang: str = "zh",
    watch_counts=None,
    integrity_findings=None,
    measures=None,
) -> None:
    """Display 主要结论: the summary sentences (report notebook)."""
    from evalkit.reporting.present import show_heading, show_notice

    show_heading("sub_conclusions", lang, level=3)
    for sentence in summary_sentences(
        numbers, growth_prev, card, year, region_name, lang, watch_counts, integrity_findings, measures
    ):
        show_notice(sentence, "summary")


def show_problems(card, lang: str = "zh", integrity_findings=None) -> None:
    """Display 问题清单: the problem list (report notebook)."""
    from evalkit.reporting.present import show_heading, show_notice, show_table

    show_heading("sub_problems", lang, level=3)
    problems = problem_list(card, lang, integrity_findings)
    if len(problems):
        show_table(problems, text_columns=2)
    else:
        show_notice(say("no_problems", lang), "note")


#: Key numbers that rest on the households of the report year (all but the official rural series)
#: and those that also rest on an earlier year: growth on the previous year, growth since the base.
_YEAR_KEYS = (
    "n_households",
    "n_persons",
    "net_income_pc",
    "growth_prev",
    "growth_base",
    "ratio_rural_to_tuopin",
    "growth_differential_pp",
    "share_persons_below_10000",
    "n_persons_below_monitoring",
)


def unusable_key_numbers(numbers: pd.DataFrame, panel, year: int, base: int | None = None) -> pd.DataFrame:
    """``numbers`` (:func:`evalkit.reporting.report.key_numbers`) with the numbers resting on a
    year whose household-years with non-finite incomes were left out (``panel.meta``,
    :func:`evalkit.io.load.without_non_finite`) set missing with the reason
    ``income_not_finite``: every number of the report year; growth on the previous year and the
    gap's growth differential when that year lost rows; growth since the base year when the base
    year did. The official rural series is untouched."""
    from evalkit.io.load import NON_FINITE

    lost = {int(y) for y in (panel.meta.get(NON_FINITE) or {})}
    if not lost:
        return numbers
    keys: set[str] = set()
    if int(year) in lost:
        keys |= set(_YEAR_KEYS)
    if int(year) - 1 in lost:
        keys |= {"growth_prev", "growth_differential_pp"}
    if base is not None and int(base) in lost:
        keys.add("growth_base")
    out = numbers.copy()
    hit = out["key"].isin(keys)
    out["value"] = out["value"].astype(float).where(~hit)
    out.loc[hit, "reason"] = "income_not_finite"
    return out


def non_finite_note(panel, lang: str = "zh") -> str | None:
    """The notice of a report whose data held household-years with non-finite incomes (left out:
    :func:`evalkit.io.load.without_non_finite`); ``None`` for clean data. The number of households
    follows the disclosure rule (``<10`` under the threshold)."""
    from evalkit.io.load import NON_FINITE

    lost = panel.meta.get(NON_FINITE) or {}
    if not lost:
        return None
    n = int(sum(lost.values()))
    shown = disclosure.primary_mark() if disclosure.is_small(n) else str(n)
    years = ("、" if lang == "zh" else ", ").join(str(y) for y in sorted(lost))
    return t("non_finite_note", lang).format(n=shown, years=years)
