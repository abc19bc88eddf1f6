"""The written summary and problem list: every sentence checked against the numbers it quotes."""

import math

import pandas as pd

from evalkit.reporting.effects_section import ESTIMATE_COLUMNS, overview_table
from evalkit.reporting.summary import measure_sentences, problem_list, shortfalls, summary_sentences

NAN = math.nan


def _numbers(**overrides):
    values = {
        "n_households": (3025, 3025),
        "net_income_pc": (15118.4, 3025),
        "growth_prev": (0.0929, 3025),
        "ratio_rural_to_tuopin": (1.2143, 3000),
        "growth_differential_pp": (-0.96, 3000),
        "share_persons_below_10000": (0.2613, 800),
        "n_persons_below_monitoring": (1314.0, 392),
    } | overrides
    return pd.DataFrame([{"key": k, "value": v, "n_households": n} for k, (v, n) in values.items()])


GROWTH = pd.DataFrame(
    {
        "year": [2023],
        "growth_rate": [0.0929],
        "contrib_wage_pp": [6.23],
        "contrib_operating_income_pp": [3.2],
        "contrib_operating_expenses_pp": [-1.3],
        "contrib_property_pp": [0.2],
        "contrib_transfer_pp": [0.96],
    }
)


def _card():
    base = {"document": "plan", "region": "弥勒市", "county": "", "reason": "", "unit": "share"}
    rows = [
        {"description": "一人就业", "value": 0.904, "threshold": 1.0, "margin": -0.096, "status_code": "not_met"},
        {"description": "资金投入产业", "value": 0.546, "threshold": 0.55, "margin": -0.004, "status_code": "not_met"},
        {"description": "全部过万", "value": 0.168, "threshold": 1.0, "margin": -0.832, "status_code": "not_met"},
        {"description": "就业比例", "value": 0.95, "threshold": 0.9, "margin": 0.05, "status_code": "met"},
        {"description": "末年目标", "value": 0.5, "threshold": 1.0, "margin": -0.5, "status_code": "not_due"},
        {
            "description": "特色产业",
            "county": "光山县",
            "value": NAN,
            "threshold": 1.0,
            "margin": NAN,
            "status_code": "not_measurable",
            "reason": "缺少数据: 项目指标表中没有",
        },
        {
            "description": "核查",
            "document": "identification",
            "value": 3.0,
            "threshold": NAN,
            "margin": NAN,
            "status_code": "check_flagged",
        },
    ]
    return pd.DataFrame([base | r for r in rows])


WATCH = pd.DataFrame(
    {
        "county": ["东山镇", "合计", "东山镇", "合计"],
        "flag": ["income_drop", "income_drop", "any_flag", "any_flag"],
        "label": ["收入下降", "收入下降", "任一预警", "任一预警"],
        "n_households": [12.0, 300.0, 40.0, 821.0],
        "suppressed": [False, False, False, False],
    }
)
FINDINGS = pd.DataFrame(
    {
        "check_label": ["万元线附近聚集", "整数堆积"],
        "unit": ["东山镇", "西三镇"],
        "flagged": [True, False],
        "detail": ["10,000 元以上 1% 内的户数偏多", ""],
    }
)


def test_every_summary_sentence_quotes_its_numbers():
    sentences = summary_sentences(_numbers(), GROWTH, _card(), 2023, "弥勒市", "zh", WATCH, FINDINGS)
    assert sentences == [
        "2023年弥勒市脱贫人口和监测对象人均纯收入15,118 元，比上年增长9.3%。",
        # 6.2 of the 9.3 points shown (contributions rounded to add up): 66.7%, the largest (wage)
        "增长主要来自工资性收入，拉动增长6.2 个百分点，占增长的66.7%。",
        "农村居民人均可支配收入为脱贫人口人均纯收入的1.21倍；脱贫人口收入增速低于农村居民1.0 个百分点。",
        "人均纯收入低于1万元的人口占26.1%；低于防止返贫监测线的有1,314 人。",
        # identification checks are not targets; 1 met + 3 not met assessed, 1 not due, 1 without data
        "纳入评估的4项目标中，1项达标、3项未达标；另有1项未到考核年份，1项缺少数据。",
        "差距最大的未达标目标: 全部过万（弥勒市，实际16.8%，目标100.0%）；一人就业（弥勒市，实际90.4%，目标100.0%）；"
        "资金投入产业（弥勒市，实际54.6%，目标55.0%）。",
        "按监测预警规则，共有821户需要关注。",
        "数据质量核查发现1处需核实的情况（见问题清单）。",
    ]
    english = summary_sentences(_numbers(), GROWTH, _card(), 2023, "Mile City", "en", WATCH, FINDINGS)
    assert english[0] == (
        "In 2023, per-capita net income of the people lifted out of poverty and the monitored households of Mile City "
        "was 15,118 yuan, 9.3% more than the year before."
    )
    assert english[1] == "Growth came mainly from wage income, which added 6.2 pp (66.7% of the growth)."
    assert "grew 1.0 pp slower than rural residents'" in english[2]


def test_sentences_with_missing_or_suppressed_numbers_are_left_out():
    numbers = _numbers(growth_prev=(NAN, 3025), n_persons_below_monitoring=(5.0, 4))
    sentences = summary_sentences(numbers, GROWTH, _card().iloc[0:0], 2023, "弥勒市", "zh")
    assert sentences[0] == "2023年弥勒市脱贫人口和监测对象人均纯收入15,118 元。"
    assert not any("增长主要来自" in s or "低于防止返贫监测线" in s or "纳入评估" in s for s in sentences)
    assert not any("<10" in s or "—" in s or "nan" in s for s in sentences)


