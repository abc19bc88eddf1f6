"""Inequality and poverty measures, weighted, with subgroup and source decompositions.

Conventions (the same for every function here):

* ``income`` and ``weights`` are array-likes of equal length (``weights=None`` means 1 each;
  for person-weighted figures pass per-capita income with household size as the weight).
* Malformed input raises :class:`InequalityInputError` (an :class:`~evalkit.errors.EvalkitError`)
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
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from math import factorial
from typing import Literal

import numpy as np
import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.schema import COMPONENTS, INCOME_COLUMNS, PER_CAPITA_DIVISOR, add_income_account, income_signs

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
    "datt_ravallion",
    "shapley_values",
    "shapley_by_component",
]


class InequalityInputError(EvalkitError):
    """Income or weights that no inequality or poverty measure can be computed from."""

    code = "E-INEQUALITY-INPUT"


# --------------------------------------------------------------------------- input checks
def _as_arrays(income, weights=None, name: str = "income") -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(income, dtype=float).ravel()
    if y.size == 0:
        raise InequalityInputError(f"{name}: 没有观测值(空组) / no observations (empty group)", code="E-DATA-EMPTY")
    n_missing = int(np.isnan(y).sum())
    if n_missing:
        raise InequalityInputError(
            f"{name}: {n_missing} 个缺失值 / {n_missing} missing values; "
            "请先处理缺失收入 / handle missing incomes first",
            code="E-DATA-MISSING-VALUES",
        )
    if weights is None:
        return y, np.ones_like(y)
    w = np.asarray(weights, dtype=float).ravel()
    if w.shape != y.shape:
        raise InequalityInputError(
            f"权重长度 {w.size} 与 {name} 长度 {y.size} 不一致 / "
            f"weights length {w.size} differs from {name} length {y.size}",
            code="E-WEIGHTS-LENGTH",
        )
    if np.isnan(w).any() or (w < 0).any():
        raise InequalityInputError(
            "权重有缺失或负值 / weights contain missing or negative values", code="E-WEIGHTS-INVALID"
        )
    if w.sum() <= 0:
        raise InequalityInputError("权重全为零 / all weights are zero", code="E-WEIGHTS-ZERO")
    return y, w


def _check_line(line: float) -> float:
    z = float(line)
    if not np.isfinite(z) or z <= 0:
        raise InequalityInputError(
            f"贫困线必须为正数, 得到 {line!r} / the poverty line must be positive, got {line!r}",
            code="E-LINE-NOT-POSITIVE",
        )
    return z


# --------------------------------------------------------------------------- ranks
def weighted_midrank(values, weights=None, groups=None, ties: str = "mid") -> np.ndarray:
    """Weighted fractional rank F_i in (0, 1) of each value within its group.

    F_i = (W_{<i} + w_i / 2) / W_g with W_g the group's total weight. ``ties="mid"``: tied values
    share their block's mid-rank (W_{<block} + W_block / 2) / W_g; ``ties="stable"``: tied values
    are ranked in data order. Vectorised: an argsort by value, a stable radix sort by group,
    cumulative sums and ``bincount`` (no loop over observations).
    """
    y = np.asarray(values, dtype=float).ravel()
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float).ravel()
    g = None if groups is None else np.asarray(groups, dtype=np.int64).ravel()
    order, blocks = _GroupSort(g, y.size).blocks(y, w, ties)
    out = np.empty(y.size)
    out[order] = blocks.ranks()
    return out


#: Above this many groups, :meth:`_GroupSort.order` sorts all rows at once instead of group by group
#: (a Python loop over groups costs ~5 µs a group).
SEGMENTED_SORT_MAX_GROUPS = 20_000


class _GroupSort:
    """Sorting of several variables within the same groups (dense codes 0..G−1), sharing what does
    not depend on the variable: group sizes and boundaries, compact codes and the rows in group
    order. :meth:`blocks` sorts one variable and returns its *tie blocks* (runs of equal
    values within a group, single observations with ``ties="stable"``): every sum the Gini needs
    is a sum over blocks, since value and mid-rank are constant within a block."""

    def __init__(self, codes: np.ndarray | None, n: int):
        self.n = n
        if codes is None:
            self.codes, self.counts = None, np.array([n])
        else:
            gmax = int(codes.max(initial=0))
            small = np.int16 if gmax < 2**15 else np.int32 if gmax < 2**31 else np.int64
            self.codes = codes.astype(small)
            self.counts = np.bincount(codes, minlength=gmax + 1)
        self.starts = np.cumsum(self.counts) - self.counts
        self.nonempty = self.counts > 0
        self._by_group: np.ndarray | None = None

    def order(self, y: np.ndarray, ties: str) -> np.ndarray:
        """Row order by group, then value (ties in data order when ``ties="stable"``), as
        ``np.lexsort((y, groups))`` but much faster. Up to :data:`SEGMENTED_SORT_MAX_GROUPS`
        groups: the rows in group order (one stable radix sort of the compact codes, shared by
        every variable), then each group's slice sorted on its own (small sorts stay in cache:
        ~2× faster than one sort of all rows). More groups: one sort by value, then a stable
        radix sort by group."""
        kind: Literal["stable", "quicksort"] = "stable" if ties == "stable" else "quicksort"
        if self.codes is None:
            return np.argsort(y, kind=kind)
        if self.counts.size > SEGMENTED_SORT_MAX_GROUPS:
            order = np.argsort(y, kind=kind)
            return order[np.argsort(self.codes[order], kind="stable")]
        if self._by_group is None:
            self._by_group = np.argsort(self.codes, kind="stable")
        by_group = self._by_group
        grouped = y[by_group]
        local = np.empty(self.n, dtype=np.intp)
        for start, count in zip(self.starts[self.nonempty].tolist(), self.counts[self.nonempty].tolist(), strict=False):
            part = local[start : start + count]
            part[:] = np.argsort(grouped[start : start + count], kind=kind)
            part += start
        return by_group[local]

    def blocks(self, y: np.ndarray, w: np.ndarray, ties: str) -> tuple[np.ndarray, _Blocks]:
        """Within-group order of ``y`` (group, then value) and its tie blocks with mid-ranks."""
        if ties not in ("mid", "stable"):
            raise InequalityInputError(f"ties must be 'mid' or 'stable', got {ties!r}")
        order = self.order(y, ties)
        ys, ws = y[order], w[order]
        new_block = np.ones(self.n, dtype=bool)
        if ties == "mid":
            np.not_equal(ys[1:], ys[:-1], out=new_block[1:])
            new_block[self.starts[self.nonempty]] = True
        start = np.flatnonzero(new_block)
        first_block = np.searchsorted(start, self.starts[self.nonempty])  # each group's first block
        group = np.repeat(np.flatnonzero(self.nonempty), np.diff(np.append(first_block, start.size)))
        weight = np.add.reduceat(ws, start) if self.n else ws
        group_w = np.bincount(group, weights=weight, minlength=self.counts.size)
        cum = np.cumsum(weight)
        offset = np.concatenate(([0.0], np.cumsum(group_w)[:-1]))  # weight of the groups before
        rank = (cum - weight / 2 - offset[group]) / group_w[group]  # (W_<block + W_block / 2) / W_g
        return order, _Blocks(start, ys[start], weight, group, rank, self.counts.size, self.n)


@dataclass(frozen=True)
class _Blocks:
    start: np.ndarray  # position of each block's first observation in sorted order
    value: np.ndarray  # the (common) value of the block
    weight: np.ndarray  # W_block
    group: np.ndarray  # group code of the block
    rank: np.ndarray  # mid-rank (W_<block + W_block / 2) / W_g of the block's observations
    n_groups: int
    n: int

    def sum(self, per_obs: np.ndarray) -> np.ndarray:
        """Per-group Σ w_i · a_i for a quantity a constant within blocks (given per block)."""
        return np.bincount(self.group, weights=self.weight * per_obs, minlength=self.n_groups)

    def cov_own_rank(self, wsum: np.ndarray, mean: np.ndarray) -> np.ndarray:
        """Per-group weighted covariance of the value and its own mid-rank, cov_w(y, F(y))."""
        return self.sum(self.value * self.rank) / wsum - mean * (self.sum(self.rank) / wsum)

    def ranks(self) -> np.ndarray:
        """The mid-rank of every observation, in sorted order."""
        return np.repeat(self.rank, np.diff(np.append(self.start, self.n)))


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
    """
    y, w = _as_arrays(income, weights)
    mean = np.sum(w * y) / w.sum()
    if mean <= 0:
        return float("nan")
    rank = weighted_midrank(y, w, ties=ties)
    return float(2 * _cov_with_rank(y, rank, w) / mean)


