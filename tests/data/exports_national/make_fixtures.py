# ruff: noqa: E501  (the fixture tables keep one household per line)
"""Regenerate the fixtures shaped like the national 防返贫监测 system's exports (run:
``python tests/data/exports_national/make_fixtures.py``); used by tests/test_walkthrough.py and the
README section 从监测系统导出到报告 / from a monitoring-system export to a report.

Every person here is fictitious: names are made up (测 in every name), every ID-card number
carries the sequence code 999 (positions 15–17), phone numbers are absent. Files written next to
this script (光山县, 信阳市, 河南省):

* ``家庭成员信息_2023.xlsx``, ``家庭成员信息_2024.xlsx``: person-level exports (one row per member:
  序号, 户编号, 人编号, 姓名, 证件号码, 与户主关系, 劳动技能, household fields repeated), a title row
  and an export-note row (单位：元) above the header, units in the headers (工资性收入（元）), the
  system's 户类型 (脱贫户/一般农户/监测户) with 监测对象类别, 风险消除情况 已消除/未消除;
* ``户信息_2024_gbk.csv``: household-level, GBK, both 户类型 and 监测对象类别, yes/no as √/× and
  是/否, amounts with 元 and thousands separators, one full-width number;
* ``两行表头_2024.xlsx``: a two-row header (收入情况 merged over the five income columns), 序号;
* ``自定义表头_2024.csv`` with headers no alias table knows, and ``列映射.csv`` mapping them.

The tables are module constants (PERSONS_2023, ..., HOUSEHOLDS_GBK, ...) so that tests compute the
expected counts and incomes by hand from the same rows.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
_SHARED = importlib.util.spec_from_file_location("fake_people", HERE.parent / "fake_people.py")
people = importlib.util.module_from_spec(_SHARED)
_SHARED.loader.exec_module(people)  # type: ignore[union-attr]
REGION = ("河南省", "信阳市", "光山县")
TOWNSHIPS = ("测试镇", "示范乡")

# --- person-level exports ------------------------------------------------------------------------

PERSON_HEADER = [
    "序号",
    "户编号",
    "人编号",
    "姓名",
    "证件号码",
    "与户主关系",
    "劳动技能",
    "家庭人口数",
    "户类型",
    "监测对象类别",
    "风险消除情况",
    "纳入监测年度",
    "年度",
    "省",
    "市",
    "县",
    "乡镇",
    "村",
    "工资性收入（元）",
    "生产经营性收入（元）",
    "生产经营性支出（元）",
    "财产性收入（元）",
    "转移性收入（元）",
]
#: (户编号, 户类型, 监测对象类别, 风险消除情况, 纳入监测年度, members: (与户主关系, 劳动技能)) per household
HOUSEHOLDS = [
    ("0410001", "脱贫户", "", "", "", [("户主", "普通劳动力"), ("配偶", "普通劳动力"), ("之子", "无劳动力")]),
    ("0410002", "脱贫户", "", "", "", [("户主", "技能劳动力"), ("配偶", "弱劳动力或半劳动力")]),
    ("0410003", "脱贫户", "脱贫不稳定户", "未消除", "2022", [("户主", "弱劳动力或半劳动力"), ("配偶", "丧失劳动力")]),
    ("0410004", "一般农户", "边缘易致贫户", "已消除", "2021", [("户主", "普通劳动力"), ("之女", "无劳动力")]),
    (
        "0410005",
        "监测户",
        "突发严重困难户",
        "未消除",
        "2023",
        [("户主", "普通劳动力"), ("配偶", "普通劳动力"), ("之子", "普通劳动力"), ("之孙", "无劳动力")],
    ),
    ("0410006", "脱贫户", "", "", "", [("户主", "普通劳动力"), ("配偶", "弱劳动力或半劳动力"), ("之子", "技能劳动力")]),
    ("0410007", "脱贫户", "", "", "", [("户主", "丧失劳动力")]),
    ("0410008", "脱贫户", "", "", "", [("户主", "普通劳动力"), ("配偶", "普通劳动力")]),
    (
        "0410009",
        "脱贫户",
        "脱贫不稳定户",
        "已消除",
        "2021",
        [("户主", "普通劳动力"), ("之子", "无劳动力"), ("之女", "无劳动力")],
    ),
    ("0410010", "脱贫户", "", "", "", [("户主", "技能劳动力"), ("配偶", "普通劳动力")]),
    ("0410011", "一般农户", "边缘易致贫户", "未消除", "2022", [("户主", "弱劳动力或半劳动力"), ("配偶", "普通劳动力")]),
    ("0410012", "脱贫户", "", "", "", [("户主", "普通劳动力"), ("配偶", "普通劳动力"), ("之子", "无劳动力")]),
]
SURNAMES = "张王李赵孙周吴郑冯陈褚卫"
GIVEN = ("测一", "测二", "测三", "测四")


def incomes(i: int, year: int) -> tuple[int, int, int, int, int]:
    """(wage, operating income, operating expenses, property, transfer) of household ``i`` in ``year``."""
    grow = 100 + 8 * (year - 2023)  # 8% more in 2024
    return (
        (9000 + 2500 * i) * grow // 100,
        (3000 + 400 * (i % 4)) * grow // 100,
        (800 + 100 * (i % 3)) * grow // 100,
        200 * (i % 2),
        2400 + 300 * (i % 5),
    )


def id_card(i: int, member: int) -> str:
    """A fake ID-card number (sequence code 999) for member ``member`` of household ``i``."""
    return people.fake_id_number("411522", f"{1960 + 3 * i + member:04d}{1 + member:02d}{1 + i:02d}", str(member % 10))


def person_rows(year: int) -> list[list]:
    rows = []
    for i, (hid, htype, category, risk, since, members) in enumerate(HOUSEHOLDS):
        for m, (relation, skill) in enumerate(members):
            rows.append(
                [
                    hid,
                    f"{hid}{m + 1:02d}",
                    f"{SURNAMES[i]}{GIVEN[m]}",
                    id_card(i, m),
                    relation,
                    skill,
                    len(members),
                    htype,
                    category,
                    risk,
                    since,
                    year,
                    *REGION,
                    TOWNSHIPS[i % 2],
                    f"测试村{1 + i % 3}",
                    *incomes(i, year),
                ]
            )
    return rows


PERSONS_2023 = person_rows(2023)
PERSONS_2024 = person_rows(2024)


def write_person_workbook(path: Path, year: int, rows: list[list]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "家庭成员信息"
    sheet.append([f"光山县防返贫监测家庭成员信息({year}年度)"])
    sheet.append(["导出单位: 光山县乡村振兴局(测试)  单位：元"])
    sheet.append(PERSON_HEADER)
    for n, row in enumerate(rows, 1):
        sheet.append([n, *row])
    for cell in sheet["E"][3:]:  # ID numbers stored as text, as the system exports them
        cell.number_format = "@"
    book.properties.creator = "evalkit fixtures"
    book.save(path)


# --- household-level GBK CSV with both type columns ----------------------------------------------

GBK_HEADER = [
    *people.IDENTITY_HEADER,
    *people.PLACE_HEADER,
    "监测对象类别",
    "风险是否消除",
    "是否易地扶贫搬迁",
    "工资性收入（元）",
    "生产经营性收入（元）",
    "生产经营性支出（元）",
    "财产性收入（元）",
    "转移性收入（元）",
]
#: household rows as the file holds them (text cells); ids 0420001–0420008
# fmt: off
HOUSEHOLDS_GBK = [
    ["0420001", "钱测一", people.fake_id_number("411522", "19750101", "1"), "2024", *REGION, "测试镇", "4", "脱贫户", "", "", "√", "32,000元", "8000", "3000", "400", "2600"],
    ["0420002", "孙测二", people.fake_id_number("411522", "19760102", "2"), "2024", *REGION, "测试镇", "3", "脱贫户", "脱贫不稳定户", "否", "×", "21000", "5,000", "1000", "0", "3000"],
    ["0420003", "李测三", people.fake_id_number("411522", "19770103", "3"), "2024", *REGION, "示范乡", "2", "一般农户", "边缘易致贫户", "是", "×", "１２０００", "2000", "500", "0", "1800"],
    ["0420004", "周测四", people.fake_id_number("411522", "19780104", "4"), "2024", *REGION, "示范乡", "5", "监测户", "突发严重困难户", "否", "√", "40000", "6000元", "2000", "1000", "5000"],
    ["0420005", "吴测五", people.fake_id_number("411522", "19790105", "5"), "2024", *REGION, "测试镇", "3", "脱贫户", "", "", "×", "26000", "4000", "1500", "300", "2400"],
    ["0420006", "郑测六", people.fake_id_number("411522", "19800106", "6"), "2024", *REGION, "示范乡", "2", "脱贫户", "", "", "×", "15000", "3000", "800", "0", "2000"],
    ["0420007", "冯测七", people.fake_id_number("411522", "19810107", "7"), "2024", *REGION, "测试镇", "4", "脱贫户", "", "", "√", "36000", "5000", "2000", "600", "3000"],
    ["0420008", "陈测八", people.fake_id_number("411522", "19820108", "8"), "2024", *REGION, "示范乡", "3", "脱贫户", "脱贫不稳定户", "是", "×", "18000", "2500", "700", "0", "2600"],
]
# fmt: on

# --- two-row header XLSX -------------------------------------------------------------------------

TWO_ROW_TOP = ["序号", "户编号", "年度", "省", "市", "县", "家庭人口数", "户类型", "收入情况", None, None, None, None]
TWO_ROW_BOTTOM = [None] * 8 + ["工资性收入", "生产经营性收入", "生产经营性支出", "财产性收入", "转移性收入"]
HOUSEHOLDS_TWO_ROW = [
    ["0430001", 2024, *REGION, 3, "一般脱贫户", 20000, 5000, 1000, 300, 2000],
    ["0430002", 2024, *REGION, 2, "脱贫不稳定户", 9000, 2000, 500, 0, 1500],
    ["0430003", 2024, *REGION, 4, "一般脱贫户", 30000, 6000, 2500, 500, 3000],
]

# --- unknown headers and the user's mapping ------------------------------------------------------

CUSTOM_HEADER = [
    "HH_NO",
    "统计年份",
    "省",
    "市",
    "县",
    "人口",
    "类别",
    "务工收入",
    "经营收入",
    "经营支出",
    "财产收入",
    "转移收入",
    "备注",
]
CUSTOM_ROWS = [
    ["0440001", "2024", *REGION, "3", "一般脱贫户", "20000", "5000", "1000", "300", "2000", ""],
    ["0440002", "2024", *REGION, "2", "边缘易致贫户", "12000", "1000", "200", "0", "1500", "村里核实"],
]
COLUMN_MAP = [
    ("HH_NO", "household_id"),
    ("统计年份", "year"),
    ("人口", "household_size"),
    ("类别", "household_type"),
    ("务工收入", "wage"),
    ("经营收入", "operating_income"),
    ("经营支出", "operating_expenses"),
    ("财产收入", "property"),
    ("转移收入", "transfer"),
]

#: Every raw identifier in the fixtures (names, ID-card numbers): no evalkit output may contain one.
RAW_IDENTIFIERS = sorted(
    {r[2] for r in PERSONS_2023 + PERSONS_2024}
    | {r[3] for r in PERSONS_2023 + PERSONS_2024}
    | {r[1] for r in HOUSEHOLDS_GBK}
    | {r[2] for r in HOUSEHOLDS_GBK}
)


def main() -> None:
    write_person_workbook(HERE / "家庭成员信息_2023.xlsx", 2023, PERSONS_2023)
    write_person_workbook(HERE / "家庭成员信息_2024.xlsx", 2024, PERSONS_2024)
    with open(HERE / "户信息_2024_gbk.csv", "w", encoding="gbk", newline="") as fh:
        fh.write("光山县2024年脱贫户和监测对象收入信息(测试数据)\n")
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(GBK_HEADER)
        writer.writerows(HOUSEHOLDS_GBK)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "户信息"
    sheet.append(["光山县2024年脱贫户收入情况表(测试数据)"])
    sheet.append(["单位：元"])
    sheet.append(TWO_ROW_TOP)
    sheet.append(TWO_ROW_BOTTOM)
    for column in "ABCDEFGH":
        sheet.merge_cells(f"{column}3:{column}4")
    sheet.merge_cells("I3:M3")
    for n, row in enumerate(HOUSEHOLDS_TWO_ROW, 1):
        sheet.append([n, *row])
    book.properties.creator = "evalkit fixtures"
    book.save(HERE / "两行表头_2024.xlsx")
    with open(HERE / "自定义表头_2024.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CUSTOM_HEADER)
        writer.writerows(CUSTOM_ROWS)
    with open(HERE / "列映射.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["header", "field"])
        writer.writerows(COLUMN_MAP)


if __name__ == "__main__":
    main()
