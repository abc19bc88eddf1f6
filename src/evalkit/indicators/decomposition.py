"""Decompositions of a change between two years: Datt–Ravallion growth/redistribution and the
Shapley decomposition by income component (Azevedo, Sanfelice & Nguyen).

Both are exact: the terms add up to the observed change (the Datt–Ravallion reference-period
versions through their residual, the Shapley versions without one). They decompose the Gini and
FGT indices of :mod:`evalkit.indicators.inequality`, which this module imports (never the other
way round: no import cycle).
"""

from __future__ import annotations

from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.schema import COMPONENTS, INCOME_COLUMNS, PER_CAPITA_DIVISOR, add_income_account, income_signs
from evalkit.indicators.inequality import fgt, gini
from evalkit.indicators.weighted import InequalityInputError, as_arrays, check_line

__all__ = ["COMPONENT_SETS", "WEIGHTS_FACTOR", "datt_ravallion", "shapley_by_component", "shapley_values"]

# --------------------------------------------------------------------------- change decompositions
#: Component sets that add up to net income; operating_expenses enters with a minus sign.
COMPONENT_SETS = (COMPONENTS, INCOME_COLUMNS)
WEIGHTS_FACTOR = "household_size"


def datt_ravallion(income0, income1, line: float, alpha: float, weights0=None, weights1=None) -> pd.DataFrame:
    """Datt–Ravallion decomposition of the change in FGT(α) into growth and redistribution.

    P(μ, L) is FGT(α) of a distribution with mean μ and Lorenz curve L; the counterfactuals
    rescale one year's incomes to the other year's mean: P(μ1, L0) = FGT(y0 · μ1/μ0; weights0),
    P(μ0, L1) = FGT(y1 · μ0/μ1; weights1). With P_t = P(μ_t, L_t) and ΔP = P1 − P0:

    * reference period 0: G = P(μ1, L0) − P0, R = P(μ0, L1) − P0, residual = ΔP − G − R;
    * reference period 1: G = P1 − P(μ0, L1), R = P1 − P(μ1, L0), residual = ΔP − G − R
      (= −residual of reference 0);
    * Shapley: the averages of the two, residual 0 (Shorrocks 2013, J. Econ. Inequality 11;
      Kolenikov & Shorrocks 2005).

    Source: Datt & Ravallion (1992), "Growth and redistribution components of changes in poverty
    measures", J. Development Economics 38: 275–295; DASP ``dfgtgr``. Returns one row per
    ``reference`` (period0, period1, shapley) with p0, p1, change, growth, redistribution, residual.
    Both means must be positive.

    Parameters
    ----------
    income0, income1 : array-like
        Incomes in the first and second period.
    line : float
        Poverty line z (> 0).
    alpha : float
        FGT parameter.
    weights0, weights1 : array-like, optional

    Returns
    -------
    pandas.DataFrame
        Rows period0, period1, shapley; columns reference, p0, p1, change, growth,
        redistribution, residual.

    Raises
    ------
    InequalityInputError
        ``E-INEQUALITY-MEAN`` when a mean is not positive; the input errors of
        :func:`evalkit.indicators.inequality.fgt`.
    """
    y0, w0 = as_arrays(income0, weights0, name="income0")
    y1, w1 = as_arrays(income1, weights1, name="income1")
    z = check_line(line)
    mu0, mu1 = np.sum(w0 * y0) / w0.sum(), np.sum(w1 * y1) / w1.sum()
    if mu0 <= 0 or mu1 <= 0:
        raise InequalityInputError(
            f"增长-再分配分解要求两期平均收入为正(得到 {mu0:g}, {mu1:g}) / "
            f"the growth–redistribution decomposition needs positive means (got {mu0:g}, {mu1:g})",
            code="E-INEQUALITY-MEAN",
        )
    p0, p1 = fgt(y0, z, alpha, w0), fgt(y1, z, alpha, w1)
    p10 = fgt(y0 * mu1 / mu0, z, alpha, w0)  # P(μ1, L0)
    p01 = fgt(y1 * mu0 / mu1, z, alpha, w1)  # P(μ0, L1)
    g0, r0 = p10 - p0, p01 - p0
    g1, r1 = p1 - p01, p1 - p10
    change = p1 - p0
    out = pd.DataFrame(
        {
            "reference": ["period0", "period1", "shapley"],
            "p0": p0,
            "p1": p1,
            "change": change,
            "growth": [g0, g1, (g0 + g1) / 2],
            "redistribution": [r0, r1, (r0 + r1) / 2],
        }
    )
    out["residual"] = [change - g0 - r0, change - g1 - r1, 0.0]
    return out