def concentration(income, rank_by, weights=None, ties: str = "mid") -> float:
    """Concentration index of ``income`` ranked by ``rank_by``: C = 2 · cov_w(x, F(rank_by)) / μ_x.

    Lerman & Yitzhaki (1985). ``nan`` when the mean of ``income`` is zero.
    """
    x, w = _as_arrays(income, weights)
    r, _ = _as_arrays(rank_by, weights, name="rank_by")
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
    _, w = _as_arrays(total, weights)
    codes, labels = _codes(groups, len(total))
    ng = len(labels)
    wsum = np.bincount(codes, weights=w, minlength=ng)

    def wmean(v):
        return np.bincount(codes, weights=w * v, minlength=ng) / wsum

    # one group index shared by all variables; a variable's covariance with its own ranks is summed
    # over its tie blocks (no scatter back); the total's ranks are put back in row order once and
    # serve every source's concentration coefficient
    sorter = _GroupSort(codes, len(total))
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


def _codes(groups, n: int) -> tuple[np.ndarray, np.ndarray]:
    if groups is None:
        return np.zeros(n, dtype=np.int64), np.array(["all"], dtype=object)
    codes, labels = pd.factorize(pd.Series(np.asarray(groups)), sort=True, use_na_sentinel=False)
    if len(codes) != n:
        raise InequalityInputError(
            f"groups 长度 {len(codes)} 与收入长度 {n} 不一致 / groups length differs from income length"
        )
    return codes.astype(np.int64), np.asarray(labels, dtype=object)


