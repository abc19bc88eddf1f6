"""The batch: a failing region does not stop the others, the index marks it, exit code non-zero."""

import csv
import re

import pytest

from evalkit.cli import commands
from evalkit.core.errors import EvalkitError
from evalkit.core.panel import Panel, save_panel
from evalkit.demo import generate_panel
from evalkit.reporting import batch, batch_index


@pytest.fixture(scope="module")
def panel_without_yangshan(tmp_path_factory):
    """A small demo panel from which every household of 羊山新区 was removed: its report fails."""
    panel = generate_panel(households=3000)
    households = panel.households[panel.households["county"] != "羊山新区"]
    folder = tmp_path_factory.mktemp("panel")
    save_panel(Panel(households, panel.measures, panel.meta), folder)
    return folder


def test_batch_finishes_others_marks_failure_and_exits_non_zero(panel_without_yangshan, tmp_path, capsys):
    code = commands.batch_command(
        2025,
        regions="guangxi-beihai,xinyang-yangshan,shangyou",
        jobs=2,
        data=str(panel_without_yangshan),
        lang="en",
        out=str(tmp_path),
        formats="html",
    )
    assert code == 1
    out, err = capsys.readouterr()
    assert "xinyang-yangshan" in err and "FAILED 1 of 3" in err
    year = tmp_path / "2025"
    for region in ("guangxi-beihai", "shangyou"):  # English reports carry the language in their names
        for ext in ("html", "ipynb", "json"):
            assert (year / f"{region}.en.{ext}").exists(), (region, ext)
        assert (year / "logs" / f"{region}.en.log").exists()
        assert not (year / f"{region}.html").exists() and not (year / f"{region}.en.pdf").exists()  # html only
    assert not (year / "xinyang-yangshan.en.html").exists()
    assert "no household of this region" in (year / "logs" / "xinyang-yangshan.en.log").read_text(encoding="utf-8")
    index = (year / "index.en.html").read_text(encoding="utf-8")
    assert "FAILED" in index and "no household of this region" in index
    assert 'href="shangyou.en.html"' in index and 'href="guangxi-beihai.en.html"' in index
    english = (year / "shangyou.en.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in english
    assert "1. Summary" in english and "SYNTHETIC DATA" in english
    rows = list(csv.DictReader((year / "comparison.csv").open(encoding="utf-8")))
    assert [r["region"] for r in rows] == ["guangxi-beihai", "xinyang-yangshan", "shangyou"]
    assert [r["status"] for r in rows] == ["ok", "failed", "ok"]
    assert not list(year.glob(".staging*")) and not list(year.glob("*.tmp"))
    # no household id in anything the batch publishes
    for path in [year / "comparison.csv", *year.glob("*.html"), *year.glob("*.json")]:
        assert not re.search(r"h_[0-9a-f]{12}", path.read_text(encoding="utf-8")), path
    # 北海 has few households in this panel: small groups are suppressed in the published tables
    assert "&lt;10" in (year / "guangxi-beihai.en.html").read_text(encoding="utf-8")


def test_unknown_region_or_year_stops_the_batch_before_any_report(panel_without_yangshan, tmp_path):
    with pytest.raises(EvalkitError, match="unknown region"):
        batch.run_batch(2025, regions="shangyou,atlantis", data=str(panel_without_yangshan), out=str(tmp_path))
    with pytest.raises(EvalkitError, match="not in the data"):
        batch.run_batch(1999, regions="shangyou", data=str(panel_without_yangshan), out=str(tmp_path))
    assert not (tmp_path / "2025").exists() and not (tmp_path / "1999").exists()


def test_all_resolves_to_the_registry_report_regions():
    codes = [r.code for r in batch.resolve_regions("all")]
    assert len(codes) == 29 and "xinyang" in codes and "mile" in codes and "guangxi-nanning" in codes


def test_plan_year_is_the_latest_year_a_plan_and_the_data_cover():
    from evalkit.core.registry import get_region

    years = [2020, 2021, 2022, 2023, 2024, 2025]
    assert batch.plan_year(get_region("guangxi-beihai"), years) == 2024  # plan 2022–2024
    assert batch.plan_year(get_region("mile"), years) == 2023  # plan 2022–2023
    assert batch.plan_year(get_region("xinyang"), years) == 2025  # plan 2023–2025
    assert batch.plan_year(get_region("shangyou"), years) == 2025  # 江西 2024–2025
    assert batch.plan_year(get_region("mile"), [2020, 2021]) == 2021  # no plan year in the data: the latest


def test_batch_year_must_be_a_year_or_plan(panel_without_yangshan, tmp_path):
    with pytest.raises(EvalkitError) as caught:
        commands.batch_command("latest", regions="shangyou", data=str(panel_without_yangshan), out=str(tmp_path))
    assert caught.value.code == "E-YEAR-INVALID"


def test_batch_parameters_are_refused_by_code_before_any_report(panel_without_yangshan, tmp_path):
    data = str(panel_without_yangshan)
    for kwargs, code in (
        ({"lang": "fr"}, "E-LANG"),
        ({"jobs": 0}, "E-JOBS"),
        ({"regions": []}, "E-REGION-NONE"),
        ({"regions": "atlantis"}, "E-REGION-UNKNOWN"),
    ):
        with pytest.raises(EvalkitError) as caught:
            batch.run_batch(2024, **{"regions": "shangyou", "data": data, "out": str(tmp_path), **kwargs})
        assert caught.value.code == code, kwargs
    with pytest.raises(EvalkitError) as caught:
        batch.run_batch(1999, regions="shangyou", data=data, out=str(tmp_path))
    assert caught.value.code == "E-YEAR-NOT-IN-DATA"
    assert not any(tmp_path.iterdir())  # nothing written


def test_index_groups_counties_under_their_prefecture_in_administrative_order(tmp_path):
    codes = ["shangyou", "guangxi-beihai", "mile", "guangxi", "xinyang-guangshan", "xinyang", "guangxi-nanning"]
    assert batch_index.index_layout(codes) == [
        ("xinyang", 0, False),
        ("xinyang-guangshan", 1, False),
        ("honghe", 0, True),  # 弥勒市's prefecture has no report: a heading row above it
        ("mile", 1, False),
        ("ganzhou", 0, True),
        ("shangyou", 1, False),
        ("guangxi", 0, False),
        ("guangxi-nanning", 1, False),  # 南宁 before 北海: GB/T 2260 order, not code point order
        ("guangxi-beihai", 1, False),
    ]
    from evalkit.core.registry import get_region
    from evalkit.reporting.runner import ReportOutcome

    chosen = [get_region(c) for c in codes]
    outcomes = [ReportOutcome(region=c, year=2024, status="ok", html=tmp_path / f"{c}.html") for c in codes]
    page = batch_index.write_index(outcomes, chosen, tmp_path / "index.html", 2024, "zh").read_text(encoding="utf-8")
    names = re.findall(r'<td class="text depth(\d)">(?:<a href="[^"]+">)?([^<]+)', page)
    assert names == [
        ("0", "信阳市"),
        ("1", "光山县"),
        ("0", "红河哈尼族彝族自治州"),
        ("1", "弥勒市"),
        ("0", "赣州市"),
        ("1", "上犹县"),
        ("0", "广西壮族自治区"),
        ("1", "南宁市"),
        ("1", "北海市"),
    ]
    assert "共 7 个地区: 7 个报告已生成" in page and page.count("本级无报告") == 2
    assert (
        "“无数据”：该年度、该组或该指标没有可计算的数值" in page
    )  # the numbers these outcomes lack show 无数据, with its note
