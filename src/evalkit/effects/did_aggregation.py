"""Inference on the fitted ``csdid`` model of :func:`evalkit.effects.did.staggered_did`.

:func:`run_aggte` runs csdid's aggregation quietly (optionally with stand-in cell influence
functions, see :meth:`~evalkit.effects.did.StaggeredDiDResult._loadings`);
:func:`aggregate_influence` picks the aggregated influence functions out of its result;
:func:`cell_inference` gives the ATT(g,t) cells their clustered SEs, intervals and the pre-trend
test; :func:`wild_pretest` is the wild cluster bootstrap of that test. The formulas are in the
module doc of :mod:`evalkit.effects.did` and in :mod:`evalkit.effects.inference`.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pandas as pd
from csdid.att_gt import ATTgt
from threadpoolctl import threadpool_limits

from evalkit.core.config import DEFAULT_SEED
from evalkit.effects.inference import (
    PRETEST_DRAWS,
    WILD_PRETEST_MAX_CLUSTERS,
    Clustering,
    cell_loadings,
    cluster_vcov,
    effective_df,
    pretest,
    wild_cluster_wald,
)
from evalkit.effects.results import add_ci

#: aggregation kind → the column of its table (None: "simple" has only the overall parameter)
KINDS = {"simple": None, "group": "group", "dynamic": "event_time", "calendar": "time"}


#: influence-function keys of csdid's aggte (overall, per group/event time/year)
INFLUENCE_KEYS = {
    "simple": ("simple_att", None),
    "group": ("selective_inf_func", "selective_inf_func_g"),
    "dynamic": ("dynamic_inf_func", "dynamic_inf_func_e"),
    "calendar": ("calendar_inf_func", "calendar_inf_func_t"),
}


def aggregate_influence(atte: dict, kind: str) -> tuple[np.ndarray, np.ndarray | None]:
    overall, table = INFLUENCE_KEYS[kind]
    inf = atte["inf_function"]
    psi = np.asarray(inf[overall], dtype=float).reshape(-1, 1)
    return psi, (np.asarray(inf[table], dtype=float) if table else None)


def run_aggte(model: ATTgt, kind: str, bootstrap: bool = False, inffunc: np.ndarray | None = None) -> dict:
    """csdid's aggte (analytic; evalkit's own clustered bootstraps); its printed table is kept off the output.

    ``inffunc`` (n_units × cells) stands in for the cell influence functions during this call: the
    aggregated influence functions are linear in them (plus the cohort-weight term, which does
    not depend on them), the estimates do not depend on them."""
    store = model.MP["inffunc"]
    original = store["inffunc"]
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), threadpool_limits(1, user_api="blas"):
        warnings.simplefilter("ignore", FutureWarning)
        try:
            if inffunc is not None:
                store["inffunc"] = inffunc
            model.aggte(typec=kind, bstrap=bootstrap)
        finally:
            store["inffunc"] = original
        return model.atte


def cell_inference(
    att_gt: pd.DataFrame, model: ATTgt, clustering: Clustering, alpha: float, unit_cohort, unit_weight=None
):
    """Clustered SEs and CIs of the ATT(g,t) cells and the pre-trend test: with the small-sample
    correction and at most WILD_PRETEST_MAX_CLUSTERS clusters its p-value is the wild cluster
    bootstrap's (``pvalue_hotelling`` beside it), else Hotelling's F (or χ² without correction)."""
    psi = np.asarray(model.MP["inffunc"]["inffunc"], dtype=float)  # n_units × cells
    V = cluster_vcov(psi, clustering)
    se = np.sqrt(np.clip(np.diag(V), 0, None))
    se[~np.isfinite(se) | (se <= 0)] = np.nan
    df = None
    if clustering.df is not None:  # each cell's effective degrees of freedom (inference.effective_df)
        df = effective_df(cell_loadings(psi != 0, unit_cohort, att_gt["group"].to_numpy()), clustering)
    att_gt = add_ci(att_gt.drop(columns=["se", "ci_low", "ci_high", "df"], errors="ignore").assign(se=se), alpha, df)
    if df is not None:
        att_gt["df"] = df
    pre = ((att_gt["group"] > att_gt["time"]) & np.isfinite(att_gt["se"])).to_numpy()
    test = pretest(att_gt.loc[pre, "att"].to_numpy(), V[np.ix_(pre, pre)], clustering)
    test["pvalue_hotelling"] = test["pvalue"] if clustering.small_sample else np.nan
    wild_ok = clustering.small_sample and clustering.n_clusters <= WILD_PRETEST_MAX_CLUSTERS
    if wild_ok and np.isfinite(test["pvalue"]):
        wild = wild_pretest(att_gt, model, unit_cohort, clustering, PRETEST_DRAWS, DEFAULT_SEED, unit_weight)
        test["pvalue"] = wild["pvalue"]
        test["reference"] = (
            f"wild cluster bootstrap ({wild['weights']}, {PRETEST_DRAWS} draws, seed {DEFAULT_SEED}), "
            f"{clustering.n_clusters} clusters; Hotelling F p = {test['pvalue_hotelling']:.3f}"
        )
    return att_gt, test


def wild_pretest(att_gt, model, unit_cohort, clustering, biters, seed, unit_weight=None) -> dict:
    pre = ((att_gt["group"] > att_gt["time"]) & np.isfinite(att_gt["se"])).to_numpy()
    if not pre.any():
        return {"W": np.nan, "pvalue": np.nan, "n_clusters": clustering.n_clusters, "weights": ""}
    psi = np.asarray(model.MP["inffunc"]["inffunc"], dtype=float)[:, pre]
    groups = att_gt.loc[pre, "group"].to_numpy()
    w = np.ones(len(unit_cohort)) if unit_weight is None else np.asarray(unit_weight, dtype=float)
    sizes = pd.Series(w).groupby(unit_cohort).sum()
    # a_ik = n w_i / Σ_{j∈g} w_j for the units of cell k's cohort g (the treated of the cell), 0 otherwise
    jacobian = (unit_cohort[:, None] == groups[None, :]) * (
        len(unit_cohort) * w[:, None] / sizes.reindex(groups).to_numpy(dtype=float)[None, :]
    )
    theta = att_gt.loc[pre, "att"].to_numpy()
    return wild_cluster_wald(psi, jacobian, theta, clustering, biters=biters, seed=seed)
