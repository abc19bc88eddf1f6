"""The hostile-export corpus of issue 18: export-shaped files that break naive readers.

``python tests/data/hostile/make_hostile.py [FOLDER]`` writes every file and ``manifest.csv``
(file, case, expected outcome) into FOLDER (default: this folder's ``files/``, git-ignored);
the tests build the corpus in a temporary folder with :func:`build`. The committed
``manifest.csv`` beside this script is the same table (a test checks they agree).

Expected outcome per file: ``kinds`` — the problem kinds ingest must report (``;``-joined, sorted;
file-level errors included), ``accepted`` — household rows accepted, ``readable`` — whether the
file is read at all. Identifiers are fake (ID numbers with sequence code 999, phones 139 0000 xxxx).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

HEADER = [
    "户编号",
    "年度",
    "省",
    "市",
    "县",
    "乡镇",
    "村",
    "户主姓名",
    "身份证号码",
    "联系电话",
    "家庭人口数",
    "户类型",
    "工资性收入",
    "生产经营性收入",
    "生产经营性支出",
    "财产性收入",
    "转移性收入",
]


def fake_id(i: int) -> str:
    """A fake 18-character ID number (sequence code 999, check character not computed)."""
    return f"411522198001{i % 28 + 1:02d}999X"


def row(i: int, **change) -> list[str]:
    values = {
        "户编号": f"H{i:04d}",
        "年度": "2024",
        "省": "河南省",
        "市": "信阳市",
        "县": "光山县",
        "乡镇": "甲镇",
        "村": "幸福村",
        "户主姓名": f"张{i}",
        "身份证号码": fake_id(i),
        "联系电话": f"1390000{i:04d}",
        "家庭人口数": "3",
        "户类型": "一般脱贫户",
        "工资性收入": "20000",
        "生产经营性收入": "3000",
        "生产经营性支出": "1000",
        "财产性收入": "200",
        "转移性收入": "4000",
    }
    values.update(change)
    return [values[h] for h in HEADER]


def lines(rows: list[list[str]]) -> list[str]:
    """CSV lines, fields quoted only where csv would quote them."""
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEADER, *rows])
    return out.getvalue().splitlines(keepends=True)


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def stray_quote_closed(path: Path) -> None:
    body = lines([row(i) for i in range(30)])
    body[11] = body[11].replace("幸福村", '"幸福村', 1)  # opens on physical line 12 …
    body[15] = body[15].replace("幸福村", '幸福村"', 1)  # … and closes on line 16
    _write(path, "".join(body))


def stray_quote_unclosed(path: Path) -> None:
    body = lines([row(i) for i in range(30)])
    body[11] = body[11].replace("幸福村", '"幸福村', 1)
    _write(path, "".join(body))


def bare_cr(path: Path) -> None:
    body = lines([row(i) for i in range(10)])
    body[5] = body[5].replace("幸福村", "幸福\r村", 1)  # a bare CR inside an unquoted cell splits the record
    _write(path, "".join(body))


def extra_field(path: Path) -> None:
    body = lines([row(i) for i in range(10)])
    body[4] = body[4].rstrip("\n") + ",9999\n"
    _write(path, "".join(body))


def shifted_identifiers(path: Path) -> None:
    """An unquoted comma in a name: the ID number lands in 联系电话, the phone in 家庭人口数, …"""
    body = lines([row(i) for i in range(10)])
    body[3] = body[3].replace("张2,", "张,2,", 1)
    _write(path, "".join(body))


def absurd_values(path: Path) -> None:
    rows = [
        row(0, 工资性收入="inf"),
        row(1, 工资性收入="1e308"),
        row(2, 工资性收入="1e12"),
        row(3, 家庭人口数="99"),
        row(4, 生产经营性支出="999999999"),
        row(5, 工资性收入="2,1000"),
        row(6, 工资性收入="21 500"),
        row(7, 工资性收入="nan"),
        row(8, 工资性收入="２００００", 家庭人口数="３"),  # full-width digits: accepted
        row(9, 财产性收入="/", 转移性收入="-"),  # flag marks for "none": accepted as 0 with a warning
        row(10, 工资性收入="20,000"),  # thousands separator: accepted
    ]
    _write(path, "".join(lines(rows)))


def subtotals_without_total(path: Path) -> None:
    rows = []
    for t, town in enumerate(["甲镇", "乙镇", "丙镇"]):
        rows += [row(10 * t + i, 乡镇=town) for i in range(4)]
        if t < 2:  # a 小计 after each township but the last, and no final 合计
            rows.append(["小计", *[""] * 9, "12", "", "80000", "12000", "4000", "800", "16000"])
    _write(path, "".join(lines(rows)))


def all_one_id(path: Path) -> None:
    """Excel turned every 户编号 into 4.11522E+13: 2,000 copies of one id."""
    _write(path, "".join(lines([row(i, 户编号="4.11522E+13") for i in range(2000)])))


def header_only(path: Path) -> None:
    _write(path, "".join(lines([])))


def semicolons(path: Path) -> None:
    _write(path, "".join(";".join(r) + "\n" for r in [HEADER, row(0), row(1)]))


def huge_cell(path: Path) -> None:
    body = lines([row(i) for i in range(60)])
    body[55] = body[55].replace("幸福村", "幸福村" + "x" * 200_000, 1)
    _write(path, "".join(body))


def per_capita_header(path: Path) -> None:
    """工资性收入（元/人） and 人均转移性收入: per-capita amounts, converted to household totals (× 家庭人口数)
    with a warning; household sizes 2, 3 and 4."""
    body = lines([row(i, 家庭人口数=str(2 + i % 3), 工资性收入="5000", 转移性收入="1000") for i in range(6)])
    body[0] = body[0].replace("工资性收入", "工资性收入（元/人）", 1).replace("转移性收入", "人均转移性收入", 1)
    _write(path, "".join(body))


def formula_payloads(path: Path) -> None:
    """Place names carrying spreadsheet formulas: read as text (the TAB of ``\\t=2+2`` kept);
    every spreadsheet evalkit writes neutralises them."""
    rows = [row(0, 村='=HYPERLINK("http://x","点击")'), row(1, 村="@SUM(1)"), row(2, 村="\t=2+2"), row(3)]
    _write(path, "".join(lines(rows)))


def _xlsx_header_rows(sheet, rows: list[list[str]]) -> None:
    sheet.append(HEADER)
    for r in rows:
        sheet.append(r)


def hidden_stale_sheet(path: Path) -> None:
    """A hidden stale sheet placed first: skipped with a note; the visible sheet is read."""
    import openpyxl

    book = openpyxl.Workbook()
    stale = book.active
    stale.title = "旧数据"
    _xlsx_header_rows(stale, [row(900 + i, 户编号=f"OLD{i}") for i in range(5)])
    stale.sheet_state = "hidden"
    _xlsx_header_rows(book.create_sheet("甲镇"), [row(i) for i in range(3)])
    book.save(path)


def sheet_per_township(path: Path) -> None:
    """A sheet per township (10 rows each) behind a hidden stale sheet, and a visible notes sheet
    without a header: all 30 rows read, each sheet named; the hidden and the notes sheet not read."""
    import openpyxl

    book = openpyxl.Workbook()
    stale = book.active
    stale.title = "旧数据"
    _xlsx_header_rows(stale, [row(900 + i, 户编号=f"OLD{i}") for i in range(5)])
    stale.sheet_state = "hidden"
    for k, town in enumerate(["甲镇", "乙镇", "丙镇"]):
        _xlsx_header_rows(book.create_sheet(town), [row(10 * k + i, 乡镇=town) for i in range(10)])
    book.create_sheet("填表说明").append(["本表由乡镇填报"])
    book.save(path)


def formula_without_value(path: Path) -> None:
    """A workbook written by a program that does not calculate: 工资性收入 of the second row is
    ``=N3*2`` with no saved value (not blank: reported as that formula, not a number)."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "台账"
    _xlsx_header_rows(book.active, [row(i) for i in range(3)])
    book.active["M3"] = "=N3*2"
    book.save(path)


