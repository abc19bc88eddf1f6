"""Report section "后评估核查 / post-assessment checks" (issue 16): identification accuracy,
coverage and matching of support, the watch-list over time (台账) and cost per yuan.

Every function turns an :mod:`evalkit.evaluation` table into a display table (strings, counts
under 10 households shown as "<10", no household id) or a bilingual note; the notebook only calls
them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.reporting import disclosure
from evalkit.reporting.present import format_table, format_value, t, watch_table


def _as_watch_counts(counts: pd.DataFrame, by: str, key: str, n: str) -> pd.DataFrame:
    """A long count table in the shape :func:`evalkit.reporting.present.watch_table` shows."""
    values = counts[n].astype(float)
    small = disclosure.primary_states(values) == disclosure.PRIMARY
    return pd.DataFrame(
        {
            by: counts[by].to_numpy(),
            "flag": counts[key].to_numpy(),
            "label": counts["label"].to_numpy(),
            "n_households": values.to_numpy(),  # true counts: watch_table protects them (disclosure)
            "suppressed": small,
        }
    )


def identification_table(counts: pd.DataFrame, by: str, lang: str = "zh") -> pd.DataFrame:
    """:func:`evalkit.evaluation.identification.identification_counts` as one row per unit (the
    total last) and one column per check; small cells "<10"."""
    return watch_table(_as_watch_counts(counts, by, "check", "n_flagged"), by, lang)


def identification_note(lang: str = "zh") -> str:
    from evalkit.evaluation.identification import identification_rules

    share = identification_rules()["income_fall_share"]
    return t("note_identification", lang).format(fall=format_value(100 * share, "int", lang))


def matching_table(summary: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """:func:`evalkit.evaluation.coverage.match_summary` (``by=None``): one row per rule with the
    households meeting its condition, matched, unmatched and the share matched.

    Matched + unmatched = meeting the condition in every row: the two parts are protected
    against the published row total (:func:`evalkit.reporting.disclosure.additive_states`), and
    the share matched is hidden ("§") wherever one of the three counts is."""
    table = format_table(
        summary,
        {
            "label": "text",
            "n_households": "households",
            "n_matched": "int",
            "n_unmatched": "int",
            "share_matched": "pct",
        },
        lang,
        gates={"n_households": None, "n_matched": None, "n_unmatched": None, "share_matched": None},
        headers={
            "label": t("matching_rule", lang),
            "n_households": t("n_meeting_condition", lang),
            "n_matched": t("n_matched", lang),
            "n_unmatched": t("n_unmatched", lang),
            "share_matched": t("share_matched", lang),
        },
    )
    columns = list(table.columns)
    states = {c: np.full(len(table), disclosure.SHOWN, dtype=object) for c in columns}
    numbers = summary[["n_households", "n_matched", "n_unmatched"]].to_numpy(dtype=float)
    for r, (eligible, matched, unmatched) in enumerate(numbers):
        total = table.attrs["disclosure"][columns[1]][r]  # a households column: marked already
        parts = disclosure.additive_states(np.array([matched, unmatched]), total=float(eligible))
        states[columns[1]][r], states[columns[2]][r], states[columns[3]][r] = total, *parts
        if np.isin([total, *parts], disclosure.HIDDEN_STATES).any():
            states[columns[4]][r] = disclosure.DEPENDENT
    for c in columns[2:]:
        table[c] = disclosure.apply_marks(table[c].to_numpy(), states[c])
    table.attrs["disclosure"] = {c: list(states[c]) for c in columns}
    return table


def coverage_pivot(coverage: pd.DataFrame, by: str, lang: str = "zh") -> pd.DataFrame:
    """:func:`evalkit.evaluation.coverage.coverage_table` as one row per measure and one column per
    group of ``by``: share of the group's households receiving it ("<10" under 10 households)."""
    # the groups' households, protected as the group table of the report protects them (the same
    # counts in the same order: the same states), so a header never gives a hidden count away; a
    # share over a hidden group or a hidden number of receiving households is hidden ("§")
    groups = coverage.drop_duplicates(by).set_index(by)["n_households"].sort_index()
    group_states = dict(zip(groups.index, disclosure.additive_states(groups.to_numpy()), strict=True))
    sizes = {g: disclosure.apply_marks([format_value(n, "int", lang)], [group_states[g]])[0] for g, n in groups.items()}
    hidden = disclosure.primary_states(coverage["n_receiving"]) != disclosure.SHOWN
    hidden |= coverage[by].map(group_states).isin(disclosure.HIDDEN_STATES).to_numpy()
    shown = coverage.assign(
        cell=disclosure.apply_marks(
            [format_value(s, "pct", lang) for s in coverage["share"]], np.where(hidden, disclosure.DEPENDENT, "shown")
        )
    )
    order = list(dict.fromkeys(coverage["label"]))
    table = shown.pivot(index="label", columns=by, values="cell").reindex(order).fillna("—")
    table.columns = [f"{g} ({sizes[g]})" for g in table.columns]
    return table.reset_index().rename(columns={"label": t("measure", lang)})


def flows_table(flows: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """:func:`evalkit.evaluation.watchlist_flows.watchlist_flows`: per rule, households newly
    flagged, still flagged and no longer flagged, with the mean change of per-capita income."""
    columns = {"label": "text"}
    gates = {}
    headers = {"label": t("watch_rule", lang)}
    for part in ("new", "still", "left"):
        columns[f"n_{part}"] = "int"
        columns[f"change_{part}"] = "yuan"
        gates[f"n_{part}"] = f"n_{part}"
        gates[f"change_{part}"] = f"n_{part}"
        headers[f"n_{part}"] = t(f"flow_{part}", lang)
        headers[f"change_{part}"] = t(f"flow_change_{part}", lang)
    return format_table(flows, columns, lang, gates=gates, headers=headers)


def cost_table(cost: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """:func:`evalkit.evaluation.cost.cost_per_yuan`: per measure, households paid, amount per
    household, estimated effect per household, yuan gained per yuan paid with its 95% CI, or why not."""
    return format_table(
        cost,
        {
            "label": "text",
            "n_households": "households",
            "amount_per_household": "yuan",
            "effect_per_household": "yuan",
            "yuan_per_yuan": "ratio",
            "ci_low": "ratio",
            "ci_high": "ratio",
            "note": "text",
        },
        lang,
        headers={
            "label": t("measure", lang),
            "n_households": t("n_paid", lang),
            "amount_per_household": t("amount_per_household", lang),
            "effect_per_household": t("effect_per_household", lang),
            "yuan_per_yuan": t("yuan_per_yuan", lang),
            "ci_low": t("ci_low", lang),
            "ci_high": t("ci_high", lang),
            "note": t("note", lang),
        },
    )


def rule_notes(region, match_source: str, lang: str = "zh") -> list[str]:
    """Notes the report must carry for ``region``: 广西 第33条's quarterly flags computed yearly,
    and rules borrowed from another plan (广西's watch-list rules, 江西's matching rules)."""
    from evalkit.evaluation.watchlist import rules_for

    rules, source = rules_for(region)
    notes = []
    if "guangxi" in rules:
        notes.append(t("note_quarterly_yearly", lang))
    if source.startswith("reference"):
        notes.append(t("note_watch_rules_borrowed", lang))
    if str(match_source).startswith("reference"):
        notes.append(t("note_matching_rules_borrowed", lang))
    return notes
