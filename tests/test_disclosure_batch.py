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

import json
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
    audit_region,
    count,
    interval,
    is_count_cell,
    merged,
    read_report,
    render,
    results_of,
    split,
    tables,
)

from evalkit.core import registry
from evalkit.reporting import disclosure, disclosure_batch
from evalkit.reporting.present import label_or

T = disclosure.Rule().threshold
YEARLIKE = re.compile(r"^(19|20)\d\d$")


class BatchAttacker(Attacker):
    """:class:`Attacker` over several reports, auditing each connected group of cells apart."""

    def audit(self, where: str) -> int:
        known, unknown = self.published(where)
        parent = {k: k for k in [*unknown, *self.bounds]}  # rounded cells connect groups too

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
        recovered = []
        for cells in groups.values():
            members = set(cells)
            eqs = [r for r in self.eqs if members & r.keys()]
            ubs = [r for r in self.ubs if members & r.keys()]
            for key, (lo, hi) in attack(known, cells, eqs, ubs, self.bounds).items():
                if hi - lo < T - 1e-6:
                    recovered.append(f"{key}: recovered in [{lo:g}, {hi:g}] (true {self.truth[key]})")
        assert not recovered, f"{where}: {len(recovered)} cells\n" + "\n".join(recovered)
        return len(unknown)

    def holds(self, total, parts) -> bool:
        return bool(self.adds_up(total, parts))


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


def batch_plan(folder, year: int) -> tuple[dict[str, list[str]], dict[str, list[str]], list[str]]:
    """What ``evalkit batch --year plan`` publishes for ``year``: (families parent → child reports,
    hosts → small siblings merged into them, reports in no family), from the batch's own planning
    (:func:`evalkit.reporting.batch.report_year_groups`, ``merge_hosts``, ``disclosure_batch.families``)."""
    from evalkit.reporting import batch
    from evalkit.reporting.report import panel_years

    chosen = batch.report_year_groups("plan", batch.resolve_regions("all"), panel_years(folder)).get(year, [])
    hosts = batch.merge_hosts(folder, chosen, year)
    away = {code: host for host, small in hosts.items() for code in small}
    codes = [r.code for r in chosen if r.code not in away]
    family = disclosure_batch.families(codes, away)
    inside = {c for parent, kids in family.items() for c in (parent, *kids)}
    return family, hosts, [c for c in codes if c not in inside]


def audit_batch(
    parent_code: str,
    folder,
    monkeypatch,
    lang: str,
    only=None,
    sums: bool = True,
    rounds: bool = True,
    joint: bool = True,
    attack: bool = True,
    year: int = 2025,
    kids: list[str] | None = None,
) -> dict:
    """Render a parent and its children with a report (``kids``, default every child of the
    registry with a report, or those named in ``only``; a host with its small siblings merged in,
    as a batch does), with the batch's disclosure rounds (``rounds``; ``joint``: with the reports'
    own relations, as ``evalkit batch``), link them and audit (``attack``); returns counts of
    what was linked."""
    from evalkit.reporting import batch

    parent = registry.get_region(parent_code)
    if kids is None:
        children = [c for c in registry.children(parent) if c.report and (only is None or c.name_zh in only)]
    else:
        children = [registry.get_region(c) for c in kids]
    hosts = batch.merge_hosts(folder, children, year)
    away = {code: host for host, small in hosts.items() for code in small}
    codes = [parent.code, *(kid.code for kid in children if kid.code not in away)]
    forced: dict[str, set[str]] = {code: set() for code in codes}

    def parameters(code: str) -> dict:
        extra = {"forced_hidden": json.dumps(sorted(forced[code]), ensure_ascii=False)} if forced[code] else {}
        return merged(hosts.get(code, [])) | extra

    # the batch's rounds (evalkit.reporting.disclosure_batch), the reports run in this process
    family = disclosure_batch.families(codes, away)
    done = 0
    while True:
        markups = {code: render(code, year, folder, lang, monkeypatch, **parameters(code)) for code in codes}
        results = {code: results_of(code, year, folder, lang, **parameters(code)) for code in codes}
        cells = {code: results[code]["cells"] for code in codes}
        relations = {code: results[code]["relations"] for code in codes} if joint else None
        after = disclosure_batch.grow(family, cells, forced, relations=relations)
        if not rounds or not disclosure_batch.grown(forced, after) or done == disclosure_batch.ROUNDS:
            break
        forced, done = after, done + 1
    left = disclosure_batch.exposed(family, cells, relations=relations) if rounds else []
    withheld = {p for p, _, _ in left}  # the batch withholds these (E-DISCLOSURE-BATCH): not published
    compared, exact = audit_comparison(parent, children, results, markups, hosts, lang, year)
    published = {c: m for c, m in markups.items() if c not in withheld}
    stats = audit_markups(parent, published, lang, sums, exact) if attack else {}
    stats["rounds"], stats["forced"], stats["withheld"] = done, sum(map(len, forced.values())), sorted(withheld)
    stats["results"], stats["family"], stats["comparison"] = results, family, compared
    return stats


