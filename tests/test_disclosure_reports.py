"""The disclosure attacker on generated reports (issue 14): run the report notebook, parse EVERY
table of its HTML with BeautifulSoup, write down what the attacker knows of each table (rows
adding up to the region's totals, the 合计 row, the any-flag column, eligible = matched +
unmatched) and the links between tables that count the same population (the watch-list's 合计
row, the matching table, the flows table and the scorecard), and solve the LP for every hidden
cell: no exact or near recovery (an interval narrower than the threshold), no ``<10`` on a true
value of 10 or more.

The notebook runs in this process (its code cells executed in order, ``display`` captured): the
same code a kernel runs, without the kernel start-up, so every demo region can be audited in both
languages. The true value of each hidden cell travels inside its mark (``disclosure.apply_marks``
is wrapped for the run), so the truth is the report's own.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from test_disclosure import attack, parse_count

from evalkit.core import comparison, registry
from evalkit.reporting import disclosure, present
from evalkit.reporting.labels import t

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "report.ipynb"
T = disclosure.Rule().threshold
SEP = "\u2063"  # between a mark and the true value it hides (test runs only)
COUNT = re.compile(r"^-?[\d,]+(\.\d+)?( ?万)?( ?(户|人|households|persons))?$")


# ---------------------------------------------------------------------------------------------
# Running a report in this process
# ---------------------------------------------------------------------------------------------


_RENDERED: dict = {}
_RESULTS: dict = {}  # the results payload (<region>.json) of each run, by the same key
_APPLY_MARKS = disclosure.apply_marks  # wrapped once per run, never a wrapper of a wrapper


def render(region: str, year: int, data: Path, lang: str, monkeypatch, **parameters) -> str:
    """The report's HTML fragments (tables, notices) as the notebook displays them, each hidden
    cell written ``mark SEP true text`` (one run per region, year, data, language in a session)."""
    key = (region, year, str(data), lang, tuple(sorted(parameters.items())))
    if key not in _RENDERED:
        _RENDERED[key], _RESULTS[key] = _render(region, year, data, lang, monkeypatch, **parameters)
    return _RENDERED[key]


def results_of(region: str, year: int, data: Path, lang: str, **parameters) -> dict:
    """The results payload of a run :func:`render` made."""
    return _RESULTS[(region, year, str(data), lang, tuple(sorted(parameters.items())))]


def _render(region: str, year: int, data: Path, lang: str, monkeypatch, **parameters) -> tuple[str, dict]:
    import IPython.display
    import matplotlib.pyplot as plt

    from evalkit.reporting import charts

    shown: list[str] = []
    original = _APPLY_MARKS

    def marks_with_truth(text, states, rule=None):
        marked = original(text, states, rule)
        return np.array(
            [m if m == v else f"{m}{SEP}{v}" for m, v in zip(marked, np.asarray(text), strict=True)], dtype=object
        )

    monkeypatch.setattr(disclosure, "apply_marks", marks_with_truth)
    monkeypatch.setattr(
        IPython.display, "display", lambda *objs, **_: shown.extend(getattr(o, "data", "") for o in objs)
    )
    monkeypatch.setattr(charts, "to_svg", lambda fig: "")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    namespace: dict = {}
    previous_series = comparison.user_series()  # the notebook's --series hold for its process: restore
    try:
        for cell in nb.cells:
            tags = cell.metadata.get("tags", [])
            if cell.cell_type != "code" or "remove-cell" in tags:
                continue
            exec(compile(cell.source, f"report.ipynb:{region}", "exec"), namespace)
            if "parameters" in tags:
                namespace.update(region=region, year=year, data=str(data), lang=lang, **parameters)
            plt.close("all")
    finally:
        disclosure.set_rule()
        comparison.use_series(previous_series)
    return "\n".join(map(str, shown)), namespace.get("results", {})


def tables(markup: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every ``table.ek-table``: (headers, rows of cell texts)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    out = []
    for table in soup.select("table.ek-table"):
        head = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        body = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in table.select("tbody tr")]
        out.append((head, body))
    return out


# ---------------------------------------------------------------------------------------------
# What the attacker reads from each table
# ---------------------------------------------------------------------------------------------

HIDDEN = {disclosure.primary_mark(), disclosure.COMPLEMENTARY, disclosure.DERIVED}


def split(text: str) -> tuple[str, str | None]:
    """(what the reader sees, the true text behind a mark or ``None``)."""
    if SEP in text:
        mark, truth = text.split(SEP, 1)
        return mark.strip(), truth.strip()
    return text, None


def count(text: str) -> float | None:
    text = text.strip()
    if not COUNT.match(text):
        return None
    return parse_count(text)


NUMBER = re.compile(r"^([+-]?)([\d,]+)(?:\.(\d+))?\s*(万)?")


def interval(text: str, integer: bool = False, slack: float = 0.5) -> tuple[float, float] | None:
    """The interval a published number's rounding allows (``None`` for a mark or text): the value
    printed ± ``slack`` units of its last digit, in the unit printed — ``1.30 万户`` → [12950, 13050],
    ``79.5%`` → [79.45, 79.55] (percent), ``19,298 元`` → [19297.5, 19298.5], ``+1.2 个百分点`` →
    [1.15, 1.25]. ``integer``: a count, so only whole numbers in it (``9,639 户`` is exactly 9639).
    ``slack=1``: parts rounded to add up to their total (largest remainder, ``present.rounded_parts``)."""
    match = NUMBER.match(str(text).strip())
    if not match:
        return None
    sign, whole, decimals, wan = match.groups()
    value = float(whole.replace(",", "") + (f".{decimals}" if decimals else ""))
    scale = 10_000.0 if wan else 1.0
    step = 10.0 ** -len(decimals or "") * scale
    value = (-value if sign == "-" else value) * scale
    lo, hi = value - slack * step, value + slack * step
    if integer:
        lo, hi = float(np.ceil(lo - 1e-9)), float(np.floor(hi + 1e-9))
    return lo, hi


def is_count_cell(text: str) -> bool:
    shown, _ = split(text)
    return shown in HIDDEN or count(shown) is not None


class Attacker:
    """The published cells of one or more reports and the relations between them."""

    def __init__(self):
        self.shown: dict = {}
        self.truth: dict = {}
        self.eqs: list[dict] = []
        self.ubs: list[dict] = []
        self.populations: dict = {}
        self.bounds: dict = {}  # published cells shown rounded (1.30 万): the interval of each
        self.exact: dict = {}  # cells another file publishes exactly (:meth:`publish`)
        self.fuzzy: dict = {}  # hidden cells whose carried truth is itself rounded (× over 1.30 万)

    def population(self, key, cell):
        """``cell`` counts the households (or persons) of population ``key``: every cell of the
        same population, in any table of the report, is the same number."""
        if key in self.populations:
            known = self.populations[key]
            if known[0] == "population" and self.truth[known] is None:  # an unknown met first: now published
                self.truth[known] = self.truth[cell]
            self.same(known, cell)
        else:
            self.populations[key] = cell

    def cell(self, key, text: str):
        shown, truth = split(text)
        self.shown[key] = shown
        value = count(truth if truth is not None else shown)
        if shown == disclosure.primary_mark():
            assert truth is not None, f"{key}: '<{T}' with no true value behind it"
            assert value is not None and 0 < value < T, f"{key}: '<{T}' on a true value of {truth}"
        if truth is not None and value is not None:
            lo, hi = interval(truth, integer=True) or (value, value)
            if hi > lo:  # a hidden count of 1.30 万: its truth known to the rounding only
                self.fuzzy[key] = (lo, hi)
        if truth is None and count(shown) is not None:
            lo, hi = interval(shown, integer=True) or (value, value)
            if key in self.exact:  # published exactly elsewhere
                assert lo <= self.exact[key] <= hi, (key, shown, self.exact[key])
                value = self.exact[key]
                self.shown[key] = f"{value:.0f}"
            elif hi > lo:  # shown rounded: the attacker knows an interval, not the value
                self.bounds[key], value = (lo, hi), None
        self.truth[key] = value
        return key

    def publish(self, key, value: float):
        """Another file publishes cell ``key`` exactly (comparison.csv gives the households a
        report rounds to 万): read as that value wherever the report shows it."""
        self.exact[key] = value

    def range(self, key) -> tuple[float, float] | None:
        """What is known of a cell's true value: ``(v, v)``, the interval of a rounded one, or ``None``."""
        if key in self.fuzzy:
            return self.fuzzy[key]
        if self.truth.get(key) is not None:
            return self.truth[key], self.truth[key]
        return self.bounds.get(key)

    def adds_up(self, total, parts) -> bool | None:
        """Whether ``total = Σ parts`` can hold given what is known of each (``None``: unknown)."""
        ranges = [self.range(c) for c in (total, *parts)]
        if None in ranges:
            return None
        lo, hi = sum(r[0] for r in ranges[1:]), sum(r[1] for r in ranges[1:])
        return ranges[0][0] <= hi + 1e-6 and lo <= ranges[0][1] + 1e-6

    def given(self, key, lo: float, hi: float):
        """A figure the attacker knows to ``[lo, hi]`` (exactly when ``lo == hi``)."""
        if lo == hi:
            return self.constant(key, lo)
        self.shown[key], self.truth[key], self.bounds[key] = f"{lo:.0f}", None, (lo, hi)
        return key

    def constant(self, key, value: float):
        """A figure the attacker knows (a region total given by the key numbers or by shares)."""
        self.shown[key] = f"{value:.0f}"
        self.truth[key] = value
        return key

    def sum_to(self, total, parts):
        assert self.adds_up(total, parts) is not False, (total, parts, [self.range(c) for c in (total, *parts)])
        self.eqs.append({total: 1.0} | {p: -1.0 for p in parts})

    def population_cell(self, key):
        """The cell of population ``key``; an unpublished unknown when no table publishes it yet."""
        if key not in self.populations:
            self.shown[("population", key)] = disclosure.COMPLEMENTARY
            self.truth[("population", key)] = None
            self.populations[key] = ("population", key)
        return self.populations[key]

    def at_most(self, small, large):
        self.ubs.append({small: 1.0, large: -1.0})

    def same(self, a, b):
        assert self.adds_up(a, [b]) is not False, (a, b, self.range(a), self.range(b))
        self.eqs.append({a: 1.0, b: -1.0})

    def audit(self, where: str) -> int:
        known, unknown = self.published(where)
        for key, (lo, hi) in attack(known, unknown, self.eqs, self.ubs, self.bounds).items():
            assert hi - lo >= T - 1e-6, f"{where} {key}: recovered in [{lo:g}, {hi:g}] (true {self.truth[key]})"
        return len(unknown)

    def published(self, where: str) -> tuple[dict, list]:
        """(cells published exactly → value, hidden cells); rounded ones are in :attr:`bounds`."""
        known = {}
        for key, text in self.shown.items():
            if text not in HIDDEN:
                value = count(text)
                assert value is not None, f"{where} {key}: unreadable cell {text!r}"
                if key not in self.bounds:
                    known[key] = value
        return known, [k for k in self.shown if k not in known and k not in self.bounds]


