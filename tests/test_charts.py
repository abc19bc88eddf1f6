"""Charts: Chinese glyphs render (missing glyphs fail), colours per component, deterministic SVG."""

import warnings

import pandas as pd
import pytest

from evalkit.reporting import charts, present


@pytest.fixture
def indicators():
    return pd.DataFrame(
        {
            "year": [2022, 2023, 2024, 2025],
            "net_income_pc": [12000.0, 13000.0, 14100.0, 15200.0],
            "wage_pc": [7000.0, 7600.0, 8200.0, 8900.0],
            "net_operating_pc": [2500.0, 2600.0, 2800.0, -100.0],
            "property_pc": [300.0, 350.0, 400.0, 450.0],
            "transfer_pc": [2200.0, 2450.0, 2700.0, 2950.0],
        }
    )


def _render_all(indicators, lang):
    growth = pd.DataFrame(
        {
            "year": [2024, 2025],
            "contrib_wage_pp": [4.0, 5.0],
            "contrib_operating_income_pp": [1.0, -2.0],
            "contrib_operating_expenses_pp": [0.5, 0.2],
            "contrib_property_pp": [0.3, 0.3],
            "contrib_transfer_pp": [1.8, 1.7],
        }
    )
    below = pd.DataFrame({"year": [2024, 2025], "share_persons_below": [0.2, 0.15]})
    es = pd.DataFrame(
        {
            "event_time": [-2, -1, 0, 1],
            "att": [10.0, 0.0, 500.0, 650.0],
            "ci_low": [-90.0, 0.0, 380.0, 480.0],
            "ci_high": [110.0, 0.0, 620.0, 820.0],
        }
    )
    groups = pd.DataFrame({"county": ["光山县", "新县", "羊山新区"], "net_income_pc": [14000.0, 15000.0, 16000.0]})
    rural = indicators[["year"]].assign(rural_income=[17000.0, 18000.0, 19000.0, 20000.0])
    figs = [
        charts.income_trend(indicators, lang, rural),
        charts.structure(indicators, lang),
        charts.contributions(growth, lang),
        charts.below_lines({"line_10000": below, "line_monitoring": below}, lang),
        charts.group_bars(groups, "county", lang=lang),
        charts.event_study(es, lang, title="公益性岗位"),
    ]
    return [charts.to_svg(f) for f in figs]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chinese_labels_render_without_missing_glyphs(indicators, lang):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" becomes a failure
        svgs = _render_all(indicators, lang)
    assert all(s.startswith("<?xml") for s in svgs)


def test_missing_glyph_warning_is_caught_by_the_check():
    """The check above can fail: drawing Chinese with a Latin-only font warns."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
        fig = Figure()
        fig.subplots().set_title("工资性收入")
        with pytest.warns(UserWarning, match="missing from font"):
            charts.to_svg(fig)


def test_svg_is_deterministic_and_undated(indicators):
    first, second = _render_all(indicators, "zh"), _render_all(indicators, "zh")
    assert first == second
    assert all("<dc:date>" not in s for s in first)


def test_component_colours_are_consistent(indicators):
    palette = charts.component_palette()
    assert len(set(palette.values())) == 4
    svg = charts.to_svg(charts.structure(indicators))
    for colour in palette.values():
        assert colour.lower() in svg.lower()
    assert palette["wage"] == present.color("wage")


def test_charts_carry_alternative_text(indicators):
    fig = charts.event_study(
        pd.DataFrame({"event_time": [0], "att": [1.0], "ci_low": [0.5], "ci_high": [1.5]}),
        title="公益性岗位: 人均纯收入",
    )
    assert charts.describe(fig) == "公益性岗位: 人均纯收入"
    assert charts.describe(charts.structure(indicators)) == "工资性收入, 经营净收入, 财产性收入, 转移性收入 (元 / 年度)"


# --- a CJK font installed after matplotlib built its font cache (issue 12, item 7) ---

_STALE_CACHE = """
import json, pathlib, sys
import matplotlib
from matplotlib import font_manager
path = pathlib.Path(matplotlib.get_cachedir(), f"fontlist-v{font_manager.FontManager.__version__}.json")
data = json.loads(path.read_text())
cjk = ("WenQuanYi", "Noto Sans CJK", "Source Han")
data["ttflist"] = [f for f in data["ttflist"] if not any(c in f["name"] for c in cjk)]
path.write_text(json.dumps(data))
"""

_USE_FONT = """
from matplotlib import font_manager
from evalkit.reporting import charts
assert charts._installed_cjk() is None, "the cache should not know the CJK font yet"
print(charts.cjk_font())
"""


@pytest.mark.parametrize("with_fontconfig", [True, False], ids=["fc-list", "rebuild"])
def test_cjk_font_found_with_a_stale_font_cache(tmp_path, with_fontconfig):
    """A matplotlib font cache built before the font was installed (simulated by removing the
    CJK fonts from a fresh cache in a temporary MPLCONFIGDIR): cjk_font() finds the font without
    anyone deleting the cache, through fontconfig or, without fc-list, by rebuilding the list."""
    import os
    import shutil
    import subprocess
    import sys

    if not charts._fontconfig_cjk_files() and "WenQuanYi Micro Hei" not in {
        f.name for f in charts.font_manager.fontManager.ttflist
    }:
        pytest.skip("no CJK font on this machine")
    env = dict(os.environ, MPLCONFIGDIR=str(tmp_path / "mpl"))
    if not with_fontconfig:
        bindir = tmp_path / "bin"  # a PATH without fc-list
        bindir.mkdir()
        env["PATH"] = str(bindir)
    else:
        assert shutil.which("fc-list"), "fontconfig missing"
    run = [sys.executable, "-c"]
    subprocess.run([*run, "import matplotlib.font_manager"], env=env, check=True, timeout=300)
    subprocess.run([*run, _STALE_CACHE], env=env, check=True, timeout=300)
    out = subprocess.run([*run, _USE_FONT], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() in charts.CJK_FONTS
    if not with_fontconfig:  # the rebuild rewrote the cache: the next process finds the font at once
        check = "from evalkit.reporting import charts; print(charts._installed_cjk())"
        again = subprocess.run([*run, check], env=env, capture_output=True, text=True, timeout=300)
        assert again.stdout.strip() in charts.CJK_FONTS, again.stderr