def shapley_values(value_of, factors) -> dict:
    """Shapley value of each factor for a set function ``value_of(frozenset_of_factors) -> float``.

    φ_k = Σ_{S ⊆ F∖{k}} |S|! (K − |S| − 1)! / K! · [v(S ∪ {k}) − v(S)]; Σ_k φ_k = v(F) − v(∅)
    (Shorrocks 2013). Evaluates v once per subset (2^K calls).
    """
    factors = list(factors)
    k = len(factors)
    cache = {frozenset(s): value_of(frozenset(s)) for r in range(k + 1) for s in combinations(factors, r)}
    out = {}
    for f in factors:
        others = [g for g in factors if g != f]
        total = 0.0
        for r in range(k):
            weight = factorial(r) * factorial(k - r - 1) / factorial(k)
            for s in combinations(others, r):
                total += weight * (cache[frozenset(s) | {f}] - cache[frozenset(s)])
        out[f] = total
    return out


def _statistic(name: str, line):
    if name == "mean":
        return lambda y, w: float(np.sum(w * y) / w.sum())
    if name == "gini":
        return gini
    if name in ("fgt0", "fgt1", "fgt2"):
        if line is None:
            raise EvalkitError(
                f"{name} 需要贫困线 line / {name} needs a poverty line (line=...)", code="E-DECOMPOSITION-LINE"
            )
        alpha = int(name[-1])
        return lambda y, w: fgt(y, line, alpha, w)
    raise EvalkitError(f"未知统计量 / unknown statistic {name!r}; use mean, gini, fgt0, fgt1, fgt2")


