"""Optional means optional (issue 12, item 4): with any optional column of data/columns.csv
absent, every report section, the scorecard and the watch-list run and say what they could not
compute (data/column_uses.csv); missing is shown as 无数据 / n/a, never "<10" or 0 (item 6)."""

from __future__ import annotations

import dataclasses
import warnings

import pandas as pd
import pytest

from evalkit.core import registry
from evalkit.core.column_uses import column_uses, optional_columns, skipped_lines
from evalkit.core.schema import household_columns
from evalkit.evaluation import coverage, integrity, scorecard, watchlist
from evalkit.indicators import income
from evalkit.reporting import disclosure, postassessment, present, report, sections

#: A county of each watch-list rule set (江西: 上犹县, 弥勒: 弥勒市, 广西: 北海市) and a 信阳 county
#: (reference rules); the report year has a previous year in the data.
REGIONS = (("上犹县", 2024), ("弥勒市", 2023), ("北海市", 2023), ("光山县", 2025))
#: Columns whose absence changes the effect estimates' covariates: only these run the estimator.
EFFECT_COLUMNS = {"labour_full", "labour_weak", "doudi", "relocated"}


def report_content(panel, region: str, year: int, lang: str = "zh", effects: bool = False) -> dict:
    """Every display table, chart input and note the report notebook shows, built by the same
    calls as notebooks/report.ipynb (the fast path: no kernel)."""
    region_info = registry.get_region(region)
    households = report.region_households(panel, region_info, year)
    base = min(panel.years)
    synthetic = panel.synthetic
    own_column = region_info.level if region_info.level != "country" else None
    area = report.area_column(region_info, households.columns) or own_column
    indicators = income.income_indicators(households)
    growth_prev = income.growth_contributions(households)
    growth_base = income.growth_contributions(households, base_year=base) if base < year else growth_prev.iloc[0:0]
    tuopin = households[households["is_tuopin"]]
    gap = income.gap_to_rural(
        income.income_indicators(tuopin, by=[own_column]), own_column, include_synthetic=synthetic
    )
    below = {
        "line_10000": income.below_threshold(households, 10_000),
        "line_monitoring": income.below_threshold(households, "monitoring_line", include_synthetic=synthetic),
    }
    card = scorecard.scorecard(panel, region_info, year, lang=lang)
    region_data = report.region_panel(panel, households)
    watch = watchlist.watchlist(region_data, region_info, year)
    watch_counts = watchlist.watchlist_counts(watch, by=area, lang=lang)
    numbers = report.key_numbers(
        indicators, growth_prev, growth_base, gap, below["line_10000"], below["line_monitoring"], year
    )
    out = {
        "key_numbers": sections.key_numbers_table(numbers, lang),
        "scorecard": sections.scorecard_tables(card, lang),
        "income": sections.income_table(indicators, growth_prev, lang),
        "structure": sections.structure_table(indicators, lang),
        "growth": sections.growth_tables(growth_prev, growth_base, lang),
        "gap": sections.gap_table(gap, lang),
        "below": sections.below_tables(below, lang),
        "below_chart": sections.below_chart_data(below),
        "transitions": sections.transition_tables(households, panel.years, year, lang, include_synthetic=synthetic),
        "share_above": sections.share_above_table(households, panel.years, base, year, lang),
        "groups": sections.group_tables(households, year, lang),
        "inequality": sections.inequality_tables(households, year, lang),
        "watch": present.watch_table(watch_counts, area, lang),
        "watch_notes": sections.watch_notes(watch_counts, lang),
        "integrity": sections.integrity_tables(
            integrity.integrity_checks(region_data, region_info, year, lang=lang), lang
        ),
        "not_computed": sections.not_computed_notes(households.columns, lang),
        "matching": postassessment.matching_table(
            coverage.match_summary(coverage.region_support_match(region_data, region_info, year), by=None, lang=lang),
            lang,
        ),
        "coverage": postassessment.coverage_pivot(
            coverage.coverage_table(households, region_data.measures, year, by="labour_capacity", lang=lang),
            "labour_capacity",
            lang,
        ),
        "json": report.results_payload(
            region_info, year, lang, panel, {"region": region_info.code, "year": year}, numbers, card, watch_counts
        ),
    }
    if report.area_column(region_info):
        out["areas"] = sections.area_tables(households, year, report.area_column(region_info), lang)
    if effects:
        out["effects"] = sections.effect_sections(region_data, report.report_measures(), lang)
    return out


