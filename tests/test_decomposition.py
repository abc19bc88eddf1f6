"""evalkit.decomposition: Datt–Ravallion and Shapley-by-component, hand cases and exact identities."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.indicators import decomposition, income, inequality

DATA = Path(__file__).parent / "data" / "inequality"
GROSS = ("wage", "operating_income", "operating_expenses", "property", "transfer")


def test_decompositions_live_in_decomposition_which_imports_inequality_not_the_reverse():
    assert {"datt_ravallion", "shapley_by_component", "shapley_values"} <= set(decomposition.__all__)
    assert not hasattr(inequality, "datt_ravallion") and not hasattr(inequality, "shapley_by_component")


def test_datt_ravallion_hand_computed():
    # y0 = (1, 2, 6), μ0 = 3; y1 = (3, 3, 6), μ1 = 4; z = 2.5; headcount (α = 0)
    # P0 = 2/3, P1 = 0; P(μ1, L0) = FGT(y0·4/3 = 1.33, 2.67, 8) = 1/3; P(μ0, L1) = FGT(y1·3/4 = 2.25, 2.25, 4.5) = 2/3
    # ref 0: G = 1/3 − 2/3 = −1/3, R = 2/3 − 2/3 = 0, residual = −2/3 + 1/3 = −1/3
    # ref 1: G = 0 − 2/3 = −2/3, R = 0 − 1/3 = −1/3, residual = +1/3; Shapley: G = −1/2, R = −1/6
    out = decomposition.datt_ravallion([1, 2, 6], [3, 3, 6], 2.5, 0).set_index("reference")
    expected = {"period0": (-1 / 3, 0, -1 / 3), "period1": (-2 / 3, -1 / 3, 1 / 3), "shapley": (-1 / 2, -1 / 6, 0)}
    for ref, (g, r, res) in expected.items():
        assert out.loc[ref, ["growth", "redistribution", "residual"]].tolist() == pytest.approx([g, r, res], abs=1e-15)
    assert (out["change"] == -2 / 3).all()


def test_datt_ravallion_identities_on_dasp_exercise():
    d = pd.read_csv(DATA / "dasp_dfgtgr_exercise.csv")
    for alpha in (0, 1, 2):
        out = decomposition.datt_ravallion(d["inc_t1"], d["inc_t2"], 5.0, alpha, d["weight"], d["weight"])
        total = out["growth"] + out["redistribution"] + out["residual"]
        np.testing.assert_allclose(total, out["change"], atol=1e-15)
        ref = out.set_index("reference")
        assert ref.loc["shapley", "residual"] == 0
        assert ref.loc["period1", "residual"] == pytest.approx(-ref.loc["period0", "residual"], abs=1e-15)
        assert ref.loc["shapley", "change"] == pytest.approx(
            inequality.fgt(d["inc_t2"], 5, alpha, d["weight"]) - inequality.fgt(d["inc_t1"], 5, alpha, d["weight"])
        )
    # weighted mean income fell (8.10 → 5.65): the growth component raises poverty
    assert ref.loc["shapley", "growth"] > 0


def test_datt_ravallion_rejects_non_positive_mean():
    with pytest.raises(EvalkitError) as info:
        decomposition.datt_ravallion([0, 0], [1, 2], 1.5, 0)
    assert info.value.code == "E-INEQUALITY-MEAN"


def two_households():
    # h1: wage 1 + transfer 1 = 2 → wage 2 + transfer 2 = 4; h2: 3 + 3 = 6 both years; size 1
    base = dict(operating_income=0.0, operating_expenses=0.0, property=0.0, household_size=1, county="c")
    return pd.DataFrame(
        [
            dict(household_id="h1", year=2022, wage=1.0, transfer=1.0, **base),
            dict(household_id="h2", year=2022, wage=3.0, transfer=3.0, **base),
            dict(household_id="h1", year=2023, wage=2.0, transfer=2.0, **base),
            dict(household_id="h2", year=2023, wage=3.0, transfer=3.0, **base),
        ]
    )


def test_shapley_by_component_hand_computed():
    out = decomposition.shapley_by_component(two_households(), 2022, 2023, line=3.5, weight="household")
    c = out.set_index(["statistic", "factor"])["contribution"]
    # headcount below 3.5: v(∅) = 1/2 (h1 at 2), v({wage}) = v({transfer}) = 1/2 (h1 at 3), v(both) = 0
    # φ_wage = ½[(v(w) − v(∅)) + (v(w,t) − v(t))] = ½[0 − 1/2] = −1/4, the same for transfer
    assert c[("fgt0", "wage")] == pytest.approx(-0.25) and c[("fgt0", "transfer")] == pytest.approx(-0.25)
    # Gini: (2, 6) → 4·2/(2·4·4) = 1/4; (3, 6) → 1/6; (4, 6) → 1/10; φ_wage = ½[(1/6 − 1/4) + (1/10 − 1/6)] = −0.075
    assert c[("gini", "wage")] == pytest.approx(-0.075) and c[("gini", "transfer")] == pytest.approx(-0.075)
    # mean 4 → 5: half each
    assert c[("mean", "wage")] == pytest.approx(0.5)
    assert c[("mean", "net_operating")] == 0 and c[("mean", "property")] == 0


def test_shapley_mean_equals_growth_contributions_on_five_households():
    hh = pd.read_csv(DATA / "five_households.csv")
    out = decomposition.shapley_by_component(hh, 2022, 2023, components=GROSS, line=10000)
    mean = out[out["statistic"] == "mean"].set_index("factor")["contribution"]
    growth = income.growth_contributions(hh).iloc[0]
    for k in GROSS:  # the mean is linear: Shapley = Δ component pc (expenses with a minus sign)
        assert mean[k] == pytest.approx(growth[f"contrib_{k}_yuan"], abs=1e-9)
    assert mean["household_size"] == 0  # sizes unchanged
    fgt0 = out[out["statistic"] == "fgt0"]
    assert fgt0["change"].iloc[0] == pytest.approx(6 / 15 - 3 / 15)  # persons below 10,000: 3 → 6 of 15


def test_shapley_terms_sum_exactly_with_changing_sizes_and_attrition():
    rng = np.random.default_rng(7)
    n = 400
    frames = []
    for year in (2022, 2023):
        frames.append(
            pd.DataFrame(
                {
                    "household_id": [f"h{i}" for i in range(n)],
                    "year": year,
                    "household_size": rng.integers(1, 7, n),
                    "wage": rng.gamma(2, 8000, n) * (rng.random(n) < 0.8),
                    "operating_income": rng.gamma(2, 3000, n),
                    "operating_expenses": rng.gamma(2, 1500, n),
                    "property": rng.gamma(1, 300, n),
                    "transfer": rng.gamma(2, 1500, n),
                }
            )
        )
    panel = pd.concat(frames, ignore_index=True).iloc[5:]  # h0..h4 only in 2023
    panel = panel[~((panel["household_id"] == "h9") & (panel["year"] == 2023))]
    out = decomposition.shapley_by_component(panel, 2022, 2023, line=6000)
    sums = out.groupby("statistic")["contribution"].sum()
    changes = out.groupby("statistic")["change"].first()
    np.testing.assert_allclose(sums, changes, rtol=0, atol=1e-12 * np.abs(changes).max() + 1e-12)
    assert set(out["statistic"]) == {"mean", "gini", "fgt0", "fgt1", "fgt2"}
    first = out.iloc[0]
    assert (first["n_matched"], first["n_only_year0"], first["n_only_year1"]) == (n - 6, 1, 5)
    # value0 / value1 are the statistics of the matched households in each year
    matched = panel[panel["household_id"].isin([f"h{i}" for i in range(5, n) if i != 9])]
    m22 = matched[matched["year"] == 2022]
    pc = income.per_capita_income(m22)
    g = out[out["statistic"] == "gini"].iloc[0]
    assert g["value0"] == pytest.approx(inequality.gini(pc, m22["household_size"]), rel=1e-12)


def test_shapley_bad_input():
    hh = two_households()
    with pytest.raises(EvalkitError) as info:
        decomposition.shapley_by_component(hh, 2022, 2023, statistics=("fgt0",))
    assert info.value.code == "E-DECOMPOSITION-LINE"
    with pytest.raises(EvalkitError) as info:
        decomposition.shapley_by_component(hh, 2022, 2024)
    assert info.value.code == "E-DECOMPOSITION-NO-COMMON"
    with pytest.raises(EvalkitError) as info:
        decomposition.shapley_by_component(hh, 2022, 2023, components=("wage", "transfer"))
    assert info.value.code == "E-DECOMPOSITION-COMPONENTS"
