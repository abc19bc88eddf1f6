"""The relations a report records for the batch's joint audit (results JSON ``relations``) hold
on the true values of its tables, and neither they nor ``cells`` carry a hidden value: the
watch-list and identification grids (columns add up to the 合计 row; any flag ≥ each flag and
≤ their sum, never the value-dependent equality), their forcing by the batch (fast: hand-built
tables, no report is run)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from evalkit.reporting import disclosure, disclosure_batch, postassessment, present

FLAGS = ["a", "b", "any_flag"]
#: 3 townships and 合计; 乙's flags overlap (4 + 6 > 8), the others are disjoint
VALUES = np.array([[3, 14, 17], [4, 6, 8], [12, 20, 32], [19, 40, 57]], dtype=float)
UNITS = ["甲镇", "乙乡", "丙镇", "合计"]


def counts(values=VALUES, units=UNITS) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"unit": u, "flag": f, "label": f, "n_households": values[i, j], "suppressed": False}
            for j, f in enumerate(FLAGS)
            for i, u in enumerate(units)
        ]
    )


def truth_of(keys: np.ndarray, values: np.ndarray) -> dict[str, float]:
    return {str(k): float(v) for k, v in zip(keys.ravel(), values.ravel(), strict=True)}


def holds(relation: dict, truth: dict[str, float]) -> bool:
    total = sum(c * truth[k] for k, c in relation["terms"].items())
    return abs(total) < 1e-9 if relation["kind"] == "eq" else total <= 1e-9


def no_hidden_value(cells: dict, relations: list[dict], hidden_values: list[float]) -> None:
    """The payload's ``cells`` and ``relations`` as the results JSON writes them: no hidden value."""
    text = json.dumps({"cells": cells, "relations": relations}, ensure_ascii=False)
    assert {abs(c) for r in relations for c in r["terms"].values()} == {1.0}
    published = {v for v in cells.values() if v is not None}
    for value in hidden_values:
        if value not in published:
            assert f": {value}" not in text and f": {int(value)}," not in text, value


def test_the_watch_list_grid_records_its_cells_and_relations_true_on_its_values():
    disclosure.set_forced()
    grid = present.watch_grid(counts(), "unit")
    cells, relations = disclosure.published_cells(), disclosure.published_relations()
    keys = disclosure.grid_keys("watchlist", grid.units, grid.flags)
    truth = truth_of(keys, grid.values)
    assert set(cells) == set(truth) and len(cells) == 12
    hidden = [truth[k] for k in truth if cells[k] is None]
    assert 3.0 in hidden and 4.0 in hidden  # the primary cells, and complementary ones around them
    for key, value in cells.items():
        assert value is None or value == truth[key]
    assert all(holds(r, truth) for r in relations)
    eq = [r for r in relations if r["kind"] == "eq"]
    ub = [r for r in relations if r["kind"] == "ub"]
    assert len(eq) == 3 and len(ub) == 4 * 3  # column sums; per row any ≤ Σ flags, each flag ≤ any
    total_a = disclosure.cell_key("watchlist", disclosure.TOTAL, "a")
    column_a = {total_a: 1.0, **{disclosure.cell_key("watchlist", u, "a"): -1.0 for u in UNITS[:3]}}
    assert {"kind": "eq", "terms": column_a} in eq
    # 甲镇's flags are disjoint (3 + 14 = 17), yet only the inequalities tie its row together
    row = [disclosure.cell_key("watchlist", "甲镇", f) for f in FLAGS]
    assert {"kind": "ub", "terms": {row[2]: 1.0, row[0]: -1.0, row[1]: -1.0}} in ub
    assert {"kind": "ub", "terms": {row[0]: 1.0, row[2]: -1.0}} in ub
    assert not [r for r in eq if sum(k in r["terms"] for k in row) >= 2]
    no_hidden_value(cells, relations, hidden)
    # the batch's audit of this one report from what it publishes: sound (the truth inside each interval)
    intervals = disclosure_batch.joint_intervals("p", {"p": []}, {"p": cells}, {"p": relations})
    assert {k for _, k in intervals} == {k for k in cells if cells[k] is None}
    for (_, key), (lo, hi) in intervals.items():
        assert lo - 1e-6 <= truth[key] <= hi + 1e-6
    disclosure.set_forced()


