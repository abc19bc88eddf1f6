"""Populations that several tables of a report publish, each under one key (issue 14).

The households of a labour-capacity group (``data/labour_groups.csv``, capacity scheme) among the
year's 脱贫/监测 households are published three times in a report: as a row of the group table
(:func:`evalkit.reporting.sections.group_tables`, when every household of the year is 脱贫 or
监测, as every household type of ``data/household_types.csv`` is), in a header of the coverage
table (``弱劳动力或半劳动力 (401)``: :func:`evalkit.reporting.postassessment.coverage_pivot`) and
as the households meeting the condition of a matching rule on that group alone
(``capacity:weak``: :func:`evalkit.reporting.postassessment.matching_states`). One concept, one
key (:func:`evalkit.reporting.disclosure.population_key`, by the group's code, the same in both
languages): the batch's forcing of it hides it in every table, the batch's joint LP sees one cell
(publishing it anywhere pins it everywhere), and the tables of a report show it alike
(:func:`evalkit.reporting.disclosure.prior_states`). Where the group table also counts households
that are neither (an unknown household type), its rows are another population: each is then
recorded as at least the population's cell (``relate(..., "ub")``), which holds whatever the values.

Likewise the households of a county (of a prefecture, …) in the report year are a row of the
table by area (:func:`evalkit.reporting.sections.area_tables`) and of the table under the county
maps (:mod:`evalkit.reporting.maps`): one key, :func:`area_keys`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from evalkit.reporting import disclosure

#: The population of the labour-capacity groups (capacity scheme) among the year's 脱贫/监测 households.
LABOUR = "labour_capacity"


def labour_key(code: str) -> str:
    """The key of the households of labour group ``code`` (full / weak / none)."""
    return disclosure.population_key(LABOUR, code)


def labour_codes(lang: str = "zh") -> dict[str, str]:
    """Label of each capacity group in ``lang`` (as :func:`evalkit.core.schema.labour_group` gives it) → code."""
    from evalkit.core.schema import labour_groups

    table = labour_groups("capacity")
    return {str(label): str(code) for label, code in zip(table[f"label_{lang}"], table["code"], strict=True)}


def labour_keys(labels: Iterable, lang: str = "zh") -> tuple[list[str], str]:
    """The keys of groups given by their labels in ``lang`` and the key of their total."""
    codes = labour_codes(lang)
    return [labour_key(codes[str(label)]) for label in labels], labour_key(disclosure.TOTAL)


def rule_key(rule: str, condition: str) -> str:
    """The key of the households meeting a matching rule's condition: the labour group's key when
    the condition is that group alone (``capacity:weak``), else the matching table's own key."""
    key, _, value = str(condition).strip().partition(":")
    if key == "capacity" and value and ";" not in value:
        return labour_key(value.strip())
    return disclosure.cell_key("matching", rule, "n_households")


def area_keys(frame: pd.DataFrame, column: str, lang: str = "zh", total: str | None = None) -> dict:
    """``format_table(keys=...)`` of a table whose rows are the areas of ``column`` (county,
    township, …; labels as the table formats them): the households of each area in the year under
    one key, and ``total`` (default the areas' total key) for their sum."""
    from evalkit.reporting.present import format_value

    rows = [disclosure.population_key(column, format_value(v, "text", lang)) for v in frame[column]]
    return {"n_households": (rows, total or disclosure.population_key(column, disclosure.TOTAL))}


def covers(households: pd.DataFrame) -> bool:
    """True when every household row is 脱贫 or 监测: a grouping of them is the population's."""
    return bool((households["is_tuopin"].astype(bool) | households["is_monitored"].astype(bool)).all())


def group_keys(
    households: pd.DataFrame, table: pd.DataFrame, column: str, columns: Mapping[str, str], lang: str = "zh"
) -> dict[str, tuple[list[str], str]] | None:
    """``format_table(keys=...)`` for the group table by labour capacity (``table[column]``: the
    groups' labels in ``lang``) of ``households`` (the year's): the population's keys when they
    are all 脱贫/监测; otherwise ``None`` (the table's own keys), each row recorded as at least the
    population's cell."""
    keys, total = labour_keys(table[column], lang)
    if covers(households):
        return {"n_households": (keys, total)}
    from evalkit.reporting.present import table_keys

    table_key, rows = table_keys(table, columns, lang)
    for key, row in zip(keys, rows, strict=True):
        disclosure.relate([(key, 1.0), (disclosure.cell_key(table_key, row, "n_households"), -1.0)], "ub")
    return None


def group_states(keys: list[str], counts, total_key: str) -> list[str]:
    """States of a population's groups published by a table that is not their first (the coverage
    headers): as the report's first table gave them (:func:`evalkit.reporting.disclosure.prior_states`),
    the batch's forcing honoured, protected against their total; recorded, with ``total = Σ groups``
    and ``total <= the region's households`` (the key numbers) for the batch's joint audit."""
    import numpy as np

    counts = np.asarray(counts, dtype=float)
    before, published = disclosure.prior_states(keys, counts)
    states = disclosure.additive_states(counts, forced=disclosure.forced_mask(keys) | before, fixed=published)
    disclosure.record(keys, counts, states)
    total_hidden = disclosure.is_small(counts.sum())
    disclosure.record_sum(total_key, keys, counts, total_hidden)
    disclosure.relate([(total_key, 1.0), (disclosure.cell_key("key_numbers", "n_households"), -1.0)], "ub")
    return list(states)
