"""The fill-in workbook of a region's own statistics (``evalkit template --region R --year Y``).

A report on real data needs figures the panel cannot hold: the comparison series (rural
residents' disposable income of the region and its counties, the province's monitoring line) and
the programme indicators of the region's targets (衔接资金 shares, posts, training, ...). The
template lists exactly those the region's targets (``data/targets/*.yaml``) and the report's
sections need for the year, one row each with its unit and the clause or section it serves; the
user fills ``value`` and ``source`` and passes the file back as ``--series FILE --programme FILE``
(the same workbook for both: sheet ``series`` and sheet ``programme``). Rows left without a value
are skipped when the file is read (the target stays 无法评估, with the reason).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.registry import Region, get_region
from evalkit.evaluation.scorecard import applicable_units
from evalkit.evaluation.targets import (
    PREVIOUS_YEAR_COMPARISONS,
    REPORT_COMPARISONS,
    indicator_catalogue,
    load_targets,
)

SERIES_SHEET = "series"
PROGRAMME_SHEET = "programme"
#: Columns of each sheet: what the readers need, then what the template adds for the user.
SERIES_COLUMNS = ["region", "year", "indicator", "value", "unit", "source", "used_for", "label_zh"]
PROGRAMME_COLUMNS = ["region", "year", "indicator", "value", "unit", "source", "used_for", "label_zh"]
SERIES_UNITS = {"rural_disposable_income": "元/人", "monitoring_line": "元/人/年"}
SERIES_LABELS = {"rural_disposable_income": "农村居民人均可支配收入", "monitoring_line": "防止返贫监测线"}


def _province(region: Region) -> str:
    return region.filter.get("province", region.name_zh)


def template_tables(region: str | Region, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two sheets of the template of ``region`` for ``year``: (series, programme), one row per
    figure needed, with ``used_for`` naming the target clause or report section."""
    region = get_region(region) if isinstance(region, str) else region
    year = int(year)
    series: dict[tuple[str, int, str], list[str]] = {}

    def need(place: str, y: int, indicator: str, why: str) -> None:
        series.setdefault((place, y, indicator), []).append(why)

    # the report's sections: the gap to rural residents and the watch-list's slow-growth flag
    # (rural income of the region, this year and the last); below the monitoring line (province)
    for y in (year - 1, year):
        need(region.name_zh, y, "rural_disposable_income", "报告: 与农村居民收入差距; 预警: 收入增速缓慢")
    need(_province(region), year, "monitoring_line", "报告: 低于防止返贫监测线")
    need(_province(region), year - 1, "monitoring_line", "报告: 跨越监测线的变动")
    programme: dict[tuple[str, int, str], list[str]] = {}
    catalogue = indicator_catalogue().set_index("name")
    for target in load_targets():
        # the targets the scorecard lists for the year (evaluation.scorecard.scorecard): plans in
        # force; an end-of-plan target before its year shows its progress (this year and the last)
        units = applicable_units(target, region)
        if not units or not target.in_force(year):
            continue
        later = [y for y in target.years if y > year] if target.comparison not in REPORT_COMPARISONS else []
        if year not in target.years and not later:
            continue
        progress = year not in target.years
        why = f"{target.document} {target.clause_ref}: {target.description_zh}"
        for unit in units:
            years = (year - 1, year) if target.comparison in PREVIOUS_YEAR_COMPARISONS or progress else (year,)
            if target.source == "programme":
                for y in years:
                    programme.setdefault((unit.name_zh, y, target.indicator), []).append(why)
            ref = target.reference or {}
            if ref.get("series") == "rural_disposable_income":
                place = unit.name_zh if ref.get("region") == "local" else ref["region"]
                ref_years = (year - 1, year) if ref.get("transform") == "growth" else (year,)
                for y in ref_years:
                    need(place, y, "rural_disposable_income", why)
            if "monitoring_line" in target.indicator:
                for y in years:
                    need(_province(unit), y, "monitoring_line", why)
    series_table = pd.DataFrame(
        [
            {
                "region": place,
                "year": y,
                "indicator": indicator,
                "value": "",
                "unit": SERIES_UNITS[indicator],
                "source": "",
                "used_for": "; ".join(dict.fromkeys(whys)),
                "label_zh": SERIES_LABELS[indicator],
            }
            for (place, y, indicator), whys in sorted(series.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1]))
        ],
        columns=SERIES_COLUMNS,
    )
    programme_table = pd.DataFrame(
        [
            {
                "region": place,
                "year": y,
                "indicator": indicator,
                "value": "",
                "unit": catalogue.at[indicator, "unit"] if indicator in catalogue.index else "",
                "source": "",
                "used_for": "; ".join(dict.fromkeys(whys)),
                "label_zh": catalogue.at[indicator, "label_zh"] if indicator in catalogue.index else "",
            }
            for (place, y, indicator), whys in sorted(programme.items())
        ],
        columns=PROGRAMME_COLUMNS,
    )
    return series_table, programme_table


def write_template(region: str | Region, year: int, path: str | Path) -> Path:
    """Write the template workbook (sheets ``series`` and ``programme``) to ``path`` (.xlsx)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise EvalkitError(f"{path}: 模板须为 .xlsx / the template must be an .xlsx file")
    series, programme = template_tables(region, year)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        series.to_excel(writer, sheet_name=SERIES_SHEET, index=False)
        programme.to_excel(writer, sheet_name=PROGRAMME_SHEET, index=False)
    return path