def test_the_batch_can_force_a_grid_cell_and_a_childs_row_is_never_forceable():
    disclosure.set_forced()
    plain = present.watch_grid(counts(), "unit")
    shown = [(i, j) for i in range(3) for j in range(3) if plain.states[i, j] == disclosure.SHOWN]
    i, j = max(shown, key=lambda c: plain.values[c])  # the largest published count (丙镇's any flag, 32)
    key = disclosure.cell_key("watchlist", UNITS[i], FLAGS[j])
    disclosure.set_forced([key])
    forced = present.watch_grid(counts(), "unit")
    assert forced.states[i, j] == disclosure.SECONDARY and disclosure.published_cells()[key] is None
    keys = disclosure.grid_keys("watchlist", forced.units, forced.flags)
    assert all(holds(r, truth_of(keys, forced.values)) for r in disclosure.published_relations())
    # a child region's row (published by the child's own report as its 合计 row) is keyed as a total
    fixed = disclosure.grid_keys("watchlist", UNITS, FLAGS, fixed_units=["乙乡"])
    assert all(disclosure.is_total(k) for k in fixed[1]) and not any(disclosure.is_total(k) for k in fixed[0])
    disclosure.set_forced()


def test_the_identification_grid_is_keyed_apart_and_a_childs_grid_records_nothing():
    ident = pd.DataFrame(
        [
            {"unit": u, "check": f, "label": f, "n_flagged": VALUES[i, j]}
            for j, f in enumerate(FLAGS)
            for i, u in enumerate(UNITS)
        ]
    )
    disclosure.set_forced()
    postassessment.identification_grid(ident, "unit", table=None)  # a child's states only
    present.watch_grid(counts(), "unit", table=None)
    assert disclosure.published_cells() == {} and disclosure.published_relations() == []
    grid = postassessment.identification_grid(ident, "unit")
    cells, relations = disclosure.published_cells(), disclosure.published_relations()
    assert len(cells) == 12 and all(k.startswith("identification | ") for k in cells)
    truth = truth_of(disclosure.grid_keys("identification", grid.units, grid.flags), grid.values)
    assert all(holds(r, truth) for r in relations) and len(relations) == 15
    no_hidden_value(cells, relations, [truth[k] for k in cells if cells[k] is None])
    disclosure.set_forced()


KN_H, KN_P = (disclosure.cell_key("key_numbers", c) for c in ("n_households", "n_persons"))
GROUP_COLUMNS = {"group": "text", "n_households": "households", "n_persons": "persons", "income": "yuan"}


def group_table(households=(40, 4, 30), persons=(100, 9, 70), totals=(74.0, 179.0)):
    frame = pd.DataFrame({"group": ["g0", "g1", "g2"], "n_households": households, "n_persons": persons, "income": 1.0})
    total_of = {"n_households": (KN_H, totals[0]), "n_persons": (KN_P, totals[1])}
    present.format_table(frame, GROUP_COLUMNS, "zh", adds_up=True, total_of=total_of)
    table_key, rows = present.table_keys(frame, GROUP_COLUMNS)
    truth = {
        disclosure.cell_key(table_key, row, c): float(frame[c].iloc[i])
        for i, row in enumerate(rows)
        for c in ("n_households", "n_persons")
    }
    return table_key, truth | {
        disclosure.cell_key(table_key, disclosure.TOTAL, "n_households"): float(sum(households)),
        KN_H: totals[0],
        KN_P: totals[1],
    }


def test_a_group_tables_total_is_tied_to_the_key_numbers_and_its_persons_are_recorded():
    disclosure.set_forced()
    table_key, truth = group_table()
    cells, relations = disclosure.published_cells(), disclosure.published_relations()
    total = disclosure.cell_key(table_key, disclosure.TOTAL, "n_households")
    assert {"kind": "eq", "terms": {total: 1.0, KN_H: -1.0}} in relations  # both published, equal: 74 = 74
    persons = [k for k in cells if k.endswith("| n_persons")]
    assert len(persons) == 3 and {"kind": "ub", "terms": {**dict.fromkeys(persons, 1.0), KN_P: -1.0}} in relations
    g1 = disclosure.cell_key(table_key, "g1", "n_households")
    assert {"kind": "ub", "terms": {g1: 1.0, disclosure.cell_key(table_key, "g1", "n_persons"): -1.0}} in relations
    # 4 households: hidden, its 9 persons with it, and the complementary row's persons too
    assert cells[g1] is None and cells[disclosure.cell_key(table_key, "g1", "n_persons")] is None
    assert sum(v is None for k, v in cells.items() if k in persons) == 2
    assert all(holds(r, truth) for r in relations)
    no_hidden_value(cells, relations, [truth[k] for k in cells if cells[k] is None])
    disclosure.set_forced()


