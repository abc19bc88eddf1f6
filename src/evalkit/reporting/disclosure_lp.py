"""The LP audit of disclosure control (:mod:`evalkit.reporting.disclosure`, which re-exports it and
supplies the rule's threshold): what can an attacker who knows every published figure infer about
a hidden cell? For each hidden cell, minimise and maximise it subject to the published cells and
the relations among the cells (the τ-ARGUS / sdcTable audit, integrality relaxed, HiGHS through
:func:`scipy.optimize.linprog`); secondary suppression (:func:`protect`) hides further cells by the
cost rule until every interval is at least the threshold wide."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike


def lp_system(values, hidden, eq, ub):
    """The LP of an attacker: hidden cells as variables, published ones substituted (the indices
    of the hidden cells, ``(A_eq, b_eq)`` and ``(A_ub, b_ub)`` over them)."""
    n = len(values)
    idx = np.flatnonzero(hidden)
    known = np.where(hidden, 0.0, values)

    def split(matrix):
        if matrix is None or len(matrix) == 0:
            return None, None
        matrix = np.asarray(matrix, dtype=float).reshape(-1, n)
        rows = np.abs(matrix[:, idx]).sum(axis=1) > 0
        if not rows.any():
            return None, None
        return matrix[rows][:, idx], -(matrix[rows] @ known)

    return idx, split(eq), split(ub)


def interval(k: int, size: int, eq_part, ub_part) -> tuple[float, float]:
    from scipy.optimize import linprog

    c = np.zeros(size)
    c[k] = 1.0
    (a_eq, b_eq), (a_ub, b_ub) = eq_part, ub_part
    low = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    high = linprog(-c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    return (low.fun if low.status == 0 else 0.0), (-high.fun if high.status == 0 else math.inf)  # 3: unbounded


def audit(
    values: ArrayLike,
    hidden: ArrayLike,
    eq: np.ndarray | None = None,
    ub: np.ndarray | None = None,
) -> np.ndarray:
    """Feasible interval ``[min, max]`` of every hidden cell (rows in the order of the hidden cells).

    The cells ``x`` satisfy the homogeneous relations ``eq @ x == 0`` and ``ub @ x <= 0`` (a total
    minus its parts is zero; a flag is at most the any-flag count); published cells are fixed at
    their ``values``, hidden cells are free and non-negative (integrality relaxed). ``max`` is
    ``inf`` when nothing bounds the cell."""
    values = np.asarray(values, dtype=float)
    hidden = np.asarray(hidden, dtype=bool)
    idx, eq_part, ub_part = lp_system(values, hidden, eq, ub)
    return np.array([interval(k, len(idx), eq_part, ub_part) for k in range(len(idx))]).reshape(-1, 2)


def related(matrices, cell: int) -> np.ndarray:
    """Cells that share a relation with ``cell``."""
    related = np.zeros(matrices[0].shape[1], dtype=bool) if matrices else np.zeros(0, dtype=bool)
    for matrix in matrices:
        rows = matrix[:, cell] != 0
        related |= (matrix[rows] != 0).any(axis=0)
    return related


def singleton(eq: np.ndarray | None, hidden: np.ndarray) -> tuple[int, np.ndarray] | None:
    """A relation with exactly one hidden cell (that cell is recovered exactly, no LP needed)."""
    if eq is None or len(eq) == 0:
        return None
    involved = eq != 0
    counts = (involved & hidden).sum(axis=1)
    for row in np.flatnonzero(counts == 1):
        cell = int(np.flatnonzero(involved[row] & hidden)[0])
        return cell, involved[row]
    return None


def first_unsafe(values, hidden, verified, eq, ub, width: float) -> int | None:
    """The first hidden cell (not yet verified) whose interval is narrower than ``width``; marks
    the safe ones it passes as verified."""
    idx, eq_part, ub_part = lp_system(values, hidden, eq, ub)
    for k, cell in enumerate(idx):
        if verified[cell]:
            continue
        low, high = interval(k, len(idx), eq_part, ub_part)
        if high - low < width - 1e-6:
            return int(cell)
        verified[cell] = True
    return None


def protect(
    values: ArrayLike,
    primary: ArrayLike,
    eq: np.ndarray | None = None,
    ub: np.ndarray | None = None,
    threshold: float = 10,
    fixed: ArrayLike | None = None,
) -> tuple[np.ndarray, bool]:
    """Secondary suppression: starting from the ``primary`` cells, hide further cells (cost rule:
    the smallest value first among the cells that share a relation with an unsafe cell; zeros and
    ``fixed`` cells — published elsewhere — are never chosen) and re-audit until every hidden
    cell's interval is at least ``threshold`` wide. Returns the hidden mask and whether it is safe
    (``False`` when no cell is left to hide: the caller publishes at a coarser level)."""
    values = np.asarray(values, dtype=float)
    n = len(values)
    hidden = np.asarray(primary, dtype=bool).copy()
    fixed = np.zeros(n, dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    eq = None if eq is None or len(eq) == 0 else np.asarray(eq, dtype=float).reshape(-1, n)
    ub = None if ub is None or len(ub) == 0 else np.asarray(ub, dtype=float).reshape(-1, n)
    matrices = [m for m in (eq, ub) if m is not None]
    order = np.lexsort((np.arange(n), values))  # cost rule: smallest first, then table order
    # hiding more cells only widens every interval: a cell found safe stays safe
    verified = np.zeros(n, dtype=bool)
    while hidden.any():
        candidates = ~hidden & ~fixed & (values > 0)
        single = singleton(eq, hidden)
        if single is not None:
            pool = candidates & single[1]
        else:
            unsafe = first_unsafe(values, hidden, verified, eq, ub, threshold)
            if unsafe is None:
                return hidden, True
            pool = candidates & related(matrices, unsafe)
        if not pool.any():
            pool = candidates
        if not pool.any():
            return hidden, False
        hidden[next(i for i in order if pool[i])] = True
    return hidden, True
