"""Export files (CSV, XLSX, Parquet) → raw tables of text cells with the row numbers the user sees.

CSV: the line number (header line and title lines included); XLSX: the Excel row number;
Parquet: the 1-based position of the row. CSV encoding: UTF-8 (with or without BOM) tried
strictly first, then GB18030 (a superset of GBK); one sniffer (:func:`csv_layout`) finds the
encoding, header row and table width for both the whole-file and the block-wise reader. The header
row is the first row with at least two known column names (:mod:`evalkit.io.headers`), so title
rows above it are skipped. Blank rows, total rows (合计/总计/小计) and at most
:data:`MAX_FOOTER_ROWS` note rows below the last total row are excluded and counted.
"""

from __future__ import annotations

import csv
import itertools
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.io.checks import as_text
from evalkit.io.headers import HEADER_SCAN_ROWS, find_header, merge_header_rows
from evalkit.io.masking import mask_text

#: Name of the column holding the row number as seen in the file.
ROW = "_row"
MAX_FOOTER_ROWS = 10
TOTAL_LABELS = tuple(
    f"{a}{gap}{b}{colon}"
    for a, b in (("合", "计"), ("总", "计"), ("小", "计"))
    for gap in ("", " ", "  ", "\u3000")
    for colon in ("", ":", "：")
)
#: Grand-total labels: only rows below the last of these can be note rows (a 小计 subtotal is
#: followed by the next township's households, also when the export has no final 合计).
GRAND_TOTAL_LABELS = tuple(t for t in TOTAL_LABELS if not t.startswith("小"))
EXCLUSIONS = {
    "blank_row": ("空行", "blank row"),
    "total_row": ("合计/总计行", "total row (合计/总计)"),
    "below_total_row": ("合计行以下的说明行", "note row below the total row"),
}
CSV_SUFFIXES = (".csv", ".txt")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def unique_headers(headers: list[str]) -> list[str]:
    """Headers made unique: an empty one named by its column number, repeats numbered (2), (3), …"""
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        h = h or f"(第{i + 1}列 / column {i + 1})"
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return out


@dataclass(frozen=True)
class CsvLayout:
    """What :func:`csv_layout` finds in a CSV: encoding to read it with, header line index, headers,
    width, and the physical structure of the records below the header.

    ``header_idx`` is the header's record index, ``header_line`` its last physical line.
    ``spans``: ``(record index below the header, first line, last line)`` of every record that
    spans several physical lines (a quoted line break — in an export nearly always an unclosed
    ``"`` that swallowed the following lines); ``fields``: ``(record index, first line, number
    of fields)`` of every non-blank record whose field count differs from the header's (extra
    non-empty fields, or missing ones: a shifted row, a bare CR that split a record)."""

    encoding: str
    header_idx: int
    header: tuple[str, ...]
    width: int
    info: tuple[tuple[str, object], ...]  # format, encoding (display name), header_row, sheet
    header_line: int = 0
    spans: tuple[tuple[int, int, int], ...] = ()
    fields: tuple[tuple[int, int, int], ...] = ()

    def first_lines(self, start: int, count: int) -> np.ndarray:
        """Physical line numbers of the records ``start`` … ``start + count - 1`` below the header."""
        index = np.arange(start, start + count)
        if not self.spans:
            return index + self.header_line + 1
        at = np.asarray([s[0] for s in self.spans])
        extra = np.cumsum([s[2] - s[1] for s in self.spans])  # lines swallowed up to each span
        before = np.searchsorted(at, index, side="left")  # spans strictly before each record
        shift = np.where(before > 0, extra[np.maximum(before - 1, 0)], 0)
        return index + self.header_line + 1 + shift

    def structure(self) -> dict[str, Any]:
        """The records below the header with a structural problem, by first physical line:
        ``spans`` [[first, last], ...] and ``fields`` [[first, n_fields], ...] (for the checks)."""
        return {
            "spans": [[first, last] for _, first, last in self.spans],
            "fields": [[first, n] for _, first, n in self.fields],
            "header_fields": len(self.header),
        }

    @property
    def headers(self) -> list[str]:
        """The table's unique column names: the user's headers, then one per extra field of wider lines."""
        return unique_headers([*self.header, *[""] * (self.width - len(self.header))])


