"""From monitoring-system exports (防止返贫监测 CSV / XLSX / Parquet) to a validated, pseudonymised panel.

Steps, each reported so that nothing is dropped silently:

1. :func:`read_export` reads one file as text cells with the row number the user sees (CSV: the
   line number, the header line or title lines included; XLSX: the Excel row number; Parquet: the
   1-based position of the row). CSV encoding: UTF-8 (with or without BOM) tried strictly first,
   then GB18030 (a superset of GBK). The header row is the first row with at least two cells that
   are known column names, so title rows above it are skipped. Blank rows, total rows
   (合计/总计/小计) and at most :data:`MAX_FOOTER_ROWS` note rows below the last total row are
   excluded and counted.
2. Headers are mapped to canonical columns through the alias tables ``data/columns.csv`` and
   ``data/measure_columns.csv`` after normalising width (NFKC: （）→ ()), brackets and whitespace;
   a trailing unit such as ``(元)`` is ignored. Columns whose header is a measure name of
   ``data/measures.csv`` (wide measure columns: amounts or 是/否; a column of only 1/0 is a flag)
   are melted into the measures table; a header that is both a column alias and a measure name
   (临时救助) is the column. Unknown columns are reported as warnings and not carried into the
   panel; the derived columns of a saved panel (net_income_pc, ...) are recomputed.
3. Identifiers are pseudonymised (:mod:`evalkit.pseudonymise`) before any check: 户编号 and ID-card
   numbers become keyed hashes, names and phone numbers are dropped. Problem messages show
   identifier values masked.
4. Vectorised checks (:mod:`evalkit.validation`) collect every problem (``strict``: stop at the
   first error). A row with an error is rejected; rows read = accepted + rejected + excluded.

Rows of household files must be unique by household and year (duplicates: every copy rejected,
each naming the others). Region names may be aliases of ``data/region_aliases.csv`` (红河州, 广西区,
信阳): they are replaced by the registry name, warned and counted (status ``normalised``). Rows of
a long measures file must name a household-year with an accepted household row (else rejected:
``measure_without_household`` / ``measure_household_rejected``); rows with the same household,
year and measure are combined (amounts summed) and reported as a warning.
"""

from __future__ import annotations

import csv
import difflib
import itertools
import json
import re
import shutil
import sys
import unicodedata
import warnings
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.core.errors import DataValidationError, EvalkitError
from evalkit.core.panel import MEASURE_COLUMNS, Panel
from evalkit.core.schema import (
    Column,
    derive_income,
    household_columns,
    household_types,
    measure_columns,
    measures_catalogue,
)
from evalkit.io.checks import (
    KINDS,
    PROBLEM_COLUMNS,
    as_text,
    blank,
    default_max_year,
    empty_problems,
    parse_bool,
    parse_number,
    problems,
)
from evalkit.io.keys import KeyLog
from evalkit.io.pseudonymise import (
    HOUSEHOLD_PREFIX,
    PERSON_PREFIX,
    DemoKeyWarning,
    keyed_hash,
    normalise_household_id,
    normalise_id_card,
    resolve_key,
    valid_id_card,
)

#: Name of the column holding the row number as seen in the file.
ROW = "_row"
DEFAULT_MIN_YEAR = 2013
HEADER_SCAN_ROWS = 50
MAX_FOOTER_ROWS = 10
TOTAL_LABELS = tuple(
    f"{a}{gap}{b}{colon}"
    for a, b in (("合", "计"), ("总", "计"), ("小", "计"))
    for gap in ("", " ", "  ", "\u3000")
    for colon in ("", ":", "：")
)
DERIVED_COLUMNS = ("net_operating", "net_income", "net_income_pc", "is_tuopin", "is_monitored")
DROPPED_IDENTIFIERS = ("head_name", "phone")
EXCLUSIONS = {
    "blank_row": ("空行", "blank row"),
    "total_row": ("合计/总计行", "total row (合计/总计)"),
    "below_total_row": ("合计行以下的说明行", "note row below the total row"),
}
_UNIT_SUFFIX = re.compile(r"\((?:元|元/人|元/年|人|个|户|月|年)\)$")
_BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")"})


# ---------------------------------------------------------------------------------------------
# Header aliases


def normalise_header(text: object) -> str:
    """Header text for alias matching: NFKC width folding (（ → (), brackets unified, no whitespace, lower case."""
    folded = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").translate(_BRACKETS)
    return re.sub(r"\s+", "", folded).lower()


@cache
def _alias_index(table: str) -> dict[str, str]:
    columns = household_columns() if table == "households" else measure_columns()
    index = {}
    for col in columns.values():
        for alias in (*col.aliases, col.name, col.label_zh):
            index.setdefault(normalise_header(alias), col.name)
    return index


@lru_cache(maxsize=1)
def measure_aliases() -> dict[str, str]:
    """Normalised measure name → measure code (aliases, Chinese label and code of ``data/measures.csv``)."""
    index = {}
    for row in measures_catalogue().itertuples(index=False):
        for alias in (*row.aliases.split("|"), row.label_zh, row.code):
            if alias.strip():
                index.setdefault(normalise_header(alias), row.code)
    return index


def _lookup(header: object, index: dict[str, str]) -> str | None:
    key = normalise_header(header)
    if key in index:
        return index[key]
    return index.get(_UNIT_SUFFIX.sub("", key))


def map_header(header: object, table: str = "households") -> str | None:
    """Canonical column for a user's header (``table``: households | measures), None if unknown."""
    return _lookup(header, _alias_index(table))


def _is_header(cells: list[str]) -> bool:
    known = {**_alias_index("households"), **_alias_index("measures")}
    return sum(_lookup(c, known) is not None for c in cells if c) >= 2


def _find_header(rows: list[list[str]], file: str) -> int:
    for i, cells in enumerate(rows):
        if _is_header(cells):
            return i
    raise EvalkitError(
        f"{file}: 前 {HEADER_SCAN_ROWS} 行中找不到表头行(至少两个已知列名, 如 户编号、年度) / "
        f"no header row in the first {HEADER_SCAN_ROWS} rows (needs two known column names, e.g. 户编号, 年度)"
    )


# ---------------------------------------------------------------------------------------------
# Reading files


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


def _unique_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        h = h or f"(第{i + 1}列 / column {i + 1})"
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return out


def _csv_body(path: Path, encoding: str, skip: int, width: int) -> pd.DataFrame:
    """The lines below the header as ``width`` text columns; lines with more fields widen the table.

    Fields are never shifted: pandas would otherwise turn surplus leading fields into an index.
    """

    def read(width: int) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                path,
                encoding=encoding,
                skiprows=skip,
                header=None,
                names=range(width),
                index_col=False,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
            )

    try:
        return read(width)
    except pd.errors.ParserWarning:  # a line has more fields than the header: find the widest (rare, one pass)
        with open(path, encoding=encoding, newline="") as fh:
            return read(max(len(r) for r in csv.reader(fh)))


