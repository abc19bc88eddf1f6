"""Disclosure control (issue 14) tested as an attacker would: read the published tables back,
write down every relation the attacker knows (totals, the 合计 row, the any-flag column, the
region totals of the other tables), and solve the LP for every hidden cell with an LP written
here (not the module's), failing on any interval narrower than the threshold and on any ``<10``
whose true value is 10 or more."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from evalkit.cli import commands
from evalkit.core import registry
from evalkit.demo import load_demo
from evalkit.evaluation import watchlist
from evalkit.indicators import income
from evalkit.reporting import batch, batch_index, disclosure, present, report, sections

T = disclosure.Rule().threshold
HIDDEN = {disclosure.primary_mark(), disclosure.COMPLEMENTARY, disclosure.DERIVED}


# ---------------------------------------------------------------------------------------------
# The attacker
# ---------------------------------------------------------------------------------------------


def attack(known: dict, unknown: list, eqs: list[dict], ubs: list[dict] = (), bounds: dict | None = None) -> dict:
    """Interval of every ``unknown`` cell given the ``known`` values, ``sum(coef * x) == 0`` for
    each of ``eqs`` and ``<= 0`` for each of ``ubs``, x >= 0 (integrality relaxed). ``bounds``:
    published cells known only to an interval ``(lo, hi)`` (a count shown rounded, ``1.30 万``):
    further variables of the LP, not audited themselves."""
    used = {cell for rel in (*eqs, *ubs) for cell in rel}
    bounds = {c: b for c, b in (bounds or {}).items() if c in used and c not in known and c not in unknown}
    variables = [*unknown, *bounds]
    index = {cell: i for i, cell in enumerate(variables)}
    limits = [(0, None)] * len(unknown) + [(max(lo, 0.0), hi) for lo, hi in bounds.values()]

    def rows(relations):
        a, b = [], []
        for rel in relations:
            row = np.zeros(len(variables))
            rhs = 0.0
            for cell, coef in rel.items():
                if cell in index:
                    row[index[cell]] += coef
                else:
                    rhs -= coef * known[cell]
            if row.any():
                a.append(row)
                b.append(rhs)
        return (np.array(a), np.array(b)) if a else (None, None)

    a_eq, b_eq = rows(eqs)
    a_ub, b_ub = rows(list(ubs))
    out = {}
    for cell in unknown:
        c = np.zeros(len(variables))
        c[index[cell]] = 1
        lo = linprog(c, A_eq=a_eq, b_eq=b_eq, A_ub=a_ub, b_ub=b_ub, bounds=limits, method="highs")
        hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, A_ub=a_ub, b_ub=b_ub, bounds=limits, method="highs")
        assert lo.status in (0, 3) and hi.status in (0, 3), "the published figures are inconsistent"
        out[cell] = (lo.fun if lo.status == 0 else 0.0, -hi.fun if hi.status == 0 else np.inf)
    return out


def parse_count(text: str) -> float | None:
    """The number in a formatted count cell (``1,234 户``, ``1.23 万户``, ``18``); ``None`` for a mark
    or a missing value (for audits that read published tables back)."""
    text = str(text).strip()
    if not text or text in (disclosure.COMPLEMENTARY, disclosure.DERIVED) or text.startswith("<"):
        return None
    scale = 1.0
    number = ""
    for ch in text:
        if ch.isdigit() or ch in ".-":
            number += ch
        elif ch == "万":
            scale = 10_000.0
    try:
        return float(number) * scale
    except ValueError:
        return None


def number(text: str) -> float | None:
    """A published count read back (``1,234 户``, ``1.23 万人``, ``18``); ``None`` for a mark."""
    if text in HIDDEN:
        return None
    value = parse_count(text)
    assert value is not None, f"unreadable cell {text!r}"
    return value


def assert_safe(shown: dict, truth: dict, eqs, ubs=(), where="", width=T):
    """``shown``: cell → display string (a count); ``truth``: cell → true value."""
    known = {cell: number(text) for cell, text in shown.items() if number(text) is not None}
    unknown = [cell for cell in shown if cell not in known]
    for cell in unknown:
        if shown[cell] == disclosure.primary_mark():
            assert 0 < truth[cell] < T, f"{where} {cell}: '<{T}' on a true value of {truth[cell]}"
    for cell, (lo, hi) in attack(known, unknown, eqs, ubs).items():
        assert hi - lo >= width - 1e-6, f"{where} {cell}: recovered in [{lo}, {hi}] (true {truth[cell]})"
    return len(unknown)


def one_d(table: pd.DataFrame, column: str, truth: list, total_text: str, total: float, where: str):
    """Rows of ``column`` adding up to a total published as ``total_text``."""
    shown = {("row", i): v for i, v in enumerate(table[column])} | {("total",): total_text}
    values = {("row", i): v for i, v in enumerate(truth)} | {("total",): total}
    eq = {("total",): 1.0} | {("row", i): -1.0 for i in range(len(table))}
    return assert_safe(shown, values, [eq], where=where)


def grid(shown: np.ndarray, truth: np.ndarray, where: str, any_column: bool = True):
    """A units × flags table (total row last, any-flag column last) as the watch-list publishes it."""
    rows, cols = truth.shape
    cells = {(r, c): shown[r, c] for r in range(rows) for c in range(cols)}
    values = {(r, c): truth[r, c] for r in range(rows) for c in range(cols)}
    eqs = [{(rows - 1, c): 1.0} | {(r, c): -1.0 for r in range(rows - 1)} for c in range(cols)]
    ubs = []
    if any_column:
        disjoint = np.allclose(truth[:, :-1].sum(axis=1), truth[:, -1])
        for r in range(rows):
            total = {(r, cols - 1): 1.0} | {(r, c): -1.0 for c in range(cols - 1)}
            if disjoint:  # the attacker knows the flags are disjoint (弥勒's labour groups)
                eqs.append(total)
            else:
                ubs.append(total)
                ubs += [{(r, c): 1.0, (r, cols - 1): -1.0} for c in range(cols - 1)]
    return assert_safe(cells, values, eqs, ubs, where=where)


def long_counts(values: np.ndarray, units: list, flags: list) -> pd.DataFrame:
    """The long table of :func:`evalkit.evaluation.watchlist.watchlist_counts` from a grid."""
    return pd.DataFrame(
        [
            {"township": u, "flag": f, "label": f, "n_households": float(values[i, j]), "suppressed": False}
            for j, f in enumerate(flags)
            for i, u in enumerate(units)
        ]
    )


# ---------------------------------------------------------------------------------------------
# The case of the issue, and the engine
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    return load_demo()


#: 弥勒市 2025 watch-list by township as the reviewer saw it (demo of the time): 2+ / 1 / no labourer, any.
MILE_2025 = {
    "东山镇": (23, 13, 11),
    "五山乡": (13, 18, 7),
    "巡检司镇": (19, 20, 10),
    "弥阳街道": (20, 16, 7),
    "新哨镇": (16, 15, 7),
    "朋普镇": (17, 18, 14),
    "江边乡": (14, 10, 12),
    "竹园镇": (22, 12, 6),
    "虹溪镇": (9, 13, 11),
    "西一镇": (28, 23, 10),
    "西三镇": (15, 13, 11),
    "西二镇": (20, 23, 8),
}


def test_mile_2025_watchlist_case_of_the_issue():
    """五山乡 read `<10 | 18 | <10 | 38` with 13 under the first "<10", and with three disjoint
    flags every row with one hidden cell was recovered from its total (虹溪镇 9, 弥阳街道 7, ...)."""
    parts = np.array(list(MILE_2025.values()), dtype=float)
    values = np.column_stack([parts, parts.sum(axis=1)])
    values = np.vstack([values, values.sum(axis=0)])
    flags = ["ml_below_10000_labour_2plus", "ml_below_10000_labour_1", "ml_below_10000_labour_0", "any_flag"]
    counts = long_counts(values, [*MILE_2025, "合计"], flags)
    table = present.watch_table(counts, "township")
    row = table[table.iloc[:, 0] == "五山乡"].iloc[0].tolist()
    assert row[1] == disclosure.COMPLEMENTARY  # 13 is hidden to protect 7, and says so: not "<10"
    assert row[2:] == ["18", disclosure.primary_mark(), "38"]
    g = present.watch_grid(counts, "township")
    assert grid(g.shown(), g.values, "弥勒市 2025") >= 10
    markup = present.table_html(table)  # the legend says what the marks mean, in both languages
    assert "“×”" in markup and "“&lt;10”" in markup
    assert "“×”" in present.table_html(present.watch_table(counts, "township", "en"))


def test_mile_2025_watchlist_on_the_demo(demo):
    region = registry.get_region("弥勒市")
    households = report.region_households(demo, region, 2025)
    watch = watchlist.watchlist(report.region_panel(demo, households), region, 2025)
    g = present.watch_grid(watchlist.watchlist_counts(watch, by="township"), "township")
    assert grid(g.shown(), g.values, "弥勒市 2025 demo") > 0


def test_a_lone_small_cell_is_protected_and_two_small_cells_that_sum_under_the_threshold_are_not_enough():
    values = np.array([7.0, 1.0, 40.0, 250.0, 298.0])  # four parts and their total (published elsewhere)
    eq = np.array([[-1, -1, -1, -1, 1.0]])
    primary = np.array([True, True, False, False, False])
    # 7 + 1: each lies in [0, 8], narrower than 10
    assert [i for i, _, _ in disclosure.unsafe_cells(values, primary, eq)] == [0, 1]
    hidden, safe = disclosure.protect(values, primary, eq, fixed=[False] * 4 + [True])
    assert safe and hidden.tolist() == [True, True, True, False, False]  # the smallest other cell, 40
    assert disclosure.unsafe_cells(values, hidden, eq) == []


def test_protection_interval_is_the_threshold_of_the_run():
    counts = [12, 14, 300]
    with disclosure.use_rule(disclosure.Rule(threshold=15)):
        states = disclosure.additive_states(counts)
        assert states.tolist() == ["primary", "primary", "shown"]  # 12 + 14 = 26 >= 15
        assert disclosure.primary_mark() == "<15"
        assert "15 户" in disclosure.methods_text("zh") and "15 households" in disclosure.methods_text("en")
    assert disclosure.additive_states(counts).tolist() == ["shown"] * 3


def test_zeros_are_shown_by_default_and_hidden_on_request():
    df = pd.DataFrame({"g": ["a", "b", "c"], "n_households": [0, 40, 55], "net_income_pc": [np.nan, 9e3, 1e4]})
    columns = {"g": "text", "n_households": "households", "net_income_pc": "yuan"}
    assert present.format_table(df, columns, adds_up=True)["户数"].tolist() == ["0 户", "40 户", "55 户"]
    with disclosure.use_rule(disclosure.Rule(suppress_zeros=True)):
        shown = present.format_table(df, columns, adds_up=True)
    assert shown["户数"].tolist()[0] == "<10" and shown["户数"].tolist().count(disclosure.COMPLEMENTARY) == 1


def test_shares_and_means_over_a_hidden_base_never_read_under_ten():
    df = pd.DataFrame(
        {
            "g": ["a", "b", "c"],
            "n_households": [8, 30, 45],
            "n_persons": [38, 100, 150],
            "net_income_pc": [15675.34, 12000.0, 13000.0],
            "share_wage": [0.55, 0.6, 0.7],
            "share_net_operating": [0.2, 0.1, 0.1],
            "share_transfer": [0.25, 0.3, 0.2],
        }
    )
    table = present.format_table(df, {"g": "text"} | sections.GROUP_COLUMNS, adds_up=True)
    hidden_rows = [i for i, v in enumerate(table["户数"]) if v in HIDDEN]
    assert hidden_rows == [0, 1]  # 8 and the smallest other row
    for column in table.columns[2:]:
        assert set(table[column].iloc[hidden_rows]) == {disclosure.DERIVED}, column
    assert disclosure.primary_mark() not in set(table.iloc[:, 2:].to_numpy().ravel())


# ---------------------------------------------------------------------------------------------
# Property tests on random tables
# ---------------------------------------------------------------------------------------------


def _small_heavy(rng, size):
    return np.where(rng.random(size) < 0.35, rng.integers(0, 10, size), rng.integers(10, 80, size)).astype(float)


def test_random_additive_tables_are_safe():
    rng = np.random.default_rng(14)
    columns = {"g": "text", "n_households": "households"}
    for trial in range(60):
        disclosure.set_forced()  # each table its own report
        counts = _small_heavy(rng, int(rng.integers(2, 12)))
        df = pd.DataFrame({"g": [f"g{i}" for i in range(len(counts))], "n_households": counts})
        table = present.format_table(df, columns, adds_up=True)
        total = counts.sum()
        total_text = present.format_table(pd.DataFrame({"g": ["t"], "n_households": [total]}), columns)["户数"][0]
        one_d(table, "户数", list(counts), total_text, total, f"trial {trial} {counts}")


def test_random_watch_grids_with_disjoint_flags_are_safe():
    rng = np.random.default_rng(1414)
    for trial in range(25):
        disclosure.set_forced()
        units, flags = int(rng.integers(2, 9)), int(rng.integers(2, 5))
        parts = _small_heavy(rng, (units, flags))
        values = np.column_stack([parts, parts.sum(axis=1)])
        values = np.vstack([values, values.sum(axis=0)])
        names = [f"u{i}" for i in range(units)] + ["合计"]
        g = present.watch_grid(long_counts(values, names, [f"f{j}" for j in range(flags)] + ["any_flag"]), "township")
        if g.merged:
            continue  # published at a coarser level: checked by its own test
        grid(g.shown(), g.values, f"disjoint trial {trial}")


def test_random_watch_grids_with_overlapping_flags_are_safe():
    rng = np.random.default_rng(4141)
    for trial in range(25):
        disclosure.set_forced()
        units, flags = int(rng.integers(2, 8)), int(rng.integers(2, 5))
        rows = []
        for _ in range(units):
            n = int(rng.integers(1, 60))
            member = rng.random((n, flags)) < rng.uniform(0.1, 0.6, flags)
            member = member[member.any(axis=1)]
            rows.append(list(member.sum(axis=0)) + [len(member)])
        values = np.array(rows, dtype=float)
        values = np.vstack([values, values.sum(axis=0)])
        names = [f"u{i}" for i in range(units)] + ["合计"]
        g = present.watch_grid(long_counts(values, names, [f"f{j}" for j in range(flags)] + ["any_flag"]), "township")
        if g.merged:
            continue
        grid(g.shown(), g.values, f"overlapping trial {trial}")


def test_linked_tables_sharing_a_margin_are_safe_together():
    """Two groupings of the same households (by area, by labour group) publish the same total:
    the attacker solves both at once."""
    rng = np.random.default_rng(77)
    columns = {"g": "text", "n_households": "households"}
    for trial in range(25):
        n = int(rng.integers(30, 200))
        area = rng.choice(6, n, p=rng.dirichlet(np.ones(6) * 0.6))
        group = rng.choice(4, n, p=rng.dirichlet(np.ones(4) * 0.6))
        shown, truth, eqs = {("N",): f"{n}"}, {("N",): float(n)}, []
        for name, codes, k in (("a", area, 6), ("b", group, 4)):
            disclosure.set_forced()  # two tables keyed alike (rows 0, 1, …): recorded apart
            counts = np.bincount(codes, minlength=k).astype(float)
            table = present.format_table(pd.DataFrame({"g": range(k), "n_households": counts}), columns, adds_up=True)
            shown |= {(name, i): v for i, v in enumerate(table["户数"])}
            truth |= {(name, i): c for i, c in enumerate(counts)}
            eqs.append({("N",): 1.0} | {(name, i): -1.0 for i in range(k)})
        assert_safe(shown, truth, eqs, where=f"linked trial {trial}")


def test_a_table_that_cannot_be_made_safe_is_published_coarser_and_says_so():
    # one flag, small townships everywhere: no choice of cells protects them at township level
    values = np.array([[3, 3], [4, 4], [2, 2], [60, 60], [69, 69]], dtype=float)
    counts = long_counts(values, ["甲乡", "乙乡", "丙乡", "丁镇", "合计"], ["f0", "any_flag"])
    g = present.watch_grid(counts, "township")
    table = present.watch_table(counts, "township")
    assert g.safe or g.merged
    grid(g.shown(), g.values, "coarse")
    assert table.attrs["merged"] == g.merged


# ---------------------------------------------------------------------------------------------
# Every table of every demo report region, both languages (section builders, no kernels)
# ---------------------------------------------------------------------------------------------


def _region_tables(panel, region, year, lang):
    households = report.region_households(panel, region, year)
    current = households[households["year"] == year]
    area = report.area_column(region)
    indicators = income.income_indicators(households)
    growth = income.growth_contributions(households)
    income_rows = sections.income_table(indicators, growth, lang)
    last = income_rows.iloc[-1]
    n_text, p_text = last.iloc[1], last.iloc[2]
    n, p = float(len(current)), float(current["household_size"].sum())
    out = []  # (name, display table, truth frame, by column)
    if area:
        by_area = income.income_indicators(current, by=[area])
        out.append(("area", sections.area_tables(households, year, area, lang)[1], by_area))
    labour = current.assign(labour_group=income.labour_group(current, "capacity", lang))
    truths = (
        income.income_indicators(labour, by=["labour_group"]),
        income.income_indicators(
            current.assign(relocated=current["relocated"].map({True: "relocated_yes", False: "relocated_no"})),
            by=["relocated"],
        ),
        income.income_indicators(current, by=["household_type"]),
    )
    for (heading, table), truth in zip(sections.group_tables(households, year, lang), truths, strict=True):
        out.append((heading, table, truth))
    return out, (n_text, n, p_text, p), households, area


def test_attacker_recovers_nothing_from_any_demo_report_table(demo):
    year = 2025
    audited = 0
    for region, lang in ((r, lang) for r in registry.report_regions() for lang in ("zh", "en")):
        disclosure.set_forced()  # each region's tables are its own report
        tables, (n_text, n, p_text, p), households, area = _region_tables(demo, region, year, lang)
        for name, table, truth in tables:
            where = f"{region.name_zh} {name} {lang}"
            audited += one_d(table, table.columns[1], list(truth["n_households"]), n_text, n, where)
            # persons of hidden rows are hidden too, and add up to the published persons total
            one_d(table, table.columns[2], list(truth["n_persons"]), p_text, p, where + " persons")
            # means and shares of a hidden row: their own mark, never "<10"
            hidden = [v in HIDDEN for v in table.iloc[:, 1]]
            for column in table.columns[2:]:
                cells = table[column][hidden]
                assert set(cells) <= {disclosure.DERIVED}, (where, column)
        moves = sections.transition_tables(households, demo.years, year, lang, include_synthetic=True)
        for (suffix, table), line in zip(moves, (10_000, "monitoring_line"), strict=True):
            real = income.transitions(households, line, year - 1, year, include_synthetic=True)["n_households"]
            # the moves add up to the households of both years, which any published share gives away
            total = float(real.sum())
            one_d(table, table.columns[1], list(real), f"{total:.0f}", total, f"{region.name_zh} {suffix} {lang}")
        if lang == "zh":  # the list itself does not depend on the language, its labels do
            watch = watchlist.watchlist(report.region_panel(demo, households), region, year)
        by = area or region.level
        counts = watchlist.watchlist_counts(watch, by=by, lang=lang)
        g = present.watch_grid(counts, by, lang)
        audited += grid(g.shown(lang), g.values, f"{region.name_zh} watch-list {lang}", g.flags[-1] == "any_flag")
    assert audited > 100  # the demo has many hidden cells: the test looked at them


def test_results_json_and_comparison_carry_the_same_suppression_as_the_tables(demo):
    region = registry.get_region("羊山新区")
    year = 2025
    households = report.region_households(demo, region, year)
    indicators = income.income_indicators(households)
    growth = income.growth_contributions(households)
    below = income.below_threshold(households, 10_000)
    numbers = report.key_numbers(indicators, growth, growth.iloc[0:0], growth.iloc[0:0], below, below, year)
    table = sections.key_numbers_table(numbers, "zh")
    watch = watchlist.watchlist(report.region_panel(demo, households), region, year)
    counts = watchlist.watchlist_counts(watch, by="township")
    payload = report.results_payload(region, year, "zh", demo, {}, numbers, watch_counts=counts)
    payload = json.loads(report.results_json(payload))
    shown = dict(zip(numbers["key"], table.iloc[:, 2], strict=True))
    for key, value in payload["key_numbers"].items():
        assert (value is None) == (shown[key] in HIDDEN or str(shown[key]).startswith(present.MISSING)), key
        if key in payload["suppression"]:
            assert disclosure.mark(payload["suppression"][key]) == shown[key], key
    watch_total = present.watch_table(counts, "township").iloc[-1, 1:].tolist()
    for cell, text in zip(payload["watchlist_counts"], watch_total, strict=True):
        assert (cell["n_households"] is None) == (text in HIDDEN)
        if cell["n_households"] is not None:
            assert f"{int(cell['n_households'])}" == text
    outcome = report.ReportOutcome(region=region.code, year=year, status="ok", results=payload)
    (row,) = batch_index.comparison_rows([outcome], [region])
    for key in batch_index.INDEX_NUMBERS:
        assert row[key] == (shown[key] if shown[key] in HIDDEN else payload["key_numbers"][key]), key
    assert "<10" not in {row[k] for k in batch_index.INDEX_NUMBERS if k != "n_households"}


# ---------------------------------------------------------------------------------------------
# Across the reports of a batch: a prefecture and its counties together
# ---------------------------------------------------------------------------------------------


def _watch_counts(demo, region, year, lang="zh"):
    households = report.region_households(demo, region, year)
    watch = watchlist.watchlist(report.region_panel(demo, households), region, year)
    by = report.area_column(region) or region.level
    return watch, watchlist.watchlist_counts(watch, by=by, lang=lang), by


@pytest.mark.parametrize("parent", ["信阳市", "广西壮族自治区"])
def test_parent_watch_list_minus_a_child_report_recovers_nothing(demo, parent):
    """The prefecture's watch-list by county and every county's own watch-list (total row =
    the county's row in the prefecture's table), solved together by one attacker."""
    year = 2025
    region = registry.get_region(parent)
    watch, counts, by = _watch_counts(demo, region, year)
    fixed = report.child_watch_states(watch, region)
    top = present.watch_grid(counts, by, fixed_rows=fixed)
    shown, truth, eqs, ubs = {}, {}, [], []

    def add(name, g):
        rows, cols = g.values.shape
        for r in range(rows):
            for c in range(cols):
                shown[(name, r, c)] = g.shown()[r, c]
                truth[(name, r, c)] = g.values[r, c]
        eqs.extend({(name, rows - 1, c): 1.0} | {(name, r, c): -1.0 for r in range(rows - 1)} for c in range(cols))
        if np.allclose(g.values[:, :-1].sum(axis=1), g.values[:, -1]):
            eqs.extend({(name, r, cols - 1): 1.0} | {(name, r, c): -1.0 for c in range(cols - 1)} for r in range(rows))
        else:
            for r in range(rows):
                ubs.append({(name, r, cols - 1): 1.0} | {(name, r, c): -1.0 for c in range(cols - 1)})
                ubs.extend({(name, r, c): 1.0, (name, r, cols - 1): -1.0} for c in range(cols - 1))

    add("top", top)
    children = 0
    for i, unit in enumerate(top.units[:-1]):
        child = registry.get_region(unit)
        if not child.report:
            continue
        _, child_counts, child_by = _watch_counts(demo, child, year)
        disclosure.set_forced()  # the child's own report
        g = present.watch_grid(child_counts, child_by)
        assert list(g.values[-1]) == list(top.values[i]), unit  # the same households, the same flags
        assert list(g.shown()[-1]) == list(top.shown()[i]), unit  # shown exactly as the child shows them
        add(unit, g)
        last = g.values.shape[0] - 1
        eqs.extend({(unit, last, c): 1.0, ("top", i, c): -1.0} for c in range(g.values.shape[1]))
        children += 1
    assert children >= 10
    assert_safe(shown, truth, eqs, ubs, where=f"{parent} and its children")


def test_a_county_under_the_threshold_is_published_inside_its_smallest_sibling(tmp_path):
    """信阳市 minus its other counties gave 羊山新区's hidden figures exactly: a child region under
    the threshold is published merged into its smallest sibling everywhere (host report, the
    parent's rows, the batch's comparison), so the parent's totals are sums of published units."""
    from evalkit.demo import generate_panel

    panel = generate_panel(households=1500)
    parent = registry.get_region("信阳市")
    households = report.region_households(panel, parent, 2025)
    current = households[households["year"] == 2025]
    assert 0 < (current["county"] == "羊山新区").sum() < T  # the case of the issue
    plan = report.merge_plan(households, parent, 2025)
    sizes = current.groupby("county").size()
    host = min((n, c) for c, n in sizes.items() if n >= T)[1]  # the cost rule: the smallest sibling
    assert {registry.get_region(h).name_zh: s for h, s in plan.items()} == {host: ["xinyang-yangshan"]}
    published = {}
    for child in registry.children(parent):
        if child.code in plan.get(registry.get_region(host).code, []):
            continue
        region = report.merged_region(child, plan.get(child.code, []))
        published[child.code] = int((report.region_households(panel, region, 2025)["year"] == 2025).sum())
    assert sum(published.values()) == len(current)  # every household of the parent in exactly one published unit
    assert min(published.values()) >= T
    by_area = income.income_indicators(report.merge_areas(current, "county", plan), by=["county"])
    assert f"{host} (含羊山新区)" in set(by_area["county"]) and "羊山新区" not in set(by_area["county"])
    folder = tmp_path / "panel"
    from evalkit.core.panel import save_panel

    save_panel(panel, folder)
    regions = [parent, *registry.children(parent)]
    assert batch.merge_hosts(folder, regions, 2025) == plan
    assert batch.merge_hosts(folder, [parent, registry.get_region("羊山新区")], 2025) == {}  # host not in the batch


