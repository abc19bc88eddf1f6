"""Callaway–Sant'Anna ATT(g,t) cells built from the minimal columns (a balanced panel).

csdid's ``ATTgt`` keeps the long data with helper columns, copies it for every cohort
(``data.assign``), reshapes every (g,t) cell's two periods with pandas and stacks the cells'
influence functions twice (a list of vectors, then ``np.vstack``): about 6.5 KB per household
on the benchmark panel (12.9 GB at 2,000,000 households). For a balanced panel this module
computes the same cells from

* the outcome as a ``units × periods`` float64 matrix (one row per unit, in the order of the
  units' first appearance: csdid's ``id`` order),
* each unit's cohort (int32), weight and, with covariates, their ``units × periods × k`` values,

and writes each cell's influence function straight into one preallocated ``units × cells``
float64 matrix. Each cell is estimated by csdid's own 2 × 2 estimators and guards
(``select_estimators``, ``plan_cell``, the overlap and rank checks) on the same arrays in the
same order, so estimates and influence functions equal csdid's (tests/test_did_cells.py: 1e-8
relative on the demo panel, with and without covariates, weights, not-yet-treated controls; the
mpdta reproduction of R ``did`` runs through this path too). The aggregations are csdid's
``aggte`` on a stand-in model (:class:`CellModel`) that holds the first period's rows only.

Used by :func:`evalkit.effects.did.staggered_did` for balanced panels with a never-treated group;
anything else (unbalanced panels, no never-treated units) goes to csdid unchanged.
"""

from __future__ import annotations

import gc
import warnings

import numpy as np
import pandas as pd
from csdid.att_gt import ATTgt
from csdid.attgt_fnc.compute_att_gt_shared import (
    BASE_ZERO,
    BREAK,
    drdid_design_singular,
    overlap_check_fail,
    plan_cell,
    rcond_check_fail,
    select_estimators,
)
from csdid.attgt_fnc.drdid_trim import _panel_pscore_cache_available
from scipy.stats import norm

#: cells of at least this many units free their estimators' memory at once (``gc.collect``, a few
#: tens of milliseconds: nothing next to such a cell's estimation)
GC_CELL_UNITS = 20_000


class CellModel:
    """The parts of a fitted csdid ``ATTgt`` that evalkit reads (``results``, ``MP``, ``dp``)
    and its ``aggte`` (csdid's own method), without the long data: ``dp["data"]`` holds one row
    per unit (the first period: id, t, g, w1), all that ``aggte`` reads."""

    compute_inffunc = True
    aggte = ATTgt.aggte

    def __init__(self, results: dict, mp: dict, dp: dict):
        self.results = results
        self.MP = mp
        self.dp = dp
        self.did_object = {"group": mp["group"], "t": mp["t"], "att": results["att"], "se": results["se"]}
        self.atte: dict | None = None


def _small_groups(cohort: np.ndarray, n_covariates: int, control: str) -> None:
    """csdid's warning (and error) about small groups: fewer than covariates + 5 units."""
    groups, counts = np.unique(cohort, return_counts=True)
    small = groups[counts < n_covariates + 5]
    if len(small):
        warnings.warn(
            f"Be aware that there are some small groups in your dataset.\n  Check groups: {','.join(map(str, small))}.",
            stacklevel=2,
        )
        if 0 in small and control == "nevertreated":
            raise ValueError("Never-treated group is too small, try setting control_group='notyettreated'.")


def fit_cells(
    unit_codes: np.ndarray,
    time: np.ndarray,
    y: np.ndarray,
    cohort: np.ndarray,
    covariates: np.ndarray | None,
    weights: np.ndarray | None,
    control: str,
    method: str,
    base_period: str = "varying",
    alpha: float = 0.05,
) -> CellModel:
    """ATT(g,t) of a balanced panel, as csdid ``ATTgt(...).fit(est_method=method, bstrap=False)``.

    ``unit_codes``: 0..n−1 per row, in the order of each unit's first appearance; ``time``,
    ``y``, ``cohort`` (0 = never treated), ``covariates`` (rows × k or None), ``weights`` (per
    row, constant within unit, or None): one entry per row, every unit in every period.
    ``control``: csdid's "nevertreated" or "notyettreated" (a never-treated group must exist).
    """
    tlist, tpos = np.unique(time, return_inverse=True)
    n, n_t = int(unit_codes.max()) + 1, len(tlist)
    Y = np.empty((n, n_t))
    Y[unit_codes, tpos] = y
    g_unit = np.empty(n, dtype=np.int64)
    g_unit[unit_codes] = cohort
    k = 0 if covariates is None else covariates.shape[1]
    X = None
    if covariates is not None:
        X = np.empty((n, n_t, k))
        X[unit_codes, tpos] = covariates
    w = np.ones(n)
    if weights is not None:
        w[unit_codes] = weights
    glist = np.unique(g_unit)
    glist = glist[(glist > 0) & (glist > tlist[0])]
    _small_groups(g_unit, k, control)
    est_panel, _ = select_estimators(method)
    never = control == "nevertreated"
    tlist_len = n_t - 1 if base_period != "universal" else n_t
    tfac = 1 if base_period != "universal" else 0
    cells: list[tuple[int, int, int]] = []  # (g, t, post)
    plans = []
    for g in glist:
        for t_i in range(tlist_len):
            pret, action = plan_cell(g, t_i, tlist, 0, base_period, tfac)
            if action == BREAK:
                break
            plans.append((g, t_i, pret, action))
            tn = tlist[t_i + tfac]
            cells.append((int(g), int(tn), int(g <= tn)))
    inffunc = np.zeros((n, len(cells)))
    att = np.empty(len(cells))
    gc.freeze()  # the collections below then only scan what the cells create
    try:
        _estimate_cells(
            plans, tlist, tfac, Y, X, w, g_unit, weights is not None, never, method, est_panel, att, inffunc
        )
    finally:
        gc.unfreeze()
    group = np.array([c[0] for c in cells])
    year = np.array([c[1] for c in cells])
    post = np.array([c[2] for c in cells])
    se = np.sqrt(np.mean(inffunc**2, axis=0)) / np.sqrt(n)
    se[~np.isfinite(se) | (se <= 0)] = np.nan
    crit = norm.ppf(1 - alpha / 2)
    first = pd.DataFrame({"id": np.arange(1, n + 1), "t": tlist[0], "g": g_unit, "w1": w})
    dp = {
        "yname": "y",
        "tname": "t",
        "idname": "id",
        "gname": "g",
        "data": first,
        "tlist": tlist,
        "glist": glist,
        "n": n,
        "nG": len(glist),
        "nT": n_t,
        "control_group": control,
        "anticipation": 0,
        "weights_name": "w" if weights is not None else None,
        "panel": True,
        "true_rep_cross_section": False,
        "clustervars": None,
        "fix_weights": None,
        "input_panel": True,
        "cband": False,
        "bstrap": False,
        "biters": 1000,
        "alp": alpha,
        "est_method": method,
        "base_period": base_period,
    }
    results = {"group": group, "year": year, "att": att, "post": post, "se": se, "c": crit}
    mp = {
        "group": group,
        "att": att,
        "t": year,
        "DIDparams": dp,
        "inffunc": {"inffunc": inffunc},
        "n": n,
        "W": None,
        "Wpval": None,
    }
    return CellModel(results, mp, dp)


