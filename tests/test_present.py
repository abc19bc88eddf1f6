"""Report formatting: Chinese numbers, labels, small-cell suppression, deterministic HTML."""

import math

import pandas as pd
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.reporting import disclosure, present


def test_chinese_number_formats():
    assert present.fmt_yuan(12345.4) == "12,345 元"
    assert present.fmt_yuan(12345.6, "en") == "12,346 yuan"
    assert present.fmt_persons(8512) == "8,512 人"
    assert present.fmt_persons(123456) == "12.35 万人"
    assert present.fmt_persons(123456, "en") == "123,456 persons"
    assert present.fmt_households(10000) == "1.00 万户"
    assert present.fmt_pct(0.1234) == "12.3%"
    assert present.fmt_pp(1.25) == "+1.2 个百分点" or present.fmt_pp(1.25) == "+1.3 个百分点"
    assert present.fmt_pp(-0.5, "en") == "-0.5 pp"
    assert present.fmt_yuan(math.nan) == present.MISSING
    assert present.fmt_pct(None) == present.MISSING


def test_labels_are_bilingual_and_unknown_keys_raise():
    assert present.t("wage") == "工资性收入"
    assert present.t("wage", "en") == "wage income"
    assert present.t("sec_summary", "en").endswith("Summary")
    with pytest.raises(EvalkitError, match="no_such_key") as info:
        present.t("no_such_key")
    assert info.value.code == "E-LABEL-MISSING"
    with pytest.raises(EvalkitError) as info:
        present.t("wage", "fr")
    assert info.value.code == "E-LANG"
    # every label has both languages, every component has a colour
    table = present.labels()
    assert (table["label_zh"] != "").all() and (table["label_en"] != "").all()
    for comp in ("wage", "net_operating", "property", "transfer"):
        assert present.color(comp).startswith("#")


def test_small_cells_are_suppressed_row_and_cell_wise():
    df = pd.DataFrame(
        {
            "county": ["甲县", "乙县", "丙县"],
            "n_households": [250, 9, 40],
            "net_income_pc": [15000.0, 9000.0, 12000.0],
            "n_households_below": [30, 2, 7],
            "n_persons_below": [95, 6, 20],
            "share_households_below": [0.12, 0.22, 0.175],
        }
    )
    table = present.format_table(
        df,
        {
            "county": "text",
            "n_households": "households",
            "net_income_pc": "yuan",
            "n_households_below": "households",
            "n_persons_below": "persons",
            "share_households_below": "pct",
        },
        gates={"n_persons_below": "n_households_below", "share_households_below": "n_households_below"},
    )
    assert list(table.columns[:3]) == ["县(市、区)", "户数", "人均纯收入"]
    big, small, partly = table.to_dict("records")
    assert big["人均纯收入"] == "15,000 元" and big["户数"] == "250 户"
    # a group of 9 households: its count and its mean are both hidden
    assert small["户数"] == "<10" and small["人均纯收入"] == "§"  # the mean: its own mark, never "<10"
    # 7 households below the line out of 40: the count, the persons and the share are hidden
    assert partly["人均纯收入"] == "12,000 元"
    assert partly["低于该线户数"] == "<10" and partly["低于该线人数"] == "§" and partly["低于该线户比例"] == "§"
    assert disclosure.publishable(5.0, 9) is None and disclosure.publishable(5.0, 10) == 5.0


def test_table_html_is_escaped_and_has_no_random_ids():
    table = pd.DataFrame({"地区": ["<b>甲</b>"], "值": ["1 元"]})
    markup = present.table_html(table)
    assert "&lt;b&gt;" in markup and "id=" not in markup
    assert markup == present.table_html(table)


def test_complementary_suppression_protects_a_lone_small_cell():
    """With the total published, one hidden row could be recovered as total − others: the
    smallest other row is hidden too."""
    df = pd.DataFrame(
        {
            "county": ["甲县", "乙县", "丙县", "丁县"],
            "n_households": [250, 7, 40, 31],
            "net_income_pc": [15000.0, 9000.0, 12000.0, 13000.0],
        }
    )
    columns = {"county": "text", "n_households": "households", "net_income_pc": "yuan"}
    plain = present.format_table(df, columns)
    assert list(plain["户数"]) == ["250 户", "<10", "40 户", "31 户"]
    disclosure.set_forced()  # each table below is its own report (one count per key in a report)
    table = present.format_table(df, columns, adds_up=True)
    # 31 is hidden to protect 7: it is marked as complementary, not as "<10" (it is not under 10)
    assert list(table["户数"]) == ["250 户", "<10", "40 户", "×"]
    assert list(table["人均纯收入"]) == ["15,000 元", "§", "12,000 元", "§"]
    # two small rows whose sum reaches the threshold already protect each other
    disclosure.set_forced()
    two = present.format_table(df.assign(n_households=[250, 7, 40, 3]), columns, adds_up=True)
    assert list(two["户数"]) == ["250 户", "<10", "40 户", "<10"]
    # ... but 7 + 1 would pin each to [0, 8], narrower than 10: the smallest other row goes too
    disclosure.set_forced()
    narrow = present.format_table(df.assign(n_households=[250, 7, 40, 1]), columns, adds_up=True)
    assert list(narrow["户数"]) == ["250 户", "<10", "×", "<10"]


def test_watch_table_hides_a_second_cell_when_one_is_suppressed():
    counts = pd.DataFrame(
        {
            "county": ["甲县", "乙县", "丙县", "合计"] * 2,
            "flag": ["a"] * 4 + ["b"] * 4,
            "label": ["收入下降"] * 4 + ["低于1万元"] * 4,
            "n_households": [28.0, 8.0, 10.0, 46.0, 12.0, 15.0, 30.0, 57.0],
            "suppressed": [False, True, False, False, False, False, False, False],
        }
    )
    table = present.watch_table(counts, "county")
    assert list(table["收入下降"]) == ["28", "<10", "×", "46"]
    assert list(table["低于1万元"]) == ["12", "15", "30", "57"]
