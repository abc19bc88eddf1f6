"""Two-way fixed-effects (TWFE) regressions and the negative-weights diagnostic, via ``pyfixest``.

Static TWFE::

    Y_it = α_i + λ_t [+ μ_{county(i),t}] + β·D_it + ε_it                       (D_it = 1 from first treatment)

Event study: ``Y_it = α_i + λ_t + Σ_{e≠−1} β_e·1[t − G_i = e] + ε_it`` (never-treated units in
the reference category). Estimated by ``pyfixest.feols`` (pinned 0.60.0), which reproduces R
``fixest``; standard errors are cluster-robust (CRV1) at the household unless ``cluster`` names
a coarser level. Small-sample convention = fixest's default ``ssc(adj=TRUE, fixef.K="nested",
cluster.adj=TRUE)``: ``V = G/(G−1) · (n−1)/(n−K) · (X'X)⁻¹ Σ_g s_g s_g' (X'X)⁻¹`` where K
excludes fixed effects nested in the cluster, and t(G−1) critical values. On mpdta this gives
−0.036549 (SE 0.013265) exactly as fixest; statsmodels/linearmodels give SE ≈ 0.01483 only
because they count the absorbed household effects in K.

With staggered adoption and heterogeneous effects β is a weighted sum of the cell effects,
``β = Σ_{(g,t): D=1} w_gt · ATT(g,t)`` with ``w_gt = Σ_{i∈g} ε̃_it / Σ_{D_it=1} ε̃_it`` where ε̃ is
the residual of D on the two sets of fixed effects (de Chaisemartin & D'Haultfœuille 2020,
Theorem 1). Some ``w_gt`` can be negative (late periods of early cohorts): :func:`twfe_weights`
reports them and :func:`compare_twfe_cs` sets them beside the Callaway–Sant'Anna estimate.

pyfixest 0.60 aborts the Python process when every observation is a singleton of a fixed
effect; :func:`singleton_mask` checks the sample first and :class:`DesignError` is raised.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
from pyfixest.estimation import demean

from evalkit.core.errors import DesignError, EvalkitError
from evalkit.effects.results import Aggregation, TWFEComparison, TWFEEventStudy, TWFEResult, confidence_interval

#: Tolerance and iteration limit of pyfixest's alternating-projections demeaner in :func:`twfe_weights`.
DEMEAN_TOL = 1e-10
DEMEAN_MAXITER = 10_000
SMALL_SAMPLE = (
    "fixest default ssc(adj=TRUE, fixef.K='nested', cluster.adj=TRUE): "
    "G/(G-1)·(n-1)/(n-K), K without fixed effects nested in the cluster; t(G-1) inference"
)


def singleton_mask(frame: pd.DataFrame, fixed_effects: list[str]) -> np.ndarray:
    """True for observations that are (iteratively) the only one of a fixed-effect level.

    Removes singletons of every fixed effect in turn until none is left (as fixest/pyfixest do)
    and returns the mask of removed rows; vectorised, the loop is over passes, not rows.
    """
    keep = np.ones(len(frame), dtype=bool)
    while True:
        changed = False
        for column in fixed_effects:
            sizes = frame.loc[keep, column].map(frame.loc[keep, column].value_counts())
            single = sizes.to_numpy() == 1
            if single.any():
                idx = np.flatnonzero(keep)[single]
                keep[idx] = False
                changed = True
        if not changed:
            return ~keep


def _prepare(data, outcome, unit, time, extra, cluster, county):
    columns = [c for c in dict.fromkeys([outcome, unit, time, *extra, cluster, county]) if c]
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise EvalkitError(f"数据缺少列 / data lacks columns: {missing}", code="E-DATA-COLUMNS")
    frame = data[columns].copy()
    frame[outcome] = pd.to_numeric(frame[outcome], errors="coerce")
    frame = frame.loc[np.isfinite(frame[outcome].to_numpy(dtype=float))]
    work = pd.DataFrame(
        {
            "y": frame[outcome].to_numpy(dtype=float),
            "u": pd.factorize(frame[unit])[0],
            "t": pd.factorize(frame[time])[0],
        }
    )
    work["cl"] = pd.factorize(frame[cluster])[0] if cluster else work["u"]
    fes = ["u", "t"]
    if county:
        work["ct"] = pd.factorize(frame[county].astype(str) + "|" + frame[time].astype(str))[0]
        fes.append("ct")
    singles = singleton_mask(work, fes)
    if singles.all():
        raise DesignError(
            "每个观测都是固定效应的单例(例如每户只有一年数据),无法估计双向固定效应 / "
            "every observation is a fixed-effect singleton (e.g. one year per household): TWFE is not identified",
            code="E-TWFE-SINGLETONS",
        )
    return frame, work, fes, int(singles.sum()), int(len(data) - len(frame))


def _feols(formula: str, work: pd.DataFrame):
    """pyfixest.feols with CRV1 at ``cl``; its pandas-deprecation noise is silenced, a fully
    collinear design becomes a :class:`DesignError`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", category=Warning, message=".*inplace keyword.*")
        try:
            return pf.feols(formula, data=work, vcov={"CRV1": "cl"})
        except ValueError as error:
            if "collinear" in str(error):
                raise DesignError(
                    "处理变量与固定效应共线(例如处理在县×年层面无县内差异)/ treatment is collinear "
                    "with the fixed effects (e.g. it does not vary within county × year)",
                    code="E-TWFE-COLLINEAR",
                ) from error
            raise