def _estimate_cells(plans, tlist, tfac, Y, X, w, g_unit, weighted, never, method, est_panel, att, inffunc) -> None:
    """Each planned cell's ATT and influence function into ``att`` and ``inffunc`` (as csdid)."""
    n = len(g_unit)
    intercept = np.ones((n, 1))
    # a cell's propensity score (and its overlap check) depends only on its cohort, its units, their
    # weights and the covariates of its early period: cells of one cohort with the same comparison set
    # and the same covariate values (the baseline covariates are the same in every period) share one
    # fit, reused (csdid's own cache of clean fits) and one overlap decision (a pure function of them)
    cacheable = method in ("dr", "ipw") and _panel_pscore_cache_available()
    pscore: dict = {"g": None, "keep": None, "cov": None, "cache": {}, "overlap": None}
    for j, (g, t_i, pret, action) in enumerate(plans):
        tn = tlist[t_i + tfac]
        pret_year = tlist[pret]
        if action == BASE_ZERO:
            att[j] = 0.0
            continue
        treated = g_unit == g
        if never:
            comparison = g_unit == 0
        else:
            comparison = (g_unit == 0) | ((g_unit > tlist[max(t_i, pret) + tfac]) & (g_unit != g))
        keep = treated | comparison
        early, late = (t_i + tfac, pret) if tn < pret_year else (pret, t_i + tfac)
        y0, y1 = Y[keep, early], Y[keep, late]
        ypre = y0 if tn > pret_year else y1
        ypost = y0 if tn < pret_year else y1
        G = treated[keep].astype(np.int64)
        wc = w[keep]
        cov = intercept[: len(G)] if X is None else np.column_stack([intercept[: len(G)], X[keep, early, :]])
        i_w = wc if weighted else None
        failed = None
        if cacheable and not (
            pscore["g"] == g and np.array_equal(pscore["keep"], keep) and np.array_equal(pscore["cov"], cov)
        ):
            pscore.update(g=g, keep=keep, cov=cov, cache={}, overlap=None)
        overlap_failed = False
        if method in ("dr", "ipw"):
            if pscore["overlap"] is None or not cacheable:
                pscore["overlap"] = overlap_check_fail(cov, G, i_weights=i_w)
            overlap_failed = pscore["overlap"]
        if overlap_failed:
            failed = f"overlap condition violated for group {g} in time period {tn}"
        elif (method in ("dr", "reg") and rcond_check_fail(cov, G, i_weights=i_w)) or drdid_design_singular(
            cov, wc, G, method, post=None
        ):
            failed = (
                f"Covariate matrix for control units is singular or numerically ill-conditioned for group {g} in "
                f"time period {tn}; consider centering/rescaling covariates or removing collinear terms"
            )
        if failed is None:
            extra = {}
            if cacheable:
                extra["_pscore_cache"] = pscore["cache"]
            try:
                att_gt, att_inf = est_panel(ypost, ypre, G, i_weights=wc, covariates=cov, **extra)
            except Exception as error:  # csdid: a failing cell is NA with a warning
                failed = (
                    f"Estimation failed for group {g} in time period {tn}: {error}. Setting ATT to NA for this cell."
                )
        if failed is None and np.isnan(att_gt):
            failed = f"ATT for (g,t) = ({g},{tn}) is NaN; setting it to NA"
        if failed is not None:
            warnings.warn(failed, stacklevel=2)
            att[j] = np.nan
            inffunc[:, j] = np.nan
            continue
        att[j] = att_gt
        inffunc[keep, j] = n / len(G) * np.asarray(att_inf)
        # statsmodels' fitted models are reference cycles (model ↔ results) holding several
        # cell-length arrays; the garbage collector counts objects, not bytes, and would let
        # them pile up cell after cell (~5 KB per unit at 25 cells): collected after each large cell
        del att_inf
        if len(G) >= GC_CELL_UNITS:
            gc.collect()


__all__ = ["CellModel", "fit_cells"]