def test_the_tie_is_an_inequality_where_a_total_is_hidden_or_differs():
    disclosure.set_forced()
    table_key, truth = group_table(totals=(80.0, 190.0))  # 6 households of the region have no group
    total = disclosure.cell_key(table_key, disclosure.TOTAL, "n_households")
    relations = disclosure.published_relations()
    assert {"kind": "ub", "terms": {total: 1.0, KN_H: -1.0}} in relations
    assert all(holds(r, truth) for r in relations)
    disclosure.set_forced([KN_H])  # the batch hides the region's households: the table's total with it
    table_key, truth = group_table()
    cells, relations = disclosure.published_cells(), disclosure.published_relations()
    assert cells[total] is None and {"kind": "ub", "terms": {total: 1.0, KN_H: -1.0}} in relations
    assert not [r for r in relations if r["kind"] == "eq" and KN_H in r["terms"]]
    assert all(holds(r, truth) for r in relations)
    disclosure.set_forced()


def test_the_below_line_table_is_tied_to_the_key_numbers():
    from evalkit.reporting import sections

    line = pd.DataFrame(
        {
            "year": [2024, 2025],
            "n_households_below": [12.0, 5.0],
            "n_persons_below": [30.0, 11.0],
            "share_households_below": [12.0, 5.0],
            "share_persons_below": [10.0, 4.0],
        }
    )
    disclosure.set_forced()
    sections.below_tables({"line_monitoring": line}, "zh", year=2025)
    cells, relations = disclosure.published_cells(), disclosure.published_relations()
    below = {k: v for k, v in cells.items() if "| 2025 |" in k or "/2025 |" in k}
    persons = next(k for k in below if k.endswith("n_persons_below"))
    households = next(k for k in below if k.endswith("n_households_below"))
    key_persons = disclosure.cell_key("key_numbers", "n_persons_below_monitoring")
    assert {"kind": "eq", "terms": {persons: 1.0, key_persons: -1.0}} in relations
    assert {"kind": "ub", "terms": {households: 1.0, KN_H: -1.0}} in relations
    assert cells[persons] is None and cells[households] is None  # 5 households below: hidden, 11 persons with it
    truth = {k: v for k, v in cells.items() if v is not None}
    truth |= {persons: 11.0, households: 5.0, key_persons: 11.0, KN_H: 60.0}
    assert all(holds(r, truth) for r in relations)
    no_hidden_value(cells, relations, [11.0, 5.0])
    disclosure.set_forced()


