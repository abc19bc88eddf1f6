"""Report-facing presentation: bilingual labels, Chinese number formatting, small-cell
suppression and readable HTML tables.

Labels, colours and report wording live in ``data/labels.csv`` (key, label_zh, label_en,
color, source); nothing here computes an indicator.

Disclosure control (the rule, its marks ``<10`` / ``×`` / ``§``, the LP audit) lives in
:mod:`evalkit.reporting.disclosure`; :func:`format_table` applies it cell by cell through
*gates*: each value column is published only when the household count that gates it is, and
:func:`table_html` puts the legend of the marks under every table that has them.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evalkit.core.config import MIN_HOUSEHOLDS  # noqa: F401  (re-exported: the default threshold)
from evalkit.core.errors import EvalkitError
from evalkit.reporting import disclosure
from evalkit.reporting.labels import (  # noqa: F401  (present's public names)
    LANGS,
    admin_position,
    area_label,
    color,
    label_or,
    labels,
    t,
    value_label,
)

#: Default primary mark, for the default threshold MIN_HOUSEHOLDS (the rule: :mod:`evalkit.reporting.disclosure`).
SUPPRESSED = disclosure.primary_mark(disclosure.Rule())
#: What a value that could not be computed shows in Chinese (:func:`missing_mark` in either language;
#: ``data/labels.csv`` key ``no_data_mark``). Not ``"<10"`` (suppressed) and not 0 (a true zero).
MISSING = "无数据"


class Unavailable(str):
    """A part of a report that could not be computed: the text is the reason (bilingual wording
    from :mod:`evalkit.core.column_uses` or the analysis); :func:`show_table` displays it as a
    grey notice where the table would have been."""


# ---------------------------------------------------------------------------------------------
# Numbers, the Chinese way: 12,345 元; 1.23 万人; 12.3%; +1.2 个百分点.
# ---------------------------------------------------------------------------------------------


def is_missing(x) -> bool:
    """True for a value that is not there: ``None``, NaN, ``pd.NA`` or ``pd.NaT``."""
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA or x is pd.NaT


def missing_mark(lang: str = "zh") -> str:
    """What a value that could not be computed shows: ``无数据`` (zh) / ``n/a`` (en)."""
    return t("no_data_mark", lang)


def fmt_yuan(x, lang: str = "zh", decimals: int = 0) -> str:
    """Amount in yuan: ``12,345 元`` (zh) / ``12,345 yuan`` (en)."""
    if is_missing(x):
        return missing_mark(lang)
    return f"{x:,.{decimals}f} {t('yuan_unit', lang)}"


def _fmt_headcount(x, lang: str, unit_key: str) -> str:
    if is_missing(x):
        return missing_mark(lang)
    unit = t(unit_key, lang)
    if lang == "zh" and abs(x) >= 10_000:
        return f"{x / 10_000:,.2f} 万{unit}"
    return f"{x:,.0f} {unit}"


def fmt_persons(x, lang: str = "zh") -> str:
    """Number of persons: ``8,512 人``, ``1.23 万人`` from 10,000 on (zh); ``12,345 persons`` (en)."""
    return _fmt_headcount(x, lang, "persons_unit")


def fmt_households(x, lang: str = "zh") -> str:
    """Number of households: ``512 户``, ``1.23 万户`` from 10,000 on (zh); ``12,345 households`` (en)."""
    return _fmt_headcount(x, lang, "households_unit")


def fmt_pct(x, lang: str = "zh", decimals: int = 1) -> str:
    """A share or rate given as a fraction: ``0.1234`` → ``12.3%``."""
    if is_missing(x):
        return missing_mark(lang)
    return f"{100 * x:.{decimals}f}%"


def fmt_pp(x, lang: str = "zh", decimals: int = 1) -> str:
    """Percentage points, signed: ``+1.2 个百分点`` (zh) / ``+1.2 pp`` (en)."""
    if is_missing(x):
        return missing_mark(lang)
    return f"{x:+.{decimals}f} {t('pp_unit', lang)}"


def fmt_number(x, lang: str = "zh", decimals: int = 3) -> str:
    """A plain number (index, ratio, coefficient) with ``decimals`` decimals."""
    if is_missing(x):
        return missing_mark(lang)
    return f"{x:,.{decimals}f}"


def fmt_int(x, lang: str = "zh") -> str:
    if is_missing(x):
        return missing_mark(lang)
    return f"{int(x)}"


def fmt_text(x, lang: str = "zh") -> str:
    """Text as given; in English, region names and household types are translated
    (:func:`evalkit.reporting.labels.value_label`)."""
    return missing_mark(lang) if is_missing(x) else str(value_label(x, lang))


def rounded_parts(parts, total: float, decimals: int = 1) -> list[float]:
    """``parts`` rounded to ``decimals`` so that they add up to ``total`` rounded the same way
    (largest-remainder rounding: every part is cut down to the grid, then the cuts with the largest
    remainders go up one step until the sum is reached). Parts that do not add up to ``total``
    (more than rounding apart) or are missing are rounded one by one."""
    values = [float(v) for v in parts]
    scale = 10**decimals
    if any(math.isnan(v) for v in values) or math.isnan(total) or abs(sum(values) - total) > 0.5 / scale:
        return [round(v, decimals) for v in values]
    floors = [math.floor(v * scale + 1e-9) for v in values]
    missing = round(total * scale) - sum(floors)
    if not 0 <= missing <= len(values):
        return [round(v, decimals) for v in values]
    by_remainder = sorted(range(len(values)), key=lambda i: floors[i] - values[i] * scale)
    for i in by_remainder[:missing]:
        floors[i] += 1
    return [f / scale for f in floors]


FORMATTERS = {
    "yuan": fmt_yuan,
    "persons": fmt_persons,
    "households": fmt_households,
    "pct": fmt_pct,
    "pp": fmt_pp,
    "number": fmt_number,
    "ratio": lambda x, lang="zh": fmt_number(x, lang, 2),
    "int": fmt_int,
    "text": fmt_text,
}


def format_value(x, kind: str, lang: str = "zh") -> str:
    """Format one value of ``kind`` (a key of :data:`FORMATTERS`)."""
    if kind not in FORMATTERS:
        raise EvalkitError(f"unknown format kind {kind!r}; use one of {sorted(FORMATTERS)}")
    return FORMATTERS[kind](x, lang)


# ---------------------------------------------------------------------------------------------
# Display tables (suppression: :mod:`evalkit.reporting.disclosure`)
# ---------------------------------------------------------------------------------------------


def table_keys(
    df: pd.DataFrame,
    columns: Mapping[str, str],
    lang: str = "zh",
    table: str | None = None,
    across: bool = True,
    row_labels: Sequence[str] = (),
) -> tuple[str, list[str]]:
    """The key of a :func:`format_table` table (``table``, else its columns; prefixed
    :data:`evalkit.reporting.disclosure.LOCAL` unless its counts add up ``across`` regions) and of
    each of its rows (its ``row_labels`` columns, default its first text cell, and its year, as
    formatted; else its position): a count's key is ``cell_key(table, row, column)``, one count
    per key. Never a note column: a row's key must be the same in every report of a batch."""
    first = list(row_labels) or [c for c, kind in columns.items() if kind == "text"][:1]
    row_columns = first + [c for c in ("year",) if c in columns and c not in first]
    rows = [
        "/".join(format_value(v, columns[c], lang) for c, v in zip(row_columns, values, strict=True))
        for values in df[row_columns].itertuples(index=False)
    ]
    if not row_columns:  # no label: the row's position
        rows = [f"#{i + 1}" for i in range(len(df))]
    return ("" if across else disclosure.LOCAL) + (table or ",".join(columns)), rows


