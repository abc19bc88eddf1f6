"""Header of an export → canonical column: normalisation and the alias tables.

Headers are mapped to canonical columns through the alias tables ``data/columns.csv`` and
``data/measure_columns.csv`` after normalising width (NFKC: （）→ ()), brackets and whitespace;
a trailing unit such as ``(元)``, ``(单位：元)`` is ignored, and so are the per-capita and
per-household units of ``data/header_units.csv`` (``工资性收入（元/人）``, ``人均工资性收入``), which
:func:`header_per` reports so that a per-capita amount is never read as a household total. Measure
names (wide measure columns) come from the aliases of ``data/measures.csv``. The header row of a
file is the first row with at least two cells that are known column names; a second header row
below it (a two-row header with merged group cells such as 收入情况 over 工资性收入 … 转移性收入) is
merged into it (:func:`merge_header_rows`). Headers the alias tables do not know can be mapped by
the user (``--columns MAP.csv``: :func:`use_column_map`); headers that carry nothing (序号) are
listed in ``data/vocabularies.csv`` (field ``ignored_header``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path

from evalkit.core.errors import EvalkitError
from evalkit.core.resources import read_reference_csv
from evalkit.core.schema import household_columns, measure_columns, measures_catalogue

#: Rows searched for the header row.
HEADER_SCAN_ROWS = 50
# per-capita and per-household units (元/人, 元/户): data/header_units.csv
_UNIT_SUFFIX = re.compile(r"\((?:单位[:：]?)?(?:元|元/年|人|个|户|月|年)\)$")
#: The user's header → field map in use (:func:`use_column_map`), normalised.
_user_map: dict[str, str] = {}
_BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")"})


def normalise_header(text: object) -> str:
    """Header text for alias matching: NFKC width folding (（ → (), brackets unified, no whitespace, lower case."""
    folded = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").translate(_BRACKETS)
    return re.sub(r"\s+", "", folded).lower()


def read_column_map(path: str | Path) -> dict[str, str]:
    """A user's mapping file (CSV or XLSX, columns ``header`` and ``field``: export header →
    evalkit field of ``data/columns.csv`` or ``data/measure_columns.csv``); every problem names the
    file, the row and the column."""
    from evalkit.core.resources import read_user_table

    table, name = read_user_table(path, "column map")
    missing = [c for c in ("header", "field") if c not in table.columns]
    if missing:
        raise EvalkitError(
            f"{name}: 缺少列 {missing}, 应有 header, field / missing columns {missing}: header, field",
            code="E-COLUMNS-MAP",
        )
    fields = set(household_columns()) | set(measure_columns())
    problems = [
        f"{name} 第{r}行 列「field」值 '{v}': 不是 evalkit 字段 (data/columns.csv) / {name} row {r} column 'field' "
        f"value '{v}': not an evalkit field (data/columns.csv)"
        for r, v in zip(table.index + 2, table["field"], strict=True)
        if v not in fields
    ]
    problems += [
        f"{name} 第{r}行 列「header」为空 / {name} row {r} column 'header' is blank"
        for r, v in zip(table.index + 2, table["header"], strict=True)
        if not v
    ]
    if problems:
        raise EvalkitError("\n".join(problems), code="E-COLUMNS-MAP")
    return dict(zip(table["header"], table["field"], strict=True))


def use_column_map(mapping: dict[str, str] | None) -> None:
    """Map these export headers to these fields before the alias tables, for the rest of the process
    (``None`` or ``{}``: stop)."""
    global _user_map
    _user_map = {normalise_header(h): f for h, f in (mapping or {}).items()}
    alias_index.cache_clear()


@cache
def alias_index(table: str) -> dict[str, str]:
    """Normalised alias → canonical column of ``table`` (households | measures); the user's map
    (:func:`use_column_map`) first."""
    columns = household_columns() if table == "households" else measure_columns()
    index: dict[str, str] = {h: f for h, f in _user_map.items() if f in columns}
    for col in columns.values():
        for alias in (*col.aliases, col.name, col.label_zh):
            index.setdefault(normalise_header(alias), col.name)
    return index


@lru_cache(maxsize=1)
def measure_aliases() -> dict[str, str]:
    """Normalised measure name → measure code (aliases, Chinese label and code of ``data/measures.csv``)."""
    index: dict[str, str] = {}
    for row in measures_catalogue().to_dict("records"):
        for alias in (*str(row["aliases"]).split("|"), str(row["label_zh"]), str(row["code"])):
            if alias.strip():
                index.setdefault(normalise_header(alias), str(row["code"]))
    return index


@lru_cache(maxsize=1)
def header_units() -> list[tuple[str, str, str]]:
    """``data/header_units.csv`` as (position, normalised text, per) — longest text first."""
    table = read_reference_csv("header_units.csv")
    rows = [(r["position"], normalise_header(r["text"]), r["per"]) for r in table.to_dict("records")]
    return sorted(rows, key=lambda r: -len(r[1]))


def _strip_unit(key: str) -> tuple[str, str | None]:
    """``key`` without one unit of :func:`header_units` and that unit's ``per`` (person | household)."""
    for position, text, per in header_units():
        if position == "suffix" and key.endswith(text) and len(key) > len(text):
            return key[: -len(text)], per
        if position == "prefix" and key.startswith(text) and len(key) > len(text):
            return key[len(text) :], per
    return key, None