@pytest.fixture(scope="module")
def demo_panel():
    from evalkit.demo import generate_panel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return generate_panel(households=900)


def _without(panel, column: str):
    return dataclasses.replace(panel, households=panel.households.drop(columns=[column]))


def _all_text(content) -> str:
    """Every string of the report content (tables' cells and headers, notes), for searching."""
    parts: list[str] = []

    def walk(x):
        if isinstance(x, pd.DataFrame):
            parts.extend(map(str, x.columns))
            parts.extend(str(v) for v in x.to_numpy().ravel())
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list | tuple):
            for v in x:
                walk(v)
        elif isinstance(x, str):
            parts.append(x)
        elif isinstance(x, sections.MeasureSection):
            walk(x.table)
            parts.append(x.reason)

    walk(content)
    return "\n".join(parts)


def test_column_uses_name_only_optional_columns_and_every_used_optional_column():
    uses = column_uses()
    optional = set(optional_columns())
    assert set(uses["column"]) <= optional, set(uses["column"]) - optional
    identifiers = {n for n, c in household_columns().items() if c.kind == "identifier"}
    # every optional column but the identifiers (dropped at ingest) is used by some analysis
    # kind "input" (monitoring_category) is folded into household_type at ingest, never in a panel
    inputs = {n for n, c in household_columns().items() if c.kind == "input"}
    assert inputs == {"monitoring_category"}
    assert optional - identifiers - inputs - {"risk_eliminated_year"} <= set(uses["column"])
    assert (uses["source"] != "").all() and (uses["analysis_zh"] != "").all() and (uses["analysis_en"] != "").all()


def test_validate_lines_name_the_column_and_the_analysis_in_both_languages():
    columns = [c for c in household_columns() if c != "monitoring_start_year"]
    lines = skipped_lines(columns)
    assert lines == [
        "数据中无「纳入监测年度」, 未计算: 预警「纳入两年及以上仍未消除风险的监测对象」 / the data has no column "
        '"year entered monitoring" (monitoring_start_year): not computed: watch-list flag "监测对象 still at risk '
        'after two years or more"'
    ]


OPTIONAL_PRESENT = [
    c
    for c in optional_columns()
    if household_columns()[c].kind not in ("identifier", "input") and not c.startswith("reported_")
]
#: The region whose report uses the column most (watch-list rules by region); others: 北海市 (广西 rules).
REGION_OF = {"monitoring_start_year": "上犹县", "risk_eliminated": "上犹县", "township": "上犹县", "village": "上犹县"}
REGION_OF |= {"labour_full": "弥勒市", "labour_weak": "弥勒市", "doudi": "上犹县", "relocated": "上犹县"}
#: The transfer-detail columns serve one analysis: dropped together.
TRANSFER = tuple(c for c in OPTIONAL_PRESENT if c.startswith("transfer_"))
CASES = [(c,) for c in OPTIONAL_PRESENT if c not in TRANSFER] + [TRANSFER]


@pytest.mark.parametrize("columns", CASES, ids=[c[0] if len(c) == 1 else "transfer_detail" for c in CASES])
def test_report_content_complete_without_each_optional_column(demo_panel, columns):
    assert set(columns) <= set(demo_panel.households.columns), "the demo panel should hold every optional column"
    panel = dataclasses.replace(demo_panel, households=demo_panel.households.drop(columns=list(columns)))
    column = columns[0]
    region = REGION_OF.get(column, "北海市")
    year = dict(REGIONS)[region]
    content = report_content(panel, region, year, effects=column in EFFECT_COLUMNS)
    text = _all_text(content)
    label = household_columns()[column].label_zh
    if column in set(column_uses()["column"]):
        assert any(f"「{label}」" in note for note in content["not_computed"]), content["not_computed"]
    if column in ("labour_full", "labour_weak"):
        labour = dict(content["groups"])["sub_by_labour"]
        assert isinstance(labour, present.Unavailable) and f"「{label}」" in labour
        assert len(content["watch_notes"]) == 3  # the three 弥勒 labour flags: not evaluable, not 0
        for part in ("matching", "coverage"):  # post-assessment: said where the table would be, never raised
            assert isinstance(content[part], present.Unavailable) and f"「{label}」" in content[part], part
        checks = content["json"]["scorecard"]
        match_rows = [r for r in checks if str(r.get("target_id", "")).startswith("check-match")]
        assert match_rows and all(r["status_code"] == "not_measurable" for r in match_rows), match_rows
    if column == "relocated":
        assert isinstance(dict(content["groups"])["sub_by_relocated"], present.Unavailable)
    if column in ("monitoring_start_year", "risk_eliminated"):
        assert any("纳入两年及以上仍未消除风险的监测对象" in n and "无法判断" in n for n in content["watch_notes"])
        assert "jx_long_monitored" not in set(watch_flags(content))
    if column == "village":
        assert "「村(社区)」" in text
    if column in EFFECT_COLUMNS:  # a small region: design reasons (too few treated), never a missing column
        assert len(content["effects"]) == len(report.report_measures())
        assert not any(column in part.reason for part in content["effects"])


