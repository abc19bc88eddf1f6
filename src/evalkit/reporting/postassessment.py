"""Report section "后评估核查 / post-assessment checks" (issue 16): identification accuracy,
coverage and matching of support, the watch-list over time (台账) and cost per yuan.

Every function turns an :mod:`evalkit.evaluation` table into a display table (strings, counts
under 10 households shown as "<10", no household id) or a bilingual note; the notebook only calls
them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.reporting import disclosure, population_cells
from evalkit.reporting.present import Unavailable, format_table, format_value, t, watch_grid, watch_table


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


def identification_table(counts: pd.DataFrame, by: str, lang: str = "zh", fixed_rows=None) -> pd.DataFrame:
    """:func:`evalkit.evaluation.identification.identification_counts` as one row per unit (the
    total last) and one column per check; small cells "<10". ``fixed_rows``: the states of rows a
    child region's own report publishes (:func:`evalkit.reporting.present.watch_grid`)."""
    return watch_table(
        _as_watch_counts(counts, by, "check", "n_flagged"), by, lang, fixed_rows=fixed_rows, table="identification"
    )


def identification_grid(counts: pd.DataFrame, by: str, lang: str = "zh", fixed_rows=None, table="identification"):
    """The protected grid behind :func:`identification_table` (its 合计 row is what the
    scorecard's identification checks show: :func:`scorecard_states`); ``table=None`` for a
    child's grid computed only for its states (nothing recorded for the batch)."""
    return watch_grid(_as_watch_counts(counts, by, "check", "n_flagged"), by, lang, fixed_rows=fixed_rows, table=table)


def identification_note(lang: str = "zh") -> str:
    from evalkit.evaluation.identification import identification_rules

    share = identification_rules()["income_fall_share"]
    return t("note_identification", lang).format(fall=format_value(100 * share, "int", lang))


def _flag_totals(summary: pd.DataFrame, grid) -> list:
    """Per matching rule, the state of the watch-list 合计 cell counting the same households (a
    rule on a watch-list flag: condition ``flag:<flag>``), else ``None``."""
    from evalkit.evaluation.coverage import matching_rules

    if grid is None or "rule" not in summary.columns:
        return [None] * len(summary)
    condition = matching_rules().set_index("rule")["condition"].astype(str)
    column = {flag: j for j, flag in enumerate(grid.flags)}
    out = []
    for rule in summary["rule"]:
        flag = condition.get(rule, "")[5:] if condition.get(rule, "").startswith("flag:") else None
        out.append(grid.states[-1, column[flag]] if flag in column else None)
    return out


def matching_table(summary: pd.DataFrame, lang: str = "zh", grid=None) -> pd.DataFrame | Unavailable:
    """:func:`evalkit.evaluation.coverage.match_summary` (``by=None``): one row per rule with the
    households meeting its condition, matched, unmatched and the share matched.

    Matched + unmatched = meeting the condition in every row: the two parts are protected
    against the published row total (:func:`evalkit.reporting.disclosure.additive_states`), and
    the share matched is hidden ("§") wherever one of the three counts is. A rule on the
    households of a watch-list flag meets the watch-list table's 合计 cell of that flag
    (``grid``: :func:`evalkit.reporting.present.watch_grid`): hidden there, hidden here.
    The reason (:class:`~evalkit.reporting.present.Unavailable`) when the data could not support
    the check."""
    if summary.attrs.get("not_computed"):
        return Unavailable(summary.attrs["not_computed"][lang])
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
        record=False,  # matching_states decides and records the counts' states
    )
    columns = list(table.columns)
    found = matching_states(summary, grid)
    states = {columns[0]: np.full(len(table), disclosure.SHOWN, dtype=object)}
    states |= dict(zip(columns[1:], (found[k] for k in MATCHING_COLUMNS), strict=True))
    marked = np.asarray(table.attrs["disclosure"][columns[1]], dtype=object)  # a households column: marked already
    table[columns[1]] = disclosure.apply_marks(
        table[columns[1]].to_numpy(), np.where(marked == disclosure.SHOWN, states[columns[1]], disclosure.SHOWN)
    )
    for c in columns[2:]:
        table[c] = disclosure.apply_marks(table[c].to_numpy(), states[c])
    table.attrs["disclosure"] = {c: list(states[c]) for c in columns}
    return table


def _conditions(rules) -> list[tuple[str, str]]:
    """(rule, its condition in ``data/matching_rules.csv``; "" for a rule not there)."""
    from evalkit.evaluation.coverage import matching_rules

    condition = matching_rules().set_index("rule")["condition"].astype(str)
    return [(str(rule), condition.get(rule, "")) for rule in rules]