def twfe(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treatment: str,
    cluster: str | None = None,
    county: str | None = None,
    alpha: float = 0.05,
) -> TWFEResult:
    """Static TWFE coefficient of the 0/1 column ``treatment`` (household and year effects,
    ``county`` × year effects when ``county`` is given), cluster-robust at ``cluster`` (default
    the unit). Rows with a missing outcome are dropped; singletons are dropped by pyfixest.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel, one row per unit × time.
    outcome : str
        Outcome column (e.g. net_income_pc).
    unit, time : str
        Unit (household) and time (year) columns.
    treatment : str
        0/1 treatment column.
    cluster : str, optional
        Cluster column (default ``unit``); inference with t(G − 1) quantiles.
    county : str, optional
        Adds county × year fixed effects.
    alpha : float, default 0.05
        1 − confidence level.

    Returns
    -------
    TWFEResult
        att, se, ci_low, ci_high, pvalue, n_obs, n_clusters (``summary()``, ``tidy()``).

    Raises
    ------
    DesignError
        ``E-TWFE-SINGLETONS``, ``E-TWFE-COLLINEAR``, ``E-TWFE-NOT-CONVERGED``.
    """
    frame, work, fes, n_single, _ = _prepare(data, outcome, unit, time, [treatment], cluster, county)
    work["d"] = pd.to_numeric(frame[treatment]).to_numpy(dtype=float)
    fit = _feols(f"y ~ d | {' + '.join(fes)}", work)
    tidy = fit.tidy()
    if "d" not in tidy.index:
        raise DesignError(
            f"{treatment}: 处理变量在固定效应内无变化 / treatment has no variation within the fixed effects",
            code="E-TWFE-COLLINEAR",
        )
    row = tidy.loc["d"]
    n_clusters = int(work["cl"].nunique())
    att, se = float(row["Estimate"]), float(row["Std. Error"])
    ci_low, ci_high = confidence_interval(att, se, alpha, df=n_clusters - 1)  # = fit.confint (t(G-1))
    return TWFEResult(
        att=att,
        se=se,
        tstat=float(row["t value"]),
        pvalue=float(row["Pr(>|t|)"]),
        ci_low=float(ci_low),
        ci_high=float(ci_high),
        n_obs=int(fit._N),
        n_clusters=n_clusters,
        fixed_effects=_fixed_effects(unit, time, county),
        vcov=f"CRV1({cluster or unit})",
        small_sample=SMALL_SAMPLE,
        model=fit,
        term=treatment,
        alpha=alpha,
    )


def _fixed_effects(unit: str, time: str, county: str | None) -> str:
    return " + ".join([unit, time] + ([f"{county}×{time}"] if county else []))


def twfe_event_study(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    cluster: str | None = None,
    county: str | None = None,
    reference: int = -1,
    alpha: float = 0.05,
) -> TWFEEventStudy:
    """TWFE event-study coefficients β_e (e = t − cohort; never treated = cohort 0/NaN in the
    reference category ``reference``).

    Returns a :class:`~evalkit.effects.results.TWFEEventStudy`: ``table`` (event_time, att, se,
    ci_low, ci_high; t(G − 1) intervals, the reference period with 0), ``tidy()``, ``summary()``.
    """
    frame, work, fes, _, _ = _prepare(data, outcome, unit, time, [cohort], cluster, county)
    g = pd.to_numeric(frame[cohort], errors="coerce").fillna(0).to_numpy()
    t = pd.to_numeric(frame[time]).to_numpy()
    work["rel"] = np.where(g > 0, t - g, reference).astype(int)
    fit = _feols(f"y ~ i(rel, ref={reference}) | {' + '.join(fes)}", work)
    tidy = fit.tidy()
    n_clusters = int(work["cl"].nunique())
    att, se = tidy["Estimate"].to_numpy(), tidy["Std. Error"].to_numpy()
    ci_low, ci_high = confidence_interval(att, se, alpha, df=n_clusters - 1)
    event = [int(name.split("::")[1].rstrip("]")) for name in tidy.index]
    out = pd.DataFrame({"event_time": event, "att": att, "se": se, "ci_low": ci_low, "ci_high": ci_high})
    reference_row = pd.DataFrame(
        {"event_time": [reference], "att": [0.0], "se": [0.0], "ci_low": [0.0], "ci_high": [0.0]}
    )
    return TWFEEventStudy(
        table=pd.concat([out, reference_row]).sort_values("event_time", ignore_index=True),
        reference=reference,
        n_obs=int(fit._N),
        n_clusters=n_clusters,
        fixed_effects=_fixed_effects(unit, time, county),
        vcov=f"CRV1({cluster or unit})",
        alpha=alpha,
        model=fit,
    )


