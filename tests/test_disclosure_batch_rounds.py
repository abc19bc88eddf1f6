"""The batch's disclosure rounds (:mod:`evalkit.reporting.disclosure_batch`): cells forced hidden in
a report, the fixpoint over a family {parent, children}, and the batch re-running only the
reports whose forced set grew (fast: no report is run; the attacker over rendered reports is in
tests/test_disclosure_batch.py)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from test_disclosure import attack

from evalkit.reporting import batch, disclosure, disclosure_batch
from evalkit.reporting.present import format_table

S, P, C = disclosure.SHOWN, disclosure.PRIMARY, disclosure.SECONDARY


def _groups(counts, lang="zh"):
    frame = pd.DataFrame({"group": [f"g{i}" for i in range(len(counts))], "n_households": counts})
    return format_table(frame, {"group": "text", "n_households": "households"}, lang, adds_up=True)


def test_a_forced_cell_is_hidden_and_its_table_protected_around_it():
    counts = [40, 25, 30, 12]
    table = _groups(counts)
    assert table.attrs["disclosure"][table.columns[1]] == [S] * 4
    cells = disclosure.published_cells()
    key = next(k for k in cells if k.startswith("group,n_households | g1 |"))
    assert cells[key] == 25.0
    with disclosure.use_forced([key]):
        table = _groups(counts)
        states = table.attrs["disclosure"][table.columns[1]]
    assert states[1] == C and table.iloc[1, 1] == disclosure.COMPLEMENTARY
    # the total (all households, published) minus the others would give 25: one more is hidden,
    # the smallest (12), and the attacker's interval of each hidden cell is at least 10 wide
    assert states == [S, C, S, C]
    known = {i: v for i, (v, s) in enumerate(zip(counts, states, strict=True)) if s == S} | {"total": sum(counts)}
    hidden = [i for i, s in enumerate(states) if s != S]
    intervals = attack(known, hidden, [{"total": 1, **dict.fromkeys(range(4), -1)}], [])
    assert all(hi - lo >= 10 for lo, hi in intervals.values())
    assert disclosure.published_cells()[key] is None  # recorded hidden


def test_forced_hidden_reaches_additive_states_and_the_notebook_parameter():
    states = disclosure.additive_states(np.array([30.0, 20.0, 50.0]), forced=[False, True, False])
    assert list(states) == [C, C, S]  # 20 forced, then 30 (the smallest left) against the total
    assert disclosure.set_forced(json.dumps(["a | b | c"])) == frozenset({"a | b | c"})
    assert disclosure.published_cells() == {}  # a fresh record for the report
    assert disclosure.set_forced("") == frozenset()


def test_the_family_fixpoint_forces_a_second_member_and_converges():
    family = {"p": ["a", "b"]}
    # p = a + b for key k: a hides it (primary), b and p publish it → exposed; the parent hides it
    cells = {"p": {"k": 95.0, "z": 60.0}, "a": {"k": None, "z": 30.0}, "b": {"k": 88.0, "z": 30.0}}
    assert disclosure_batch.exposed(family, cells) == [("p", "k", "a")]
    forced = disclosure_batch.grow(family, cells, {c: set() for c in cells})
    assert forced == {"p": {"k"}, "a": set(), "b": set()}
    assert disclosure_batch.grown({}, forced) == ["p"]
    # the parent's complementary choice (z) is then Σ children: a child must hide it, the smallest
    cells = {"p": {"k": None, "z": None}, "a": {"k": None, "z": 30.0}, "b": {"k": 88.0, "z": 29.0}}
    forced = disclosure_batch.grow(family, cells, forced)
    assert forced == {"p": {"k"}, "a": set(), "b": {"z"}}
    cells["b"]["z"] = None
    assert disclosure_batch.exposed(family, cells) == []
    assert disclosure_batch.grown(forced, disclosure_batch.grow(family, cells, forced)) == []
    # a zero tells nothing and is never chosen; a key only children publish is no relation
    cells = {"p": {"k": 5.0}, "a": {"k": None, "y": None}, "b": {"k": 0.0, "y": 3.0}}
    assert disclosure_batch.grow(family, cells, {}) == {"p": {"k"}}


def test_a_childs_total_row_is_never_forced_as_the_parent_repeats_it():
    """A parent hiding its watch-list 合计 cell alone among the members of the batch (a child not in
    the batch hides its row) once made the smallest child hide its own 合计 cell — which the
    parent's row for that child still printed (computed without the child's forced set). A
    total is never forced (:func:`evalkit.reporting.disclosure.is_total`): the exposure stays and
    the family is withheld rather than published with the cell in the parent's report."""
    family = {"p": ["a", "b"]}
    total = disclosure.cell_key("watchlist", disclosure.TOTAL, "any_flag")
    row = disclosure.cell_key("watchlist", "g", "any_flag")
    cells = {"p": {total: None, row: None}, "a": {total: 30.0, row: 12.0}, "b": {total: 25.0, row: 20.0}}
    assert ("p", total, "p") in disclosure_batch.exposed(family, cells)
    forced = disclosure_batch.grow(family, cells, {c: set() for c in cells})
    assert forced == {"p": set(), "a": {row}, "b": set()}  # the row's smallest shown member, never a total
    cells["a"][row] = None
    assert disclosure_batch.grow(family, cells, forced) == forced  # nothing left to force: withheld
    assert [e for e in disclosure_batch.exposed(family, cells) if e[1] == total]