def _labels(*keys) -> set[str]:
    return {t(k, lang) for k in keys for lang in ("zh", "en")}


TOTAL_ROW = {"合计", "total", "Total"}  # evalkit.evaluation.watchlist.watchlist_counts
ANY_FLAG = {"任一预警", "any flag"}
HOUSEHOLDS, PERSONS = _labels("n_households"), _labels("n_persons")
ELIGIBLE, MATCHED, UNMATCHED = _labels("n_meeting_condition"), _labels("n_matched"), _labels("n_unmatched")
YEAR, MOVES = _labels("year"), _labels("transition")
TARGET, REGION, WATCH_RULE = _labels("target"), _labels("region"), _labels("watch_rule")
#: the scorecard's rows on the watch-list over time and on matching (evalkit.evaluation.scorecard)
FLOW_TARGETS = {"新增预警户": "new", "newly flagged": "new", "持续预警户": "still", "still flagged": "still"}
FLOW_TARGETS |= {"退出预警户": "left", "no longer flagged": "left"}
UNMATCHED_TARGET = ("帮扶措施未匹配: ", "support not matching: ")


def _rule_flags() -> dict[str, str]:
    """Matching rule label → the label of the watch-list flag whose households it covers (the
    rules are public: data/matching_rules.csv, data/watchlist_rules.csv)."""
    from evalkit.evaluation.coverage import matching_rules
    from evalkit.evaluation.watchlist import watchlist_rules

    flags = watchlist_rules().set_index("flag")
    out = {}
    for rule in matching_rules().itertuples(index=False):
        condition = str(rule.condition)
        if condition.startswith("flag:") and condition[5:] in flags.index:
            for lang in ("zh", "en"):
                out[getattr(rule, f"label_{lang}")] = flags.loc[condition[5:], f"label_{lang}"]
    return out


