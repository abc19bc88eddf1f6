"""The effects section's words and the every-measure table: design notes, caveats, clustering.

:func:`effect_notes` turns a :class:`~evalkit.effects.measures.MeasureEffects` into the sentences a
reader needs beside the numbers (who was compared with whom in which years, how standard errors
were clustered and with how many clusters, a pre-trend p below 0.05, fewer than 30 clusters).
:func:`measures_overview` estimates every measure of ``data/measures.csv`` with at least
:data:`MIN_TREATED` treated households on per-capita net income and returns one compact table
(effect, 95 % CI, treated households, pre-trend p, caveat), reusing the estimates the key measures
already have.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit.core.errors import DesignError
from evalkit.core.schema import measures_catalogue
from evalkit.reporting.present import format_table, t

#: A measure with fewer treated households than this is not estimated in the every-measure table.
MIN_TREATED = 50

#: Columns of :func:`measures_estimates`.
ESTIMATE_COLUMNS = (
    "code",
    "measure",
    "kind",
    "att",
    "ci_low",
    "ci_high",
    "n_treated",
    "pretest_pvalue",
    "n_clusters",
    "wild_pvalue",
    "caveat",
)


def effect_headers(lang: str = "zh") -> dict[str, str]:
    """Column headers of effect tables (att → "estimate", ci_low, ci_high, pretest_pvalue, …)."""
    keys = {"att": "estimate", "se": "std_error", "kind": "measure_kind"}
    columns = ("att", "se", "kind", "ci_low", "ci_high", "pretest_pvalue", "n_clusters", "wild_pvalue", "caveat")
    return {column: t(keys.get(column, column), lang) for column in columns}


def _cluster_label(level: str, lang: str) -> str:
    key = f"cluster_{'household' if level in ('household', 'household_id') else level}"
    try:
        return t(key, lang)
    except Exception:  # a user-given cluster column: its name
        return level


def clustering_note(row: pd.Series | dict, lang: str = "zh") -> str:
    """ "Standard errors clustered by county (124 clusters)." for one effects row."""
    return t("effects_clustering", lang).format(level=_cluster_label(row["cluster"], lang), n=int(row["n_clusters"]))


def effect_notes(result, lang: str = "zh") -> list[str]:
    """Sentences to show beside a measure's effect table: the design (cohorts, years, treated and
    control households) and clustering of its net-income estimate, then every caveat by outcome."""
    effects = result.effects
    if effects.empty:
        return []
    suffix = "zh" if lang == "zh" else "en"
    first = effects.iloc[0]
    notes = [f"{first[f'design_{suffix}']} {clustering_note(first, lang)}"]
    if f"unit_{suffix}" in effects.columns:  # the unit of the numbers (weight="household" or "persons")
        unit = str(first[f"unit_{suffix}"])
        notes.append(f"效果单位: {unit}。" if lang == "zh" else f"Unit of the effects: {unit}.")
    for row in effects.itertuples(index=False):
        caveat = getattr(row, f"caveat_{suffix}")
        if caveat:
            notes.append(f"{getattr(row, f'label_{suffix}')}: {caveat}")
    return notes


def _treated_counts(panel) -> pd.Series:
    """Households that ever received each measure (index: measure code)."""
    return panel.measures.drop_duplicates(["household_id", "measure"])["measure"].value_counts()


@dataclass
class OverviewEstimates:
    """The every-measure estimates: ``results`` {measure code: MeasureEffects with net_income_pc},
    ``too_few`` [codes with fewer than ``min_treated`` treated households], ``failed`` {code: the
    design problem}, in catalogue order (:func:`overview_estimates`)."""

    results: dict = field(default_factory=dict)
    too_few: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    min_treated: int = MIN_TREATED

    def reasons(self, lang: str = "zh") -> dict[str, str]:
        """{code: why the measure has no estimate} (the cost table's note)."""
        out = {code: t("cost_too_few", lang).format(min=self.min_treated) for code in self.too_few}
        out.update({code: t("cost_not_estimable", lang).format(reason=r) for code, r in self.failed.items()})
        return out


def overview_estimates(
    panel, reuse: dict | None = None, estimate=None, min_treated: int = MIN_TREATED
) -> OverviewEstimates:
    """Estimate every catalogue measure with at least ``min_treated`` treated households on
    per-capita net income (``reuse``: {code: MeasureEffects} already holding it; ``estimate``
    defaults to :func:`evalkit.effects.measures.measure_effects`). A design error is kept as the
    measure's reason; other errors propagate. The report estimates once and passes the result to
    :func:`measures_estimates` (table, summary) and :func:`evalkit.evaluation.cost.cost_per_yuan`."""
    if estimate is None:
        from evalkit.effects.measures import measure_effects as estimate
    reuse = reuse or {}
    counts = _treated_counts(panel)
    out = OverviewEstimates(min_treated=min_treated)
    for code in measures_catalogue()["code"]:
        if int(counts.get(code, 0)) < min_treated:
            out.too_few.append(code)
            continue
        result = reuse.get(code)
        if result is None or "net_income_pc" not in set(result.effects["outcome"]):
            try:
                result = estimate(panel, code, outcomes=("net_income_pc",))
            except DesignError as problem:
                out.failed[code] = str(problem)
                continue
        out.results[code] = result
    return out


def measures_estimates(
    panel,
    lang: str = "zh",
    reuse: dict | None = None,
    estimate=None,
    min_treated: int = MIN_TREATED,
    estimates: OverviewEstimates | None = None,
) -> tuple[pd.DataFrame, list[str], bool]:
    """Every catalogue measure's effect on per-capita net income, as numbers (module doc).

    Returns (estimates, notes, few): one row per estimated measure (code, measure name, kind
    label, att, ci_low, ci_high, n_treated, pretest_pvalue, n_clusters, wild_pvalue, caveat), the
    notes under the table, and whether any estimate rests on too few clusters. Both the table of
    :func:`measures_overview` and the summary's sentences on the measures
    (:func:`evalkit.reporting.summary.measure_sentences`) are made from these numbers.
    ``estimates``: :func:`overview_estimates` already computed (then nothing is estimated again).
    """
    from evalkit.effects.inference import FEW_CLUSTERS  # lazily: evalkit.effects imports pyfixest

    if estimates is None:
        estimates = overview_estimates(panel, reuse, estimate, min_treated)
    min_treated = estimates.min_treated
    catalogue = measures_catalogue().set_index("code", drop=False)
    name = "label_zh" if lang == "zh" else "label_en"
    too_few = [str(catalogue.at[code, name]) for code in estimates.too_few]
    failed = [
        t("measures_failed", lang).format(name=catalogue.at[code, name], reason=problem)
        for code, problem in estimates.failed.items()
    ]
    rows, few = [], False
    for code, result in estimates.results.items():
        spec = catalogue.loc[code]
        row = result.effects.set_index("outcome").loc["net_income_pc"]
        rows.append(
            {
                "code": code,
                "measure": spec[name],
                "kind": t(f"kind_{spec['kind']}", lang),
                "att": row["att"],
                "ci_low": row["ci_low"],
                "ci_high": row["ci_high"],
                "n_treated": row["n_treated"],
                "pretest_pvalue": row["pretest_pvalue"],
                "n_clusters": row["n_clusters"],
                "wild_pvalue": row["wild_pvalue"],
                "caveat": row["caveat_design_zh" if lang == "zh" else "caveat_design_en"] or "",
            }
        )
        few = few or bool(np.isfinite(row["wild_pvalue"]))
    notes = [t("effect_unit_note", lang)]
    if few:
        notes.append(t("few_clusters_note", lang).format(n=FEW_CLUSTERS))
    if too_few:
        notes.append(t("measures_too_few", lang).format(min=min_treated, names=", ".join(too_few)))
    notes += failed
    frame = pd.DataFrame(rows, columns=[*ESTIMATE_COLUMNS])
    frame["n_clusters"] = frame["n_clusters"].astype("float").where(np.isfinite(frame["n_clusters"].astype(float)))
    return frame, notes, few


def overview_table(estimates: pd.DataFrame, few: bool, lang: str = "zh") -> pd.DataFrame:
    """The display table of :func:`measures_estimates`' numbers (the wild p column only when
    some estimate rests on too few clusters)."""
    from evalkit.effects.measures import format_pvalue

    frame = estimates.drop(columns="code").assign(
        wild_pvalue=[format_pvalue(p) if np.isfinite(p) else "" for p in estimates["wild_pvalue"].astype(float)]
    )
    if not few:
        frame = frame.drop(columns="wild_pvalue")
    return format_table(
        frame,
        {
            "measure": "text",
            "kind": "text",
            "att": "yuan",
            "ci_low": "yuan",
            "ci_high": "yuan",
            "n_treated": "households",
            "pretest_pvalue": "number",
            "n_clusters": "int",
            **({"wild_pvalue": "text"} if few else {}),
            "caveat": "text",
        },
        lang,
        count_column="n_treated",
        headers=effect_headers(lang),
    )


def measures_overview(panel, lang: str = "zh", **options) -> tuple[pd.DataFrame, list[str]]:
    """Every catalogue measure's effect on per-capita net income (module doc).

    Returns (display table, notes): the table has measure, effect, CI, treated households,
    pre-trend p, clusters and caveat; the notes name the measures with too few treated households
    and those whose design could not be estimated (with the reason). ``options`` are those of
    :func:`measures_estimates`: ``reuse`` maps a measure code to a :class:`MeasureEffects` that
    already holds net_income_pc; ``estimate`` defaults to
    :func:`evalkit.effects.measures.measure_effects`; ``min_treated``; ``estimates``:
    :func:`overview_estimates` already computed.
    """
    table, notes, few = measures_estimates(panel, lang, **options)
    return overview_table(table, few, lang), notes