@pytest.mark.parametrize("drop", [["labour_full", "labour_weak"], ["doudi", "relocated"], ["labour_weak"]])
def test_effect_covariates_without_optional_columns(demo_panel, drop):
    from evalkit.effects.measures import baseline

    households = demo_panel.households.drop(columns=drop)
    base = baseline(households)
    for column in drop:
        covariate = {"labour_full": "labour", "labour_weak": "labour"}.get(column, column)
        if covariate == "labour" and len(drop) == 1:  # the other count is still used
            assert base["labour"].equals(
                pd.Series(
                    households.sort_values("year", kind="stable")
                    .drop_duplicates("household_id")["labour_full"]
                    .fillna(0)
                    .to_numpy(float)
                ).rename("labour")
            )
        else:
            assert base[covariate].nunique() == 1  # constant: dropped by the estimation
    if "labour_full" in drop or "labour_weak" in drop:
        assert (base["labour_group"] == "").all()


@pytest.mark.parametrize("region,year", REGIONS[1:])
def test_report_content_of_other_regions_without_labour_and_monitoring_columns(demo_panel, region, year):
    drop = ["labour_full", "labour_weak", "monitoring_start_year", "village", "township"]
    panel = dataclasses.replace(demo_panel, households=demo_panel.households.drop(columns=drop))
    content = report_content(panel, region, year)
    assert len(content["not_computed"]) >= 5


def watch_flags(content) -> list[str]:
    return [r["flag"] for r in content["json"].get("watchlist_counts", []) if r.get("evaluable", True)]


def test_report_content_in_english_without_labour_counts(demo_panel):
    panel = _without(_without(demo_panel, "labour_full"), "labour_weak")
    content = report_content(panel, "弥勒市", 2023, lang="en")
    labour = dict(content["groups"])["sub_by_labour"]
    assert isinstance(labour, present.Unavailable)
    assert labour.startswith("the data has no column")
    assert all("n/a" in line or "not evaluable" in line for line in content["watch_notes"])
    assert len(content["watch_notes"]) == 3  # the three 弥勒 labour flags


# --- missing is not suppressed is not zero (item 6) -------------------------------------------


def test_format_table_shows_missing_values_as_no_data_not_as_suppressed():
    table = pd.DataFrame({"n_households": [float("nan"), 5, 40], "net_income_pc": [float("nan"), 9000.0, 12000.0]})
    zh = present.format_table(table, {"n_households": "households", "net_income_pc": "yuan"}, "zh")
    disclosure.set_forced()  # the English report
    en = present.format_table(table, {"n_households": "households", "net_income_pc": "yuan"}, "en")
    # the mean over 5 households is hidden as derived (§, the disclosure rule), the missing one is 无数据
    assert list(zh.iloc[:, 0]) == ["无数据", "<10", "40 户"]
    assert list(zh.iloc[:, 1]) == ["无数据", "§", "12,000 元"]
    assert list(en.iloc[:, 1]) == ["n/a", "§", "12,000 yuan"]
    assert present.fmt_pct(None, "en") == "n/a" and present.fmt_pct(0.0) == "0.0%"


def test_key_numbers_without_monitoring_line_say_no_data_not_under_ten():
    numbers = pd.DataFrame(
        {
            "key": ["n_persons_below_monitoring", "n_households"],
            "value": [float("nan"), 0.0],
            "kind": ["persons", "households"],
            "n_households": [float("nan"), 0.0],
            "population": ["pop_all", "pop_all"],
        }
    )
    shown = sections.key_numbers_table(numbers, "zh").iloc[:, 2].tolist()
    assert shown == ["无数据", "0 户"]  # a true zero is shown (zeros are not small cells); no line is no data


