"""The batch's joint audit of a family (:func:`evalkit.reporting.disclosure_batch.joint_intervals`):
each report's published cells, its own relations (results JSON ``relations``) and ``parent = Σ
children`` in one LP, a hidden cell pinned there although every relation alone is safe, the
forcing that protects it, and random families checked against an independent LP written here
(fast: no report is run)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from evalkit.reporting import batch, disclosure, disclosure_batch
from evalkit.reporting.present import format_table

T = disclosure.Rule().threshold
GROUPS = ("g1", "g2", "g3")
TOTAL = disclosure.cell_key("t", disclosure.TOTAL, "n")


def key(group: str) -> str:
    return disclosure.cell_key("t", group, "n")


def own_relations(members) -> dict[str, list[dict]]:
    """Each report's table: its groups add up to its total (as ``format_table(adds_up=True)``)."""
    terms = {TOTAL: 1.0, **{key(g): -1.0 for g in GROUPS}}
    return {m: [{"kind": "eq", "terms": terms}] for m in members}


def published(values: dict[str, list[int]], hidden: dict[str, list[bool]]) -> dict[str, dict]:
    return {
        m: {**{key(g): (None if hidden[m][i] else float(v[i])) for i, g in enumerate(GROUPS)}, TOTAL: float(sum(v))}
        for m, v in values.items()
    }


#: p = a + b by group; every report's own table and every relation p = a + b alone are safe,
#: yet a₂ + b₂ = 28 (p), a₁ + a₂ = 19 (a's table), b₂ + b₃ = 15 (b's table) give a₂ ≥ 13, so
#: a's g1 (true 5, "<10") lies in [0, 6]
FAMILY = {"p": ["a", "b"]}
VALUES = {"p": [42, 28, 1], "a": [5, 14, 0], "b": [37, 14, 1]}
HIDDEN = {"p": [True, False, True], "a": [True, True, False], "b": [False, True, True]}


def brute_force(cells: dict[str, dict], relations: dict[str, list[dict]], family) -> dict:
    """Interval of every hidden cell by one LP over the whole family (no components, no
    relaxation): the attacker of the test, independent of the library's system."""
    unknown = sorted({(m, k) for m, c in cells.items() for k, v in c.items() if v is None})
    col = {c: i for i, c in enumerate(unknown)}
    rows = [(m, r["kind"], r["terms"]) for m, rs in relations.items() for r in rs]
    for parent, kids in family.items():
        for k in cells[parent]:
            members = [m for m in (parent, *kids) if k in cells[m]]
            if len(members) >= 2:
                rows.append((None, "eq", {(parent, k): 1.0, **{(m, k): -1.0 for m in members[1:]}}))
    a = {"eq": [], "ub": []}
    b = {"eq": [], "ub": []}
    for member, kind, terms in rows:
        row, rhs = np.zeros(len(unknown)), 0.0
        for k, coef in terms.items():
            cell = k if member is None else (member, k)
            if cell in col:
                row[col[cell]] += coef
            else:
                rhs -= coef * cells[cell[0]][cell[1]]
        if row.any():
            a[kind].append(row)
            b[kind].append(rhs)
    lp = {f"A_{kind}": (np.array(a[kind]) if a[kind] else None) for kind in ("eq", "ub")} | {
        f"b_{kind}": (np.array(b[kind]) if b[kind] else None) for kind in ("eq", "ub")
    }
    out = {}
    for cell, i in col.items():
        c = np.zeros(len(unknown))
        c[i] = 1.0
        lo = linprog(c, bounds=(0, None), method="highs", **lp)
        hi = linprog(-c, bounds=(0, None), method="highs", **lp)
        assert lo.status in (0, 3) and hi.status in (0, 3)
        out[cell] = (lo.fun if lo.status == 0 else 0.0, -hi.fun if hi.status == 0 else np.inf)
    return out


def test_a_cell_safe_in_every_relation_alone_is_pinned_by_the_joint_audit():
    cells, relations = published(VALUES, HIDDEN), own_relations(VALUES)
    assert disclosure_batch.exposed_alone(FAMILY, cells) == []  # the old, per-relation check
    for m, v in VALUES.items():  # each report's own table is safe by itself
        mask = np.append(HIDDEN[m], False)
        assert disclosure.unsafe_cells(np.append(v, sum(v)), mask, np.array([[-1.0, -1.0, -1.0, 1.0]])) == []
    intervals = disclosure_batch.joint_intervals("p", FAMILY, cells, relations)
    assert intervals[("a", key("g1"))] == (0.0, 6.0)
    assert intervals[("a", key("g2"))] == (13.0, 19.0)
    assert intervals[("b", key("g2"))] == (9.0, 15.0)
    assert intervals[("p", key("g1"))] == (37.0, 43.0)
    assert intervals == brute_force(cells, relations, FAMILY)
    pinned = disclosure_batch.exposed(FAMILY, cells, relations=relations)
    assert ("p", key("g1"), "a") in pinned and len(pinned) == 6
    assert disclosure_batch.exposed(FAMILY, cells) == []  # without the reports' relations: missed


