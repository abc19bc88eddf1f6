"""Report charts (seaborn/matplotlib) with Chinese labels and one colour per income component.

* Fonts: WenQuanYi Micro Hei (Debian ``fonts-wqy-microhei``, installed by
  ``scripts/system-deps.sh``) carries the Chinese glyphs; :func:`setup` refuses to run without
  a CJK font rather than draw empty boxes.
* Colours: ``data/labels.csv`` (column ``color``) — wage, net operating, property, transfer,
  the comparison series and the scorecard statuses keep the same colour in every chart.
* Determinism: figures are written as SVG with text as paths, a fixed ``svg.hashsalt`` and no
  date, so the same data give byte-identical reports.

Every chart function takes a tidy table and returns a :class:`matplotlib.figure.Figure`;
:func:`show` displays it inline as SVG. Figures are built without pyplot, so importing this
module never changes a notebook's matplotlib backend.
"""

from __future__ import annotations

import io

import matplotlib
import matplotlib.ticker
import pandas as pd
import seaborn as sns
from matplotlib import font_manager
from matplotlib.figure import Figure

from evalkit.core.errors import EvalkitError
from evalkit.reporting.present import color, fmt_pct, t, value_label

#: Fonts tried in order for Chinese text; the first installed one is used.
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC")
#: Income components drawn in the structure and contribution charts, in report order.
COMPONENTS = ("wage", "net_operating", "property", "transfer")
HASH_SALT = "evalkit"


