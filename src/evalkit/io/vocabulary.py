"""Value vocabularies of exports (``data/vocabularies.csv``: field, value, canonical, source).

* ``yes_no``: the words every yes/no column accepts (是/否, 1/0, Y/N, √/×, 有/无, ...); a field
  may add its own (``risk_eliminated``: 已消除/未消除).
* ``household_type`` and ``monitoring_category``: the values of the national 防返贫监测 system's
  户类型 (脱贫户 / 一般农户 / 监测户, and evalkit's own four types) and 监测对象类别 (脱贫不稳定户 /
  边缘易致贫户 / 突发严重困难户, or none).
* ``household_type_rule``: ``<户类型>+<监测对象类别>`` → evalkit's household type
  (``data/household_types.csv``); a combination the table does not list is a contradiction
  (监测户 without a category, 一般农户 without one, 脱贫户 + 边缘易致贫户, ...): an error naming the row.

Values are matched after width folding and without spaces (:func:`evalkit.io.headers.normalise_header`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from evalkit.core.resources import read_reference_csv
from evalkit.core.schema import household_types
from evalkit.io.headers import normalise_header


@lru_cache(maxsize=1)
def vocabularies() -> pd.DataFrame:
    """The table ``data/vocabularies.csv``."""
    return read_reference_csv("vocabularies.csv")


@lru_cache(maxsize=16)
def vocabulary(field: str) -> dict[str, str]:
    """Normalised value → canonical value of ``field``."""
    table = vocabularies()
    rows = table[table["field"] == field]
    return {normalise_header(v): c for v, c in zip(rows["value"], rows["canonical"], strict=True)}


@lru_cache(maxsize=16)
def yes_no_words(field: str | None = None) -> tuple[frozenset[str], frozenset[str]]:
    """(true words, false words) a yes/no column of ``field`` accepts, normalised: the general
    ``yes_no`` vocabulary plus the field's own rows."""
    words = dict(vocabulary("yes_no"))
    if field:
        words |= vocabulary(field)
    return (
        frozenset(w for w, c in words.items() if c == "yes"),
        frozenset(w for w, c in words.items() if c == "no"),
    )


def _type_lookup() -> dict[str, str]:
    lookup = dict(vocabulary("household_type"))
    types = household_types()
    for label, code, en in types[["label_zh", "code", "label_en"]].itertuples(index=False):
        for v in (label, code, en):
            lookup.setdefault(normalise_header(v), label)
    return lookup


def household_type_values() -> list[str]:
    """The 户类型 values accepted (display form), for messages."""
    table = vocabularies()
    return list(dict.fromkeys(table.loc[table["field"] == "household_type", "value"]))


def monitoring_category_values() -> list[str]:
    table = vocabularies()
    rows = table[(table["field"] == "monitoring_category") & (table["canonical"] != "")]
    return list(dict.fromkeys(rows["canonical"]))


def _map_unique(values: pd.Series, fn) -> pd.Series:
    uniques = values.unique()
    return values.map(dict(zip(uniques, map(fn, uniques), strict=True)))


def combine_household_type(
    household_type: pd.Series | None, category: pd.Series | None
) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray]:
    """evalkit's household type from the 户类型 and 监测对象类别 cells (text, ``""`` for blank; either
    may be absent: ``None``). Returns (types, unknown type value, unknown category value,
    contradiction) — the masks are per row; types are NA where any mask is set."""
    base = household_type if household_type is not None else category
    assert base is not None, "户类型 or 监测对象类别 is needed"
    index = base.index
    types_text = household_type if household_type is not None else pd.Series("", index=index)
    cats_text = category if category is not None else pd.Series("", index=index)
    type_lookup, cat_lookup = _type_lookup(), vocabulary("monitoring_category")
    t = _map_unique(types_text, lambda v: type_lookup.get(normalise_header(v)) if v else "")
    c = _map_unique(cats_text, lambda v: cat_lookup.get(normalise_header(v)) if v else "")
    unknown_type = t.isna().to_numpy()
    unknown_cat = c.isna().to_numpy()
    rules = vocabulary("household_type_rule")
    key = t.fillna("?") + "+" + c.fillna("?")
    combined = _map_unique(key, lambda k: rules.get(normalise_header(k)))
    both_blank = (types_text == "") & (cats_text == "")
    contradiction = (combined.isna() & ~both_blank).to_numpy() & ~unknown_type & ~unknown_cat
    return combined.astype("string"), unknown_type, unknown_cat, contradiction
