"""The disclosure attacker on a batch as a whole (issue 14 item 1, issue 18 case 16): the reports of
a prefecture and of its counties, comparison.csv and index.html read together.

The same population's totals are published in several files: the prefecture's tables by county
repeat each county's own totals (its key numbers, its watch-list and identification 合计 rows), and
every region-level count of the prefecture (households below a line, moving across it, in a
labour group, matched by a rule, newly flagged, …) is the sum of the same count in its counties'
reports. The attacker links them all — each link checked on the true values, so only relations
that hold are used — and solves the LP for every hidden cell of every file (one LP system per
connected group of cells): no exact or near recovery, no ``<10`` on a true value of 10 or more.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from test_disclosure import attack
from test_disclosure_reports import (
    HIDDEN,
    HOUSEHOLDS,
    PERSONS,
    TOTAL_ROW,
    Attacker,
    count,
    is_count_cell,
    merged,
    read_report,
    render,
    split,
    tables,
)

from evalkit.core import registry
from evalkit.reporting import disclosure
from evalkit.reporting.present import label_or

T = disclosure.Rule().threshold
YEARLIKE = re.compile(r"^(19|20)\d\d$")


class BatchAttacker(Attacker):
    """:class:`Attacker` over several reports, auditing each connected group of cells apart."""

    def audit(self, where: str) -> int:
        known = {}
        for key, text in self.shown.items():
            if text not in HIDDEN:
                value = count(text)
                assert value is not None, f"{where} {key}: unreadable cell {text!r}"
                known[key] = value
        unknown = [k for k in self.shown if k not in known]
        parent = {k: k for k in unknown}

        def find(k):
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        relations = [*self.eqs, *self.ubs]
        for rel in relations:
            cells = [c for c in rel if c in parent]
            for c in cells[1:]:
                parent[find(c)] = find(cells[0])
        groups = defaultdict(list)
        for k in unknown:
            groups[find(k)].append(k)
        for cells in groups.values():
            members = set(cells)
            eqs = [r for r in self.eqs if members & r.keys()]
            ubs = [r for r in self.ubs if members & r.keys()]
            for key, (lo, hi) in attack(known, cells, eqs, ubs).items():
                assert hi - lo >= T - 1e-6, f"{where} {key}: recovered in [{lo:g}, {hi:g}] (true {self.truth[key]})"
        return len(unknown)

    def holds(self, total, parts) -> bool:
        truth = [self.truth[c] for c in (total, *parts)]
        return None not in truth and abs(truth[0] - sum(truth[1:])) < 1e-6


def _row_key(head: list[str], row: list[str]) -> tuple:
    """A row of a region-level table: its label and the years it is about."""
    shown = [split(c)[0] for c in row]
    return (shown[0], *(v for j, v in enumerate(shown[1:], 1) if YEARLIKE.match(v)))


def _cells(markup: str, name: str) -> dict:
    """(table kind, row key, column header) → attacker key of every count cell of a report; the
    kind is the header row and the occurrence of that header row in the report."""
    seen: dict = defaultdict(int)
    out = {}
    for i, (head, rows) in enumerate(tables(markup)):
        kind = (tuple(head), seen[tuple(head)])
        seen[tuple(head)] += 1
        counts = [j for j in range(1, len(head)) if rows and all(is_count_cell(r[j]) for r in rows)]
        for r, row in enumerate(rows):
            for j in counts:
                if not YEARLIKE.match(split(row[j])[0]):
                    out[(kind, _row_key(head, row), head[j])] = ((name, i), r, j)
    return out


def audit_batch(parent_code: str, folder, monkeypatch, lang: str, only=None) -> dict:
    """Render the prefecture and each county with a report (a host with its small siblings
    merged in, as a batch does), link them and audit; returns counts of what was linked."""
    from evalkit.reporting import batch

    parent = registry.get_region(parent_code)
    kids = [c for c in registry.children(parent) if c.report and (only is None or c.name_zh in only)]
    hosts = batch.merge_hosts(folder, kids, 2025)
    away = {code for small in hosts.values() for code in small}
    markups = {parent.code: render(parent.code, 2025, folder, lang, monkeypatch)}
    for kid in kids:
        if kid.code not in away:
            markups[kid.code] = render(kid.code, 2025, folder, lang, monkeypatch, **merged(hosts.get(kid.code, [])))
    return audit_markups(parent, markups, lang)


def audit_markups(parent, markups: dict, lang: str) -> dict:
    """The joint audit of rendered reports (``code → markup``: ``parent`` and its children)."""
    attacker = BatchAttacker()
    links = {}
    for code, markup in markups.items():
        region = registry.get_region(code)
        _, key_numbers = tables(markup)[0]
        totals = (count(split(key_numbers[0][2])[0]), count(split(key_numbers[1][2])[0]))
        names = (region.name_zh, region.name_en)
        attacker.populations = {}  # the same population within one report
        links[code] = read_report(attacker, code, markup, totals, own=names)
    children = [code for code in markups if code != parent.code]
    stats = {"reports": len(markups), "by_child": 0, "sums": 0, "not_holding": 0}
    # 1. the prefecture's rows by county are the county's own totals
    label = {c: (registry.get_region(c).name_zh, registry.get_region(c).name_en) for c in children}
    parent_tables = tables(markups[parent.code])
    for i, (head, rows) in enumerate(parent_tables):
        counts = [j for j in range(1, len(head)) if rows and all(is_count_cell(r[j]) for r in rows)]
        for r, row in enumerate(rows):
            child = next((c for c in children if split(row[0])[0].startswith(label[c])), None)
            if child is None:
                continue
            mine = ((parent.code, i), r)
            child_tables = tables(markups[child])
            for j in counts:
                target = None
                if i != 0 and set(head[1:3]) <= HOUSEHOLDS | PERSONS and head[j] in HOUSEHOLDS | PERSONS:
                    target = links[child]["households" if head[j] in HOUSEHOLDS else "persons"]  # the area table
                else:  # the child's table with the same columns and a 合计 row: that row
                    for ci, (chead, crows) in enumerate(child_tables):
                        if chead[1:] == head[1:] and crows and split(crows[-1][0])[0] in TOTAL_ROW:
                            target = ((child, ci), len(crows) - 1, j)
                            break
                if target is None or target not in attacker.truth:
                    continue
                if attacker.holds(target, [(*mine, j)]):
                    attacker.same(target, (*mine, j))
                    stats["by_child"] += 1
                else:
                    stats["not_holding"] += 1
    # 2. every region-level count of the prefecture is the sum of its counties' same count
    cells = {code: _cells(markup, code) for code, markup in markups.items()}
    for key, whole in cells[parent.code].items():
        if key[0][0] and key[0][0][0] in _BY_AREA_HEADS:
            continue
        parts = [cells[c][key] for c in children if key in cells[c]]
        if not parts:
            continue
        if attacker.holds(whole, parts):
            attacker.sum_to(whole, parts)
            stats["sums"] += 1
        else:
            stats["not_holding"] += 1
    stats["hidden"] = attacker.audit(f"batch {parent.name_zh} {lang}")
    return stats


_BY_AREA_HEADS = {label_or(c, lang) for c in ("prefecture", "county", "township") for lang in ("zh", "en")}


#: 信阳市 with four of its counties (羊山新区 under the threshold: published inside its host's report)
COUNTIES = ("浉河区", "平桥区", "罗山县", "羊山新区")


@pytest.fixture(scope="module")
def prefecture_panel(tmp_path_factory):
    """The demo generator's 信阳市 households of :data:`COUNTIES` only: a prefecture whose data
    covers four counties, small enough to render all its reports in the default run."""
    from evalkit.core.panel import Panel, save_panel
    from evalkit.demo import generate_panel

    panel = generate_panel(households=1500)
    keep = panel.households["prefecture"].eq("信阳市") & panel.households["county"].isin(COUNTIES)
    households = panel.households[keep].reset_index(drop=True)
    measures = panel.measures[panel.measures["household_id"].isin(set(households["household_id"]))]
    folder = tmp_path_factory.mktemp("prefecture")
    save_panel(Panel(households, measures.reset_index(drop=True), dict(panel.meta)), folder)
    return folder


def test_attacker_recovers_nothing_from_a_prefecture_and_its_counties_together(prefecture_panel, monkeypatch):
    from evalkit.reporting import batch

    counties = [registry.get_region(c) for c in COUNTIES]
    hosts = batch.merge_hosts(prefecture_panel, counties, 2025)
    assert [small for small in hosts.values()] == [["xinyang-yangshan"]]  # the batch merges it
    stats = audit_batch("xinyang", prefecture_panel, monkeypatch, "zh", only=COUNTIES)
    assert stats["reports"] == 4  # the prefecture and three county reports (one hosting 羊山新区)
    assert stats["sums"] > 50 and stats["by_child"] > 10 and stats["hidden"] > 0
