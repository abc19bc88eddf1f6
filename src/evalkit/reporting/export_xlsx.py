"""Excel annex of a report (openpyxl): every table of the report, one sheet per section, each
table under its heading, cells exactly as the report shows them (formatted strings, ``<10``
where suppressed), header rows bold and frozen per sheet, column widths set from the content.

Built from the blocks of :mod:`evalkit.reporting.document`, so suppression is the HTML's.
Deterministic: workbook properties carry a fixed time.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from evalkit.reporting.document import Block, normalise_zip, sections

FIXED_TIME = dt.datetime(2000, 1, 1)
_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(text: str, used: set[str]) -> str:
    """An Excel sheet name (≤ 31 characters, none of ``[]:*?/\\``, unique)."""
    base = _FORBIDDEN.sub(" ", text).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _width(text: str) -> float:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def blocks_to_xlsx(blocks: list[Block], path: str | Path, title: str = "") -> Path:
    """Write every table of ``blocks`` to ``path``: one sheet per section that has a table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = title
    workbook.properties.creator = "evalkit"
    workbook.properties.created = workbook.properties.modified = FIXED_TIME
    used: set[str] = set()
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EEF2F6")
    for heading, members in sections(blocks):
        tables = [b for b in members if b.kind == "table"]
        if not tables:
            continue
        sheet = workbook.create_sheet(_sheet_name(heading or title, used))
        widths: dict[int, float] = {}
        row = 1
        sheet.cell(row=row, column=1, value=heading or title).font = Font(bold=True, size=13)
        row += 2
        caption = heading
        for block in members:
            if block.kind == "heading" and block.level > 2:
                caption = block.text
            if block.kind == "notice" and block.style in ("note", "missing"):
                sheet.cell(row=row, column=1, value=block.text).font = Font(italic=True, color="555555")
                row += 1
            if block.kind != "table":
                continue
            if caption and caption != heading:
                sheet.cell(row=row, column=1, value=caption).font = bold
                row += 1
            for column, value in enumerate(block.header, start=1):
                cell = sheet.cell(row=row, column=column, value=value)
                cell.font, cell.fill = bold, fill
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                widths[column] = max(widths.get(column, 8), min(_width(value), 24))
            row += 1
            for values in block.rows:
                for column, value in enumerate(values, start=1):
                    sheet.cell(row=row, column=column, value=value)
                    widths[column] = max(widths.get(column, 8), min(_width(value) + 1, 60))
                row += 1
            row += 1
            caption = heading
        for column, width in widths.items():
            sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = width
    if not workbook.sheetnames:
        workbook.create_sheet("—")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(str(path))
    normalise_zip(path)
    return path