def test_families_follow_the_registry_and_merged_children_count_through_their_host():
    codes = ["xinyang", "xinyang-shihe", "xinyang-luoshan"]
    family = disclosure_batch.families(codes, {"xinyang-yangshan": "xinyang-shihe"})
    assert family == {"xinyang": ["xinyang-shihe", "xinyang-luoshan"]}
    assert disclosure_batch.families(["xinyang-shihe", "xinyang-luoshan"]) == {}


def _outcome(code, cells, tmp_path):
    html = tmp_path / f"{code}.html"
    html.write_text("report", encoding="utf-8")
    return {"region": code, "year": 2025, "status": "ok", "html": str(html), "results": {"cells": cells}}


def test_the_batch_reruns_only_the_reports_whose_forced_set_grew(tmp_path):
    tasks = [
        {"region": c, "year": 2025, "extra_parameters": {}} for c in ("xinyang", "xinyang-shihe", "xinyang-luoshan")
    ]
    first = {
        "xinyang": _outcome("xinyang", {"k": 95.0}, tmp_path),
        "xinyang-shihe": _outcome("xinyang-shihe", {"k": None}, tmp_path),
        "xinyang-luoshan": _outcome("xinyang-luoshan", {"k": 33.0}, tmp_path),
    }
    calls = []

    def run(chosen, desc, done):
        calls.append([(t["region"], t["extra_parameters"].get("forced_hidden")) for t in chosen])
        return {t["region"]: _outcome(t["region"], {"k": None}, tmp_path) for t in chosen}

    raw = batch.protect_families(tasks, first, {}, run, 2025)
    assert calls == [[("xinyang", '["k"]')]]
    assert raw["xinyang"]["results"]["cells"] == {"k": None} and raw["xinyang-luoshan"] is first["xinyang-luoshan"]


def test_a_family_that_stays_exposed_is_withheld(tmp_path, monkeypatch):
    monkeypatch.setattr(disclosure_batch, "ROUNDS", 1)
    tasks = [
        {"region": c, "year": 2025, "extra_parameters": {}} for c in ("xinyang", "xinyang-shihe", "xinyang-luoshan")
    ]
    first = {
        "xinyang": _outcome("xinyang", {"k": 95.0, "z": 60.0}, tmp_path),
        "xinyang-shihe": _outcome("xinyang-shihe", {"k": None, "z": 30.0}, tmp_path),
        "xinyang-luoshan": _outcome("xinyang-luoshan", {"k": 33.0, "z": 30.0}, tmp_path),
    }

    def run(chosen, desc, done):  # the parent hides k and, as its complementary cell, z
        return {t["region"]: _outcome(t["region"], {"k": None, "z": None}, tmp_path) for t in chosen}

    raw = batch.protect_families(tasks, first, {}, run, 2025)
    assert raw["xinyang"]["status"] == "failed" and "E-DISCLOSURE-BATCH" in raw["xinyang"]["error"]
    assert "z" in raw["xinyang"]["error"] and not (tmp_path / "xinyang.html").exists()
    assert raw["xinyang-shihe"]["status"] == "ok"


