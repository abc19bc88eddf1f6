"""Disclosure control for every published output: the rule, its marks, and an audit by linear
programming that no suppressed cell can be worked out from what is published.

**The rule** (:class:`Rule`; default threshold :data:`evalkit.core.config.MIN_HOUSEHOLDS` = 10,
set per run by the report/batch parameter ``min_households`` and stated in the methods text):

* *primary suppression*: a household count ``0 < n < threshold`` is not published; zeros are shown
  (``suppress_zeros=True`` hides them as well). A mean, share or person count resting on a
  household count that is not published is not published either;
* *secondary (complementary) suppression*: where cells add up to a margin published anywhere
  (row and column totals, the 合计 row, the region's totals in the key numbers), further cells are
  hidden, smallest values first, until an attacker who knows every published figure, that the
  cells add up and that counts are non-negative cannot pin any hidden cell to an interval
  narrower than the threshold (:func:`audit`: for each hidden cell minimise and maximise it
  subject to everything published — the τ-ARGUS / sdcTable audit, integrality relaxed, solved
  with HiGHS through :func:`scipy.optimize.linprog`).

**The marks** tell the truth about the cell they replace:

* ``<10`` (:func:`primary_mark`, the threshold of the run): a household count under the threshold;
* ``×`` (:data:`COMPLEMENTARY`): a count hidden only so that others cannot be recovered — its
  value may well be 10 or more;
* ``§`` (:data:`DERIVED`): a mean, share or person count hidden because the household count it
  rests on is hidden (never ``<10``: a share of ``<10`` would read "under 10%").

Tables that carry a mark get a legend (:func:`legend`). Missing values keep the missing mark of
:mod:`evalkit.reporting.present`, which none of these marks collides with.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from evalkit.core.config import MIN_HOUSEHOLDS
from evalkit.core.errors import EvalkitError
from evalkit.reporting import disclosure_lp
from evalkit.reporting.disclosure_lp import audit, lp_system  # noqa: F401  (re-exported: the LP audit)

#: What a complementary (secondary) suppressed count shows.
COMPLEMENTARY = "×"
#: What a mean, share or person count over a hidden household count shows.
DERIVED = "§"

#: Cell states.
SHOWN, PRIMARY, SECONDARY, DEPENDENT = "shown", "primary", "complementary", "derived"
HIDDEN_STATES = (PRIMARY, SECONDARY, DEPENDENT)


@dataclass(frozen=True)
class Rule:
    """The disclosure rule of one run: threshold and the treatment of zeros."""

    threshold: int = MIN_HOUSEHOLDS
    suppress_zeros: bool = False

    def __post_init__(self):
        if isinstance(self.threshold, bool) or int(self.threshold) != self.threshold or self.threshold < 1:
            raise ValueError(
                f"阈值须为正整数 / the disclosure threshold must be a positive integer: {self.threshold!r}"
            )

    def is_primary(self, n) -> bool:
        """True when a household count ``n`` must not be published by itself (missing counts too)."""
        if _missing(n):
            return True
        if n == 0:
            return self.suppress_zeros
        return n < self.threshold


_CURRENT = [Rule()]


def current_rule() -> Rule:
    """The rule in force (set once per report by the notebook with :func:`set_rule`)."""
    return _CURRENT[-1]


def set_rule(rule: Rule | None = None, threshold: int | None = None, suppress_zeros: bool | None = None) -> Rule:
    """Set the rule of this process (a report notebook does so from its parameters)."""
    base = rule or Rule()
    chosen = Rule(
        threshold=int(base.threshold if threshold is None else threshold),
        suppress_zeros=bool(base.suppress_zeros if suppress_zeros is None else suppress_zeros),
    )
    _CURRENT[0] = chosen
    return chosen


@contextlib.contextmanager
def use_rule(rule: Rule):
    """Apply ``rule`` inside a ``with`` block (tests, one-off tables)."""
    _CURRENT.append(rule)
    try:
        yield rule
    finally:
        _CURRENT.pop()


def _rule(rule: Rule | None) -> Rule:
    return rule if rule is not None else current_rule()


def _missing(x) -> bool:
    return x is None or x is pd.NA or x is pd.NaT or (isinstance(x, float) and math.isnan(x))


# ---------------------------------------------------------------------------------------------
# Marks and their legend
# ---------------------------------------------------------------------------------------------


def primary_mark(rule: Rule | None = None) -> str:
    """``<10`` for the threshold of ``rule`` (the current one by default)."""
    return f"<{_rule(rule).threshold}"


def mark(state: str, rule: Rule | None = None) -> str:
    """The mark a hidden cell of ``state`` shows."""
    return {PRIMARY: primary_mark(rule), SECONDARY: COMPLEMENTARY, DEPENDENT: DERIVED}[state]


def marks(rule: Rule | None = None) -> dict[str, str]:
    return {state: mark(state, rule) for state in HIDDEN_STATES}


def _label(key: str, lang: str, rule: Rule | None) -> str:
    from evalkit.reporting.labels import t

    return t(key, lang).format(t=_rule(rule).threshold)


def legend(values: Iterable, lang: str = "zh", rule: Rule | None = None) -> str:
    """The legend of the marks that occur in ``values`` (cells of a display table); ``""`` when none does."""
    present = set(map(str, values))
    parts = [_label(f"legend_{state}", lang, rule) for state, shown in marks(rule).items() if shown in present]
    return "; ".join(parts) if lang == "en" else "；".join(parts)


def note(lang: str = "zh", rule: Rule | None = None) -> str:
    """The one-line disclosure note at the top of a report and of the index."""
    return _label("suppressed_note", lang, rule)


def methods_text(lang: str = "zh", rule: Rule | None = None) -> str:
    """The methods paragraph stating the rule and the threshold of the run."""
    text = _label("methods_disclosure", lang, rule)
    zeros = _label("methods_zeros_hidden" if _rule(rule).suppress_zeros else "methods_zeros_shown", lang, rule)
    return f"{text} {zeros}" if lang == "en" else f"{text}{zeros}"


# ---------------------------------------------------------------------------------------------
# The audit (:mod:`evalkit.reporting.disclosure_lp`) with the rule's threshold
# ---------------------------------------------------------------------------------------------


def unsafe_cells(
    values, hidden, eq=None, ub=None, rule: Rule | None = None, width: float | None = None
) -> list[tuple[int, float, float]]:
    """Hidden cells an attacker can pin to an interval narrower than ``width`` (default the
    threshold): ``[(cell, min, max)]``."""
    width = float(_rule(rule).threshold if width is None else width)
    hidden = np.asarray(hidden, dtype=bool)
    intervals = audit(values, hidden, eq, ub)
    return [
        (int(i), float(lo), float(hi))
        for i, (lo, hi) in zip(np.flatnonzero(hidden), intervals, strict=True)
        if hi - lo < width - 1e-6
    ]


def protect(values, primary, eq=None, ub=None, rule: Rule | None = None, fixed=None) -> tuple[np.ndarray, bool]:
    """Secondary suppression with the threshold of ``rule`` (:func:`evalkit.reporting.disclosure_lp.protect`):
    the hidden mask and whether it is safe (``False``: the caller publishes at a coarser level)."""
    return disclosure_lp.protect(values, primary, eq, ub, _rule(rule).threshold, fixed)


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


def primary_states(counts: Iterable, rule: Rule | None = None) -> np.ndarray:
    """``primary`` where a household count may not be published by itself, else ``shown``."""
    rule = _rule(rule)
    return np.array([PRIMARY if rule.is_primary(n) else SHOWN for n in counts], dtype=object)


def additive_states(
    counts: ArrayLike,
    rule: Rule | None = None,
    total: float | None = None,
    total_hidden: bool | None = None,
    forced: ArrayLike | None = None,
    fixed: ArrayLike | None = None,
) -> np.ndarray:
    """States of counts that add up to a total published elsewhere (``total``, default their sum:
    the region's households in the key numbers): primary, then complementary suppression until
    the audit of the parts against the total is safe. ``total_hidden`` (default: the total is
    under the threshold) says the total is not published where it is shown. ``forced`` (a mask):
    counts hidden because another report of the batch hides them (:func:`force`) or another table
    of the report does (:func:`prior_states`); ``fixed`` (a mask): counts another table of the
    report publishes, never chosen as complementary cells."""
    rule = _rule(rule)
    counts = np.asarray([np.nan if _missing(v) else v for v in np.asarray(counts, dtype=object)], dtype=float)
    states = primary_states(counts, rule)
    if forced is not None:
        states[np.asarray(forced, dtype=bool) & (states == SHOWN)] = SECONDARY
    known = ~np.isnan(counts)
    if known.sum() < len(counts) or len(counts) < 2:
        return states
    total = float(counts.sum() if total is None else total)
    values = np.append(counts, total)
    primary = np.append(
        np.isin(states, HIDDEN_STATES), rule.is_primary(total) if total_hidden is None else total_hidden
    )
    eq = np.append(-np.ones(len(counts)), 1.0)[None, :]
    fixed = np.append(np.zeros(len(counts), dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool), True)
    hidden, _ = protect(values, primary, eq, rule=rule, fixed=fixed)
    return np.where(hidden[:-1] & (states != PRIMARY), SECONDARY, states)


def grid_relations(values: np.ndarray, any_column: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """Relations of a units × flags grid whose last row is the total and (``any_column``) last
    column the any-flag count: every column adds up to its total; in every row each flag is at
    most the any-flag count and the any-flag count at most the sum of the flags — an equality in
    every row whose flags are disjoint (any = their sum there). That is decided row by row: an
    attacker may know that a unit's flagged households carry one flag each (from the rules, or
    because the unit is small), and protection against the attacker who knows more is protection
    against every weaker one (来宾市: 忻城县 reads 1 + 2 = 3 while other counties overlap; with
    that row an equality, 13 and 20 published in the 合计 row pinned its first flag to [0, 7])."""
    rows, cols = values.shape
    cell = np.arange(rows * cols).reshape(rows, cols)
    eq, ub = [], []
    for c in range(cols):
        row = np.zeros(rows * cols)
        row[cell[-1, c]] = 1.0
        row[cell[:-1, c]] = -1.0
        eq.append(row)
    if any_column and cols >= 2:
        disjoint = np.isclose(values[:, :-1].sum(axis=1), values[:, -1])
        for r in range(rows):
            total = np.zeros(rows * cols)
            total[cell[r, -1]] = 1.0
            total[cell[r, :-1]] = -1.0
            if disjoint[r]:
                eq.append(total)
                continue
            ub.append(total)
            for c in range(cols - 1):
                one = np.zeros(rows * cols)
                one[cell[r, c]] = 1.0
                one[cell[r, -1]] = -1.0
                ub.append(one)
    return np.array(eq), (np.array(ub) if ub else None)


def grid_states(
    values: np.ndarray,
    rule: Rule | None = None,
    any_column: bool = True,
    preset: np.ndarray | None = None,
    forced: np.ndarray | None = None,
) -> tuple[np.ndarray, bool]:
    """States of a units × flags count grid (last row the total, last column any flag; see
    :func:`grid_relations`) and whether it could be made safe.

    ``preset`` (same shape, ``None`` where free) fixes the states of rows published elsewhere —
    a parent report's row for a child region that has its own report shows exactly the child's
    合计 row. Such cells are never chosen as complementary cells, and a total-row cell is
    published only when every preset cell of its column is: the parent's total row then adds
    nothing to what the children's reports publish (each published total is a sum of published
    cells), so the reports of a batch cannot be combined to recover a child's hidden cell.
    ``forced`` (same shape, a mask): cells the batch forces hidden (:func:`force`; never a
    preset cell)."""
    rule = _rule(rule)
    values = np.asarray(values, dtype=float)
    states = primary_states(values.ravel(), rule).reshape(values.shape)
    if forced is not None:
        states[np.asarray(forced, dtype=bool) & (states == SHOWN)] = SECONDARY
    fixed = np.zeros(values.shape, dtype=bool)
    if preset is not None:
        fixed = np.array([[s is not None for s in row] for row in preset], dtype=bool)
        states = np.where(fixed, preset, states)
        hidden_below = np.array([[s in HIDDEN_STATES for s in row] for row in np.where(fixed, preset, SHOWN)])
        column_hidden = hidden_below[:-1].any(axis=0)
        states[-1] = np.where(column_hidden & (states[-1] == SHOWN), SECONDARY, states[-1])
        fixed[-1] |= column_hidden
    eq, ub = grid_relations(values, any_column)
    start = np.isin(states.ravel(), HIDDEN_STATES)
    hidden, safe = protect(values.ravel(), start, eq, ub, rule=rule, fixed=fixed.ravel())
    flat = states.ravel().copy()
    flat = np.where(hidden & (flat == SHOWN), SECONDARY, flat)
    return flat.reshape(values.shape), safe


def gated_states(gate_states: ArrayLike) -> np.ndarray:
    """States of cells (means, shares, persons) that rest on household counts of ``gate_states``:
    ``derived`` where the count is hidden, else ``shown``."""
    return np.array(
        [DEPENDENT if s in HIDDEN_STATES else SHOWN for s in np.asarray(gate_states, dtype=object)], dtype=object
    )


def publishable(value, n, rule: Rule | None = None):
    """``value`` when it rests on a publishable household count ``n``, else ``None`` (results files)."""
    if _rule(rule).is_primary(n) or _missing(value):
        return None
    return value


def is_small(n, rule: Rule | None = None) -> bool:
    """True when a household count ``n`` cannot be published by itself (missing counts too)."""
    return _rule(rule).is_primary(n)


def apply_marks(text: pd.Series | np.ndarray | list[str], states: ArrayLike, rule: Rule | None = None) -> np.ndarray:
    """Formatted cells with each hidden one replaced by the mark of its state."""
    return np.array(
        [
            mark(s, rule) if s in HIDDEN_STATES else v
            for v, s in zip(np.asarray(text), np.asarray(states, dtype=object), strict=True)
        ],
        dtype=object,
    )


# ---------------------------------------------------------------------------------------------
# Linked reports of a batch: cells a report must hide because another report hides them
# ---------------------------------------------------------------------------------------------
#
# A prefecture's region-level count (households below a line, moving across it, matched by a
# rule, newly flagged, …) is the sum of the same count in its counties' reports. Each report's
# suppression is chosen alone, so the batch (:mod:`evalkit.reporting.disclosure_batch`) tells a
# report which of its counts it must hide as well (the report parameter ``forced_hidden``): the
# tables start from these cells as hidden (complementary) and choose their own further cells
# around them by the cost rule. Each count a table publishes is recorded under the same key
# (:func:`published_cells`, written to the results JSON), so the batch can see which cells of the
# family are hidden where.

_FORCED: list[frozenset[str]] = [frozenset()]
_CELLS: dict[str, float | None] = {}
_SEEN: dict[str, tuple[float, bool]] = {}  # population key → (true count, hidden): this process only
_TRUE: list[dict[str, float]] = []  # in a report's run (set_forced): its counts, one per key, never published
_RELATIONS: list[dict] = []
#: The row of a key that stands for the total an additive table is protected against.
TOTAL = "Σ"
#: The first part of the key of a population several tables publish (:func:`population_key`).
POPULATION = "population"


def cell_key(*parts) -> str:
    """The key of a count cell shared by the reports of a batch (table, row, column)."""
    return " | ".join(str(p) for p in parts)


LOCAL = "local:"  #: prefix of a table of a cohort each region defines for itself (no ``P = Σ c``)


def population_key(population: str, group, count: str = "n_households") -> str:
    """The one key of a population's count wherever a report publishes it (one concept, one key):
    e.g. the households of labour group ``weak`` among the year's 脱贫/监测 households are a row of
    the group table, a header of the coverage table and the eligible households of the matching
    rule on that group (:mod:`evalkit.reporting.population_cells`). The batch forces the key, so
    every table hides it; each table records it (:func:`record`), so the batch's joint LP sees one
    cell; and a table that publishes it after another follows that one (:func:`prior_states`)."""
    return cell_key(POPULATION, population, group, count)


def prior_states(keys: Iterable[str], counts: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``(hidden, shown)`` masks of the population cells (:func:`population_key`) another table of
    this report has already recorded with the same count: hidden there — hidden here (as
    complementary, unless primary); shown there — published, so never a complementary cell here.
    The tables of one report then show a population alike whichever comes first (the report
    computes the group tables first: :func:`evalkit.reporting.sections.group_tables`)."""
    keys, counts = list(map(str, keys)), np.asarray(counts, dtype=float)
    seen = [_SEEN.get(k, (math.nan, False)) if k.startswith(f"{POPULATION} | ") else (math.nan, False) for k in keys]
    same = np.array([math.isclose(s[0], c) for s, c in zip(seen, counts, strict=True)], dtype=bool)
    hidden = same & np.array([s[1] for s in seen], dtype=bool)
    return hidden, same & ~hidden