#: the count columns of :func:`evalkit.evaluation.coverage.match_summary` and the share they give
MATCHING_COLUMNS = ("n_households", "n_matched", "n_unmatched", "share_matched")


def matching_states(summary: pd.DataFrame, grid=None) -> dict[str, np.ndarray]:
    """Disclosure states of :func:`matching_table`'s cells (one array per column of
    :data:`MATCHING_COLUMNS`): the households meeting the condition primary under the threshold,
    or hidden where the watch-list's 合计 cell of the same flag is (``grid``); matched +
    unmatched protected against it (:func:`evalkit.reporting.disclosure.additive_states`); the
    share hidden ("§") wherever one of the three counts is. The scorecard's rows on unmatched
    support show the same states (:func:`scorecard_states`)."""
    n = len(summary)
    states = {c: np.full(n, disclosure.SHOWN, dtype=object) for c in MATCHING_COLUMNS}
    numbers = summary[list(MATCHING_COLUMNS[:3])].to_numpy(dtype=float)
    linked = _flag_totals(summary, grid)
    # keyed as in the other reports of a batch (the batch may force a count hidden: disclosure.force);
    # a rule on one labour group meets that group's households: the population's key (population_cells)
    rules = summary["rule"] if "rule" in summary.columns else summary.get("label", pd.Series(range(n)))
    keys = {c: [disclosure.cell_key("matching", rule, c) for rule in rules] for c in MATCHING_COLUMNS[:3]}
    keys["n_households"] = [population_cells.rule_key(rule, condition) for rule, condition in _conditions(rules)]
    eligible_states = disclosure.force(disclosure.primary_states(numbers[:, 0]), keys["n_households"])
    before, _ = disclosure.prior_states(keys["n_households"], numbers[:, 0])  # hidden in the group table
    eligible_states[before & (eligible_states == disclosure.SHOWN)] = disclosure.SECONDARY
    for r, (eligible, matched, unmatched) in enumerate(numbers):
        total = eligible_states[r]
        if total == disclosure.SHOWN and linked[r] in disclosure.HIDDEN_STATES:
            total = linked[r]
        parts = disclosure.additive_states(
            np.array([matched, unmatched]),
            total=float(eligible),
            total_hidden=total in disclosure.HIDDEN_STATES,
            forced=disclosure.forced_mask([keys["n_matched"][r], keys["n_unmatched"][r]]),
        )
        states["n_households"][r], states["n_matched"][r], states["n_unmatched"][r] = total, *parts
        if np.isin([total, *parts], disclosure.HIDDEN_STATES).any():
            states["share_matched"][r] = disclosure.DEPENDENT
    for c in MATCHING_COLUMNS[:3]:
        disclosure.record(keys[c], summary[c], states[c])
    for r in range(n):  # matched + unmatched = the households meeting the condition
        disclosure.relate(
            [(keys["n_households"][r], 1.0), (keys["n_matched"][r], -1.0), (keys["n_unmatched"][r], -1.0)]
        )
    return states


def coverage_pivot(coverage: pd.DataFrame, by: str, lang: str = "zh") -> pd.DataFrame | Unavailable:
    """:func:`evalkit.evaluation.coverage.coverage_table` as one row per measure and one column per
    group of ``by``: share of the group's households receiving it ("<10" under 10 households; 0%
    where nobody of a published group received it); the reason when it could not be computed."""
    if coverage.attrs.get("not_computed"):
        return Unavailable(coverage.attrs["not_computed"][lang])
    # the groups' households are a population the group table publishes too, under the same keys
    # (population_cells): shown as the report's first table shows them, the batch's forcing
    # honoured, so a header never gives a hidden count away; a share over a hidden group or a
    # hidden number of receiving households is hidden ("§")
    groups = coverage.drop_duplicates(by).set_index(by)["n_households"].sort_index()
    if coverage.attrs.get("group_sizes"):  # every group of the region, also those that received nothing
        groups = pd.Series(coverage.attrs["group_sizes"], dtype=float).sort_index()
    if by == population_cells.LABOUR:
        keys, total = population_cells.labour_keys(groups.index, lang)
    else:
        keys = [disclosure.cell_key("coverage", by, g, "n_households") for g in groups.index]
        total = disclosure.cell_key("coverage", by, disclosure.TOTAL, "n_households")
    states = population_cells.group_states(keys, groups.to_numpy(), total)
    group_states = dict(zip(groups.index, states, strict=True))
    sizes = {g: disclosure.apply_marks([format_value(n, "int", lang)], [group_states[g]])[0] for g, n in groups.items()}
    hidden = disclosure.primary_states(coverage["n_receiving"]) != disclosure.SHOWN
    hidden |= coverage[by].map(group_states).isin(disclosure.HIDDEN_STATES).to_numpy()
    shown = coverage.assign(
        cell=disclosure.apply_marks(
            [format_value(s, "pct", lang) for s in coverage["share"]], np.where(hidden, disclosure.DEPENDENT, "shown")
        )
    )
    order = list(dict.fromkeys(coverage["label"]))
    table = shown.pivot(index="label", columns=by, values="cell").reindex(order)
    zero = format_value(0.0, "pct", lang)  # nobody of the group received it: a true zero (not over a hidden group)
    for g in table.columns:
        table[g] = table[g].fillna(disclosure.DERIVED if group_states[g] in disclosure.HIDDEN_STATES else zero)
    table.columns = [f"{g} ({sizes[g]})" for g in table.columns]
    return table.reset_index().rename(columns={"label": t("measure", lang)})


