"""Cross-sectional IPW / AIPW: hand formula, simulation with known effect, diagnostics, bad designs."""

import numpy as np
import pandas as pd
import pytest

from evalkit.core.errors import DesignError, EvalkitError
from evalkit.effects.weighting import propensity_weighting


def confounded(n=4000, seed=0, effect=500.0):
    """Households with labour capacity more likely treated and richer: naive difference biased."""
    rng = np.random.default_rng(seed)
    labour = rng.integers(0, 4, n).astype(float)
    size = rng.integers(1, 7, n).astype(float)
    p = 1 / (1 + np.exp(-(-1.5 + 0.6 * labour - 0.1 * size)))
    d = (rng.random(n) < p).astype(float)
    y = 3000 + 1500 * labour - 200 * size + effect * d + rng.normal(0, 800, n)
    return pd.DataFrame({"y": y, "d": d, "labour": labour, "size": size})


def test_intercept_only_equals_difference_in_means_and_two_sample_se():
    data = confounded()
    for method in ("ipw", "aipw"):
        res = propensity_weighting(data, "y", "d", [], method=method)
        t, c = data.loc[data["d"] == 1, "y"], data.loc[data["d"] == 0, "y"]
        assert res.att == pytest.approx(t.mean() - c.mean(), abs=1e-8)
        n = len(data)
        se = np.sqrt(n / (n - 1) * (t.var(ddof=0) / len(t) + c.var(ddof=0) / len(c)))
        assert res.se == pytest.approx(se, rel=1e-8)
        assert res.n_trimmed == 0


@pytest.mark.parametrize("method", ["ipw", "aipw"])
def test_recovers_known_effect_where_naive_is_biased(method):
    estimates, covered = [], 0
    for seed in range(20):
        res = propensity_weighting(confounded(seed=seed), "y", "d", ["labour", "size"], method=method)
        estimates.append(res.att)
        covered += res.ci[0] <= 500 <= res.ci[1]
    assert abs(np.mean(estimates) - 500) < 25  # bias < 5 % of the effect
    assert covered >= 16  # about 95 % of 20
    assert res.naive > 1000  # the naive comparison is far off


def test_balance_and_overlap_diagnostics():
    res = propensity_weighting(confounded(), "y", "d", ["labour", "size"])
    balance = res.balance.set_index("covariate")
    assert balance.loc["labour", "smd_before"] > 0.3
    assert (balance["smd_after"].abs() < 0.05).all()
    hist = res.overlap_histogram(bins=10)
    assert hist["n_treated"].sum() == res.n_treated and hist["n_control"].sum() == res.n_control + res.n_trimmed
    assert "0.995" in res.trimming_rule
    assert res.summary().loc[0, "att"] == res.att


def test_trimming_counts_controls_with_extreme_scores():
    data = confounded(n=3000, seed=2)
    data["x"] = data["d"] * 2 + np.random.default_rng(0).normal(0, 1.0, len(data))  # strong but imperfect predictor
    res = propensity_weighting(data, "y", "d", ["x"], trim=0.9)
    assert res.n_trimmed == int(((res.propensity["pscore"] >= 0.9) & ~res.propensity["treated"]).sum()) > 0


def test_bad_designs():
    data = confounded(n=500)
    with pytest.raises(DesignError) as info:
        propensity_weighting(data.assign(l2=data["labour"] * 2), "y", "d", ["labour", "l2"])
    assert info.value.code == "E-DESIGN-COLLINEAR"
    for args, code in (
        (("y", "d", ["labour"], "ols"), "E-ESTIMATOR-METHOD"),
        (("y", "d", ["no_such_column"]), "E-DATA-COLUMNS"),
    ):
        with pytest.raises(EvalkitError) as info:
            propensity_weighting(data, *args)
        assert info.value.code == code
    with pytest.raises(EvalkitError) as info:
        propensity_weighting(data.assign(d=data["d"] * 2), "y", "d", ["labour"])
    assert info.value.code == "E-TREATMENT-NOT-BINARY"
    with pytest.raises(DesignError) as info:
        propensity_weighting(data.assign(x=data["d"]), "y", "d", ["x"])
    assert info.value.code == "E-DESIGN-SEPARATION"
    with pytest.raises(DesignError) as info:
        propensity_weighting(data.assign(d=0.0), "y", "d", ["labour"])
    assert info.value.code == "E-DESIGN-TOO-FEW"
    with pytest.raises(EvalkitError) as info:
        propensity_weighting(data.assign(labour=np.where(data.index < 3, np.nan, data["labour"])), "y", "d", ["labour"])
    assert info.value.code == "E-DATA-MISSING-VALUES"
