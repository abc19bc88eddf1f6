"""evalkit.income on the hand-made five-household panel (tests/data/inequality/five_households.csv).

Hand computation, 2022 (household totals in yuan; pc = net / size):

    id  size  wage   op_inc  op_exp  prop  transfer   net    pc
    h1   2    8000   3000    1000    0     2000      12000   6000
    h2   4   30000  10000    4000  2000    2000      40000  10000
    h3   1       0   2000     500   500    6000       8000   8000
    h4   3   36000      0       0  3000    3000      42000  14000   (新县)
    h5   5   40000  20000    6000  1000    5000      60000  12000   (新县)
    sum 15  114000  35000   11500  6500   18000     162000  → net_income_pc = 162000/15 = 10800

2023: h1 wage 12000, op_exp 600 (net 16400, pc 8200); h2 wage 28000, transfer 2400 (38400, 9600);
h3 op_inc 3000, transfer 7000 (10000, 10000); h4 wage 30000 (36000, 12000); h5 op_inc 25000 (65000, 13000).
    sum 15  110000  41000   11100  6500   19400     165800  → net_income_pc = 11053.33
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.indicators import income

DATA = Path(__file__).parent / "data" / "inequality"


@pytest.fixture
def hh():
    return pd.read_csv(DATA / "five_households.csv")


def row(table, **keys):
    mask = np.logical_and.reduce([table[k] == v for k, v in keys.items()])
    assert mask.sum() == 1, keys
    return table[mask].iloc[0]


def test_levels_components_and_structure_person_weighted(hh):
    out = income.income_indicators(hh)
    r = row(out, year=2022)
    assert (r["n_households"], r["n_persons"]) == (5, 15)
    assert r["net_income_pc"] == pytest.approx(10800)
    assert r["wage_pc"] == pytest.approx(114000 / 15)  # 7600
    assert r["operating_income_pc"] == pytest.approx(35000 / 15)  # 2333.33
    assert r["operating_expenses_pc"] == pytest.approx(11500 / 15)
    assert r["net_operating_pc"] == pytest.approx(23500 / 15)  # 1566.67
    assert r["property_pc"] == pytest.approx(6500 / 15)
    assert r["transfer_pc"] == pytest.approx(18000 / 15)  # 1200
    assert r["transfer_dibao_pc"] == pytest.approx(3500 / 15)
    assert r["share_wage"] == pytest.approx(7600 / 10800)  # 0.7037
    assert r["share_transfer"] == pytest.approx(1200 / 10800)  # 0.1111
    assert r["weighting"] == "person"
    shares = out[["share_wage", "share_net_operating", "share_property", "share_transfer"]].sum(axis=1)
    np.testing.assert_allclose(shares, 1, rtol=1e-14)
    r23 = row(out, year=2023)
    assert r23["net_income_pc"] == pytest.approx(165800 / 15)
    assert np.isnan(r23["transfer_dibao_pc"])  # h2 did not report 低保 in 2023: nan, not a silent zero


def test_household_weighting_is_mean_of_per_capita(hh):
    r = row(income.income_indicators(hh, weight="household"), year=2022)
    assert r["net_income_pc"] == pytest.approx((6000 + 10000 + 8000 + 14000 + 12000) / 5)  # 10000
    assert r["wage_pc"] == pytest.approx((4000 + 7500 + 0 + 12000 + 8000) / 5)  # 6300
    assert r["weighting"] == "household"


def test_by_county(hh):
    out = income.income_indicators(hh, by=["county"])
    gs = row(out, county="光山县", year=2022)
    assert (gs["n_households"], gs["n_persons"]) == (3, 7)
    assert gs["net_income_pc"] == pytest.approx((12000 + 40000 + 8000) / 7)
    xx = row(out, county="新县", year=2023)
    assert xx["net_income_pc"] == pytest.approx((36000 + 65000) / 8)
    assert list(out.columns[:2]) == ["county", "year"]


def test_growth_contributions_hand_computed(hh):
    out = income.growth_contributions(hh)
    assert list(out["year"]) == [2023]
    r = out.iloc[0]
    assert r["base_year"] == 2022
    # Δ net pc = 165800/15 − 10800 = 253.33; growth = 253.33 / 10800 = 2.3457 %
    assert r["growth_rate"] == pytest.approx((165800 / 15 - 10800) / 10800)
    assert r["growth_pct"] == pytest.approx(100 * 253.3333333 / 10800)
    assert r["contrib_wage_yuan"] == pytest.approx(-4000 / 15)  # wage fell by 4000
    assert r["contrib_operating_income_yuan"] == pytest.approx(6000 / 15)  # +400
    assert r["contrib_operating_expenses_yuan"] == pytest.approx(400 / 15)  # expenses cut by 400: positive
    assert r["contrib_property_yuan"] == pytest.approx(0, abs=1e-12)
    assert r["contrib_transfer_yuan"] == pytest.approx(1400 / 15)
    assert r["contrib_operating_expenses_pp"] == pytest.approx(100 * (400 / 15) / 10800)
    comps = ["wage", "operating_income", "operating_expenses", "property", "transfer"]
    assert sum(r[f"contrib_{c}_yuan"] for c in comps) == pytest.approx(
        r["net_income_pc"] - r["net_income_pc_base"], rel=1e-12
    )
    assert sum(r[f"contrib_{c}_pp"] for c in comps) == pytest.approx(r["growth_pct"], rel=1e-12)
    assert r["status"] == "ok"


def test_growth_contributions_sum_exactly_by_group_and_fixed_base(hh):
    later = hh[hh["year"] == 2023].assign(year=2024, wage=lambda d: d["wage"] * 1.1)
    panel = pd.concat([hh, later], ignore_index=True)
    for base in (None, 2022):
        out = income.growth_contributions(panel, by=["county"], base_year=base)
        total = out.filter(like="_pp").sum(axis=1)
        np.testing.assert_allclose(total, out["growth_pct"], rtol=1e-12)
    fixed = income.growth_contributions(panel, base_year=2022)
    assert list(fixed["base_year"]) == [2022, 2022]


def test_growth_missing_base_year_is_flagged(hh):
    panel = hh[~((hh["county"] == "新县") & (hh["year"] == 2022))]
    out = income.growth_contributions(panel, by=["county"])
    xx = row(out, county="新县")
    assert xx["status"] == "missing base year" and np.isnan(xx["growth_rate"])
    assert row(out, county="光山县")["status"] == "ok"
    with pytest.raises(EvalkitError) as info:
        income.growth_contributions(hh, base_year=2019)
    assert info.value.code == "E-YEAR-BASE"


def test_gap_to_rural_with_explicit_comparison(hh):
    ind = income.income_indicators(hh, by=["county"])
    comparison = pd.DataFrame({"region": ["光山县", "光山县"], "year": [2022, 2023], "value": [15000.0, 16000.0]})
    out = income.gap_to_rural(ind, "county", comparison=comparison)
    gs22, gs23 = row(out, county="光山县", year=2022), row(out, county="光山县", year=2023)
    # 光山县 脱贫 pc: 2022 60000/7 = 8571.43, 2023 (16400 + 38400 + 10000)/7 = 9257.14
    assert gs22["ratio_rural_to_tuopin"] == pytest.approx(15000 / (60000 / 7))
    assert gs22["comparison_status"] == "missing previous year" and np.isnan(gs22["growth_differential_pp"])
    assert gs23["rural_growth_pct"] == pytest.approx(100 * (16000 / 15000 - 1))  # 6.667
    assert gs23["tuopin_growth_pct"] == pytest.approx(100 * (64800 / 60000 - 1))  # 8.0
    assert gs23["growth_differential_pp"] == pytest.approx(8.0 - 100 / 15)  # +1.333 pp
    assert gs23["comparison_status"] == "ok"
    for year in (2022, 2023):
        xx = row(out, county="新县", year=year)
        assert xx["comparison_status"] == "missing comparison series"
        assert np.isnan(xx["ratio_rural_to_tuopin"]) and np.isnan(xx["rural_income"])


def test_gap_to_rural_empty_comparison_says_missing(hh):
    ind = income.income_indicators(hh, by=["county"])
    empty = pd.DataFrame(columns=["region", "year", "value"])
    out = income.gap_to_rural(ind, "county", comparison=empty)
    assert set(out["comparison_status"]) == {"missing comparison series"}


def test_gap_to_rural_default_comparison_module(hh):
    # evalkit.comparison (another module) supplies the series; a county it lacks is "missing"
    ind = income.income_indicators(hh.assign(county="无此县"), by=["county"])
    out = income.gap_to_rural(ind, "county")
    assert set(out["comparison_status"]) == {"missing comparison series"}


def test_indicator_set_combines_blocks(hh):
    out = income.indicator_set(hh, by=["county"], line=10000)
    assert len(out) == 4
    r = row(out, county="光山县", year=2023)
    assert r["n_households_below"] == 2  # h1 8200, h2 9600
    assert r["growth_pct"] == pytest.approx(8.0)
    assert 0 < r["gini"] < 1 and r["fgt0"] == pytest.approx(6 / 7)  # 6 of 7 persons below


def test_bad_input_messages(hh):
    with pytest.raises(EvalkitError) as info:
        income.income_indicators(hh.iloc[0:0])
    assert info.value.code == "E-DATA-EMPTY"
    with pytest.raises(EvalkitError, match="column wage has 1 missing") as info:
        income.income_indicators(hh.assign(wage=hh["wage"].where(hh.index != 3)))
    assert info.value.code == "E-DATA-MISSING-VALUES"
    with pytest.raises(EvalkitError, match="missing columns: transfer") as info:
        income.income_indicators(hh.drop(columns="transfer"))
    assert info.value.code == "E-DATA-COLUMNS"
    with pytest.raises(EvalkitError, match="household_size") as info:
        income.income_indicators(hh.assign(household_size=0))
    assert info.value.code == "E-DATA-MISSING-VALUES"
    with pytest.raises(EvalkitError) as info:
        income.income_indicators(hh, weight="persons")
    assert info.value.code == "E-WEIGHT-KIND"


def test_group_of_one_and_all_zero_incomes(hh):
    one = income.income_indicators(hh[hh["household_id"] == "h3"], by=["county"])
    assert list(one["n_households"]) == [1, 1]
    assert row(one, year=2022)["net_income_pc"] == 8000
    zero = hh.assign(wage=0, operating_income=0, operating_expenses=0, property=0, transfer=0)
    z = income.income_indicators(zero)
    assert (z["net_income_pc"] == 0).all()
    assert z["share_wage"].isna().all()  # shares of a zero income are undefined: nan
    g = income.growth_contributions(zero)
    assert g["status"].tolist() == ["zero base income"] and g["growth_rate"].isna().all()


def test_labour_group_schemes(hh):
    hh = hh.assign(labour_full=[2, 0, 0, 1, 0] * 2, labour_weak=[0, 1, 0, 1, 2] * 2)
    assert income.labour_group(hh).iloc[:5].tolist() == [
        "有劳动能力",
        "弱劳动力或半劳动力",
        "无劳动能力",
        "有劳动能力",
        "弱劳动力或半劳动力",
    ]
    assert income.labour_group(hh, "count").iloc[:5].tolist() == [
        "2个及以上劳动力",
        "1个劳动力",
        "无劳动力",
        "2个及以上劳动力",
        "2个及以上劳动力",
    ]
    out = income.income_indicators(hh.assign(labour_group=income.labour_group(hh)), by=["labour_group"])
    none = row(out, labour_group="无劳动能力", year=2022)
    assert (none["n_households"], none["net_income_pc"]) == (1, 8000)  # h3 alone
    with pytest.raises(EvalkitError) as info:
        income.labour_group(hh.drop(columns="labour_full"))
    assert info.value.code == "E-LABOUR-COUNTS-MISSING"


def test_missing_group_key_is_its_own_group_not_dropped(hh):
    hh = hh.assign(county=hh["county"].where(hh["household_id"] != "h1"))
    out = income.indicator_set(hh, by=["county"])
    assert out["n_households"].sum() == 10
    unknown = out[out["county"].isna() & (out["year"] == 2023)].iloc[0]
    # h1 alone: 8200 in 2023, 6000 in 2022 → +36.67 %, Gini of one household 0, below 10,000
    assert (unknown["n_households"], unknown["net_income_pc"], unknown["gini"]) == (1, 8200, 0)
    assert unknown["growth_pct"] == pytest.approx(100 * (8200 / 6000 - 1))
    assert unknown["n_households_below"] == 1
    with pytest.raises(EvalkitError, match="missing grouping columns: township") as info:
        income.income_indicators(hh, by=["township"])
    assert info.value.code == "E-GROUP-COLUMNS"
