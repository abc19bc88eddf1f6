"""Disclosure control across the reports of a batch (issue 14 item 1, issue 18 case 16): a
prefecture and its counties protected as linked tables (the τ-ARGUS "modular" approach).

A count a parent region publishes (households below a line, moving across it, matched by a rule,
newly flagged, …) is the sum of the same count over its children's reports: ``P = Σ c_i``. Each
report chooses its suppression alone, so one hidden member of such a relation is recovered from
the others (浉河区 持续在线上 25 = 95 − 37 − 33). Each report records the counts it publishes
under keys shared by the reports (:func:`evalkit.reporting.disclosure.published_cells`, in its
results JSON as ``cells``) and the linear relations its tables impose among them, keys and
coefficients only (``relations``: an additive table's rows add up to its total, matched +
unmatched = eligible, …; :func:`evalkit.reporting.disclosure.relate`). The batch then

1. fast pass, each relation ``parent = Σ children`` alone (:func:`exposed_alone`): exactly one
   member hides a key, or the hidden children of a published parent add up to less than the
   threshold — one more member is forced hidden (:func:`grow`; cost rule: the parent when it
   shows the count, else the child with the smallest published count);
2. once that is clean, the joint LP of the family (Hundepool et al., *Statistical Disclosure
   Control*, 2012, ch. 4 linked tables; de Wolf, τ-ARGUS manual):
   :func:`evalkit.reporting.disclosure_joint.joint_intervals` minimises and maximises every
   hidden cell subject to every member's published values, its own relations and ``parent = Σ
   children``; while a cell is pinned to an interval narrower than the threshold, one more cell
   sharing a relation with it (smallest published count first; never a table's total) is hidden
   in a trial copy and the LP re-run (:func:`evalkit.reporting.disclosure_joint.grow_joint`);
3. the reports whose forced set grew re-run with it (the report parameter ``forced_hidden``:
   their tables start from these cells hidden and choose their own complementary cells around
   them, :func:`evalkit.reporting.disclosure.force`), at most :data:`ROUNDS` times (hidden sets
   only grow, so it converges).

The batch keeps no hidden value, in memory or on disk: the audit needs only what the results
files publish. A family still exposed after the last round (:func:`exposed`) is withheld
(:data:`EXPOSED`). ``tests/test_disclosure_batch.py`` is the attacker over the rendered reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from evalkit.reporting import disclosure
from evalkit.reporting.disclosure_joint import grow_joint, joint_intervals

#: Re-runs of the reports of a batch at most.
ROUNDS = 6
#: The error of a parent report withheld because its family stays exposed after :data:`ROUNDS`.
EXPOSED = "E-DISCLOSURE-BATCH"


def families(codes: Iterable[str], merged_away: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """Parent report → the reports of its children in this batch (a small child published inside
    its host's report counts through the host)."""
    from evalkit.core import registry

    merged_away = dict(merged_away or {})
    reports = set(codes)
    out: dict[str, list[str]] = {}
    for code in codes:
        kids = []
        for child in registry.children(registry.get_region(code)):
            report = merged_away.get(child.code, child.code)
            if report in reports and report not in kids and report != code:
                kids.append(report)
        if kids:
            out[code] = kids
    return out


def _members(parent: str, kids: list[str], cells: Mapping[str, Mapping[str, float | None]], key: str) -> list[str]:
    return [m for m in (parent, *kids) if key in cells.get(m, {})]


def _width(width: float | None) -> float:
    return float(disclosure.current_rule().threshold if width is None else width)


def exposed(
    family: Mapping[str, list[str]],
    cells: Mapping[str, Mapping[str, float | None]],
    width: float | None = None,
    relations: Mapping[str, list[dict]] | None = None,
) -> list[tuple[str, str, str]]:
    """``(parent, key, member)`` for every hidden cell of a family an attacker can pin to an
    interval narrower than ``width`` (default the rule's threshold). First, fast, each relation
    ``parent = Σ children`` alone (:func:`exposed_alone`); then, with the reports' own
    ``relations``, the joint LP of the family
    (:func:`evalkit.reporting.disclosure_joint.joint_intervals`): ``key`` is then the pinned
    cell's key in ``member``'s report."""
    width = _width(width)
    out = exposed_alone(family, cells, width)
    if relations is None:
        return out
    found = {(m, k) for _, k, m in out}
    for parent in family:
        intervals = joint_intervals(parent, family, cells, relations, width)
        pinned = [c for c, (lo, hi) in intervals.items() if hi - lo < width - 1e-6]
        out.extend((parent, key, member) for member, key in sorted(pinned) if (member, key) not in found)
    return out


def exposed_alone(
    family: Mapping[str, list[str]], cells: Mapping[str, Mapping[str, float | None]], width: float | None = None
) -> list[tuple[str, str, str]]:
    """``(parent, key, member)`` for every relation ``parent = Σ children`` that gives a hidden
    ``member`` away: exactly (it is the only member hiding ``key``) or within an interval narrower
    than ``width`` (default the rule's threshold: the parent shows ``key`` and the hidden children
    add up to less than it, so each lies in ``[0, parent − Σ shown children]``)."""
    width = _width(width)
    out = []
    for parent, kids in family.items():
        for key in sorted(k for k in cells.get(parent, {}) if not k.startswith(disclosure.LOCAL)):
            members = _members(parent, kids, cells, key)
            hidden = [m for m in members if cells[m][key] is None]
            if len(members) < 2 or not hidden:
                continue
            if len(hidden) == 1:
                out.append((parent, key, hidden[0]))
                continue
            total = cells[parent][key]
            if total is not None:
                rest = total - sum(cells[m][key] or 0.0 for m in members[1:] if m not in hidden)
                if rest < width - 1e-9:
                    out.extend((parent, key, m) for m in hidden)
    return out


def grow(
    family: Mapping[str, list[str]],
    cells: Mapping[str, Mapping[str, float | None]],
    forced: Mapping[str, Iterable[str]],
    width: float | None = None,
    relations: Mapping[str, list[dict]] | None = None,
) -> dict[str, set[str]]:
    """The forced sets after one round: for each relation ``parent = Σ children`` exposed alone
    one more member hides the key (the parent if it shows it, else the child with the smallest
    positive published count; a zero tells nothing and is never chosen); then, with the reports'
    ``relations``, for each cell the joint LP still pins, one more cell sharing a relation with
    it (:func:`evalkit.reporting.disclosure_joint.grow_joint`). Returns every report's forced set (grown or not).

    A table's total (:func:`evalkit.reporting.disclosure.is_total`: a grid's 合计 row, an additive
    table's sum) is never forced, here as in the joint pass: a region's watch-list and
    identification 合计 row is printed again in its parent's report, as the parent computes it
    without the region's forced set (:func:`evalkit.reporting.report.child_watch_states`), so a
    forced 合计 cell would stay published there (a parent hiding its 合计 cell alone among the
    members — a child outside the batch hides its row — made the smallest child hide its own).
    A total's exposure is left to the joint pass, which hides a cell related to it (never a
    total); one that only a total could end stays exposed: the family is withheld (:data:`EXPOSED`)."""
    out = {code: set(keys) for code, keys in forced.items()}
    alone = [found for found in exposed_alone(family, cells, width) if not disclosure.is_total(found[1])]
    if relations is not None and not alone:  # the joint LP once the fast pass is clean
        for parent in family:
            grow_joint(parent, family, cells, relations, out, _width(width))
    for parent, key in dict.fromkeys((p, k) for p, k, _ in alone):
        members = _members(parent, family[parent], cells, key)
        shown = [m for m in members if (cells[m][key] or 0) > 0]
        if not shown:
            continue
        pick = parent if parent in shown else min(shown, key=lambda m: (cells[m][key], m))
        out.setdefault(pick, set()).add(key)
    return out


def grown(before: Mapping[str, Iterable[str]], after: Mapping[str, Iterable[str]]) -> list[str]:
    """Reports whose forced set grew (to be re-run)."""
    return sorted(code for code, keys in after.items() if set(keys) - set(before.get(code, ())))