def test_the_forcing_makes_the_family_safe():
    cells, relations = published(VALUES, HIDDEN), own_relations(VALUES)
    forced = disclosure_batch.grow(FAMILY, cells, {m: set() for m in VALUES}, relations=relations)
    # one cell: the smallest published count sharing a relation with a₁ (b's g1, 37; a's g3 is 0)
    assert forced == {"p": set(), "a": set(), "b": {key("g1")}}
    cells["b"][key("g1")] = None  # b's report re-run with it forced hidden
    intervals = brute_force(cells, relations, FAMILY)
    assert min(hi - lo for lo, hi in intervals.values()) >= T
    assert intervals[("a", key("g1"))] == (0.0, 19.0)
    assert disclosure_batch.exposed(FAMILY, cells, relations=relations) == []
    assert disclosure_batch.grown(forced, disclosure_batch.grow(FAMILY, cells, forced, relations=relations)) == []


def test_a_parent_covering_more_than_the_batch_relaxes_the_sum():
    values = {"p": [60, 40, 30], "a": [5, 14, 0], "b": [37, 14, 1]}  # p also has a county outside the batch
    hidden = {"p": [False, False, False], "a": [True, True, False], "b": [False, True, True]}
    cells = published(values, hidden)
    intervals = disclosure_batch.joint_intervals("p", FAMILY, cells, own_relations(values))
    # p = a + b is inconsistent with the published counts: a + b ≤ p is used instead
    assert intervals[("a", key("g1"))] == (0.0, 19.0)
    assert intervals[("b", key("g3"))] == (0.0, 15.0)


def _family(rng: np.random.Generator, kids: int):
    """A random family: counts per group, primary suppression (0 < n < T), further cells hidden
    at random (each report's own table then protected by :func:`disclosure.protect`)."""
    children = {f"c{i}": rng.integers(0, 40, len(GROUPS)) for i in range(kids)}
    values = {"p": sum(children.values()), **children}
    hidden = {}
    eq = np.array([[-1.0] * len(GROUPS) + [1.0]])
    for m, v in values.items():
        primary = np.append((v > 0) & ((v < T) | (rng.random(len(v)) < 0.3)), v.sum() < T)
        mask, _ = disclosure.protect(np.append(v, v.sum()), primary, eq, fixed=[False] * len(v) + [True])
        hidden[m] = list(mask[:-1])
    return {m: list(map(int, v)) for m, v in values.items()}, hidden


def test_after_the_rounds_no_hidden_cell_of_a_random_family_is_pinned():
    rng = np.random.default_rng(20261201)
    pinned_before = 0
    for _ in range(12):
        kids = int(rng.integers(2, 4))
        values, hidden = _family(rng, kids)
        family = {"p": [m for m in values if m != "p"]}
        relations = own_relations(values)
        cells = published(values, hidden)
        truth = brute_force(cells, relations, family)
        assert disclosure_batch.joint_intervals("p", family, cells, relations) == truth
        pinned_before += sum(hi - lo < T - 1e-6 for lo, hi in truth.values())
        forced: dict[str, set[str]] = {m: set() for m in values}
        for _round in range(disclosure_batch.ROUNDS):
            after = disclosure_batch.grow(family, cells, forced, relations=relations)
            if not disclosure_batch.grown(forced, after):
                break
            forced = after
            for m, keys in forced.items():  # the re-run hides the forced cells
                cells[m].update(dict.fromkeys(keys))
        intervals = brute_force(cells, relations, family)
        narrow = {cell: (lo, hi) for cell, (lo, hi) in intervals.items() if hi - lo < T - 1e-6}
        assert not narrow, (values, hidden, narrow)
    assert pinned_before > 0  # the random families do exercise the joint audit


def _outcome(code, cells, relations, tmp_path):
    html = tmp_path / f"{code}.html"
    html.write_text("report", encoding="utf-8")
    return {
        "region": code,
        "year": 2025,
        "status": "ok",
        "html": str(html),
        "results": {"cells": cells, "relations": relations},
    }


