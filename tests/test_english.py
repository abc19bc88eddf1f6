"""English reports name regions, household types and terms in English (registry name_en,
data/household_types.csv, the English columns of data/), and areas come in administrative order."""

import re

import pandas as pd

from evalkit.core.registry import english_name, position
from evalkit.reporting.labels import area_label, in_admin_order, value_label
from evalkit.reporting.present import format_table, table_html, watch_table

CJK = re.compile(r"[\u3400-\u9fff]")


def test_region_names_and_household_types_in_english():
    assert english_name("光山县") == "Guangshan County" and english_name("南宁市") == "Nanning City"
    assert english_name("东山镇") == "Dongshan Town"  # in 弥勒市 and in 上犹县, the same English name
    assert english_name("某某村") is None
    assert area_label("光山县", "zh") == "光山县" and area_label("光山县", "en") == "Guangshan County"
    assert area_label("浉河区 (含羊山新区)", "en") == "Shihe District (incl. Yangshan New District)"
    assert area_label("某某村", "en") == "某某村"  # a village the registry does not know: as given
    assert value_label("一般脱贫户", "en") == "ordinary poverty-exited household"
    assert value_label(3, "en") == 3


def test_text_cells_of_english_tables_are_translated_and_in_administrative_order():
    frame = pd.DataFrame({"county": ["北海市", "南宁市", "某某村", "崇左市"], "n_households": [20, 30, 40, 50]})
    ordered = in_admin_order(frame, "county")
    assert ordered["county"].tolist() == ["南宁市", "北海市", "崇左市", "某某村"]  # code point order puts 北海 first
    assert position("南宁市") < position("北海市") < position("崇左市")
    table = format_table(ordered, {"county": "text", "n_households": "households"}, "en")
    assert table.iloc[:, 0].tolist() == ["Nanning City", "Beihai City", "Chongzuo City", "某某村"]
    assert format_table(ordered, {"county": "text"}, "zh", count_column=None).iloc[0, 0] == "南宁市"


def test_watch_table_in_english_and_administrative_order_with_an_english_legend():
    counts = pd.DataFrame(
        {
            "county": ["罗山县", "罗山县", "浉河区", "浉河区", "total", "total"],
            "flag": ["income_drop", "any_flag"] * 3,
            "label": ["income fell", "any flag"] * 3,
            "n_households": [5.0, 30.0, 12.0, 40.0, 17.0, 70.0],
        }
    )
    table = watch_table(counts, "county", "en")
    assert table.iloc[:, 0].tolist()[:2] == ["Shihe District", "Luoshan County"]  # 浉河区 comes first in GB/T 2260
    page = table_html(table)
    assert "&lt;10" in page and "fewer than 10 households" in page and not CJK.search(page)