def twfe_weights(data: pd.DataFrame, unit: str, time: str, cohort: str) -> pd.DataFrame:
    """de Chaisemartin–D'Haultfœuille weights of the static TWFE coefficient on each treated cell.

    Returns group, time, n_obs, weight (sums to 1 over treated cells; negative weights flag
    cells whose effect enters β with the wrong sign). ε̃ = D − unit and time effects, computed
    by pyfixest's alternating-projections demeaner (tolerance 1e-10).
    """
    frame = data[[unit, time, cohort]].copy()
    g = pd.to_numeric(frame[cohort], errors="coerce").fillna(0).to_numpy()
    t = pd.to_numeric(frame[time]).to_numpy()
    d = ((g > 0) & (t >= g)).astype(float)
    if d.sum() == 0:
        raise DesignError("没有受处理的观测 / no treated observations", code="E-DESIGN-NO-TREATED")
    flist = np.column_stack([pd.factorize(frame[unit])[0], pd.factorize(frame[time])[0]]).astype(np.uint64)
    resid, converged = demean(d.reshape(-1, 1), flist, np.ones(len(d)), tol=DEMEAN_TOL, maxiter=DEMEAN_MAXITER)
    if not converged:
        raise DesignError(
            f"去除固定效应的迭代未收敛({DEMEAN_MAXITER} 次, 容差 {DEMEAN_TOL:g}), 权重不可靠 / "
            f"the fixed-effect demeaning did not converge ({DEMEAN_MAXITER} iterations, tolerance {DEMEAN_TOL:g}): "
            "the weights are unreliable",
            code="E-TWFE-NOT-CONVERGED",
        )
    eps = resid[:, 0]
    denominator = eps[d == 1].sum()
    cells = pd.DataFrame({"group": g.astype(int), "time": t.astype(int), "eps": eps})[d == 1]
    out = cells.groupby(["group", "time"], as_index=False).agg(n_obs=("eps", "size"), weight=("eps", "sum"))
    out["weight"] = out["weight"] / denominator
    return out


def compare_twfe_cs(
    data: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str, cs_result, cluster: str | None = None
) -> TWFEComparison:
    """TWFE beside Callaway–Sant'Anna, with the weights that explain the difference.

    Returns a :class:`~evalkit.effects.results.TWFEComparison`: ``table`` rows ``twfe``
    (coefficient, CRV1 SE), ``cs_simple`` (CS simple aggregation), ``twfe_implied_by_cs`` =
    Σ w_gt·ATT_CS(g,t) (what TWFE would give if the CS cell effects were the truth, no SE), with
    n_negative_weights, sum_negative_weights, gap_to_cs and gap_share_of_cs (a UserWarning and
    ``comparison.warning()`` when TWFE is more than 10 % away from CS: negative weights are not
    needed for that — heterogeneous effects with all weights positive bias TWFE too); ``weights``
    is :func:`twfe_weights` joined with the CS cell effects; ``tidy()`` and ``summary()`` as every result.
    """
    g = pd.to_numeric(data[cohort], errors="coerce").fillna(0)
    treated = ((g > 0) & (pd.to_numeric(data[time]) >= g)).astype(int)
    fit = twfe(data.assign(_d=treated.to_numpy()), outcome, unit, time, "_d", cluster=cluster)
    weights = twfe_weights(data, unit, time, cohort).merge(
        cs_result.att_gt[["group", "time", "att"]], on=["group", "time"], how="left"
    )
    simple: Aggregation = cs_result.aggregate("simple")
    negative = weights["weight"] < 0
    table = pd.DataFrame(
        {
            "estimator": ["twfe", "cs_simple", "twfe_implied_by_cs"],
            "att": [fit.att, simple.att, float((weights["weight"] * weights["att"]).sum())],
            "se": [fit.se, simple.se, np.nan],
        }
    )
    table["n_negative_weights"] = int(negative.sum())
    table["sum_negative_weights"] = float(weights.loc[negative, "weight"].sum())
    table["gap_to_cs"] = table["att"] - simple.att
    table["gap_share_of_cs"] = table["gap_to_cs"].abs() / abs(simple.att) if simple.att else np.nan
    comparison = TWFEComparison(table=table, weights=weights, twfe=fit, cs=simple)
    if comparison.warning():
        warnings.warn(comparison.warning(), UserWarning, stacklevel=2)
    return comparison