# --------------------------------------------------------------------------- entropy family
def ge(income, alpha: float, weights=None) -> float:
    """Generalised entropy index GE(α), weighted (Shorrocks 1980, Econometrica 48(3)).

    GE(α) = [Σ w_i ((y_i/μ)^α − 1) / W] / (α(α − 1)) for α ∉ {0, 1};
    GE(1) = Σ w_i (y_i/μ) ln(y_i/μ) / W (Theil T; 0·ln 0 = 0);
    GE(0) = −Σ w_i ln(y_i/μ) / W (mean log deviation).
    Unweighted, these are R ``ineq::entropy(x, parameter=α)``. ``nan`` when the mean is not
    positive, when an income is negative, or (α ≤ 0) when an income is zero.
    """
    y, w = _as_arrays(income, weights)
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
    y, w = _as_arrays(income, weights)
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
    """
    y, w = _as_arrays(income, weights)
    return float(_fgt_grouped(y, w, np.zeros(y.size, dtype=np.int64), 1, _check_line(line), alpha)[0])


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
    y, w = _as_arrays(income, weights)
    z = _check_line(line)
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
    y, w = _as_arrays(income, weights)
    z = _check_line(line)
    codes, labels = _codes(groups, y.size)
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
    y, w = _as_arrays(income, weights)
    codes, labels = _codes(groups, y.size)
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
    """
    if weight not in ("person", "household"):
        raise InequalityInputError(f"weight must be 'person' or 'household', got {weight!r}")
    keys = _keys(by)
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
    sorter = _GroupSort(codes, y.size)  # covariance of y with its ranks, summed in sorted order
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
        z = _check_line(line)
        for a in (0, 1, 2):
            out[f"fgt{a}"] = _fgt_grouped(y, w, codes, ng, z, a)
        poor = y < z
        bad = np.bincount(codes, weights=(poor & (y <= 0)).astype(float), minlength=ng) > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(poor & (y > 0), np.log(z / np.where(y > 0, y, 1)), 0.0)
        out["watts"] = np.where(bad, np.nan, np.bincount(codes, weights=w * term, minlength=ng) / wsum)
    out["weighting"] = weight
    return out


def group_index(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Dense group code (0..G−1) of each row of ``frame`` by ``keys`` and the table of group labels.

    Groups are numbered in sorted key order (missing keys form their own group, last), as
    ``frame.groupby(keys, sort=True, dropna=False, observed=True)`` would; built from one
    ``pd.factorize`` per key, which is much faster than ``GroupBy.ngroup`` on millions of rows.
    """
    parts = [pd.factorize(frame[k], sort=True, use_na_sentinel=False) for k in keys]
    sizes = [max(len(u), 1) for _, u in parts]
    combined = (
        np.ravel_multi_index([c.astype(np.int64) for c, _ in parts], sizes) if parts else np.zeros(len(frame), np.int64)
    )
    if int(np.prod(sizes, dtype=float)) <= 4 * len(frame) + 1_000_000:
        present = np.bincount(combined, minlength=int(np.prod(sizes))) > 0
        codes = (np.cumsum(present) - 1)[combined]
        used = np.flatnonzero(present)
    else:
        used, codes = np.unique(combined, return_inverse=True)
    decoded = np.unravel_index(used, sizes)
    labels = pd.DataFrame({k: u.take(decoded[i]) for i, (k, (_, u)) in enumerate(zip(keys, parts, strict=False))})
    return codes.astype(np.int64), labels


def _keys(by) -> list[str]:
    by = [by] if isinstance(by, str) else list(by)
    return [*by, "year"] if "year" not in by else by


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
    """
    y0, w0 = _as_arrays(income0, weights0, name="income0")
    y1, w1 = _as_arrays(income1, weights1, name="income1")
    z = _check_line(line)
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