def set_forced(keys: Iterable[str] | str = ()) -> frozenset[str]:
    """The cells this report must hide (keys of :func:`cell_key`; a JSON list as the notebook
    parameter gives them), and a fresh record of the cells it publishes (from then on, two
    different counts under one key are an error: :func:`record`)."""
    if isinstance(keys, str):
        import json

        keys = json.loads(keys) if keys.strip() else []
    _FORCED[0] = frozenset(map(str, keys))
    _CELLS.clear()
    _SEEN.clear()
    _TRUE[:] = [{}]
    _RELATIONS.clear()
    return _FORCED[0]


def forced_keys() -> frozenset[str]:
    return _FORCED[-1]


@contextlib.contextmanager
def use_forced(keys: Iterable[str]):
    """Force ``keys`` hidden inside a ``with`` block (tests, one-off tables)."""
    _FORCED.append(frozenset(keys))
    try:
        yield _FORCED[-1]
    finally:
        _FORCED.pop()


def forced_mask(keys: Iterable[str]) -> np.ndarray:
    """True for each key the batch forces hidden."""
    chosen = forced_keys()
    return np.array([k in chosen for k in keys], dtype=bool)


def force(states: ArrayLike, keys: Iterable[str]) -> np.ndarray:
    """``states`` with every shown cell of a forced key hidden as complementary."""
    states = np.asarray(states, dtype=object).copy()
    mask = forced_mask(keys)
    if len(mask):
        states[mask & (states == SHOWN)] = SECONDARY
    return states