def format_table(
    df: pd.DataFrame,
    columns: Mapping[str, str],
    lang: str = "zh",
    gates: Mapping[str, str | None] | None = None,
    count_column: str | None = "n_households",
    headers: Mapping[str, str] | None = None,
    adds_up: bool = False,
    rule: disclosure.Rule | None = None,
    at_most: Sequence[tuple[str, str]] = (),
    total_of: Mapping[str, tuple[str, float]] | None = None,
    keys: Mapping[str, tuple[Sequence[str], str]] | None = None,
    table: str | None = None,
    across: bool = True,
    record: bool = True,
    row_labels: Sequence[str] = (),
) -> pd.DataFrame:
    """A display table of strings: formatted, suppressed, with translated headers.

    ``columns`` maps each column to publish (in order) to its kind (``yuan``, ``pct``, ``pp``,
    ``persons``, ``households``, ``number``, ``ratio``, ``int``, ``text``). Suppression
    (:mod:`evalkit.reporting.disclosure`, the run's rule unless ``rule`` is given): a
    ``households`` column gates itself and shows ``<10`` where its count is under the threshold;
    every other non-``text`` column is gated by ``gates.get(column, count_column)`` and shows ``§``
    where that count is hidden; a gate of ``None`` publishes the column as is (``count_column=None``
    with no gate: the column is not a count or mean over households, e.g. a year or a target
    value). ``adds_up=True`` marks rows that add up to a total published elsewhere (groups of a
    region): complementary suppression (``×``) is then chosen for each gate by the LP audit
    (:func:`evalkit.reporting.disclosure.additive_states`). Headers come from ``data/labels.csv``
    unless given in ``headers``. ``at_most``: pairs of household columns ``(a, b)`` with ``a <= b``
    in every row (a subset of the households of ``b``), noted for the batch's joint audit
    (:func:`evalkit.reporting.disclosure.relate`). ``total_of`` (with ``adds_up``): count column →
    ``(key, true value)`` of the same population's total published elsewhere in the report (the
    key numbers' households and persons): the rows' sum is tied to it for the batch's joint audit
    (:func:`evalkit.reporting.disclosure.relate_total`), and when that total is forced hidden the
    table's total counts as hidden too. A ``persons`` column gated by a household column is
    recorded as well (hidden where its gate is, or where the batch forces it), with ``households
    <= persons`` in every row. ``keys``: household column → (its rows' keys, its total's key) where
    the column counts a population other tables publish too (:func:`evalkit.reporting.disclosure.population_key`;
    default ``cell_key(table, row, column)``): the batch's forcing of those keys, and the states
    another table of the report gave them (:func:`evalkit.reporting.disclosure.prior_states`),
    apply. ``table`` names the table's keys where two tables of a report have the same columns and
    rows (:func:`table_keys`; ``row_labels``: the columns that name a row, where the first text
    column alone does not); ``across=False`` for counts of a cohort each region defines for
    itself (never summed across a batch's reports); ``record=False`` where the caller decides the
    counts' states and records them itself. The cell states are kept in
    ``table.attrs["disclosure"]`` (a frame of the same shape: shown / primary / complementary /
    derived) for results files and audits.
    """
    gates = dict(gates or {})
    headers = dict(headers or {})
    missing = [c for c in columns if c not in df.columns] + [
        g for g in gates.values() if g is not None and g not in df.columns
    ]
    if missing:
        raise EvalkitError(f"format_table: missing columns / 缺少列 {sorted(set(missing))}")
    gate_states: dict[str, np.ndarray] = {}
    # each household count has a key shared with the same table of the other reports of a batch
    # (table: its columns; row: its first text cell and its year), so the batch can force it
    # hidden (:func:`evalkit.reporting.disclosure.force`) where another report hides it
    table_key, rows = table_keys(df, columns, lang, table, across, row_labels)

    def keys_of(column: str) -> tuple[list[str], str]:
        if keys and column in keys:
            return list(keys[column][0]), keys[column][1]
        return [disclosure.cell_key(table_key, row, column) for row in rows], disclosure.cell_key(
            table_key, disclosure.TOTAL, column
        )

    def states_of(gate: str) -> np.ndarray:
        if gate not in gate_states:
            counts = df[gate].astype(float).to_numpy()
            cells, total = keys_of(gate)
            elsewhere = (total_of or {}).get(gate)
            hidden = disclosure.is_small(np.nansum(counts), rule) or (
                elsewhere is not None and elsewhere[0] in disclosure.forced_keys()
            )
            before, published = disclosure.prior_states(cells, counts)  # another table of the report
            forced = disclosure.forced_mask(cells) | before
            if adds_up:
                gate_states[gate] = disclosure.additive_states(
                    counts, rule, total_hidden=hidden, forced=forced, fixed=published
                )
            else:
                states = disclosure.primary_states(counts, rule)
                gate_states[gate] = np.where(forced & (states == disclosure.SHOWN), disclosure.SECONDARY, states)
            if record and columns.get(gate) == "households":  # a count this table publishes
                disclosure.record(cells, counts, gate_states[gate])
                if adds_up:  # its rows add up to the total it is protected against
                    disclosure.record_sum(total, cells, counts, hidden)
                    if elsewhere is not None:  # the same population's total elsewhere in the report
                        disclosure.relate_total(total, float(np.nansum(counts)), hidden, *elsewhere, rule)
        return gate_states[gate]

    def persons_states(column: str, gate: str) -> np.ndarray:
        cells = keys_of(column)[0]
        state = disclosure.force(disclosure.gated_states(states_of(gate)), cells)
        disclosure.record(cells, df[column].astype(float), state)
        for household, person in zip(keys_of(gate)[0], cells, strict=True):  # a household has a person at least
            disclosure.relate([(household, 1.0), (person, -1.0)], "ub")
        elsewhere = (total_of or {}).get(column)
        if adds_up and elsewhere is not None:  # the rows' persons are some of the region's
            disclosure.relate([*((k, 1.0) for k in cells), (elsewhere[0], -1.0)], "ub")
        return state

    for a, b in at_most:  # keys and coefficients only: what the batch's joint audit may assume
        for small, large in zip(keys_of(a)[0], keys_of(b)[0], strict=True):
            disclosure.relate([(small, 1.0), (large, -1.0)], "ub")
    out, states = {}, {}
    for column, kind in columns.items():
        text = df[column].map(lambda v, k=kind: format_value(v, k, lang)).to_numpy()
        gate = column if kind == "households" else (None if kind == "text" else gates.get(column, count_column))
        if gate is not None and gate in df.columns and kind == "persons" and columns.get(gate) == "households":
            state = persons_states(column, gate)
        elif gate is not None and gate in df.columns:
            state = states_of(gate) if gate == column else disclosure.gated_states(states_of(gate))
        else:
            state = np.full(len(df), disclosure.SHOWN, dtype=object)
        header = headers.get(column) or label_or(column, lang)
        # a value that could not be computed shows 无数据 / n/a, never a suppression mark (issue 12, item 6)
        absent = np.array([is_missing(v) for v in df[column]], dtype=bool)
        out[header] = disclosure.apply_marks(text, np.where(absent, disclosure.SHOWN, state), rule)
        states[header] = state
    shown = pd.DataFrame(out)
    shown.attrs["disclosure"] = {k: list(v) for k, v in states.items()}
    shown.attrs["lang"] = lang
    return shown