RULE_FLAGS = _rule_flags()


def _rule_groups() -> dict[str, str]:
    """Matching rule label → the label of the labour group whose households it covers (a rule
    whose condition is that group alone, ``capacity:weak``; data/matching_rules.csv,
    data/labour_groups.csv are public): its eligible households are the group's."""
    from evalkit.core.schema import labour_groups
    from evalkit.evaluation.coverage import matching_rules

    groups = labour_groups("capacity").set_index("code")
    out = {}
    for rule in matching_rules().itertuples(index=False):
        key, _, code = str(rule.condition).partition(":")
        if key == "capacity" and code in groups.index:
            for lang in ("zh", "en"):
                out[getattr(rule, f"label_{lang}")] = groups.loc[code, f"label_{lang}"]
    return out


RULE_GROUPS = _rule_groups()
#: link the watch-list, identification, matching, flows and scorecard tables of a report
JOINT = True
GROUP_HEADER = re.compile(r"^(.+) \(([^()]+)\)$")


def read_report(
    attacker: Attacker,
    name: str,
    markup: str,
    totals: tuple[float, float] | None = None,
    own: tuple = (),
    joint: bool = JOINT,
) -> dict:
    """Add every table of one report to ``attacker``; returns the keys of the cells other reports
    or tables may link to (the region's households, the watch-list 合计 row)."""
    found = tables(markup)
    assert found, f"{name}: no table"
    links: dict = {}
    key_numbers = found[0]
    for i, (head, rows) in enumerate(found):
        tab = (name, i)
        counts = [j for j in range(1, len(head)) if rows and all(is_count_cell(r[j]) for r in rows)]
        cells = {(r, j): attacker.cell((tab, r, j), rows[r][j]) for r in range(len(rows)) for j in counts}
        labels = [r[0] for r in rows]
        for j, header in enumerate(head):  # a group's households in a header: 无劳动能力 (13)
            group = GROUP_HEADER.match(header)
            if group and j > 0 and is_count_cell(group[2]):
                key = attacker.cell((tab, "head", j), group[2])
                attacker.population((group[1], "households"), key)
        if i == 0 and head and rows:  # key numbers: 户数 and 人数 of the region
            links["households"], links["persons"] = (tab, 0, 2), (tab, 1, 2)
            for r in (0, 1):
                attacker.cell((tab, r, 2), key_numbers[1][r][2])
            continue
        if head[0] in YEAR:
            continue  # one row per year: totals of other years, nothing adds up
        if rows and labels[-1] in TOTAL_ROW:  # the 合计 row: every count column adds up to it
            for j in counts:
                attacker.sum_to(cells[(len(rows) - 1, j)], [cells[(r, j)] for r in range(len(rows) - 1)])
                if joint:  # the region's flagged households
                    attacker.population(("flagged", head[j]), cells[(len(rows) - 1, j)])
            if head[-1] in ANY_FLAG and len(counts) == len(head) - 1:
                last = len(head) - 1
                for r in range(len(rows)):
                    flags = [cells[(r, j)] for j in counts[:-1]]
                    truth = [attacker.truth[f] for f in flags]
                    if None not in truth and sum(truth) == attacker.truth[cells[(r, last)]]:
                        attacker.sum_to(cells[(r, last)], flags)  # disjoint flags: the attacker may know it
                    else:
                        attacker.ubs.append({cells[(r, last)]: 1.0} | {f: -1.0 for f in flags})
                        for f in flags:
                            attacker.at_most(f, cells[(r, last)])
            continue
        for part in (HOUSEHOLDS, PERSONS):  # groups of the region: they add up to its total
            (j, *_) = [j for j in counts if head[j] in part] or [None]
            if j is None or not (set(head[1:3]) & HOUSEHOLDS and set(head[1:3]) & PERSONS):
                continue
            parts = [cells[(r, j)] for r in range(len(rows))]
            ranges = [attacker.range(p) for p in parts]
            assert None not in ranges, f"{name}: table {head}: a count neither published nor carried"
            lo, hi = sum(r[0] for r in ranges), sum(r[1] for r in ranges)
            whole = links["households" if part is HOUSEHOLDS else "persons"]
            if head[0] in MOVES:  # the moves across a line: their total is given by the shares
                attacker.sum_to(attacker.given((tab, "total", j), lo, hi), parts)
            elif totals is not None and attacker.adds_up(whole, parts):
                # groups of the region (a key number or a group shown in 万 is an interval)
                attacker.sum_to(whole, parts)
                for label, p in zip(labels, parts, strict=True):
                    attacker.population((label, "households" if part is HOUSEHOLDS else "persons"), p)
            else:
                raise AssertionError(
                    f"{name}: table {head} ({lo:g}..{hi:g}) does not add up to the region {attacker.range(whole)}"
                )
        if len(head) > 3 and set(head[1:4]) <= ELIGIBLE | MATCHED | UNMATCHED and {1, 2, 3} <= set(counts):
            for r in range(len(rows)):
                attacker.sum_to(cells[(r, 1)], [cells[(r, 2)], cells[(r, 3)]])
                if not joint:
                    continue
                attacker.population(("unmatched", labels[r]), cells[(r, 3)])
                if labels[r] in RULE_FLAGS:  # a rule on the households of a watch-list flag
                    attacker.population(("flagged", RULE_FLAGS[labels[r]]), cells[(r, 1)])
                if labels[r] in RULE_GROUPS:  # a rule on the households of a labour group
                    attacker.population((RULE_GROUPS[labels[r]], "households"), cells[(r, 1)])
        if joint and head[0] in WATCH_RULE and {1, 3, 5} <= set(counts):  # flows: flagged now = new + still
            for r, label in enumerate(labels):
                attacker.sum_to(attacker.population_cell(("flagged", label)), [cells[(r, 1)], cells[(r, 3)]])
                if label in ANY_FLAG:
                    for j, part in ((1, "new"), (3, "still"), (5, "left")):
                        attacker.population(("flow", part), cells[(r, j)])
        if joint and head[:2] and head[0] in TARGET and head[1] in REGION and 2 in counts:  # the region's scorecard
            for r, row in enumerate(rows):
                if row[1] not in own:
                    continue
                label = labels[r]
                if label in FLOW_TARGETS:
                    attacker.population(("flow", FLOW_TARGETS[label]), cells[(r, 2)])
                elif label.startswith(UNMATCHED_TARGET):
                    attacker.population(("unmatched", label.split(": ", 1)[1]), cells[(r, 2)])
                else:  # identification checks: the 合计 row of the identification table
                    attacker.population(("flagged", label), cells[(r, 2)])
    return links


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_panel(tmp_path_factory):
    from evalkit.core.panel import save_panel
    from evalkit.demo import generate_panel

    folder = tmp_path_factory.mktemp("panel")
    save_panel(generate_panel(households=1500), folder)
    return folder