def flow_states(flows: pd.DataFrame, grid=None) -> dict[str, np.ndarray]:
    """Disclosure states of the flows' counts (``n_new``, ``n_still``, ``n_left``; one per row).

    Newly flagged + still flagged = flagged now, which the watch-list table publishes in its
    合计 row (``grid``: :func:`evalkit.reporting.present.watch_grid`; rows matched by flag). The
    two are protected jointly with that table (:func:`evalkit.reporting.disclosure.protect` over
    the union: the grid's cells as published, fixed; its relations; new + still = its total), so
    that neither a hidden flow nor a hidden watch-list cell can be worked out from both tables
    (弥勒: 26 flagged, 19 still flagged gave 7 newly flagged). No longer flagged rests on last
    year's list: primary suppression only."""
    # keyed as in the other reports of a batch (the batch may force a count hidden: disclosure.force)
    keys = {f"n_{p}": [disclosure.cell_key("flows", flag, f"n_{p}") for flag in flows["flag"]] for p in FLOWS}
    states = {part: disclosure.force(disclosure.primary_states(flows[part].astype(float)), keys[part]) for part in keys}
    states = _flow_states(flows, grid, states)
    for part in keys:
        disclosure.record(keys[part], flows[part], states[part])
    if grid is not None:  # newly + still flagged = flagged now (the watch-list's 合计 row), for the batch
        flagged = [disclosure.cell_key("watchlist", disclosure.TOTAL, flag) for flag in grid.flags]
        disclosure.record(flagged, grid.values[-1], grid.states[-1])
        for r, flag in enumerate(flows["flag"]):
            if flag in grid.flags:
                parts = [(keys["n_new"][r], -1.0), (keys["n_still"][r], -1.0)]
                disclosure.relate([(flagged[list(grid.flags).index(flag)], 1.0), *parts])
    return states


FLOWS = ("new", "still", "left")


