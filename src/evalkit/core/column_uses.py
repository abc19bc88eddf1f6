"""Which analyses need which optional column (``data/column_uses.csv``).

A column that ``data/columns.csv`` calls optional may be absent from an export. Every analysis
still runs and says what it could not compute: the wording comes from here, so that
``evalkit validate``/``ingest`` (before any analysis) and the report (where the analysis would
have been) name the same column and the same analysis.

``data/column_uses.csv``: column, analysis (a key: a watch-list flag, ``group_labour``, ...),
needs (``all``: the analysis needs every column listed for it; ``any``: one of them is enough),
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


def _absent(part: pd.DataFrame, present: set[str]) -> list[str]:
    needed = list(part["column"])
    absent = [c for c in needed if c not in present]
    if (part["needs"] == "any").all() and len(absent) < len(needed):
        return []
    return absent


def absent_for(analysis: str, columns: Iterable[str]) -> list[str]:
    """The columns ``analysis`` needs that are not in ``columns`` (empty: it can be computed; for
    an analysis that ``needs`` any of its columns, empty when one of them is there)."""
    uses = column_uses()
    return _absent(uses[uses["analysis"] == analysis], set(columns))


def why_not_computable(analysis: str, frame: pd.DataFrame) -> dict[str, str] | None:
    """Why ``analysis`` cannot run on ``frame`` — a column it needs is absent, or blank for some
    rows (a group is never guessed) — in both languages; ``None`` when it can."""
    absent = absent_for(analysis, frame.columns)
    if absent:
        return {lang: not_computed(analysis, absent, lang) for lang in ("zh", "en")}
    uses = column_uses()
    needed = uses.loc[uses["analysis"] == analysis, "column"]
    blank = [c for c in needed if c in frame.columns and frame[c].isna().any()]
    if not blank:
        return None
    n = int(frame[blank].isna().any(axis=1).sum())
    zh_names = "、".join(f"「{column_label(c, 'zh')}」" for c in blank)
    en_names = ", ".join(f'"{column_label(c, "en")}" ({c})' for c in blank)
    return {
        "zh": f"{n} 户的{zh_names}为空, 未计算: {analysis_label(analysis, 'zh')}",
        "en": f"{en_names} blank for {n} households: not computed: {analysis_label(analysis, 'en')}",
    }


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
    rows = []
    for analysis, part in column_uses().groupby("analysis", sort=False):
        missing = _absent(part, present)
        if not missing:
            continue
        rows.append(
            {
                "analysis": analysis,
                "analysis_zh": part["analysis_zh"].iloc[0],
                "analysis_en": part["analysis_en"].iloc[0],
                "missing": missing,
                "missing_zh": "、".join(column_label(c, "zh") for c in missing),
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
