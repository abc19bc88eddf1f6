"""The report's section builders (evalkit.sections): suppression, labels, populations, the effects
loop's DesignError handling and the integrity aggregation, on small hand-made frames."""

import math

import pandas as pd
import pytest

from evalkit.core.errors import DesignError, EvalkitError
from evalkit.evaluation.targets import targets_table
from evalkit.indicators import income
from evalkit.reporting import disclosure, sections


def test_key_numbers_table_names_population_and_suppresses_small_counts():
    numbers = pd.DataFrame(
        {
            "key": ["net_income_pc", "ratio_rural_to_tuopin", "rural_income", "n_persons_below_monitoring"],
            "value": [19807.4, 1.12, 21000.0, 37.0],
            "kind": ["yuan", "ratio", "yuan", "persons"],
            "n_households": [500, 480, 500, 9],
            "population": ["pop_all", "pop_tuopin", "pop_rural", "pop_all"],
        }
    )
    zh = sections.key_numbers_table(numbers, "zh")
    assert list(zh.columns) == ["指标", "人口范围", "实际值"]
    assert zh["人口范围"].tolist() == [
        "脱贫人口和监测对象 (面板全部农户)",
        "脱贫人口",
        "农村居民 (统计公报)",
        "脱贫人口和监测对象 (面板全部农户)",
    ]
    assert zh["实际值"].tolist()[0] == "19,807 元"
    assert zh["实际值"].tolist()[3] == disclosure.DERIVED  # persons over 9 households below the line: not "<10"
    en = sections.key_numbers_table(numbers, "en")
    assert en.iloc[1, 1] == "people lifted out of poverty (tuopin renkou)"
    assert en.iloc[0, 1].startswith("all households in the panel")


def test_key_numbers_label_the_gap_rows_as_tuopin_only():
    from evalkit.reporting.report import key_numbers

    year = pd.DataFrame({"year": [2025], "n_households": [50], "n_persons": [150], "net_income_pc": [19807.0]})
    growth = pd.DataFrame({"year": [2025], "growth_rate": [0.05], "n_households": [50]})
    gap = pd.DataFrame(
        {
            "year": [2025],
            "rural_income": [21000.0],
            "ratio_rural_to_tuopin": [1.05],
            "growth_differential_pp": [0.4],
            "n_households": [45],
        }
    )
    below = pd.DataFrame(
        {"year": [2025], "share_persons_below": [0.1], "n_persons_below": [15], "n_households_below": [12]}
    )
    numbers = key_numbers(year, growth, growth, gap, below, below, 2025).set_index("key")
    assert numbers.loc["ratio_rural_to_tuopin", "population"] == "pop_tuopin"
    assert numbers.loc["ratio_rural_to_tuopin", "n_households"] == 45
    assert numbers.loc["net_income_pc", "population"] == "pop_all"
    assert numbers.loc["rural_income", "population"] == "pop_rural"


def test_every_target_unit_has_a_label_in_both_languages():
    units = set(targets_table()["unit"])
    assert {"percent", "flag", "yuan", "persons", "share", "industries", "villages", "ratio"} <= units
    for unit in units:
        zh, en = sections.unit_label(unit, "zh"), sections.unit_label(unit, "en")
        assert zh and en
        assert not any(c.isascii() and c.isalpha() for c in zh), f"{unit}: Chinese label {zh!r} has Latin letters"
    assert sections.unit_label("villages", "en") == "villages"
    with pytest.raises(EvalkitError, match="unit_furlongs") as info:
        sections.unit_label("furlongs")
    assert info.value.code == "E-LABEL-MISSING"


def test_scorecard_tables_translate_units_and_count_statuses():
    nan = math.nan
    card = pd.DataFrame(
        {
            "description": ["增速高于农村", "村集体经济", "帮扶车间"],
            "region": ["信阳市", "信阳市", "信阳市"],
            "county": ["", "", "光山县"],
            "value": [1.2, 30.0, nan],
            "threshold": [1.0, 50.0, 1.0],
            "margin": [0.2, -20.0, nan],
            "previous_value": [nan, 20.0, nan],
            "unit": ["percent", "villages", "flag"],
            "status": ["达标", "进行中: 按进度", "缺少数据"],
            "status_code": ["met", "not_due", "not_measurable"],
            "reason": ["", "", "no data"],
            "change": ["", "", ""],
            "due_year": [2024, 2025, 2024],
            "pace_needed": [nan, 20.0, nan],
            "pace_last_year": [nan, 10.0, nan],
        }
    )
    counts, detail = sections.scorecard_tables(card, "zh")
    assert counts.set_index(counts.columns[0]).iloc[:, 0].to_dict() == {
        "达标": "1",
        "未达标": "0",
        "未到考核年份": "1",
        "缺少数据": "1",
    }
    assert detail["实际值"].tolist() == ["1.2%", "30 个村", "无数据"]
    assert detail["地区"].tolist() == ["信阳市", "信阳市", "光山县"]  # region-wide targets name the region
    assert detail["说明"].tolist()[1] == "2025 年考核: 距目标 20 个村，需每年推进 20 个村，上年推进 10 个村"
    _, detail_en = sections.scorecard_tables(card, "en")
    assert detail_en["value"].tolist() == ["1.2%", "30 villages", "n/a"]


