"""Watch-list: 广西 flags, 江西 key groups and 弥勒 labour split on hand-made panels; counts with
small-cell suppression; the caseworker export carries pseudonymised ids only."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.cli.main import main
from evalkit.core.errors import EvalkitError
from evalkit.core.panel import Panel
from evalkit.core.schema import derive_income
from evalkit.demo import load_demo
from evalkit.evaluation.watchlist import (
    CONFIDENTIAL_BANNER,
    CONFIDENTIAL_SHEET,
    export_watchlist,
    slow_growth_parameter,
    watchlist,
    watchlist_counts,
    watchlist_rules,
)

SEEDS = Path(__file__).parent / "data" / "policy_seeds"
PLACES = {
    "广西": ("广西壮族自治区", "南宁市", "兴宁区"),
    "江西": ("江西省", "赣州市", "上犹县"),
    "弥勒": ("云南省", "红河哈尼族彝族自治州", "弥勒市"),
}


def _frame(place, rows, year):
    province, prefecture, county = PLACES[place]
    base = {
        "year": year,
        "province": province,
        "prefecture": prefecture,
        "county": county,
        "township": "",
        "village": "村1",
        "household_type": "一般脱贫户",
        "labour_full": 1,
        "labour_weak": 0,
        "migrant_workers": 0,
        "migrant_work_months": 0.0,
        "labour_seeking_work": 0,
        "monitoring_start_year": np.nan,
        "risk_eliminated": False,
        "operating_income": 0.0,
        "operating_expenses": 0.0,
        "property": 0.0,
        "transfer": 0.0,
        "head_name": "张三",
        "id_card": "410101199001019994",
    }
    return pd.DataFrame([{**base, **r} for r in rows])


def guangxi_panel():
    """Five 兴宁区 households, 2022 → 2023 (sizes 2, incomes per capita):
    a fell 12,000 → 11,000 (wage −2,000 household, i.e. −1,000 pc); b rose 3% (slow at a 5% threshold);
    c below 10,000 with no full labourer; d wants work; e worked 4 months; f fine (rose 20%, 15,000)."""
    y0 = [
        dict(household_id="a", household_size=2, wage=24_000),
        dict(household_id="b", household_size=2, wage=30_000),
        dict(household_id="c", household_size=2, wage=0, transfer=14_000, labour_full=0, labour_weak=1),
        dict(household_id="d", household_size=2, wage=30_000),
        dict(household_id="e", household_size=2, wage=30_000),
        dict(household_id="f", household_size=2, wage=25_000),
    ]
    y1 = [
        dict(household_id="a", household_size=2, wage=20_000, property=2_000),
        dict(household_id="b", household_size=2, wage=30_900),
        dict(household_id="c", household_size=2, wage=0, transfer=15_000, labour_full=0, labour_weak=1),
        dict(household_id="d", household_size=2, wage=36_000, labour_seeking_work=1),
        dict(household_id="e", household_size=2, wage=36_000, migrant_workers=1, migrant_work_months=4.0),
        dict(household_id="f", household_size=2, wage=30_000),
    ]
    households = derive_income(pd.concat([_frame("广西", y0, 2022), _frame("广西", y1, 2023)], ignore_index=True))
    measures = pd.DataFrame(
        {
            "household_id": ["a", "a", "c"],
            "year": [2023, 2023, 2022],
            "measure": ["public_welfare_post", "dibao", "dibao"],
            "amount": [6000.0, 3000.0, 3000.0],
        }
    )
    return Panel(households=households, measures=measures, meta={"synthetic": True})


def test_guangxi_flags_by_hand():
    w = watchlist(guangxi_panel(), "兴宁区", 2023, slow_growth_pct=5).set_index("household_id")
    assert sorted(w.index) == list("abcde")  # f is not flagged
    flags = w["flags"].to_dict()
    assert flags["a"] == "gx_income_fell"
    assert flags["b"] == "gx_slow_growth"
    assert flags["c"] == "gx_below_10000;gx_weak_labour_key"
    assert flags["d"] == "gx_labour_no_work"
    assert flags["e"] == "gx_work_under_6_months"
    a = w.loc["a"]
    assert (a["net_income_pc_prev"], a["net_income_pc"]) == (12_000, 11_000)
    assert a["change_wage_pc"] == -2_000 and a["change_property_pc"] == 1_000
    assert a["largest_fall"] == "工资性收入" and a["largest_fall_pc"] == -2_000
    assert a["measures"] == "低保;公益性岗位"  # this year's measures, Chinese labels
    assert w.loc["b", "growth_pct"] == pytest.approx(3.0) and w.loc["b", "largest_fall"] == ""
    assert w.loc["c", "strategy"] == "符合条件的及时纳入农村低保或特困人员救助供养范围"
    assert w.loc["c", "measures"] == ""  # 低保 was in 2022, not this year
    assert (w["rule_source"] == "own").all()
    assert "head_name" not in w.columns and "id_card" not in w.columns


def test_slow_growth_default_is_the_stated_share_of_local_rural_growth():
    from evalkit.core.comparison import rural_income

    # data/watchlist_rules.csv states evalkit's reading (第33条 gives no threshold): 0.25 × local rural growth
    row = watchlist_rules().set_index("flag").loc["gx_slow_growth"]
    assert (row["threshold"], row["threshold_unit"]) == ("0.25", "share_of_local_rural_growth")
    assert "evalkit's reading" in row["threshold_note"] and "published_stats" in row["threshold_note"]
    assert row["threshold"] not in row["clause"]  # not attributed to the document
    assert slow_growth_parameter() == (0.25, "share_of_local_rural_growth")
    rural = 100 * (rural_income("兴宁区", 2023, True) / rural_income("兴宁区", 2022, True) - 1)
    w = watchlist(guangxi_panel(), "兴宁区", 2023).set_index("household_id")
    assert w["slow_growth_threshold_pct"].iloc[0] == pytest.approx(0.25 * rural)
    assert 0.25 * rural < 3.0  # b grew 3%: slow under the old reading (whole rural growth), not now
    assert "b" not in w.index
    old = watchlist(guangxi_panel(), "兴宁区", 2023, slow_growth_pct=rural).set_index("household_id")
    assert bool(old.loc["b", "gx_slow_growth"])


def test_slow_growth_parameter_as_a_percentage(monkeypatch):
    from evalkit.evaluation import watchlist as module

    real = module.watchlist_rules()
    rules = real.copy()
    at = rules["flag"] == "gx_slow_growth"
    rules.loc[at, "threshold"], rules.loc[at, "threshold_unit"] = "5", "percent"
    monkeypatch.setattr(module, "watchlist_rules", lambda: rules)
    w = watchlist(guangxi_panel(), "兴宁区", 2023).set_index("household_id")
    assert (w["slow_growth_threshold_pct"] == 5.0).all()
    assert bool(w.loc["b", "gx_slow_growth"])  # grew 3% < 5%
    rules.loc[at, "threshold_unit"] = "per cent"
    with pytest.raises(EvalkitError) as info:
        watchlist(guangxi_panel(), "兴宁区", 2023)
    assert info.value.code == "E-WATCHLIST-RULE" and "threshold_unit" in str(info.value)


def jiangxi_panel():
    """Ten 上犹县 households of 2 persons with 2023 incomes 5,000 … 14,000 and three monitored ones at
    20,000 (13 households of equal size: mid-ranks (2k+1)/26, so quintile 1 (F < 0.2) = the three
    poorest); m1 monitored since 2021 and not eliminated, m2 since 2023, m3 eliminated."""
    rows0 = [dict(household_id=f"h{i}", household_size=2, wage=2 * (5_000 + 1_000 * i)) for i in range(10)]
    rows1 = [dict(household_id=f"h{i}", household_size=2, wage=2 * (6_000 + 1_000 * i)) for i in range(10)]
    monitored = [
        dict(
            household_id="m1", household_type="脱贫不稳定户", monitoring_start_year=2021, household_size=2, wage=40_000
        ),
        dict(
            household_id="m2", household_type="边缘易致贫户", monitoring_start_year=2023, household_size=2, wage=40_000
        ),
        dict(
            household_id="m3",
            household_type="突发严重困难户",
            monitoring_start_year=2020,
            risk_eliminated=True,
            household_size=2,
            wage=40_000,
        ),
    ]
    households = derive_income(
        pd.concat([_frame("江西", rows0 + monitored, 2023), _frame("江西", rows1 + monitored, 2024)], ignore_index=True)
    )
    return Panel(households=households, meta={"synthetic": True})


def test_jiangxi_two_key_groups():
    w = watchlist(jiangxi_panel(), "上犹县", 2024).set_index("household_id")
    assert sorted(w.index[w["jx_bottom_quintile"]]) == ["h0", "h1", "h2"]
    assert list(w.index[w["jx_long_monitored"]]) == ["m1"]
    assert set(w.columns) >= {"jx_bottom_quintile", "jx_long_monitored"} and "gx_income_fell" not in w.columns
    assert w.loc["h0", "strategy"].startswith('开展帮扶措施"回头看"')


def test_mile_labour_split_with_seed_strategies():
    rows = [
        dict(household_id="two", household_size=4, wage=32_000, labour_full=2),
        dict(household_id="one", household_size=3, wage=24_000, labour_full=0, labour_weak=1),
        dict(household_id="none", household_size=2, wage=0, transfer=12_000, labour_full=0),
        dict(household_id="rich", household_size=2, wage=30_000, labour_full=2),
    ]
    panel = Panel(households=derive_income(_frame("弥勒", rows, 2022)), meta={"synthetic": True})
    w = watchlist(panel, "弥勒市", 2022).set_index("household_id")
    assert sorted(w.index) == ["none", "one", "two"]
    assert w.loc["two", "flags"] == "ml_below_10000_labour_2plus" and w.loc["two", "labourers"] == 2
    assert w.loc["one", "flags"] == "ml_below_10000_labour_1"
    assert w.loc["none", "flags"] == "ml_below_10000_labour_0"
    text = next(SEEDS.glob("001_*.txt")).read_text(encoding="utf-8")
    for household, start in (
        ("two", "主要通过强化产业"),
        ("one", "主要通过结合个人意愿"),
        ("none", "实施综合政策保障"),
    ):
        assert w.loc[household, "strategy"].startswith(start) and w.loc[household, "strategy"] in text
    assert np.isnan(w.loc["two", "net_income_pc_prev"])  # no 2021 row: change unknown, not zero


def test_rules_quote_the_seeds():
    seed = {"guangxi": "004", "jiangxi": "003", "mile": "001"}
    for r in watchlist_rules().itertuples():
        text = next(SEEDS.glob(f"{seed[r.rule]}_*.txt")).read_text(encoding="utf-8")
        assert r.clause in text and (not r.strategy_zh or r.strategy_zh in text), r.flag


def test_counts_suppress_small_cells():
    w = watchlist(guangxi_panel(), "兴宁区", 2023, slow_growth_pct=5)
    counts = watchlist_counts(w)
    assert set(counts["county"]) == {"兴宁区", "合计"}
    one = counts[(counts["flag"] == "gx_income_fell") & (counts["county"] == "合计")].iloc[0]
    assert one["suppressed"] and one["n_households"] == 1  # 1 household: flagged as a primary small cell
    zero = watchlist_counts(w[w["household_id"] != "c"])
    zero = zero[zero["flag"] == "gx_weak_labour_key"]
    assert not zero["suppressed"].any() and (zero["n_households"] == 0).all()  # a true zero is shown
    many = pd.concat([w] * 6, ignore_index=True)  # 30 rows, 6 per flag
    c = watchlist_counts(many).set_index(["county", "flag"])
    assert c.loc[("合计", "any_flag"), "n_households"] == 30 and not c.loc[("合计", "any_flag"), "suppressed"]
    assert c.loc[("合计", "gx_income_fell"), "suppressed"]


def test_export_has_pseudonymised_ids_only(tmp_path):
    w = watchlist(guangxi_panel(), "兴宁区", 2023, slow_growth_pct=5)
    for name in ("list.csv", "list.xlsx"):
        path = export_watchlist(w, tmp_path / name)
        skip = len(CONFIDENTIAL_BANNER)  # the list says it is confidential in its first rows
        back = (
            pd.read_csv(path, encoding="utf-8-sig", skiprows=skip)
            if name.endswith("csv")
            else pd.read_excel(path, skiprows=skip)
        )
        assert sorted(back["household_id"]) == list("abcde")
        raw = path.read_bytes()
        assert "张三".encode() not in raw and b"410101199001019994" not in raw
    with pytest.raises(EvalkitError, match=r"\.csv or \.xlsx"):
        export_watchlist(w, tmp_path / "list.json")


def test_export_is_labelled_confidential_and_runs_no_formula(tmp_path):
    from openpyxl import load_workbook

    w = watchlist(guangxi_panel(), "兴宁区", 2023, slow_growth_pct=5)
    payloads = ['=HYPERLINK("http://x.invalid","点击")', "+1+1", "-2+3", "@SUM(A1)", "\t=2+2", "\r=1"]
    w = w.assign(village=(payloads * 2)[: len(w)], measures=["=1+1"] + [""] * (len(w) - 1))
    csv_path = export_watchlist(w, tmp_path / "list.csv")
    lines = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("内部资料，注意保密") and "CONFIDENTIAL" in lines[1]
    back = pd.read_csv(csv_path, encoding="utf-8-sig", skiprows=len(CONFIDENTIAL_BANNER), keep_default_na=False)
    assert set(back["village"]) == {"'" + p for p in payloads[: len(w)]}  # every payload prefixed: text
    assert back["net_income_pc"].dtype.kind == "f"  # numbers stay numbers
    xlsx = export_watchlist(w, tmp_path / "list.xlsx")
    book = load_workbook(xlsx)
    assert book.sheetnames == [CONFIDENTIAL_SHEET]
    sheet = book[CONFIDENTIAL_SHEET]
    assert sheet["A1"].value.startswith("内部资料，注意保密")
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula cell anywhere
    assert not [c.value for c in cells if c.value.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_unknown_rule_and_empty_region():
    with pytest.raises(EvalkitError) as info:
        watchlist(guangxi_panel(), "兴宁区", 2023, rules=["henan"])
    assert info.value.code == "E-WATCHLIST-RULE"
    with pytest.raises(EvalkitError) as info:
        watchlist(guangxi_panel(), "青秀区", 2023)
    assert info.value.code == "E-WATCHLIST-EMPTY"


@pytest.fixture(scope="module")
def demo():
    return load_demo()


@pytest.mark.parametrize(
    "region,years,rules",
    [
        ("guangxi-nanning", (2022, 2023, 2024), "own"),
        ("mile", (2022, 2023), "own"),
        ("shangyou", (2024, 2025), "own"),
        ("xinyang", (2023, 2024, 2025), "reference: guangxi"),
    ],
)
def test_demo_regions_every_plan_year(demo, region, years, rules):
    for year in years:
        w = watchlist(demo, region, year)
        assert len(w) > 0 and (w["rule_source"] == rules).all()
        assert w["household_id"].is_unique and (w["flags"] != "").all()
        fell = w["largest_fall"] != ""
        assert (w.loc[fell, "largest_fall_pc"] < 0).all()
        counts = watchlist_counts(w)
        small = (counts["n_households"] > 0) & (counts["n_households"] < 10)
        assert (counts["suppressed"] == small).all()


def test_cli_watchlist(tmp_path, capsys):
    out = tmp_path / "watch.xlsx"
    assert main(["watchlist", "--region", "mile", "--year", "2023", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "SYNTHETIC" in printed and "households exported" in printed
    assert len(pd.read_excel(out, skiprows=len(CONFIDENTIAL_BANNER))) > 0