# ---------------------------------------------------------------------------------------------
# HTML output (deterministic: no random ids, no inline scripts)
# ---------------------------------------------------------------------------------------------

CSS = """
<style>
.ek-table { border-collapse: collapse; font-size: 13px; margin: 0.4em 0 1em 0; max-width: 100%;
            table-layout: auto; }
.ek-table th { background: #eef2f6; font-weight: 600; white-space: normal; max-width: 10em;
               text-align: center; padding: 4px 6px; border-bottom: 1px solid #99a; }
.ek-table td { padding: 3px 6px; text-align: right; white-space: nowrap; border-bottom: 1px solid #dde; }
.ek-table td.ek-text { text-align: left; white-space: normal; max-width: 22em; }
.ek-notice { border: 3px solid #c00; background: #fff0f0; color: #900; font-weight: 700;
             padding: 0.6em 1em; margin: 0.6em 0; font-size: 15px; }
.ek-missing { border: 2px dashed #999; background: #f6f6f6; color: #555; padding: 0.5em 1em; margin: 0.5em 0; }
.ek-note { color: #555; font-size: 12px; }
</style>
"""


#: The language of the report being displayed (:func:`set_language`): tables that do not say
#: their own language get their legends in it.
_REPORT_LANG = {"lang": "zh"}


