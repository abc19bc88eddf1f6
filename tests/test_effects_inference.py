"""Cluster-robust inference (evalkit.effects.inference): hand-computed cases, a known-size check, wildboottest."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evalkit.effects import staggered_did
from evalkit.effects.inference import (
    Clustering,
    cluster_vcov,
    multiplier_bootstrap,
    pretest,
    wild_cluster_pvalue,
)

DATA = Path(__file__).parent / "data" / "effects"


def test_cluster_vcov_by_hand():
    psi = np.array([[1.0, 0.0], [-2.0, 1.0], [3.0, 1.0], [-2.0, -2.0]])
    codes = np.array([0, 0, 1, 2])
    sums = np.array([[-1.0, 1.0], [3.0, 1.0], [-2.0, -2.0]])
    plain = Clustering("c", codes, small_sample=False)
    np.testing.assert_allclose(cluster_vcov(psi, plain), sums.T @ sums / 16)
    np.testing.assert_allclose(cluster_vcov(psi, Clustering("c", codes)), 1.5 * sums.T @ sums / 16)
    assert Clustering("c", codes).df == 2 and plain.df is None


def test_pretest_hotelling_by_hand():
    theta = np.array([0.1, -0.2])
    V = np.array([[0.01, 0.002], [0.002, 0.02]])
    W = theta @ np.linalg.solve(V, theta)
    G = 12
    out = pretest(theta, V, Clustering("c", np.arange(G)))
    F = W * (G - 2) / (2 * (G - 1))
    assert out["W"] == pytest.approx(W) and out["F"] == pytest.approx(F)
    assert out["pvalue"] == pytest.approx(stats.f.sf(F, 2, G - 2))
    assert out["pvalue_chi2"] == pytest.approx(stats.chi2.sf(W, 2))
    assert out["pvalue"] > out["pvalue_chi2"]  # the small-sample reference is more cautious
    # no correction: R did's chi2(q)
    assert pretest(theta, V, Clustering("c", np.arange(G), False))["pvalue"] == pytest.approx(stats.chi2.sf(W, 2))
    # as many cells as clusters: not testable, and it says why
    few = pretest(theta, V, Clustering("c", np.arange(2)))
    assert np.isnan(few["pvalue"]) and "clusters" in few["reference"]


def test_multiplier_bootstrap_is_seeded_and_matches_the_analytic_se():
    rng = np.random.default_rng(1)
    G, n = 60, 3000
    codes = rng.integers(0, G, n)
    psi = rng.normal(size=(n, 3)) + rng.normal(size=(G, 3))[codes]
    psi -= psi.mean(axis=0)
    clustering = Clustering("c", codes)
    a = multiplier_bootstrap(psi, clustering, biters=1999, seed=3)
    b = multiplier_bootstrap(psi, clustering, biters=1999, seed=3)
    np.testing.assert_array_equal(a["se"], b["se"])
    analytic = np.sqrt(np.diag(cluster_vcov(psi, clustering)))
    np.testing.assert_allclose(a["se"], analytic, rtol=0.08)
    # sup-t over three roughly independent parameters: above the pointwise t value, near the Šidák value
    assert stats.t.ppf(0.975, G - 1) < a["crit"] < 3.0
    assert a["weights"] == "rademacher"
    assert multiplier_bootstrap(psi, Clustering("c", codes % 8), biters=99)["weights"] == "webb"


def test_wild_cluster_bootstrap_holds_its_size_with_eight_clusters():
    """Known case: the mean of cluster-correlated, skewed data with 8 unequal clusters, H0 true.
    The normal test with the clustered SE over-rejects; the wild cluster bootstrap stays near 5 %."""
    rng = np.random.default_rng(11)
    sizes = np.array([10, 20, 30, 40, 60, 80, 120, 160])
    codes = np.repeat(np.arange(8), sizes)
    n = len(codes)
    reject_wild = reject_z = 0
    reps = 300
    for _ in range(reps):
        y = rng.exponential(size=8)[codes] - 1 + rng.normal(size=n)
        psi = y - y.mean()
        clustering = Clustering("c", codes)
        se_cr0 = np.sqrt(cluster_vcov(psi, Clustering("c", codes, False))[0, 0])
        reject_z += abs(y.mean() / se_cr0) > 1.96
        out = wild_cluster_pvalue(psi, np.ones(n), y.mean(), clustering, 0.0, biters=399, seed=1)
        reject_wild += out["pvalue"] < 0.05
    assert reject_z / reps > 0.12
    assert reject_wild / reps < 0.09


def test_wild_cluster_pvalue_close_to_wildboottest_on_a_two_period_did():
    """2 periods, 600 units in 12 clusters, outcome-regression CS without covariates (= OLS of ΔY on
    a treatment dummy). Reference: wildboottest 0.3.2 (WCR, Rademacher, full enumeration 2^12,
    bootstrap_type "11") on statsmodels OLS of the same data: t = 1.2067, p = 0.2617 (run on
    2026-12-01 in a separate environment; the library needs numba, which evalkit does not depend on).
    Our score bootstrap imposes the null on the treated units only (the CS parametrisation) and
    does not re-fit the intercept, so it differs slightly from WCR."""
    rng = np.random.default_rng(5)
    G, n = 12, 600
    cl = rng.integers(0, G, n)
    d = (rng.random(n) < 0.3 + 0.4 * (cl % 3 == 0)).astype(int)
    y0 = rng.normal(0, 1, n) + rng.normal(0, 1, G)[cl]
    dy = rng.normal(0, 1, n) + rng.normal(0, 0.8, G)[cl] + 0.25 * d
    data = pd.DataFrame(
        {
            "id": np.r_[np.arange(n), np.arange(n)],
            "t": np.r_[np.ones(n), 2 * np.ones(n)].astype(int),
            "g": np.r_[2 * d, 2 * d],
            "cl": np.r_[cl, cl],
            "y": np.r_[y0, y0 + dy],
        }
    )
    res = staggered_did(data, "y", "id", "t", "g", cluster="cl", method="reg")
    simple = res.aggregate("simple")
    ols = np.polyfit(d, dy, 1)[0]
    assert simple.att == pytest.approx(ols, abs=1e-12)
    out = res.wild_pvalue(biters=9999)
    assert out["t"] == pytest.approx(1.2067, abs=0.002)
    assert out["pvalue"] == pytest.approx(0.2617, abs=0.03)
    assert res.wild_pvalue(biters=9999) == out  # seeded


def test_sup_t_critical_value():
    from evalkit.effects.inference import sup_t_critical

    # one parameter: the pointwise t value; independent parameters: the Šidák value of t(df)
    assert sup_t_critical(np.array([[4.0]]), 20) == pytest.approx(stats.t.ppf(0.975, 20), abs=0.03)
    k, df = 6, 39
    sidak = stats.t.ppf(1 - (1 - 0.95 ** (1 / k)) / 2, df)
    assert sup_t_critical(np.eye(k) * 9.0, df, draws=40000) == pytest.approx(sidak, abs=0.03)
    # perfectly correlated parameters behave as one; the normal reference is smaller than t(5)
    assert sup_t_critical(np.ones((4, 4)), None) == pytest.approx(1.96, abs=0.03)
    assert sup_t_critical(np.eye(3), 5) > sup_t_critical(np.eye(3), None)
    assert sup_t_critical(np.eye(3), 5, seed=1) == sup_t_critical(np.eye(3), 5, seed=1)


def test_wild_pretest_is_the_default_with_few_clusters_and_agrees_for_one_cell(tmp_path):
    rng = np.random.default_rng(2)
    G, n = 15, 450
    cl = rng.integers(0, G, n)
    g = np.where(rng.random(n) < 0.5, 3, 0)
    frame = pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), 3),
            "t": np.tile([1, 2, 3], n),
            "g": np.repeat(g, 3),
            "cl": np.repeat(cl, 3),
        }
    )
    shocks = rng.normal(0, 1, (G, 3))
    frame["y"] = rng.normal(size=len(frame)) + shocks[frame["cl"], frame["t"] - 1]
    res = staggered_did(frame, "y", "id", "t", "g", cluster="cl", method="reg")
    assert res.pretest["df"] == 1 and "wild cluster bootstrap" in res.pretest["reference"]
    assert res.pretest["pvalue"] == res.wild_pretest()["pvalue"]
    # one pre-treatment cell: the joint wild test is the single-parameter wild test of that cell
    cell = res.att_gt[~res.att_gt["post"]].iloc[0]
    assert res.pretest["W"] == pytest.approx((cell["att"] / cell["se"]) ** 2)
    assert 0 < res.pretest["pvalue"] <= 1 and np.isfinite(res.pretest["pvalue_hotelling"])


def test_effective_df_is_g_minus_1_for_equal_clusters_and_small_when_a_few_dominate():
    from evalkit.effects.inference import Clustering, cell_loadings, effective_df

    codes = np.repeat(np.arange(10), 20)  # 10 clusters of 20 units
    clustering = Clustering("c", codes)
    # every cluster holds 2 treated and 18 controls: equal loadings → df = G = 10 → clipped to G − 1
    group = np.tile(np.r_[np.full(2, 2021), np.zeros(18, dtype=int)], 10)
    loadings = cell_loadings(np.ones((200, 1), dtype=bool), group, np.array([2021]))
    assert loadings[group == 2021, 0] == pytest.approx(1 / 20)
    assert loadings[group == 0, 0] == pytest.approx(-1 / 180)
    assert effective_df(loadings, clustering)[0] == pytest.approx(9.0)
    # all 20 treated in cluster 0 (its 20 units), controls everywhere else: ℓ_0 = 1, ℓ_c = −1/9
    group = np.where(codes == 0, 2021, 0)
    loadings = cell_loadings(np.ones((200, 1), dtype=bool), group, np.array([2021]))
    net = np.r_[1.0, np.full(9, -1 / 9)]
    assert effective_df(loadings, clustering)[0] == pytest.approx((net**2).sum() ** 2 / (net**4).sum())
    assert effective_df(loadings, clustering)[0] < 1.3  # one treated cluster: about one degree of freedom
