"""Cross-sectional (one-year) effect of a measure by propensity-score weighting: IPW and AIPW.

Estimand: the average effect on the treated households, ATT = E[Y(1) − Y(0) | D = 1], under
unconfoundedness given covariates X and overlap. With p(X) = P(D = 1 | X) from a logit:

* IPW (normalised, Hájek):  ATT = Σ_D Y / n_1 − Σ_C w·Y / Σ_C w,  w = p/(1−p)
* AIPW (doubly robust):     ATT = mean_D(Y − m₀(X)) − Σ_C w·(Y − m₀(X)) / Σ_C w,
  m₀ the OLS regression of Y on X among controls (Sant'Anna & Zhao 2020, eq. 3.1 with the
  pre-period outcome set to 0).

Both are computed with the ``drdid`` kernels (``std_ipw_did_panel``, ``drdid_panel``) given
``y1 = Y, y0 = 0``; their influence functions include the estimation of p and m₀, and
``se = sd(ψ)/√n`` as R DRDID. The propensity model is fitted with statsmodels ``Logit`` for the
diagnostics (the same maximum-likelihood fit drdid uses).

Trimming rule (stated in every result): control households with p̂ ≥ ``trim`` (default 0.995,
the R DRDID default) are dropped, because their weight p/(1−p) would dominate; treated
households are never dropped. Balance: standardised mean difference
``SMD = (x̄_T − x̄_C) / sqrt((s²_T + s²_C)/2)`` (Austin 2009) before weighting and after (control
mean weighted by w), with the same unweighted denominator so that the change reflects the means.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from drdid._estimators import drdid_panel, std_ipw_did_panel
from statsmodels.tools.sm_exceptions import PerfectSeparationError, PerfectSeparationWarning

from evalkit.core.errors import DesignError, EvalkitError
from evalkit.effects.did_design import check_full_rank
from evalkit.effects.results import WeightingResult

KERNELS = {"aipw": drdid_panel, "ipw": std_ipw_did_panel}


def propensity_score(treated: np.ndarray, X: pd.DataFrame) -> np.ndarray:
    """Logit propensity score P(D=1 | X) (statsmodels); perfect separation is a DesignError."""
    design = sm.add_constant(X.to_numpy(dtype=float), has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        try:
            fit = sm.Logit(treated, design).fit(disp=0, maxiter=100)
        except (PerfectSeparationError, PerfectSeparationWarning, np.linalg.LinAlgError) as error:
            raise DesignError(
                "协变量完全区分处理组与对照组(无重叠)/ covariates separate treated and controls "
                f"perfectly (no overlap): {error}",
                code="E-DESIGN-SEPARATION",
            ) from error
    return fit.predict(design)


def standardised_differences(X: pd.DataFrame, treated: np.ndarray, weights: np.ndarray) -> pd.DataFrame:
    """SMD of each covariate before and after weighting the controls by ``weights``."""
    t, c = treated == 1, treated == 0
    rows = []
    for column in X.columns:
        x = X[column].to_numpy(dtype=float)
        scale = np.sqrt((x[t].var(ddof=1) + x[c].var(ddof=1)) / 2)
        scale = scale if scale > 0 else np.nan
        after = np.average(x[c], weights=weights[c])
        rows.append(
            {
                "covariate": column,
                "mean_treated": x[t].mean(),
                "mean_control": x[c].mean(),
                "mean_control_weighted": after,
                "smd_before": (x[t].mean() - x[c].mean()) / scale,
                "smd_after": (x[t].mean() - after) / scale,
            }
        )
    return pd.DataFrame(rows)


def propensity_weighting(
    data: pd.DataFrame,
    outcome: str,
    treatment: str,
    covariates: list[str],
    method: str = "aipw",
    trim: float = 0.995,
    alpha: float = 0.05,
) -> WeightingResult:
    """ATT of the 0/1 column ``treatment`` on ``outcome`` in a cross-section (see module doc).

    Rows with a missing outcome, treatment or covariate raise an error naming the column and
    count (nothing is dropped silently); returns a :class:`WeightingResult` with the estimate,
    the overlap data (``propensity``: treated, pscore, trimmed) and the balance table.
    """
    if method not in KERNELS:
        raise EvalkitError(f"method={method!r}: use 'aipw' or 'ipw' / 方法无效", code="E-ESTIMATOR-METHOD")
    covariates = list(covariates)
    missing = [c for c in [outcome, treatment, *covariates] if c not in data.columns]
    if missing:
        raise EvalkitError(f"数据缺少列 / data lacks columns: {missing}", code="E-DATA-COLUMNS")
    frame = data[[outcome, treatment, *covariates]].apply(pd.to_numeric, errors="coerce")
    bad = frame.isna().sum()
    if bad.any():
        raise EvalkitError(
            "缺失值 / missing values: " + ", ".join(f"{k}: {v} 行/rows" for k, v in bad.items() if v),
            code="E-DATA-MISSING-VALUES",
        )
    d = frame[treatment].to_numpy(dtype=float)
    if not np.isin(d, (0, 1)).all():
        raise EvalkitError(f"{treatment}: 只能取 0/1 / must be 0 or 1", code="E-TREATMENT-NOT-BINARY")
    if d.sum() < 2 or (1 - d).sum() < 2:
        raise DesignError(
            f"{treatment}: 处理组或对照组少于 2 户 / fewer than 2 treated or control households",
            code="E-DESIGN-TOO-FEW",
        )
    X = frame[covariates]
    check_full_rank(X, outcome)
    pscore = propensity_score(d, X)
    trimmed = (d == 0) & (pscore >= trim)
    y = frame[outcome].to_numpy(dtype=float)
    try:
        att, psi = KERNELS[method](
            y, np.zeros_like(y), d, X.to_numpy(dtype=float) if covariates else None, trim_level=trim
        )
    except ValueError as error:
        raise DesignError(
            f"{outcome}: 加权估计失败 / weighting estimator failed: {error}", code="E-DESIGN-ESTIMATION-FAILED"
        ) from error
    weights = np.where(d == 1, 1.0, np.where(trimmed, 0.0, pscore / (1 - pscore)))
    return WeightingResult(
        method=method,
        att=float(att),
        se=float(np.std(psi, ddof=1) / np.sqrt(len(y))),
        alpha=alpha,
        n_treated=int(d.sum()),
        n_control=int((1 - d).sum() - trimmed.sum()),
        n_trimmed=int(trimmed.sum()),
        trimming_rule=f"对照组中倾向得分 ≥ {trim} 的户被剔除 / "
        f"controls with propensity ≥ {trim} dropped; treated never dropped",
        balance=standardised_differences(X, d, weights),
        propensity=pd.DataFrame({"treated": d == 1, "pscore": pscore, "trimmed": trimmed}),
        naive=float(y[d == 1].mean() - y[d == 0].mean()),
    )
