"""evalkit.inequality: published reference values, hand-computed cases, identities, bad input."""

from math import log
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.indicators import inequality as iq

DATA = Path(__file__).parent / "data" / "inequality"
SOURCES = ["wage", "self_employment_rev", "farming_rev", "other_rev"]


@pytest.fixture(scope="module")
def ineq_x():
    return pd.read_csv(DATA / "ineq_example_x.csv")["x"].to_numpy(dtype=float)


@pytest.fixture(scope="module")
def gdly():
    return pd.read_csv(DATA / "ginidecomply_sample_income_data.csv")


@pytest.fixture(scope="module")
def eusilc():
    return pd.read_csv(DATA / "laeken_eusilc_households.csv")


# ---------------------------------------------------------------- R ineq 0.2-13 (reference README)
def test_r_ineq_example_vector(ineq_x):
    assert iq.gini(ineq_x) == pytest.approx(0.4620911, abs=5e-8)
    assert iq.atkinson(ineq_x, 0.5) == pytest.approx(0.1796591, abs=5e-8)
    assert iq.watts(ineq_x, 2000) == pytest.approx(0.1620141, abs=5e-8)
    assert iq.fgt(ineq_x, 2000, 0) == pytest.approx(0.2, abs=1e-15)


def test_r_ineq_ilocos_pangasinan():
    ilocos = pd.read_csv(DATA / "ineq_Ilocos.csv")
    income = ilocos.loc[ilocos["province"] == "Pangasinan", "income"] / 10000
    assert iq.atkinson(income, 0.5) == pytest.approx(0.1291856, abs=5e-8)
    assert iq.ge(income, 1) == pytest.approx(0.2837236, abs=5e-8)
    assert iq.theil_t(income) == iq.ge(income, 1)


# ---------------------------------------------------------------- GiniDecompLY 1.0.1 vignette
def test_ginidecomply_unweighted_gini_correlation(gdly):
    # gini_corr(wage, rowSums(sources)) = 0.6307609: the package ranks ties in data order
    total = gdly[SOURCES].sum(axis=1)
    r = iq.concentration(gdly["wage"], total, ties="stable") / iq.gini(gdly["wage"])
    assert r == pytest.approx(0.6307609, abs=5e-8)


def test_ginidecomply_weighted_gini_of_total(gdly):
    assert round(iq.gini(gdly[SOURCES].sum(axis=1), gdly["sample_wgt"]), 3) == 0.421


def test_ginidecomply_weighted_by_region_stable_ties(gdly):
    out = iq.gini_by_source(gdly[SOURCES], gdly["sample_wgt"], groups=gdly["region"], ties="stable")
    row = out.set_index(["group", "source"])
    rural_wage = row.loc[("Rural", "wage")]
    for col, expected, digits in [
        ("share", 0.219, 3),
        ("gini", 0.706, 3),
        ("gini_corr", 0.488, 3),
        ("contribution", 0.0755, 4),
        ("share_of_inequality", 0.172, 3),
        ("elasticity", 0.784, 3),
        ("marginal_effect", -0.0474, 4),
    ]:
        assert round(rural_wage[col], digits) == expected, col
    farming = row.loc[("Rural", "farming_rev")]
    assert (
        round(farming["share"], 3),
        round(farming["gini"], 3),
        round(farming["gini_corr"], 3),
        round(farming["share_of_inequality"], 3),
    ) == (0.412, 0.815, 0.854, 0.654)
    urban_wage = row.loc[("Urban", "wage")]
    assert (
        round(urban_wage["share"], 3),
        round(urban_wage["gini"], 3),
        round(urban_wage["gini_corr"], 3),
        round(urban_wage["share_of_inequality"], 3),
    ) == (0.460, 0.648, 0.665, 0.508)


def test_mid_rank_ties_move_r_in_third_decimal(gdly):
    # README: mid-rank ties give Rural wage R 0.4874 instead of the package's 0.4877
    mid = iq.gini_by_source(gdly[SOURCES], gdly["sample_wgt"], groups=gdly["region"]).set_index(["group", "source"])
    assert round(mid.loc[("Rural", "wage"), "gini_corr"], 4) == 0.4874


def test_gini_by_source_identities(gdly):
    out = iq.gini_by_source(gdly[SOURCES], gdly["sample_wgt"])
    g = iq.gini(gdly[SOURCES].sum(axis=1), gdly["sample_wgt"])
    assert out["contribution"].sum() == pytest.approx(g, rel=1e-12)
    assert out["share_of_inequality"].sum() == pytest.approx(1, rel=1e-12)
    assert out["share"].sum() == pytest.approx(1, rel=1e-12)
    assert out["marginal_effect"].sum() == pytest.approx(0, abs=1e-12)
    np.testing.assert_allclose(out["contribution"], out["share"] * out["gini"] * out["gini_corr"], rtol=1e-10)


