"""The report's integrity section as data (:func:`evalkit.evaluation.integrity.integrity_checks`
findings): the per-check summary and the flagged findings, formatted and small-cell suppressed by
:func:`evalkit.reporting.present.format_table`; ``notebooks/report.ipynb`` only displays them
(through :mod:`evalkit.reporting.sections`)."""

from __future__ import annotations

import pandas as pd

from evalkit.reporting.present import format_table, t


def integrity_summary(findings: pd.DataFrame) -> pd.DataFrame:
    """Per check (:func:`evalkit.integrity.integrity_checks` rows): units checked, units flagged,
    units where the check could not be measured (status other than ``ok``), in the checks' order."""
    return (
        findings.assign(flagged=findings["flagged"].astype(bool), not_measurable=findings["status"] != "ok")
        .groupby("check_label", sort=False)
        .agg(units=("unit", "size"), flagged=("flagged", "sum"), not_measurable=("not_measurable", "sum"))
        .astype(int)
        .reset_index()
    )


def integrity_tables(findings: pd.DataFrame, lang: str = "zh") -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The integrity section: the per-check summary and the flagged findings (``None`` when
    nothing is flagged)."""
    summary = format_table(
        integrity_summary(findings),
        {"check_label": "text", "units": "int", "flagged": "int", "not_measurable": "int"},
        lang,
        headers={
            "check_label": t("check", lang),
            "units": t("units_checked", lang),
            "flagged": t("flagged", lang),
            "not_measurable": t("status_not_measurable", lang),
        },
    )
    flagged = findings[findings["flagged"].astype(bool)]
    if len(flagged) == 0:
        return summary, None
    return summary, format_table(
        flagged,
        {
            "check_label": "text",
            "unit": "text",
            "n_households": "households",
            "statistic": "number",
            "p_value": "number",
            "detail": "text",
        },
        lang,
        headers={
            "check_label": t("check", lang),
            "unit": t("region", lang),
            "p_value": t("p_value", lang),
            "statistic": t("statistic", lang),
            "detail": t("finding", lang),
        },
        row_labels=("check_label", "unit"),  # one row per flagged unit of a check
    )