def test_problem_list_names_each_unmet_target_area_and_numbers_and_each_data_problem():
    problems = problem_list(_card(), "zh", FINDINGS)
    assert problems.columns.tolist() == ["问题", "地区", "实际值", "目标值", "差距 (正为已达到)", "说明"]
    assert problems.iloc[:3].values.tolist() == [
        ["未达标: 一人就业", "弥勒市", "90.4%", "100.0%", "-9.6 个百分点", ""],
        ["未达标: 资金投入产业", "弥勒市", "54.6%", "55.0%", "-0.4 个百分点", ""],
        ["未达标: 全部过万", "弥勒市", "16.8%", "100.0%", "-83.2 个百分点", ""],
    ]
    assert problems.iloc[3].tolist() == ["缺少数据: 特色产业", "光山县", "", "", "", "缺少数据: 项目指标表中没有"]
    assert problems.iloc[4].tolist() == [
        "数据核查: 万元线附近聚集",
        "东山镇",
        "",
        "",
        "",
        "10,000 元以上 1% 内的户数偏多",
    ]
    assert len(problems) == 5  # the met, not-due and identification rows are not problems
    assert shortfalls(_card())["description"].tolist() == ["全部过万", "一人就业", "资金投入产业"]


def _estimates():
    """Numbers of the every-measure effects table (effects_section.measures_estimates)."""
    rows = [
        # code, measure, att, ci_low, ci_high, n_treated, pretest p, clusters, wild p, caveat
        ("industry", "产业帮扶", 812.4, 401.0, 1223.8, 900, 0.41, 124, NAN, ""),
        ("jobs", "就业帮扶", 1534.6, 1020.2, 2049.0, 700, 0.62, 124, NAN, ""),
        ("dibao", "低保", 655.0, 210.0, 1100.0, 400, 0.012, 124, NAN, "处理前趋势检验 p = 0.012 < 0.05: …"),
        ("loan", "小额信贷", 300.0, 20.0, 580.0, 200, 0.5, 12, 0.08, ""),
        ("housing", "危房改造", 120.0, -90.0, 330.0, 300, 0.3, 124, NAN, ""),
        ("tiny", "微型措施", 999.0, 500.0, 1500.0, 8, 0.5, 124, NAN, ""),  # < 10 treated: hidden
    ]
    columns = ["code", "measure", "att", "ci_low", "ci_high", "n_treated", "pretest_pvalue", "n_clusters"]
    frame = pd.DataFrame(rows, columns=[*columns, "wild_pvalue", "caveat"])
    return frame.assign(kind="产业")[list(ESTIMATE_COLUMNS)]


def test_measure_sentences_quote_the_effects_table():
    estimates = _estimates()
    sentences = measure_sentences(estimates, "zh")
    assert sentences == [
        # interval above zero and no caveat, the largest effect first
        "有可信效应的帮扶措施（95%置信区间不含0、无需特别说明）: 就业帮扶1,535 元（95%置信区间1,020 元至2,049 元）；"
        "产业帮扶812 元（95%置信区间401 元至1,224 元）。",
        # interval above zero, but a failed pre-trend test / 12 clusters
        "有效应但需谨慎解读的措施: 低保655 元（处理前趋势检验p=0.012）；小额信贷300 元（仅12个聚类）。",
        "另有1项措施对人均纯收入的效应在统计上不显著（95%置信区间包含0）。",
    ]
    # every effect and bound quoted is the effects table's own cell
    table = overview_table(estimates, few=True, lang="zh").set_index("帮扶措施")
    for measure in ("就业帮扶", "产业帮扶", "低保", "小额信贷"):
        assert table.loc[measure, "效果估计"] in " ".join(sentences)
    assert table.loc["就业帮扶", "95% 置信区间下限"] in sentences[0]
    assert "微型措施" not in " ".join(sentences)  # fewer than 10 treated households: not quoted
    english = measure_sentences(estimates, "en")
    assert english[1] == (
        "Measures with an effect to be read with caution: 低保 655 yuan (pre-trend test p = 0.012); "
        "小额信贷 300 yuan (only 12 clusters)."
    )


def test_measure_sentences_when_no_effect_is_credible_or_many_are():
    flat = _estimates().assign(ci_low=-1.0)
    assert measure_sentences(flat, "zh") == [
        "估计的5项措施中，没有对人均纯收入有可信效应的措施（95%置信区间均包含0）。"
    ]
    assert measure_sentences(None, "zh") == [] and measure_sentences(flat.iloc[0:0], "en") == []
    many = pd.concat([_estimates().iloc[[0]].assign(measure=f"m{i}", att=100.0 + i) for i in range(7)])
    sentence = measure_sentences(many, "en")[0]
    assert sentence.count(" yuan (95% interval") == 5 and sentence.endswith("; and 2 more.")
    assert sentence.index("m6") < sentence.index("m5")  # largest effect first
    assert measure_sentences(many, "zh")[0].endswith("等7项。")
    summary = summary_sentences(_numbers(), GROWTH, _card(), 2023, "弥勒市", "zh", WATCH, FINDINGS, _estimates())
    assert summary[6].startswith("有可信效应的帮扶措施") and summary[-2].startswith("按监测预警规则")