def record(keys: Iterable[str], values: Iterable, states: Iterable[str]) -> None:
    """Note the published value (``None`` when hidden) of each keyed count cell."""
    for key, value, state in zip(keys, values, states, strict=True):
        hidden = state in HIDDEN_STATES or _missing(value)
        if key.startswith(f"{POPULATION} | ") and not _missing(value):
            _SEEN[key] = (float(value), hidden or _SEEN.get(key, (0.0, False))[1])
        if _TRUE and not _missing(value) and _TRUE[0].setdefault(key, float(value)) != float(value):
            raise EvalkitError(f"evalkit 内部错误, 请报告: 同一键下两个不同的数 / evalkit bug: 2 counts keyed {key!r}")
        if key in _CELLS and _CELLS[key] is None:
            continue  # hidden in one place: hidden
        _CELLS[key] = None if hidden else float(value)


def published_cells() -> dict[str, float | None]:
    """Every keyed count cell recorded since :func:`set_forced`: its value, ``None`` if hidden."""
    return dict(_CELLS)


def relate(terms: Iterable[tuple[str, float]], kind: str = "eq") -> None:
    """Note a relation this report's tables impose among keyed cells: ``Σ coef · cell == 0``
    (``kind="eq"``: parts and their total) or ``<= 0`` (``"ub"``). Keys and coefficients only —
    never a value — so the relations can go into the results JSON (``relations``) and the batch
    can audit a family's reports jointly (:func:`evalkit.reporting.disclosure_joint.joint_intervals`)."""
    coefs: dict[str, float] = {}
    for key, coef in terms:
        coefs[str(key)] = coefs.get(str(key), 0.0) + float(coef)
    relation = {"kind": kind, "terms": {k: c for k, c in coefs.items() if c}}
    if len(relation["terms"]) >= 2 and relation not in _RELATIONS:
        _RELATIONS.append(relation)