def set_language(lang: str) -> None:
    """Set the report's language (the report notebook does, once, at the top)."""
    if lang not in LANGS:
        raise EvalkitError(f"未知语言 / unknown language {lang!r}: use zh or en")
    _REPORT_LANG["lang"] = lang


def table_html(table: pd.DataFrame, text_columns: int = 1, lang: str | None = None) -> str:
    """An HTML table of display strings (from :func:`format_table`); the first ``text_columns``
    columns are left-aligned and wrap, the others right-aligned. When a cell carries a disclosure
    mark or "—", the legend follows the table (:func:`legend`; in ``lang``, default the table's
    own ``attrs["lang"]``, else the report's language, :func:`set_language`), after the table's
    own ``attrs["note"]`` if it has one."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    rows = []
    for values in table.itertuples(index=False):
        cells = "".join(
            f'<td class="ek-text">{html.escape(str(v))}</td>' if i < text_columns else f"<td>{html.escape(str(v))}</td>"
            for i, v in enumerate(values)
        )
        rows.append(f"<tr>{cells}</tr>")
    markup = f'<table class="ek-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    lang = lang or table.attrs.get("lang") or _REPORT_LANG["lang"]
    key = legend(table.iloc[:, text_columns:].to_numpy().ravel(), lang, table.to_numpy().ravel())
    if table.attrs.get("note"):  # a table's own note (e.g. how its figures were rounded)
        key = ("; " if lang == "en" else "；").join(k for k in (table.attrs["note"], key) if k)
    return markup + (f'<p class="ek-note ek-legend">{html.escape(key)}</p>' if key else "")


def legend(values, lang: str = "zh", every_cell=None) -> str:
    """The legend under a table: the disclosure marks among ``values`` (the value cells), then
    what 无数据 / n/a means when any cell (``every_cell``, default ``values``) shows it; "" when neither."""
    parts = [disclosure.legend(values, lang)]
    if {MISSING, missing_mark(lang)} & {str(v) for v in (values if every_cell is None else every_cell)}:
        parts.append(t("legend_missing", lang))
    return ("; " if lang == "en" else "；").join(p for p in parts if p)


def notice_html(text: str, kind: str = "notice") -> str:
    """A boxed notice (``kind`` notice: red synthetic-data warning; missing: grey placeholder; note)."""
    return f'<div class="ek-{kind}">{html.escape(text)}</div>'


def _display_html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def show_css() -> None:
    """Display the report's table and notice styles (once, at the top of a report)."""
    _display_html(CSS)


