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

import numpy as np
import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.io.checks import as_text
from evalkit.io.headers import HEADER_SCAN_ROWS, find_header, merge_header_rows

#: Name of the column holding the row number as seen in the file.
ROW = "_row"
MAX_FOOTER_ROWS = 10
TOTAL_LABELS = tuple(
    f"{a}{gap}{b}{colon}"
    for a, b in (("合", "计"), ("总", "计"), ("小", "计"))
    for gap in ("", " ", "  ", "\u3000")
    for colon in ("", ":", "：")
)
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
    """What :func:`csv_layout` finds in a CSV: encoding to read it with, header line index, headers, width."""

    encoding: str
    header_idx: int
    header: tuple[str, ...]
    width: int
    info: tuple[tuple[str, object], ...]  # format, encoding (display name), header_row, sheet

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
    """
    stat = path.stat()
    return _csv_layout_of(str(path.absolute()), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=64)
def _csv_layout_of(path_text: str, size: int, mtime_ns: int) -> CsvLayout:
    path = Path(path_text)
    failures = []
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            with open(path, encoding=encoding, newline="") as fh:
                rows = csv.reader(fh)
                head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
                header_idx = find_header(head, path.name)
                merged = (
                    merge_header_rows(head[header_idx], head[header_idx + 1]) if len(head) > header_idx + 1 else None
                )
                if merged is not None:  # a two-row header: the body starts below its second row
                    head[header_idx + 1] = merged
                    header_idx += 1
                widest_body = max((len(r) for r in itertools.chain(head[header_idx + 1 :], rows)), default=0)
                widest_all = max(widest_body, *(len(r) for r in head))
        except UnicodeDecodeError as exc:
            failures.append(f"{encoding}: {exc.reason}")
            continue
        except csv.Error as exc:
            raise EvalkitError(f"{path.name}: CSV 格式错误 / malformed CSV: {exc}") from None
        header = tuple(h.strip() for h in head[header_idx])
        width = len(header) if widest_body <= len(header) else widest_all
        with open(path, "rb") as fh:
            bom = fh.read(3) == b"\xef\xbb\xbf"
        name = ("UTF-8 (BOM)" if bom else "UTF-8") if encoding == "utf-8-sig" else "GB18030/GBK"
        info = {"format": "csv", "encoding": name, "header_row": header_idx + 1, "sheet": ""}
        return CsvLayout(encoding, header_idx, header, width, tuple(info.items()))
    raise EvalkitError(
        f"{path.name}: 无法识别编码(UTF-8、GB18030 均失败) / cannot decode as UTF-8 or GB18030: {'; '.join(failures)}"
    )


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
            start = layout.header_idx + 2
            blocks: Iterable[pd.DataFrame] = [read] if isinstance(read, pd.DataFrame) else read
            for block in blocks:
                block.columns = pd.Index(layout.headers)
                block = block.fillna("")
                block.insert(0, ROW, np.arange(len(block)) + start)
                start += len(block)
                yield block
    except pd.errors.ParserError as exc:
        raise EvalkitError(f"{path.name}: CSV 格式错误 / malformed CSV: {exc}") from None


def _read_csv(path: Path) -> tuple[pd.DataFrame, dict]:
    layout = csv_layout(path)
    (frame,) = _csv_frames(path, layout, None)
    return frame, dict(layout.info)


def _read_xlsx(path: Path) -> tuple[pd.DataFrame, dict]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise EvalkitError(f"{path.name}: 无法读取 XLSX / cannot read XLSX: {exc}") from None
    try:
        for sheet in book.worksheets:
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
            width = max([len(head[idx]), *map(len, body)])
            headers = unique_headers(head[idx] + [""] * (width - len(head[idx])))
            frame = pd.DataFrame([r + [""] * (width - len(r)) for r in body], columns=headers, dtype="str")
            frame.insert(0, ROW, np.arange(len(frame)) + idx + 2)
            return frame, {"format": "xlsx", "encoding": "", "header_row": idx + 1, "sheet": sheet.title}
    finally:
        book.close()
    find_header([], path.name)  # no sheet has a header row: raises
    raise AssertionError("unreachable")


def _read_parquet(path: Path) -> tuple[pd.DataFrame, dict]:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
        raise EvalkitError(f"{path.name}: 无法读取 Parquet / cannot read Parquet: {exc}") from None
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
    below = np.zeros(len(frame), bool)
    totals = np.flatnonzero(is_total)
    if len(totals) and final:
        after = np.arange(len(frame)) > totals[-1]
        if (after & ~is_blank).sum() <= MAX_FOOTER_ROWS:
            below = after & ~is_blank
    counts = {"blank_row": int(is_blank.sum()), "total_row": int(is_total.sum()), "below_total_row": int(below.sum())}
    return frame[~(is_blank | is_total | below)].reset_index(drop=True), counts


def read_export(path: str | Path) -> pd.DataFrame:
    """One export file as a raw table of cells, with the user's headers and :data:`ROW` (row as seen in the file).

    Excluded rows (blank, total, note rows below the total) are not in the table; their counts,
    the rows read, the encoding, format, sheet and header row are in ``frame.attrs["export"]``.
    Raises :class:`EvalkitError` when the file cannot be read or has no header row.
    """
    path = Path(path)
    if not path.exists():
        raise EvalkitError(f"文件不存在 / file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        frame, info = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        frame, info = _read_xlsx(path)
    elif suffix in (".parquet", ".pq"):
        frame, info = _read_parquet(path)
    elif suffix == ".xls":
        raise EvalkitError(
            f"{path.name}: 旧版 .xls 格式不支持, 请另存为 .xlsx / legacy .xls is not supported, save as .xlsx"
        )
    else:
        raise EvalkitError(f"{path.name}: 不支持的文件类型 / unsupported file type '{suffix}' (CSV, XLSX, Parquet)")
    return _block(frame, dict(info, file=str(path)), final=True)


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
    info = dict(layout.info, file=str(path))
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


def read_blocks(path: Path, chunk_rows: int):
    """CSV in blocks of ``chunk_rows`` lines; XLSX and Parquet as one block (XLSX holds at most 1,048,576 rows)."""
    if path.suffix.lower() in CSV_SUFFIXES:
        yield from iter_csv_blocks(path, chunk_rows)
    else:
        yield read_export(path)