def csv_layout(path: Path) -> CsvLayout:
    """Encoding, header row, headers and width of a CSV, from one streaming pass (``csv.reader``).

    The width is the header's unless a line below it has more fields; then it is the widest line's
    (fields are never shifted: pandas would otherwise turn surplus leading fields into an index).
    The pass is made once per file version (path, size, modification time): the two passes of a
    chunked ingest over a household file share it.

    Work is bounded by ``csv_max_mb`` and ``csv_max_rows`` of ``data/input_limits.csv``: a larger
    file is refused before it is read, a file with more records when the pass reaches the limit.
    """
    stat = path.stat()
    limit_mb = input_limit("csv_max_mb")
    if stat.st_size > limit_mb * 2**20:
        raise EvalkitError(
            f"{path.name}: 文件大小 {stat.st_size / 2**20:,.0f} MB, 超过上限 {limit_mb:,.0f} MB (data/input_limits.csv "
            f"csv_max_mb), 未读取; 请按地区拆分文件 / the file is {stat.st_size / 2**20:,.0f} MB, above the limit of "
            f"{limit_mb:,.0f} MB (data/input_limits.csv, csv_max_mb): not read; split it by region",
            code="E-FILE-LIMIT",
        )
    return _csv_layout_of(str(path.absolute()), stat.st_size, stat.st_mtime_ns, int(input_limit("csv_max_rows")))


def _too_many_rows(path: Path, limit: int, line: int) -> EvalkitError:
    return EvalkitError(
        f"{path.name}: 数据行超过上限 {limit:,} 行 (到第 {line:,} 行为止, data/input_limits.csv csv_max_rows), 未读取; "
        f"请按地区拆分文件 / more than {limit:,} data rows (by physical line {line:,}; data/input_limits.csv, "
        "csv_max_rows): not read; split the file by region",
        code="E-FILE-LIMIT",
    )


@lru_cache(maxsize=64)
def _csv_layout_of(path_text: str, size: int, mtime_ns: int, max_rows: int) -> CsvLayout:
    path = Path(path_text)
    failures = []
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            with open(path, encoding=encoding, newline="") as fh:
                rows = csv.reader(fh)
                head, ends = [], []
                for row in itertools.islice(rows, HEADER_SCAN_ROWS):
                    head.append(row)
                    ends.append(rows.line_num)
                header_idx = find_header(head, path.name)
                merged = (
                    merge_header_rows(head[header_idx], head[header_idx + 1]) if len(head) > header_idx + 1 else None
                )
                if merged is not None:  # a two-row header: the body starts below its second row
                    head[header_idx + 1] = merged
                    header_idx += 1
                n_header = len(head[header_idx])
                spans, fields = [], []
                widest_body = 0
                previous = ends[header_idx]
                body = itertools.chain(zip(head[header_idx + 1 :], ends[header_idx + 1 :], strict=True), _ends(rows))
                for i, (row, end) in enumerate(body):
                    if i >= max_rows:
                        raise _too_many_rows(path, max_rows, end)
                    first = previous + 1
                    if end > first:
                        spans.append((i, first, end))
                    n = len(row)
                    widest_body = max(widest_body, n)
                    if n and n != n_header and any(c.strip() for c in row):
                        if n < n_header or any(c.strip() for c in row[n_header:]):
                            fields.append((i, first, n))
                    previous = end
                widest_all = max(widest_body, *(len(r) for r in head))
        except UnicodeDecodeError as exc:
            failures.append(f"{encoding}: {exc.reason}")
            continue
        except csv.Error as exc:
            line = rows.line_num
            if "field larger than field limit" in str(exc):
                limit = f"{csv.field_size_limit():,}"
                raise EvalkitError(
                    f"{path.name}: 第 {line} 行附近有超过 {limit} 个字符的单元格, 文件已损坏或引号未闭合, 未读取 / "
                    f"a cell near physical line {line} is longer than {limit} characters (the CSV field limit): "
                    "the file is damaged or a quote is unclosed; it is not read",
                    code="E-FILE-CSV",
                ) from None
            raise EvalkitError(
                f"{path.name}: 第 {line} 行附近 CSV 格式错误 / malformed CSV near physical line {line}: "
                f"{mask_text(exc)}",
                code="E-FILE-CSV",
            ) from None
        header = tuple(h.strip() for h in head[header_idx])
        width = len(header) if widest_body <= len(header) else widest_all
        with open(path, "rb") as fh:
            bom = fh.read(3) == b"\xef\xbb\xbf"
        name = ("UTF-8 (BOM)" if bom else "UTF-8") if encoding == "utf-8-sig" else "GB18030/GBK"
        info = {"format": "csv", "encoding": name, "header_row": ends[header_idx], "sheet": ""}
        return CsvLayout(
            encoding, header_idx, header, width, tuple(info.items()), ends[header_idx], tuple(spans), tuple(fields)
        )
    raise EvalkitError(
        f"{path.name}: 无法识别编码(UTF-8、GB18030 均失败) / cannot decode as UTF-8 or GB18030: {'; '.join(failures)}",
        code="E-FILE-ENCODING",
    )