def _read_csv(path: Path) -> tuple[pd.DataFrame, dict]:
    failures = []
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            with open(path, encoding=encoding, newline="") as fh:
                head = list(itertools.islice(csv.reader(fh), HEADER_SCAN_ROWS))
            header_idx = _find_header(head, path.name)
            header = [h.strip() for h in head[header_idx]]
            frame = _csv_body(path, encoding, header_idx + 1, len(header))
        except UnicodeDecodeError as exc:
            failures.append(f"{encoding}: {exc.reason}")
            continue
        except pd.errors.ParserError as exc:
            raise EvalkitError(f"{path.name}: CSV 格式错误 / malformed CSV: {exc}") from None
        frame.columns = _unique_headers(header + [""] * (frame.shape[1] - len(header)))
        frame = frame.fillna("")
        frame.insert(0, ROW, np.arange(len(frame)) + header_idx + 2)
        with open(path, "rb") as fh:
            bom = fh.read(3) == b"\xef\xbb\xbf"
        name = ("UTF-8 (BOM)" if bom else "UTF-8") if encoding == "utf-8-sig" else "GB18030/GBK"
        return frame, {"format": "csv", "encoding": name, "header_row": header_idx + 1, "sheet": ""}
    raise EvalkitError(
        f"{path.name}: 无法识别编码(UTF-8、GB18030 均失败) / cannot decode as UTF-8 or GB18030: {'; '.join(failures)}"
    )


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
                idx = _find_header(head, path.name)
            except EvalkitError:
                continue
            body = head[idx + 1 :] + [[_cell_text(v) for v in r] for r in rows]
            width = max([len(head[idx]), *map(len, body)])
            headers = _unique_headers(head[idx] + [""] * (width - len(head[idx])))
            frame = pd.DataFrame([r + [""] * (width - len(r)) for r in body], columns=headers, dtype="str")
            frame.insert(0, ROW, np.arange(len(frame)) + idx + 2)
            return frame, {"format": "xlsx", "encoding": "", "header_row": idx + 1, "sheet": sheet.title}
    finally:
        book.close()
    _find_header([], path.name)  # no sheet has a header row: raises
    raise AssertionError("unreachable")


def _read_parquet(path: Path) -> tuple[pd.DataFrame, dict]:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ...
        raise EvalkitError(f"{path.name}: 无法读取 Parquet / cannot read Parquet: {exc}") from None
    frame = frame.reset_index(drop=True)
    frame.columns = _unique_headers([str(c) for c in frame.columns])
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
    if suffix in (".csv", ".txt"):
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
    n_rows = len(frame)
    frame, excluded = _exclusions(frame)
    trailing = n_rows - len(frame) - sum(excluded.values())
    frame.attrs["export"] = dict(info, file=str(path), rows_read=n_rows - trailing, excluded=excluded)
    return frame


def _csv_layout(path: Path) -> tuple[str, int, tuple[str, ...], int, dict]:
    """Encoding, header index, headers and table width of a CSV, as :func:`_read_csv` finds them,
    from one streaming pass (``csv.reader``) instead of reading the whole file into memory. The
    pass is made once per file version (path, size, modification time): the two passes of a
    chunked ingest over a household file share it."""
    stat = path.stat()
    encoding, header_idx, header, width, info = _csv_layout_of(str(path.absolute()), stat.st_size, stat.st_mtime_ns)
    return encoding, header_idx, header, width, dict(info)


@lru_cache(maxsize=64)
def _csv_layout_of(path: str, size: int, mtime_ns: int) -> tuple[str, int, tuple[str, ...], int, dict]:
    path = Path(path)
    failures = []
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            with open(path, encoding=encoding, newline="") as fh:
                rows = csv.reader(fh)
                head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
                header_idx = _find_header(head, path.name)
                widest_body = max((len(r) for r in itertools.chain(head[header_idx + 1 :], rows)), default=0)
                widest_all = max(widest_body, *(len(r) for r in head))
        except UnicodeDecodeError as exc:
            failures.append(f"{encoding}: {exc.reason}")
            continue
        except csv.Error as exc:
            raise EvalkitError(f"{path.name}: CSV 格式错误 / malformed CSV: {exc}") from None
        header = tuple(h.strip() for h in head[header_idx])
        width = len(header) if widest_body <= len(header) else widest_all  # as _csv_body's fallback
        with open(path, "rb") as fh:
            bom = fh.read(3) == b"\xef\xbb\xbf"
        name = ("UTF-8 (BOM)" if bom else "UTF-8") if encoding == "utf-8-sig" else "GB18030/GBK"
        return (
            encoding,
            header_idx,
            header,
            width,
            {"format": "csv", "encoding": name, "header_row": header_idx + 1, "sheet": ""},
        )
    raise EvalkitError(
        f"{path.name}: 无法识别编码(UTF-8、GB18030 均失败) / cannot decode as UTF-8 or GB18030: {'; '.join(failures)}"
    )


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
    encoding, header_idx, header, width, info = _csv_layout(path)
    headers = _unique_headers([*header, *[""] * (width - len(header))])
    info = dict(info, file=str(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            reader = pd.read_csv(
                path,
                encoding=encoding,
                skiprows=header_idx + 1,
                header=None,
                names=range(width),
                index_col=False,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                chunksize=chunk_rows,
            )
            carry, start = None, header_idx + 2
            for block in reader:
                block.columns = headers
                block = block.fillna("")
                block.insert(0, ROW, np.arange(len(block)) + start)
                start += len(block)
                frame = block if carry is None else pd.concat([carry, block], ignore_index=True)
                nonblank = np.flatnonzero(~_blank_rows(frame))
                if len(nonblank) < MAX_FOOTER_ROWS + 2:
                    carry = frame
                    continue
                split = nonblank[-(MAX_FOOTER_ROWS + 2)] + 1
                carry = frame.iloc[split:].reset_index(drop=True)
                yield _block(frame.iloc[:split], info, final=False)
    except pd.errors.ParserError as exc:
        raise EvalkitError(f"{path.name}: CSV 格式错误 / malformed CSV: {exc}") from None
    if carry is None:
        carry = pd.DataFrame({ROW: pd.Series(dtype="int64"), **{h: pd.Series(dtype="str") for h in headers}})
    yield _block(carry, info, final=True)


def _block(frame: pd.DataFrame, info: dict, final: bool) -> pd.DataFrame:
    n_rows = len(frame)
    frame, excluded = _exclusions(frame, final=final)
    trailing = n_rows - len(frame) - sum(excluded.values())
    frame.attrs["export"] = dict(info, rows_read=n_rows - trailing, excluded=excluded)
    return frame


# ---------------------------------------------------------------------------------------------
# Checking one file


class _Checks:
    """Collects the problems of one file and which rows they reject."""

    def __init__(self, file: str, frame: pd.DataFrame, headers: dict[str, str], strict: bool):
        self.file, self.frame, self.headers, self.strict = file, frame, headers, strict
        self.rejected = np.zeros(len(frame), bool)
        self.file_errors = 0
        self.reasons: dict[str, np.ndarray] = {}
        self.normalised: dict[str, np.ndarray] = {}  # kind -> rows changed but accepted (warnings)
        self.found: list[pd.DataFrame] = []
        self.alias_groups: list[pd.DataFrame] = []  # region aliases: level, alias, name, first row, rows

    def add(
        self,
        mask,
        canonical: str,
        kind: str,
        values: pd.Series | str = "",
        *,
        severity: str = "error",
        column: str | None = None,
        detail=None,
        **kwargs,
    ) -> None:
        """Record ``kind`` for the rows in ``mask`` (``None``: one file-level problem)."""
        rows = None
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if not mask.any():
                return
            rows = self.frame[ROW].to_numpy()[mask]
            if not isinstance(values, str):
                values = values[mask]
            if detail is not None:
                detail = tuple(d[mask] if isinstance(d, pd.Series) else d for d in detail)
        elif severity == "error":
            self.file_errors += 1
        column = self.headers.get(canonical, "") if column is None else column
        found = problems(
            self.file,
            pd.Series(rows) if rows is not None else None,
            column,
            canonical,
            values,
            kind,
            severity=severity,
            detail=detail,
            **kwargs,
        )
        self.found.append(found)
        if severity == "error":
            affected = mask if mask is not None else np.ones(len(self.frame), bool)
            self.rejected |= affected
            self.reasons[kind] = self.reasons.get(kind, np.zeros(len(self.frame), bool)) | affected
            if self.strict:
                raise DataValidationError(
                    "严格模式: 发现第一个问题即停止 / strict mode: stopped at the first problem\n"
                    f"{found['message_zh'].iloc[0]}\n{found['message_en'].iloc[0]}",
                    problems=found.to_dict("records"),
                )

    def table(self) -> pd.DataFrame:
        return pd.concat(self.found, ignore_index=True) if self.found else empty_problems()


@dataclass
class _FileState:
    file: str
    table: str
    info: dict
    checks: _Checks
    data: pd.DataFrame  # canonical parsed columns, ROW, household_id pseudonym
    wide: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["_pos", *MEASURE_COLUMNS]))
    rejection_text: pd.DataFrame | None = None


