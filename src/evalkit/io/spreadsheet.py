"""Spreadsheet exports that cannot run anything when opened (OWASP CSV injection guidance).

A text cell beginning with ``=``, ``+``, ``-``, ``@``, TAB or CR is read as a formula (or DDE
call) by Excel, LibreOffice and WPS. :func:`neutralise` prefixes such a cell with a single quote
(``'=HYPERLINK(...)`` is shown as text); :func:`write_xlsx` also stores every text cell as a
string cell, never as a formula. Numbers (a negative income) are left as numbers.

:func:`write_csv` and :func:`write_xlsx` put ``banner`` lines (e.g. 内部资料，注意保密) above the
header, so a household list says what it is in its first rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

#: First characters that make a spreadsheet cell a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """``value`` with a leading ``'`` when it is text beginning like a formula; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_frame(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with every text cell (and header) passed through :func:`neutralise`."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def write_csv(table: pd.DataFrame, path: str | Path, banner: Sequence[str] = ()) -> Path:
    """CSV in UTF-8 with BOM (for Excel): the ``banner`` lines, then the neutralised table."""
    path = Path(path)
    body = neutralise_frame(table).to_csv(index=False, lineterminator="\r\n")
    head = "".join(
        pd.DataFrame([[neutralise(line)]]).to_csv(index=False, header=False, lineterminator="\r\n") for line in banner
    )
    path.write_text(head + body, encoding="utf-8-sig")
    return path


def write_xlsx(table: pd.DataFrame, path: str | Path, sheet: str, banner: Sequence[str] = ()) -> Path:
    """XLSX with one sheet named ``sheet``: the ``banner`` lines (bold), then the table; text
    cells are string cells (never formulas) and neutralised as in :func:`neutralise`."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    book = Workbook()
    ws = book.active
    ws.title = sheet[:31]
    for line in banner:
        ws.append([neutralise(line)])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True, color="C00000")
    safe = neutralise_frame(table)
    ws.append(list(safe.columns))
    for row in safe.itertuples(index=False):
        ws.append([None if (not isinstance(v, str) and pd.isna(v)) else v for v in row])
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a string cell, whatever it starts with
    book.save(path)
    return path