def header_per(header: object, index: dict[str, str]) -> str | None:
    """``person`` when ``header`` maps to a column of ``index`` only through a per-capita unit
    (``工资性收入（元/人）``, ``人均工资性收入``), ``household`` through a per-household one, else None
    (the header is itself an alias, e.g. 人均纯收入, or names no unit)."""
    key = normalise_header(header)
    if key in index or _UNIT_SUFFIX.sub("", key) in index:
        return None
    stripped, per = _strip_unit(key)
    return per if per is not None and (stripped in index or _UNIT_SUFFIX.sub("", stripped) in index) else None


def lookup(header: object, index: dict[str, str]) -> str | None:
    """The entry of ``index`` for ``header`` (normalised; a trailing unit such as (元), (元/人) or a
    人均 prefix ignored — :func:`header_per` says which), None if none."""
    key = normalise_header(header)
    if key in index:
        return index[key]
    if (found := index.get(_UNIT_SUFFIX.sub("", key))) is not None:
        return found
    stripped, _ = _strip_unit(key)
    return index.get(stripped, index.get(_UNIT_SUFFIX.sub("", stripped)))


def map_header(header: object, table: str = "households") -> str | None:
    """Canonical column for a user's header (``table``: households | measures), None if unknown."""
    return lookup(header, alias_index(table))


def _is_header(cells: list[str]) -> bool:
    known = {**alias_index("households"), **alias_index("measures")}
    return sum(lookup(c, known) is not None for c in cells if c) >= 2


@lru_cache(maxsize=1)
def ignored_headers() -> frozenset[str]:
    """Normalised headers that carry nothing for evalkit (序号): not reported as unknown."""
    table = read_reference_csv("vocabularies.csv")
    return frozenset(normalise_header(v) for v in table.loc[table["field"] == "ignored_header", "value"])


def merge_header_rows(first: list[str], second: list[str]) -> list[str] | None:
    """The header of a two-row header (``first`` with group cells such as 收入情况 merged over the
    columns that ``second`` names), or None when ``second`` is not a header row: it must name at
    least two known columns where ``first`` names none (blank or a group label)."""
    known = {**alias_index("households"), **alias_index("measures")}
    width = max(len(first), len(second))
    first = [*first, *[""] * (width - len(first))]
    second = [*second, *[""] * (width - len(second))]
    below = [i for i, c in enumerate(second) if c and lookup(c, known) is not None and lookup(first[i], known) is None]
    # under a column the first row names, a second header row is blank (merged down); a data row is not
    under_named = any(second[i] for i, c in enumerate(first) if c and lookup(c, known) is not None)
    if len(below) < 2 or under_named:
        return None
    return [second[i] if i in below else first[i] for i in range(width)]


#: Separators of CSV-like files that are not comma-separated (found to say so, not read).
SEPARATORS = {
    ";": ("分号 ;", "semicolons"),
    "\t": ("制表符", "tabs"),
    "|": ("竖线 |", "bars"),
    "；": ("全角分号 ；", "semicolons"),
}


def find_header(rows: list[list[str]], file: str) -> int:
    """Index of the header row among ``rows`` (the first with two known column names); raises if none."""
    for i, cells in enumerate(rows):
        if _is_header(cells):
            return i
    for cells in rows:  # one field holding the headers joined by another separator
        for sep, (zh, en) in SEPARATORS.items():
            if len(cells) == 1 and _is_header(cells[0].split(sep)):
                raise EvalkitError(
                    f"{file}: 字段以{zh}分隔, 不是逗号; 请在 Excel 中另存为 CSV(逗号分隔)或 XLSX / fields are "
                    f"separated by {en}, not commas: save the file as CSV (comma-delimited) or XLSX",
                    code="E-FILE-SEPARATOR",
                )
    raise EvalkitError(
        f"{file}: 前 {HEADER_SCAN_ROWS} 行中找不到表头行(至少两个已知列名, 如 户编号、年度) / "
        f"no header row in the first {HEADER_SCAN_ROWS} rows (needs two known column names, e.g. 户编号, 年度)",
        code="E-FILE-NO-HEADER",
    )