def _map_columns(
    raw: pd.DataFrame, table: str, file: str, strict: bool
) -> tuple[dict[str, str], dict[str, str], _Checks]:
    """canonical → user header, user header → measure code (wide columns), and the checks with column problems."""
    index = _alias_index(table)
    columns = household_columns() if table == "households" else measure_columns()
    mapping: dict[str, str] = {}
    wide: dict[str, str] = {}
    unknown, derived = [], []
    for header in raw.columns:
        if header == ROW:
            continue
        canonical = _lookup(header, index)
        if canonical is not None:
            mapping[header] = canonical
        elif table == "households" and _lookup(header, measure_aliases()) is not None:
            wide[header] = _lookup(header, measure_aliases())
        elif header.startswith("(第") and blank(raw[header]).all():
            continue  # an empty column without a header carries nothing
        elif normalise_header(header) in DERIVED_COLUMNS:
            derived.append(header)
        else:
            unknown.append(header)
    headers = {}
    for header, canonical in mapping.items():
        headers.setdefault(canonical, header)
    checks = _Checks(file, raw, headers, strict)
    for header in unknown:
        checks.add(None, "", "unknown_column", "", severity="warning", column=header)
    if derived:
        checks.add(None, "", "derived_column", "", severity="warning", column=", ".join(derived))
    for canonical in sorted(set(mapping.values())):
        users = [h for h, c in mapping.items() if c == canonical]
        if len(users) > 1 and canonical not in DROPPED_IDENTIFIERS:
            checks.add(None, canonical, "ambiguous_column", " | ".join(users), column=" | ".join(users))
    has_id_card = "id_card" in headers
    for col in columns.values():
        if col.required and col.name not in headers and not (col.name == "household_id" and has_id_card):
            checks.add(
                None,
                col.name,
                "missing_column",
                "",
                column=col.label_zh,
                expected=("列名之一: " + "、".join(col.aliases), "a column named one of: " + ", ".join(col.aliases)),
            )
    return headers, wide, checks


def _identifiers(data: pd.DataFrame, text: dict[str, pd.Series], checks: _Checks, key: bytes) -> None:
    """Pseudonymise household id and ID-card number in ``data``; drop names and phones (never copied)."""
    derive = "household_id" not in text
    if "id_card" in text:
        cells = text["id_card"]
        card = normalise_id_card(cells)
        present = card.notna().to_numpy()
        invalid = present & ~valid_id_card(card).to_numpy()
        checks.add(
            invalid, "id_card", "invalid_id_card", cells, identifier=True, severity="error" if derive else "warning"
        )
        data["id_card"] = keyed_hash(card, key, PERSON_PREFIX)
        if derive:
            checks.add(~present, "id_card", "missing_value", cells, identifier=True)
            data["household_id"] = keyed_hash(card, key, HOUSEHOLD_PREFIX)
    if not derive:
        cells = text["household_id"]
        hid = normalise_household_id(cells)
        checks.add(hid.isna().to_numpy(), "household_id", "missing_value", cells, identifier=True)
        data["household_id"] = keyed_hash(hid, key, HOUSEHOLD_PREFIX)


def _typed_column(col: Column, cells: pd.Series, text: pd.Series, checks: _Checks) -> pd.Series:
    """Parse one non-identifier column by its canonical type (``text``: its cells as text), recording problems."""
    empty = text.eq("").to_numpy()
    if col.required:
        checks.add(empty, col.name, "missing_value", text)
    if col.dtype in ("int", "float"):
        number, bad = parse_number(cells, text)
        checks.add(bad.to_numpy(), col.name, "not_numeric", text)
        ok = number.notna().to_numpy()
        if col.name == "household_size":
            checks.add(ok & ((number % 1 != 0) | (number <= 0)).to_numpy(), col.name, "household_size", text)
            return number
        if col.dtype == "int":
            checks.add(ok & (number % 1 != 0).to_numpy(), col.name, "not_integer", text)
        if col.min_value is not None and col.name != "year":
            below = ok & (number < col.min_value).to_numpy()
            if col.min_value == 0:
                checks.add(below, col.name, "negative", text)
            else:
                checks.add(
                    below, col.name, "below_minimum", text, expected=(f"≥ {col.min_value:g}", f"≥ {col.min_value:g}")
                )
        return number
    if col.dtype == "bool":
        flag, bad = parse_bool(cells, text)
        checks.add(bad.to_numpy(), col.name, "not_boolean", text)
        return flag
    return text.mask(text.eq(""), pd.NA)


def _map_unique(values: pd.Series, fn) -> pd.Series:
    """``fn`` applied once per distinct value and mapped back (vectorised lookup)."""
    uniques = values.dropna().unique()
    return values.map(dict(zip(uniques, map(fn, uniques), strict=False)))


def _household_type(text: pd.Series, checks: _Checks) -> pd.Series:
    types = household_types()
    lookup = {
        normalise_header(v): label
        for label, code, en in types[["label_zh", "code", "label_en"]].itertuples(index=False)
        for v in (label, code, en)
    }
    labels = _map_unique(text, lambda v: lookup.get(normalise_header(v)) if isinstance(v, str) else None)
    unknown = (text.notna() & labels.isna()).to_numpy()
    checks.add(
        unknown,
        "household_type",
        "unknown_household_type",
        text,
        expected=("、".join(types["label_zh"]), ", ".join(types["label_zh"])),
    )
    return labels.astype("string")


def _region_registry() -> tuple[pd.DataFrame, pd.DataFrame] | None:
    try:
        from evalkit.core.registry import region_aliases, regions
    except ImportError:
        return None
    return regions(), region_aliases()


def _regions(data: pd.DataFrame, checks: _Checks) -> None:
    """Each region name must be a registry unit (or an alias of one) under the row's higher-level names.

    Aliases (``data/region_aliases.csv``: 红河州, 广西区, 信阳, ...) are replaced by the registry
    name and reported as one warning per column and alias (rows counted as ``region_alias``).
    A level is checked only where the registry lists units at that level under the row's parent
    (the registry covers the seed regions in full down to county, townships only where listed);
    only the highest unknown level of a row is reported, with the closest registry names.
    """
    registry = _region_registry()
    levels = [lvl for lvl in ("province", "prefecture", "county", "township") if lvl in data.columns]
    if registry is None or not levels:
        return
    units, aliases = registry
    flagged = np.zeros(len(data), bool)
    normalised = np.zeros(len(data), bool)
    path = pd.Series("", index=data.index, dtype="string")
    for depth, level in enumerate(levels):
        parents = levels[:depth]

        def keys(table: pd.DataFrame, name: pd.Series, parents: list[str] = parents) -> pd.Series:
            key = pd.Series("", index=table.index, dtype="string")
            for p in parents:
                key = key + "|" + table[p].astype("string").fillna("")
            return key + "|" + name.astype("string")

        known = units[units["level"] == level]
        alias_rows = aliases[aliases["level"] == level]
        unit_keys = set(keys(known, known[level]))
        parent_keys = {k.rsplit("|", 1)[0] for k in unit_keys}
        alias_map = dict(zip(keys(alias_rows, alias_rows["alias"]), alias_rows["name_zh"], strict=False))
        original = data[level].astype("string")
        row_key = path + "|" + original.fillna("")
        canonical = row_key.map(alias_map).astype("string")
        renamed = canonical.notna().to_numpy()
        if renamed.any():
            data[level] = original.mask(canonical.notna(), canonical)
            _alias_warnings(checks, level, original, canonical, renamed)
            normalised |= renamed
        value = data[level].astype("string")
        row_key = path + "|" + value.fillna("")
        checkable = path.isin(parent_keys).to_numpy() if parents else np.ones(len(data), bool)
        unknown = checkable & value.notna().to_numpy() & ~row_key.isin(unit_keys).to_numpy()
        to_name = {
            **dict(zip(alias_rows["alias"], alias_rows["name_zh"], strict=False)),
            **dict(zip(known[level], known[level], strict=False)),
        }
        names = sorted(to_name)
        close = _map_unique(
            value.where(unknown),
            lambda v, to_name=to_name, names=names: ", ".join(
                dict.fromkeys(to_name[c] for c in difflib.get_close_matches(v, names, n=4, cutoff=0.5))
            ),
        )
        close = close.astype("string").fillna("")
        listed = ", ".join(names[:12])
        checks.add(
            unknown & ~flagged,
            level,
            "unknown_region",
            value.fillna(""),
            detail=(
                ("是否指: " + close).mask(close.eq(""), "已登记的名称如: " + listed),
                ("did you mean: " + close).mask(close.eq(""), "registered names include: " + listed),
            ),
        )
        flagged |= unknown
        path = row_key
    if normalised.any():
        checks.normalised["region_alias"] = normalised


