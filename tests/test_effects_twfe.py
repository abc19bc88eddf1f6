"""TWFE (pyfixest) against R fixest on mpdta; dCDH weights by their exact identity; guards."""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.core.errors import DesignError
from evalkit.effects import staggered_did
from evalkit.effects.twfe import compare_twfe_cs, singleton_mask, twfe, twfe_event_study, twfe_weights

DATA = Path(__file__).parent / "data" / "effects"


@pytest.fixture(scope="module")
def mpdta():
    d = pd.read_csv(DATA / "mpdta.csv")
    d["post"] = ((d["year"] >= d["first.treat"]) & (d["treat"] == 1)).astype(int)
    return d


def test_twfe_matches_fixest(mpdta):
    res = twfe(mpdta, "lemp", "countyreal", "year", "post")
    assert res.coef == pytest.approx(-0.036549, abs=1e-6)
    assert res.se == pytest.approx(0.013265, abs=1e-6)
    assert res.tstat == pytest.approx(-2.75526, abs=1e-5)
    assert res.n_obs == 2500 and res.n_clusters == 500
    assert "nested" in res.small_sample


def staggered_no_noise(seed=0):
    """Balanced panel, 3 cohorts + never treated, effects growing with exposure, no noise."""
    rng = np.random.default_rng(seed)
    units = np.arange(300)
    cohort = np.select([units < 60, units < 140, units < 220], [2, 4, 6], 0)
    years = np.arange(1, 8)
    frame = pd.DataFrame(
        {
            "unit": np.repeat(units, len(years)),
            "year": np.tile(years, len(units)),
            "cohort": np.repeat(cohort, len(years)),
        }
    )
    alpha = rng.normal(size=len(units))[frame["unit"]]
    exposure = np.where(
        (frame["cohort"] > 0) & (frame["year"] >= frame["cohort"]), frame["year"] - frame["cohort"] + 1, 0
    )
    tau = exposure * (1.0 + frame["cohort"] / 4)
    frame["y"] = alpha + 0.3 * frame["year"] + tau
    frame["tau"] = tau
    frame["d"] = (exposure > 0).astype(int)
    return frame


def test_dcdh_weights_reproduce_twfe_exactly():
    frame = staggered_no_noise()
    weights = twfe_weights(frame, "unit", "year", "cohort")
    assert weights["weight"].sum() == pytest.approx(1.0, abs=1e-10)
    true_cells = frame[frame["d"] == 1].groupby(["cohort", "year"], as_index=False)["tau"].mean()
    merged = weights.merge(true_cells, left_on=["group", "time"], right_on=["cohort", "year"])
    implied = float((merged["weight"] * merged["tau"]).sum())
    beta = twfe(frame, "y", "unit", "year", "d").coef
    assert beta == pytest.approx(implied, abs=1e-7)
    # effects grow with exposure: TWFE understates the average effect on the treated
    att = frame.loc[frame["d"] == 1, "tau"].mean()
    assert beta < att - 0.5


def test_compare_twfe_cs_shows_negative_weights():
    frame = staggered_no_noise()
    frame["y"] = frame["y"] + np.random.default_rng(3).normal(scale=0.01, size=len(frame))
    cs = staggered_did(frame, "y", "unit", "year", "cohort", method="reg")
    summary, weights = compare_twfe_cs(frame, "y", "unit", "year", "cohort", cs)
    assert summary.loc[0, "n_negative_weights"] > 0
    assert summary.loc[0, "sum_negative_weights"] < 0
    twfe_row, implied = summary.set_index("estimator").loc[["twfe", "twfe_implied_by_cs"], "att"]
    assert twfe_row == pytest.approx(implied, abs=0.01)
    # CS simple aggregation recovers the average effect on treated cells (weighted by cohort size)
    true_simple = frame[frame["d"] == 1]["tau"].mean()
    assert summary.set_index("estimator").loc["cs_simple", "att"] == pytest.approx(true_simple, abs=0.01)


