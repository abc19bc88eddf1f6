"""Report labels and colours: ``data/labels.csv`` (key → label_zh, label_en, color).

The lowest module of the reporting layer (it imports only evalkit.core), so that formatting
(:mod:`evalkit.reporting.present`) and disclosure marks (:mod:`evalkit.reporting.disclosure`)
can both use it without importing each other.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from evalkit.core.errors import EvalkitError
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
