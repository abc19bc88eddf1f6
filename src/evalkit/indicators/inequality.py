"""Inequality and poverty measures, weighted, with subgroup and source decompositions.

Conventions (the same for every function here):

* ``income`` and ``weights`` are array-likes of equal length (``weights=None`` means 1 each;
  for person-weighted figures pass per-capita income with household size as the weight).
* Malformed input raises :class:`InequalityInputError` (an :class:`~evalkit.core.errors.EvalkitError`)
  with a bilingual message: no observations, missing values, negative or all-zero weights,
  lengths that differ, a poverty line that is not positive.
* A measure that is *undefined for the data given* returns ``nan`` (documented per function):
  a Gini or Theil index when the mean income is not positive (e.g. all incomes zero), the
  mean log deviation or Atkinson(ε ≥ 1) when an income is zero or negative, Theil T with a
  negative income, the Watts index when a poor person's income is not positive. A single
  observation is a valid distribution: its inequality is 0.
* "Poor" means ``income < line`` (strictly below), as in R ``ineq`` and DASP.

Weighted ranks: the Gini and its concentration indices use the weighted *mid-rank*
F_i = (W_{<i} + w_i / 2) / W, where W_{<i} is the weight of all observations with a lower
income; tied incomes share the mid-rank of their tie block (``ties="mid"``, the default:
the result does not depend on row order). ``ties="stable"`` instead ranks tied observations
in data order (each gets W_{before i in sorted order} + w_i/2), which is what the Lorenz-curve
formula of R GiniDecompLY 1.0.1 does (stable ``order()``); it matters only for concentration
indices (Gini correlations), never for the Gini of a variable by its own ranks.

Grouped versions (``*_by_group`` and :func:`inequality_table`) are vectorised with NumPy
(sorting plus ``bincount``); no Python loop runs over households.

The input checks, the weighted ranks and the group sorting shared with the decompositions are in
:mod:`evalkit.indicators.weighted`; the decompositions of a change between two years
(Datt–Ravallion, Shapley by component) in :mod:`evalkit.indicators.decomposition`, which imports
this module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evalkit.indicators.weighted import (
    GroupSort,
    InequalityInputError,
    as_arrays,
    check_line,
    group_codes,
    group_index,
    group_keys,
    weighted_midrank,
)

__all__ = [
    "InequalityInputError",
    "gini",
    "gini_by_source",
    "concentration",
    "ge",
    "theil_t",
    "mld",
    "atkinson",
    "watts",
    "fgt",
    "fgt_by_group",
    "ge_decomposition",
    "GroupDecomposition",
    "weighted_midrank",
    "inequality_table",
]


# --------------------------------------------------------------------------- Gini
def _cov_with_rank(x: np.ndarray, rank: np.ndarray, w: np.ndarray) -> float:
    wn = w / w.sum()
    return float(np.sum(wn * x * rank) - np.sum(wn * x) * np.sum(wn * rank))


def gini(income, weights=None, ties: str = "mid") -> float:
    """Weighted Gini coefficient, a plain float (0 = equality; in [0, 1] for non-negative incomes).

    G = 2 · cov_w(y, F) / μ_w, with F the weighted mid-rank of y (see module docstring) and
    cov_w, μ_w weighted by ``weights`` (Lerman & Yitzhaki 1984, "A note on the calculation and
    interpretation of the Gini index", Economics Letters 15; Lerman & Yitzhaki 1989). Unweighted
    it equals Σ_i Σ_j |y_i − y_j| / (2 n² μ) (R ``ineq::Gini``). Zero incomes are allowed;
    negative incomes are allowed too (the index may then exceed 1). Returns ``nan`` when the
    mean income is not positive (e.g. all incomes zero); 0.0 for a single observation.

    Parameters
    ----------
    income : array-like
    weights : array-like, optional
        Non-negative weights (household size for a person-weighted Gini of per-capita income).
    ties : {"mid", "stable"}, default "mid"
        Tie handling of the ranks (module docstring).

    Returns
    -------
    float
        The Gini coefficient (nan when the mean income is not positive).

    Raises
    ------
    InequalityInputError
        ``E-DATA-EMPTY``, ``E-DATA-MISSING-VALUES``, ``E-WEIGHTS-*``.
    """
    y, w = as_arrays(income, weights)
    mean = np.sum(w * y) / w.sum()
    if mean <= 0:
        return float("nan")
    rank = weighted_midrank(y, w, ties=ties)
    return float(2 * _cov_with_rank(y, rank, w) / mean)


def concentration(income, rank_by, weights=None, ties: str = "mid") -> float:
    """Concentration index of ``income`` ranked by ``rank_by``: C = 2 · cov_w(x, F(rank_by)) / μ_x.

    Lerman & Yitzhaki (1985). ``nan`` when the mean of ``income`` is zero.
    """
    x, w = as_arrays(income, weights)
    r, _ = as_arrays(rank_by, weights, name="rank_by")
    mean = np.sum(w * x) / w.sum()
    if mean == 0:
        return float("nan")
    return float(2 * _cov_with_rank(x, weighted_midrank(r, w, ties=ties), w) / mean)


def gini_by_source(sources: pd.DataFrame, weights=None, groups=None, ties: str = "mid") -> pd.DataFrame:
    """Lerman–Yitzhaki decomposition of the Gini of total income y = Σ_k y_k by source.

    G = Σ_k S_k · G_k · R_k with, for each source k (column of ``sources``; the total is the
    row sum, as in GiniDecompLY):

    * ``share`` S_k = μ_k / μ (weighted means),
    * ``gini`` G_k = 2 cov(y_k, F(y_k)) / μ_k, the source's own Gini,
    * ``gini_corr`` R_k = cov(y_k, F(y)) / cov(y_k, F(y_k)), the Gini correlation with total income,
    * ``contribution`` S_k G_k R_k = 2 cov(y_k, F(y)) / μ (computed in this form, so the
      contributions add up to the Gini exactly, even for an all-zero source),
    * ``share_of_inequality`` = contribution / G,
    * ``elasticity`` = G_k R_k / G = share_of_inequality / S_k, the Gini income elasticity
      (GiniDecompLY ``Elasticity``),
    * ``marginal_effect`` = S_k (elasticity − 1) = share_of_inequality − S_k: the relative change
      of G when source k rises by 1 % for everyone (∂G/∂e_k / G; Lerman & Yitzhaki 1985, "Income
      inequality effects by income source", Review of Economics and Statistics 67(1): 151–156).

    ``groups`` (optional, array-like) gives one decomposition per group (e.g. region); each row
    then carries the ``group``. ``gini_total`` repeats the group's Gini. G_k, R_k and the ratios are
    ``nan`` where undefined (source mean zero, total Gini undefined). ``ties`` as in the module
    docstring: ``"stable"`` reproduces R GiniDecompLY (which ranks ties in data order).

    Parameters
    ----------
    sources : pandas.DataFrame
        One column per income source (per capita); total income is the row sum.
    weights : array-like, optional
    groups : array-like, optional
        A group label per row: one decomposition per group.
    ties : {"mid", "stable"}, default "mid"

    Returns
    -------
    pandas.DataFrame
        One row per (group ×) source: source, mean, share, gini, gini_corr, contribution,
        share_of_inequality, elasticity, marginal_effect, gini_total.
    """
    if not isinstance(sources, pd.DataFrame) or sources.shape[1] == 0:
        raise InequalityInputError("sources 必须是至少一列的 DataFrame / sources must be a DataFrame with ≥ 1 column")
    if len(sources) == 0:
        raise InequalityInputError("sources: 没有观测值(空组) / no observations (empty group)", code="E-DATA-EMPTY")
    columns = [sources.iloc[:, k].to_numpy(dtype=float) for k in range(sources.shape[1])]
    n_missing = sum(int(np.isnan(c).sum()) for c in columns)
    if n_missing:
        raise InequalityInputError(f"sources: {n_missing} 个缺失值 / missing values", code="E-DATA-MISSING-VALUES")
    total = columns[0].copy()
    for c in columns[1:]:  # the row sum, added left to right
        total += c
    _, w = as_arrays(total, weights)
    codes, labels = group_codes(groups, len(total))
    ng = len(labels)
    wsum = np.bincount(codes, weights=w, minlength=ng)

    def wmean(v):
        return np.bincount(codes, weights=w * v, minlength=ng) / wsum

    # one group index shared by all variables; a variable's covariance with its own ranks is summed
    # over its tie blocks (no scatter back); the total's ranks are put back in row order once and
    # serve every source's concentration coefficient
    sorter = GroupSort(codes, len(total))
    order, blocks = sorter.blocks(total, w, ties)
    f_total = np.empty(len(total))
    f_total[order] = blocks.ranks()
    mean_f_total = blocks.sum(blocks.rank) / wsum
    mu = wmean(total)
    cov_total_own = blocks.cov_own_rank(wsum, mu)
    means = [wmean(c) for c in columns]
    cov_totals = [wmean(c * f_total) - m * mean_f_total for c, m in zip(columns, means, strict=False)]
    cov_owns = [sorter.blocks(c, w, ties)[1].cov_own_rank(wsum, m) for c, m in zip(columns, means, strict=False)]
    g_total = np.where(mu > 0, 2 * cov_total_own / np.where(mu > 0, mu, 1), np.nan)
    rows = []
    for name, mu_k, cov_total, cov_own in zip(sources.columns, means, cov_totals, cov_owns, strict=False):
        with np.errstate(divide="ignore", invalid="ignore"):
            g_k = np.where(mu_k != 0, 2 * cov_own / mu_k, np.nan)
            r_k = np.where(cov_own != 0, cov_total / cov_own, np.nan)
            contrib = np.where(mu > 0, 2 * cov_total / mu, np.nan)
            share = mu_k / mu
            soi = contrib / g_total
            rows.append(
                pd.DataFrame(
                    {
                        "group": labels,
                        "source": name,
                        "mean": mu_k,
                        "share": share,
                        "gini": g_k,
                        "gini_corr": r_k,
                        "contribution": contrib,
                        "share_of_inequality": soi,
                        "elasticity": np.where(share != 0, soi / share, np.nan),
                        "marginal_effect": soi - share,
                        "gini_total": g_total,
                    }
                )
            )
    out = pd.concat(rows, ignore_index=True)
    if groups is None:
        return out.drop(columns="group")
    return out.sort_values(["group"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- entropy family
def ge(income, alpha: float, weights=None) -> float:
    """Generalised entropy index GE(α), weighted (Shorrocks 1980, Econometrica 48(3)).

    GE(α) = [Σ w_i ((y_i/μ)^α − 1) / W] / (α(α − 1)) for α ∉ {0, 1};
    GE(1) = Σ w_i (y_i/μ) ln(y_i/μ) / W (Theil T; 0·ln 0 = 0);
    GE(0) = −Σ w_i ln(y_i/μ) / W (mean log deviation).
    Unweighted, these are R ``ineq::entropy(x, parameter=α)``. ``nan`` when the mean is not
    positive, when an income is negative, or (α ≤ 0) when an income is zero.
    """
    y, w = as_arrays(income, weights)
    return float(_ge_grouped(y, w, np.zeros(y.size, dtype=np.int64), 1, alpha)[0])


def _ge_grouped(y, w, codes, ng, alpha):
    wsum = np.bincount(codes, weights=w, minlength=ng)
    mu = np.bincount(codes, weights=w * y, minlength=ng) / wsum
    neg = np.bincount(codes, weights=(y < 0).astype(float), minlength=ng) > 0
    zero = np.bincount(codes, weights=(y == 0).astype(float), minlength=ng) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        r = y / mu[codes]
        if alpha == 1:
            term = np.where(r > 0, r * np.log(np.where(r > 0, r, 1)), 0.0)
        elif alpha == 0:
            term = -np.log(np.where(r > 0, r, 1))
        else:
            term = (np.where(r > 0, r, 0) ** alpha - 1) / (alpha * (alpha - 1))
        out = np.bincount(codes, weights=w * term, minlength=ng) / wsum
    bad = (mu <= 0) | neg | (zero & (alpha <= 0))
    return np.where(bad, np.nan, out)


def theil_t(income, weights=None) -> float:
    """Theil T index = GE(1) = Σ w_i (y_i/μ) ln(y_i/μ) / W (Theil 1967). See :func:`ge`."""
    return ge(income, 1, weights)


def mld(income, weights=None) -> float:
    """Mean log deviation (Theil L) = GE(0) = −Σ w_i ln(y_i/μ) / W. See :func:`ge`."""
    return ge(income, 0, weights)


def atkinson(income, epsilon: float = 0.5, weights=None) -> float:
    """Atkinson index A(ε) = 1 − y_ede / μ (Atkinson 1970, J. Econ. Theory 2).

    y_ede = [Σ w_i y_i^(1−ε) / W]^(1/(1−ε)) for ε ≠ 1, exp(Σ w_i ln y_i / W) for ε = 1.
    Unweighted it is R ``ineq::Atkinson(x, parameter=ε)``. ``nan`` when the mean is not
    positive, an income is negative, or (ε ≥ 1) an income is zero. ε must be ≥ 0.
    """
    if epsilon < 0:
        raise InequalityInputError(f"Atkinson ε 必须 ≥ 0 / epsilon must be ≥ 0, got {epsilon}")
    y, w = as_arrays(income, weights)
    mean = np.sum(w * y) / w.sum()
    if mean <= 0 or (y < 0).any() or (epsilon >= 1 and (y == 0).any()):
        return float("nan")
    r = y / mean
    if epsilon == 1:
        ede = np.exp(np.sum(w * np.log(r)) / w.sum())
    else:
        ede = (np.sum(w * r ** (1 - epsilon)) / w.sum()) ** (1 / (1 - epsilon))
    return float(1 - ede)


# --------------------------------------------------------------------------- poverty
def fgt(income, line: float, alpha: float, weights=None) -> float:
    """Foster–Greer–Thorbecke index P_α = Σ_{y_i<z} w_i ((z − y_i)/z)^α / W (Econometrica 1984).

    α = 0 headcount ratio, α = 1 poverty gap index, α = 2 squared gap (severity). Zero and
    negative incomes are allowed (a negative income has a gap above 1). Poor: y < z strictly
    (R ``ineq::Head``). ``line`` must be positive, ``alpha`` ≥ 0.

    Parameters
    ----------
    income : array-like
    line : float
        The poverty line z (> 0).
    alpha : float
        Poverty aversion (0, 1, 2 for headcount, gap, severity).
    weights : array-like, optional

    Returns
    -------
    float
        P_α: the headcount ratio (α = 0), the poverty gap index (α = 1), the severity (α = 2).

    Raises
    ------
    InequalityInputError
        ``E-LINE-NOT-POSITIVE`` and the input errors of :func:`gini`.
    """
    y, w = as_arrays(income, weights)
    return float(_fgt_grouped(y, w, np.zeros(y.size, dtype=np.int64), 1, check_line(line), alpha)[0])


def _fgt_grouped(y, w, codes, ng, z, alpha):
    if alpha < 0:
        raise InequalityInputError(f"FGT α 必须 ≥ 0 / alpha must be ≥ 0, got {alpha}")
    z = np.broadcast_to(np.asarray(z, dtype=float), y.shape)
    poor = y < z
    gap = np.where(poor, (z - y) / z, 0.0)
    term = poor.astype(float) if alpha == 0 else gap**alpha
    wsum = np.bincount(codes, weights=w, minlength=ng)
    return np.bincount(codes, weights=w * term, minlength=ng) / wsum


def watts(income, line: float, weights=None) -> float:
    """Watts index W = Σ_{y_i<z} w_i ln(z / y_i) / W (Watts 1968; R ``ineq::Watts``).

    ``nan`` when a poor observation has a zero or negative income (the log is undefined).
    """
    y, w = as_arrays(income, weights)
    z = check_line(line)
    poor = y < z
    if (y[poor] <= 0).any():
        return float("nan")
    return float(np.sum(w[poor] * np.log(z / y[poor])) / w.sum())


# --------------------------------------------------------------------------- subgroup decompositions
def fgt_by_group(income, line: float, alpha: float, groups, weights=None) -> pd.DataFrame:
    """Additive subgroup decomposition of FGT(α): P = Σ_g (W_g / W) · P_g (Foster, Greer, Thorbecke 1984).

    One row per group: ``n`` (observations), ``population_share`` W_g/W, ``fgt`` P_g,
    ``contribution_abs`` (W_g/W) P_g (they sum to the total P exactly) and ``contribution_rel``
    = contribution_abs / P (``nan`` when P = 0: no one is poor).
    """
    y, w = as_arrays(income, weights)
    z = check_line(line)
    codes, labels = group_codes(groups, y.size)
    ng = len(labels)
    p_g = _fgt_grouped(y, w, codes, ng, z, alpha)
    pop = np.bincount(codes, weights=w, minlength=ng) / w.sum()
    contrib = pop * p_g
    total = contrib.sum()
    return pd.DataFrame(
        {
            "group": labels,
            "n": np.bincount(codes, minlength=ng),
            "population_share": pop,
            "fgt": p_g,
            "contribution_abs": contrib,
            "contribution_rel": contrib / total if total > 0 else np.nan,
        }
    )


@dataclass(frozen=True)
class GroupDecomposition:
    """Within/between decomposition of an inequality index: total = within + between."""

    index: str
    total: float
    within: float
    between: float
    groups: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """One-row-per-part table: within, between, total with shares of the total."""
        parts = pd.DataFrame({"part": ["within", "between", "total"], "value": [self.within, self.between, self.total]})
        parts["share"] = parts["value"] / self.total if self.total else np.nan
        return parts


def ge_decomposition(income, groups, alpha: int = 1, weights=None) -> GroupDecomposition:
    """Exact within/between decomposition of GE(1) (Theil T) or GE(0) (MLD) by subgroup (Shorrocks 1980).

    Theil T: T = Σ_g s_g T_g + Σ_g s_g ln(μ_g / μ), s_g = income share of group g;
    MLD:     L = Σ_g p_g L_g + Σ_g p_g ln(μ / μ_g), p_g = population share of group g.
    ``groups`` table: group, n, population_share, income_share, mean, index (the group's own
    index), within_contribution (s_g T_g or p_g L_g). Undefined indices give ``nan`` (see :func:`ge`).
    """
    if alpha not in (0, 1):
        raise InequalityInputError(f"只支持 α = 0 (MLD) 或 1 (Theil T) / alpha must be 0 or 1, got {alpha}")
    y, w = as_arrays(income, weights)
    codes, labels = group_codes(groups, y.size)
    ng = len(labels)
    wsum = np.bincount(codes, weights=w, minlength=ng)
    ysum = np.bincount(codes, weights=w * y, minlength=ng)
    mu_g = ysum / wsum
    mu = ysum.sum() / wsum.sum()
    pop, inc = wsum / wsum.sum(), ysum / ysum.sum()
    idx_g = _ge_grouped(y, w, codes, ng, alpha)
    total = float(_ge_grouped(y, w, np.zeros(y.size, dtype=np.int64), 1, alpha)[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        if alpha == 1:
            within_g = inc * idx_g
            between = float(np.sum(np.where(inc > 0, inc * np.log(mu_g / mu), 0.0)))
        else:
            within_g = pop * idx_g
            between = float(np.sum(pop * np.log(mu / mu_g)))
    table = pd.DataFrame(
        {
            "group": labels,
            "n": np.bincount(codes, minlength=ng),
            "population_share": pop,
            "income_share": inc,
            "mean": mu_g,
            "index": idx_g,
            "within_contribution": within_g,
        }
    )
    if np.isnan(total):
        between = float("nan")
    return GroupDecomposition("theil_t" if alpha == 1 else "mld", total, float(within_g.sum()), between, table)


# --------------------------------------------------------------------------- grouped table
def inequality_table(
    households: pd.DataFrame, by=(), income: str = "net_income_pc", weight: str = "person", line: float | None = None
) -> pd.DataFrame:
    """Inequality and poverty indicators of ``income`` per group × year, in one vectorised pass.

    Columns: by…, year, n_households, n_persons, mean, gini, theil_t, mld, atkinson_0_5, and with
    ``line``: fgt0, fgt1, fgt2, watts. ``weight="person"`` weights each household by
    ``household_size`` (person-level distribution of per-capita income, as official statistics);
    ``"household"`` weights each household 1. Definitions as the scalar functions of this module
    (which the tests check it against); undefined values are ``nan``.

    Parameters
    ----------
    households : pandas.DataFrame
        Household-year rows with ``income`` and ``household_size``.
    by : str or sequence of str, default ()
        Grouping columns besides ``year``.
    income : str, default "net_income_pc"
    weight : {"person", "household"}, default "person"
    line : float, optional
        Poverty line for fgt0–fgt2 and watts.

    Returns
    -------
    pandas.DataFrame
        One row per group × year, the columns above.
    """
    if weight not in ("person", "household"):
        raise InequalityInputError(f"weight must be 'person' or 'household', got {weight!r}")
    keys = group_keys(by)
    missing = [c for c in (*keys, income, "household_size") if c not in households.columns]
    if missing:
        raise InequalityInputError(f"缺少列 / missing columns: {', '.join(missing)}")
    if len(households) == 0:
        raise InequalityInputError("没有农户数据(空组) / no households (empty group)", code="E-DATA-EMPTY")
    y = households[income].to_numpy(dtype=float)
    if np.isnan(y).any():
        raise InequalityInputError(
            f"{income}: {int(np.isnan(y).sum())} 个缺失值 / missing values", code="E-DATA-MISSING-VALUES"
        )
    size = households["household_size"].to_numpy(dtype=float)
    w = size if weight == "person" else np.ones_like(y)
    codes, out = group_index(households, keys)
    ng = len(out)
    out["n_households"] = np.bincount(codes, minlength=ng)
    out["n_persons"] = np.bincount(codes, weights=size, minlength=ng)
    wsum = np.bincount(codes, weights=w, minlength=ng)
    mu = np.bincount(codes, weights=w * y, minlength=ng) / wsum
    sorter = GroupSort(codes, y.size)  # covariance of y with its ranks, summed in sorted order
    cov = sorter.blocks(y, w, "mid")[1].cov_own_rank(wsum, mu)
    out["mean"] = mu
    with np.errstate(divide="ignore", invalid="ignore"):
        out["gini"] = np.where(mu > 0, 2 * cov / mu, np.nan)
    out["theil_t"] = _ge_grouped(y, w, codes, ng, 1)
    out["mld"] = _ge_grouped(y, w, codes, ng, 0)
    negative = np.bincount(codes, weights=(y < 0).astype(float), minlength=ng) > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        pw = np.bincount(codes, weights=w * np.sqrt(np.clip(y, 0, None) / mu[codes]), minlength=ng) / wsum
    out["atkinson_0_5"] = np.where((mu > 0) & ~negative, 1 - pw**2, np.nan)
    if line is not None:
        z = check_line(line)
        for a in (0, 1, 2):
            out[f"fgt{a}"] = _fgt_grouped(y, w, codes, ng, z, a)
        poor = y < z
        bad = np.bincount(codes, weights=(poor & (y <= 0)).astype(float), minlength=ng) > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(poor & (y > 0), np.log(z / np.where(y > 0, y, 1)), 0.0)
        out["watts"] = np.where(bad, np.nan, np.bincount(codes, weights=w * term, minlength=ng) / wsum)
    out["weighting"] = weight
    return out
