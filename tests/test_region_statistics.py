"""The region's own statistics (issue 12, item 5): ``evalkit template`` lists what the targets and
sections need; ``--series`` / ``--programme`` files are validated like exports and make the
targets that need them evaluable; every figure from them is shown with its source."""

from __future__ import annotations

import dataclasses
import warnings

import pandas as pd
import pytest

from evalkit.cli.main import main
from evalkit.core import comparison, registry
from evalkit.core.errors import EvalkitError
from evalkit.evaluation import scorecard
from evalkit.evaluation.scorecard import load_programme
from evalkit.evaluation.statistics_template import template_tables, write_template
from evalkit.reporting import report, sections


@pytest.fixture(autouse=True)
def _no_user_series():
    yield
    comparison.use_series(None)  # the process-wide layer never leaks into other tests


@pytest.fixture(scope="module")
def real_panel():
    """The demo panel treated as real data: no SYNTHETIC series or programme table fill gaps."""
    from evalkit.demo import generate_panel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = generate_panel(households=900)
    return dataclasses.replace(panel, meta={**panel.meta, "synthetic": False})


def _filled(path, tmp_path):
    """The template with every value filled in (series: plausible yuan; programme: large enough
    to meet any threshold) and a source."""
    out = tmp_path / "filled.xlsx"
    series = pd.read_excel(path, sheet_name="series", dtype=str)
    programme = pd.read_excel(path, sheet_name="programme", dtype=str)
    growth = {y: 1.0 + 0.06 * (y - 2020) for y in range(2015, 2030)}
    line = series["indicator"] == "monitoring_line"
    series["value"] = [
        "7,800" if is_line else f"{17000 * growth[int(y)]:.0f}" for is_line, y in zip(line, series["year"], strict=True)
    ]
    series["source"] = "测试统计公报 / test bulletin"
    programme["value"] = "1000000"
    programme["source"] = "测试项目台账 / test ledger"
    with pd.ExcelWriter(out) as writer:
        series.to_excel(writer, sheet_name="series", index=False)
        programme.to_excel(writer, sheet_name="programme", index=False)
    return out


def test_template_lists_exactly_what_the_targets_and_sections_need(real_panel):
    series, programme = template_tables("信阳市", 2024)
    region = registry.get_region("信阳市")
    card = scorecard.scorecard(real_panel, region, 2024)  # the targets the scorecard lists for 2024
    listed = card[card["source"] == "programme"]
    expected = {(r["county"] or r["region"], 2024, r["indicator"]) for r in listed.fillna("").to_dict("records")}
    got = set(zip(programme["region"], programme["year"], programme["indicator"], strict=True))
    assert {(r, y, i) for r, y, i in got if y == 2024} == expected and len(expected) >= 4
    progress = listed[listed["status_code"] == "not_due"].fillna("")  # progress: last year's value too
    needed = {(r["county"] or r["region"], 2023, r["indicator"]) for r in progress.to_dict("records")}
    assert {(r, y, i) for r, y, i in got if y == 2023} >= needed
    assert (programme["unit"] != "").all() and programme["used_for"].str.contains("xinyang_2023_2025").all()
    # the county growth target needs every county's rural income in 2023 and 2024; the report the region's own
    counties = {u.name_zh for u in registry.children(region)}
    rural = series[series["indicator"] == "rural_disposable_income"]
    assert {(c, y) for c in counties for y in (2023, 2024)} <= set(zip(rural["region"], rural["year"], strict=True))
    assert {("信阳市", 2023), ("信阳市", 2024)} <= set(zip(rural["region"], rural["year"], strict=True))
    lines = series[series["indicator"] == "monitoring_line"]
    assert set(zip(lines["region"], lines["year"], strict=True)) == {("河南省", 2023), ("河南省", 2024)}
    assert (series["value"] == "").all() and set(series["unit"]) == {"元/人", "元/人/年"}