def _ends(rows):
    """``(record, last physical line)`` of the records a :func:`csv.reader` yields."""
    for row in rows:
        yield row, rows.line_num


def _csv_frames(path: Path, layout: CsvLayout, chunk_rows: int | None):
    """The lines below the header as tables of text cells with :data:`ROW`, whole or in blocks of ``chunk_rows``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            read = pd.read_csv(
                path,
                encoding=layout.encoding,
                skiprows=layout.header_idx + 1,
                header=None,
                names=range(layout.width),
                index_col=False,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                chunksize=chunk_rows,
            )
            start = 0
            blocks: Iterable[pd.DataFrame] = [read] if isinstance(read, pd.DataFrame) else read
            for block in blocks:
                block.columns = pd.Index(layout.headers)
                block = block.fillna("")
                block.insert(0, ROW, layout.first_lines(start, len(block)))  # physical line numbers
                start += len(block)
                yield block
    except pd.errors.ParserError as exc:
        if layout.spans:  # name the physical line where the unclosed quote starts
            _, first, last = layout.spans[-1]
            raise EvalkitError(
                f"{path.name}: 第 {first} 行的引号未闭合, 第 {first}–{last} 行无法按记录读取, 整个文件未读取; "
                f'请删除或补全该引号 / an unclosed quote (") on physical line {first} swallows lines {first}–{last}: '
                "the file is not read; remove or close that quote",
                code="E-FILE-CSV",
            ) from None
        raise EvalkitError(f"{path.name}: CSV 格式错误 / malformed CSV: {mask_text(exc)}", code="E-FILE-CSV") from None


def _read_csv(path: Path) -> tuple[pd.DataFrame, dict]:
    layout = csv_layout(path)
    (frame,) = _csv_frames(path, layout, None)
    return frame, dict(layout.info, structure=layout.structure())


def input_limit(name: str) -> float:
    """A limit of ``data/input_limits.csv`` (name, value, unit, note, source)."""
    from evalkit.core.resources import read_reference_csv

    table = read_reference_csv("input_limits.csv").set_index("name")
    value: Any = table.at[name, "value"]
    return float(value)


def _check_xlsx_size(path: Path) -> None:
    """Refuse, before opening it, an XLSX whose parts expand beyond ``xlsx_uncompressed_mb``."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise EvalkitError(f"{path.name}: 无法读取 XLSX / cannot read XLSX: {exc}", code="E-FILE-XLSX") from None
    limit = input_limit("xlsx_uncompressed_mb")
    if expanded > limit * 2**20:
        raise EvalkitError(
            f"{path.name}: 解压后 {expanded / 2**20:,.0f} MB, 超过上限 {limit:,.0f} MB (data/input_limits.csv), 未读取 "
            f"(可能是压缩炸弹) / expands to {expanded / 2**20:,.0f} MB, above the limit of {limit:,.0f} MB "
            "(data/input_limits.csv): not read (a zip bomb?)",
            code="E-FILE-LIMIT",
        )


def _open_xlsx(path: Path, data_only: bool = True):
    import openpyxl

    _check_xlsx_size(path)
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise EvalkitError(f"{path.name}: 无法读取 XLSX / cannot read XLSX: {exc}", code="E-FILE-XLSX") from None