def record_sum(total_key: str, keys: list[str], counts: np.ndarray, total_hidden: bool) -> None:
    """Record the total an additive table is protected against (:func:`additive_states`, which
    takes it as published unless ``total_hidden``) and the relation ``total = Σ parts``."""
    if len(keys) < 2 or np.isnan(counts).any():
        return
    record([total_key], [float(counts.sum())], [PRIMARY if total_hidden else SHOWN])
    relate([(total_key, 1.0), *((k, -1.0) for k in keys)])


def relate_total(
    total_key: str, total: float, hidden: bool, other_key: str, other: float, rule: Rule | None = None
) -> None:
    """Tie a table's total (:func:`record_sum`) to the same population's total published elsewhere
    in the report (``other_key``: the key numbers' households): ``total = other`` where both are
    published (neither hidden nor under the threshold) and equal on the true values — a fact the
    published figures show anyway —, else only ``total <= other`` (the table's rows are some of
    the region's households), which holds whatever the values, so the relation recorded in the
    results JSON tells nothing about a hidden count."""
    both = not hidden and not _rule(rule).is_primary(other) and other_key not in forced_keys()
    kind = "eq" if both and math.isclose(float(total), float(other)) else "ub"
    relate([(total_key, 1.0), (other_key, -1.0)], kind)