def _tables(html: str) -> list[list[list[str]]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    out = []
    for table in soup.select("table.ek-table"):
        head = [th.get_text(" ", strip=True) for th in table.select("thead th")]
        body = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in table.select("tbody tr")]
        out.append([head, *body])
    return out


def _watch_rows(html: str) -> dict[str, list[str]]:
    (table,) = [t for t in _tables(html) if t[0][-1] == "任一预警"]
    return {row[0]: row[1:] for row in table[1:]}


def test_full_batch_of_a_prefecture_and_its_counties_through_papermill(tmp_path):
    """信阳市 and its 11 counties as one batch (kernels, html only) on a panel where 羊山新区 has
    fewer than 10 households: nothing of it can be recovered from comparison.csv, index.html or
    the reports; the prefecture's watch-list rows are exactly the counties' own 合计 rows; the
    JSON totals are the HTML's."""
    import csv

    from evalkit.core.panel import save_panel
    from evalkit.demo import generate_panel

    panel = generate_panel(households=1500)
    folder = tmp_path / "panel"
    save_panel(panel, folder)
    parent = registry.get_region("信阳市")
    counties = registry.children(parent)
    codes = ",".join([parent.code, *(c.code for c in counties)])
    assert commands.batch_command(2025, regions=codes, jobs=2, data=str(folder), out=str(tmp_path), formats="html") == 0
    year = tmp_path / "2025"
    rows = {r["region"]: r for r in csv.DictReader((year / "comparison.csv").open(encoding="utf-8"))}
    assert rows["xinyang-yangshan"]["status"] == "merged" and not rows["xinyang-yangshan"]["n_households"]
    hosts = [r for r in rows.values() if "含羊山新区" in r["name_zh"]]
    assert len(hosts) == 1 and hosts[0]["status"] == "ok"
    assert not (year / "xinyang-yangshan.html").exists()
    published = [float(r["n_households"]) for code, r in rows.items() if code != parent.code and r["n_households"]]
    assert sum(published) == float(rows[parent.code]["n_households"])  # the total is a sum of published units
    assert all(v >= T for v in published)
    index = (year / "index.html").read_text(encoding="utf-8")
    assert "并入" in index and f'href="{hosts[0]["region"]}.html"' in index
    host_html = (year / f"{hosts[0]['region']}.html").read_text(encoding="utf-8")
    assert "含羊山新区" in host_html and "本报告包括 羊山新区" in host_html
    top_html = (year / f"{parent.code}.html").read_text(encoding="utf-8")
    top = _watch_rows(top_html)
    assert "羊山新区" not in top and any("含羊山新区" in unit for unit in top)
    for county in counties:
        if county.code == "xinyang-yangshan":
            continue
        own = _watch_rows((year / f"{county.code}.html").read_text(encoding="utf-8"))
        (row,) = [v for unit, v in top.items() if unit.split(" (")[0] == county.name_zh]
        assert own["合计"] == row, county.name_zh  # the county's row in the prefecture = its own total row
    results = json.loads((year / f"{parent.code}.json").read_text(encoding="utf-8"))
    shown_total = top["合计"]
    for cell, text in zip(results["watchlist_counts"], shown_total, strict=True):
        assert (cell["n_households"] is None) == (text in HIDDEN)
    assert "“×”" in top_html and "阈值 10 户" in top_html  # legend and the methods text state the rule
