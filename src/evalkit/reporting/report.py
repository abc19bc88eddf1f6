"""One region's yearly report: validate parameters, run the report notebook with papermill in a
fresh kernel, export HTML with the code hidden, write every file atomically and deterministically.

This module is what the report notebook calls (selection of a region's households, key numbers,
the results payload) and the one entry point of the others, whose public names it re-exports:
:mod:`evalkit.reporting.parameters` (notebook, parameters, data), :mod:`evalkit.reporting.runner`
(papermill run and deliverables), :mod:`evalkit.reporting.files` (atomic, deterministic files).

Outputs for region ``R`` (registry code) and year ``Y`` in ``OUT/Y/``::

    R.html    the report, code and prompts hidden (nbconvert, lab template), offline: no script,
              no external font or stylesheet (:mod:`evalkit.reporting.offline_html`)
    R.pdf     the same page printed to A4 by headless Chromium (:mod:`evalkit.reporting.export_pdf`)
    R.docx    Word document: headings, tables, charts as images (:mod:`evalkit.reporting.export_docx`)
    R.xlsx    Excel annex: every table, one sheet per section (:mod:`evalkit.reporting.export_xlsx`)
    R.ipynb   the executed notebook, execution timestamps stripped
    R.json    the key numbers and the scorecard (sorted keys, no timestamps)
    logs/R.log            what ran, how long, the error if any
    logs/R.failed.ipynb   the executed notebook up to the failing cell (failures only)

``R`` is the registry code for a Chinese report and ``<code>.en`` for an English one
(:func:`report_stem`), so the two languages never overwrite each other. ``formats`` chooses
which of html, pdf, docx and xlsx are written (default all).

Parameters are validated *before* a kernel starts: names against those the notebook declares
(read with :func:`papermill.inspect_notebook`; papermill writes names into code unescaped),
the region against :mod:`evalkit.registry`, the year and base year against the data. A file is
first written to ``OUT/Y/.staging/R/`` and moved into place with :func:`os.replace`, so a kill
never leaves a half-written report. Same data and parameters give byte-identical HTML and JSON:
the provenance block carries the data fingerprint, never a time.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit import __version__
from evalkit.core.comparison import load_series, use_series
from evalkit.core.errors import EvalkitError
from evalkit.evaluation.target_values import load_programme

# The report's files, parameters and runner live in their own modules; their public names are
# re-exported here, the one module the report notebook and the CLI import.
from evalkit.reporting.files import atomic_write_bytes, atomic_write_text, emit_results, results_json, results_path
from evalkit.reporting.parameters import (
    DEFAULT_SEED,
    FORMATS,
    KERNEL_ARGUMENTS,
    KERNEL_NAME,
    LANGS,
    LOGS,
    NOTEBOOK_NAME,
    RESULTS_VERSION,
    STAGING,
    data_fingerprint,
    declared_parameters,
    ensure_data,
    is_demo_path,
    load_report_panel,
    notebook_path,
    panel_years,
    parse_formats,
    report_stem,
    validate_parameters,
)
from evalkit.reporting.runner import (
    REMOVE_TAGS,
    ReportOutcome,
    clean_notebook,
    export_html,
    prepare_year_dir,
    report_files,
    run_report,
    write_deliverables,
)
from evalkit.reporting.sections import per_capita_components  # noqa: F401  (notebook API)

__all__ = [
    "prepare_year_dir",
    "report_files",
    "DEFAULT_SEED",
    "EFFECTS_MAX_HOUSEHOLDS",
    "FORMATS",
    "KERNEL_ARGUMENTS",
    "KERNEL_NAME",
    "LANGS",
    "LOGS",
    "NOTEBOOK_NAME",
    "REMOVE_TAGS",
    "RESULTS_VERSION",
    "STAGING",
    "ReportOutcome",
    "area_column",
    "atomic_write_bytes",
    "atomic_write_text",
    "clean_notebook",
    "data_fingerprint",
    "declared_parameters",
    "effects_sample",
    "emit_results",
    "ensure_data",
    "export_html",
    "is_demo_path",
    "key_numbers",
    "load_report_panel",
    "notebook_path",
    "panel_years",
    "parameter_table",
    "parse_formats",
    "per_capita_components",
    "published_target",
    "quiet_logging",
    "region_households",
    "region_panel",
    "report_measures",
    "report_stem",
    "results_json",
    "results_path",
    "results_payload",
    "run_report",
    "validate_parameters",
    "write_deliverables",
]

# ---------------------------------------------------------------------------------------------
# What the report notebook calls (selection and assembly only; indicators come from the
# analysis modules)
# ---------------------------------------------------------------------------------------------


def use_region_statistics(series: str | Path | None = None, programme: str | Path | None = None):
    """The region's own statistics for a report (``evalkit report --series/--programme``): the
    comparison series are used before the published ones for the rest of the process
    (:func:`evalkit.core.comparison.use_series`); returns the programme-indicator table, or None
    (the scorecard then uses the SYNTHETIC demo table on demo data and nothing on real data)."""
    if series:
        use_series(load_series(series))
    return load_programme(programme) if programme else None


def series_sources(region, years, include_synthetic: bool = False) -> pd.DataFrame:
    """The comparison values a report of ``region`` draws on, with their source: rural disposable
    income of the region and its ancestors, the monitoring line of its province(s), for ``years``.
    Columns indicator, region, year, value, unit, source."""
    from evalkit.core.comparison import series as comparison_series

    places = {region.name_zh, *region.filter.values()}  # the region and the regions above it
    parts = []
    for indicator in ("rural_disposable_income", "monitoring_line"):
        table = comparison_series(indicator, include_synthetic=include_synthetic)
        keep = table["region"].isin(places) & table["year"].isin(list(years))
        parts.append(table[keep].assign(indicator=indicator))
    out = pd.concat(parts, ignore_index=True)
    return out[["indicator", "region", "year", "value", "unit", "source"]].reset_index(drop=True)


def region_households(panel, region, year: int) -> pd.DataFrame:
    """The region's households for the report: rows of ``region`` up to ``year`` (a report never
    looks at later years). Raises :class:`EvalkitError` when the region has no household in ``year``."""
    from evalkit.core.registry import region_mask

    households = panel.households
    keep = region_mask(households, region) & (households["year"] <= year)
    selected = households if keep.all() else households[keep]  # read for this region: no copy
    if not (selected["year"] == year).any():
        raise EvalkitError(
            f"{region.name_zh}: 数据中 {year} 年没有该地区的农户 / {region.name_en}: no household of this region "
            f"in {year} in the data"
        )
    return selected


def area_column(region, columns=None) -> str | None:
    """The panel column naming the region's direct children (county, township, prefecture), or
    ``None`` when the registry lists none — or, given the data's ``columns``, when the data lack
    that column (an optional column such as township: the report then groups by the region itself)."""
    from evalkit.core.registry import children

    kids = children(region)
    level = kids[0].level if kids else None
    if level is not None and columns is not None and level not in set(columns):
        return None
    return level


def region_panel(panel, households: pd.DataFrame):
    """A :class:`~evalkit.panel.Panel` of the region's ``households`` (from :func:`region_households`)
    with the measures those households received in the same years, for the effect estimates."""
    from evalkit.core.panel import Panel

    keys = households[["household_id", "year"]].drop_duplicates()
    measures = panel.measures.merge(keys, on=["household_id", "year"], how="inner")
    # province as a categorical: per-row look-ups of province-year series (monitoring lines) then run once
    # per province instead of once per household (Series.map maps a categorical's categories)
    return Panel(households=households.astype({"province": "category"}), measures=measures, meta=panel.meta)


#: Households above which a report estimates the measure effects on a random sample of the
#: region's households (memory and time of Callaway–Sant'Anna grow with the households: ~9 GB
#: and ~90 s a measure for 1,000,000 households; benchmarks/README.md).
EFFECTS_MAX_HOUSEHOLDS = 200_000


def effects_sample(panel, max_households: int = EFFECTS_MAX_HOUSEHOLDS, seed: int = DEFAULT_SEED):
    """The panel the effect estimates of a report use, and a record of the sampling (``None``
    when the region has at most ``max_households`` households: all are used).

    Above the cap, a simple random sample of ``max_households`` households (all their years and
    measures), drawn with ``numpy.random.default_rng(seed)`` from the sorted pseudonyms, so the
    same data and seed give the same sample. Every household has the same chance, so the
    estimand (ATT of the region's households) is unchanged; standard errors grow by about
    √(households / max_households), and the report says so.
    """
    from evalkit.core.panel import Panel

    ids = np.sort(panel.households["household_id"].unique())
    if len(ids) <= max_households:
        return panel, None
    chosen = ids[np.sort(np.random.default_rng(seed).choice(len(ids), max_households, replace=False))]
    keep = panel.households["household_id"].isin(chosen)
    measures = panel.measures[panel.measures["household_id"].isin(chosen)]
    sample = Panel(households=panel.households[keep], measures=measures, meta=panel.meta)
    return sample, {"households": int(max_households), "of": int(len(ids)), "seed": int(seed)}


def report_measures() -> pd.DataFrame:
    """Measures whose effect every report estimates (``data/report_measures.csv``: kind, measure,
    outcome — the income component the measure works through; net_income_pc is always estimated)."""
    from evalkit.core.resources import read_reference_csv

    return read_reference_csv("report_measures.csv")


def key_numbers(
    indicators: pd.DataFrame,
    growth_prev: pd.DataFrame,
    growth_base: pd.DataFrame,
    gap: pd.DataFrame,
    below_10k: pd.DataFrame,
    below_line: pd.DataFrame,
    year: int,
) -> pd.DataFrame:
    """The summary's key numbers for ``year``: one row per number with ``key`` (a label key of
    ``data/labels.csv``), ``value``, ``kind`` (format), ``n_households`` (the count it rests
    on, for suppression) and ``population`` (label key of the people it describes: ``pop_all``
    all households of the region, ``pop_tuopin`` 脱贫人口 only — the gap to rural residents is
    computed for 脱贫人口 —, ``pop_rural`` the official rural series). Each input is the
    region-level table of the analysis function named like it; a number whose table has no row
    for ``year`` is NaN. ``reason``: why a NaN number could not be computed, a key of
    ``data/labels.csv`` (``no_row_for_year``, or the table's status such as ``missing monitoring
    line``, ``missing comparison series``); empty for a number that was computed."""

    def why(table: pd.DataFrame, column: str) -> str:
        row = table[table["year"] == year]
        if len(row) == 0 or column not in row.columns:
            return "no_row_for_year"
        if pd.notna(row[column].iloc[0]):
            return ""
        for status in ("status", "comparison_status"):
            if status in row.columns and row[status].iloc[0] not in ("", "ok"):
                return str(row[status].iloc[0])
        return "not_computable"

    def pick(table: pd.DataFrame, column: str, gate: str = "n_households"):
        row = table[table["year"] == year]
        if len(row) == 0 or column not in row.columns:
            return float("nan"), float("nan")
        return row[column].iloc[0], row[gate].iloc[0] if gate in row.columns else float("nan")

    n = pick(indicators, "n_households")[0]
    spec = [
        ("n_households", indicators, "n_households", "households", "n_households", "pop_all"),
        ("n_persons", indicators, "n_persons", "persons", "n_households", "pop_all"),
        ("net_income_pc", indicators, "net_income_pc", "yuan", "n_households", "pop_all"),
        ("growth_prev", growth_prev, "growth_rate", "pct", "n_households", "pop_all"),
        ("growth_base", growth_base, "growth_rate", "pct", "n_households", "pop_all"),
        ("rural_income", gap, "rural_income", "yuan", None, "pop_rural"),
        ("ratio_rural_to_tuopin", gap, "ratio_rural_to_tuopin", "ratio", "n_households", "pop_tuopin"),
        ("growth_differential_pp", gap, "growth_differential_pp", "pp", "n_households", "pop_tuopin"),
        ("share_persons_below_10000", below_10k, "share_persons_below", "pct", "n_households_below", "pop_all"),
        ("n_persons_below_monitoring", below_line, "n_persons_below", "persons", "n_households_below", "pop_all"),
    ]
    rows = []
    for key, table, column, kind, gate, population in spec:
        value, count = pick(table, column, gate or "n_households")
        rows.append(
            {
                "key": key,
                "value": value,
                "kind": kind,
                "n_households": n if gate is None else count,
                "population": population,
                "reason": why(table, column),
            }
        )
    return pd.DataFrame(rows)


def results_payload(
    region,
    year: int,
    lang: str,
    panel,
    parameters: dict,
    numbers: pd.DataFrame,
    scorecard: pd.DataFrame | None = None,
    watch_counts: pd.DataFrame | None = None,
    fingerprint: str | None = None,
    watch_fixed_rows: dict | None = None,
    effects_sampled: dict | None = None,
) -> dict:
    """The machine-readable results of a report (``<region>.json``): key numbers (``None`` where
    suppressed or missing), the scorecard rows and status counts, watch-list counts, provenance
    (data fingerprint, evalkit version, synthetic flag, parameters, the effects sample of
    :func:`effects_sample` when one was drawn). No time, no random id."""
    from evalkit.reporting import disclosure
    from evalkit.reporting.present import is_missing as _is_missing
    from evalkit.reporting.present import label_or, t, watch_grid
    from evalkit.reporting.sections import key_number_states

    rule = disclosure.current_rule()
    states = key_number_states(numbers, rule)
    values = {
        row.key: None if state in disclosure.HIDDEN_STATES or _is_missing(row.value) else row.value
        for row, state in zip(numbers.itertuples(index=False), states, strict=True)
    }
    hidden = {str(key): state for key, state in zip(numbers["key"], states, strict=True)}
    hidden = {k: v for k, v in hidden.items() if v in disclosure.HIDDEN_STATES}
    suppressed = sorted(hidden)
    payload = {
        "region": region.code,
        "region_name_zh": region.name_zh,
        "region_name_en": region.name_en,
        "level": region.level,
        "year": int(year),
        "lang": lang,
        "title": f"{region.name_zh if lang == 'zh' else region.name_en} {year} {t('report_title', lang)}",
        "synthetic": panel.synthetic,
        "data_fingerprint": fingerprint or data_fingerprint(panel),
        "pseudonym_key": key_class(panel),
        "evalkit_version": __version__,
        "parameters": {k: v for k, v in parameters.items() if k not in ("output_dir", "data")},
        "key_numbers": values,
        "suppressed_keys": suppressed,
        "suppression": hidden,
        "disclosure": {"threshold": rule.threshold, "suppress_zeros": rule.suppress_zeros},
        # every household count of the tables, keyed as in the other reports of a batch (None:
        # hidden), and the ones the batch forced hidden (evalkit.reporting.disclosure_batch)
        "cells": disclosure.published_cells(),
        "forced_hidden": sorted(disclosure.forced_keys()),
        # the relations the tables impose among those cells (keys and coefficients, no values):
        # the batch audits a family's reports jointly with them (disclosure_batch.joint_intervals)
        "relations": disclosure.published_relations(),
        # null is not suppressed: why each missing number could not be computed (issue 12, item 6)
        "unavailable": {
            row["key"]: {"zh": label_or(str(row["reason"]), "zh"), "en": label_or(str(row["reason"]), "en")}
            for row in numbers.to_dict("records")
            if _is_missing(row["value"]) and row.get("reason")
        },
        "results_version": RESULTS_VERSION,
    }
    if effects_sampled is not None:
        payload["effects_sample"] = effects_sampled
    if scorecard is not None:
        payload["scorecard"] = [published_target(row) for row in scorecard.to_dict("records")]
        if "status_code" in scorecard.columns:
            payload["scorecard_counts"] = {str(k): int(v) for k, v in scorecard["status_code"].value_counts().items()}
    if watch_counts is not None:
        # the total row of the report's own protected table (same cells hidden as in the HTML)
        grid = watch_grid(watch_counts, watch_counts.columns[0], lang, rule, watch_fixed_rows)
        payload["watchlist_counts"] = [
            {
                "flag": flag,
                "label": label,
                "n_households": None if state in disclosure.HIDDEN_STATES else value,
                **({"suppression": state} if state in disclosure.HIDDEN_STATES else {}),
            }
            for flag, label, value, state in zip(grid.flags, grid.labels, grid.values[-1], grid.states[-1], strict=True)
        ] + [
            {"flag": flag, "label": label, "n_households": None, "evaluable": False, "reason": reason}
            for flag, (label, reason) in grid.unevaluable.items()
        ]
    return payload


# ---------------------------------------------------------------------------------------------
# Small regions across a batch: published merged with their smallest sibling
# ---------------------------------------------------------------------------------------------


def published_target(row: dict) -> dict:
    """A scorecard row as the report shows it: a household count it hides (under the threshold,
    or hidden with the same count of another table: ``disclosure_state``) is ``None`` here too,
    with its state."""
    from evalkit.reporting import disclosure

    state = row.pop("disclosure_state", None)
    value = row.get("value")
    if not isinstance(state, str):
        small = row.get("unit") == "households" and isinstance(value, int | float) and value > 0
        state = disclosure.PRIMARY if small and disclosure.is_small(value) else disclosure.SHOWN
    if state in disclosure.HIDDEN_STATES:
        row.update(value=None, disclosure=state)
    return row


def merge_plan(households: pd.DataFrame, parent, year: int, rule=None) -> dict[str, list[str]]:
    """Children of ``parent`` (with reports of their own) too small to publish: host code → codes
    of the small children published inside the host's report.

    A child with fewer households than the threshold cannot be published on its own: its
    figures would be the parent's totals minus its siblings' (信阳市 − its other counties gave
    羊山新区's 9 households, 38 persons, 15,675.34 yuan per capita). It is published merged into
    its smallest publishable sibling (the cost rule), everywhere: the host's report covers both,
    the parent's tables show one merged row, comparison.csv and index.html point the small one to
    the host. ``households``: the parent's (or any superset's) households."""
    from evalkit.core.registry import children, region_mask
    from evalkit.reporting import disclosure

    rule = rule or disclosure.current_rule()
    current = households[households["year"] == year]
    kids = [c for c in children(parent) if c.report]
    counts = {c.code: int(region_mask(current, c).sum()) for c in kids}
    small = [c.code for c in kids if 0 < counts[c.code] < rule.threshold]
    hosts = sorted((counts[c.code], c.code) for c in kids if counts[c.code] >= rule.threshold)
    if not small or not hosts:
        return {}
    return {hosts[0][1]: small}


def merged_region(host, merged: list):
    """``host`` (a :class:`~evalkit.core.registry.Region`) selecting its households and those of
    the ``merged`` siblings (same code and names; the filter holds the names of all of them)."""
    import dataclasses

    from evalkit.core.registry import get_region

    if not merged:
        return host
    others = [get_region(m) if isinstance(m, str) else m for m in merged]
    level = host.level
    names = tuple([host.filter[level]] + [o.filter[level] for o in others])
    return dataclasses.replace(host, filter={**host.filter, level: names})


def merged_name(host, merged: list, lang: str = "zh") -> str:
    """``平桥区 (含羊山新区)`` / ``Pingqiao District (incl. Yangshan New District)``."""
    from evalkit.core.registry import get_region

    others = [get_region(m) if isinstance(m, str) else m for m in merged]
    if lang == "zh":
        base = host.name_zh
        return f"{base} (含{'、'.join(o.name_zh for o in others)})" if others else base
    base = host.name_en
    return f"{base} (incl. {', '.join(o.name_en for o in others)})" if others else base


def merged_note(host, merged: list, lang: str = "zh") -> str:
    """The note of a host report saying which small siblings it includes and why."""
    from evalkit.core.registry import get_region
    from evalkit.reporting import disclosure
    from evalkit.reporting.present import t

    others = [get_region(m) if isinstance(m, str) else m for m in merged]
    names = "、".join(o.name_zh for o in others) if lang == "zh" else ", ".join(o.name_en for o in others)
    return t("merged_note", lang).format(small=names, t=disclosure.current_rule().threshold)


def merge_plan_note(plan: dict[str, list[str]], lang: str = "zh") -> str:
    """The note of a parent report naming the children it shows merged."""
    from evalkit.core.registry import get_region
    from evalkit.reporting import disclosure
    from evalkit.reporting.present import t

    parts = []
    for host, small in plan.items():
        h = get_region(host)
        names = [get_region(c) for c in small]
        parts.append(
            t("merge_plan_note", lang).format(
                small=("、" if lang == "zh" else ", ").join(n.name_zh if lang == "zh" else n.name_en for n in names),
                host=h.name_zh if lang == "zh" else h.name_en,
                t=disclosure.current_rule().threshold,
            )
        )
    return " ".join(parts)


def merge_areas(frame: pd.DataFrame, area: str | None, plan: dict[str, list[str]], lang: str = "zh") -> pd.DataFrame:
    """``frame`` with the small children of ``plan`` relabelled as their host's merged row in the
    ``area`` column (a parent's tables by child show the merged unit as one row)."""
    from evalkit.core.registry import get_region

    if not plan or area is None or area not in frame.columns:
        return frame
    names = {}
    for host, small in plan.items():
        label = merged_name(get_region(host), small, "zh")
        for code in (host, *small):
            names[get_region(code).name_zh] = label
    column = frame[area].astype(object)
    return frame.assign(**{area: column.map(lambda v: names.get(v, v))})


def child_watch_states(
    watch: pd.DataFrame, region, lang: str = "zh", plan: dict[str, list[str]] | None = None
) -> dict[str, list]:
    """For a region whose children have reports of their own (信阳市's counties, 广西's cities):
    child name → disclosure states of the child's own watch-list 合计 row, as the child's report
    computes them (:func:`evalkit.reporting.present.watch_grid` over the child's own areas). The
    parent's watch-list shows each child's row with exactly these states
    (``watch_grid(fixed_rows=...)``), so subtracting a child's report from its parent's recovers
    nothing. ``watch`` is the parent's list (:func:`evalkit.evaluation.watchlist.watchlist`)."""
    from evalkit.evaluation.watchlist import watchlist_counts
    from evalkit.reporting.present import watch_grid

    return _child_states(
        watch, region, lambda own, by: watch_grid(watchlist_counts(own, by=by, lang=lang), by, lang, table=None), plan
    )


def child_identification_states(
    flags: pd.DataFrame, region, lang: str = "zh", plan: dict[str, list[str]] | None = None
) -> dict[str, list]:
    """As :func:`child_watch_states` for the identification table: child name → states of the
    child's own identification 合计 row (:func:`evalkit.reporting.postassessment.identification_grid`
    over the child's areas), so the parent's row for a child repeats exactly what the child's
    report publishes. ``flags``: the parent's :func:`evalkit.evaluation.identification.identification_flags`."""
    from evalkit.evaluation.identification import identification_counts
    from evalkit.reporting.postassessment import identification_grid

    def grid(own, by):
        return identification_grid(identification_counts(own, by=by, lang=lang), by, lang, table=None)

    return _child_states(flags, region, grid, plan)


def _child_states(frame: pd.DataFrame, region, grid, plan: dict[str, list[str]] | None) -> dict[str, list]:
    """Child name (as the parent's tables show it) → states of the 合计 row of ``grid(own rows,
    area column)`` for every child of ``region`` with a report of its own (a host with its small
    siblings merged in, as its report is)."""
    from evalkit.core.registry import children, region_mask

    plan = plan or {}
    merged_away = {code for small in plan.values() for code in small}
    out = {}
    for child in children(region):
        if not child.report or child.code in merged_away:
            continue
        name = child.name_zh
        if child.code in plan:
            name = merged_name(child, plan[child.code], "zh")
            child = merged_region(child, plan[child.code])
        own = frame[region_mask(frame, child)] if len(frame) else frame
        if len(own) == 0:
            continue
        by = area_column(child) or child.level
        out[name] = list(grid(own, by).states[-1])
    return out


def key_class(panel) -> str:
    """Which pseudonymisation key built the panel: ``demo`` (the public demo key: pseudonyms can
    be reversed), ``user`` (the user's own key) or ``unknown`` (a panel from before evalkit
    recorded it); stated in the report's methods and its results file."""
    recorded = panel.meta.get("pseudonym_key")
    if recorded in ("demo", "user"):
        return recorded
    return "demo" if panel.synthetic else "unknown"


def parameter_table(**values) -> pd.DataFrame:
    """Parameters and provenance for the methods section: columns parameter, value (strings)."""
    return pd.DataFrame({"parameter": list(values), "value": [str(v) for v in values.values()]})


def quiet_logging() -> None:
    """Keep library INFO messages out of the report: pyfixest (imported by evalkit.effects) calls
    ``logging.basicConfig(level=logging.INFO)`` at import, after which matplotlib's INFO notes
    would print into report cells. Warnings and errors still show. The estimators are imported
    here first, so that pyfixest's ``basicConfig`` (in a module it loads with the estimation code)
    has run before the level is set: the report estimates effects before its first chart."""
    import evalkit.effects.measures  # noqa: F401  # its imports configure logging: let them, then quieten

    logging.getLogger().setLevel(logging.WARNING)
