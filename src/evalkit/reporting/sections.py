"""The report's sections as data: one function per section (or part of one) returning the display
tables (strings, already formatted and small-cell suppressed by :func:`evalkit.present.format_table`)
and chart data that ``notebooks/report.ipynb`` only displays.

Every indicator comes from the analysis modules (:mod:`evalkit.income`, :mod:`evalkit.inequality`,
:mod:`evalkit.effects`, :mod:`evalkit.scorecard`, :mod:`evalkit.watchlist`,
:mod:`evalkit.integrity`); this module only selects, labels and shapes, so that the notebook holds
no logic a unit test cannot reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from evalkit.core.column_uses import absent_for, not_computed
from evalkit.core.config import LINE_10000
from evalkit.core.errors import DesignError, EvalkitError
from evalkit.indicators import income
from evalkit.reporting import disclosure, population_cells
from evalkit.reporting.integrity_section import integrity_summary, integrity_tables  # noqa: F401  (notebook API)
from evalkit.reporting.labels import in_admin_order
from evalkit.reporting.present import (
    Unavailable,
    format_table,
    format_value,
    is_missing,
    label_or,
    missing_mark,
    rounded_parts,
    t,
    table_keys,
)
from evalkit.reporting.sources import not_computed_notes, sources_table, watch_notes  # noqa: F401  (notebook API)

#: Columns of a group table (one row per group of the region in the report year).
GROUP_COLUMNS = {
    "n_households": "households",
    "n_persons": "persons",
    "net_income_pc": "yuan",
    "share_wage": "pct",
    "share_net_operating": "pct",
    "share_transfer": "pct",
}
SHARE_COMPONENTS = ("wage", "net_operating", "transfer")


def _share_headers(lang: str, components=SHARE_COMPONENTS) -> dict[str, str]:
    return {f"share_{c}": f"{t(c, lang)} %" for c in components}


def population_note(population: str, lang: str = "zh") -> str:
    """``人口范围: 脱贫人口`` — the note naming whom a table describes (``pop_all``, ``pop_tuopin``)."""
    return f"{t('population', lang)}: {t(population, lang)}"


# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------


def key_number_states(numbers: pd.DataFrame, rule: disclosure.Rule | None = None) -> list[str]:
    """Disclosure state of each key number (:func:`evalkit.report.key_numbers`): the region's
    household count is ``primary`` under the threshold; every other number is ``derived`` when
    the household count it rests on cannot be published; a missing value is ``shown`` (as
    无数据 / null: nothing to hide). The report table, the results JSON,
    ``comparison.csv`` and ``index.html`` all use these states.

    The counts a parent region's report adds up from its children's (:data:`SUMMED_NUMBERS`) are
    keyed for the batch, which may force one hidden (``×``) where another report of the family
    hides it (:mod:`evalkit.reporting.disclosure_batch`); the region's households forced hidden
    hide every number resting on them."""
    keys = [disclosure.cell_key("key_numbers", key) for key in numbers["key"]]
    primary = disclosure.force(disclosure.primary_states(numbers["n_households"], rule), keys)
    own_forced = dict(zip(numbers["key"], primary, strict=True)).get("n_households") == disclosure.SECONDARY
    states = [
        disclosure.SHOWN  # a value that could not be computed has nothing to hide: 无数据 / null, not a mark
        if is_missing(value)
        else state
        if key == "n_households" or (state == disclosure.SECONDARY and not own_forced)
        else disclosure.DEPENDENT
        if own_forced
        else disclosure.gated_states([state])[0]
        for key, value, state in zip(numbers["key"], numbers["value"], primary, strict=True)
    ]
    summed = [k in SUMMED_NUMBERS for k in numbers["key"]]
    disclosure.record(
        [k for k, keep in zip(keys, summed, strict=True) if keep],
        numbers["value"][summed],
        [s for s, keep in zip(states, summed, strict=True) if keep],
    )
    persons = disclosure.cell_key("key_numbers", "n_persons")  # a household has a person at least
    for key in ("n_households", "n_persons_below_monitoring"):
        disclosure.relate([(disclosure.cell_key("key_numbers", key), 1.0), (persons, -1.0)], kind="ub")
    return states


#: Key numbers of a parent region that are the sums of its children's.
SUMMED_NUMBERS = ("n_households", "n_persons", "n_persons_below_monitoring")


def key_numbers_table(numbers: pd.DataFrame, lang: str = "zh", rule: disclosure.Rule | None = None) -> pd.DataFrame:
    """Display table of :func:`evalkit.report.key_numbers`: indicator, population (whom the number
    describes: all households of the region, or 脱贫人口 only for the gap to rural residents) and
    the formatted value, hidden (:func:`key_number_states`) when it rests on too few households;
    无数据 / n/a when it could not be computed, with the reason when ``numbers`` has one (e.g. no
    monitoring line: never a suppression mark)."""
    states = key_number_states(numbers, rule)
    reasons = numbers["reason"] if "reason" in numbers else pd.Series("", index=numbers.index)
    text = [
        (f"{missing_mark(lang)} ({label_or(r, lang)})" if r else missing_mark(lang))
        if is_missing(v)
        else format_value(v, k, lang)
        for v, k, r in zip(numbers["value"], numbers["kind"], reasons, strict=True)
    ]
    value = t("value", lang)
    table = pd.DataFrame(
        {
            t("indicator_label", lang): [t(k, lang) for k in numbers["key"]],
            t("population", lang): [t(p, lang) for p in numbers["population"]],
            value: disclosure.apply_marks(text, states, rule),
        }
    )
    table.attrs["disclosure"] = {value: states}
    table.attrs["lang"] = lang
    return table


def unit_label(unit: str, lang: str = "zh") -> str:
    """Display label of a target's unit (``percent`` → ``%``, ``villages`` → ``个村``) from the
    ``unit_<unit>`` rows of ``data/labels.csv``; an unknown unit raises (add its label)."""
    return t(f"unit_{unit}", lang)


def scorecard_tables(scorecard: pd.DataFrame, lang: str = "zh") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scorecard (:func:`evalkit.scorecard.scorecard`) as two display tables: the number of
    targets per status and one row per target and unit
    (:mod:`evalkit.reporting.scorecard_view`, which the report uses plan by plan)."""
    from evalkit.reporting.scorecard_view import scorecard_display, status_counts

    return status_counts(scorecard, lang), scorecard_display(scorecard, lang)