def test_below_chart_data_blanks_years_with_fewer_than_ten_households():
    table = pd.DataFrame(
        {"year": [2023, 2024, 2025], "n_households_below": [25, 9, 10], "share_persons_below": [0.2, 0.05, 0.07]}
    )
    data = sections.below_chart_data({"line_10000": table})
    shares = data["line_10000"]["share_persons_below"].tolist()
    assert shares[0] == 0.2 and math.isnan(shares[1]) and shares[2] == 0.07
    assert table["share_persons_below"].tolist() == [0.2, 0.05, 0.07]  # input untouched


def test_below_tables_gate_persons_and_shares_on_households_below():
    table = pd.DataFrame(
        {
            "year": [2024, 2025],
            "n_households_below": [9, 30],
            "n_persons_below": [27, 90],
            "share_households_below": [0.01, 0.03],
            "share_persons_below": [0.01, 0.03],
        }
    )
    (shown,) = sections.below_tables({"line_monitoring": table}, "zh")
    assert shown.iloc[0, 0] == "防止返贫监测线"
    assert shown.iloc[0, 2:].tolist() == ["<10"] + [disclosure.DERIVED] * 3  # 27 persons and 1% are not "<10"
    assert shown.iloc[1, 3] == "90 人"


def test_integrity_summary_counts_units_flags_and_unmeasurable_in_check_order():
    findings = pd.DataFrame(
        {
            "check_label": ["聚集", "聚集", "聚集", "跳变", "跳变"],
            "unit": ["A", "B", "C", "A", "B"],
            "flagged": [True, False, False, False, False],
            "status": ["ok", "ok", "too_few", "ok", "ok"],
        }
    )
    summary = sections.integrity_summary(findings)
    assert summary.to_dict("records") == [
        {"check_label": "聚集", "units": 3, "flagged": 1, "not_measurable": 1},
        {"check_label": "跳变", "units": 2, "flagged": 0, "not_measurable": 0},
    ]
    findings = findings.assign(n_households=50, statistic=2.5, p_value=0.001, detail="x")
    table, flagged = sections.integrity_tables(findings, "zh")
    assert len(table) == 2 and len(flagged) == 1
    _, none = sections.integrity_tables(findings.assign(flagged=False), "zh")
    assert none is None


class _Estimate:
    label_zh, label_en = "公益岗位", "public-welfare jobs"
    measure = "public_jobs"

    def __init__(self, outcomes, n_treated):
        self.effects = pd.DataFrame(
            {
                "outcome": list(outcomes),
                "label_zh": ["人均纯收入", "工资性收入"],
                "label_en": ["net income per capita", "wage income"],
                "att": [820.0, 640.0],
                "se": [100.0, 90.0],
                "ci_low": [624.0, 464.0],
                "ci_high": [1016.0, 816.0],
                "n_treated": n_treated,
                "n_control": [900, 900],
                "pretest_pvalue": [0.4, 0.5],
                "cluster": "county",
                "n_clusters": [40, 40],
                "design_zh": "处理组: …",
                "design_en": "treated: …",
                "caveat_zh": ["", "处理前趋势检验 p = 0.010 < 0.05"],
                "caveat_en": ["", "pre-trend test p = 0.010 < 0.05"],
            }
        )
        self.event_studies = pd.DataFrame(
            {"outcome": ["net_income_pc", "net_income_pc"], "event_time": [-1, 0], "att": [0.0, 800.0]}
        )


def test_effect_sections_return_the_reason_for_a_design_error_and_keep_going():
    measures = pd.DataFrame(
        {
            "kind": ["employment", "industry"],
            "measure": ["public_jobs", "industry_award"],
            "outcome": ["wage_pc", "net_operating_pc"],
        }
    )
    calls = []

    def estimate(data, measure, outcomes):
        calls.append(measure)
        if measure == "industry_award":
            raise DesignError("处理组少于 10 户 / fewer than 10 treated households")
        return _Estimate(outcomes, [120, 8])

    parts = sections.effect_sections(None, measures, "zh", estimate=estimate)
    assert calls == ["public_jobs", "industry_award"]
    first, second = parts
    assert first.estimated and first.heading_suffix == ": 公益岗位"
    assert first.table.iloc[0, 1] == "820 元"
    assert first.table.iloc[1, 1] == disclosure.DERIVED  # an estimate over 8 treated households
    assert [outcome for _, outcome, _ in first.event_studies] == ["net_income_pc"]  # wage_pc has no rows
    # the design and clustering note, then the caveat of the outcome that has one
    assert first.notes == ["处理组: … 标准误按县聚类（40 个聚类）。", "工资性收入: 处理前趋势检验 p = 0.010 < 0.05"]
    assert first.measure == "public_jobs" and first.result is not None
    assert not second.estimated and "fewer than 10 treated" in second.reason and second.kind == "industry"