def show_table(table: pd.DataFrame | Unavailable, text_columns: int = 1, lang: str | None = None) -> None:
    """Display a table of :func:`format_table`, or the reason it could not be computed
    (:class:`Unavailable`) as a grey notice; an empty table shows 无数据 / No data."""
    if isinstance(table, Unavailable):
        _display_html(notice_html(str(table), "missing"))
        return
    empty = notice_html(t("no_rows", lang or _REPORT_LANG["lang"]), "note")
    _display_html(table_html(table, text_columns) if len(table) else empty)


def show_heading(key: str, lang: str = "zh", level: int = 2, suffix: str = "") -> None:
    from IPython.display import Markdown, display

    display(Markdown(f"{'#' * level} {t(key, lang)}{suffix}"))


def show_notice(text: str, kind: str = "notice") -> None:
    _display_html(notice_html(text, kind))


def show_title(region_name: str, year: int, lang: str = "zh") -> None:
    """The report's title line: ``信阳市 2025 年脱贫人口收入年度评估报告``."""
    from IPython.display import Markdown, display

    sep = " " if lang == "zh" else ""  # en: "Beihai City 2025: yearly income assessment ..."
    display(Markdown(f"# {region_name} {year}{sep}{t('title_suffix', lang)}"))


@dataclass
class WatchGrid:
    """The published watch-list counts: one row per unit (the total last), one column per flag
    label (any flag last), the true counts, their disclosure states and the units merged into an
    "other" row when the table could not be made safe at the unit level."""

    by: str
    units: list
    labels: list
    flags: list
    values: np.ndarray
    states: np.ndarray
    merged: list = field(default_factory=list)
    safe: bool = True
    #: flag → (label, reason) for the flags the data cannot evaluate (shown 无数据 / n/a, not counted)
    unevaluable: dict = field(default_factory=dict)

    def shown(self, lang: str = "zh", rule: disclosure.Rule | None = None) -> np.ndarray:
        text = np.array([[format_value(v, "int", lang) for v in row] for row in self.values], dtype=object)
        return disclosure.apply_marks(text.ravel(), self.states.ravel(), rule).reshape(self.values.shape)


