"""Report labels and colours: ``data/labels.csv`` (key → label_zh, label_en, color).

The lowest module of the reporting layer (it imports only evalkit.core), so that formatting
(:mod:`evalkit.reporting.present`) and disclosure marks (:mod:`evalkit.reporting.disclosure`)
can both use it without importing each other.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.registry import english_name, position
from evalkit.core.resources import read_reference_csv

LANGS = ("zh", "en")


@lru_cache(maxsize=1)
def labels() -> pd.DataFrame:
    """The label table ``data/labels.csv`` indexed by key."""
    table = read_reference_csv("labels.csv")
    duplicated = table["key"][table["key"].duplicated()]
    if len(duplicated):
        raise EvalkitError(f"data/labels.csv: duplicated keys / 键重复: {', '.join(duplicated)}")
    return table.set_index("key")


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise EvalkitError(f"未知语言 / unknown language {lang!r}: use zh or en", code="E-LANG")


def t(key: str, lang: str = "zh") -> str:
    """Label of ``key`` in ``lang`` (``data/labels.csv``); unknown keys raise (no silent fallback)."""
    _check_lang(lang)
    table = labels()
    if key not in table.index:
        raise EvalkitError(f"data/labels.csv 缺少标签 / has no label for key {key!r}", code="E-LABEL-MISSING")
    return str(table.at[key, "label_zh" if lang == "zh" else "label_en"])


def label_or(key: str, lang: str = "zh") -> str:
    """Label of ``key`` when ``data/labels.csv`` has one, else ``key`` itself (for data values
    such as region or household-type names, which are already display text)."""
    return t(key, lang) if key in labels().index else key


def color(key: str) -> str:
    """Colour of ``key`` (income component, line, status) from ``data/labels.csv``."""
    value = str(labels().at[key, "color"]) if key in labels().index else ""
    if not value:
        raise EvalkitError(f"data/labels.csv: no colour for {key!r} / 缺少颜色")
    return value


#: A unit published together with small siblings: ``浉河区 (含羊山新区)`` (report.merged_name).
_MERGED = re.compile(r"^(?P<host>[^()]+) \(含(?P<others>[^()]+)\)$")


def area_label(name, lang: str = "zh"):
    """A region name as the report shows it in ``lang``: in English the registry's ``name_en``
    (光山县 → Guangshan County; ``浉河区 (含羊山新区)`` → ``Shihe District (incl. Yangshan New
    District)``). Names the registry does not know (villages) and non-strings are returned as given."""
    if lang == "zh" or not isinstance(name, str):
        return name
    merged = _MERGED.match(name)
    if merged:
        others = ", ".join(str(area_label(o, lang)) for o in merged["others"].split("、"))
        return f"{area_label(merged['host'], lang)} (incl. {others})"
    return english_name(name) or name


@lru_cache(maxsize=1)
def _categories_en() -> dict[str, str]:
    """Chinese category values of the panel → English (household types: ``data/household_types.csv``)."""
    types = read_reference_csv("household_types.csv")
    return dict(zip(types["label_zh"], types["label_en"], strict=True))


def value_label(value, lang: str = "zh"):
    """A data value (region name, household type) as shown in ``lang``; in Chinese unchanged."""
    if lang == "zh" or not isinstance(value, str):
        return value
    return _categories_en().get(value) or area_label(value, lang)


def admin_position(name) -> tuple[int, int]:
    """Sort key putting region names in administrative (registry) order; a merged unit
    (``浉河区 (含羊山新区)``) sorts as its host, names the registry does not know come last."""
    if isinstance(name, str):
        merged = _MERGED.match(name)
        found = position(merged["host"] if merged else name)
        if found is not None:
            return (0, found)
    return (1, 0)


def in_admin_order(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame`` with its rows in the administrative order of ``column`` (stable: rows the
    registry does not know keep their order, after the known ones)."""
    keys = [admin_position(v) for v in frame[column]]
    order = sorted(range(len(frame)), key=lambda i: keys[i])
    return frame.iloc[order]