def audit_region(region, folder, monkeypatch, lang, year: int = 2025) -> int:
    """Audit one report as ``evalkit report`` (or a batch) makes it: a host of small siblings
    includes them (``batch.standalone_merge``)."""
    from evalkit.reporting import batch

    _, small = batch.standalone_merge(folder, region.code, year)
    markup = render(region.code, year, folder, lang, monkeypatch, **merged(small))
    attacker = Attacker()
    _, key_numbers = tables(markup)[0]
    totals = (count(key_numbers[0][2]), count(key_numbers[1][2]))
    read_report(attacker, region.code, markup, totals, own=(region.name_zh, region.name_en))
    return attacker.audit(f"{region.name_zh} {lang}")


#: a county with townships in both languages and a county of a prefecture (all regions: -m slow)
FAST = [("mile", "zh"), ("mile", "en"), ("xinyang-luoshan", "en")]


@pytest.mark.parametrize(("code", "lang"), FAST)
def test_attacker_recovers_nothing_from_any_table_of_a_report(code, lang, small_panel, monkeypatch):
    assert audit_region(registry.get_region(code), small_panel, monkeypatch, lang) > 0


def merged(small: list[str]) -> dict:
    """The report parameters of a host of ``small`` siblings (as ``evalkit report`` sets them)."""
    return {"merge_regions": ",".join(small)} if small else {}