def xlsx_sheets(path: str | Path) -> tuple[list[str], list[str]]:
    """The visible sheets of an XLSX with a header row (in workbook order) and its hidden sheets.

    A workbook with a sheet per township is read sheet by sheet (each sheet one source,
    :func:`source_label`); a hidden sheet (often a stale copy) is never read, and said so."""
    path = Path(path)
    book = _open_xlsx(path)
    with_header, hidden = [], []
    try:
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible":
                hidden.append(sheet.title)
                continue
            rows = sheet.iter_rows(min_row=1, max_row=HEADER_SCAN_ROWS, values_only=True)
            try:
                find_header([[_cell_text(v) for v in r] for r in rows], path.name)
            except EvalkitError:
                continue
            with_header.append(sheet.title)
    finally:
        book.close()
    return with_header, hidden


def source_label(path: str | Path, sheet: str | None = None) -> str:
    """How messages and the accounting name a source: ``户.xlsx [甲镇]`` for one sheet of a workbook
    read sheet by sheet, else the file name (Excel forbids ``/`` and ``[ ]`` in sheet names)."""
    return f"{Path(path).name} [{sheet}]" if sheet else Path(path).name


def _read_xlsx(path: Path, only: str | None = None, notes_here: bool = True) -> tuple[pd.DataFrame, dict]:
    """The first visible sheet with a header row (``only``: that sheet); ``notes_here``: attach the
    notes on hidden sheets (to the first source of the workbook only)."""
    book = _open_xlsx(path)
    hidden: list[str] = []
    try:
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible":  # a hidden (stale) sheet is never read in place of the data
                hidden.append(sheet.title)
                continue
            if only is not None and sheet.title != only:
                continue
            cells, limit = (sheet.max_row or 0) * (sheet.max_column or 0), input_limit("xlsx_cells")
            if cells > limit:
                extent = sheet.calculate_dimension()
                raise EvalkitError(
                    f"{path.name} [{sheet.title}]: 工作表声明了 {cells:,} 个单元格 (范围 {extent}), 超过上限 "
                    f"{limit:,.0f} (data/input_limits.csv), 未读取 / the sheet declares {cells:,} cells ({extent}), "
                    f"above the limit of {limit:,.0f} (data/input_limits.csv): not read",
                    code="E-FILE-LIMIT",
                )
            rows = sheet.iter_rows(min_row=1, min_col=1, values_only=True)
            head = [[_cell_text(v) for v in r] for r in itertools.islice(rows, HEADER_SCAN_ROWS)]
            try:
                idx = find_header(head, path.name)
            except EvalkitError:
                continue
            merged = merge_header_rows(head[idx], head[idx + 1]) if len(head) > idx + 1 else None
            if merged is not None:  # a two-row header (group cells merged over the columns)
                head[idx + 1] = merged
                idx += 1
            body = head[idx + 1 :] + [[_cell_text(v) for v in r] for r in rows]
            formulas = _uncached_formulas(path, sheet.title, body, idx + 1)
            width = max([len(head[idx]), *map(len, body)])
            headers = unique_headers(head[idx] + [""] * (width - len(head[idx])))
            frame = pd.DataFrame([r + [""] * (width - len(r)) for r in body], columns=headers, dtype="str")
            frame.insert(0, ROW, np.arange(len(frame)) + idx + 2)
            notes = [sheet_note(s) for s in hidden] if notes_here else []
            if formulas:
                notes.append(formula_note(formulas))
            return frame, {
                "format": "xlsx",
                "encoding": "",
                "header_row": idx + 1,
                "sheet": sheet.title,
                "notes": notes,
            }
    finally:
        book.close()
    if only is not None:
        raise EvalkitError(f"{path.name}: 找不到工作表「{only}」/ sheet '{only}' not found", code="E-FILE-SHEET")
    find_header([], path.name)  # no sheet has a header row: raises
    raise AssertionError("unreachable")


