"""evalkit.thresholds (re-exported by evalkit.income) on the hand-made five-household panel.

Per-capita net income (see tests/test_income.py for the derivation) and household size:

    id   size   2022    2023    county
    h1    2     6000    8200    光山县
    h2    4    10000    9600    光山县
    h3    1     8000   10000    光山县
    h4    3    14000   12000    新县
    h5    5    12000   13000    新县
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.indicators import income, thresholds

DATA = Path(__file__).parent / "data" / "inequality"


@pytest.fixture
def hh():
    return pd.read_csv(DATA / "five_households.csv")


def test_reexported_from_income():
    assert income.below_threshold is thresholds.below_threshold
    assert income.quintile_groups is thresholds.quintile_groups


def test_below_10000_hand_computed(hh):
    out = income.below_threshold(hh, 10000).set_index("year")
    # 2022: h1 (6000, 2 persons) and h3 (8000, 1 person) below; h2 at exactly 10000 is not below
    assert out.loc[2022, ["n_households_below", "n_persons_below"]].tolist() == [2, 3]
    assert out.loc[2022, "share_households_below"] == pytest.approx(2 / 5)
    assert out.loc[2022, "share_persons_below"] == pytest.approx(3 / 15)
    # 2023: h1 (8200) and h2 (9600): 2 households, 6 persons
    assert out.loc[2023, ["n_households_below", "n_persons_below"]].tolist() == [2, 6]
    assert out.loc[2023, "share_persons_below"] == pytest.approx(6 / 15)
    assert (out["status"] == "ok").all() and (out["line"] == "10000").all()


def test_below_monitoring_line_explicit_lines(hh):
    lines = pd.DataFrame({"province": ["河南省", "河南省"], "year": [2022, 2023], "value": [7000.0, 8500.0]})
    out = income.below_threshold(hh, "monitoring_line", by=["county"], lines=lines)
    gs = out[out["county"] == "光山县"].set_index("year")
    assert gs.loc[2022, "n_households_below"] == 1  # h1 6000 < 7000
    assert gs.loc[2023, "n_persons_below"] == 2  # h1 8200 < 8500; h2 9600 is not
    assert out.loc[out["county"] == "新县", "n_households_below"].eq(0).all()


def test_missing_monitoring_line_is_flagged_not_counted(hh):
    lines = pd.DataFrame({"province": ["河南省"], "year": [2022], "value": [7000.0]})
    out = income.below_threshold(hh, "monitoring_line", lines=lines).set_index("year")
    assert out.loc[2023, "status"] == "missing monitoring line"
    assert out.loc[2023, "n_households_no_line"] == 5
    assert np.isnan(out.loc[2023, "share_households_below"])
    assert out.loc[2022, "status"] == "ok"


def test_monitoring_line_from_comparison_module(hh):
    # the published/synthetic series (evalkit.comparison) has no line for 虚构省: flagged, not guessed
    out = income.below_threshold(hh.assign(province="虚构省"), "monitoring_line", include_synthetic=True)
    assert set(out["status"]) == {"missing monitoring line"}


def test_share_above_since_hand_computed(hh):
    out = income.share_above_since(hh, 10000, 2022, [2023])
    r = out.iloc[0]
    # cohort: h1 and h3 (below 10,000 in 2022); in 2023 h3 has exactly 10,000 (above), h1 8200
    assert (r["n_cohort"], r["n_observed"], r["n_missing"], r["n_above"]) == (2, 2, 0, 1)
    assert r["share_above"] == pytest.approx(0.5)
    assert r["share_above_persons"] == pytest.approx(1 / 3)
    assert r["status"] == "ok" and r["base_year"] == 2022


def test_share_above_since_counts_households_that_left(hh):
    panel = hh[~((hh["household_id"] == "h3") & (hh["year"] == 2023))]
    r = income.share_above_since(panel, 10000, 2022, 2023, by=["county"]).iloc[0]
    assert (r["county"], r["n_cohort"], r["n_observed"], r["n_missing"], r["share_above"]) == ("光山县", 2, 1, 1, 0.0)


def test_share_above_since_empty_cohort_and_bad_base(hh):
    out = income.share_above_since(hh, 1000, 2022, [2023])
    assert out["status"].tolist() == ["empty cohort"] and out["share_above"].isna().all()
    with pytest.raises(EvalkitError) as info:
        income.share_above_since(hh, 10000, 2020, [2023])
    assert info.value.code == "E-YEAR-BASE"


def test_transitions_hand_computed(hh):
    out = income.transitions(hh, 10000, 2022, 2023).set_index("transition")
    assert out.loc["stayed_below", "n_households"] == 1  # h1
    assert out.loc["fell_below", "n_households"] == 1  # h2
    assert out.loc["rose_above", "n_households"] == 1  # h3 reaches exactly 10,000
    assert out.loc["stayed_above", "n_households"] == 2  # h4, h5
    assert out.loc["stayed_above", "n_persons"] == 8
    assert out.loc[["only_year0", "only_year1"], "n_households"].tolist() == [0, 0]
    assert out["share_households"].sum() == pytest.approx(1)


def test_transitions_entry_and_exit_by_group(hh):
    panel = hh[~((hh["household_id"] == "h4") & (hh["year"] == 2023))]
    panel = pd.concat([panel, hh[(hh["household_id"] == "h5") & (hh["year"] == 2023)].assign(household_id="h6")])
    out = income.transitions(panel, 10000, 2022, 2023, by=["county"])
    xx = out[out["county"] == "新县"].set_index("transition")
    assert xx.loc["only_year0", "n_households"] == 1 and xx.loc["only_year1", "n_households"] == 1
    assert xx["share_households"].sum() == pytest.approx(1)
    assert out.groupby("county")["n_households"].sum().to_dict() == {"光山县": 3, "新县": 3}


def test_quintile_groups_hand_computed(hh):
    q = income.quintile_groups(hh, 2023)
    # person-weighted mid-ranks of 2022 pc (W = 15): h1 1/15, h3 2.5/15, h2 5/15, h5 9.5/15, h4 13.5/15
    # → quintile ⌊5F⌋ + 1 = 1, 1, 2, 4, 5
    assert q.to_dict() == {"h1": 1, "h2": 2, "h3": 1, "h4": 5, "h5": 4}
    by_county = income.quintile_groups(hh, 2023, by=["county"])
    # 光山县 W = 7: h1 1/7 → 1, h3 2.5/7 → 2, h2 5/7 → 4; 新县 W = 8: h5 2.5/8 → 2, h4 6.5/8 → 5
    assert by_county.to_dict() == {"h1": 1, "h3": 2, "h2": 4, "h5": 2, "h4": 5}


def test_quintiles_equal_weights_give_equal_groups():
    rows = pd.DataFrame(
        {
            "household_id": [f"x{i}" for i in range(10)],
            "year": 2022,
            "household_size": 1,
            "net_income_pc": np.arange(10.0),
        }
    )
    q = income.quintile_groups(rows, 2023)
    assert q.value_counts().sort_index().tolist() == [2, 2, 2, 2, 2]
    with pytest.raises(EvalkitError) as info:
        income.quintile_groups(rows, 2022)
    assert info.value.code == "E-YEAR-PREVIOUS"


def test_quintile_growth_and_tracking(hh):
    out = income.quintile_growth(hh, 2023).set_index("quintile")
    # bottom quintile = h1 + h3: 2022 (12000 + 8000)/3 = 6666.67, 2023 (16400 + 10000)/3 = 8800: +32 %
    assert out.loc[1, "net_income_pc_base"] == pytest.approx(20000 / 3)
    assert out.loc[1, "growth_pct"] == pytest.approx(32.0)
    assert (out["n_not_followed"] == 0).all()
    bottom = income.quintile_groups(hh, 2023)
    tracked = income.track_households(hh, bottom[bottom == 1].index).set_index("year")
    assert tracked.loc[2023, "net_income_pc"] == pytest.approx(8800)
    assert (tracked["n_tracked"] == 2).all() and (tracked["n_missing"] == 0).all()


def test_bad_lines(hh):
    with pytest.raises(EvalkitError) as info:
        income.below_threshold(hh, "10000元")
    assert info.value.code == "E-LINE-KIND"
    with pytest.raises(EvalkitError) as info:
        income.below_threshold(hh, 0)
    assert info.value.code == "E-LINE-NOT-POSITIVE"
    with pytest.raises(EvalkitError) as info:
        income.below_threshold(hh.iloc[0:0], 10000)
    assert info.value.code == "E-DATA-EMPTY"


def test_transitions_without_monitoring_line_are_flagged(hh):
    lines = pd.DataFrame({"province": ["河南省"], "year": [2022], "value": [7000.0]})
    out = income.transitions(hh, "monitoring_line", 2022, 2023, lines=lines).set_index("transition")
    assert out.loc["no_line", "n_households"] == 5  # no 2023 line: not classified as rose/fell/stayed
    assert out.drop(index="no_line")["n_households"].sum() == 0