def test_event_study_recovers_dynamic_effects_without_heterogeneity():
    frame = staggered_no_noise()
    rel = np.where(frame["cohort"] > 0, frame["year"] - frame["cohort"], -99)
    frame["y"] = frame["y"] - frame["tau"] + np.where(rel >= 0, rel + 1.0, 0.0)  # homogeneous dynamic effect
    frame["y"] += np.random.default_rng(5).normal(scale=0.01, size=len(frame))
    es = twfe_event_study(frame, "y", "unit", "year", "cohort").set_index("event_time")
    for e in range(0, 4):
        assert es.loc[e, "att"] == pytest.approx(e + 1.0, abs=0.02)
    assert es.loc[-1, "att"] == 0 and abs(es.loc[-3, "att"]) < 0.02


def test_county_year_effects_and_cluster(mpdta):
    data = mpdta.assign(state=mpdta["countyreal"] // 1000, area=mpdta["countyreal"] % 7)
    res = twfe(data, "lemp", "countyreal", "year", "post", cluster="state", county="area")
    assert res.n_clusters == data["state"].nunique()
    assert "area×year" in res.fixed_effects
    assert np.isfinite(res.coef) and res.se > 0 and res.coef != pytest.approx(-0.036549, abs=1e-4)
    # mpdta's minimum wage is set by state: state × year effects absorb the treatment
    with pytest.raises(DesignError) as info:
        twfe(data, "lemp", "countyreal", "year", "post", county="state")
    assert info.value.code == "E-TWFE-COLLINEAR"


def test_all_singletons_raise_before_pyfixest():
    frame = pd.DataFrame(
        {"unit": np.arange(50), "year": np.arange(50) % 5 + 2020, "y": np.arange(50.0), "d": np.arange(50) % 2}
    )
    assert singleton_mask(frame, ["unit", "year"]).all()
    with pytest.raises(DesignError) as info:
        twfe(frame, "y", "unit", "year", "d")
    assert info.value.code == "E-TWFE-SINGLETONS"


def test_singleton_mask_is_iterative():
    # year 2022 has one row (unit 3); removing it leaves unit 3 with one row, removed next
    frame = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3], "year": [2020, 2021, 2020, 2021, 2020, 2022]})
    assert singleton_mask(frame, ["unit", "year"]).tolist() == [False, False, False, False, True, True]


def test_compare_twfe_cs_warns_when_twfe_is_more_than_10_percent_off():
    frame = staggered_no_noise()
    frame["y"] = frame["y"] + np.random.default_rng(3).normal(scale=0.01, size=len(frame))
    cs = staggered_did(frame, "y", "unit", "year", "cohort", method="reg")
    with pytest.warns(UserWarning, match="differs from Callaway–Sant'Anna"):
        comparison = compare_twfe_cs(frame, "y", "unit", "year", "cohort", cs)
    simple = cs.aggregate("simple").att
    assert comparison.gap == pytest.approx(comparison.twfe.att - simple)
    assert comparison.gap_share == pytest.approx(abs(comparison.twfe.att - simple) / abs(simple))
    assert comparison.gap_share > 0.10
    assert comparison.table.set_index("estimator").loc["twfe", "gap_to_cs"] == pytest.approx(comparison.gap)
    assert "negative weights" in comparison.warning("en") and "请以 CS 为准" in comparison.warning("zh")
    assert any("gap TWFE − CS" in note for note in comparison._notes())
    # homogeneous, constant effect: TWFE equals CS, no warning
    flat = frame.assign(y=frame["y"] - frame["tau"] + 2.0 * frame["d"])
    cs_flat = staggered_did(flat, "y", "unit", "year", "cohort", method="reg")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        quiet = compare_twfe_cs(flat, "y", "unit", "year", "cohort", cs_flat)
    assert quiet.gap_share < 0.01 and quiet.warning() == ""
