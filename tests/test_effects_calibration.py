"""Calibration of the effect inference under clustering (fast version of benchmarks/simulation_clustered.py).

DGP: :mod:`evalkit.effects.simulate` — county-year shocks, allocation and timing that differ by
county, heterogeneous dynamic effects, parallel trends true. 40 replications with evalkit's
defaults (``cluster="auto"`` → county, small-sample corrections, simultaneous bands). Bounds are
wider than the benchmark's (92–98 %, ≤ 8 %) because 40 replications resolve a coverage of 95 %
only to about ±7 % (two binomial SEs). The same fits re-clustered by household — R ``did``'s
default and evalkit's old one — must fail visibly, so the test can tell good inference from bad.
"""

import numpy as np
import pandas as pd
import pytest

from evalkit.effects.did import staggered_did
from evalkit.effects.simulate import ClusteredDGP, replicate, simulate_panel, summarise, true_effects

DGP = ClusteredDGP(households=1500)
REPLICATIONS = 40


@pytest.fixture(scope="module")
def study():
    results = pd.concat(
        [replicate(DGP, 900 + r, levels=("household_id",), biters=499, method="reg") for r in range(REPLICATIONS)]
    )
    return summarise(results).set_index("setting")


def test_defaults_cover_and_rarely_raise_false_alarms(study):
    default = study.loc["default"]
    assert default["n_clusters"] == 40  # county: the coarsest level with enough clusters
    assert 0.87 <= default["coverage_overall"] <= 1.0
    assert 0.88 <= default["coverage_event_mean"] <= 0.99
    assert default["coverage_event_min"] >= 0.82
    assert default["band_coverage"] >= 0.85
    assert default["pretest_rejects"] <= 0.15
    assert 0.8 <= default["se_over_sd"] <= 1.35


def test_household_clustering_fails_on_this_dgp(study):
    """What the issue found: household-clustered SEs are too small when incomes share county shocks."""
    plain = study.loc["household_id"]
    assert plain["pretest_rejects"] >= 0.3
    assert plain["band_coverage"] <= 0.8
    assert plain["se_over_sd"] < study.loc["default", "se_over_sd"]


def test_dgp_truth_and_the_reg_shortcut():
    """Without covariates the doubly-robust estimator equals outcome regression (the fast test
    uses "reg"); the sample truth is the cohort-size-weighted mean of the households' own effects."""
    panel, households = simulate_panel(DGP, 3)
    dr = staggered_did(panel, "y", "household_id", "year", "cohort", cluster="county")
    reg = staggered_did(panel, "y", "household_id", "year", "cohort", cluster="county", method="reg")
    np.testing.assert_allclose(dr.att_gt["att"], reg.att_gt["att"], atol=1e-8)
    np.testing.assert_allclose(dr.att_gt["se"], reg.att_gt["se"], rtol=1e-6)
    truth = true_effects(panel, [2021, 2022, 2023, 2024])
    post = panel[(panel["cohort"] > 0) & (panel["year"] >= panel["cohort"])]
    assert truth["simple"] == pytest.approx(post["tau"].mean())  # balanced: every post cell weighs its n_g
    assert truth["dynamic"][-2] == 0.0
    e0 = post[post["year"] == post["cohort"]]
    assert truth["dynamic"][0] == pytest.approx(e0["tau"].mean())
    # allocation differs by county: treated shares spread widely
    shares = panel.drop_duplicates("household_id").groupby("county")["cohort"].apply(lambda g: (g > 0).mean())
    assert shares.max() - shares.min() > 0.4
