"""Regenerate the small export fixtures of tests/test_ingest.py (run: python tests/data/exports/make_fixtures.py).

Every person here is fictitious: the names, ID-card numbers and phone numbers are made up, and
every ID number carries the sequence code 999, as the demo generator's fake ones do (the
leak tests search evalkit's outputs for exactly these strings). The fixtures imitate what
防止返贫监测 exports look like: Chinese headers with full-width brackets and units, a title row
above the header, GBK or UTF-8 (with BOM) CSV, XLSX with title rows, a blank row, a trailing
合计 row, household ids stored as numbers (leading zeros lost) and ID-card numbers ending in x.

Files written next to this script:

* ``good_utf8.csv``, ``good_bom.csv``, ``good_gbk.csv``, ``good.xlsx``, ``good.parquet``: valid
  household files (the XLSX has the title rows, blank row and total row);
* ``measures_long.csv`` (GBK), ``measures_long.xlsx``: valid long measure files;
* ``bad_<kind>.csv`` and ``bad_<kind>.xlsx`` for every validation error kind;
* ``aliases_gbk.csv``: the good rows with region aliases (广西区, 红河州, 信阳, 光山, 南宁) and one
  misspelt prefecture (红河洲, line 8) that must be rejected with suggestions;
* ``measures_orphan.csv``: a long measure file whose lines 3 and 5 name household-years absent
  from the household files (0010009 in 2023; 0010001 in 2022);
* ``manifest.csv``: for each bad file the kind, the row as seen in the file, the user's header
  and the canonical column of the planted problem.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import openpyxl
import pandas as pd

HERE = Path(__file__).resolve().parent
_SHARED = importlib.util.spec_from_file_location("fake_people", HERE.parent / "fake_people.py")
people = importlib.util.module_from_spec(_SHARED)
_SHARED.loader.exec_module(people)  # type: ignore[union-attr]

HEADER = [
    *people.IDENTITY_HEADER,
    "联系电话",
    *people.PLACE_HEADER,
    "工资性收入（元）",
    "生产经营性收入",
    "生产经营性支出",
    "财产性收入",
    "转移性收入",
    "人均纯收入",
    "公益性岗位",
    "小额信贷",
    "备注",
]
# 户编号, name, ID card, phone, year, province, prefecture, county, township, size, type,
# wage, operating income, operating expenses, property, transfer, per-capita net income (reported),
# 公益性岗位 (amount), 小额信贷 (flag), remarks
ROWS = [
    [
        "0010001",
        "王小明",
        people.fake_id_number("411522", "19800101", "x"),
        "13800138001",
        "2023",
        "河南省",
        "信阳市",
        "光山县",
        "",
        "4",
        "一般脱贫户",
        "32000",
        "8000",
        "3000",
        "400",
        "2600",
        "10000",
        "6000",
        "否",
        "",
    ],
    [
        "0010002",
        "李春花",
        people.fake_id_number("411522", "19850202", "1"),
        "13800138002",
        "2023",
        "河南省",
        "信阳市",
        "光山县",
        "",
        "3",
        "脱贫不稳定户",
        "15000",
        "6000",
        "4500",
        "0",
        "7500",
        "8000",
        "",
        "是",
        "",
    ],
    [
        "0010003",
        "赵大勇",
        people.fake_id_number("532526", "19770303", "6"),
        "13900139003",
        "2023",
        "云南省",
        "红河哈尼族彝族自治州",
        "弥勒市",
        "新哨镇",
        "5",
        "边缘易致贫户",
        "40000",
        "12000",
        "14000",
        "500",
        "1500",
        "8000",
        "0",
        "否",
        "危房改造",
    ],
    [
        "0010004",
        "陈美玲",
        people.fake_id_number("360724", "19900404", "8"),
        "13700137004",
        "2023",
        "江西省",
        "赣州市",
        "上犹县",
        "营前镇",
        "2",
        "突发严重困难户",
        "9000",
        "1000",
        "0",
        "0",
        "6000",
        "8000",
        "是",
        "否",
        "",
    ],
    [
        "0010005",
        "刘建国",
        people.fake_id_number("450102", "19650505", "9"),
        "13600136005",
        "2023",
        "广西壮族自治区",
        "南宁市",
        "兴宁区",
        "",
        "3",
        "一般脱贫户",
        "30000",
        "2000",
        "5000",
        "300",
        "2700",
        "10000",
        "",
        "",
        "",
    ],
]
TITLE = "光山县等2023年度脱贫人口收入监测台账"
#: Raw identifiers planted in the fixtures (searched for in every output by the leak tests).
RAW_IDENTIFIERS = [v for r in ROWS for v in (r[0], r[1], r[2], r[3])] + ["41152219800101999X"]

MEASURE_HEADER = ["户编号", "户主姓名", "年度", "帮扶措施", "金额（元）"]
MEASURE_ROWS = [
    ["0010001", "王小明", "2023", "乡村公益性岗位", "6000"],
    ["0010002", "李春花", "2023", "脱贫人口小额信贷", "50000"],
    ["0010002", "李春花", "2023", "技能培训", ""],
    ["0010003", "赵大勇", "2023", "光伏扶贫收益", "800"],
    ["0010004", "陈美玲", "2023", "低保", "4200"],
]


def write_csv(path: Path, header, rows, encoding: str, title: str | None = TITLE) -> int:
    """Write a CSV with an optional title line; returns the line number of the first data row."""
    with open(path, "w", encoding=encoding, newline="") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        if title:
            out.writerow([title])
        out.writerow(header)
        out.writerows(rows)
    return 3 if title else 2


def _xlsx_cell(header: str, value: str):
    """Cells as an export tool writes them: numbers as numbers, 户编号 as a number (zeros lost)."""
    if value == "":
        return None
    if header == "户编号":
        return int(value)
    if header in ("身份证号码", "联系电话", "户主姓名", "帮扶措施"):
        return value
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


def write_xlsx(path: Path, header, rows, blank_after: int | None = None, total: bool = True) -> list[int]:
    """Write an XLSX with two title rows, optional blank row and trailing 合计 row; returns the Excel row of
    each data row."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(["填报单位: 乡村振兴局", None, None, "单位: 元"])
    sheet.append(header)
    excel_rows = []
    for i, row in enumerate(rows):
        sheet.append([_xlsx_cell(h, v) for h, v in zip(header, row, strict=False)])
        excel_rows.append(sheet.max_row)
        if blank_after is not None and i == blank_after:
            sheet.append([])
            sheet.append([None] * len(header))
    if total:
        sheet.append(["合计"] + [None] * (len(header) - 1))
    book.save(path)
    return excel_rows


