"""Exports of the national 防返贫监测 system (issue 12, items 1–3): its vocabulary (户类型 with
监测对象类别, 已消除/未消除, √/×), numbers as exports write them, Excel error values."""

from __future__ import annotations

import pandas as pd
import pytest

from evalkit.io.checks import excel_errors, parse_bool, parse_number
from evalkit.io.ingest import ingest
from evalkit.io.vocabulary import vocabularies

HEADER = (
    "户编号,年度,省,市,县,家庭人口数,户类型,监测对象类别,风险消除情况,是否易地扶贫搬迁,"
    "工资性收入（元）,生产经营性收入,生产经营性支出,财产性收入,转移性收入\n"
)


@pytest.fixture(autouse=True)
def _user_key(monkeypatch):
    from evalkit.io.headers import use_column_map

    monkeypatch.setenv("EVALKIT_PSEUDONYM_KEY", "national-export-test-key")
    yield
    use_column_map(None)  # the process-wide map never leaks into other tests


def _ingest(tmp_path, body: str, encoding="gbk"):
    path = tmp_path / "户信息.csv"
    path.write_text(HEADER + body, encoding=encoding)
    return ingest([path])


def test_numbers_as_exports_write_them():
    cells = pd.Series(
        ["12,345", "１２３４５", "8000元", "1,234.5", "12，345", "-3.5", "", "2,1000", "1,23", "abc", "#N/A"]
    )
    number, bad = parse_number(cells)
    assert number.tolist()[:6] == [12345.0, 12345.0, 8000.0, 1234.5, 12345.0, -3.5]
    assert pd.isna(number.iloc[6]) and not bad.iloc[6]  # blank is not a bad number
    assert bad.tolist()[7:] == [True, True, True, True]  # 2,1000 is never 21000
    assert excel_errors(cells).tolist() == [False] * 10 + [True]


def test_yes_no_words_are_data_and_cover_the_systems_marks():
    table = vocabularies()
    assert (table["source"] != "").all()
    cells = pd.Series(["是", "否", "1", "0", "Y", "N", "√", "×", "有", "无", "", "也许"])
    flag, bad = parse_bool(cells)
    assert flag.tolist()[:10] == [True, False] * 5 and pd.isna(flag.iloc[10])
    assert bad.tolist() == [False] * 11 + [True]
    risk, bad = parse_bool(pd.Series(["已消除", "未消除", "是", "否"]), field="risk_eliminated")
    assert risk.tolist() == [True, False, True, False] and not bad.any()
    assert parse_bool(pd.Series(["已消除"]))[1].all()  # 已消除 belongs to the risk column only


def test_household_type_combines_the_systems_two_columns(tmp_path):
    body = (
        '0010001,2024,河南省,信阳市,光山县,4,脱贫户,,未消除,√,"32,000",8000元,3000,400,2600\n'
        "0010002,2024,河南省,信阳市,光山县,3,脱贫户,脱贫不稳定户,已消除,×,２１０００,5000,1000,0,3000\n"
        "0010003,2024,河南省,信阳市,光山县,3,一般农户,边缘易致贫户,未消除,否,21000,5000,1000,0,3000\n"
        "0010004,2024,河南省,信阳市,光山县,2,监测户,突发严重困难户,已消除,有,1000,500,100,0,100\n"
        "0010005,2024,河南省,信阳市,光山县,2,监测户,,未消除,否,1000,500,100,0,100\n"
        "0010006,2024,河南省,信阳市,光山县,2,一般农户,,否,否,1000,500,100,0,100\n"
        "0010007,2024,河南省,信阳市,光山县,2,脱贫户,边缘易致贫户,否,否,1000,500,100,0,100\n"
        '0010008,2024,河南省,信阳市,光山县,2,脱贫户,,否,否,"2,1000",500,100,0,#DIV/0!\n'
    )
    result = _ingest(tmp_path, body)
    # both columns present: no "several columns map to the same field"
    assert "ambiguous_column" not in set(result.problems["kind"])
    hh = result.panel.households.sort_values("wage", ascending=False).reset_index(drop=True)
    assert hh["household_type"].tolist() == ["一般脱贫户", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]
    assert hh["is_tuopin"].tolist() == [True, True, False, False]
    assert hh["is_monitored"].tolist() == [False, True, True, True]
    assert hh["risk_eliminated"].tolist() == [False, True, False, True]
    assert hh["relocated"].tolist() == [True, False, False, True]
    assert hh["wage"].tolist() == [32000.0, 21000.0, 21000.0, 1000.0]
    assert "monitoring_category" not in hh.columns  # folded into the household type
    acc = result.accounting.iloc[0]
    assert (acc["rows_read"], acc["rows_accepted"], acc["rows_rejected"]) == (8, 4, 4)
    errors = result.errors
    contradictions = errors[errors["kind"] == "household_type_contradiction"]
    assert sorted(contradictions["row"].astype(int)) == [6, 7, 8]  # 监测户 alone, 一般农户 alone, 脱贫户 + 边缘
    assert contradictions["message_zh"].str.contains("列「户类型」").all()
    assert "户类型 监测户 + 监测对象类别 (空)" in contradictions["message_zh"].iloc[0]
    bad = errors[errors["row"] == 9].set_index("kind")
    assert "not_numeric" in bad.index and "excel_error" in bad.index
    assert (
        "第 9 行 列「转移性收入」" in bad.loc["excel_error", "message_zh"]
        and "#DIV/0!" in bad.loc["excel_error", "message_zh"]
    )