def shapley_by_component(
    households: pd.DataFrame,
    year0: int,
    year1: int,
    line: float | None = None,
    components=COMPONENTS,
    statistics=None,
    weight: str = "person",
) -> pd.DataFrame:
    """Shapley decomposition of the change in mean, Gini and FGT(0..2) of per-capita net income
    between ``year0`` and ``year1`` by income component, on the panel.

    Households present in both years are matched by ``household_id`` (Azevedo, Sanfelice & Nguyen
    2012, "Shapley decomposition by components of a welfare aggregate", World Bank, Stata
    ``adecomp``; with a panel the counterfactual needs no rank matching). For a set S of factors
    switched to ``year1``, the counterfactual per-capita income of household i is
    y_i(S) = Σ_k s_k c_ik^{t_k(S)} with c_ik^t = X_ik^t / size_i^t, s_k = −1 for operating_expenses,
    t_k(S) = year1 if k ∈ S else year0. With ``weight="person"`` the person weights (household
    size) are one more factor, ``household_size``, so that v(∅) and v(all) are the statistics of
    the matched households in year0 and year1. Each factor's contribution is its Shapley value
    (:func:`shapley_values`); the contributions sum exactly to v(all) − v(∅).

    ``components``: ``COMPONENTS`` (wage, net_operating, property, transfer) or the five gross
    components (operating income and expenses separately). ``statistics``: default mean and gini,
    plus fgt0, fgt1, fgt2 when ``line`` is given. Returns one row per statistic × factor:
    statistic, factor, contribution, share_of_change, value0, value1, change, n_matched,
    n_only_year0, n_only_year1 (households not matched are counted, not used).

    Parameters
    ----------
    households : pandas.DataFrame
        The panel's household-year rows (``household_id``, ``year``, income columns, size).
    year0, year1 : int
        The two years compared.
    line : float, optional
        Poverty line for fgt0–fgt2.
    components : tuple of str
        ``COMPONENTS`` or the five gross components (:data:`COMPONENT_SETS`).
    statistics : sequence of str, optional
        Among mean, gini, fgt0, fgt1, fgt2.
    weight : {"person", "household"}, default "person"

    Returns
    -------
    pandas.DataFrame
        One row per statistic × factor, the columns above.

    Raises
    ------
    EvalkitError
        ``E-DECOMPOSITION-COMPONENTS``, ``E-DECOMPOSITION-LINE``, ``E-DECOMPOSITION-NO-COMMON``.
    """
    components = tuple(components)
    if components not in COMPONENT_SETS:
        raise EvalkitError(
            f"components 必须构成纯收入 / components must add up to net income: one of {COMPONENT_SETS}",
            code="E-DECOMPOSITION-COMPONENTS",
        )
    if weight not in ("person", "household"):
        raise EvalkitError(f"weight must be 'person' or 'household', got {weight!r}")
    if statistics is None:
        statistics = ("mean", "gini") + (("fgt0", "fgt1", "fgt2") if line is not None else ())
    funcs = {s: _statistic(s, line) for s in statistics}
    need = ["household_id", "year", PER_CAPITA_DIVISOR, *INCOME_COLUMNS]
    absent = [c for c in need if c not in households.columns]
    if absent:
        raise EvalkitError(f"缺少列 / missing columns: {', '.join(absent)}")
    rows0 = households.loc[households["year"] == year0, need].set_index("household_id")
    rows1 = households.loc[households["year"] == year1, need].set_index("household_id")
    matched = rows0.index.intersection(rows1.index)
    if len(matched) == 0:
        raise EvalkitError(
            f"{year0} 与 {year1} 没有共同农户 / no household is in both {year0} and {year1}",
            code="E-DECOMPOSITION-NO-COMMON",
        )
    r0, r1 = rows0.loc[matched], rows1.loc[matched]

    def per_capita(r: pd.DataFrame) -> dict:
        vals = add_income_account({c: r[c].to_numpy(dtype=float) for c in INCOME_COLUMNS})
        size = r[PER_CAPITA_DIVISOR].to_numpy(dtype=float)
        signs = income_signs()
        return {k: signs.get(k, 1) * vals[k] / size for k in components}

    c0, c1 = per_capita(r0), per_capita(r1)
    if weight == "person":
        w0, w1 = r0["household_size"].to_numpy(dtype=float), r1["household_size"].to_numpy(dtype=float)
        factors = [*components, WEIGHTS_FACTOR]
    else:
        w0 = w1 = np.ones(len(matched))
        factors = list(components)
    counts = {
        "n_matched": len(matched),
        "n_only_year0": len(rows0) - len(matched),
        "n_only_year1": len(rows1) - len(matched),
    }
    tables = []
    for stat, func in funcs.items():  # a handful of statistics × 2^K subsets, each vectorised

        def value_of(subset, func=func):
            y = sum(c1[k] if k in subset else c0[k] for k in components)
            return func(y, w1 if WEIGHTS_FACTOR in subset else w0)

        phi = shapley_values(value_of, factors)
        v0, v1 = value_of(frozenset()), value_of(frozenset(factors))
        table = pd.DataFrame({"statistic": stat, "factor": list(phi), "contribution": list(phi.values())})
        table["share_of_change"] = table["contribution"] / (v1 - v0) if v1 != v0 else np.nan
        table = table.assign(value0=v0, value1=v1, change=v1 - v0, **counts)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)
