"""The joint audit of a family of reports (issue 14 item 1; used by
:mod:`evalkit.reporting.disclosure_batch`): one LP system over every member's published cells,
its own relations (the results JSON ``relations``: :func:`evalkit.reporting.disclosure.relate`)
and ``parent = Σ children``, audited with the LP of :mod:`evalkit.reporting.disclosure`
(τ-ARGUS / sdcTable linked tables: Hundepool et al., *Statistical Disclosure Control*, Wiley
2012, ch. 4.4–4.5; de Wolf et al., *τ-ARGUS user's manual* 4.2, "linked tables").

Formula. Cells ``x`` of the family (one per report and key); published ones fixed at their
values, hidden ones (and cells a relation names that a report does not record) free, ``x ≥ 0``;
``R_m x_m = 0`` / ``≤ 0`` for each member ``m``'s own relations; ``x_{P,k} − Σ_c x_{c,k} = 0`` for
every key ``k`` the parent ``P`` records (relaxed to ``Σ_c x_{c,k} ≤ x_{P,k}`` where the published
values contradict it). A hidden cell is *pinned* when ``max x − min x`` over that polytope is
under the threshold. The batch keeps no hidden value: the system needs only what is published.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from evalkit.reporting import disclosure


def screen(
    values: ArrayLike, hidden: ArrayLike, eq: np.ndarray | None = None, ub: np.ndarray | None = None, width: float = 0.0
) -> np.ndarray:
    """:func:`audit` for large systems: a hidden cell already seen at two values ``width`` apart
    in the solutions of other cells' LPs is safe without LPs of its own (the τ-ARGUS speed-up);
    its row is then those two values (an inner bound), every other row the exact interval."""
    from scipy.optimize import linprog

    values = np.asarray(values, dtype=float)
    hidden = np.asarray(hidden, dtype=bool)
    idx, (a_eq, b_eq), (a_ub, b_ub) = disclosure.lp_system(values, hidden, eq, ub)
    seen = np.array([np.full(len(idx), np.inf), np.full(len(idx), -np.inf)])
    out = np.zeros((len(idx), 2))

    def solve(c):
        found = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if found.status == 0:
            seen[0], seen[1] = np.minimum(seen[0], found.x), np.maximum(seen[1], found.x)
        return found

    solve(np.ones(len(idx)))
    solve(-np.ones(len(idx)))
    for k in range(len(idx)):
        if seen[1, k] - seen[0, k] >= width:
            out[k] = seen[:, k]
            continue
        c = np.zeros(len(idx))
        c[k] = 1.0
        low, high = solve(c), solve(-c)
        out[k] = (low.fun if low.status == 0 else 0.0), (-high.fun if high.status == 0 else math.inf)
    return out


def feasible(values: ArrayLike, hidden: ArrayLike, eq: np.ndarray | None = None, ub: np.ndarray | None = None) -> bool:
    """True when some non-negative hidden cells satisfy the relations with the published ones
    (``False``: the relations do not hold for the published values — an assumed one is wrong)."""
    from scipy.optimize import linprog

    values = np.asarray(values, dtype=float)
    hidden = np.asarray(hidden, dtype=bool)
    idx, (a_eq, b_eq), (a_ub, b_ub) = disclosure.lp_system(values, hidden, eq, ub)
    if not len(idx):
        return True
    found = linprog(np.zeros(len(idx)), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    return found.status != 2  # 2: infeasible


Cell = tuple[str, str]  # (report, key)


def _family_rows(parent, kids, cells, relations) -> tuple[dict[Cell, int], list[tuple[str, dict, bool]]]:
    """The cells of a family (column index) and its relations ``(kind, {column: coef}, across)``:
    ``parent − Σ children = 0`` per key the parent publishes (``across``), and each member's own."""
    index: dict[Cell, int] = {}
    rows: list[tuple[str, dict, bool]] = []
    for key in sorted(k for k in cells.get(parent, {}) if not k.startswith(disclosure.LOCAL)):
        members = [m for m in (parent, *kids) if key in cells.get(m, {})]
        if len(members) >= 2:
            row = {index.setdefault((parent, key), len(index)): 1.0}
            row |= {index.setdefault((m, key), len(index)): -1.0 for m in members[1:]}
            rows.append(("eq", row, True))
    for member in (parent, *kids):
        for relation in relations.get(member, ()):
            row = {}
            for key, coef in relation["terms"].items():
                column = index.setdefault((member, key), len(index))
                row[column] = row.get(column, 0.0) + float(coef)
            rows.append((relation["kind"], row, False))
    return index, rows


def _components(hidden: np.ndarray, rows) -> list[list[int]]:
    """Rows of the relations linked through hidden cells (one LP system each)."""
    root = list(range(len(hidden)))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    for _, row, _ in rows:
        linked = [c for c in row if hidden[c]]
        for c in linked[1:]:
            root[find(c)] = find(linked[0])
    groups: dict[int, list[int]] = {}
    for r, (_, row, _) in enumerate(rows):
        linked = [c for c in row if hidden[c]]
        if linked:
            groups.setdefault(find(linked[0]), []).append(r)
    return list(groups.values())


def _matrices(rows, chosen: list[int], columns: list[int], equal: bool):
    where = {c: j for j, c in enumerate(columns)}
    eq: list[np.ndarray] = []
    ub: list[np.ndarray] = []
    for r in chosen:
        kind, row, across = rows[r]
        dense = np.zeros(len(columns))
        for c, coef in row.items():
            dense[where[c]] = coef
        if across and not equal:
            ub.append(-dense)  # Σ children ≤ parent: the parent also covers regions not in the batch
        else:
            (eq if kind == "eq" else ub).append(dense)
    return (np.array(eq) if eq else None), (np.array(ub) if ub else None)


