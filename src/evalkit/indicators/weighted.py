"""Weighted distributions: the input checks, weighted ranks and group codes that the inequality
and poverty measures (:mod:`evalkit.indicators.inequality`) and their decompositions
(:mod:`evalkit.indicators.decomposition`) share.

* :func:`as_arrays` turns income and weights into float arrays or raises
  :class:`InequalityInputError` with a bilingual message and a code (``docs/errors.md``): no
  observations, missing values, weights of another length, missing or negative weights, all
  weights zero; :func:`check_line` refuses a poverty line that is not positive.
* :func:`weighted_midrank` is the weighted mid-rank F_i = (W_{<i} + w_i / 2) / W of the module
  docstring of :mod:`evalkit.indicators.inequality`; :class:`GroupSort` sorts several variables
  within the same groups and returns their tie blocks (:class:`Blocks`), from which every grouped
  Gini sum is a ``bincount``.
* :func:`group_codes` and :func:`group_index` number groups densely in sorted key order
  (missing keys form their own group), as ``groupby(sort=True, dropna=False)`` would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from evalkit.core.errors import EvalkitError

__all__ = [
    "SEGMENTED_SORT_MAX_GROUPS",
    "Blocks",
    "GroupSort",
    "InequalityInputError",
    "as_arrays",
    "check_line",
    "group_codes",
    "group_index",
    "group_keys",
    "weighted_midrank",
]


class InequalityInputError(EvalkitError):
    """Income or weights that no inequality or poverty measure can be computed from."""

    code = "E-INEQUALITY-INPUT"


# --------------------------------------------------------------------------- input checks
def as_arrays(income, weights=None, name: str = "income") -> tuple[np.ndarray, np.ndarray]:
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


def check_line(line: float) -> float:
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
    order, blocks = GroupSort(g, y.size).blocks(y, w, ties)
    out = np.empty(y.size)
    out[order] = blocks.ranks()
    return out


#: Above this many groups, :meth:`GroupSort.order` sorts all rows at once instead of group by group
#: (a Python loop over groups costs ~5 µs a group).
SEGMENTED_SORT_MAX_GROUPS = 20_000


class GroupSort:
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

    def blocks(self, y: np.ndarray, w: np.ndarray, ties: str) -> tuple[np.ndarray, Blocks]:
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
        return order, Blocks(start, ys[start], weight, group, rank, self.counts.size, self.n)


@dataclass(frozen=True)
class Blocks:
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


def group_keys(by, frame: pd.DataFrame | None = None) -> list[str]:
    """Grouping keys of the indicator tables: ``by`` (a column name or a list) plus ``year``
    (always included, last unless ``by`` places it). With ``frame``, raise :class:`EvalkitError`
    (``E-GROUP-COLUMNS``) naming the keys that are not its columns."""
    by = [by] if isinstance(by, str) else list(by)
    keys = by if "year" in by else [*by, "year"]
    if frame is not None:
        absent = [k for k in keys if k not in frame.columns]
        if absent:
            raise EvalkitError(f"缺少分组列 / missing grouping columns: {', '.join(absent)}", code="E-GROUP-COLUMNS")
    return keys


def group_codes(groups, n: int) -> tuple[np.ndarray, np.ndarray]:
    if groups is None:
        return np.zeros(n, dtype=np.int64), np.array(["all"], dtype=object)
    codes, labels = pd.factorize(pd.Series(np.asarray(groups)), sort=True, use_na_sentinel=False)
    if len(codes) != n:
        raise InequalityInputError(
            f"groups 长度 {len(codes)} 与收入长度 {n} 不一致 / groups length differs from income length"
        )
    return codes.astype(np.int64), np.asarray(labels, dtype=object)


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