def test_effect_sections_let_other_errors_through():
    measures = pd.DataFrame({"kind": ["employment"], "measure": ["public_jobs"], "outcome": ["wage_pc"]})

    def broken(data, measure, outcomes):
        raise KeyError("wage_pc")

    with pytest.raises(KeyError):
        sections.effect_sections(None, measures, "zh", estimate=broken)


@pytest.fixture(scope="module")
def demo_households():
    from evalkit.demo import generate_panel

    households = generate_panel(households=400).households
    return households[households["year"] <= 2023]


def test_group_tables_add_up_to_the_region_and_translate_groups(demo_households):
    year = 2023
    parts = sections.group_tables(demo_households, year, "zh")
    assert [heading for heading, _ in parts] == ["sub_by_labour", "sub_by_relocated", "sub_by_type"]
    current = demo_households[demo_households["year"] == year]
    relocated = parts[1][1]
    assert set(relocated.iloc[:, 0]) <= {"易地搬迁户", "其他户"}
    hidden = set(disclosure.marks().values())
    shown = [int(v.replace(",", "").removesuffix(" 户")) for v in relocated.iloc[:, 1] if v not in hidden]
    if not hidden & set(relocated.iloc[:, 1]):
        assert sum(shown) == len(current)
    types = parts[2][1]
    assert set(types.iloc[:, 0]) <= set(current["household_type"].astype(str))
    expected = income.income_indicators(current, by=["household_type"])
    assert len(types) == len(expected)


def test_area_tables_chart_only_areas_of_ten_or_more(demo_households):
    chart, table = sections.area_tables(demo_households, 2023, "county", "zh")
    assert (chart["n_households"] >= disclosure.Rule().threshold).all()
    assert len(table) >= len(chart)


def test_inequality_tables_show_mld_only_where_it_is_defined():
    def households(incomes):
        n = len(incomes)
        wage = [float(v) for v in incomes]
        return pd.DataFrame(
            {
                "year": [2025] * n,
                "household_size": [2] * n,
                "wage": wage,
                "net_operating": [0.0] * n,
                "property": [0.0] * n,
                "transfer": [0.0] * n,
                "net_income_pc": [v / 2 for v in wage],
            }
        )

    positive, _ = sections.inequality_tables(households([8000, 12000, 20000, 30000]), 2025, "en")
    with_zero, _ = sections.inequality_tables(households([0, 12000, 20000, 30000]), 2025, "en")
    assert len(positive.columns) == len(with_zero.columns) + 1  # the MLD column is dropped, not shown empty
    assert not any("—" == v for v in with_zero.iloc[0].tolist())


def test_growth_contributions_shown_add_up_to_the_growth_shown():
    from evalkit.reporting.present import rounded_parts, table_html
    from evalkit.reporting.sections import growth_tables

    # the case: each rounded alone, 6.2 + 3.2 − 1.3 + 0.2 + 0.9 = 9.2 beside a growth of 9.3%
    parts = [6.24, 3.24, -1.26, 0.24, 0.87]
    assert [round(p, 1) for p in parts] == [6.2, 3.2, -1.3, 0.2, 0.9]
    assert rounded_parts(parts, 9.33) == [6.3, 3.2, -1.3, 0.2, 0.9]
    assert round(sum(rounded_parts(parts, 9.33)), 1) == 9.3
    assert rounded_parts([1.04, 2.04], 5.0) == [1.0, 2.0]  # parts that do not add up: each alone
    growth = pd.DataFrame(
        {
            "year": [2024],
            "base_year": [2023],
            "n_households": [3000],
            "growth_rate": [0.0933],
            **{f"contrib_{c}_pp": [v] for c, v in zip(income.GROWTH_COMPONENTS, parts, strict=True)},
        }
    )
    ((key, table),) = growth_tables(growth, growth.iloc[0:0], "zh")
    shown = [float(v.split()[0]) for v in table.iloc[0, 3:]]
    assert table.iloc[0, 2] == "9.3%" and round(sum(shown), 1) == 9.3 and shown[0] == 6.3
    assert "最大余数法" in table.attrs["note"] and "最大余数法" in table_html(table)