def test_key_numbers_a_parent_sums_are_keyed_and_can_be_forced():
    from evalkit.reporting.sections import key_number_states

    numbers = pd.DataFrame(
        {
            "key": ["n_households", "n_persons", "net_income_pc", "n_persons_below_monitoring"],
            "value": [120.0, 410.0, 15000.0, 30.0],
            "n_households": [120.0, 120.0, 120.0, 12.0],
        }
    )
    disclosure.set_forced()
    assert key_number_states(numbers) == [S] * 4
    assert disclosure.published_cells() == {
        "key_numbers | n_households": 120.0,
        "key_numbers | n_persons": 410.0,
        "key_numbers | n_persons_below_monitoring": 30.0,
    }
    with disclosure.use_forced(["key_numbers | n_persons_below_monitoring"]):
        assert key_number_states(numbers) == [S, S, S, C]
    with disclosure.use_forced(["key_numbers | n_households"]):
        assert key_number_states(numbers) == [C, *[disclosure.DEPENDENT] * 3]
    disclosure.set_forced()


def test_two_hidden_children_under_the_threshold_together_are_a_near_recovery():
    family = {"p": ["a", "b", "c"]}
    # p = 40 published, c = 33: a and b (hidden) lie in [0, 7], narrower than the threshold
    cells = {"p": {"k": 40.0}, "a": {"k": None}, "b": {"k": None}, "c": {"k": 33.0}}
    assert disclosure_batch.exposed(family, cells) == [("p", "k", "a"), ("p", "k", "b")]
    assert disclosure_batch.exposed(family, cells, width=7) == []
    assert disclosure_batch.grow(family, cells, {}) == {"p": {"k"}}
    cells["p"]["k"] = 50.0  # [0, 17]: wide enough
    assert disclosure_batch.exposed(family, cells) == []


def test_a_family_no_member_can_protect_is_withheld_at_once(tmp_path):
    tasks = [
        {"region": c, "year": 2025, "extra_parameters": {}} for c in ("xinyang", "xinyang-shihe", "xinyang-luoshan")
    ]
    first = {  # the only shown member publishes a zero: nothing left to hide
        "xinyang": _outcome("xinyang", {"k": None}, tmp_path),
        "xinyang-shihe": _outcome("xinyang-shihe", {"k": 0.0}, tmp_path),
        "xinyang-luoshan": _outcome("xinyang-luoshan", {"k": 0.0}, tmp_path),
    }

    def run(chosen, desc, done):
        raise AssertionError("nothing to re-run")

    raw = batch.protect_families(tasks, first, {}, run, 2025)
    assert raw["xinyang"]["status"] == "failed" and disclosure_batch.EXPOSED in raw["xinyang"]["error"]


GROUPS = {"弱劳动力或半劳动力": 401, "无劳动能力": 739, "有劳动能力": 8499}
COLUMNS = {"labour_group": "text", "n_households": "households"}


