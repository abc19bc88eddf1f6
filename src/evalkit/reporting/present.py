"""Report-facing presentation: bilingual labels, Chinese number formatting, small-cell
suppression and readable HTML tables.

Labels, colours and report wording live in ``data/labels.csv`` (key, label_zh, label_en,
color, source); nothing here computes an indicator.

Disclosure rule (issue 6): a published count or mean over fewer than
:data:`MIN_HOUSEHOLDS` households is replaced by ``"<10"`` so that no household can be singled
out. :func:`format_table` applies it cell by cell through *gates*: each value column is
published only when the household count that gates it is at least :data:`MIN_HOUSEHOLDS`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from functools import lru_cache

import pandas as pd

from evalkit.core.config import MIN_HOUSEHOLDS
from evalkit.core.errors import EvalkitError
from evalkit.core.resources import read_reference_csv

#: Smallest number of households a published count or mean may rest on.
#: What a suppressed cell shows.
SUPPRESSED = "<10"
#: What a missing value shows.
MISSING = "—"
LANGS = ("zh", "en")


@lru_cache(maxsize=1)
def labels() -> pd.DataFrame:
    """The label table ``data/labels.csv`` indexed by key."""
    table = read_reference_csv("labels.csv")
    duplicated = table["key"][table["key"].duplicated()]
    if len(duplicated):
        raise EvalkitError(f"data/labels.csv: duplicated keys / 键重复: {', '.join(duplicated)}")
    return table.set_index("key")


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise EvalkitError(f"未知语言 / unknown language {lang!r}: use zh or en")


def t(key: str, lang: str = "zh") -> str:
    """Label of ``key`` in ``lang`` (``data/labels.csv``); unknown keys raise (no silent fallback)."""
    _check_lang(lang)
    table = labels()
    if key not in table.index:
        raise EvalkitError(f"data/labels.csv 缺少标签 / has no label for key {key!r}")
    return str(table.at[key, "label_zh" if lang == "zh" else "label_en"])


def label_or(key: str, lang: str = "zh") -> str:
    """Label of ``key`` when ``data/labels.csv`` has one, else ``key`` itself (for data values
    such as region or household-type names, which are already display text)."""
    return t(key, lang) if key in labels().index else key


def color(key: str) -> str:
    """Colour of ``key`` (income component, line, status) from ``data/labels.csv``."""
    value = str(labels().at[key, "color"]) if key in labels().index else ""
    if not value:
        raise EvalkitError(f"data/labels.csv: no colour for {key!r} / 缺少颜色")
    return value


# ---------------------------------------------------------------------------------------------
# Numbers, the Chinese way: 12,345 元; 1.23 万人; 12.3%; +1.2 个百分点.
# ---------------------------------------------------------------------------------------------


def is_missing(x) -> bool:
    """True for a value that is not there: ``None``, NaN, ``pd.NA`` or ``pd.NaT``."""
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA or x is pd.NaT


def fmt_yuan(x, lang: str = "zh", decimals: int = 0) -> str:
    """Amount in yuan: ``12,345 元`` (zh) / ``12,345 yuan`` (en)."""
    if is_missing(x):
        return MISSING
    return f"{x:,.{decimals}f} {t('yuan_unit', lang)}"


def _fmt_headcount(x, lang: str, unit_key: str) -> str:
    if is_missing(x):
        return MISSING
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
        return MISSING
    return f"{100 * x:.{decimals}f}%"


def fmt_pp(x, lang: str = "zh", decimals: int = 1) -> str:
    """Percentage points, signed: ``+1.2 个百分点`` (zh) / ``+1.2 pp`` (en)."""
    if is_missing(x):
        return MISSING
    return f"{x:+.{decimals}f} {t('pp_unit', lang)}"


def fmt_number(x, lang: str = "zh", decimals: int = 3) -> str:
    """A plain number (index, ratio, coefficient) with ``decimals`` decimals."""
    if is_missing(x):
        return MISSING
    return f"{x:,.{decimals}f}"


def fmt_int(x, lang: str = "zh") -> str:
    if is_missing(x):
        return MISSING
    return f"{int(x)}"


def fmt_text(x, lang: str = "zh") -> str:
    return MISSING if is_missing(x) else str(x)


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
# Small-cell suppression
# ---------------------------------------------------------------------------------------------


def is_small(n) -> bool:
    """True when a household count ``n`` is too small to publish (``n < 10``; missing counts too)."""
    return is_missing(n) or n < MIN_HOUSEHOLDS


def publishable(value, n):
    """``value`` when it rests on at least 10 households, else ``None`` (for results files)."""
    if is_small(n) or is_missing(value):
        return None
    return value


def complementary(counts: pd.Series, small: pd.Series) -> pd.Series:
    """Secondary suppression for rows that add up to a published total: when exactly one row is
    suppressed, the suppressed count could be recovered as total − the others, so the smallest
    other non-zero row is suppressed too. Returns the extended mask (``small`` for other cases)."""
    if int(small.sum()) != 1 or len(counts) < 2:
        return small
    others = counts.where(~small & counts.gt(0))
    if others.notna().sum() == 0:
        return small
    return small | (counts.index == others.idxmin())


def format_table(
    df: pd.DataFrame,
    columns: Mapping[str, str],
    lang: str = "zh",
    gates: Mapping[str, str | None] | None = None,
    count_column: str | None = "n_households",
    headers: Mapping[str, str] | None = None,
    adds_up: bool = False,
) -> pd.DataFrame:
    """A display table of strings: formatted, suppressed, with translated headers.

    ``columns`` maps each column to publish (in order) to its kind (``yuan``, ``pct``, ``pp``,
    ``persons``, ``households``, ``number``, ``ratio``, ``int``, ``text``). Suppression: a
    ``households`` column gates itself; every other non-``text`` column is gated by
    ``gates.get(column, count_column)``; a cell whose gating household count is below 10 shows
    ``"<10"``; a gate of ``None`` publishes the column as is. ``count_column=None`` with no gate means the
    column is not a count or mean over households (e.g. a year or a target value). Headers come from
    ``data/labels.csv`` unless given in ``headers``. ``adds_up=True`` marks rows that add up to a total
    published elsewhere (groups of a region): :func:`complementary` suppression is then applied to each gate.
    """
    gates = dict(gates or {})
    headers = dict(headers or {})
    missing = [c for c in columns if c not in df.columns] + [
        g for g in gates.values() if g is not None and g not in df.columns
    ]
    if missing:
        raise EvalkitError(f"format_table: missing columns / 缺少列 {sorted(set(missing))}")
    out = {}
    for column, kind in columns.items():
        text = df[column].map(lambda v, k=kind: format_value(v, k, lang))
        gate = column if kind == "households" else (None if kind == "text" else gates.get(column, count_column))
        if gate is not None and gate in df.columns:
            small = df[gate].map(is_small).astype(bool)
            if adds_up:
                small = complementary(df[gate].astype(float), small)
            text = text.where(~small.to_numpy(), SUPPRESSED)
        out[headers.get(column) or label_or(column, lang)] = text.to_numpy()
    return pd.DataFrame(out)


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


def table_html(table: pd.DataFrame, text_columns: int = 1) -> str:
    """An HTML table of display strings (from :func:`format_table`); the first ``text_columns``
    columns are left-aligned and wrap, the others right-aligned."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    rows = []
    for values in table.itertuples(index=False):
        cells = "".join(
            f'<td class="ek-text">{html.escape(str(v))}</td>' if i < text_columns else f"<td>{html.escape(str(v))}</td>"
            for i, v in enumerate(values)
        )
        rows.append(f"<tr>{cells}</tr>")
    return f'<table class="ek-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def notice_html(text: str, kind: str = "notice") -> str:
    """A boxed notice (``kind`` notice: red synthetic-data warning; missing: grey placeholder; note)."""
    return f'<div class="ek-{kind}">{html.escape(text)}</div>'