def alias_rows() -> list[list[str]]:
    """The good rows as exports often spell regions (aliases of data/region_aliases.csv), plus a misspelt one."""
    spelled = {
        "信阳市": "信阳",
        "光山县": "光山",
        "红河哈尼族彝族自治州": "红河州",
        "广西壮族自治区": "广西区",
        "南宁市": "南宁",
    }
    rows = [[spelled.get(v, v) if 5 <= j <= 7 else v for j, v in enumerate(r)] for r in ROWS]
    rows[0][HEADER.index("市（州）")] = "信阳市"  # canonical and alias names mix in one file
    misspelt = list(ROWS[2])
    misspelt[0], misspelt[HEADER.index("市（州）")] = "0010006", "红河洲"
    return rows + [misspelt]


ORPHAN_MEASURE_ROWS = [
    MEASURE_ROWS[0],
    ["0010009", "无此户", "2023", "低保", "3000"],
    MEASURE_ROWS[1],
    ["0010001", "王小明", "2022", "技能培训", ""],
]


def write_alias_fixtures() -> None:
    """aliases_gbk.csv and measures_orphan.csv (written without regenerating the other fixtures)."""
    write_csv(HERE / "aliases_gbk.csv", HEADER, alias_rows(), "gbk")
    write_csv(HERE / "measures_orphan.csv", MEASURE_HEADER, ORPHAN_MEASURE_ROWS, "utf-8", title=None)


