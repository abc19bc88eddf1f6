"""What a report draws on from outside the panel and what the data did not allow (issue 12):
the sources of the region's own statistics, the analyses the absent optional columns rule out
(``data/column_uses.csv``) and the watch-list flags the data cannot evaluate. Re-exported by
:mod:`evalkit.reporting.sections` for the notebook.
"""

from __future__ import annotations

import pandas as pd

from evalkit.core.column_uses import not_computed, skipped_analyses
from evalkit.reporting.present import format_table, label_or, t

# ---------------------------------------------------------------------------------------------
# Sources of the figures from outside the panel
# ---------------------------------------------------------------------------------------------


def sources_table(series: pd.DataFrame, programme: pd.DataFrame | None, region, lang: str = "zh") -> pd.DataFrame:
    """Every comparison value (:func:`evalkit.reporting.report.series_sources`) and programme
    indicator of ``region`` and the regions inside it (``programme``: the table passed with
    ``--programme``) the report uses, with its source: indicator, region, year, value, unit, source."""
    from evalkit.evaluation.targets import indicator_catalogue

    parts = [series.assign(indicator=[label_or(i, lang) for i in series["indicator"]])]
    if programme is not None and len(programme):
        catalogue = indicator_catalogue().set_index("name")
        label = "label_zh" if lang == "zh" else "label_en"
        own = programme[programme["region"].isin({region.name_zh, region.code, *region.filter.values()})]
        parts.append(
            own.assign(
                indicator=[str(catalogue.at[i, label]) if i in catalogue.index else str(i) for i in own["indicator"]],
                unit=[str(catalogue.at[i, "unit"]) if i in catalogue.index else "" for i in own["indicator"]],
            )
        )
    table = pd.concat(parts, ignore_index=True) if parts else series
    return format_table(
        table,
        {"indicator": "text", "region": "text", "year": "int", "value": "ratio", "unit": "text", "source": "text"},
        lang,
        count_column=None,
        headers={
            "indicator": t("indicator_label", lang),
            "region": t("region", lang),
            "unit": t("unit", lang),
            "source": t("figure_source", lang),
        },
    )


# ---------------------------------------------------------------------------------------------
# What the data did not allow
# ---------------------------------------------------------------------------------------------


def not_computed_notes(columns, lang: str = "zh") -> list[str]:
    """One line per analysis the absent optional columns rule out (``data/column_uses.csv``):
    ``数据中无「纳入监测年度」, 未计算: 预警「纳入两年及以上仍未消除风险的监测对象」``."""
    return [not_computed(r["analysis"], r["missing"], lang) for r in skipped_analyses(columns).to_dict("records")]


# ---------------------------------------------------------------------------------------------
# Watch-list
# ---------------------------------------------------------------------------------------------


def watch_notes(watch_counts: pd.DataFrame, lang: str = "zh") -> list[str]:
    """One line per watch-list flag the data cannot evaluate (:func:`evalkit.watchlist.watchlist_counts`
    rows with ``evaluable`` False): ``收入增速缓慢: 无法判断 — <reason>``."""
    if "evaluable" not in watch_counts:
        return []
    rows = watch_counts[~watch_counts["evaluable"].astype(bool)].drop_duplicates("flag")
    return [f"{r.label}: {t('not_evaluable', lang)} — {r.reason}" for r in rows.itertuples(index=False)]