def test_category_column_alone_gives_the_household_type(tmp_path):
    path = tmp_path / "监测对象.csv"
    path.write_text(
        "户编号,年度,省,市,县,家庭人口数,监测对象类别,工资性收入,生产经营性收入,生产经营性支出,财产性收入,转移性收入\n"
        "0020001,2024,河南省,信阳市,光山县,3,边缘易致贫户,9000,0,0,0,100\n"
        "0020002,2024,河南省,信阳市,光山县,3,,9000,0,0,0,100\n",
        encoding="utf-8",
    )
    result = ingest([path])
    assert result.panel.households["household_type"].tolist() == ["边缘易致贫户"]
    assert result.errors["kind"].tolist() == ["missing_value"] and result.errors["row"].tolist() == [3]


def _national_fixtures():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent / "data" / "exports_national" / "make_fixtures.py"
    spec = importlib.util.spec_from_file_location("national_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FX = _national_fixtures()
REGION = list(FX.REGION)


def test_person_level_export_is_aggregated_to_households(tmp_path):
    rows = [list(r) for r in FX.PERSONS_2024]
    wage = FX.PERSON_HEADER.index("工资性收入（元）") - 1  # the rows lack 序号
    size = FX.PERSON_HEADER.index("家庭人口数") - 1
    rows[1][wage] += 1  # the second member of 0410001 disagrees on the wage: that household is rejected
    rows[3][size] = 5  # 0410002 states 5 members, has 2: a warning, the member count is used
    path = tmp_path / "家庭成员信息.xlsx"
    FX.write_person_workbook(path, 2024, rows)
    result = ingest([path])
    n = len(FX.HOUSEHOLDS)
    acc = result.accounting.iloc[0]
    assert (acc["persons_read"], acc["rows_read"], acc["rows_accepted"], acc["rows_rejected"]) == (
        len(rows),
        n,
        n - 1,
        1,
    )
    hh = result.panel.households.sort_values("household_size", kind="stable")
    expected = {}
    for i, (*_, members) in enumerate(FX.HOUSEHOLDS[1:], 1):
        skills = [s for _, s in members]
        full = sum(s in ("普通劳动力", "技能劳动力") for s in skills)
        weak = skills.count("弱劳动力或半劳动力")
        w, oi, oe, pr, tr = FX.incomes(i, 2024)
        expected[i] = (len(members), full, weak, round((w + oi - oe + pr + tr) / len(members), 6))
    got = zip(hh["household_size"], hh["labour_full"], hh["labour_weak"], hh["net_income_pc"].round(6), strict=True)
    assert sorted(got) == sorted(expected.values())
    assert dict(zip(*hh["household_type"].value_counts().reset_index().to_numpy().T, strict=True)) == {
        "一般脱贫户": 6,
        "脱贫不稳定户": 2,
        "边缘易致贫户": 2,
        "突发严重困难户": 1,
    }
    problems = result.problems.set_index("kind")
    assert "第 4, 5, 6 行" in problems.loc["members_disagree", "message_zh"]
    assert "工资性收入（元）" in problems.loc["members_disagree", "message_zh"]
    assert problems.loc["size_disagrees_with_members", "severity"] == "warning"
    assert int(problems.loc["size_disagrees_with_members", "row"]) == 7
    # no member's name, ID number or person number reaches the panel or a message
    text = result.panel.households.astype(str).to_csv() + result.problems.to_csv() + result.rejections.to_csv()
    for raw in FX.RAW_IDENTIFIERS:
        assert raw not in text
    assert not any(r[1] in text for r in rows)  # 人编号


def test_two_row_header_with_merged_group_cells(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["光山县2024年脱贫户收入情况表"])
    sheet.append(["单位：元"])
    sheet.append(
        ["序号", "户编号", "年度", "省", "市", "县", "家庭人口数", "户类型", "收入情况", None, None, None, None]
    )
    sheet.append(
        [None] * 8
        + ["工资性收入（元）", "生产经营性收入(元)", "生产经营性支出(元)", "财产性收入(元)", "转移性收入(元)"]
    )
    for c in "ABCDEFGH":
        sheet.merge_cells(f"{c}3:{c}4")
    sheet.merge_cells("I3:M3")
    sheet.append([1, "0030001", 2024, *REGION, 3, "一般脱贫户", 20000, 5000, 1000, 300, 2000])
    sheet.append([2, "0030002", 2024, *REGION, 2, "脱贫不稳定户", 9000, 2000, 500, 0, 1500])
    book.save(tmp_path / "两行表头.xlsx")
    result = ingest([tmp_path / "两行表头.xlsx"])
    assert result.ok, result.problems["message_zh"].tolist()
    assert result.accounting.iloc[0]["header_row"] == 4 and result.accounting.iloc[0]["rows_accepted"] == 2
    assert "unknown_column" not in set(result.problems["kind"])  # 序号 carries nothing: not reported
    assert sorted(result.panel.households["net_income_pc"]) == pytest.approx([(9000 + 1500 + 1500) / 2, 26300 / 3])


def test_column_map_for_unknown_headers_and_validate_prints_the_mapping(tmp_path, capsys):
    from evalkit.cli.main import main

    export = tmp_path / "自定义.csv"
    export.write_text(
        "HH_NO,统计年份,省,市,县,人口,类别,务工收入,经营收入,经营支出,财产收入,转移收入,备注\n"
        "0050001,2024,河南省,信阳市,光山县,3,一般脱贫户,20000,5000,1000,300,2000,\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "列映射.csv"
    mapping.write_text(
        "header,field\nHH_NO,household_id\n统计年份,year\n人口,household_size\n类别,household_type\n"
        "务工收入,wage\n经营收入,operating_income\n经营支出,operating_expenses\n财产收入,property\n转移收入,transfer\n",
        encoding="utf-8",
    )
    assert main(["validate", str(export), "--columns", str(mapping)]) == 0
    out = capsys.readouterr().out
    assert "  HH_NO → household_id" in out and "  务工收入 → wage" in out and "  备注 → 未使用 / not used" in out
    assert main(["validate", str(export)]) == 1  # without the map the headers are unknown
    out = capsys.readouterr().out
    assert "  HH_NO → 未使用 / not used" in out
    bad = tmp_path / "坏映射.csv"
    bad.write_text("header,field\nHH_NO,household_number\n", encoding="utf-8")
    assert main(["validate", str(export), "--columns", str(bad)]) != 0
    assert "坏映射.csv 第2行 列「field」值 'household_number'" in capsys.readouterr().err


NATIONAL = __import__("pathlib").Path(__file__).parent / "data" / "exports_national"


@pytest.mark.parametrize(
    "name, extra",
    [
        ("家庭成员信息_2023.xlsx", []),
        ("家庭成员信息_2024.xlsx", []),
        ("户信息_2024_gbk.csv", []),
        ("两行表头_2024.xlsx", []),
        ("自定义表头_2024.csv", ["--columns", "列映射.csv"]),
    ],
)
def test_every_national_fixture_validates_with_its_accounting(capsys, name, extra):
    """Done-when of issue 12: each fixture of tests/data/exports_national gives exit 0 with its
    row accounting (the custom-header file with its mapping file)."""
    from evalkit.cli.main import main

    args = [str(NATIONAL / name), *(str(NATIONAL / a) if a.endswith(".csv") else a for a in extra)]
    code = main(["validate", *args])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "行数核算 / row accounting" in out and name in out and "Traceback" not in out


def test_unknown_headers_without_their_map_name_file_and_column(capsys):
    from evalkit.cli.main import main

    code = main(["validate", str(NATIONAL / "自定义表头_2024.csv")])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert code == 1 and "自定义表头_2024.csv" in text and "HH_NO" in text, text