# ---------------------------------------------------------------------------------------------
# Income level, structure, gap
# ---------------------------------------------------------------------------------------------


def income_table(indicators: pd.DataFrame, growth_prev: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Households, persons, per-capita net income and growth on the previous year, by year."""
    return format_table(
        indicators.merge(growth_prev[["year", "growth_rate"]], on="year", how="left"),
        {
            "year": "int",
            "n_households": "households",
            "n_persons": "persons",
            "net_income_pc": "yuan",
            "growth_rate": "pct",
        },
        lang,
        headers={"growth_rate": t("growth_prev", lang)},
    )


def structure_table(indicators: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Per-capita amount and share of each income component, by year."""
    components = ("wage", "net_operating", "property", "transfer")
    return format_table(
        indicators,
        {"year": "int"} | {f"{c}_pc": "yuan" for c in components} | {f"share_{c}": "pct" for c in components},
        lang,
        headers={f"{c}_pc": t(c, lang) for c in components} | _share_headers(lang, components),
    )


def growth_tables(
    growth_prev: pd.DataFrame, growth_base: pd.DataFrame, lang: str = "zh"
) -> list[tuple[str, pd.DataFrame]]:
    """Growth and each component's contribution (percentage points) on the previous year and since
    the base year: ``[(heading key, display table)]`` for the non-empty ones. The contributions
    shown add up to the growth shown (:func:`rounded_contributions`; said in the table's note)."""
    contrib = {f"contrib_{c}_pp": "pp" for c in income.GROWTH_COMPONENTS}
    out = []
    for table, key in ((growth_prev, "growth_prev"), (growth_base, "growth_base")):
        if not len(table):
            continue
        shown = format_table(
            rounded_contributions(table),
            {"year": "int", "base_year": "int", "growth_rate": "pct"} | contrib,
            lang,
            headers={f"contrib_{c}_pp": t(c, lang) for c in income.GROWTH_COMPONENTS},
        )
        shown.attrs["note"] = t("note_contributions_rounded", lang)
        out.append((key, shown))
    return out


def rounded_contributions(growth: pd.DataFrame, decimals: int = 1) -> pd.DataFrame:
    """``growth`` (:func:`evalkit.indicators.income.growth_contributions`) with the contributions
    rounded to ``decimals`` by largest remainder, so that in every row they add up to the growth
    rate as displayed (percent, ``decimals`` decimals): 6.24 + 3.24 − 1.26 + 0.24 + 0.87 = 9.33
    shows as 6.3 + 3.2 − 1.3 + 0.2 + 0.9 = 9.3, where rounding each alone gives a sum of 9.2."""
    columns = [f"contrib_{c}_pp" for c in income.GROWTH_COMPONENTS]
    out = growth.copy()
    for i, row in growth.iterrows():
        out.loc[i, columns] = rounded_parts(row[columns].astype(float), 100 * float(row["growth_rate"]), decimals)
    return out


def gap_table(gap: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Gap of 脱贫人口 to rural residents (:func:`evalkit.income.gap_to_rural`) by year; the rural
    income is an official series (not gated by the household count)."""
    return format_table(
        gap.assign(comparison_status=[label_or(s, lang) for s in gap["comparison_status"]]),
        {
            "year": "int",
            "net_income_pc": "yuan",
            "rural_income": "yuan",
            "ratio_rural_to_tuopin": "ratio",
            "growth_differential_pp": "pp",
            "comparison_status": "text",
        },
        lang,
        gates={"rural_income": None},
    )


# ---------------------------------------------------------------------------------------------
# Below the lines
# ---------------------------------------------------------------------------------------------


def below_chart_data(tables: dict[str, pd.DataFrame], rule: disclosure.Rule | None = None) -> dict[str, pd.DataFrame]:
    """Chart data of :func:`evalkit.charts.below_lines`: each line's table (from
    :func:`evalkit.income.below_threshold`) with ``share_persons_below`` blanked (NaN, no point
    drawn) in years where the households below the line cannot be published."""
    return {
        key: table.assign(
            share_persons_below=table["share_persons_below"].where(
                disclosure.primary_states(table["n_households_below"], rule) == disclosure.SHOWN
            )
        )
        for key, table in tables.items()
    }


def below_tables(tables: dict[str, pd.DataFrame], lang: str = "zh", year: int | None = None) -> list[pd.DataFrame]:
    """One display table per line (key of ``data/labels.csv`` → below_threshold table); persons
    and shares are gated by the number of households below the line. With the report ``year``,
    the monitoring line's persons below it that year are the key number
    ``n_persons_below_monitoring`` (an equality: the same cell) and each line's households below
    it are some of the key numbers' households — relations noted for the batch's joint audit."""
    columns = {
        "line": "text",
        "year": "int",
        "n_households_below": "households",
        "n_persons_below": "persons",
        "share_households_below": "pct",
        "share_persons_below": "pct",
    }
    gates = {c: "n_households_below" for c in ("n_persons_below", "share_households_below", "share_persons_below")}
    out = []
    for key, table in tables.items():
        table = table.assign(line=t(key, lang))
        out.append(format_table(table, columns, lang, gates=gates))
        if year is None:
            continue
        table_key, rows = table_keys(table, columns, lang)
        for row, row_year in zip(rows, table["year"], strict=True):
            if row_year != year:
                continue
            households = disclosure.cell_key("key_numbers", "n_households")
            disclosure.relate(
                [(disclosure.cell_key(table_key, row, "n_households_below"), 1.0), (households, -1.0)], "ub"
            )
            if key == "line_monitoring":
                persons = disclosure.cell_key("key_numbers", "n_persons_below_monitoring")
                disclosure.relate([(disclosure.cell_key(table_key, row, "n_persons_below"), 1.0), (persons, -1.0)])
    return out


def transition_tables(
    households: pd.DataFrame, years, year: int, lang: str = "zh", include_synthetic: bool = False
) -> list[tuple[str, pd.DataFrame]]:
    """Moves across the 10,000-yuan and monitoring lines from ``year - 1`` to ``year``
    (:func:`evalkit.income.transitions`): ``[(heading suffix, display table)]``, empty when the
    data has no previous year. Shares and persons are gated by the households of each move;
    complementary suppression applies (the moves add up)."""
    if year - 1 not in set(years):
        return []
    out = []
    for line, key in ((LINE_10000, "line_10000"), ("monitoring_line", "line_monitoring")):
        moves = income.transitions(households, line, year - 1, year, include_synthetic=include_synthetic)
        table = format_table(
            moves.assign(transition=[t(k, lang) for k in moves["transition"]]),
            {"transition": "text", "n_households": "households", "n_persons": "persons", "share_households": "pct"},
            lang,
            gates={"n_persons": "n_households", "share_households": "n_households"},
            adds_up=True,
            table=f"transitions_{key}",
        )
        out.append((f": {t(key, lang)} ({year - 1}→{year})", table))
    return out


def _share_above_cohort(region: str | None, base: int):
    """The cohort the share-above table follows: the region's tracked cohort
    (:mod:`evalkit.evaluation.cohorts`, e.g. 弥勒's low-income cohort: base 2021, persons, 超过 = >),
    else every household below 10,000 yuan in the report's base year (≥ counts as above)."""
    from evalkit.evaluation.cohorts import TrackedCohort, cohort_for_region

    tracked = cohort_for_region(region) if region else None
    return tracked or TrackedCohort(
        "", region or "", "", int(base), float(LINE_10000), (), "households", ">=", "", "", ""
    )


def share_above_cohort_note(region: str | None, base: int, lang: str = "zh") -> tuple[int, str]:
    """(base year, reading of the cohort) for the heading and the note under the share-above table."""
    cohort = _share_above_cohort(region, base)
    return cohort.base_year, cohort.reason(lang)


def share_above_table(
    households: pd.DataFrame, years, base: int, year: int, lang: str = "zh", region: str | None = None
) -> pd.DataFrame | None:
    """Of the cohort below 10,000 yuan in its base year, the share above it in each later year up to
    ``year`` (:func:`evalkit.evaluation.cohorts.cohort_progress`, the computation the scorecard uses),
    by households and by persons; ``None`` when the base year is not before ``year``."""
    from evalkit.evaluation.cohorts import cohort_progress

    cohort = _share_above_cohort(region, base)
    if cohort.base_year >= year:
        return None
    later = [y for y in years if cohort.base_year < y <= year]
    since = cohort_progress(households, cohort, later, restrict_groups=bool(cohort.groups))
    return format_table(
        since,
        {
            "year": "int",
            "n_cohort": "households",
            "n_observed": "households",
            "n_above": "households",
            "share_above": "pct",
            "share_above_persons": "pct",
        },
        lang,
        gates={"share_above": "n_above", "share_above_persons": "n_above"},
        at_most=[("n_above", "n_observed"), ("n_observed", "n_cohort")],
        across=not cohort.code,  # a plan's tracked cohort is its region's own
    )


def bottom_quintile_table(households: pd.DataFrame, year: int, region_names, lang: str = "zh"):
    """(table, note) for a region whose plan tracks last year's bottom quintile (江西's 两类增收重点对象):
    the cohort's growth beside the same quintile's cohort before the plan, the top quintile's cohort and
    the cross-sectional bottom 20 % (:func:`evalkit.evaluation.cohorts.bottom_quintile_comparison`), and
    one sentence on regression to the mean; None when no such plan applies or the year is not in it."""
    from evalkit.evaluation.cohorts import bottom_quintile_comparison, bottom_quintile_target

    target = bottom_quintile_target(region_names)
    if target is None or year not in target.years:
        return None
    plan_start = min(target.years)
    groups = tuple((target.population or {}).get("groups", ("tuopin", "monitored")))
    out = bottom_quintile_comparison(households, year, plan_start, groups)
    out["comparison"] = [t(f"rtm_{c}", lang) for c in out["comparison"]]
    out["period"] = [f"{b}→{y}" for b, y in zip(out["base_year"], out["year"], strict=True)]
    out["rtm_growth"] = out["growth_pct"] / 100
    table = format_table(
        out,
        {"comparison": "text", "period": "text", "n_households": "households", "rtm_growth": "pct", "excess_pp": "pp"},
        lang,
        gates={"rtm_growth": "n_households", "excess_pp": "n_households"},
        across=False,  # quintiles of each region's own distribution
    )
    return table, t("rtm_note", lang).format(before=f"{plan_start - 2}→{plan_start - 1}")


# ---------------------------------------------------------------------------------------------
# Groups
# ---------------------------------------------------------------------------------------------


def region_totals(current: pd.DataFrame) -> dict[str, tuple[str, float]]:
    """The key numbers' households and persons of the region in the year of ``current`` (keys of
    the results JSON's ``cells`` and their true values): the total an area or group table's rows
    are tied to for the batch's joint audit (``format_table(total_of=...)``)."""
    whole = income.income_indicators(current)
    if len(whole) == 0:
        return {}
    return {c: (disclosure.cell_key("key_numbers", c), float(whole[c].iloc[0])) for c in ("n_households", "n_persons")}


def area_tables(
    households: pd.DataFrame, year: int, area: str, lang: str = "zh"
) -> tuple[pd.DataFrame, pd.DataFrame | Unavailable]:
    """Income by area (the region's counties, townships or cities) in ``year``: the chart data
    (published areas only: neither small nor hidden to protect a small one) and the display table
    (small areas ``<10``, complementary suppression ``×``), areas in administrative (registry)
    order; without the ``area`` column (township is optional) an empty chart and
    :class:`~evalkit.reporting.present.Unavailable` with the reason."""
    if area not in households.columns:
        return pd.DataFrame(), Unavailable(not_computed(f"area_{area}", [area], lang))
    current = households[households["year"] == year]
    by_area = in_admin_order(income.income_indicators(current, by=[area]), area)
    table = format_table(
        by_area,
        {area: "text"} | GROUP_COLUMNS,
        lang,
        adds_up=True,
        headers=_share_headers(lang),
        total_of=region_totals(current),
        keys=population_cells.area_keys(by_area, area, lang),  # the county maps' table publishes them too
    )
    shown = [s == disclosure.SHOWN for s in table.attrs["disclosure"][table.columns[1]]]
    return by_area[shown], table


def group_tables(households: pd.DataFrame, year: int, lang: str = "zh") -> list[tuple[str, pd.DataFrame | Unavailable]]:
    """Income by labour capacity (:func:`evalkit.income.labour_group`, capacity scheme), relocation
    and household type in ``year``: ``[(heading key, display table)]``; group names in ``lang``,
    small groups ``<10`` with complementary suppression. A grouping whose columns the data lacks
    (``data/column_uses.csv``) gives :class:`~evalkit.reporting.present.Unavailable` with the reason.
    The labour groups' households are keyed as the population (:mod:`evalkit.reporting.population_cells`)
    that the coverage and matching tables publish too; a report computes these tables first, so
    that those follow the states chosen here."""
    current = households[households["year"] == year]
    groupings = (
        (
            "sub_by_labour",
            "group_labour",
            "labour_group",
            lambda f: f.assign(labour_group=income.labour_group(f, "capacity", lang)),
        ),
        (
            "sub_by_relocated",
            "group_relocated",
            "relocated",
            lambda f: f.assign(relocated=f["relocated"].map({True: "relocated_yes", False: "relocated_no"})),
        ),
        ("sub_by_type", None, "household_type", lambda f: f),
    )
    out: list[tuple[str, pd.DataFrame | Unavailable]] = []
    totals = region_totals(current)
    for heading, analysis, column, prepare in groupings:
        missing = absent_for(analysis, current.columns) if analysis else []
        if analysis and missing:
            out.append((heading, Unavailable(not_computed(analysis, missing, lang))))
            continue
        try:
            frame = prepare(current)
        except EvalkitError as problem:  # e.g. labour counts blank for some households: never guessed
            out.append((heading, Unavailable(str(problem))))
            continue
        table = income.income_indicators(frame, by=[column])
        table[column] = [label_or(str(v), lang) for v in table[column]]
        columns = {column: "text"} | GROUP_COLUMNS
        # the labour groups' households are a population the coverage and matching tables publish too
        keys = population_cells.group_keys(frame, table, column, columns, lang) if column == "labour_group" else None
        shown = format_table(
            table, columns, lang, adds_up=True, headers=_share_headers(lang), total_of=totals, keys=keys
        )
        out.append((heading, shown))
    return out


# ---------------------------------------------------------------------------------------------
# Inequality
# ---------------------------------------------------------------------------------------------


def inequality_tables(households: pd.DataFrame, year: int, lang: str = "zh") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Inequality and poverty indices by year (:func:`evalkit.inequality.inequality_table`, line
    10,000 yuan) and the Gini decomposition by income source in ``year``
    (:func:`evalkit.inequality.gini_by_source`, person-weighted)."""
    from evalkit.indicators.inequality import gini_by_source, inequality_table

    table = inequality_table(households, line=LINE_10000)
    columns = {
        "year": "int",
        "n_households": "households",
        "gini": "number",
        "theil_t": "number",
        "mld": "number",
        "fgt0": "pct",
        "fgt1": "number",
        "fgt2": "number",
    }
    if table["mld"].isna().all():  # MLD needs every income > 0 (documented NaN); no empty column in a report
        del columns["mld"]
    ineq = format_table(table, columns, lang)
    current = households[households["year"] == year]
    by_source = gini_by_source(per_capita_components(current), weights=current["household_size"])
    sources = format_table(
        by_source.assign(source=[t(s, lang) for s in by_source["source"]], n_households=len(current)),
        {
            "source": "text",
            "share": "pct",
            "gini": "number",
            "gini_corr": "number",
            "contribution": "number",
            "share_of_inequality": "pct",
            "marginal_effect": "number",
        },
        lang,
        headers={"gini": t("source_gini", lang), "share": t("source_share", lang)},
    )
    return ineq, sources


# ---------------------------------------------------------------------------------------------
# Effects
# ---------------------------------------------------------------------------------------------


@dataclass
class MeasureSection:
    """One measure's part of the effects section: its heading, and either the effect table and
    event-study data per outcome, or the reason no effect could be estimated."""

    kind: str
    heading_suffix: str
    table: pd.DataFrame | None = None
    event_studies: list[tuple[str, str, pd.DataFrame]] = field(default_factory=list)  # (title, outcome, rows)
    reason: str = ""
    measure: str = ""  # the measure's code (data/measures.csv)
    effects: pd.DataFrame | None = None  # MeasureEffects.effects, for the cost-per-yuan table
    notes: list[str] = field(default_factory=list)  # design, clustering, caveats (effects_section.effect_notes)
    result: object = field(default=None, repr=False)  # the MeasureEffects, reused by the every-measure table

    @property
    def estimated(self) -> bool:
        return self.table is not None


def effects_sample_note(sampled: dict, lang: str = "zh") -> str:
    """The note of a report whose effects were estimated on a sample (:func:`evalkit.report.effects_sample`)."""
    return t("effects_sampled", lang).format(
        n=f"{sampled['households']:,}", of=f"{sampled['of']:,}", seed=sampled["seed"]
    )


def effect_sections(region_data, measures: pd.DataFrame, lang: str = "zh", estimate=None) -> list[MeasureSection]:
    """Effects of each report measure (``measures``: :func:`evalkit.report.report_measures`) on
    per-capita net income and on the component it works through. A measure whose design cannot
    be estimated (:class:`~evalkit.errors.DesignError`: too few treated, no controls, ...) yields
    its reason instead of numbers; other errors propagate. ``estimate`` defaults to
    :func:`evalkit.effects.measures.measure_effects` (injectable for tests)."""
    if estimate is None:
        from evalkit.effects.measures import measure_effects as estimate
    from evalkit.effects.results import outcome_label
    from evalkit.reporting.effects_section import effect_headers, effect_notes

    sections = []
    for spec in measures.itertuples(index=False):
        kind, outcomes = str(spec.kind), ("net_income_pc", str(spec.outcome))
        try:
            result = estimate(region_data, str(spec.measure), outcomes=outcomes)
        except DesignError as problem:
            sections.append(
                MeasureSection(kind=kind, heading_suffix="", reason=str(problem), measure=str(spec.measure))
            )
            continue
        name = result.label_zh if lang == "zh" else result.label_en
        table = format_table(
            result.effects.assign(outcome=result.effects["label_zh" if lang == "zh" else "label_en"]),
            {
                "outcome": "text",
                "att": "yuan",
                "se": "yuan",
                "ci_low": "yuan",
                "ci_high": "yuan",
                "n_treated": "households",
                "n_control": "households",
                "pretest_pvalue": "number",
            },
            lang,
            count_column="n_treated",
            headers=effect_headers(lang),
            table=f"effects_{spec.measure}",
        )
        dynamics = [
            (
                f"{name}: {outcome_label(outcome, lang)}",
                outcome,
                result.event_studies[result.event_studies["outcome"] == outcome],
            )
            for outcome in outcomes
        ]
        sections.append(
            MeasureSection(
                kind=kind,
                heading_suffix=f": {name}",
                table=table,
                event_studies=[d for d in dynamics if len(d[2])],
                measure=str(spec.measure),
                effects=result.effects,
                notes=effect_notes(result, lang),
                result=result,
            )
        )
    return sections


def per_capita_components(households: pd.DataFrame) -> pd.DataFrame:
    """The four income components per person of each household (for source decompositions):
    wage, net_operating, property, transfer divided by ``household_size``; they add up to net_income_pc."""
    from evalkit.core.schema import COMPONENTS

    return households[list(COMPONENTS)].div(households["household_size"].astype(float), axis=0)