def _display_html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def show_css() -> None:
    """Display the report's table and notice styles (once, at the top of a report)."""
    _display_html(CSS)


def show_table(table: pd.DataFrame, text_columns: int = 1) -> None:
    _display_html(table_html(table, text_columns) if len(table) else notice_html(MISSING, "note"))


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


def watch_table(counts: pd.DataFrame, by: str, lang: str = "zh") -> pd.DataFrame:
    """Watch-list counts (:func:`evalkit.watchlist.watchlist_counts`, long, already suppressed)
    as a display table: one row per ``by`` unit (the total last), one column per flag; suppressed
    cells show ``"<10"``, with :func:`complementary` suppression among the units of each flag."""
    hidden = counts["suppressed"].astype(bool)
    units = counts[by] != counts[by].iloc[-1]  # the total row comes last for every flag
    for flag in counts["flag"].unique():  # a handful of flags: secondary suppression per column
        rows = (counts["flag"] == flag) & units
        hidden[rows] = complementary(counts.loc[rows, "n_households"].astype(float), hidden[rows])
    shown = counts.assign(
        shown=[
            SUPPRESSED if s else format_value(n, "int", lang)
            for n, s in zip(counts["n_households"], hidden, strict=False)
        ]
    )
    order = list(dict.fromkeys(counts[by]))
    table = shown.pivot(index=by, columns="label", values="shown").reindex(order)
    table = table[list(dict.fromkeys(counts["label"]))]
    return table.reset_index().rename(columns={by: label_or(by, lang)})