def labour_tables(groups=GROUPS, all_tuopin=True):
    """The group table by labour capacity, the coverage headers and the matching table's eligible
    households of one report, built as the report builds them (group table first)."""
    from evalkit.reporting import population_cells, postassessment

    frame = pd.DataFrame({"labour_group": list(groups), "n_households": list(groups.values())})
    year = pd.DataFrame({"is_tuopin": [all_tuopin, True], "is_monitored": [False, False]})
    keys = population_cells.group_keys(year, frame, "labour_group", COLUMNS, "zh")
    table = format_table(frame, COLUMNS, "zh", adds_up=True, keys=keys)
    coverage = pd.DataFrame(
        [
            {"labour_capacity": g, "measure": "dibao", "label": "低保", "n_households": n, "n_receiving": 40}
            for g, n in groups.items()
        ]
    ).assign(share=lambda d: d["n_receiving"] / d["n_households"])
    coverage.attrs["group_sizes"] = dict(groups)
    headers = list(postassessment.coverage_pivot(coverage, "labour_capacity").columns[1:])
    codes = population_cells.labour_codes("zh")
    rules = {"full": "jx_full_developmental", "weak": "jx_weak_menu", "none": "jx_none_menu"}
    summary = pd.DataFrame(
        [{"rule": rules[codes[g]], "label": g, "n_households": n, "n_matched": n // 2} for g, n in groups.items()]
    ).assign(n_unmatched=lambda d: d["n_households"] - d["n_matched"], share_matched=lambda d: 0.5)
    eligible = postassessment.matching_states(summary)["n_households"]
    return table, headers, list(eligible)


def test_a_group_count_forced_hidden_is_hidden_in_the_coverage_headers_too():
    """The full demo batch of 2025 (信阳市 and its 11 counties): the batch forced 信阳市's labour
    groups hidden (弱劳动力或半劳动力 401, 无劳动能力 739: ×), but the coverage table's headers
    still read `弱劳动力或半劳动力 (401)` — the same households under another key — so the
    attacker read 401 and 739 there and 羊山新区's hidden 6 and 13 as 401 − Σ the other counties.
    One population, one key (:mod:`evalkit.reporting.population_cells`): forced hidden, it is
    hidden in the group table, the coverage headers and the matching table's eligible households
    of the rule on that group (jx_weak_menu: capacity:weak)."""
    from evalkit.reporting import population_cells

    key = population_cells.labour_key("weak")
    disclosure.set_forced()
    table, headers, eligible = labour_tables()
    assert disclosure.published_cells()[key] == 401.0 and "弱劳动力或半劳动力 (401)" in headers
    assert eligible == [S, S, S]
    disclosure.set_forced([key])  # the batch's re-run of this report
    table, headers, eligible = labour_tables()
    assert table.iloc[0, 1] == disclosure.COMPLEMENTARY  # the group table hides it
    assert "弱劳动力或半劳动力 (401)" not in headers and "弱劳动力或半劳动力 (×)" in headers
    assert eligible[0] == C  # the matching rule on the weak-labour households hides it too
    # and each protects it: one more group hidden (the smallest, 739), alike in the three tables
    assert table.iloc[1, 1] == disclosure.COMPLEMENTARY and "无劳动能力 (×)" in headers and eligible[1] == C
    assert disclosure.published_cells()[key] is None
    disclosure.set_forced()


def test_tables_after_the_group_table_show_the_population_as_it_does():
    """A group the group table publishes is never chosen as another table's complementary cell,
    and one it hides is hidden there (:func:`evalkit.reporting.disclosure.prior_states`): with the
    key numbers' households forced hidden the group table hides only its small group (its total is
    not published), while the coverage headers alone would also hide the next smallest."""
    from evalkit.reporting import population_cells

    groups = {"弱劳动力或半劳动力": 6, "无劳动能力": 13, "有劳动能力": 300}
    disclosure.set_forced([disclosure.cell_key("key_numbers", "n_households")])
    frame = pd.DataFrame({"labour_group": list(groups), "n_households": list(groups.values())})
    table = format_table(
        frame,
        COLUMNS,
        "zh",
        adds_up=True,
        keys={"n_households": population_cells.labour_keys(groups, "zh")},
        total_of={"n_households": (disclosure.cell_key("key_numbers", "n_households"), 319.0)},
    )
    assert table.attrs["disclosure"][table.columns[1]] == [P, S, S]
    _, headers, eligible = labour_tables(groups)
    assert headers == ["弱劳动力或半劳动力 (<10)", "无劳动能力 (13)", "有劳动能力 (300)"] and eligible == [P, S, S]
    disclosure.set_forced()
    _, headers, _ = labour_tables(groups)  # a fresh report: the total published, 13 hidden as well
    assert headers == ["弱劳动力或半劳动力 (<10)", "无劳动能力 (×)", "有劳动能力 (300)"]