def _uncached_formulas(path: Path, title: str, body: list[list[str]], first: int) -> list[tuple[int, str]]:
    """Cells of ``body`` (rows below the header, the first at sheet row ``first + 1``) that are
    blank because they hold a formula without a saved value (a file written by a program that
    does not calculate, never opened and saved in Excel): each is replaced by its formula text
    (so a number column reports it as not a number, naming the formula), returned as (row, formula)."""
    if not any("" in r for r in body):
        return []
    book = _open_xlsx(path, data_only=False)
    found: list[tuple[int, str]] = []
    try:
        rows = book[title].iter_rows(min_row=first + 1, min_col=1, values_only=True)
        for i, (cells, formulas) in enumerate(zip(body, rows, strict=False)):
            for j, formula in enumerate(formulas[: len(cells)]):
                if cells[j] == "" and isinstance(formula, str) and formula.startswith("="):
                    cells[j] = formula
                    found.append((first + 1 + i, formula))
    finally:
        book.close()
    return found


def formula_note(found: list[tuple[int, str]]) -> tuple[str, str]:
    """The (zh, en) note for formula cells without a saved value."""
    rows = "、".join(str(r) for r, _ in found[:10]) + (" …" if len(found) > 10 else "")
    rows_en = ", ".join(str(r) for r, _ in found[:10]) + (" …" if len(found) > 10 else "")
    return (
        f"{len(found)} 个单元格是没有保存计算结果的公式 (第 {rows} 行), 按公式文本读取; "
        "请在 Excel 中打开并保存后重新导入",
        f"{len(found)} cells hold formulas without a saved value (rows {rows_en}): read as the formula text; open and "
        "save the file in Excel, then import it again",
    )


def sheet_note(name: str) -> tuple[str, str]:
    """The (zh, en) note for a hidden sheet that was skipped."""
    return (f"隐藏的工作表「{name}」未读取", f"hidden sheet '{name}' skipped")


def _read_parquet(path: Path) -> tuple[pd.DataFrame, dict]:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
        raise EvalkitError(
            f"{path.name}: 无法读取 Parquet / cannot read Parquet: {exc}", code="E-FILE-PARQUET"
        ) from None
    frame = frame.reset_index(drop=True)
    frame.columns = unique_headers([str(c) for c in frame.columns])
    frame.insert(0, ROW, np.arange(len(frame)) + 1)
    return frame, {"format": "parquet", "encoding": "", "header_row": 0, "sheet": ""}


def _blank_rows(frame: pd.DataFrame) -> np.ndarray:
    cells = [c for c in frame.columns if c != ROW]
    return np.logical_and.reduce([as_text(frame[c]).eq("").to_numpy(dtype=bool) for c in cells])


def _exclusions(frame: pd.DataFrame, final: bool = True) -> tuple[pd.DataFrame, dict[str, int]]:
    """Drop trailing blank rows (end of file); exclude and count blank, total and footer rows.

    ``final=False`` for a block of a file read in chunks that is not its end (see
    :func:`iter_csv_blocks`): no trailing rows are dropped and no row is a footer row.
    """
    cells = [c for c in frame.columns if c != ROW]
    if not cells or frame.empty:
        return frame, {k: 0 for k in EXCLUSIONS}
    texts = [as_text(frame[c]) for c in cells]
    is_blank = np.logical_and.reduce([t.eq("").to_numpy(dtype=bool) for t in texts])
    last = np.flatnonzero(~is_blank)
    if final:
        end = last[-1] + 1 if len(last) else 0
        frame, is_blank = frame.iloc[:end], is_blank[:end]
    n = len(frame)
    is_total = np.logical_or.reduce([t.iloc[:n].isin(TOTAL_LABELS).to_numpy(dtype=bool) for t in texts])
    is_grand = np.logical_or.reduce([t.iloc[:n].isin(GRAND_TOTAL_LABELS).to_numpy(dtype=bool) for t in texts])
    below = np.zeros(len(frame), bool)
    totals = np.flatnonzero(is_grand)
    if len(totals) and final:
        after = np.arange(len(frame)) > totals[-1]
        if (after & ~is_blank).sum() <= MAX_FOOTER_ROWS:
            below = after & ~is_blank
    counts = {"blank_row": int(is_blank.sum()), "total_row": int(is_total.sum()), "below_total_row": int(below.sum())}
    return frame[~(is_blank | is_total | below)].reset_index(drop=True), counts