def test_a_labour_groups_households_are_one_cell_in_the_group_coverage_and_matching_tables():
    """The households of a labour group (among the year's 脱贫/监测, as every household of the
    report is) are one population under one key wherever the report publishes them: the group
    table's row, the coverage header and the eligible households of the matching rule on that
    group (:mod:`evalkit.reporting.population_cells`); the relations recorded hold on the true
    values and neither they nor the cells carry a hidden value."""
    from test_disclosure_batch_rounds import labour_tables

    from evalkit.reporting import population_cells

    groups = {"弱劳动力或半劳动力": 6, "无劳动能力": 23, "有劳动能力": 300}
    disclosure.set_forced()
    table, headers, eligible = labour_tables(groups)
    cells, relations = disclosure.published_cells(), disclosure.published_relations()
    codes = population_cells.labour_codes("zh")
    truth = {population_cells.labour_key(codes[g]): float(n) for g, n in groups.items()}
    total = population_cells.labour_key(disclosure.TOTAL)
    truth[total] = truth[KN_H] = float(sum(groups.values()))
    rules = {"full": "jx_full_developmental", "weak": "jx_weak_menu", "none": "jx_none_menu"}
    for g, n in groups.items():
        rule = rules[codes[g]]
        truth[disclosure.cell_key("matching", rule, "n_matched")] = float(n // 2)
        truth[disclosure.cell_key("matching", rule, "n_unmatched")] = float(n - n // 2)
    # one key per group: no table of its own keys a labour group's households
    assert not [k for k in cells if k.endswith("n_households") and "弱劳动力" in k]
    assert {k for k in truth if k in cells} == set(truth) - {KN_H}
    assert {"kind": "eq", "terms": {total: 1.0, **{population_cells.labour_key(c): -1.0 for c in codes.values()}}} in (
        relations
    )
    # 6 primary, 23 its complementary cell: hidden alike in the three tables
    assert cells[population_cells.labour_key("weak")] is None and cells[population_cells.labour_key("none")] is None
    assert headers == ["弱劳动力或半劳动力 (<10)", "无劳动能力 (×)", "有劳动能力 (300)"]
    assert list(eligible) == [disclosure.PRIMARY, disclosure.SECONDARY, disclosure.SHOWN]
    assert table.iloc[:, 1].tolist() == ["<10", "×", "300 户"]
    assert all(holds(r, truth) for r in relations), [r for r in relations if not holds(r, truth)]
    no_hidden_value(cells, relations, [6.0, 23.0])
    disclosure.set_forced()


def test_a_group_table_that_counts_other_households_is_at_least_the_population():
    """Where the year's households include some that are neither 脱贫 nor 监测 (an unknown
    household type), the group table's rows are another population: keyed by the table, each
    recorded as at least the labour group's cell, which holds whatever the values."""
    from test_disclosure_batch_rounds import COLUMNS, labour_tables

    from evalkit.reporting import population_cells

    groups = {"弱劳动力或半劳动力": 16, "无劳动能力": 23, "有劳动能力": 300}
    disclosure.set_forced()
    labour_tables(groups, all_tuopin=False)
    cells, relations = disclosure.published_cells(), disclosure.published_relations()
    frame = pd.DataFrame({"labour_group": list(groups), "n_households": list(groups.values())})
    table_key, rows = present.table_keys(frame, COLUMNS)
    own = [disclosure.cell_key(table_key, row, "n_households") for row in rows]
    codes = population_cells.labour_codes("zh")
    population = [population_cells.labour_key(codes[g]) for g in groups]
    assert set(own) <= set(cells) and set(population) <= set(cells)
    for mine, theirs in zip(own, population, strict=True):
        assert {"kind": "ub", "terms": {theirs: 1.0, mine: -1.0}} in relations
    truth = dict(zip(own, map(float, groups.values()), strict=True))
    truth |= {k: v + 1.0 for k, v in zip(population, map(float, groups.values()), strict=True)}  # one more: broken
    assert not all(holds(r, truth) for r in relations if set(r["terms"]) <= set(truth))
    disclosure.set_forced()


def test_a_countys_households_are_one_cell_in_the_area_and_map_tables():
    """The households of a county in the report year are a row of the table by area and of the
    table under the county maps: one key (:func:`evalkit.reporting.population_cells.area_keys`),
    so the batch's forcing hides the county in both, and the map table (after the area table)
    shows each county as the area table does."""
    from evalkit.reporting import population_cells

    frame = pd.DataFrame({"county": ["浉河区", "罗山县", "光山县"], "n_households": [400, 6, 300], "income": 1.0})
    area_columns = {"county": "text", "n_households": "households"}
    map_columns = {"county": "text", "n_households": "households", "income": "yuan"}
    map_total = disclosure.cell_key(disclosure.POPULATION, "county", "信阳市", disclosure.TOTAL, "n_households")
    shihe = disclosure.population_key("county", "浉河区")
    for forced, expected in (([shihe], ["×", "<10", "300 户"]), ([KN_H], None)):
        disclosure.set_forced(forced)
        area = present.format_table(
            frame,
            area_columns,
            "zh",
            adds_up=True,
            keys=population_cells.area_keys(frame, "county"),
            total_of={"n_households": (KN_H, 706.0)},
        )
        shown = present.format_table(
            frame, map_columns, "zh", adds_up=True, keys=population_cells.area_keys(frame, "county", "zh", map_total)
        )
        assert shown.iloc[:, 1].tolist() == area.iloc[:, 1].tolist()
        if expected:
            assert area.iloc[:, 1].tolist() == expected and disclosure.published_cells()[shihe] is None
        else:  # the region's total hidden: the area table hides 6 alone; the map table, alone, would hide 300 too
            assert area.iloc[:, 1].tolist() == ["400 户", "<10", "300 户"]
    disclosure.set_forced()