def _installed_cjk() -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _fontconfig_cjk_files() -> list[str]:
    """Font files fontconfig knows for Chinese (``fc-list :lang=zh file``); empty without fontconfig."""
    import shutil
    import subprocess

    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    try:
        out = subprocess.run([fc_list, ":lang=zh", "file"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return []
    files = (line.strip().rstrip(":").strip() for line in out.stdout.splitlines())
    return sorted({f for f in files if f})


def _refresh_fonts() -> None:
    """Make a CJK font installed after matplotlib built its font cache visible, without deleting
    the cache: register the files fontconfig finds for Chinese, and if none of them is one of
    :data:`CJK_FONTS`, rebuild the font list once (which also rewrites matplotlib's cache)."""
    for path in _fontconfig_cjk_files():
        try:
            font_manager.fontManager.addfont(path)
        except (OSError, RuntimeError, ValueError):
            continue
    if _installed_cjk() is None:
        rebuilt = font_manager._load_fontmanager(try_read_cache=False)  # type: ignore[attr-defined]
        font_manager.fontManager.ttflist = rebuilt.ttflist
        font_manager.fontManager.afmlist = rebuilt.afmlist
        font_manager.fontManager._findfont_cached.cache_clear()  # type: ignore[attr-defined]


def cjk_font() -> str:
    """Name of the installed CJK font charts use; raises with the install hint when none is.

    When matplotlib's font cache predates the font (installed after matplotlib first ran), the
    font list is refreshed once (:func:`_refresh_fonts`) before giving up."""
    name = _installed_cjk()
    if name is None:
        _refresh_fonts()
        name = _installed_cjk()
    if name is not None:
        return name
    raise EvalkitError(
        "没有中文字体, 图表中文会显示为方框; 请运行 scripts/system-deps.sh (fonts-wqy-microhei) / "
        "no CJK font installed, Chinese chart labels would not render: run scripts/system-deps.sh"
    )


def setup() -> None:
    """Seaborn theme, CJK font first (DejaVu Sans as fallback for Latin), deterministic SVG."""
    font = cjk_font()
    sns.set_theme(style="whitegrid", context="notebook")
    matplotlib.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [font, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "svg.hashsalt": HASH_SALT,
            "svg.fonttype": "path",
            "figure.figsize": (7.5, 3.6),
            "figure.dpi": 96,
            "axes.titlesize": 12,
            "axes.labelsize": 10,
            "legend.fontsize": 9,
        }
    )


def component_palette(keys=COMPONENTS) -> dict[str, str]:
    """Colour of each income component (``data/labels.csv``)."""
    return {k: color(k) for k in keys}


def _figure(size: tuple[float, float] | None = None) -> Figure:
    setup()
    return Figure(figsize=size or matplotlib.rcParams["figure.figsize"], dpi=matplotlib.rcParams["figure.dpi"])


def to_svg(fig: Figure) -> str:
    """The figure as deterministic SVG text (no date, fixed ids)."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def describe(fig: Figure) -> str:
    """Alternative text of a chart for the HTML report: its title, else its series (legend) and
    axis labels, e.g. ``工资性收入, 经营净收入, 财产性收入, 转移性收入 (元 / 年度)``."""
    ax = fig.axes[0]
    if ax.get_title():
        return ax.get_title()
    legend = ax.get_legend()
    series = ", ".join(text.get_text() for text in legend.get_texts()) if legend else ""
    axes = " / ".join(x for x in (ax.get_ylabel(), ax.get_xlabel()) if x)
    return f"{series} ({axes})" if series else axes


def show(fig: Figure, alt: str | None = None) -> None:
    """Display ``fig`` inline as an SVG image with alternative text (``alt`` or :func:`describe`)
    — an ``<img>`` element, since nbconvert's templates drop the alt text of SVG outputs."""
    import base64
    import html

    from IPython.display import HTML, display

    data = base64.b64encode(to_svg(fig).encode("utf-8")).decode("ascii")
    text = html.escape(alt or describe(fig), quote=True)
    display(HTML(f'<img alt="{text}" src="data:image/svg+xml;base64,{data}">'))


def _years_axis(ax, years) -> None:
    ax.set_xticks(sorted(years))
    ax.set_xticklabels([str(int(y)) for y in sorted(years)])


def income_trend(indicators: pd.DataFrame, lang: str = "zh", rural: pd.DataFrame | None = None) -> Figure:
    """Per-capita net income by year (``indicators``: year, net_income_pc), with the rural
    residents' disposable income (``rural``: year, rural_income) when given."""
    fig = _figure()
    ax = fig.subplots()
    ax.plot(
        indicators["year"],
        indicators["net_income_pc"],
        marker="o",
        color=color("net_income_pc"),
        label=t("net_income_pc", lang),
    )
    if rural is not None and rural["rural_income"].notna().any():
        ax.plot(
            rural["year"],
            rural["rural_income"],
            marker="s",
            linestyle="--",
            color=color("rural_income"),
            label=t("rural_income", lang),
        )
    _years_axis(ax, indicators["year"])
    ax.set_xlabel(t("year", lang))
    ax.set_ylabel(t("yuan_unit", lang) if lang == "zh" else "yuan per person")
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.legend(loc="upper left")
    return fig


def structure(indicators: pd.DataFrame, lang: str = "zh") -> Figure:
    """Stacked bars of per-capita income by component and year (columns ``<component>_pc``).

    Negative net operating income (possible in bad years) is drawn below zero."""
    fig = _figure()
    ax = fig.subplots()
    years = indicators["year"].to_numpy()
    positive = pd.Series(0.0, index=range(len(years)))
    negative = pd.Series(0.0, index=range(len(years)))
    for comp in COMPONENTS:
        values = indicators[f"{comp}_pc"].fillna(0).reset_index(drop=True)
        base = positive.where(values >= 0, negative)
        ax.bar(years, values, bottom=base, color=color(comp), label=t(comp, lang), width=0.65)
        positive = positive + values.clip(lower=0)
        negative = negative + values.clip(upper=0)
    _years_axis(ax, years)
    ax.set_xlabel(t("year", lang))
    ax.set_ylabel(t("yuan_unit", lang) if lang == "zh" else "yuan per person")
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.legend(loc="upper left", ncols=2)
    return fig


def contributions(growth: pd.DataFrame, lang: str = "zh") -> Figure:
    """Each component's contribution to per-capita income growth, in percentage points
    (``growth``: year, contrib_<component>_pp for wage, operating_income, operating_expenses,
    property, transfer; one bar group per year)."""
    keys = [
        k
        for k in ("wage", "operating_income", "operating_expenses", "property", "transfer")
        if f"contrib_{k}_pp" in growth.columns
    ]
    long = growth.melt(
        id_vars="year", value_vars=[f"contrib_{k}_pp" for k in keys], var_name="component", value_name="pp"
    )
    long["component"] = long["component"].str.removeprefix("contrib_").str.removesuffix("_pp")
    long["label"] = long["component"].map(lambda k: t(k, lang))
    fig = _figure()
    ax = fig.subplots()
    sns.barplot(
        data=long,
        x="year",
        y="pp",
        hue="label",
        ax=ax,
        errorbar=None,
        palette={t(k, lang): color(k) for k in keys},
        hue_order=[t(k, lang) for k in keys],
    )
    ax.axhline(0, color="#333", linewidth=0.8)
    ax.set_xlabel(t("year", lang))
    ax.set_ylabel(t("pp_unit", lang))
    ax.legend(loc="best", ncols=2)
    return fig


def below_lines(tables: dict[str, pd.DataFrame], lang: str = "zh") -> Figure:
    """Share of persons below each line by year; ``tables`` maps a line key of
    ``data/labels.csv`` (line_10000, line_monitoring) to a :func:`evalkit.income.below_threshold`
    table (year, share_persons_below). Shares resting on < 10 households must already be NaN."""
    fig = _figure()
    ax = fig.subplots()
    years = set()
    for key, table in tables.items():
        ax.plot(table["year"], table["share_persons_below"], marker="o", color=color(key), label=t(key, lang))
        years |= set(table["year"])
    _years_axis(ax, years)
    ax.set_xlabel(t("year", lang))
    ax.set_ylabel(t("share_persons_below", lang))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: fmt_pct(v, lang, 0)))
    ax.legend(loc="best")
    return fig


