"""One key, one count: the keys under which a report records its counts for the batch's joint
audit (:func:`evalkit.reporting.present.table_keys`) never give two different counts the same
key, counts of a cohort each region defines for itself are never summed across reports, and
what the joint audit cannot solve counts as exposed (fast: no report is run)."""

from __future__ import annotations

import pandas as pd
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.demo.generator import generate_panel
from evalkit.reporting import disclosure, disclosure_batch, sections
from evalkit.reporting.disclosure_joint import joint_intervals
from evalkit.reporting.present import format_table

T = disclosure.Rule().threshold
MOVES = {"move": "text", "n_households": "households"}


def moves(counts) -> pd.DataFrame:
    return pd.DataFrame({"move": ["升到线上", "跌到线下", "一直在线下"], "n_households": counts})


def test_two_counts_under_one_key_are_refused_and_named_tables_keep_them_apart():
    disclosure.set_forced()
    format_table(moves([30, 12, 40]), MOVES, adds_up=True)
    with pytest.raises(EvalkitError, match="两个不同的数"):
        format_table(moves([31, 12, 40]), MOVES, adds_up=True)  # the other line's moves, unnamed
    disclosure.set_forced()
    format_table(moves([30, 12, 40]), MOVES, adds_up=True, table="transitions_line_10000")
    format_table(moves([31, 12, 40]), MOVES, adds_up=True, table="transitions_line_monitoring")
    cells = disclosure.published_cells()
    assert cells[disclosure.cell_key("transitions_line_10000", "升到线上", "n_households")] == 30
    assert cells[disclosure.cell_key("transitions_line_monitoring", "升到线上", "n_households")] == 31
    disclosure.set_forced()


def test_the_two_transition_tables_of_a_report_record_every_count_under_its_own_key():
    households = generate_panel(households=400).households
    disclosure.set_forced()
    years = sorted(households["year"].unique())
    tables = sections.transition_tables(households, years, int(years[-1]))
    cells = disclosure.published_cells()
    assert len(tables) == 2
    for line in ("line_10000", "line_monitoring"):
        own = [k for k in cells if k.startswith(f"transitions_{line} | ") and k.endswith("n_households")]
        assert len(own) >= 6  # every move of that line, its total and no other line's
    disclosure.set_forced()


def test_a_row_is_keyed_by_its_label_never_by_a_note():
    """A row's key is the same in every report of a batch (the batch relates a parent's cost-table
    row to its children's): a note column (受益户少于 50 户 in a county, none in the prefecture)
    must not enter it — the full demo batch of 2025 recovered 羊山新区's 以工代赈 and 低保
    beneficiaries (5) when it did. The integrity findings name their rows by check and unit."""
    columns = {"measure": "text", "n_households": "households", "caveat": "text"}
    keys = []
    for caveat in ("受益户少于 50 户, 未估计效果", ""):
        disclosure.set_forced()  # two reports
        format_table(pd.DataFrame({"measure": ["低保"], "n_households": [40], "caveat": [caveat]}), columns)
        keys.append(set(disclosure.published_cells()))
    assert keys[0] == keys[1]
    disclosure.set_forced()
    findings = pd.DataFrame({"check": ["重复", "重复"], "unit": ["甲镇", "乙镇"], "n_households": [40, 25]})
    format_table(
        findings, {"check": "text", "unit": "text", "n_households": "households"}, row_labels=("check", "unit")
    )
    values = sorted(v for k, v in disclosure.published_cells().items() if k.endswith("n_households"))
    assert values == [25.0, 40.0]
    disclosure.set_forced()


def test_a_regions_own_cohort_is_never_summed_across_the_batch():
    """A parent's bottom quintile is not the sum of its children's: with the table keyed local,
    the joint audit does not pin a child's hidden count from the parent minus its sibling."""
    disclosure.set_forced()
    frame = pd.DataFrame({"cohort": ["后 20%"], "n_households": [40.0]})
    format_table(frame, {"cohort": "text", "n_households": "households"}, across=False)
    (key,) = disclosure.published_cells()
    assert key.startswith(disclosure.LOCAL)
    family = {"p": ["a", "b"]}
    for k, pinned in ((key, False), (key.removeprefix(disclosure.LOCAL), True)):
        cells = {"p": {k: 40.0}, "a": {k: None}, "b": {k: 33.0}}
        lo, hi = joint_intervals("p", family, cells, {}, T).get(("a", k), (0.0, float("inf")))
        assert (hi - lo < T) is pinned
        assert bool(disclosure_batch.exposed_alone(family, cells, T)) is pinned
    disclosure.set_forced()


def test_what_the_joint_audit_cannot_solve_counts_as_exposed():
    """Published counts that contradict a report's own relation (total 20, one part 25): the
    component is not audited, so its hidden cell is exposed, not silently published."""
    total, part, other = (disclosure.cell_key("t", r, "n") for r in (disclosure.TOTAL, "g1", "g2"))
    relations = {"a": [{"kind": "eq", "terms": {total: 1.0, part: -1.0, other: -1.0}}]}
    cells = {"p": {}, "a": {total: 20.0, part: 25.0, other: None}}
    assert disclosure_batch.exposed({"p": ["a"]}, cells, T, relations) == [("p", other, "a")]


def test_the_batch_never_forces_a_tables_total():
    """A child's hidden total (its rows under the threshold together) is exposed by the parent
    minus the sibling; the batch leaves the total to the joint LP, which hides related rows."""
    s, g1, g2 = (disclosure.cell_key("t", r, "n") for r in (disclosure.TOTAL, "g1", "g2"))
    own = [{"kind": "eq", "terms": {s: 1.0, g1: -1.0, g2: -1.0}}]
    cells = {
        "p": {s: 30.0, g1: 18.0, g2: 12.0},
        "a": {s: None, g1: None, g2: None},
        "b": {s: 23.0, g1: 14.0, g2: 9.0},
    }
    family = {"p": ["a", "b"]}
    assert ("p", s, "a") in disclosure_batch.exposed_alone(family, cells, T)
    grown = disclosure_batch.grow(family, cells, {}, T, {m: own for m in cells})
    assert not any(disclosure.is_total(k) for keys in grown.values() for k in keys)
    assert {g1, g2} & set().union(*grown.values())


def test_the_matching_table_records_a_count_only_as_it_prints_it():
    """The matching table decides its counts' states itself (a rule on a hidden population is
    hidden there too): the results JSON must not carry the eligible households the table hides."""
    from evalkit.reporting import postassessment

    summary = pd.DataFrame(
        {"rule": ["a", "b"], "label": ["甲", "乙"], "n_households": [435, 18], "n_matched": [294, 4]}
    )
    summary = summary.assign(n_unmatched=lambda d: d["n_households"] - d["n_matched"])
    summary["share_matched"] = summary["n_matched"] / summary["n_households"]
    postassessment.matching_table(summary)
    (eligible,) = [k for k, v in disclosure.published_cells().items() if v == 18]
    disclosure.set_forced([eligible])  # the batch hides 乙's eligible households
    table = postassessment.matching_table(summary)
    assert table.iloc[1, 1] == disclosure.COMPLEMENTARY
    assert 18.0 not in disclosure.published_cells().values()
    assert disclosure.published_cells()[eligible] is None
