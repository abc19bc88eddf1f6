"""Figures of effect estimates: event study with pointwise CIs and the uniform band, and the
component decomposition of a measure's effect.

Built on :mod:`evalkit.charts` (CJK font, component colours from ``data/labels.csv``, no pyplot);
each function takes a tidy table or result and returns a :class:`matplotlib.figure.Figure`.
"""

from __future__ import annotations

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from evalkit.effects.results import Aggregation, outcome_label
from evalkit.reporting.charts import setup
from evalkit.reporting.present import color, t


def _colour(outcome: str) -> str:
    key = outcome.removesuffix("_pc")
    return color(key if key in ("wage", "net_operating", "property", "transfer") else "net_income_pc")


def event_study_plot(
    study: Aggregation | pd.DataFrame, lang: str = "zh", title: str = "", outcome: str = "net_income_pc"
) -> Figure:
    """Event study: ATT by years since first receipt, 95 % pointwise CI (error bars) and, when
    present (``band_low``/``band_high``, from ``aggregate("dynamic", bootstrap=True)``), the 95 %
    uniform band (shaded) that covers all event times jointly. Pre-periods (e < 0) are placebos."""
    table = study.table if isinstance(study, Aggregation) else study
    table = table.sort_values("event_time")
    setup()
    fig = Figure(figsize=(7.5, 3.6), dpi=matplotlib.rcParams["figure.dpi"])
    ax = fig.subplots()
    colour = _colour(outcome)
    e = table["event_time"].to_numpy()
    if {"band_low", "band_high"} <= set(table.columns):
        ax.bar(
            e,
            table["band_high"] - table["band_low"],
            bottom=table["band_low"],
            width=0.5,
            color=colour,
            alpha=0.18,
            label=t("uniform_band", lang),
        )
    ax.errorbar(
        e,
        table["att"],
        yerr=[table["att"] - table["ci_low"], table["ci_high"] - table["att"]],
        fmt="o",
        color=colour,
        ecolor=colour,
        capsize=3,
        label=f"{t('estimate', lang)}, {t('ci', lang)}",
    )
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.axvline(-0.5, color="#999999", linewidth=0.8, linestyle="--")
    ax.set_xticks(sorted(int(v) for v in e))
    ax.set_xlabel(t("event_time", lang))
    ax.set_ylabel(f"{outcome_label(outcome, lang)} ({t('yuan_unit', lang)})")
    ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    if title:
        ax.set_title(title)
    ax.legend(loc="upper left")
    return fig


def components_plot(effects: pd.DataFrame, lang: str = "zh", title: str = "") -> Figure:
    """Horizontal bars: the effect on per-capita net income and on each component, with 95 % CIs
    (``effects`` = ``MeasureEffects.effects`` without ``by``)."""
    table = effects.iloc[::-1]
    setup()
    fig = Figure(figsize=(7.0, 3.2), dpi=matplotlib.rcParams["figure.dpi"])
    ax = fig.subplots()
    y = range(len(table))
    ax.barh(list(y), table["att"], color=[_colour(o) for o in table["outcome"]], alpha=0.85)
    ax.errorbar(
        table["att"],
        list(y),
        xerr=[table["att"] - table["ci_low"], table["ci_high"] - table["att"]],
        fmt="none",
        ecolor="#333333",
        capsize=3,
    )
    ax.set_yticks(list(y))
    ax.set_yticklabels([outcome_label(o, lang) for o in table["outcome"]])
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel(f"{t('estimate', lang)} ({t('yuan_unit', lang)}), {t('ci', lang)}")
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    if title:
        ax.set_title(title)
    return fig