def group_bars(table: pd.DataFrame, group: str, value: str = "net_income_pc", lang: str = "zh") -> Figure:
    """Horizontal bars of ``value`` by ``group`` (one row per group; suppressed groups dropped
    beforehand; region names and household types in ``lang``). The bar colour is the component's
    colour when ``value`` is one."""
    height = max(2.0, 0.32 * len(table) + 0.8)
    fig = _figure((7.5, height))
    ax = fig.subplots()
    key = value.removesuffix("_pc") if value.removesuffix("_pc") in COMPONENTS else "net_income_pc"
    ax.barh([str(value_label(str(g), lang)) for g in table[group]], table[value], color=color(key))
    ax.invert_yaxis()
    ax.set_xlabel(t(value, lang))
    ax.set_ylabel("")
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    return fig


def event_study(
    table: pd.DataFrame,
    lang: str = "zh",
    title: str = "",
    outcome_key: str = "net_income_pc",
    bands: str = "simultaneous",
) -> Figure:
    """Event-study chart: estimate with its 95% simultaneous band (default, when the table has
    band_low/band_high: covers all event times at once) or pointwise CI (``bands="pointwise"``).

    ``table`` columns: event_time, att, ci_low, ci_high [, band_low, band_high] (the dynamic
    aggregation of :func:`evalkit.effects.staggered_did`). The reference period and zero
    line are marked; pre-periods (event_time < 0) are the placebo check."""
    fig = _figure((7.5, 3.4))
    ax = fig.subplots()
    ordered = table.sort_values("event_time")
    key = outcome_key.removesuffix("_pc") if outcome_key.removesuffix("_pc") in COMPONENTS else "net_income_pc"
    simultaneous = bands == "simultaneous" and {"band_low", "band_high"} <= set(ordered.columns)
    low, high = ("band_low", "band_high") if simultaneous else ("ci_low", "ci_high")
    ax.errorbar(
        ordered["event_time"],
        ordered["att"],
        yerr=[ordered["att"] - ordered[low], ordered[high] - ordered["att"]],
        fmt="o",
        color=color(key),
        ecolor=color(key),
        capsize=3,
        label=t("estimate", lang),
    )
    ax.axhline(0, color="#333", linewidth=0.8)
    ax.axvline(-0.5, color="#999", linewidth=0.8, linestyle="--")
    ax.set_xticks(sorted(int(e) for e in ordered["event_time"].unique()))
    ax.set_xlabel(t("event_time", lang))
    ax.set_ylabel(f"{t('estimate', lang)} ({t('yuan_unit', lang)})")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left", labels=[f"{t('estimate', lang)}, {t('uniform_band' if simultaneous else 'ci', lang)}"])
    return fig


def watch_flows(flows: pd.DataFrame, lang: str = "zh") -> Figure:
    """The watch-list over time (:func:`evalkit.evaluation.watchlist_flows.watchlist_flows`):
    per rule, horizontal stacked bars of households still flagged and newly flagged this year,
    and (to the left of zero) those no longer flagged. Counts under 10 are not drawn."""
    table = flows.copy()
    for part in ("new", "still", "left"):
        n = table[f"n_{part}"].astype(float)
        table[f"n_{part}"] = n.where(n >= 10, 0.0)
    height = max(2.2, 0.42 * len(table) + 1.0)
    fig = _figure((7.5, height))
    ax = fig.subplots()
    labels = table["label"].astype(str)
    ax.barh(labels, table["n_still"], color="#0072B2", label=t("flow_still", lang))
    ax.barh(labels, table["n_new"], left=table["n_still"], color="#E69F00", label=t("flow_new", lang))
    ax.barh(labels, -table["n_left"], color="#009E73", label=t("flow_left", lang))
    ax.axvline(0, color="#333", linewidth=0.8)
    ax.invert_yaxis()
    ax.set_xlabel(t("unit_households", lang))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{abs(x):,.0f}"))
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return fig
