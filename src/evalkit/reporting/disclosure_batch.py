"""Disclosure control across the reports of a batch (issue 14 item 1, issue 18 case 16): a
prefecture and its counties protected as linked tables (the τ-ARGUS "modular" approach).

A count a parent region publishes (households below a line, moving across it, matched by a rule,
newly flagged, …) is the sum of the same count over its children's reports: ``P = Σ c_i``. Each
report chooses its suppression alone, so one hidden member of such a relation is recovered from
the others (浉河区 持续在线上 25 = 95 − 37 − 33). Each report records the counts it publishes
under keys shared by the reports (:func:`evalkit.reporting.disclosure.published_cells`, in its
results JSON as ``cells``); the batch then

1. finds, per family ``{parent, children}`` and per key the parent publishes, the relations that
   give a hidden member away: exactly one member hides it, or the hidden children of a published
   parent add up to less than the threshold (:func:`exposed`);
2. forces one more member hidden (:func:`grow`; cost rule: the parent when it shows the count,
   else the child with the smallest published count) — the report then starts its tables from
   that cell hidden and chooses its own complementary cells around it
   (:func:`evalkit.reporting.disclosure.force`);
3. re-runs only the reports whose forced set grew, until no relation has a single hidden member
   (hidden sets only grow, so it converges; :data:`ROUNDS` at most).

The relations are audited one at a time from the published values (what the results files
hold); the relations inside each report are the report's own audit. The attacker of
``tests/test_disclosure_batch.py`` links both and solves the LP for every hidden cell.

A family still exposed after the last round is reported by :func:`exposed` (the batch names it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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


def exposed(
    family: Mapping[str, list[str]], cells: Mapping[str, Mapping[str, float | None]], width: float | None = None
) -> list[tuple[str, str, str]]:
    """``(parent, key, member)`` for every relation ``parent = Σ children`` that gives a hidden
    ``member`` away: exactly (it is the only member hiding ``key``) or within an interval narrower
    than ``width`` (default the rule's threshold: the parent shows ``key`` and the hidden children
    add up to less than it, so each lies in ``[0, parent − Σ shown children]``)."""
    from evalkit.reporting import disclosure

    width = float(disclosure.current_rule().threshold if width is None else width)
    out = []
    for parent, kids in family.items():
        for key in sorted(cells.get(parent, {})):
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
) -> dict[str, set[str]]:
    """The forced sets after one round: for each exposed relation one more member hides the key
    (the parent if it shows it, else the child with the smallest positive published count; a
    zero tells nothing and is never chosen). Returns every report's forced set (grown or not)."""
    out = {code: set(keys) for code, keys in forced.items()}
    for parent, key in dict.fromkeys((p, k) for p, k, _ in exposed(family, cells, width)):
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