def _alias_warnings(
    checks: _Checks, level: str, original: pd.Series, canonical: pd.Series, renamed: np.ndarray
) -> None:
    """One warning per (alias, registry name) of a column: its first row and the number of rows."""
    hits = pd.DataFrame(
        {
            "row": checks.frame[ROW].to_numpy()[renamed],
            "alias": original.to_numpy()[renamed],
            "name": canonical.to_numpy()[renamed],
        }
    )
    groups = hits.groupby(["alias", "name"], sort=True)["row"].agg(["first", "size"]).reset_index()
    checks.alias_groups.append(groups.assign(level=level, column=checks.headers.get(level, level)))
    checks.found.append(
        _alias_problems(checks.file, groups.assign(level=level, column=checks.headers.get(level, level)))
    )


def _alias_problems(file: str, groups: pd.DataFrame) -> pd.DataFrame:
    """The ``region_alias`` warnings of ``groups`` (level, column, alias, name, first, size)."""
    n = groups["size"].astype("string")
    return problems(
        file,
        groups["first"],
        groups["column"].iloc[0] if len(groups) else "",
        groups["level"].iloc[0] if len(groups) else "",
        groups["alias"],
        "region_alias",
        severity="warning",
        detail=(
            "已改为「" + groups["name"] + "」, 共 " + n + " 行",
            "replaced by '" + groups["name"] + "' in " + n + " rows",
        ),
    )


def _totals(data: pd.DataFrame, checks: _Checks) -> None:
    """Reported totals must equal the components: |Σ − reported| ≤ 1 yuan (per capita ≤ 0.5 yuan)."""
    needed = {"wage", "operating_income", "operating_expenses", "property", "transfer"}
    if not needed <= set(data.columns):
        return
    # rows whose components (or size) are themselves invalid are already rejected for that reason
    valid = np.logical_and.reduce([(data[c] >= 0).to_numpy() for c in sorted(needed)])
    total = (
        data["wage"] + data["operating_income"] - data["operating_expenses"] + data["property"] + data["transfer"]
    ).where(valid)
    size = data["household_size"] if "household_size" in data.columns else pd.Series(np.nan, index=data.index)
    size = size.where((size >= 1) & (size % 1 == 0))
    for name, computed, tol in (("reported_net_income", total, 1.0), ("reported_net_income_pc", total / size, 0.5)):
        if name not in data.columns:
            continue
        gap = (computed - data[name]).abs()
        bad = (gap > tol + 1e-9).fillna(False).to_numpy()
        shown = computed.round(2).astype("string")
        checks.add(
            bad,
            name,
            "total_mismatch",
            as_text(data[name]),
            expected=(f"分项计算值(差额 ≤ {tol:g} 元)", f"the sum of the components (within {tol:g} yuan)"),
            detail=("分项计算值 " + shown, "components give " + shown),
        )