def huge_dimension(path: Path) -> None:
    """A small file whose sheet declares A1:XFD1048576: refused before its rows are read."""
    import openpyxl

    book = openpyxl.Workbook()
    _xlsx_header_rows(book.active, [row(0)])
    book.active.cell(row=1_048_576, column=16_384, value="x")
    book.save(path)


#: name → (builder, expected problem kinds, household rows accepted, file readable)
CASES = {
    "stray_quote_closed.csv": (stray_quote_closed, "line_break_in_text;multiline_record", 25, True),
    "stray_quote_unclosed.csv": (stray_quote_unclosed, "unreadable_file", 0, False),
    "bare_cr.csv": (
        bare_cr,
        "field_count;identifier_in_text;implausible_value;invalid_id_card;missing_value;not_numeric;unknown_region",
        9,
        True,
    ),
    "extra_field.csv": (extra_field, "field_count;unknown_column", 9, True),
    "shifted_identifiers.csv": (
        shifted_identifiers,
        "field_count;implausible_value;invalid_id_card;not_numeric;unknown_column;unknown_household_type",
        9,
        True,
    ),
    "absurd_values.csv": (absurd_values, "flag_mark;implausible_value;not_numeric", 3, True),
    "subtotals_without_total.csv": (subtotals_without_total, "", 12, True),
    "all_one_id.csv": (all_one_id, "duplicate_key", 0, True),
    "header_only.csv": (header_only, "no_rows", 0, True),
    "semicolons.csv": (semicolons, "unreadable_file", 0, False),
    "huge_cell.csv": (huge_cell, "unreadable_file", 0, False),
    "formula_payloads.csv": (formula_payloads, "", 4, True),
    "hidden_stale_sheet.xlsx": (hidden_stale_sheet, "sheet_note", 3, True),
    "huge_dimension.xlsx": (huge_dimension, "unreadable_file", 0, False),
    "sheet_per_township.xlsx": (sheet_per_township, "sheet_note", 30, True),
    "per_capita_header.csv": (per_capita_header, "per_capita_column", 6, True),
    "formula_without_value.xlsx": (formula_without_value, "not_numeric;sheet_note", 2, True),
}


def manifest_rows() -> list[dict]:
    return [
        {"file": name, "case": builder.__name__, "kinds": kinds, "accepted": accepted, "readable": readable}
        for name, (builder, kinds, accepted, readable) in CASES.items()
    ]


def write_manifest(path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["file", "case", "kinds", "accepted", "readable"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(manifest_rows())


def build(folder: str | Path) -> list[dict]:
    """Write every file of the corpus and ``manifest.csv`` into ``folder``; returns the manifest rows."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, (builder, *_rest) in CASES.items():
        builder(folder / name)
    write_manifest(folder / "manifest.csv")
    return manifest_rows()


if __name__ == "__main__":
    build(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "files")