def read_export(path: str | Path, sheet: str | None = None, sheet_notes: bool = True) -> pd.DataFrame:
    """One export file as a raw table of cells, with the user's headers and :data:`ROW` (row as seen in the file).

    Excluded rows (blank, total, note rows below the total) are not in the table; their counts,
    the rows read, the encoding, format, sheet and header row are in ``frame.attrs["export"]``.
    Raises :class:`EvalkitError` when the file cannot be read or has no header row.

    ``sheet``: one sheet of a workbook read sheet by sheet (the plan lists them,
    :func:`xlsx_sheets`); its rows are named ``file [sheet]`` (:func:`source_label`) in every
    message. ``sheet_notes``: report the hidden sheets skipped (once per workbook).
    """
    path = Path(path)
    if not path.exists():
        raise EvalkitError(f"文件不存在 / file not found: {path}", code="E-FILE-NOT-FOUND")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        frame, info = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        frame, info = _read_xlsx(path, sheet, sheet_notes)
    elif suffix in (".parquet", ".pq"):
        frame, info = _read_parquet(path)
    elif suffix == ".xls":
        raise EvalkitError(
            f"{path.name}: 旧版 .xls 格式不支持, 请另存为 .xlsx / legacy .xls is not supported, save as .xlsx",
            code="E-FILE-TYPE",
        )
    else:
        raise EvalkitError(
            f"{path.name}: 不支持的文件类型 / unsupported file type '{suffix}' (CSV, XLSX, Parquet)", code="E-FILE-TYPE"
        )
    label = str(path) if sheet is None else str(path.parent / source_label(path, sheet))
    return _block(frame, dict(info, file=label), final=True)


def iter_csv_blocks(path: str | Path, chunk_rows: int):
    """A CSV export as successive raw tables of about ``chunk_rows`` lines, each as :func:`read_export` returns.

    Memory is bounded by the block size. Row numbers (:data:`ROW`) are the line numbers of the
    whole file; each block's ``attrs["export"]`` holds its own ``rows_read`` and ``excluded``
    counts (their sums over the blocks are those of :func:`read_export`). So that blank, total
    and note rows are classified as on the whole file, each block holds back its last
    ``MAX_FOOTER_ROWS + 1`` non-blank rows for the next one: a row followed by more non-blank
    rows than that can be neither trailing nor a note below the last total row.
    """
    path = Path(path)
    layout = csv_layout(path)
    info = dict(layout.info, file=str(path), structure=layout.structure())
    carry = None
    for block in _csv_frames(path, layout, chunk_rows):
        frame = block if carry is None else pd.concat([carry, block], ignore_index=True)
        nonblank = np.flatnonzero(~_blank_rows(frame))
        if len(nonblank) < MAX_FOOTER_ROWS + 2:
            carry = frame
            continue
        split = nonblank[-(MAX_FOOTER_ROWS + 2)] + 1
        carry = frame.iloc[split:].reset_index(drop=True)
        yield _block(frame.iloc[:split], info, final=False)
    if carry is None:
        carry = pd.DataFrame({ROW: pd.Series(dtype="int64"), **{h: pd.Series(dtype="str") for h in layout.headers}})
    yield _block(carry, info, final=True)


def _block(frame: pd.DataFrame, info: dict, final: bool) -> pd.DataFrame:
    """``frame`` without its excluded rows; ``attrs["export"]``: ``info``, the rows read and the exclusions."""
    n_rows = len(frame)
    frame, excluded = _exclusions(frame, final=final)
    trailing = n_rows - len(frame) - sum(excluded.values())
    frame.attrs["export"] = dict(info, rows_read=n_rows - trailing, excluded=excluded)
    return frame


def read_blocks(path: Path, chunk_rows: int, sheet: str | None = None, sheet_notes: bool = True):
    """CSV in blocks of ``chunk_rows`` lines; XLSX (one sheet) and Parquet as one block (an XLSX
    sheet holds at most 1,048,576 rows)."""
    if path.suffix.lower() in CSV_SUFFIXES:
        yield from iter_csv_blocks(path, chunk_rows)
    else:
        yield read_export(path, sheet, sheet_notes)