def audit_or_refused(region, folder, monkeypatch, lang) -> int:
    """:func:`audit_region`, or for a region too small to publish by itself (refused by
    ``batch.standalone_merge``) the check that its host's report includes it."""
    from evalkit.reporting import batch

    host, _ = batch.standalone_merge(folder, region.code, 2025)
    if host is None:
        return audit_region(region, folder, monkeypatch, lang)
    assert batch.standalone_merge(folder, host, 2025) == (None, [region.code])
    name = region.name_zh if lang == "zh" else region.name_en
    markup = render(host, 2025, folder, lang, monkeypatch, **merged([region.code]))
    assert name in markup, f"{host}'s report does not include {name}"
    return 0


@pytest.mark.slow
@pytest.mark.timeout(7200)  # 29 reports, ~25 s each on an idle core
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_attacker_recovers_nothing_from_any_table_of_any_demo_report(lang, small_panel, monkeypatch):
    for region in registry.report_regions():
        audit_or_refused(region, small_panel, monkeypatch, lang)


def test_the_in_process_run_is_the_notebook_and_carries_the_truth(small_panel, monkeypatch):
    markup = render("mile", 2025, small_panel, "zh", monkeypatch)
    found = tables(markup)
    assert len(found) > 15
    hidden = [split(c) for _, rows in found for r in rows for c in r if SEP in c]
    assert hidden and all(mark in HIDDEN and truth for mark, truth in hidden)
    assert present.MISSING not in {mark for mark, _ in hidden}


def test_the_xlsx_annex_carries_exactly_the_html_tables_and_their_marks(small_panel, monkeypatch, tmp_path):
    """The Excel annex is built from the report's HTML blocks: every table of 弥勒's report is in
    a sheet row for row, each hidden cell with the HTML's mark and never its value (the run of
    the attacker test above, so no extra report run)."""
    import openpyxl
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from evalkit.reporting.document import notebook_blocks
    from evalkit.reporting.export_xlsx import blocks_to_xlsx

    markup = render("mile", 2025, small_panel, "zh", monkeypatch)
    published = re.sub(f"{SEP}[^<]*", "", markup)  # what the report file holds: marks only
    cell = new_code_cell(outputs=[new_output("display_data", data={"text/html": published})])
    path = blocks_to_xlsx(notebook_blocks(new_notebook(cells=[cell])), tmp_path / "annex.xlsx")
    workbook = openpyxl.load_workbook(path)

    def trimmed(values) -> list[str]:
        values = ["" if v is None else str(v) for v in values]
        while values and values[-1] == "":
            values.pop()
        return values

    rows = [trimmed(row) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]
    found, hidden = tables(markup), 0
    for (head, body), (seen, shown) in zip(found, tables(published), strict=True):
        block = [trimmed(r) for r in (seen, *shown)]
        at = next((i for i in range(len(rows)) if rows[i : i + len(block)] == block), None)
        assert at is not None, f"table {head} not in the annex as the report shows it"
        for r, row in enumerate(body):
            for j, text in enumerate(row):
                mark, truth = split(text)
                if truth is not None:
                    hidden += 1
                    assert rows[at + 1 + r][j] == mark and mark in HIDDEN, (head, r, j, rows[at + 1 + r][j])
    sheet_marks = sum(v in HIDDEN for row in rows for v in row)
    assert hidden > 10 and sheet_marks == sum(split(c)[0] in HIDDEN for _, body in found for r in body for c in r)


# ---------------------------------------------------------------------------------------------
# The tables the attacker broke, as hand cases
# ---------------------------------------------------------------------------------------------


