"""Which analyses need which optional column (``data/column_uses.csv``).

A column that ``data/columns.csv`` calls optional may be absent from an export. Every analysis
still runs and says what it could not compute: the wording comes from here, so that
``evalkit validate``/``ingest`` (before any analysis) and the report (where the analysis would
have been) name the same column and the same analysis.

``data/column_uses.csv``: column, analysis (a key: a watch-list flag, ``group_labour``, ...),
analysis_zh, analysis_en, source (the function or document clause that uses the column).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from evalkit.core.resources import read_reference_csv
from evalkit.core.schema import household_columns


def column_uses() -> pd.DataFrame:
    """The table ``data/column_uses.csv``."""
    return read_reference_csv("column_uses.csv")


def optional_columns() -> list[str]:
    """Optional household columns of ``data/columns.csv``, in its order."""
    return [name for name, col in household_columns().items() if not col.required]


def columns_needed(analysis: str) -> list[str]:
    """Columns ``analysis`` needs (``data/column_uses.csv``), in the table's order."""
    uses = column_uses()
    return list(uses.loc[uses["analysis"] == analysis, "column"])


def absent_for(analysis: str, columns: Iterable[str]) -> list[str]:
    """The columns ``analysis`` needs that are not in ``columns`` (empty: it can be computed)."""
    present = set(columns)
    return [c for c in columns_needed(analysis) if c not in present]


def column_label(column: str, lang: str = "zh") -> str:
    col = household_columns().get(column)
    if col is None:
        return column
    return col.label_zh if lang == "zh" else col.label_en


def analysis_label(analysis: str, lang: str = "zh") -> str:
    uses = column_uses()
    rows = uses[uses["analysis"] == analysis]
    if rows.empty:
        return analysis
    return rows["analysis_zh" if lang == "zh" else "analysis_en"].iloc[0]


def not_computed(analysis: str, missing: Iterable[str], lang: str = "zh") -> str:
    """``数据中无「劳动力人数」, 未计算: 按劳动能力分组的收入`` / ``the data has no column
    "full-capacity labourers" (labour_full): not computed: income by labour capacity``."""
    missing = list(missing)
    if lang == "zh":
        names = "、".join(f"「{column_label(c, 'zh')}」" for c in missing)
        return f"数据中无{names}, 未计算: {analysis_label(analysis, 'zh')}"
    names = ", ".join(f'"{column_label(c, "en")}" ({c})' for c in missing)
    return f"the data has no column {names}: not computed: {analysis_label(analysis, 'en')}"


def skipped_analyses(columns: Iterable[str]) -> pd.DataFrame:
    """For the optional columns absent from ``columns``: one row per analysis that will be
    skipped, with the absent columns it needs — columns analysis, analysis_zh, analysis_en,
    missing (list of column names), missing_zh (their Chinese labels joined by 、)."""
    present = set(columns)
    uses = column_uses()
    absent = uses[~uses["column"].isin(present)]
    rows = []
    for analysis, part in absent.groupby("analysis", sort=False):
        rows.append(
            {
                "analysis": analysis,
                "analysis_zh": part["analysis_zh"].iloc[0],
                "analysis_en": part["analysis_en"].iloc[0],
                "missing": list(part["column"]),
                "missing_zh": "、".join(column_label(c, "zh") for c in part["column"]),
            }
        )
    return pd.DataFrame(rows, columns=["analysis", "analysis_zh", "analysis_en", "missing", "missing_zh"])


def skipped_lines(columns: Iterable[str]) -> list[str]:
    """Bilingual lines for ``validate``/``ingest``: one per analysis the absent optional columns skip."""
    return [
        f"{not_computed(row['analysis'], row['missing'], 'zh')} / {not_computed(row['analysis'], row['missing'], 'en')}"
        for row in skipped_analyses(columns).to_dict("records")
    ]


def wording(key: str, lang: str = "zh") -> str:
    """Text of ``key`` of ``data/labels.csv`` in ``lang`` (for layers below reporting, which
    uses :func:`evalkit.reporting.present.t`)."""
    table = read_reference_csv("labels.csv").set_index("key")
    return str(table.at[key, "label_zh" if lang == "zh" else "label_en"])