def test_the_batch_forces_what_the_joint_audit_finds_and_withholds_what_stays_pinned(tmp_path, monkeypatch):
    codes = {"p": "xinyang", "a": "xinyang-shihe", "b": "xinyang-luoshan"}
    cells, relations = published(VALUES, HIDDEN), own_relations(VALUES)
    tasks = [{"region": c, "year": 2025, "extra_parameters": {}} for c in codes.values()]
    first = {codes[m]: _outcome(codes[m], cells[m], relations[m], tmp_path) for m in codes}
    calls = []

    def run(chosen, desc, done):  # the re-run hides what it is forced to
        calls.append([(t["region"], t["extra_parameters"]["forced_hidden"]) for t in chosen])
        out = {}
        for t in chosen:
            m = next(m for m, c in codes.items() if c == t["region"])
            hide = dict.fromkeys(json.loads(t["extra_parameters"]["forced_hidden"]))
            out[t["region"]] = _outcome(t["region"], cells[m] | hide, relations[m], tmp_path)
        return out

    raw = batch.protect_families(tasks, first, {}, run, 2025)
    # the narrowest pinned cell first, then by report code: the prefecture's g1 ([37, 43]); the
    # smallest published count sharing a relation with it is the prefecture's own g2 (28)
    assert calls == [[("xinyang", f'["{key("g2")}"]')]]
    assert all(raw[c]["status"] == "ok" for c in codes.values())

    def ignore(chosen, desc, done):  # a report that cannot hide the forced cell
        return {t["region"]: first[t["region"]] for t in chosen}

    raw = batch.protect_families(tasks, first, {}, ignore, 2025)
    assert raw["xinyang"]["status"] == "failed" and disclosure_batch.EXPOSED in raw["xinyang"]["error"]
    assert key("g2") in raw["xinyang"]["error"] and not (tmp_path / "xinyang.html").exists()


def test_an_additive_table_records_its_total_and_relation_without_hidden_values():
    disclosure.set_forced()
    frame = pd.DataFrame({"group": ["g0", "g1", "g2"], "n_households": [40, 4, 30]})
    format_table(frame, {"group": "text", "n_households": "households"}, "zh", adds_up=True)
    cells = disclosure.published_cells()
    relations = disclosure.published_relations()
    total = next(k for k in cells if disclosure.is_total(k))
    assert cells[total] == 74.0 and sorted(v for v in cells.values() if v is not None) == [40.0, 74.0]
    assert relations == [{"kind": "eq", "terms": {total: 1.0, **{k: -1.0 for k in cells if k != total}}}]
    assert 4.0 not in [c for r in relations for c in r["terms"].values()]  # keys and ±1 only
    disclosure.set_forced()
    assert disclosure.published_relations() == []


def test_a_table_notes_which_of_its_counts_are_subsets_of_others():
    disclosure.set_forced()
    frame = pd.DataFrame({"year": [2023, 2024], "n_cohort": [40, 40], "n_observed": [38, 36], "n_above": [30, 4]})
    columns = {"year": "int", "n_cohort": "households", "n_observed": "households", "n_above": "households"}
    format_table(frame, columns, "zh", at_most=[("n_above", "n_observed"), ("n_observed", "n_cohort")])
    relations = disclosure.published_relations()
    assert len(relations) == 4 and {r["kind"] for r in relations} == {"ub"}
    table_key = ",".join(columns)
    above = disclosure.cell_key(table_key, "2024", "n_above")
    assert {
        "kind": "ub",
        "terms": {above: 1.0, disclosure.cell_key(table_key, "2024", "n_observed"): -1.0},
    } in relations
    assert disclosure.published_cells()[above] is None  # 4 households: hidden, and no value in the relations
    disclosure.set_forced()


def test_the_flows_note_newly_plus_still_flagged_equals_the_watch_lists_total():
    from test_disclosure_reports import miles_watch_grid

    from evalkit.reporting import postassessment

    _, grid = miles_watch_grid()
    flows = pd.DataFrame(
        {"flag": ["a", "b", "any_flag"], "n_new": [3.0, 4.0, 7.0], "n_still": [5.0, 14.0, 19.0], "n_left": [2.0] * 3}
    )
    disclosure.set_forced()
    states = postassessment.flow_states(flows, grid)
    cells, relations = disclosure.published_cells(), disclosure.published_relations()
    flagged = disclosure.cell_key("watchlist", disclosure.TOTAL, "any_flag")
    new, still = (disclosure.cell_key("flows", "any_flag", f"n_{p}") for p in ("new", "still"))
    assert {"kind": "eq", "terms": {flagged: 1.0, new: -1.0, still: -1.0}} in relations and len(relations) == 3
    assert cells[flagged] == 26.0 and cells[new] is None and list(states["n_new"]) == [disclosure.PRIMARY] * 3
    # what the batch's audit of this one report finds: 7 newly flagged is not 26 − 19
    intervals = disclosure_batch.joint_intervals("p", {"p": []}, {"p": cells}, {"p": relations})
    assert min(hi - lo for lo, hi in intervals.values()) >= T
    disclosure.set_forced()