def test_rounded_numbers_are_read_as_the_intervals_their_rounding_allows():
    """On the full demo 13,035 households print "1.30 万户" (zh): the attacker reads every rounded
    number as an interval (lo ≤ x ≤ hi), never as the point it prints."""
    assert interval("1.30 万户", integer=True) == (12950.0, 13050.0)
    assert interval("3.40 万人") == (33950.0, 34050.0)
    assert interval("13,035 households", integer=True) == (13035.0, 13035.0)
    assert interval("9,639 户", integer=True) == (9639.0, 9639.0)
    assert interval("79.5%") == pytest.approx((79.45, 79.55))
    assert interval("19,298 元") == (19297.5, 19298.5)
    assert interval("-3,174 元") == (-3174.5, -3173.5)
    assert interval("+1.2 个百分点") == pytest.approx((1.15, 1.25))
    assert interval("16.3%", slack=1) == pytest.approx((16.2, 16.4))  # largest-remainder parts
    for mark in (*HIDDEN, "无数据", "n/a", ""):
        assert interval(mark) is None
    # 广西's 易地搬迁户 table: other households 1.30 万 (13,035), movers 12 (hidden: "<10" would be
    # false, so ×), the region 1.31 万 (13,047). Read as points the table is 35 short; as intervals
    # it adds up and the hidden cell lies in [0, 100]
    attacker = Attacker()
    region = attacker.cell("region", "1.31 万户")
    parts = [attacker.cell("other", "1.30 万户"), attacker.cell("movers", f"{disclosure.COMPLEMENTARY}{SEP}12")]
    assert attacker.adds_up(region, parts) and attacker.bounds[region] == (13050.0, 13150.0)
    attacker.sum_to(region, parts)
    assert attacker.audit("rounded") == 1
    assert attack({}, ["movers"], attacker.eqs, bounds=attacker.bounds)["movers"] == (0.0, 200.0)
    # the English report prints the region exactly: the hidden cell lies in [0, 97], still safe
    attacker = Attacker()
    region = attacker.cell("region", "13,047 households")
    parts = [attacker.cell("other", "1.30 万户"), attacker.cell("movers", f"{disclosure.COMPLEMENTARY}{SEP}12")]
    attacker.sum_to(region, parts)
    assert attack({region: 13047.0}, ["movers"], attacker.eqs, bounds=attacker.bounds)["movers"] == (0.0, 97.0)
    # a rounded figure narrow enough gives a hidden cell away: the attacker still sees it
    attacker = Attacker()
    region = attacker.cell("region", "13,047")
    parts = [attacker.cell("other", "13,040"), attacker.cell("movers", f"{disclosure.COMPLEMENTARY}{SEP}7")]
    attacker.sum_to(region, parts)
    with pytest.raises(AssertionError, match="recovered"):
        attacker.audit("exact")


def test_matching_rows_are_protected_against_their_published_total():
    """广西's rule read `44 | 35 | <10 | 79.5%`: 9 = 44 − 35. Matched + unmatched = meeting the condition."""
    import pandas as pd

    from evalkit.reporting import postassessment

    summary = pd.DataFrame(
        {
            "rule": ["a", "b", "c"],
            "label": ["甲", "乙", "丙"],
            "n_households": [44, 18, 48],
            "n_matched": [35, 4, 48],
            "n_unmatched": [9, 14, 0],
        }
    ).assign(share_matched=lambda d: d["n_matched"] / d["n_households"])
    table = postassessment.matching_table(summary)
    assert table.iloc[0, 1:].tolist() == ["44 户", disclosure.COMPLEMENTARY, "<10", disclosure.DERIVED]
    assert table.iloc[1, 1:].tolist() == ["18 户", "<10", disclosure.COMPLEMENTARY, disclosure.DERIVED]
    assert table.iloc[2, 1:].tolist() == ["48 户", "48", "0", "100.0%"]  # nothing hidden: nothing to protect
    # the attacker: each hidden part lies anywhere in [0, total]
    attacker = Attacker()
    truth = summary[["n_households", "n_matched", "n_unmatched"]].to_numpy()
    for r in range(3):
        texts = [table.iloc[r, j] for j in (1, 2, 3)]
        texts = [v if v not in HIDDEN else f"{v}{SEP}{n}" for v, n in zip(texts, truth[r], strict=True)]
        cells = [attacker.cell((r, j), v) for j, v in enumerate(texts)]
        attacker.sum_to(cells[0], cells[1:])
    assert attacker.audit("matching") == 4


def test_coverage_headers_carry_the_group_table_marks():
    """弥勒's coverage table read `弱劳动力或半劳动力 (7) | 无劳动能力 (13)` while the labour group
    table hid 7 as "<10" and 13 as "×"."""
    import pandas as pd

    from evalkit.reporting import postassessment

    groups = {"弱劳动力或半劳动力": 7, "无劳动能力": 13, "有劳动能力": 113}
    coverage = pd.DataFrame(
        [
            {"labour_capacity": g, "measure": m, "label": m, "n_households": n, "n_receiving": k, "share": k / n}
            for g, n in groups.items()
            for m, k in (("公益性岗位", 3 if n < 100 else 27), ("低保", 10 if n > 10 else 0))
        ]
    )
    table = postassessment.coverage_pivot(coverage, "labour_capacity")
    assert list(table.columns[1:]) == ["弱劳动力或半劳动力 (<10)", "无劳动能力 (×)", "有劳动能力 (113)"]
    # a share over a hidden group gives its size away (10 of 13 = 76.9%): hidden too
    assert table.iloc[:, 2].tolist() == [disclosure.DERIVED, disclosure.DERIVED]
    assert table.iloc[0, 3] == "23.9%"