def watch_grid(
    counts: pd.DataFrame,
    by: str,
    lang: str = "zh",
    rule: disclosure.Rule | None = None,
    fixed_rows: Mapping[str, list] | None = None,
    table: str | None = "watchlist",
) -> WatchGrid:
    """Watch-list counts (:func:`evalkit.evaluation.watchlist.watchlist_counts`, long, true counts)
    protected as one table: primary suppression, then complementary suppression audited by LP
    over the column totals (合计 row) and the any-flag column (an equality when the flags are
    disjoint, as 弥勒's are; bounds when they overlap). ``fixed_rows`` (unit → states of its cells)
    are rows published by another report of the batch — a child region's own 合计 row
    (:func:`evalkit.reporting.report.child_watch_states`) — kept as they are there
    (:func:`evalkit.reporting.disclosure.grid_states`). When no choice of cells makes the table
    safe, the units with a primary cell are merged into one "other" row (said in the note) and,
    if that is not enough either, only the total row is published.

    ``table`` (``watchlist``, ``identification``; ``None`` for a child's grid computed only for
    its states) keys the cells for the batch: the batch may force one hidden
    (:func:`evalkit.reporting.disclosure.force`), and the published grid's cells and relations
    are recorded (:func:`evalkit.reporting.disclosure.record_grid`)."""
    if "evaluable" in counts.columns:  # flags the data cannot evaluate are not counts: not in the audited grid
        off = counts[~counts["evaluable"].astype(bool)]
        unevaluable = {f: (lab, r) for f, lab, r in zip(off["flag"], off["label"], off["reason"], strict=True)}
        counts = counts[counts["evaluable"].astype(bool)]
    else:
        unevaluable = {}
    units = list(dict.fromkeys(counts[by]))
    units = sorted(units[:-1], key=admin_position) + units[-1:]  # administrative order, the total last
    flag_labels = list(dict.fromkeys(counts["label"]))
    flags = list(dict.fromkeys(counts["flag"]))
    wide = counts.pivot(index=by, columns="flag", values="n_households").reindex(index=units, columns=flags)
    values = wide.to_numpy(dtype=float)
    fixed_rows = dict(fixed_rows or {})
    preset = None
    if fixed_rows:
        preset = np.array([list(fixed_rows.get(u, [None] * len(flags))) for u in units], dtype=object)
    merged: list = []
    other = t("other_units", lang)
    any_column = bool(flags) and flags[-1] == "any_flag"
    for _ in range(3):
        keys = disclosure.grid_keys(table or "", units, flags, fixed_rows)
        forced = disclosure.forced_mask(keys.ravel()).reshape(keys.shape) if table else None
        states, safe = disclosure.grid_states(values, rule, any_column=any_column, preset=preset, forced=forced)
        if safe or len(units) <= 2:
            break
        small = [i for i in range(len(units) - 1) if (states[i] == disclosure.PRIMARY).any()]
        if preset is None and 2 <= len(small) < len(units) - 1:  # merge the small units into one row
            keep = [i for i in range(len(units) - 1) if i not in small]
            merged += [units[i] for i in small]
            values = np.vstack([values[keep], values[small].sum(axis=0), values[-1:]])
            units = [units[i] for i in keep] + [other, units[-1]]
        else:  # publish the total row only
            merged += units[:-1]
            values, units, preset = values[-1:], units[-1:], None
    if table:
        disclosure.record_grid(disclosure.grid_keys(table, units, flags, fixed_rows), values, states, any_column)
    return WatchGrid(by, units, flag_labels, flags, values, states, merged, safe, unevaluable)


def watch_table(
    counts: pd.DataFrame,
    by: str,
    lang: str = "zh",
    rule: disclosure.Rule | None = None,
    fixed_rows: Mapping[str, list] | None = None,
    table: str | None = "watchlist",
) -> pd.DataFrame:
    """Watch-list counts as a display table (:func:`watch_grid`): one row per ``by`` unit (the total
    last), one column per flag; hidden cells carry their mark (``<10`` under the threshold, ``×``
    complementary), the legend follows the table; a flag the data cannot evaluate shows
    无数据 / n/a in every row (its reason: :func:`evalkit.reporting.sections.watch_notes`)."""
    grid = watch_grid(counts, by, lang, rule, fixed_rows, table)
    out = pd.DataFrame(grid.shown(lang, rule), columns=grid.labels)
    out.insert(0, label_or(by, lang), [value_label(u, lang) for u in grid.units])
    out.attrs["disclosure"] = {label: list(grid.states[:, j]) for j, label in enumerate(grid.labels)}
    at = len(out.columns) - 1 if grid.flags and grid.flags[-1] == "any_flag" else len(out.columns)
    for label, _reason in grid.unevaluable.values():  # before the any-flag column; reason: sections.watch_notes
        out.insert(at, label, missing_mark(lang))
        at += 1
    out.attrs["lang"] = lang
    out.attrs["merged"] = list(grid.merged)
    return out