def test_series_file_problems_name_file_row_and_column(tmp_path):
    path = tmp_path / "我的序列.csv"
    path.write_text(
        "region,year,indicator,value,unit,source\n"
        '信阳市,2024,rural_disposable_income,"19,850",元/人,信阳统计年鉴2025\n'
        "信阳县,2024,rural_disposable_income,19850,元/人,x\n"
        "信阳市,20x4,rural_disposable_income,19850,元/人,x\n"
        "信阳市,2023,rural_income,19850,元/人,x\n"
        "信阳市,2023,rural_disposable_income,-5,元/人,x\n"
        "信阳市,2022,rural_disposable_income,18000,元/人,\n",
        encoding="gbk",
    )
    with pytest.raises(EvalkitError) as problem:
        comparison.load_series(path)
    text = str(problem.value)
    for row, column in ((3, "region"), (4, "year"), (5, "indicator"), (6, "value"), (7, "source")):
        assert f"我的序列.csv 第{row}行 列「{column}」" in text and f"row {row} column '{column}'" in text
    assert "第2行" not in text  # a well-formed thousands separator is accepted
    good = comparison.load_series(pd.read_csv(path, dtype=str, encoding="gbk", keep_default_na=False).iloc[:1])
    assert good.loc[0, "value"] == 19850.0 and good.loc[0, "region_code"] == "xinyang"


def test_user_series_take_precedence_and_name_their_source():
    table = comparison.load_series(
        pd.DataFrame(
            {
                "region": ["河南省"],
                "year": ["2023"],
                "indicator": ["monitoring_line"],
                "value": ["7600"],
                "unit": ["元/人/年"],
                "source": ["本地文件 / local file"],
            }
        )
    )
    assert comparison.monitoring_line("河南省", 2023) == 7500.0  # published
    comparison.use_series(table)
    assert comparison.monitoring_line("河南省", 2023) == 7600.0
    rows = comparison.series("monitoring_line")
    mine = rows[(rows["region"] == "河南省") & (rows["year"] == 2023)]
    assert list(mine["source"]) == ["本地文件 / local file"]  # the published row is not repeated
    comparison.use_series(None)
    assert comparison.monitoring_line("河南省", 2023) == 7500.0


def test_scorecard_with_series_and_programme_evaluates_the_targets_that_need_them(real_panel, tmp_path, capsys):
    template = write_template("信阳市", 2024, tmp_path / "t.xlsx")
    before = scorecard.scorecard(real_panel, "信阳市", 2024)
    filled = _filled(template, tmp_path)
    comparison.use_series(comparison.load_series(filled))
    after = scorecard.scorecard(real_panel, "信阳市", 2024, programme=load_programme(filled))
    programme_rows = after[after["source"] == "programme"]
    assert len(programme_rows) >= 4
    assert not programme_rows["reason"].str.contains("项目指标表中没有").any(), programme_rows[["target_id", "reason"]]
    assert (programme_rows["status_code"] != "not_measurable").all()
    growth = after[after["target_id"] == "xy23-county-growth-above-rural"]
    assert (
        before.loc[before["target_id"] == "xy23-county-growth-above-rural", "status_code"] == "not_measurable"
    ).all()
    assert growth["reason_code"].ne("missing_series").all()
    n_before = int((before["status_code"] == "not_measurable").sum())
    n_after = int((after["status_code"] == "not_measurable").sum())
    assert n_after < n_before - len(programme_rows) // 2
    # the CLI takes the same files
    comparison.use_series(None)
    code = main(
        ["scorecard", "--region", "信阳市", "--year", "2024", "--series", str(filled), "--programme", str(filled)]
    )
    assert code == 0
    assert "未提供项目指标表" not in capsys.readouterr().out
    assert comparison.user_series() is None  # the command's series end with it (no leak into the process)


def test_template_rows_left_blank_are_skipped_and_sources_are_shown(tmp_path):
    template = write_template("信阳市", 2024, tmp_path / "t.xlsx")
    assert comparison.load_series(template).empty  # nothing filled in yet: nothing used, no error
    filled = _filled(template, tmp_path)
    comparison.use_series(comparison.load_series(filled))
    region = registry.get_region("信阳市")
    used = report.series_sources(region, [2023, 2024])
    assert set(used["source"]) >= {"测试统计公报 / test bulletin"}
    table = sections.sources_table(used, load_programme(filled), region, "zh")
    assert "数据来源" in table.columns and "测试项目台账 / test ledger" in set(table["数据来源"])
    assert "衔接资金用于产业比例" in set(table["指标"])


def test_report_parameters_validate_the_files_before_any_kernel(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("region,year,indicator,value,unit,source\n火星市,2024,monitoring_line,1,元,x\n", encoding="utf-8")
    with pytest.raises(EvalkitError, match="bad.csv 第2行 列「region」"):
        report.validate_parameters({"region": "信阳市", "year": 2024, "series": str(bad)})
    ok = report.validate_parameters({"region": "信阳市", "year": 2024, "programme": None})
    assert ok["region"] == "xinyang"