def test_a_single_report_of_a_county_under_the_threshold_is_refused_and_its_host_includes_it(
    small_panel, tmp_path, capsys
):
    """`evalkit report 羊山新区` on its own: 信阳市's totals minus its other counties would give its
    figures, so it is refused with a note naming the sibling whose report includes it; that
    sibling's report includes it, as in a batch."""
    from evalkit.cli.commands import report_command
    from evalkit.reporting import batch

    small = registry.get_region("羊山新区")
    host, merged = batch.standalone_merge(small_panel, small.code, 2025)
    assert host is not None and merged == []
    assert batch.standalone_merge(small_panel, host, 2025) == (None, [small.code])
    assert batch.standalone_merge(small_panel, "mile", 2025) == (None, [])  # no report parent
    assert report_command("羊山新区", 2025, data=str(small_panel), out=str(tmp_path)) == 1
    err = capsys.readouterr().err
    assert "不单独公布" in err and "not published on its own" in err and f"evalkit report {host} 2025" in err
    assert not list(tmp_path.rglob("*.html"))
    # under a lower threshold of the run it is publishable by itself
    assert batch.standalone_merge(small_panel, small.code, 2025, disclosure.Rule(threshold=2)) == (None, [])


def miles_watch_grid():
    """弥勒's watch-list counts by hand (2 units and 合计; flags a, b, any) and their protected grid."""
    import pandas as pd

    values = np.array([[3, 4, 7], [5, 14, 19], [8, 18, 26]], dtype=float)
    counts = pd.DataFrame(
        [
            {"unit": u, "flag": f, "label": f, "n_households": values[i, j], "suppressed": False}
            for j, f in enumerate(["a", "b", "any_flag"])
            for i, u in enumerate(["甲", "乙", "合计"])
        ]
    )
    return values, present.watch_grid(counts, "unit")


def test_flows_are_protected_jointly_with_the_watch_list_table():
    """弥勒: the watch-list's 合计 read 26 flagged, the flows 19 still flagged and "<10" newly
    flagged: 7 = 26 − 19. Newly + still flagged = flagged now, protected over both tables."""
    import pandas as pd

    from evalkit.reporting import postassessment

    values, grid = miles_watch_grid()
    flows = pd.DataFrame(
        {
            "flag": ["a", "b", "any_flag"],
            "label": ["a", "b", "任一预警"],
            "n_new": [3.0, 4.0, 7.0],
            "n_still": [5.0, 14.0, 19.0],
            "n_left": [2.0, 12.0, 14.0],
        }
    ).assign(change_new=100.0, change_still=200.0, change_left=-50.0)
    table = postassessment.flows_table(flows, "zh", grid)
    any_row = table.iloc[2].tolist()
    assert any_row[1] == "<10" and any_row[3] == disclosure.COMPLEMENTARY  # 19 hidden so that 7 is not 26 − 19
    # the attacker over both tables
    attacker = Attacker()
    shown = grid.shown()
    truth = {}
    for r in range(3):
        for c in range(3):
            text = shown[r, c]
            truth[(r, c)] = attacker.cell(("w", r, c), text if text not in HIDDEN else f"{text}{SEP}{values[r, c]:.0f}")
    for c in range(3):
        attacker.sum_to(truth[(2, c)], [truth[(0, c)], truth[(1, c)]])
    for r in range(3):
        attacker.ubs.append({truth[(r, 2)]: 1.0, truth[(r, 0)]: -1.0, truth[(r, 1)]: -1.0})
        for c in range(2):
            attacker.at_most(truth[(r, c)], truth[(r, 2)])
    for r in range(3):
        new, still = (
            attacker.cell(("f", r, j), v if v not in HIDDEN else f"{v}{SEP}{flows.iloc[r][k]:.0f}")
            for j, k, v in ((1, "n_new", table.iloc[r, 1]), (3, "n_still", table.iloc[r, 3]))
        )
        attacker.sum_to(truth[(2, r)], [new, still])
    assert attacker.audit("flows") > 0


def test_the_results_json_hides_the_scorecard_counts_the_report_hides():
    from evalkit.reporting.report import published_target

    small = {"target_id": "check-flow-new", "unit": "households", "value": 7, "disclosure_state": "primary"}
    assert published_target(dict(small)) | {} == {"target_id": "check-flow-new", "unit": "households"} | {
        "value": None,
        "disclosure": "primary",
    }
    still = {"target_id": "check-flow-still", "unit": "households", "value": 19, "disclosure_state": "complementary"}
    assert published_target(dict(still))["value"] is None
    assert published_target({"unit": "households", "value": 4})["value"] is None  # under 10 by itself
    assert published_target({"unit": "households", "value": 40})["value"] == 40
    assert published_target({"unit": "percent", "value": 4.0})["value"] == 4.0


