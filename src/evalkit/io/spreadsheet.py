"""Spreadsheets evalkit writes: formula-safe (OWASP CSV injection guidance) and atomic.

A text cell beginning with ``=``, ``+``, ``-``, ``@``, TAB or CR is read as a formula (or DDE
call) by Excel, LibreOffice and WPS. :func:`neutralise` — the one neutralising rule of evalkit —
prefixes such a cell with a single quote (``'=HYPERLINK(...)`` is shown as text); a plain signed
number written as text (``-12.5``) is a number to a spreadsheet, not a formula, and is left as
it is, and so are real numbers (a negative income). :func:`write_xlsx` / :func:`write_workbook`
also store every text cell as a string cell, never as a formula.

Every CSV or XLSX evalkit writes (watch-list, caseworker lists, scorecard, rejections and
problems, ``comparison.csv``) goes through :func:`write_csv` / :func:`write_xlsx` /
:func:`write_workbook` / :func:`write_table` (or :func:`neutralise_frame` before writing):
written beside the target and renamed over it (:func:`evalkit.core.outputs.atomic_write_with`),
never through a symbolic link. ``banner`` lines (e.g. 内部资料，注意保密) go above the header, so
a household list says what it is in its first rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.outputs import atomic_write_with

#: First characters that make a spreadsheet cell a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A signed plain number ("-5", "+1.25", "-3e2"): a spreadsheet reads it as that number, no formula.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def is_formula_like(value: object) -> bool:
    """True for a text value a spreadsheet would run as a formula: its first character is in
    :data:`FORMULA_STARTS` and it is not a plain signed number (``-5`` stays a number)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value)


def neutralise(value):
    """``value`` with a leading ``'`` when it is text beginning like a formula; anything else unchanged."""
    return "'" + value if is_formula_like(value) else value


def neutralise_frame(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` with every text cell (and header) passed through :func:`neutralise`
    (numeric columns untouched)."""
    out = table.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            risky = values.map(is_formula_like).astype(bool)
            if risky.any():
                out[column] = values.astype(object).where(~risky, "'" + values.astype(str))
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    return out


def write_csv(table: pd.DataFrame, path: str | Path, banner: Sequence[str] = (), encoding: str = "utf-8-sig") -> Path:
    """CSV (UTF-8 with BOM for Excel), atomically: the ``banner`` lines, then the neutralised table."""
    head = "".join(
        pd.DataFrame([[neutralise(line)]]).to_csv(index=False, header=False, lineterminator="\r\n") for line in banner
    )
    body = neutralise_frame(table).to_csv(index=False, lineterminator="\r\n")

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding=encoding, newline="") as handle:
            handle.write(head + body)

    return atomic_write_with(path, write)


def _save_workbook(sheets: dict[str, pd.DataFrame], path: Path, banner: Sequence[str]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for name, table in sheets.items():
        ws = book.create_sheet(name[:31])
        for line in banner:
            ws.append([neutralise(line)])
            ws.cell(row=ws.max_row, column=1).font = Font(bold=True, color="C00000")
        safe = neutralise_frame(table)
        ws.append([str(c) for c in safe.columns])
        for row in safe.itertuples(index=False, name=None):
            values = []
            for v in row:
                if not isinstance(v, str) and pd.isna(v):
                    v = None
                elif hasattr(v, "item") and not isinstance(v, str):
                    v = v.item()  # numpy scalar → Python number
                values.append(v)
            ws.append(values)
        for cells in ws.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # a string cell, whatever it starts with (never a formula)
    book.save(path)


def write_workbook(sheets: dict[str, pd.DataFrame], path: str | Path, banner: Sequence[str] = ()) -> Path:
    """One XLSX with a sheet per entry of ``sheets`` (name → table), atomically: the ``banner``
    lines (bold) above each header, text cells string cells and neutralised (:func:`neutralise`)."""
    return atomic_write_with(path, lambda tmp: _save_workbook(sheets, tmp, banner))


def write_xlsx(table: pd.DataFrame, path: str | Path, sheet: str, banner: Sequence[str] = ()) -> Path:
    """XLSX with one sheet named ``sheet`` (:func:`write_workbook`)."""
    return write_workbook({sheet: table}, path, banner)


def write_table(table: pd.DataFrame, path: str | Path, sheet: str = "Sheet1", banner: Sequence[str] = ()) -> Path:
    """``table`` as ``.csv`` (:func:`write_csv`) or ``.xlsx`` (:func:`write_xlsx`), by the suffix of ``path``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return write_csv(table, path, banner)
    if suffix == ".xlsx":
        return write_xlsx(table, path, sheet, banner)
    raise EvalkitError(f"{path}: 只支持 .csv 或 .xlsx / only .csv or .xlsx are supported", code="E-OUTPUT-SUFFIX")


__all__ = [
    "FORMULA_STARTS",
    "is_formula_like",
    "neutralise",
    "neutralise_frame",
    "write_csv",
    "write_table",
    "write_workbook",
    "write_xlsx",
]