def test_gini_by_source_zero_source_contributes_nothing():
    sources = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [0.0, 0, 0, 0]})
    out = iq.gini_by_source(sources).set_index("source")
    assert out.loc["b", "contribution"] == 0
    assert np.isnan(out.loc["b", "gini"]) and np.isnan(out.loc["b", "gini_corr"])
    assert out.loc["a", "contribution"] == pytest.approx(iq.gini([1, 2, 3, 4]))


# ---------------------------------------------------------------- hand-computed cases
def test_gini_hand_computed_weighted():
    # per-capita incomes of the five hand-made households (2022) with person weights:
    # y = 6000, 10000, 8000, 14000, 12000; w = 2, 4, 1, 3, 5; W = 15; μ = 162000/15 = 10800.
    # Σ_{i<j} w_i w_j |y_i − y_j| = 32000 + 4000 + 48000 + 60000 + 8000 + 48000 + 40000
    #   + 18000 + 20000 + 30000 = 308000; G = 2·308000 / (2 · 15² · 10800) = 0.1267489...
    y, w = [6000, 10000, 8000, 14000, 12000], [2, 4, 1, 3, 5]
    assert iq.gini(y, w) == pytest.approx(616000 / (2 * 225 * 10800), rel=1e-13)
    # a weight is the same as repeating the observation
    assert iq.gini(y, w) == pytest.approx(iq.gini(np.repeat(y, w)), rel=1e-13)


def test_gini_row_order_and_ties_do_not_matter():
    y = np.array([3.0, 1, 3, 2, 3, 0])
    w = np.array([1.0, 2, 3, 1, 1, 2])
    perm = [5, 2, 0, 4, 1, 3]
    assert iq.gini(y, w) == pytest.approx(iq.gini(y[perm], w[perm]), rel=1e-14)
    assert iq.gini(y, w, ties="stable") == pytest.approx(iq.gini(y, w), rel=1e-14)


def test_gini_negative_incomes_allowed():
    # Σ|yi−yj| over ordered pairs for (−2, 0, 4, 10): 2·(2+6+12+4+10+6) = 80; μ = 3; n = 4
    assert iq.gini([-2, 0, 4, 10]) == pytest.approx(80 / (2 * 16 * 3))
    assert isinstance(iq.gini([1, 2]), float)


def test_fgt_theil_mld_atkinson_hand_computed():
    y, w = np.array([6000, 10000, 8000, 14000, 12000.0]), np.array([2, 4, 1, 3, 5.0])
    # line 10,000: poor are 6000 (gap 0.4, w 2) and 8000 (gap 0.2, w 1); 10,000 itself is not poor
    assert iq.fgt(y, 10000, 0, w) == pytest.approx(3 / 15)
    assert iq.fgt(y, 10000, 1, w) == pytest.approx((2 * 0.4 + 0.2) / 15)
    assert iq.fgt(y, 10000, 2, w) == pytest.approx((2 * 0.16 + 0.04) / 15)
    assert iq.watts(y, 10000, w) == pytest.approx((2 * log(10 / 6) + log(10 / 8)) / 15)
    r = y / 10800
    assert iq.theil_t(y, w) == pytest.approx(sum(w * r * np.log(r)) / 15)
    assert iq.mld(y, w) == pytest.approx(-sum(w * np.log(r)) / 15)
    assert iq.atkinson(y, 0.5, w) == pytest.approx(1 - (sum(w * np.sqrt(r)) / 15) ** 2)
    assert iq.atkinson(y, 1, w) == pytest.approx(1 - np.exp(sum(w * np.log(y)) / 15) / 10800)
    assert iq.atkinson(y, 2, w) == pytest.approx(1 - (sum(w / y) / 15) ** -1 / 10800)
    assert iq.ge(y, 2, w) == pytest.approx((sum(w * r**2) / 15 - 1) / 2)


def test_fgt_negative_income_gap_above_one():
    assert iq.fgt([-50, 150], 100, 1) == pytest.approx(1.5 / 2)
    assert iq.fgt([-50, 150], 100, 0) == 0.5


# ---------------------------------------------------------------- subgroup decompositions
def test_fgt_subgroup_contributions_sum_to_total(eusilc):
    z = 0.6 * eusilc["eqIncome"].median()
    for alpha in (0, 1, 2):
        table = iq.fgt_by_group(eusilc["eqIncome"], z, alpha, eusilc["db040"], eusilc["db090"])
        total = iq.fgt(eusilc["eqIncome"], z, alpha, eusilc["db090"])
        assert table["contribution_abs"].sum() == pytest.approx(total, rel=1e-12)
        assert table["contribution_rel"].sum() == pytest.approx(1, rel=1e-12)
        assert table["population_share"].sum() == pytest.approx(1, rel=1e-12)
        one = eusilc["db040"] == table["group"].iloc[0]
        assert table["fgt"].iloc[0] == pytest.approx(
            iq.fgt(eusilc.loc[one, "eqIncome"], z, alpha, eusilc.loc[one, "db090"]), rel=1e-12
        )
    assert table["n"].sum() == len(eusilc)