# ---------------------------------------------------------------------------------------------
# A report built from the real-shaped export fixtures (the "Done when")
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", pytest.param("en", marks=pytest.mark.slow)])
def test_attacker_recovers_nothing_from_a_report_built_from_the_national_export_fixtures(lang, tmp_path, monkeypatch):
    """The exports of the national monitoring system (tests/data/exports_national, as the README
    walkthrough ingests them) → dataset → 光山县 2024 with the county's own series filled in
    (23 households: most counts are under the threshold), audited like the demo reports (English:
    ``-m slow``; the default run audits English reports of the demo above)."""
    from test_walkthrough import FX, NATIONAL, _by_hand, _fill

    from evalkit.cli.commands import ingest_command
    from evalkit.evaluation.statistics_template import write_template

    monkeypatch.setenv("EVALKIT_PSEUDONYM_KEY", "disclosure-test-key")
    files = [
        NATIONAL / f
        for f in ("家庭成员信息_2023.xlsx", "家庭成员信息_2024.xlsx", "户信息_2024_gbk.csv", "两行表头_2024.xlsx")
    ]
    assert ingest_command([str(f) for f in files], str(tmp_path / "dataset")) == 0
    filled = _fill(write_template("光山县", 2024, tmp_path / "template.xlsx"), tmp_path / "filled.xlsx")
    region = registry.get_region("光山县")
    markup = render(
        region.code, 2024, tmp_path / "dataset", lang, monkeypatch, series=str(filled), programme=str(filled)
    )
    for raw in FX.RAW_IDENTIFIERS:
        assert raw not in markup
    attacker = Attacker()
    _, key_numbers = tables(markup)[0]
    totals = (count(key_numbers[0][2]), count(key_numbers[1][2]))
    assert totals[0] == _by_hand()[0]
    read_report(attacker, region.code, markup, totals, own=(region.name_zh, region.name_en))
    assert attacker.audit(f"{region.name_zh} (exports) {lang}") > 0


def test_the_scorecard_shows_unmatched_and_identification_counts_as_their_tables_do():
    """信阳市: the matching table read `18 户 | <10 | × | §` while the scorecard's 帮扶措施未匹配 row
    read `14 户`: 4 = 18 − 14. The scorecard's check rows take the states of the table they repeat."""
    import pandas as pd

    from evalkit.evaluation.identification import CHECKS
    from evalkit.reporting import postassessment

    summary = pd.DataFrame(
        {"rule": ["a", "b"], "label": ["甲", "乙"], "n_households": [435, 18], "n_matched": [294, 4]}
    ).assign(n_unmatched=lambda d: d["n_households"] - d["n_matched"])
    summary["share_matched"] = summary["n_matched"] / summary["n_households"]
    assert postassessment.matching_table(summary).iloc[1, 1:4].tolist() == ["18 户", "<10", disclosure.COMPLEMENTARY]
    counts = pd.DataFrame(
        [
            {"county": u, "check": c, "label": c, "n_households": 50, "n_flagged": n, "share": n / 50}
            for c, per in zip(CHECKS, ([3, 12, 15], [4, 4, 8], [0, 0, 0], [11, 20, 31], [5, 5, 10]), strict=False)
            for u, n in zip(["甲县", "乙县", "合计"], per, strict=True)
        ]
    )
    grid = postassessment.identification_grid(counts, "county")
    ids = [f"check-match-{r}" for r in summary["rule"]] + [f"check-{c}" for c in grid.flags]
    values = [141, 14, *grid.values[-1]]
    card = pd.DataFrame({"target_id": ids, "value": values, "unit": "households"})
    shown = postassessment.scorecard_states(card, match=summary, identification=grid)
    states = dict(zip(ids, shown["disclosure_state"], strict=True))
    assert states["check-match-a"] == disclosure.SHOWN and states["check-match-b"] == disclosure.SECONDARY
    assert [states[f"check-{c}"] for c in grid.flags] == list(grid.states[-1])
    assert grid.states[1, 0] == disclosure.SECONDARY and grid.states[-1, 1] == disclosure.PRIMARY  # 3 = 15 − 12; 8
    # the results JSON hides them alike
    from evalkit.reporting.report import published_target

    published = [published_target(row) for row in shown.to_dict(orient="records")]
    assert [p["value"] for p in published[:2]] == [141, None] and published[1]["disclosure"] == disclosure.SECONDARY


def test_coverage_headers_are_protected_with_the_groups_that_received_nothing():
    """淮滨县: 无劳动能力 1 household (received nothing, so not in the coverage table) and 有劳动能力
    42 (×) in the group table, but the coverage header read `有劳动能力 (42)`: 1 = 43 − 42. The
    group sizes of every group are protected together (``attrs["group_sizes"]``)."""
    import pandas as pd

    from evalkit.evaluation.coverage import coverage_table
    from evalkit.reporting import postassessment

    households = pd.DataFrame(
        {
            "household_id": [f"h{i}" for i in range(43)],
            "year": 2025,
            "is_tuopin": True,
            "is_monitored": False,
            "labour_full": [0] + [2] * 42,
            "labour_weak": 0,
            "household_size": 4,
        }
    )
    measures = pd.DataFrame(
        {"household_id": [f"h{i}" for i in range(1, 43)], "year": 2025, "measure": "public_welfare_post"}
    )
    measures["amount"] = 1000.0
    coverage = coverage_table(households, measures, 2025, by="labour_capacity")
    assert set(coverage["labour_capacity"]) == {"有劳动能力"} and sum(coverage.attrs["group_sizes"].values()) == 43
    table = postassessment.coverage_pivot(coverage, "labour_capacity")
    assert list(table.columns[1:]) == [f"有劳动能力 ({disclosure.COMPLEMENTARY})"]
