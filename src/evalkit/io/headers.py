"""Header of an export → canonical column: normalisation and the alias tables.

Headers are mapped to canonical columns through the alias tables ``data/columns.csv`` and
``data/measure_columns.csv`` after normalising width (NFKC: （）→ ()), brackets and whitespace;
a trailing unit such as ``(元)`` is ignored. Measure names (wide measure columns) come from the
aliases of ``data/measures.csv``. The header row of a file is the first row with at least two
cells that are known column names.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from evalkit.core.errors import EvalkitError
from evalkit.core.schema import household_columns, measure_columns, measures_catalogue

#: Rows searched for the header row.
HEADER_SCAN_ROWS = 50
_UNIT_SUFFIX = re.compile(r"\((?:元|元/人|元/年|人|个|户|月|年)\)$")
_BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")"})


def normalise_header(text: object) -> str:
    """Header text for alias matching: NFKC width folding (（ → (), brackets unified, no whitespace, lower case."""
    folded = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").translate(_BRACKETS)
    return re.sub(r"\s+", "", folded).lower()


@cache
def alias_index(table: str) -> dict[str, str]:
    """Normalised alias → canonical column of ``table`` (households | measures)."""
    columns = household_columns() if table == "households" else measure_columns()
    index: dict[str, str] = {}
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


def lookup(header: object, index: dict[str, str]) -> str | None:
    """The entry of ``index`` for ``header`` (normalised; a trailing unit such as (元) ignored), None if none."""
    key = normalise_header(header)
    if key in index:
        return index[key]
    return index.get(_UNIT_SUFFIX.sub("", key))


def map_header(header: object, table: str = "households") -> str | None:
    """Canonical column for a user's header (``table``: households | measures), None if unknown."""
    return lookup(header, alias_index(table))


def _is_header(cells: list[str]) -> bool:
    known = {**alias_index("households"), **alias_index("measures")}
    return sum(lookup(c, known) is not None for c in cells if c) >= 2


def find_header(rows: list[list[str]], file: str) -> int:
    """Index of the header row among ``rows`` (the first with two known column names); raises if none."""
    for i, cells in enumerate(rows):
        if _is_header(cells):
            return i
    raise EvalkitError(
        f"{file}: 前 {HEADER_SCAN_ROWS} 行中找不到表头行(至少两个已知列名, 如 户编号、年度) / "
        f"no header row in the first {HEADER_SCAN_ROWS} rows (needs two known column names, e.g. 户编号, 年度)"
    )