def audit_comparison(
    parent, kids, results: dict, markups: dict, hosts: dict, lang: str, year: int = 2025
) -> tuple[int, dict]:
    """comparison.csv and index.html of the batch (written from the runs' results as ``evalkit
    batch`` writes them) publish each count of a region as its report's key numbers do: a hidden
    count has the report's mark, a shown one the report's number (exactly, where the report
    rounds it to 万: the number of households then inside the report's interval). Returns the
    number of counts compared and the exact values the comparison adds (code → key-number row →
    value) for the attacker."""
    import tempfile
    from pathlib import Path

    import pandas as pd

    from evalkit.reporting import batch, batch_index
    from evalkit.reporting.runner import ReportOutcome

    rule = disclosure.Rule()
    chosen = [parent, *kids]
    outcomes = []
    for region in chosen:
        host = next((h for h, small in hosts.items() if region.code in small), None)
        if host is not None:
            outcomes.append(batch.merged_outcome(region.code, host, year, lang, rule))
        else:
            outcomes.append(
                ReportOutcome(region=region.code, year=year, status="ok", results=results[region.code], lang=lang)
            )
    with tempfile.TemporaryDirectory() as tmp:
        csv = batch_index.write_comparison(outcomes, chosen, Path(tmp) / "comparison.csv")
        index = batch_index.write_index(outcomes, chosen, Path(tmp) / "index.html", year, lang)
        table = pd.read_csv(csv, dtype=str, keep_default_na=False).set_index("region")
        assert index.read_text(encoding="utf-8").count("<tr") >= len(markups)
    compared, exact = 0, {}
    for code, markup in markups.items():
        _, key_numbers = tables(markup)[0]
        keys = list(results[code]["key_numbers"])
        assert len(keys) == len(key_numbers)
        for r, (key, row) in enumerate(zip(keys, key_numbers, strict=True)):
            if key not in ("n_households", "n_persons", "n_persons_below_monitoring"):
                continue
            shown, _ = split(row[2])
            published = table.loc[code, key]
            if shown in HIDDEN:
                assert published == shown, (code, key, published, shown)
            else:
                lo, hi = interval(shown, integer=True)
                assert lo <= float(published) <= hi, (code, key, published, shown)
                if lo < hi:
                    exact.setdefault(code, {})[r] = float(published)
            compared += 1
    return compared, exact


def audit_markups(parent, markups: dict, lang: str, sums: bool = True, exact: dict | None = None) -> dict:
    """The joint audit of rendered reports (``code → markup``: ``parent`` and its children);
    ``sums``: also the prefecture's region-level counts as sums of the counties' (step 2);
    ``exact``: key numbers another file publishes exactly (comparison.csv, :func:`audit_comparison`)."""
    attacker = BatchAttacker()
    links = {}
    for code, markup in markups.items():
        region = registry.get_region(code)
        _, key_numbers = tables(markup)[0]
        totals = (count(split(key_numbers[0][2])[0]), count(split(key_numbers[1][2])[0]))
        names = (region.name_zh, region.name_en)
        attacker.populations = {}  # the same population within one report
        for r, value in (exact or {}).get(code, {}).items():
            attacker.publish(((code, 0), r, 2), value)
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
    cells = {code: _cells(markup, code) for code, markup in markups.items()} if sums else {parent.code: {}}
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


#: 信阳市 with three of its counties (羊山新区 under the threshold: published inside its host's report)
COUNTIES = ("浉河区", "罗山县", "羊山新区")


@pytest.fixture(scope="module")
def prefecture_panel(tmp_path_factory):
    """The demo generator's 信阳市 households of :data:`COUNTIES` only: a prefecture whose data
    covers three counties, small enough to render all its reports in the default run."""
    from evalkit.core.panel import Panel, save_panel
    from evalkit.demo import generate_panel

    panel = generate_panel(households=1500)
    keep = panel.households["prefecture"].eq("信阳市") & panel.households["county"].isin(COUNTIES)
    households = panel.households[keep].reset_index(drop=True)
    measures = panel.measures[panel.measures["household_id"].isin(set(households["household_id"]))]
    folder = tmp_path_factory.mktemp("prefecture")
    save_panel(Panel(households, measures.reset_index(drop=True), dict(panel.meta)), folder)
    return folder


