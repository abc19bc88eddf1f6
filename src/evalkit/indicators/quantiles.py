"""Weighted quantiles and medians, relative poverty lines and their headcount.

Weighted quantile (the Eurostat definition, as R ``laeken``'s ``weightedMedian``/``incQuintile``):
sort the incomes ``x_(1) ≤ … ≤ x_(n)`` with weights ``w``, cumulative weights ``W_j = Σ_{i≤j} w_(i)``
and ``P = p · W_n``; then

    q_p = (x_(j) + x_(j+1)) / 2   if W_j = P for some j,
    q_p = x_(j+1)                 if W_j < P < W_{j+1}.

Without weights this is the usual median (the mean of the two middle values for an even n).

A **relative poverty line** is a share of the weighted median (``share=0.6``: the EU
at-risk-of-poverty threshold; 0.4 or 0.5 are also used for rural China), and its **headcount ratio**
the weighted share of people with income strictly below the line. Incomes of households are
person-weighted (``weights = household_size``), as in the income tables, so the median is that of
persons. Reproduces R ``laeken`` on its ``eusilc`` sample: ``arpt`` 10,859.24 and ``arpr``
14.44422 % (tests/test_quantiles.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.core.errors import EvalkitError


def _arrays(values, weights) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(values, dtype=float).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float).ravel()
    if len(w) != len(x):
        raise EvalkitError(
            f"{len(x)} 个数值但 {len(w)} 个权重 / {len(x)} values but {len(w)} weights", code="E-WEIGHTS-LENGTH"
        )
    keep = np.isfinite(x) & np.isfinite(w)
    x, w = x[keep], w[keep]
    if (w < 0).any():
        raise EvalkitError("权重不能为负 / weights must not be negative", code="E-WEIGHTS-INVALID")
    if len(x) == 0 or w.sum() <= 0:
        raise EvalkitError("没有有效的数值或权重 / no finite values with positive weight", code="E-DATA-EMPTY")
    return x, w


def weighted_quantile(values, q, weights=None):
    """Weighted quantile(s) ``q`` in [0, 1] (module doc); NaN values or weights are ignored.
    Returns a float for a scalar ``q``, else an array."""
    x, w = _arrays(values, weights)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    keep = w > 0
    x, w = x[keep], w[keep]
    cw = np.cumsum(w)
    qs = np.atleast_1d(np.asarray(q, dtype=float))
    if ((qs < 0) | (qs > 1)).any():
        raise EvalkitError(
            f"分位数须在 0 与 1 之间 / quantiles must be in [0, 1]: {qs.tolist()}", code="E-QUANTILE-RANGE"
        )
    out = np.empty(len(qs))
    for k, p in enumerate(qs):
        P = p * cw[-1]
        j = min(int(np.searchsorted(cw, P, side="left")), len(x) - 1)
        exact = np.isclose(cw[j], P, rtol=1e-12, atol=0.0)
        out[k] = (x[j] + x[j + 1]) / 2 if exact and j + 1 < len(x) else x[j]
    return float(out[0]) if np.ndim(q) == 0 else out


def weighted_median(values, weights=None) -> float:
    """Weighted median (:func:`weighted_quantile` at 0.5)."""
    return weighted_quantile(values, 0.5, weights)


def relative_poverty(values, weights=None, share: float = 0.6) -> dict:
    """Relative poverty line ``share × weighted median`` and its headcount: median, line,
    headcount_ratio (weighted share strictly below), below (weight below, e.g. persons), total."""
    if not 0 < share <= 1:
        raise EvalkitError(f"share={share}: 须在 (0, 1] 之间 / must be in (0, 1]")
    x, w = _arrays(values, weights)
    median = weighted_median(x, w)
    line = share * median
    below = float(w[x < line].sum())
    return {
        "median": median,
        "share": share,
        "line": line,
        "headcount_ratio": below / float(w.sum()),
        "below": below,
        "total": float(w.sum()),
    }


def relative_poverty_table(
    households: pd.DataFrame,
    by: list[str] | tuple[str, ...] = ("year",),
    share: float = 0.5,
    income: str = "net_income_pc",
    weights: str | None = "household_size",
) -> pd.DataFrame:
    """:func:`relative_poverty` of ``income`` per group of ``by`` (persons: weights household_size).
    Columns: by..., median, share, line, headcount_ratio, below, total, households."""
    rows = []
    for key, part in households.groupby(list(by), sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        out = relative_poverty(part[income], part[weights] if weights else None, share)
        rows.append(dict(zip(by, key, strict=True)) | out | {"households": len(part)})
    return pd.DataFrame(rows)


__all__ = ["relative_poverty", "relative_poverty_table", "weighted_median", "weighted_quantile"]