_AUDITED: dict[tuple, np.ndarray | None] = {}


def _audit_component(values, hidden, rows, chosen, columns, width) -> np.ndarray | None:
    """The intervals of one component's hidden cells (``None``: its published counts contradict
    even the relaxed system)."""
    for equal in (True, False):
        eq, ub = _matrices(rows, chosen, columns, equal)
        if feasible(values, hidden, eq, ub):
            break
    else:
        return None
    if width is None:
        return disclosure.audit(values, hidden, eq, ub)
    return screen(values, hidden, eq, ub, width)


def joint_intervals(
    parent: str,
    family: Mapping[str, list[str]],
    cells: Mapping[str, Mapping[str, float | None]],
    relations: Mapping[str, list[dict]],
    width: float | None = None,
) -> dict[Cell, tuple[float, float]]:
    """The feasible interval of every hidden cell of ``parent``'s family, ``(member, key) → (min,
    max)``, by :func:`evalkit.reporting.disclosure.audit` over one system: each member's published
    cells as constants, its hidden cells (and cells its relations name but it does not record) as
    unknowns ≥ 0, each member's own relations (results JSON ``relations``) and ``parent = Σ
    children`` for every key the parent publishes. Where the published values contradict
    ``parent = Σ children`` (the parent covers regions outside the batch) it is relaxed to
    ``Σ children ≤ parent``; the hidden cells of a system still inconsistent count as pinned
    (``(0, 0)``, with a warning): what cannot be audited is not published. With ``width``, a cell
    seen ``width`` apart in other cells' solutions gets that inner bound instead of its exact
    interval (:func:`screen`)."""
    import logging

    index, rows = _family_rows(parent, family[parent], cells, relations)
    published = [cells.get(member, {}).get(key) for member, key in index]
    values = np.array([0.0 if v is None else float(v) for v in published])
    hidden = np.array([v is None for v in published], dtype=bool)
    recorded = [key in cells.get(member, {}) for member, key in index]
    cell_of = list(index)
    out: dict[Cell, tuple[float, float]] = {}
    for chosen in _components(hidden, rows):
        columns = sorted({c for r in chosen for c in rows[r][1]})
        key = (
            width,
            tuple((cell_of[c], None if hidden[c] else values[c]) for c in columns),
            tuple(
                (rows[r][0], rows[r][2], tuple(sorted((cell_of[c], k) for c, k in rows[r][1].items()))) for r in chosen
            ),
        )
        if key not in _AUDITED:  # a component the batch's last rounds left as it was: not solved again
            if len(_AUDITED) > 512:
                _AUDITED.clear()
            _AUDITED[key] = _audit_component(values[columns], hidden[columns], rows, chosen, columns, width)
        intervals = _AUDITED[key]
        if intervals is None:  # fail closed: what cannot be audited counts as exposed
            logging.getLogger("evalkit").warning(
                "disclosure: %s: 已发布的数相互矛盾, 按可推算处理 / inconsistent published counts, "
                "hidden cells treated as exposed",
                parent,
            )
            intervals = np.zeros((int(hidden[columns].sum()), 2))
        for c, (lo, hi) in zip([c for c in columns if hidden[c]], intervals, strict=True):
            if recorded[c]:
                out[cell_of[c]] = (float(lo), float(hi))
    return out


def grow_joint(parent, family, cells, relations, out: dict[str, set[str]], width: float) -> None:
    """Add to ``out`` the cells ``parent``'s family must hide as well: while the joint LP pins a
    cell (the narrowest first), hide its :func:`_complement` in a trial copy of the published
    cells and audit again — the reports re-run with these cells forced only hide more, and more
    hidden cells only widen every interval, so the family is safe after the re-run."""
    trial = {member: dict(cells.get(member, {})) for member in (parent, *family[parent])}
    while True:
        intervals = joint_intervals(parent, family, trial, relations, width)
        pinned = sorted((hi - lo, cell) for cell, (lo, hi) in intervals.items() if hi - lo < width - 1e-6)
        pick = _complement(pinned[0][1], parent, family, trial, relations, out) if pinned else None
        if pick is None:
            return
        out.setdefault(pick[0], set()).add(pick[1])
        trial[pick[0]][pick[1]] = None


def _complement(pinned: Cell, parent, family, cells, relations, forced) -> Cell | None:
    """The cell to hide so that ``pinned`` is no longer pinned: the published cell with the
    smallest positive count among those sharing a relation with it (else sharing one with those,
    and so on); never a table's total (:func:`evalkit.reporting.disclosure.is_total`)."""

    index, rows = _family_rows(parent, family[parent], cells, relations)
    cell_of = list(index)
    frontier, seen = {index[pinned]}, {index[pinned]}
    while frontier:
        near = {c for _, row, _ in rows if frontier & row.keys() for c in row} - seen
        shown = [
            cell_of[c]
            for c in near
            if (cells.get(cell_of[c][0], {}).get(cell_of[c][1]) or 0) > 0
            and not disclosure.is_total(cell_of[c][1])
            and cell_of[c][1] not in forced.get(cell_of[c][0], ())
        ]
        if shown:
            return min(shown, key=lambda m: (cells[m[0]][m[1]], m))
        seen |= near
        frontier = near
    return None
