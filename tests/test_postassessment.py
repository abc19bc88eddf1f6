"""Report section for issue 16: display tables suppress small counts, notes name borrowed rules."""

import pandas as pd

from evalkit.reporting import charts, postassessment


def test_identification_table_suppresses_small_cells():
    counts = pd.DataFrame(
        {
            "county": ["光山县", "新县", "合计"] * 2,
            "check": ["below_line_not_monitored"] * 3 + ["fell_back"] * 3,
            "label": ["低于监测线但未纳入监测"] * 3 + ["返贫"] * 3,
            "n_households": [100, 50, 150] * 2,
            "n_flagged": [12, 3, 15, 0, 20, 20],
            "share": [0.0] * 6,
        }
    )
    table = postassessment.identification_table(counts, "county").set_index("县(市、区)")
    assert table.loc["新县", "低于监测线但未纳入监测"] == "<10"
    # only one unit suppressed: the smallest other non-zero one is suppressed too (else total − others),
    # with the complementary mark: 12 is not under 10 (issue 14)
    assert table.loc["光山县", "低于监测线但未纳入监测"] == "×"
    assert table.loc["合计", "低于监测线但未纳入监测"] == "15" and table.loc["光山县", "返贫"] == "0"


def test_coverage_pivot_shares_and_group_sizes():
    coverage = pd.DataFrame(
        {
            "labour_capacity": ["有劳动能力", "有劳动能力", "无劳动能力"],
            "measure": ["public_welfare_post", "dibao", "dibao"],
            "label": ["公益性岗位", "低保", "低保"],
            "n_households": [200, 200, 40],
            "n_receiving": [50, 5, 20],
            "share": [0.25, 0.025, 0.5],
        }
    )
    table = postassessment.coverage_pivot(coverage, "labour_capacity").set_index("帮扶措施")
    assert table.loc["公益性岗位", "有劳动能力 (200)"] == "25.0%"
    assert table.loc["低保", "有劳动能力 (200)"] == "§" and table.loc["低保", "无劳动能力 (40)"] == "50.0%"
    assert table.loc["公益性岗位", "无劳动能力 (40)"] == "0.0%"  # nobody of the group received it: a true zero


def test_rule_notes_say_yearly_and_borrowed():
    gx = postassessment.rule_notes("guangxi", "own")
    assert len(gx) == 2 and "每季度" in gx[0]
    # evalkit's reading of 收入增速缓慢, said as such with its parameter (data/watchlist_rules.csv)
    assert "未规定" in gx[1] and "evalkit 的解读" in gx[1] and "0.25 倍" in gx[1] and "不是文件规定" in gx[1]
    en = postassessment.rule_notes("guangxi", "own", "en")[1]
    assert "sets no threshold" in en and "0.25 ×" in en and "not the document's" in en
    xy = postassessment.rule_notes("xinyang", "reference: 江西省")
    assert any("参照广西" in n for n in xy) and any("参照江西" in n for n in xy) and any("季度" in n for n in xy)
    assert postassessment.rule_notes("shangyou", "own") == []
    assert "quarterly" in postassessment.rule_notes("guangxi", "own", "en")[0]


def test_flows_chart_draws_three_series():
    flows = pd.DataFrame(
        {
            "flag": ["gx_below_10000", "any_flag"],
            "label": ["年人均收入低于1万元", "任一预警"],
            "n_new": [30, 5],
            "n_still": [100, 120],
            "n_left": [40, 50],
        }
    )
    fig = charts.watch_flows(flows)
    ax = fig.axes[0]
    assert len(ax.patches) == 6  # 2 rules × (still, new, no longer)
    widths = sorted(round(p.get_width()) for p in ax.patches)
    assert widths == [-50, -40, 0, 30, 100, 120]  # new under 10 is not drawn
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["持续户数", "新增户数", "退出户数"]