def _flow_states(flows: pd.DataFrame, grid, states: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if grid is None or len(flows) == 0:
        return states
    values = np.asarray(grid.values, dtype=float)
    rows, cols = values.shape
    column = {flag: j for j, flag in enumerate(grid.flags)}
    eq, ub = disclosure.grid_relations(values, any_column=grid.flags[-1] == "any_flag")
    size = rows * cols + 2 * len(flows)
    links = []
    for r, flag in enumerate(flows["flag"]):
        if flag in column:
            link = np.zeros(size)
            link[(rows - 1) * cols + column[flag]] = 1.0
            link[rows * cols + 2 * r] = link[rows * cols + 2 * r + 1] = -1.0
            links.append(link)
    if not links:
        return states

    def widen(matrix):
        return None if matrix is None else np.hstack([matrix, np.zeros((len(matrix), 2 * len(flows)))])

    both = flows[["n_new", "n_still"]].to_numpy(dtype=float).ravel()
    start = np.column_stack([states["n_new"], states["n_still"]]).ravel() != disclosure.SHOWN
    hidden, _ = disclosure.protect(
        np.concatenate([values.ravel(), both]),
        np.concatenate([np.isin(grid.states.ravel(), disclosure.HIDDEN_STATES), start]),
        np.vstack([widen(eq), *links]),
        widen(ub),
        fixed=np.concatenate([np.ones(rows * cols, dtype=bool), np.zeros(len(both), dtype=bool)]),
    )
    extra = hidden[rows * cols :].reshape(-1, 2)
    for k, part in enumerate(("n_new", "n_still")):
        states[part] = np.where(extra[:, k] & (states[part] == disclosure.SHOWN), disclosure.SECONDARY, states[part])
    return states


def flows_table(flows: pd.DataFrame, lang: str = "zh", grid=None) -> pd.DataFrame:
    """:func:`evalkit.evaluation.watchlist_flows.watchlist_flows`: per rule, households newly
    flagged, still flagged and no longer flagged, with the mean change of per-capita income
    (counts protected with the watch-list table ``grid``: :func:`flow_states`)."""
    columns = {"label": "text"}
    headers = {"label": t("watch_rule", lang)}
    for part in ("new", "still", "left"):
        columns[f"n_{part}"] = "int"
        columns[f"change_{part}"] = "yuan"
        headers[f"n_{part}"] = t(f"flow_{part}", lang)
        headers[f"change_{part}"] = t(f"flow_change_{part}", lang)
    table = format_table(flows, columns, lang, gates=dict.fromkeys(columns), headers=headers)
    states = flow_states(flows, grid)
    for part in ("new", "still", "left"):
        count, change = headers[f"n_{part}"], headers[f"change_{part}"]
        gated = disclosure.gated_states(states[f"n_{part}"])
        table[count] = disclosure.apply_marks(table[count].to_numpy(), states[f"n_{part}"])
        table[change] = disclosure.apply_marks(table[change].to_numpy(), gated)
        table.attrs["disclosure"][count], table.attrs["disclosure"][change] = list(states[f"n_{part}"]), list(gated)
    return table


def scorecard_flow_states(card: pd.DataFrame, flows: pd.DataFrame | None, grid=None) -> pd.DataFrame:
    """``card`` with the states of its watch-list-over-time rows (``check-flow-new/still/left``:
    the any-flag row of the flows table) in a ``disclosure_state`` column, so the scorecard shows
    them exactly as the flows table does."""
    return scorecard_states(card, flows, grid)


def scorecard_states(
    card: pd.DataFrame,
    flows: pd.DataFrame | None = None,
    grid=None,
    match: pd.DataFrame | None = None,
    identification=None,
) -> pd.DataFrame:
    """``card`` with a ``disclosure_state`` column for the check rows that repeat a count of
    another table of the report, so the scorecard (and the results JSON:
    :func:`evalkit.reporting.report.published_target`) shows each exactly as that table does:

    * ``check-flow-new/still/left``: the any-flag row of the flows table (:func:`flow_states`
      with the watch-list ``grid``);
    * ``check-match-<rule>``: the unmatched households of the matching table (``match``:
      :func:`evalkit.evaluation.coverage.match_summary`, states :func:`matching_states`);
    * ``check-<check>``: the 合计 row of the identification table (``identification``:
      :func:`identification_grid`).

    Rows none of them covers keep the scorecard's own rule (primary suppression)."""
    if "target_id" not in card.columns:
        return card
    by_id: dict[str, str] = {}
    if flows is not None and "any_flag" in set(flows["flag"]):
        states = flow_states(flows, grid)
        row = list(flows["flag"]).index("any_flag")
        by_id |= {f"check-flow-{part}": states[f"n_{part}"][row] for part in ("new", "still", "left")}
    if match is not None and len(match) and not match.attrs.get("not_computed"):
        unmatched = matching_states(match, grid)["n_unmatched"]
        by_id |= {f"check-match-{rule}": s for rule, s in zip(match["rule"], unmatched, strict=True)}
    if identification is not None:
        by_id |= {f"check-{check}": s for check, s in zip(identification.flags, identification.states[-1], strict=True)}
    if not by_id:
        return card
    known = card["disclosure_state"] if "disclosure_state" in card.columns else pd.Series(None, index=card.index)
    return card.assign(disclosure_state=card["target_id"].map(by_id).where(lambda s: s.notna(), known))


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
    evalkit's reading of 收入增速缓慢 (the threshold of ``data/watchlist_rules.csv``), and rules
    borrowed from another plan (广西's watch-list rules, 江西's matching rules)."""
    from evalkit.evaluation.watchlist import PERCENT, rules_for, slow_growth_parameter

    rules, source = rules_for(region)
    notes = []
    if "guangxi" in rules:
        notes.append(t("note_quarterly_yearly", lang))
        value, unit = slow_growth_parameter()
        key = "note_slow_growth_percent" if unit == PERCENT else "note_slow_growth_share"
        notes.append(t(key, lang).format(value=f"{value:g}"))
    if source.startswith("reference"):
        notes.append(t("note_watch_rules_borrowed", lang))
    if str(match_source).startswith("reference"):
        notes.append(t("note_matching_rules_borrowed", lang))
    return notes