def test_first_panel_year_income_fell_is_not_evaluable_not_zero(demo_panel):
    first = min(demo_panel.years)
    watch = watchlist.watchlist(demo_panel, "北海市", first)
    assert {"gx_income_fell", "gx_slow_growth"} <= set(watch.attrs["not_evaluable"])
    assert "gx_income_fell" not in watch.columns
    counts = watchlist.watchlist_counts(watch, by="county", lang="zh")
    fell = counts[counts["flag"] == "gx_income_fell"]
    assert len(fell) and fell["n_households"].isna().all() and not fell["evaluable"].any()
    assert (~fell["suppressed"]).all()
    assert f"{first - 1}" in fell["reason"].iloc[0]
    table = present.watch_table(counts, "county", "zh")
    assert set(table["收入不增反降"]) == {"无数据"}


def test_slow_growth_without_rural_series_is_not_evaluable(demo_panel, monkeypatch):
    from evalkit.core import comparison

    real = comparison.series

    def no_rural(name, *args, **kwargs):
        table = real(name, *args, **kwargs)
        return table.iloc[0:0] if name == "rural_disposable_income" else table

    monkeypatch.setattr(comparison, "series", no_rural)
    watch = watchlist.watchlist(demo_panel, "北海市", 2023)
    reason = watch.attrs["not_evaluable"]["gx_slow_growth"]
    assert "农村居民人均可支配收入" in reason["zh"] and "rural" in reason["en"]
    assert "gx_income_fell" not in watch.attrs["not_evaluable"]
    notes = sections.watch_notes(watchlist.watchlist_counts(watch, by="county"), "zh")
    assert notes == [f"收入增速缓慢: 无法判断 — {reason['zh']}"]


def test_papermill_report_without_labour_monitoring_and_village_columns(tmp_path):
    """The real notebook through papermill on a panel lacking optional columns: it completes and
    says what it could not compute, where it would have been."""
    from evalkit.core.panel import save_panel
    from evalkit.demo import generate_panel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = generate_panel(households=1500)
    drop = ["labour_full", "labour_weak", "monitoring_start_year", "village"]
    panel = dataclasses.replace(panel, households=panel.households.drop(columns=drop))
    folder = tmp_path / "panel"
    save_panel(panel, folder)
    outcome = report.run_report("shangyou", 2024, data=folder, out=tmp_path / "reports", formats="html")
    assert outcome.ok, outcome.error
    html = outcome.html.read_text(encoding="utf-8")
    assert "数据中无「劳动力人数」、「弱劳动力或半劳动力人数」, 未计算: 按劳动能力分组的收入" in html
    assert "纳入两年及以上仍未消除风险的监测对象: 无法判断" in html
    assert "未能计算的内容" in html and "数据中无「纳入监测年度」" in html
    assert "未计算: 帮扶措施与劳动能力匹配核查" in html and "未计算: 按劳动能力分组的帮扶措施覆盖率" in html
    assert "Traceback" not in html


def test_missing_key_numbers_carry_their_reason_to_the_report_json_and_comparison(demo_panel):
    """Real (non-synthetic) data without published monitoring lines, in the first panel year:
    the monitoring-line count and the growth are 无数据 with their reason, null in the JSON with the
    reason in ``unavailable``, empty in comparison.csv with the reason — never "<10" and never 0."""
    from types import SimpleNamespace

    from evalkit.reporting import batch_index

    first = min(demo_panel.years)
    real = dataclasses.replace(demo_panel, meta={**demo_panel.meta, "synthetic": False})
    content = report_content(real, "北海市", first)
    shown = dict(zip(content["key_numbers"].iloc[:, 0], content["key_numbers"].iloc[:, 2], strict=True))
    assert shown["低于防止返贫监测线人数"].startswith("无数据 (缺少该省该年的防止返贫监测线")
    assert shown[present.t("growth_prev")].startswith("无数据 (数据中没有该年可比的记录")
    payload = content["json"]
    assert payload["key_numbers"]["n_persons_below_monitoring"] is None
    assert "n_persons_below_monitoring" not in payload["suppressed_keys"]
    assert payload["unavailable"]["n_persons_below_monitoring"]["en"].startswith("no monitoring line")
    assert payload["unavailable"]["growth_prev"]["zh"].startswith("数据中没有该年可比的记录")
    assert "net_income_pc" not in payload["unavailable"]
    region = registry.get_region("北海市")
    outcome = SimpleNamespace(results=payload, status="ok", error="", ok=True)
    row = batch_index.comparison_rows([outcome], [region])[0]
    assert row["n_persons_below_monitoring"] is None and row["growth_prev"] is None
    assert "n_persons_below_monitoring: 缺少该省该年的防止返贫监测线" in row["not_available"]