def _bad_variants(fmt: str) -> dict[str, tuple[list[str], list[list[str]], int, str]]:
    """kind -> (header, rows, index of the bad data row, user header of the bad cell)."""

    def edited(index: int, column: str, value: str):
        rows = [list(r) for r in ROWS]
        rows[index][HEADER.index(column)] = value
        return HEADER, rows, index, column

    dup_rows = [list(r) for r in ROWS] + [list(ROWS[1])]
    dropped = [h for h in HEADER if h != "家庭人口数"]
    return {
        "missing_column": (
            dropped,
            [[v for h, v in zip(HEADER, r, strict=False) if h != "家庭人口数"] for r in ROWS],
            -1,
            "",
        ),
        "not_numeric": edited(2, "工资性收入（元）", "四万" if fmt == "csv" else "四万元"),
        "household_size": edited(1, "家庭人口数", "0" if fmt == "csv" else "2.5"),
        "negative": edited(3, "财产性收入" if fmt == "csv" else "生产经营性支出", "-50"),
        "duplicate_key": (HEADER, dup_rows, len(ROWS), "户编号"),
        "year_out_of_range": edited(0, "年度", "2099" if fmt == "csv" else "2008"),
        "unknown_region": edited(4, "县(市、区)", "光明县"),
        "unknown_household_type": edited(2, "户类型", "贫困户"),
        "total_mismatch": edited(0, "人均纯收入", "10010"),
    }


def main() -> None:
    manifest = []
    write_csv(HERE / "good_utf8.csv", HEADER, ROWS, "utf-8")
    write_csv(HERE / "good_bom.csv", HEADER, ROWS, "utf-8-sig", title=None)
    write_csv(HERE / "good_gbk.csv", HEADER, ROWS, "gbk")
    write_xlsx(HERE / "good.xlsx", HEADER, ROWS, blank_after=1)
    canonical = pd.DataFrame(
        ROWS,
        columns=[
            "household_id",
            "head_name",
            "id_card",
            "phone",
            "year",
            "province",
            "prefecture",
            "county",
            "township",
            "household_size",
            "household_type",
            "wage",
            "operating_income",
            "operating_expenses",
            "property",
            "transfer",
            "reported_net_income_pc",
            "public_welfare_post",
            "microcredit",
            "remarks",
        ],
    ).drop(columns=["public_welfare_post", "microcredit", "remarks"])
    for col in ["year", "household_size"]:
        canonical[col] = canonical[col].astype("int64")
    for col in ["wage", "operating_income", "operating_expenses", "property", "transfer", "reported_net_income_pc"]:
        canonical[col] = canonical[col].astype("float64")
    canonical.to_parquet(HERE / "good.parquet", index=False)
    write_csv(HERE / "measures_long.csv", MEASURE_HEADER, MEASURE_ROWS, "gbk", title=None)
    write_xlsx(HERE / "measures_long.xlsx", MEASURE_HEADER, MEASURE_ROWS, total=False)

    encodings = {
        "missing_column": "gbk",
        "not_numeric": "utf-8-sig",
        "household_size": "gbk",
        "negative": "utf-8",
        "duplicate_key": "utf-8-sig",
        "year_out_of_range": "gbk",
        "unknown_region": "utf-8",
        "unknown_household_type": "gbk",
        "total_mismatch": "utf-8-sig",
    }
    for fmt in ("csv", "xlsx"):
        for kind, (header, rows, bad, column) in _bad_variants(fmt).items():
            path = HERE / f"bad_{kind}.{fmt}"
            if fmt == "csv":
                first = write_csv(path, header, rows, encodings[kind])
                row = first + bad if bad >= 0 else ""
            else:
                excel_rows = write_xlsx(path, header, rows, blank_after=0 if bad > 0 else None)
                row = excel_rows[bad] if bad >= 0 else ""
            manifest.append({"file": path.name, "kind": kind, "row": row, "column": column})
    bad_measures = MEASURE_ROWS + [["0010005", "刘建国", "2023", "发放鸡苗", "300"]]
    first = write_csv(HERE / "bad_unknown_measure.csv", MEASURE_HEADER, bad_measures, "gbk")
    manifest.append(
        {"file": "bad_unknown_measure.csv", "kind": "unknown_measure", "row": first + 5, "column": "帮扶措施"}
    )
    excel_rows = write_xlsx(HERE / "bad_unknown_measure.xlsx", MEASURE_HEADER, bad_measures, total=True)
    manifest.append(
        {"file": "bad_unknown_measure.xlsx", "kind": "unknown_measure", "row": excel_rows[5], "column": "帮扶措施"}
    )
    pd.DataFrame(manifest).to_csv(HERE / "manifest.csv", index=False, encoding="utf-8")
    write_alias_fixtures()


if __name__ == "__main__":
    main()