def _batch(folder, monkeypatch, lang: str, sums: bool) -> dict:
    from evalkit.reporting import batch

    counties = [registry.get_region(c) for c in COUNTIES]
    assert list(batch.merge_hosts(folder, counties, 2025).values()) == [["xinyang-yangshan"]]  # merged, as a batch
    return audit_batch("xinyang", folder, monkeypatch, lang, only=COUNTIES, sums=sums)


def test_attacker_recovers_nothing_from_the_prefectures_rows_by_county_and_the_county_reports(
    prefecture_panel, monkeypatch
):
    """The prefecture's tables by county (households and persons, watch-list, identification)
    against each county's own report: each row repeats what the county publishes, marks included
    (``fixed_rows``), so subtracting reports recovers nothing."""
    stats = _batch(prefecture_panel, monkeypatch, "zh", sums=False)
    assert stats["reports"] == 3  # the prefecture and two county reports (one hosting 羊山新区)
    assert stats["by_child"] > 10 and stats["not_holding"] == 0 and stats["hidden"] > 100
    assert stats["comparison"] == 3 * 3  # households, persons, persons below the monitoring line


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_attacker_recovers_nothing_from_a_prefecture_and_its_counties_together(lang, prefecture_panel, monkeypatch):
    """Every region-level count of the prefecture is the sum of its counties' same count: the
    batch's rounds (:mod:`evalkit.reporting.disclosure_batch`) force a second member of each such
    relation hidden where one member hides it, so subtracting reports recovers nothing (before:
    17 county cells in zh, e.g. 浉河区 持续在线上 × 25 = 95 − 37 − 33)."""
    stats = _batch(prefecture_panel, monkeypatch, lang, sums=True)
    assert stats["sums"] > 50
    assert 1 <= stats["rounds"] < disclosure_batch.ROUNDS and stats["forced"] > 0


# ---------------------------------------------------------------------------------------------
# The full demo batch (the "Done when"): every family and every single report, -m slow
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory):
    """The demo exactly as ``evalkit demo-data --out <tmp>`` writes it (30,000 households)."""
    from evalkit.demo import write_demo

    folder, _ = write_demo(tmp_path_factory.mktemp("full-demo") / "demo")
    return folder


def test_the_batch_plan_is_the_batchs_own(prefecture_panel):
    """:func:`batch_plan` as ``evalkit batch --year plan`` groups the reports: 2025 the 信阳市
    family (羊山新区 merged into its host where it is under the threshold) and 上犹县 alone."""
    family, hosts, singles = batch_plan(prefecture_panel, 2025)
    assert set(family) == {"xinyang"} and singles == ["shangyou"]
    merged_away = {c for small in hosts.values() for c in small}
    assert "xinyang-yangshan" in merged_away and not set(family["xinyang"]) & merged_away
    children = {c.code for c in registry.children(registry.get_region("xinyang")) if c.report}
    assert set(family["xinyang"]) | merged_away == children


#: (year, language) of the full demo batch (``evalkit batch --year plan``: 2023 弥勒市, 2024 广西
#: and its prefectures, 2025 信阳市 and its counties, 上犹县)
FULL_BATCH = [(year, lang) for year in (2025, 2024, 2023) for lang in ("zh", "en")]


@pytest.mark.slow
@pytest.mark.timeout(6 * 3600)  # 2024: 15 reports of the full demo, ~1–3 min each on an idle core
@pytest.mark.parametrize(("year", "lang"), FULL_BATCH)
def test_attacker_recovers_nothing_from_the_full_demo_batch(year, lang, full_demo, monkeypatch):
    """Every family {parent, children} the batch of ``year`` publishes audited jointly (the LP
    over all its reports, the parent's rows by child, the parent's counts as sums of the
    children's, comparison.csv and index.html), and every report in no family by itself."""
    family, _, singles = batch_plan(full_demo, year)
    assert family or singles
    for parent, kids in family.items():
        stats = audit_batch(parent, full_demo, monkeypatch, lang, year=year, kids=kids)
        assert stats["reports"] == 1 + len(kids) and not stats["withheld"], stats
        assert stats["hidden"] > 0 and stats["by_child"] + stats["sums"] > 0
    for code in singles:
        assert audit_region(registry.get_region(code), full_demo, monkeypatch, lang, year=year) > 0