def published_relations() -> list[dict]:
    """Every relation noted (:func:`relate`) since :func:`set_forced`."""
    return [dict(r) for r in _RELATIONS]


def is_total(key: str) -> bool:
    """True for the key of an additive table's total (:func:`record_sum`; never forced)."""
    return f" | {TOTAL} | " in key


def grid_keys(table: str, units: list, flags: list, fixed_units: Iterable = ()) -> np.ndarray:
    """The keys of a units × flags grid's cells (:func:`grid_states`; the last unit is the 合计
    row, keyed :data:`TOTAL`). A unit in ``fixed_units`` is a child region whose own report
    publishes this row as its 合计 row: keyed as a total (``table | unit | Σ | flag``), so the
    batch never forces it (:func:`is_total`) — the row is kept as the child publishes it."""
    fixed = set(map(str, fixed_units))

    def key(i: int, unit, flag) -> str:
        if i == len(units) - 1:
            return cell_key(table, TOTAL, flag)
        return cell_key(table, unit, TOTAL, flag) if str(unit) in fixed else cell_key(table, unit, flag)

    rows = [[key(i, u, f) for f in flags] for i, u in enumerate(units)]
    return np.array(rows, dtype=object).reshape(len(units), len(flags))


def record_grid(keys: np.ndarray, values: np.ndarray, states: np.ndarray, any_column: bool = True) -> None:
    """Record a protected grid's cells (:func:`record`) and its relations (:func:`relate`) for the
    batch's joint audit: every column adds up to its 合计 cell, and in every row the any-flag count
    (``any_column``) is at least each flag and at most their sum.

    Only those inequalities, never the row-by-row equality ``any = Σ flags`` that
    :func:`grid_relations` assumes where it holds on the true values: recorded in the results
    JSON, that equality would publish a fact about hidden cells (that a unit's flags do not
    overlap, hence the sum of its hidden flags). The report's own audit assumes the stronger
    attacker; the batch's joint audit sees the grid through the weaker relations."""
    keys = np.asarray(keys, dtype=object)
    rows, cols = keys.shape
    record(keys.ravel(), np.asarray(values, dtype=float).ravel(), np.asarray(states, dtype=object).ravel())
    if rows >= 2:
        for c in range(cols):
            relate([(keys[-1, c], 1.0), *((k, -1.0) for k in keys[:-1, c])])
    if any_column and cols >= 2:
        for r in range(rows):
            relate([(keys[r, -1], 1.0), *((k, -1.0) for k in keys[r, :-1])], "ub")
            for c in range(cols - 1):
                relate([(keys[r, c], 1.0), (keys[r, -1], -1.0)], "ub")