def _wide_measures(
    raw: pd.DataFrame,
    wide: dict[str, str],
    checks: _Checks,
    data: pd.DataFrame,
    flags_only: dict[str, bool] | None = None,
) -> pd.DataFrame:
    """Melt wide measure columns (amount or 是/否 per household-year) into long rows.

    ``flags_only`` (header → bool) says which columns are 1/0 flags when the file is read in
    blocks (decided on the whole column); by default it is decided on ``raw``.
    """
    has_amount = measures_catalogue().set_index("code")["has_amount"].eq("yes")
    parts = []
    for header, code in wide.items():
        cells = raw[header]
        text = as_text(cells)
        number, not_number = parse_number(cells, text)
        flag, not_flag = parse_bool(cells, text)
        bad = (not_number & not_flag).to_numpy()
        checks.add(bad, code, "not_measure_value", text, column=header)
        checks.add((number < 0).fillna(False).to_numpy(), code, "negative", text, column=header)
        got = ((number > 0) | (not_number & flag.fillna(False))).fillna(False).to_numpy() & ~bad
        flags = _is_flag_column(number) if flags_only is None else flags_only[header]
        amount = number.where(number > 0) if bool(has_amount.get(code, False)) and not flags else number * np.nan
        parts.append(
            pd.DataFrame(
                {
                    "_pos": np.flatnonzero(got),
                    "household_id": data["household_id"].to_numpy()[got],
                    "year": data["year"].to_numpy()[got],
                    "measure": code,
                    "amount": amount.to_numpy()[got],
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["_pos", *MEASURE_COLUMNS])


def _is_flag_column(number: pd.Series) -> bool:
    """A wide measure column of only 1/0 is a flag, not 1 yuan."""
    return bool(number.dropna().isin([0, 1]).all())


def _check_file(
    raw: pd.DataFrame,
    table: str,
    key: bytes,
    strict: bool,
    years: tuple[int, int],
    flags_only: dict[str, bool] | None = None,
) -> _FileState:
    info = raw.attrs["export"]
    file = Path(info["file"]).name
    headers, wide, checks = _map_columns(raw, table, file, strict)
    data = pd.DataFrame({ROW: raw[ROW].to_numpy()})
    state = _FileState(file, table, info, checks, data)
    if checks.file_errors:
        return state  # a file-level error: every row is rejected, row checks would only repeat it
    columns = household_columns() if table == "households" else measure_columns()
    text = {name: as_text(raw[header]) for name, header in headers.items() if name not in DROPPED_IDENTIFIERS}
    _identifiers(data, text, checks, key)
    for name, col in columns.items():
        if name not in headers or col.kind == "identifier" or name == "household_id":
            continue
        if name == "measure":
            names = text[name]
            codes = _map_unique(names, lambda v: _lookup(v, measure_aliases()) if v else None)
            checks.add(names.ne("").to_numpy() & codes.isna().to_numpy(), name, "unknown_measure", names)
            checks.add(names.eq("").to_numpy(), name, "missing_value", names)
            data[name] = codes.astype("string")
            continue
        data[name] = _typed_column(col, raw[headers[name]], text[name], checks)
    if "year" in data.columns:
        lo, hi = years
        out = (data["year"].notna() & (data["year"] % 1 == 0) & ~data["year"].between(lo, hi)).to_numpy()
        checks.add(out, "year", "year_out_of_range", text["year"], expected=(f"{lo}–{hi}", f"{lo}–{hi}"))
    if table == "households":
        if "household_type" in data.columns:
            data["household_type"] = _household_type(data["household_type"], checks)
        _regions(data, checks)
        _totals(data, checks)
        state.wide = _wide_measures(raw, wide, checks, data, flags_only)
    state.rejection_text = pd.DataFrame(
        {name: cells for name, cells in text.items() if columns[name].kind != "identifier" and name != "household_id"}
    )
    return state


def _duplicates(states: list[_FileState]) -> None:
    """Reject every copy of a household-year key found more than once (across all household files)."""
    keyed = [s for s in states if {"household_id", "year"} <= set(s.data.columns)]
    if not keyed:
        return
    log = KeyLog()
    for i, s in enumerate(keyed):
        log.add(s.data["household_id"], s.data["year"], i, s.data[ROW])
    dup = log.duplicates([s.file for s in keyed])
    for i, s in enumerate(keyed):
        _reject_duplicates(s, dup[dup["state"].eq(i)])


def _reject_duplicates(s: _FileState, dup: pd.DataFrame) -> None:
    """Reject the rows of ``s`` listed in ``dup`` (its rows of :meth:`KeyLog.duplicates`) as ``duplicate_key``."""
    pos = pd.Index(s.data[ROW].to_numpy()).get_indexer(dup["row"].to_numpy())
    found = pos >= 0
    if not found.any():
        return
    pos = pos[found]
    mask = np.zeros(len(s.data), bool)
    mask[pos] = True
    detail = {}
    for lang in ("zh", "en"):
        detail[lang] = pd.Series("", index=s.data.index, dtype="string")
        detail[lang].iloc[pos] = dup[f"listing_{lang}"].to_numpy()[found]
    id_header = "household_id" if "household_id" in s.checks.headers else "id_card"
    year = "年度/year " + as_text(s.data["year"])
    s.checks.add(
        mask,
        "household_id",
        "duplicate_key",
        year,
        column=s.checks.headers.get(id_header, ""),
        detail=("同户同年的行: " + detail["zh"], "rows with this household and year: " + detail["en"]),
    )


def _measures_without_households(states: list[_FileState]) -> None:
    """Reject measure rows whose household-year has no row, or only rejected rows, in the household files.

    Checked when at least one household file was read; measure files given alone are kept as they are.
    """
    households = [s for s in states if s.table == "households" and {"household_id", "year"} <= set(s.data.columns)]
    if not any(s.table == "households" for s in states):
        return
    listed, accepted = KeyLog(where=False), KeyLog(where=False)
    for s in households:
        listed.add(s.data["household_id"], s.data["year"])
        kept = s.data[~s.checks.rejected]
        accepted.add(kept["household_id"], kept["year"])
    listed, accepted = listed.key_set(), accepted.key_set()
    for s in states:
        if s.table != "measures" or not {"household_id", "year"} <= set(s.data.columns):
            continue
        _check_measure_keys(
            s,
            listed.contains(s.data["household_id"], s.data["year"]),
            accepted.contains(s.data["household_id"], s.data["year"]),
        )


def _check_measure_keys(s: _FileState, in_listed: np.ndarray, in_accepted: np.ndarray) -> None:
    """Reject measure rows of ``s`` whose key is not among the household rows (``in_listed``) or only among
    rejected ones."""
    present = (s.data["household_id"].notna() & s.data["year"].notna()).to_numpy()
    column = "/".join(
        s.checks.headers.get(c, c)
        for c in ("household_id" if "household_id" in s.checks.headers else "id_card", "year")
    )
    year = "年度/year " + as_text(s.data["year"])
    s.checks.add(present & ~in_listed, "household_id", "measure_without_household", year, column=column)
    s.checks.add(present & in_listed & ~in_accepted, "household_id", "measure_household_rejected", year, column=column)


# ---------------------------------------------------------------------------------------------
# Assembling the result


@dataclass
class IngestResult:
    """Outcome of :func:`ingest`: the panel of accepted rows and the full accounting.

    * ``accounting``: one row per file: file, table, format, encoding, sheet, header_row,
      rows_read, rows_accepted, rows_rejected, rows_excluded (rows_read = accepted + rejected + excluded);
    * ``reasons``: file, table, status (rejected | excluded | normalised: accepted after a
      reported correction such as a region alias), reason, reason_zh, reason_en, rows (a row
      rejected for several reasons is counted under each);
    * ``problems``: :data:`evalkit.validation.PROBLEM_COLUMNS`, errors and warnings;
    * ``rejections``: rejected rows without raw identifiers (file, table, row, reasons,
      household_id pseudonym, the other cells as text).
    """

    panel: Panel
    accounting: pd.DataFrame
    problems: pd.DataFrame
    rejections: pd.DataFrame
    reasons: pd.DataFrame
    demo_key: bool

    @property
    def errors(self) -> pd.DataFrame:
        return self.problems[self.problems["severity"] == "error"]

    @property
    def ok(self) -> bool:
        """True when no problem is an error (the files are usable as they are)."""
        return self.errors.empty


def _canonical_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    columns = household_columns()
    order = [c for c in columns if c in frame.columns] + [c for c in frame.columns if c not in columns]
    out = frame[order].copy()
    for name in out.columns:
        col = columns.get(name)
        if col is None or col.kind == "identifier" and name != "id_card":
            continue
        if col.dtype == "int":
            out[name] = out[name].astype("int64" if col.required else "Int64")
        elif col.dtype == "float":
            out[name] = out[name].astype("float64")
        elif col.dtype == "bool":
            out[name] = out[name].astype("boolean")
        else:
            out[name] = out[name].astype("str")
    return out


def _synthetic(paths: list[Path]) -> bool:
    """True when a source file sits in an evalkit panel folder whose meta.json says synthetic."""
    for path in paths:
        meta = path.parent / "meta.json"
        if meta.exists():
            try:
                if json.loads(meta.read_text(encoding="utf-8")).get("synthetic"):
                    return True
            except (ValueError, OSError):
                continue
    return False


def _unreadable(path: Path, table: str, exc: EvalkitError) -> tuple[dict, pd.DataFrame]:
    kind = "no_header" if "header" in str(exc) else "unreadable_file"
    found = problems(path.name, None, "", "", "", kind, detail=(str(exc), str(exc)))
    row = {
        "file": path.name,
        "table": table,
        "format": path.suffix.lstrip(".").lower(),
        "encoding": "",
        "sheet": "",
        "header_row": 0,
        "rows_read": 0,
        "rows_accepted": 0,
        "rows_rejected": 0,
        "rows_excluded": 0,
    }
    return row, found


def ingest(
    paths,
    measures=(),
    strict: bool = False,
    key: str | bytes | None = None,
    key_file: str | Path | None = None,
    min_year: int = DEFAULT_MIN_YEAR,
    max_year: int | None = None,
) -> IngestResult:
    """Read, validate and pseudonymise household exports ``paths`` and long measure files ``measures``.

    ``strict`` raises :class:`DataValidationError` at the first error; otherwise every problem is
    collected. Years outside ``min_year``..``max_year`` (default: the current year) are errors.
    The key is resolved by :func:`evalkit.pseudonymise.resolve_key` (``key``, then the environment,
    then ``key_file``; else the demo key with a :class:`DemoKeyWarning`).
    """
    secret, demo_key = resolve_key(key, key_file)
    years = (min_year, max_year if max_year is not None else default_max_year())
    if years[0] > years[1]:
        raise EvalkitError(
            f"年度范围无效: 最早 {years[0]} 晚于最晚 {years[1]} / invalid year range: min year {years[0]} "
            f"is after max year {years[1]}"
        )
    jobs = [(Path(p), "households") for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    jobs += [(Path(p), "measures") for p in ([measures] if isinstance(measures, (str, Path)) else measures)]
    states: list[_FileState] = []
    accounting, found = [], []
    for path, table in jobs:
        try:
            raw = read_export(path)
        except EvalkitError as exc:
            if strict:
                raise
            row, problem = _unreadable(path, table, exc)
            accounting.append(row)
            found.append(problem)
            continue
        states.append(_check_file(raw, table, secret, strict, years))
    _duplicates([s for s in states if s.table == "households"])
    _measures_without_households(states)

    households, measure_parts, rejections, reasons = [], [], [], []
    for s in states:
        row, why, rej = _file_summary(s)
        accounting.append(row)
        found.append(s.checks.table())
        reasons.extend(why)
        if rej is not None:
            rejections.append(rej)
        accepted, measure_part = _accepted(s)
        if s.table == "households":
            households.append(accepted)
        if measure_part is not None:
            measure_parts.append(measure_part)

    measures_table = _combine_measures(measure_parts, states, found)
    problem_table = (
        pd.concat([f for f in found if len(f)], ignore_index=True) if any(len(f) for f in found) else empty_problems()
    )
    hh = _canonical_dtypes(pd.concat(households, ignore_index=True)) if households else pd.DataFrame()
    if {"wage", "operating_income", "operating_expenses", "property", "transfer", "household_size"} <= set(
        hh.columns
    ) and "household_type" in hh.columns:
        hh = derive_income(hh)
    accounting_table = pd.DataFrame(accounting)
    meta = {
        "synthetic": _synthetic([p for p, _ in jobs]),
        "source_files": [p.name for p, t in jobs if t == "households"],
        "measure_files": [p.name for p, t in jobs if t == "measures"],
        "pseudonym_key": "demo" if demo_key else "user",
        "accounting": accounting_table.to_dict("records"),
    }
    return IngestResult(
        panel=Panel(households=hh, measures=measures_table, meta=meta),
        accounting=accounting_table,
        problems=problem_table[PROBLEM_COLUMNS],
        rejections=pd.concat(rejections, ignore_index=True)
        if rejections
        else pd.DataFrame(columns=["file", "table", "row", "reasons"]),
        reasons=pd.DataFrame(reasons, columns=["file", "table", "status", "reason", "reason_zh", "reason_en", "rows"]),
        demo_key=demo_key,
    )


def _file_summary(s: _FileState) -> tuple[dict, list[dict], pd.DataFrame | None]:
    """The accounting row, the counts by reason and the rejected rows (None if none) of one checked file (or block)."""
    keep = ~s.checks.rejected
    info = s.info
    excluded = info["excluded"]
    row = {
        "file": s.file,
        "table": s.table,
        "format": info["format"],
        "encoding": info["encoding"],
        "sheet": info["sheet"],
        "header_row": info["header_row"],
        "rows_read": info["rows_read"],
        "rows_accepted": int(keep.sum()),
        "rows_rejected": int((~keep).sum()),
        "rows_excluded": sum(excluded.values()),
    }
    reasons = []
    for status, found in (("rejected", s.checks.reasons), ("normalised", s.checks.normalised)):
        for kind, mask in found.items():
            reasons.append(
                {
                    "file": s.file,
                    "table": s.table,
                    "status": status,
                    "reason": kind,
                    "reason_zh": KINDS[kind][0],
                    "reason_en": KINDS[kind][1],
                    "rows": int(mask.sum()),
                }
            )
    for kind, n in excluded.items():
        if n:
            reasons.append(
                {
                    "file": s.file,
                    "table": s.table,
                    "status": "excluded",
                    "reason": kind,
                    "reason_zh": EXCLUSIONS[kind][0],
                    "reason_en": EXCLUSIONS[kind][1],
                    "rows": n,
                }
            )
    if not (~keep).any():
        return row, reasons, None
    rej = pd.DataFrame({"file": s.file, "table": s.table, "row": s.data[ROW].to_numpy()[~keep]})
    why = pd.Series("", index=range(len(s.data)), dtype="string")
    for kind, mask in s.checks.reasons.items():
        why = why.mask(mask, why + np.where(why.eq(""), "", ";") + kind)
    rej["reasons"] = why.to_numpy()[~keep]
    if "household_id" in s.data.columns:
        rej["household_id"] = s.data["household_id"].to_numpy()[~keep]
    if s.rejection_text is not None:
        rej = pd.concat([rej, s.rejection_text[~keep].reset_index(drop=True)], axis=1)
    return row, reasons, rej


def _accepted(s: _FileState) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The accepted rows of a checked file (or block) and its accepted measure rows (None if none)."""
    keep = ~s.checks.rejected
    accepted = s.data[keep].drop(columns=ROW)
    if s.table == "measures":
        return accepted, accepted.reindex(columns=MEASURE_COLUMNS)
    if len(s.wide):
        return accepted, s.wide[keep[s.wide["_pos"].to_numpy().astype(int)]].drop(columns="_pos")
    return accepted, None


def _combine_measures(parts: list[pd.DataFrame], states: list[_FileState], found: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per household, year and measure; rows of a long file repeated for one key are summed (warned)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(
            {
                "household_id": pd.Series(dtype="str"),
                "year": pd.Series(dtype="int64"),
                "measure": pd.Series(dtype="str"),
                "amount": pd.Series(dtype="float64"),
            }
        )
    frame = pd.concat(parts, ignore_index=True)
    frame["year"] = frame["year"].astype("int64")
    frame["amount"] = frame["amount"].astype("float64")
    repeated = frame.duplicated(["household_id", "year", "measure"], keep="first")
    if repeated.any():
        n = int(repeated.sum())
        files = ", ".join(s.file for s in states if s.table == "measures") or ", ".join(s.file for s in states)
        found.append(
            problems(
                files,
                None,
                "",
                "measure",
                str(n),
                "measure_rows_combined",
                severity="warning",
                detail=(f"{n} 行合并", f"{n} rows combined"),
            )
        )
    out = frame.groupby(["household_id", "year", "measure"], as_index=False, sort=True)["amount"].sum(min_count=1)
    out["household_id"] = out["household_id"].astype("str")
    out["measure"] = out["measure"].astype("str")
    return out[MEASURE_COLUMNS]


# ---------------------------------------------------------------------------------------------
# Chunked ingest: the same checks and results, memory bounded by the block size

#: Lines per block of :class:`ChunkedIngest` (``evalkit ingest --chunk-rows``).
DEFAULT_CHUNK_ROWS = 500_000


def _blocks(path: Path, chunk_rows: int):
    """CSV in blocks of ``chunk_rows`` lines; XLSX and Parquet as one block (XLSX holds at most 1,048,576 rows)."""
    if path.suffix.lower() in (".csv", ".txt"):
        yield from iter_csv_blocks(path, chunk_rows)
    else:
        yield read_export(path)


def _empty_measures() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "household_id": pd.Series(dtype="str"),
            "year": pd.Series(dtype="int64"),
            "measure": pd.Series(dtype="str"),
            "amount": pd.Series(dtype="float64"),
        }
    )


class _FileTotals:
    """Accounting, reasons, problems and rejections of one file, summed over its blocks."""

    def __init__(self):
        self.row: dict | None = None
        self.reasons: dict[tuple[str, str], dict] = {}
        self.problems: list[pd.DataFrame] = []
        self.file_level: list[pd.DataFrame] = []
        self.alias_groups: list[pd.DataFrame] = []
        self.rejections: list[pd.DataFrame] = []

    def add(self, s: _FileState) -> None:
        row, reasons, rejected = _file_summary(s)
        if self.row is None:
            self.row = row
        else:
            for k in ("rows_read", "rows_accepted", "rows_rejected", "rows_excluded"):
                self.row[k] += row[k]
        for r in reasons:
            key = (r["status"], r["reason"])
            if key in self.reasons:
                self.reasons[key]["rows"] += r["rows"]
            else:
                self.reasons[key] = r
        found = s.checks.table()
        found = found[found["kind"] != "region_alias"]
        self.file_level.append(found[found["row"].isna()])
        self.problems.append(found[found["row"].notna()])
        self.alias_groups.extend(s.checks.alias_groups)
        if rejected is not None:
            self.rejections.append(rejected)

    def problem_table(self, file: str) -> pd.DataFrame:
        """File-level problems once (every block repeats them), then the row problems and the region-alias warnings."""
        parts = [pd.concat(self.file_level, ignore_index=True).drop_duplicates()] if self.file_level else []
        parts += self.problems
        if self.alias_groups:
            groups = pd.concat(self.alias_groups, ignore_index=True)
            merged = groups.groupby(["level", "column", "alias", "name"], sort=False, as_index=False).agg(
                first=("first", "min"), size=("size", "sum")
            )
            parts += [
                _alias_problems(file, g.sort_values(["alias", "name"])) for _, g in merged.groupby("level", sort=False)
            ]
        parts = [p for p in parts if len(p)]
        return pd.concat(parts, ignore_index=True) if parts else empty_problems()

    def reason_rows(self) -> list[dict]:
        order = {"rejected": 0, "normalised": 1, "excluded": 2}
        return sorted(self.reasons.values(), key=lambda r: order[r["status"]])


#: Memory DuckDB may use to combine the staged measure rows of a chunked ingest (it spills beyond).
STAGING_MEMORY_LIMIT = "2GB"


class ChunkedIngest:
    """:func:`ingest` for exports larger than memory: CSV files are read, checked, pseudonymised
    and handed on in blocks of ``chunk_rows`` lines; the results are those of :func:`ingest`.

    Usage: ``run = ChunkedIngest(...)``; consume :meth:`panels` (e.g. with
    :func:`evalkit.dataset.write_dataset`), then :meth:`result` gives the :class:`IngestResult`
    (its panel is empty: the rows went to the consumer).

    Checks that span blocks, and how they hold:

    * duplicate household-year keys: a first pass over the household files keeps only the keys
      (:class:`evalkit.keys.KeyLog`: pseudonym as a 64-bit number by year, file, row): every copy is
      rejected with the list of the others, as in :func:`ingest` (memory: 20 bytes a household-year
      row, then 8 bytes a key for the sets of listed and accepted keys; not the cells);
    * wide 1/0 measure columns are flags when the whole column is 1/0 (decided in the first pass);
    * measure rows without an (accepted) household row: checked against the keys of both passes;
    * measure rows repeated for one household, year and measure are summed by DuckDB over the
      accepted measure rows staged as Parquet in ``workdir`` (an empty folder it may use), within
      :data:`STAGING_MEMORY_LIMIT` (DuckDB spills the aggregation to ``workdir`` beyond it);
    * blank, total and note rows: see :func:`iter_csv_blocks`; region-alias warnings are merged.

    Memory is one block plus the compact keys, the problems and the rejected rows. XLSX and Parquet files
    are read whole (an XLSX sheet has at most 1,048,576 rows). In strict mode the first problem
    found stops the run; for a duplicate key that can be in an earlier block than in :func:`ingest`.
    """

    def __init__(
        self,
        paths,
        measures=(),
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        workdir: str | Path = ".",
        strict: bool = False,
        key: str | bytes | None = None,
        key_file: str | Path | None = None,
        min_year: int = DEFAULT_MIN_YEAR,
        max_year: int | None = None,
    ):
        if chunk_rows < 1:
            raise EvalkitError(f"块行数必须为正 / chunk_rows must be positive, got {chunk_rows}")
        self.secret, self.demo_key = resolve_key(key, key_file)
        self.years = (min_year, max_year if max_year is not None else default_max_year())
        if self.years[0] > self.years[1]:
            raise EvalkitError(
                f"年度范围无效: 最早 {self.years[0]} 晚于最晚 {self.years[1]} / invalid year range: "
                f"min year {self.years[0]} is after max year {self.years[1]}"
            )
        self.jobs = [(Path(p), "households") for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
        self.jobs += [(Path(p), "measures") for p in ([measures] if isinstance(measures, (str, Path)) else measures)]
        self.chunk_rows, self.strict, self.workdir = chunk_rows, strict, Path(workdir)
        self._result: IngestResult | None = None

    def _meta(self) -> dict:
        return {
            "synthetic": _synthetic([p for p, _ in self.jobs]),
            "source_files": [p.name for p, t in self.jobs if t == "households"],
            "measure_files": [p.name for p, t in self.jobs if t == "measures"],
            "pseudonym_key": "demo" if self.demo_key else "user",
        }

    def _scan(self, i: int, path: Path, log: KeyLog) -> tuple[dict[str, bool], set[str] | None]:
        """First pass over a household file: its keys (into ``log``), which wide measure columns are flags,
        its panel columns."""
        flags, columns = {}, None
        catalogue = household_columns()
        for raw in _blocks(path, self.chunk_rows):
            headers, wide, checks = _map_columns(raw, "households", path.name, False)
            for header in wide:
                flags[header] = flags.get(header, True) and _is_flag_column(parse_number(raw[header])[0])
            if checks.file_errors:
                continue
            data = pd.DataFrame({ROW: raw[ROW].to_numpy()})
            _identifiers(
                data,
                {n: as_text(raw[headers[n]]) for n in ("household_id", "id_card") if n in headers},
                checks,
                self.secret,
            )
            data["year"] = _typed_column(catalogue["year"], raw[headers["year"]], as_text(raw[headers["year"]]), checks)
            log.add(data["household_id"], data["year"], i, data[ROW])
            columns = {
                "household_id",
                *(["id_card"] if "id_card" in headers else []),
                *(n for n in headers if catalogue[n].kind != "identifier"),
            }
        return flags, columns

    def panels(self):
        """Panel blocks of accepted rows: the household blocks (measures empty), then the measures
        (households empty)."""
        meta = self._meta()
        totals: dict[int, _FileTotals] = {}
        unreadable_rows, unreadable_found = [], []
        scans, log, columns = {}, KeyLog(), set()
        for i, (path, table) in enumerate(self.jobs):
            if table != "households":
                continue
            try:
                flags, cols = self._scan(i, path, log)
            except EvalkitError as exc:
                if self.strict:
                    raise
                row, problem = _unreadable(path, table, exc)
                unreadable_rows.append(row)
                unreadable_found.append(problem)
                continue
            scans[i] = flags
            columns |= cols or set()
        dup = log.duplicates([p.name for p, _ in self.jobs])
        listed = log.key_set()
        del log
        order = [c for c in household_columns() if c in columns]
        staging = self.workdir / "measures-staging"
        staging.mkdir(parents=True, exist_ok=True)
        staged, accepted_log, accepted, empty_hh = 0, KeyLog(where=False), None, None

        def stage(part: pd.DataFrame | None) -> None:
            nonlocal staged
            if part is not None and len(part):
                part = part.astype({"household_id": "str", "year": "int64", "measure": "str", "amount": "float64"})
                part.to_parquet(staging / f"part-{staged}.parquet", index=False)
                staged += 1

        for i, (path, table) in enumerate(self.jobs):
            if table == "households" and i not in scans:
                continue
            files = totals[i] = _FileTotals()
            try:
                for raw in _blocks(path, self.chunk_rows):
                    s = _check_file(raw, table, self.secret, self.strict, self.years, scans.get(i))
                    keyed = {"household_id", "year"} <= set(s.data.columns)
                    if table == "households" and keyed:
                        _reject_duplicates(s, dup[dup["state"].eq(i)])
                    if table == "measures" and keyed and scans:
                        if accepted is None:  # household files come first: their accepted keys are complete
                            accepted, accepted_log = accepted_log.key_set(), None
                        _check_measure_keys(
                            s,
                            listed.contains(s.data["household_id"], s.data["year"]),
                            accepted.contains(s.data["household_id"], s.data["year"]),
                        )
                    files.add(s)
                    rows, measure_part = _accepted(s)
                    stage(measure_part)
                    if table != "households" or not keyed:  # not keyed: a file-level error rejected every row
                        continue
                    kept = s.data[~s.checks.rejected]
                    accepted_log.add(kept["household_id"], kept["year"])
                    hh = _canonical_dtypes(rows.reindex(columns=order))
                    if {
                        "wage",
                        "operating_income",
                        "operating_expenses",
                        "property",
                        "transfer",
                        "household_size",
                        "household_type",
                    } <= set(hh.columns):
                        hh = derive_income(hh)
                    if empty_hh is None:
                        empty_hh = hh.iloc[:0]
                    if len(hh):
                        yield Panel(households=hh, measures=_empty_measures(), meta=meta)
            except (
                EvalkitError
            ) as exc:  # a measure file that fails part-way (household files were read in the first pass)
                if self.strict or isinstance(exc, DataValidationError):
                    raise
                del totals[i]
                row, problem = _unreadable(path, table, exc)
                unreadable_rows.append(row)
                unreadable_found.append(problem)
        found = unreadable_found + [totals[i].problem_table(self.jobs[i][0].name) for i in totals]
        repeated = 0
        if staged:
            import duckdb

            con = duckdb.connect(
                config={
                    "memory_limit": STAGING_MEMORY_LIMIT,
                    "preserve_insertion_order": False,
                    "temp_directory": str(staging / "spill"),
                }
            )
            files = (staging / "*.parquet").as_posix().replace("'", "''")
            source = f"read_parquet('{files}')"
            n_rows, n_keys = con.sql(
                f"SELECT COUNT(*), (SELECT COUNT(*) FROM (SELECT DISTINCT household_id, year, "
                f"measure FROM {source})) FROM {source}"
            ).fetchall()[0]
            repeated = n_rows - n_keys
            if empty_hh is not None:
                reader = con.sql(
                    f"SELECT household_id, year, measure, SUM(amount) AS amount FROM {source} "
                    "GROUP BY household_id, year, measure"
                ).to_arrow_reader(self.chunk_rows)
                for batch in reader:
                    frame = batch.to_pandas().astype(
                        {"household_id": "str", "year": "int64", "measure": "str", "amount": "float64"}
                    )
                    yield Panel(households=empty_hh, measures=frame[MEASURE_COLUMNS], meta=meta)
            con.close()
        if repeated:
            names = ", ".join(p.name for p, t in self.jobs if t == "measures") or ", ".join(
                p.name for p, _ in self.jobs
            )
            found.append(
                problems(
                    names,
                    None,
                    "",
                    "measure",
                    str(repeated),
                    "measure_rows_combined",
                    severity="warning",
                    detail=(f"{repeated} 行合并", f"{repeated} rows combined"),
                )
            )
        shutil.rmtree(staging, ignore_errors=True)
        accounting = pd.DataFrame(unreadable_rows + [totals[i].row for i in totals if totals[i].row is not None])
        rejections = [r for i in totals for r in totals[i].rejections]
        found = [f for f in found if len(f)]
        self._result = IngestResult(
            panel=Panel(
                households=empty_hh if empty_hh is not None else pd.DataFrame(),
                measures=_empty_measures(),
                meta=dict(meta, accounting=accounting.to_dict("records")),
            ),
            accounting=accounting,
            problems=(pd.concat(found, ignore_index=True) if found else empty_problems())[PROBLEM_COLUMNS],
            rejections=pd.concat(rejections, ignore_index=True)
            if rejections
            else pd.DataFrame(columns=["file", "table", "row", "reasons"]),
            reasons=pd.DataFrame(
                [r for i in totals for r in totals[i].reason_rows()],
                columns=["file", "table", "status", "reason", "reason_zh", "reason_en", "rows"],
            ),
            demo_key=self.demo_key,
        )

    @property
    def finished(self) -> bool:
        """True once :meth:`panels` has been consumed."""
        return self._result is not None

    def result(self) -> IngestResult:
        """The accounting, problems and rejections, once :meth:`panels` has been consumed."""
        if self._result is None:
            raise EvalkitError("ChunkedIngest.panels() 尚未读完 / ChunkedIngest.panels() has not been consumed")
        return self._result


# ---------------------------------------------------------------------------------------------
# Command line

MAX_PRINTED_PROBLEMS = 1000


def write_rejections(result: IngestResult, folder: str | Path) -> list[Path]:
    """Write ``rejections.csv`` and ``problems.csv`` (UTF-8 with BOM, opens in Excel) to ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = [folder / "rejections.csv", folder / "problems.csv"]
    result.rejections.to_csv(out[0], index=False, encoding="utf-8-sig")
    result.problems.to_csv(out[1], index=False, encoding="utf-8-sig")
    return out


def format_accounting(result: IngestResult) -> str:
    """The row accounting as bilingual text (one line per file, then the counts by reason)."""
    labels = {
        "file": "文件/file",
        "table": "表/table",
        "format": "格式/format",
        "encoding": "编码/encoding",
        "header_row": "表头行/header row",
        "rows_read": "读取/read",
        "rows_accepted": "接受/accepted",
        "rows_rejected": "拒绝/rejected",
        "rows_excluded": "排除/excluded",
    }
    table = result.accounting[list(labels)].rename(columns=labels)
    lines = [
        "行数核算 / row accounting (读取 = 接受 + 拒绝 + 排除 / read = accepted + rejected + excluded)",
        table.to_string(index=False),
    ]
    if len(result.reasons):
        lines.append("按原因 / by reason:")
        status = {"rejected": "拒绝/rejected", "excluded": "排除/excluded", "normalised": "已规范/normalised"}
        for r in result.reasons.itertuples(index=False):
            lines.append(f"  {r.file} [{status[r.status]}] {r.reason_zh} / {r.reason_en}: {r.rows}")
    return "\n".join(lines)


def validate_command(
    paths,
    strict: bool = False,
    measures=(),
    rejections_dir: str | Path | None = None,
    min_year: int | None = None,
    max_year: int | None = None,
) -> int:
    """``evalkit validate``: print the accounting and the problems; 0 when usable, 1 when not.

    ``min_year`` / ``max_year`` bound the accepted years (defaults as in :func:`ingest`).
    """
    years = {"min_year": min_year} if min_year is not None else {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DemoKeyWarning)
        result = ingest(paths, measures=measures or (), strict=strict, max_year=max_year, **years)
    for w in caught:
        if issubclass(w.category, DemoKeyWarning):
            print(str(w.message), file=sys.stderr)
    print(format_accounting(result))
    errors, warns = result.errors, result.problems[result.problems["severity"] == "warning"]
    if len(result.problems):
        print(f"问题 / problems: {len(errors)} 个错误 / errors, {len(warns)} 个警告 / warnings")
        shown = pd.concat([errors, warns]).head(MAX_PRINTED_PROBLEMS)
        for p in shown.itertuples(index=False):
            tag = "错误/error" if p.severity == "error" else "警告/warning"
            print(f"  [{tag}] {p.message_zh}\n      {p.message_en}")
        if len(result.problems) > MAX_PRINTED_PROBLEMS:
            print(
                f"  ... 另有 {len(result.problems) - MAX_PRINTED_PROBLEMS} 个问题, "
                f"完整列表见 --rejections 目录下的 problems.csv / "
                f"{len(result.problems) - MAX_PRINTED_PROBLEMS} more; "
                f"the full list is problems.csv in the --rejections folder"
            )
    if rejections_dir is not None:
        for path in write_rejections(result, rejections_dir):
            print(f"已写出 / written: {path}")
    if result.ok:
        print("结果: 文件可用 / result: the files are usable")
        return 0
    print("结果: 文件不可用, 请修正上述错误 / result: NOT usable, fix the errors above")
    return 1
