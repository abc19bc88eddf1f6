"""Coverage and matching of support (issue 16 item 2): counts recomputed by hand."""

import numpy as np
import pandas as pd
import pytest

from evalkit.core.panel import Panel
from evalkit.core.schema import derive_income, measures_catalogue
from evalkit.evaluation.coverage import (
    coverage_table,
    match_summary,
    matching_rules,
    region_support_match,
    rules_for,
    support_match,
    unmatched_list,
)


def jx_panel():
    """上犹县 (江西), 2024, households of 4 persons:

    id  labour (full, weak)  income pc  measures                 transfer_dibao
    a   (1, 0)               8000       industry_award           0
    b   (2, 0)               9000       -                        0
    c   (0, 1)               7000       public_welfare_post      0
    d   (0, 2)               7500       microcredit              0
    e   (0, 0)               6000       -                        1200   (低保 only as income)
    f   (0, 0)               6500       pension_premium_waiver   0
    g   (0, 0)               5000       photovoltaic             0
    """
    spec = {
        "a": (1, 0, 8000, 0),
        "b": (2, 0, 9000, 0),
        "c": (0, 1, 7000, 0),
        "d": (0, 2, 7500, 0),
        "e": (0, 0, 6000, 1200),
        "f": (0, 0, 6500, 0),
        "g": (0, 0, 5000, 0),
    }
    hh = pd.DataFrame(
        [
            {
                "household_id": k,
                "year": 2024,
                "province": "江西省",
                "prefecture": "赣州市",
                "county": "上犹县",
                "township": "东山镇",
                "village": "村1",
                "household_size": 4,
                "household_type": "一般脱贫户",
                "labour_full": v[0],
                "labour_weak": v[1],
                "wage": 4.0 * v[2],
                "operating_income": 0.0,
                "operating_expenses": 0.0,
                "property": 0.0,
                "transfer": 0.0,
                "transfer_dibao": float(v[3]),
            }
            for k, v in spec.items()
        ]
    )
    measures = pd.DataFrame(
        {
            "household_id": ["a", "c", "d", "f", "g", "a"],
            "year": [2024, 2024, 2024, 2024, 2024, 2023],
            "measure": [
                "industry_award",
                "public_welfare_post",
                "microcredit",
                "pension_premium_waiver",
                "photovoltaic",
                "dibao",
            ],
            "amount": 100.0,
        }
    )
    return Panel(households=derive_income(hh), measures=measures, meta={"synthetic": True})


def test_rules_are_data_with_sources():
    rules = matching_rules()
    assert rules["rule"].is_unique and (rules["source"] != "").all() and (rules["clause"] != "").all()
    codes = set(measures_catalogue()["code"])
    for menu in rules["menu"]:
        for item in menu.split("|"):
            assert item in codes or item.split(":")[0] in ("kind", "column"), item
    assert rules_for("shangyou") == (["jx_full_developmental", "jx_weak_menu", "jx_none_menu"], "own")
    assert rules_for("guangxi") == (["gx_weak_labour_assistance"], "own")
    own, source = rules_for("xinyang")  # no rule of its own: 江西's as reference, and it says so
    assert own == ["jx_full_developmental", "jx_weak_menu", "jx_none_menu"] and source == "reference: 江西省"


def test_jiangxi_menus_by_hand():
    panel = jx_panel()
    match = support_match(
        panel.households, panel.measures, 2024, ["jx_full_developmental", "jx_weak_menu", "jx_none_menu"]
    )
    got = {r: dict(zip(g["household_id"], g["matched"], strict=True)) for r, g in match.groupby("rule")}
    # full labour: a has an industry measure, b none
    assert got["jx_full_developmental"] == {"a": True, "b": False}
    # weak only: c has a post (on the menu), d microcredit (developmental, but not on the weak menu)
    assert got["jx_weak_menu"] == {"c": True, "d": False}
    # none: e 低保 recorded as income (column:transfer_dibao), f a pension waiver (not on the menu),
    # g photovoltaic (asset income); the 2023 低保 of a does not count for 2024
    assert got["jx_none_menu"] == {"e": True, "f": False, "g": True}
    summary = match_summary(match, by=None).set_index("rule")
    assert summary.loc["jx_none_menu", ["n_households", "n_matched", "n_unmatched"]].tolist() == [3, 2, 1]
    assert summary.loc["jx_weak_menu", "share_matched"] == pytest.approx(0.5)
    by_county = match_summary(match, by="county")
    assert set(by_county["county"]) == {"上犹县", "合计"}
    unmatched = unmatched_list(match)
    assert unmatched["household_id"].tolist() == ["f", "d", "b"]  # lowest income first: 6500, 7500, 9000
    assert not {"head_name", "id_card", "phone"} & set(unmatched.columns)
    region = region_support_match(panel, "shangyou", 2024)
    assert set(region["rule_source"]) == {"own"} and len(region) == 7


def test_guangxi_29_weak_labour_key():
    panel = jx_panel()
    hh = panel.households.assign(province="广西壮族自治区")
    match = support_match(hh, panel.measures, 2024, ["gx_weak_labour_assistance"])
    # below 10,000 and no full labourer: c, d, e, f, g; (a: 1 of 4 = 1/4, not under a quarter; b: 2 full)
    assert sorted(match["household_id"]) == ["c", "d", "e", "f", "g"]
    assert sorted(match.loc[match["matched"], "household_id"]) == ["e"]  # only e has 低保


def test_coverage_by_county_labour_and_type():
    panel = jx_panel()
    cov = coverage_table(panel.households, panel.measures, 2024, by="labour_capacity", lang="code")
    row = cov.set_index(["labour_capacity", "measure"])
    assert row.loc[("weak", "public_welfare_post"), ["n_households", "n_receiving"]].tolist() == [2, 1]
    assert row.loc[("none", "photovoltaic"), "share"] == pytest.approx(1 / 3)
    assert ("full", "dibao") not in row.index  # 2023 measure
    county = coverage_table(panel.households, panel.measures, 2024, by="county")
    assert county["n_receiving"].sum() == 5 and (county["n_households"] == 7).all()
    kind = coverage_table(panel.households, panel.measures, 2024, by="household_type")
    assert set(kind["household_type"]) == {"一般脱贫户"}
    assert np.isclose(kind["share"].sum(), 5 / 7)