def test_theil_and_mld_within_between(eusilc):
    positive = eusilc[eusilc["eqIncome"] > 0]
    for alpha in (0, 1):
        d = iq.ge_decomposition(positive["eqIncome"], positive["db040"], alpha, positive["db090"])
        assert d.total == pytest.approx(iq.ge(positive["eqIncome"], alpha, positive["db090"]), rel=1e-12)
        assert d.within + d.between == pytest.approx(d.total, rel=1e-12)
        assert 0 < d.between < d.total
        assert d.summary().set_index("part").loc["total", "share"] == 1
    # MLD is undefined with a zero income (documented nan); Theil T accepts it
    assert np.isnan(iq.ge_decomposition(eusilc["eqIncome"], eusilc["db040"], 0).total)
    assert np.isfinite(iq.ge_decomposition(eusilc["eqIncome"], eusilc["db040"], 1).total)


def test_hand_theil_between_groups():
    # groups a: (1, 1), b: (3, 3): within 0; μ = 2; between T = ¼ln½·2/… computed directly:
    # T = Σ (y/μ) ln(y/μ) / n = [2·0.5·ln 0.5 + 2·1.5·ln 1.5] / 4
    d = iq.ge_decomposition([1, 1, 3, 3], ["a", "a", "b", "b"], 1)
    assert d.within == 0
    assert d.between == pytest.approx((log(0.5) + 3 * log(1.5)) / 4)


# ---------------------------------------------------------------- grouped table = scalar functions
def test_inequality_table_matches_scalar_functions(eusilc):
    frame = eusilc.rename(columns={"eqIncome": "net_income_pc", "hsize": "household_size", "db040": "county"})
    frame = frame.assign(year=2023)
    table = iq.inequality_table(frame, by=["county"], line=12000).set_index("county")
    for county, rows in frame.groupby("county"):
        y, w = rows["net_income_pc"], rows["household_size"]
        got = table.loc[county]
        assert got["gini"] == pytest.approx(iq.gini(y, w), rel=1e-10)
        assert got["theil_t"] == pytest.approx(iq.theil_t(y, w), rel=1e-10)
        assert got["fgt1"] == pytest.approx(iq.fgt(y, 12000, 1, w), rel=1e-10)
        if (y > 0).all():
            assert got["mld"] == pytest.approx(iq.mld(y, w), rel=1e-10)
            assert got["atkinson_0_5"] == pytest.approx(iq.atkinson(y, 0.5, w), rel=1e-10)
            assert got["watts"] == pytest.approx(iq.watts(y, 12000, w), rel=1e-10)
        else:
            assert np.isnan(got["mld"]) and np.isnan(got["watts"])
    assert table["n_households"].sum() == len(frame)


# ---------------------------------------------------------------- bad input
def test_empty_input_raises_clear_error():
    with pytest.raises(EvalkitError) as info:
        iq.gini([])
    assert info.value.code == "E-DATA-EMPTY"
    with pytest.raises(EvalkitError) as info:
        iq.fgt([], 100, 0)
    assert info.value.code == "E-DATA-EMPTY"


def test_group_of_one_is_zero_inequality():
    assert iq.gini([5.0]) == 0.0
    assert iq.theil_t([5.0]) == 0.0
    assert iq.fgt([5.0], 10, 0) == 1.0


def test_all_zero_incomes_give_documented_nan():
    assert np.isnan(iq.gini([0, 0, 0]))
    assert np.isnan(iq.theil_t([0, 0]))
    assert np.isnan(iq.atkinson([0, 0], 0.5))
    assert iq.fgt([0, 0], 100, 2) == 1.0


def test_missing_values_and_bad_weights_and_line():
    with pytest.raises(EvalkitError) as info:
        iq.gini([1, np.nan])
    assert info.value.code == "E-DATA-MISSING-VALUES"
    with pytest.raises(EvalkitError) as info:
        iq.gini([1, 2], [1, -1])
    assert info.value.code == "E-WEIGHTS-INVALID"
    with pytest.raises(EvalkitError) as info:
        iq.gini([1, 2], [0, 0])
    assert info.value.code == "E-WEIGHTS-ZERO"
    with pytest.raises(EvalkitError) as info:
        iq.gini([1, 2], [1])
    assert info.value.code == "E-WEIGHTS-LENGTH"
    with pytest.raises(EvalkitError) as info:
        iq.fgt([1, 2], 0, 0)
    assert info.value.code == "E-LINE-NOT-POSITIVE"
    assert np.isnan(iq.watts([0, 5], 3))
    assert np.isnan(iq.mld([0, 5]))
    assert np.isnan(iq.theil_t([-1, 5]))
