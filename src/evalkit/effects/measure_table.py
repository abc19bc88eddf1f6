"""The per-measure effects table of :func:`evalkit.effects.measures.measure_effects`.

One row per outcome (:func:`effect_row`: the simple aggregation, counts, the clustering, the
pre-trend test and the caveats a reader needs), the unit the effects are stated in
(:data:`UNITS`), the rows of the ``design`` table (:func:`design_row`), the check that the
component effects add up to the net-income effect (:func:`component_decomposition`) and the
p-values as a reader sees them (:func:`format_pvalue`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.core.resources import read_reference_csv
from evalkit.core.schema import COMPONENTS
from evalkit.effects.did import StaggeredDiDResult
from evalkit.effects.inference import FEW_CLUSTERS
from evalkit.effects.results import outcome_label

#: Pre-trend p-values below this put a caveat beside the estimate.
PRETEST_ALERT = 0.05

#: weight → (zh, en) statement of the unit of the effects.
UNITS = {
    "household": (
        "元/人/年, 受益户人均收入效果的户均值 (每户权重相同, 不按人口加权)",
        "yuan per person per year, mean over treated households (each household counts once, not person-weighted)",
    ),
    "persons": (
        "元/人/年, 按人口加权 (与收入表一致: 总效果 / 总人口)",
        "yuan per person per year, person-weighted (as the income tables: total effect / total persons)",
    ),
}


def design_row(item: str, value, note_zh: str, note_en: str) -> dict:
    return {"item": item, "value": value, "note_zh": note_zh, "note_en": note_en}


def no_data_mark(lang: str | None = None) -> str:
    """What a value that could not be computed shows, as in the report tables (``data/labels.csv``
    key ``no_data_mark``): 无数据 (zh), n/a (en), both ``无数据 / n/a`` when ``lang`` is None."""
    row = read_reference_csv("labels.csv").set_index("key").loc["no_data_mark"]
    zh, en = str(row["label_zh"]), str(row["label_en"])
    return {"zh": zh, "en": en}.get(lang or "", f"{zh} / {en}")


def format_pvalue(p: float, draws: int = 9999, lang: str | None = None) -> str:
    """A p-value for the reader: 3 decimals, "< 0.001" when smaller (a bootstrap p of 0 means
    below 1/draws); a p-value that could not be computed shows :func:`no_data_mark` in ``lang``
    (never a dash: the caller states the reason beside it)."""
    if p is None or not np.isfinite(p):
        return no_data_mark(lang)
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def few_clusters_caveat(n_clusters: int, wild: float) -> tuple[str, str]:
    """The (zh, en) caveat of an estimate on fewer than :data:`FEW_CLUSTERS` clusters, with its wild
    cluster bootstrap p-value ``wild``, or, when that could not be computed, the mark and the reason."""
    zh = f"只有 {n_clusters} 个聚类 (少于 {FEW_CLUSTERS}): 置信区间不够可靠, "
    en = f"only {n_clusters} clusters (fewer than {FEW_CLUSTERS}): the interval is less reliable; "
    if wild is not None and np.isfinite(wild):
        shown = format_pvalue(wild)
        return zh + f"请参考野聚类自助法 p 值 {shown}。", en + f"see the wild cluster bootstrap p-value {shown}."
    return (
        zh + f"野聚类自助法 p 值{no_data_mark('zh')} (在 {n_clusters} 个聚类上无法计算)。",
        en + f"the wild cluster bootstrap p-value is {no_data_mark('en')} (it cannot be computed on "
        f"{n_clusters} cluster{'' if n_clusters == 1 else 's'}).",
    )


def effect_row(res: StaggeredDiDResult, outcome: str) -> dict:
    """One row of ``MeasureEffects.effects``: the simple aggregation, the design and the caveats."""
    simple = res.aggregate("simple")
    lo, hi = simple.ci
    summary = res.design_summary()
    few = res.n_clusters < FEW_CLUSTERS
    wild = res.wild_pvalue()["pvalue"] if few and res.cluster else np.nan
    caveats_zh, caveats_en = [], []
    p = res.pretest["pvalue"]
    if np.isfinite(p) and p < PRETEST_ALERT:
        caveats_zh.append(
            f"处理前趋势检验 p = {p:.3f} < 0.05: 受益户与对照户在受益前的收入变化已有差异, 估计值可能有偏。"
        )
        caveats_en.append(
            f"pre-trend test p = {p:.3f} < 0.05: treated and control households already diverged before "
            "treatment, so the estimate may be biased."
        )
    if summary["control_cohorts"]:
        caveats_zh.append(summary["note_zh"])
        caveats_en.append(summary["note_en"])
    other_zh, other_en = " ".join(caveats_zh), " ".join(caveats_en)  # all but the few-clusters caveat
    if few and res.cluster:
        zh, en = few_clusters_caveat(res.n_clusters, wild)
        caveats_zh.append(zh)
        caveats_en.append(en)
    return {
        "outcome": outcome,
        "label_zh": outcome_label(outcome, "zh"),
        "label_en": outcome_label(outcome, "en"),
        "att": simple.att,
        "se": simple.se,
        "ci_low": lo,
        "ci_high": hi,
        "pvalue": simple.pvalue,
        "wild_pvalue": wild,
        "n_treated": summary["n_treated"],
        "n_control": summary["n_control"],
        "cluster": res.cluster or "household",
        "n_clusters": res.n_clusters,
        "pretest_W": res.pretest["W"],
        "pretest_pvalue": p,
        "caveat_zh": " ".join(caveats_zh),
        "caveat_en": " ".join(caveats_en),
        "caveat_design_zh": other_zh,
        "caveat_design_en": other_en,
        "design_zh": summary["note_zh"],
        "design_en": summary["note_en"],
    }


def component_decomposition(effects: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Component ATTs beside the net-income ATT: their sum and the difference (exactly 0 up to rounding)."""
    components = [f"{c}_pc" for c in COMPONENTS]
    if effects.empty or not set(components + ["net_income_pc"]) <= set(effects["outcome"]):
        return pd.DataFrame()
    keys = [by] if by else []
    wide = (
        effects.pivot_table(index=keys or None, columns="outcome", values="att")
        if keys
        else effects.set_index("outcome")["att"].to_frame().T
    )
    wide = wide.dropna(subset=components + ["net_income_pc"])
    out = wide[["net_income_pc"] + components].copy()
    out["sum_of_components"] = wide[components].sum(axis=1)
    out["difference"] = out["net_income_pc"] - out["sum_of_components"]
    return out.reset_index(drop=not keys)
