"""One results protocol (issue 11, item 5): every estimate result has tidy() with the same column
names, a printable summary(), a short repr; one confidence-interval function; TWFE's intervals
and p-values equal pyfixest's; deprecated forms (TWFEResult.coef, tuple unpacking of
compare_twfe_cs, the DataFrame use of twfe_event_study and MeasureEffects.event_study) still work
with a DeprecationWarning; a non-converged demeaner raises."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from scipy.stats import t as student_t

from evalkit.core.errors import DesignError
from evalkit.effects import staggered_did
from evalkit.effects.measures import MeasureEffects
from evalkit.effects.results import TIDY_COLUMNS, Aggregation, Summary, confidence_interval, p_value
from evalkit.effects.twfe import compare_twfe_cs, twfe, twfe_event_study, twfe_weights
from evalkit.effects.weighting import propensity_weighting

DATA = Path(__file__).parent / "data" / "effects"
# the module (the package attribute evalkit.effects.twfe is the function of that name)
twfe_module = importlib.import_module("evalkit.effects.twfe")


@pytest.fixture(scope="module")
def mpdta():
    d = pd.read_csv(DATA / "mpdta.csv")
    d["post"] = ((d["year"] >= d["first.treat"]) & (d["treat"] == 1)).astype(int)
    return d


@pytest.fixture(scope="module")
def cs(mpdta):
    return staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat")


@pytest.fixture(scope="module")
def measure_effects_result(cs):
    simple = cs.aggregate("simple")
    effects = pd.DataFrame(
        {
            "outcome": ["net_income_pc"],
            "label_zh": ["人均纯收入"],
            "label_en": ["per-capita net income"],
            "att": [simple.att],
            "se": [simple.se],
            "ci_low": [simple.ci_low],
            "ci_high": [simple.ci_high],
            "n_treated": [309],
            "n_control": [191],
        }
    )
    return MeasureEffects(
        measure="demo_measure",
        label_zh="示例",
        label_en="example",
        kind="employment",
        effects=effects,
        event_studies=cs.aggregate("dynamic").table.assign(outcome="net_income_pc"),
        decomposition=pd.DataFrame(),
        design=pd.DataFrame(),
        skipped=pd.DataFrame(),
        results={(None, "net_income_pc"): cs},
    )


def test_one_ci_function_normal_and_t():
    lo, hi = confidence_interval(1.0, 0.5)
    assert hi - 1.0 == pytest.approx(0.5 * 1.959963984540054, abs=1e-12) and 1.0 - lo == pytest.approx(hi - 1.0)
    lo_t, hi_t = confidence_interval(np.array([1.0]), np.array([0.5]), alpha=0.1, df=4)
    assert hi_t[0] - 1.0 == pytest.approx(0.5 * 2.131846786326649, abs=1e-12)
    assert p_value(1.959963984540054, 1.0) == pytest.approx(0.05, abs=1e-12)
    assert p_value(2.776445105197793, 1.0, df=4) == pytest.approx(0.05, abs=1e-12)


def _check_protocol(result, att=None, scalar=True):
    table = result.tidy()
    assert list(table.columns[: len(TIDY_COLUMNS)]) == TIDY_COLUMNS
    assert table["term"].map(type).eq(str).all()
    summary = result.summary()
    assert isinstance(summary, Summary) and isinstance(summary, pd.DataFrame)
    text = str(summary)
    assert text.splitlines()[0] == summary.title and len(summary.title) > 10
    assert repr(summary) == text
    assert len(repr(result)) < 200 and repr(result).startswith(f"<{type(result).__name__} ")
    if att is not None:
        assert f"att={att:.6g}" in repr(result)
    if att is not None and scalar:
        for name in ("att", "se", "ci_low", "ci_high", "pvalue"):
            assert np.isfinite(getattr(result, name)), name
    return table


def test_did_results_follow_the_protocol(cs):
    table = _check_protocol(cs)
    assert table["term"].tolist() == ["simple", "group", "dynamic", "calendar"]
    simple = cs.aggregate("simple")
    assert table.loc[0, "att"] == simple.att
    stat = abs(simple.att / simple.se)
    expected = 2 * (norm.sf(stat) if simple.df is None else student_t.sf(stat, simple.df))
    assert table.loc[0, "pvalue"] == pytest.approx(expected, rel=1e-12) and simple.pvalue == table.loc[0, "pvalue"]
    assert (table.loc[0, "ci_low"], table.loc[0, "ci_high"]) == pytest.approx(simple.ci, abs=1e-15)
    assert f"W = {cs.pretest['W']:.6g}, df = {cs.pretest['df']}" in str(cs.summary())
    dynamic = cs.aggregate("dynamic")
    rows = _check_protocol(dynamic, dynamic.att)
    assert (
        rows["term"].iloc[0] == "overall"
        and rows["term"].iloc[1] == f"event_time={dynamic.table['event_time'].iloc[0]}"
    )
    np.testing.assert_allclose(rows["ci_low"].iloc[1:], dynamic.table["ci_low"], rtol=0, atol=1e-15)
    _check_protocol(simple, simple.att)


def test_measure_effects_event_study_is_a_method_like_the_did_result(measure_effects_result, cs):
    res = measure_effects_result
    table = _check_protocol(res, res.effects["att"].iloc[0], scalar=False)
    assert table["term"].tolist() == ["net_income_pc"]
    es = res.event_study("net_income_pc", biters=99, seed=3)
    assert isinstance(es, Aggregation)
    np.testing.assert_array_equal(es.table["band_low"], cs.event_study(biters=99, seed=3).table["band_low"])
    with pytest.warns(DeprecationWarning, match="event_studies"):
        legacy = res.event_study[res.event_study["outcome"] == "net_income_pc"]
    pd.testing.assert_frame_equal(legacy, res.event_studies)


def test_twfe_uses_att_and_the_one_ci_function_matching_pyfixest(mpdta):
    res = twfe(mpdta, "lemp", "countyreal", "year", "post")
    _check_protocol(res, res.att)
    assert res.att == pytest.approx(-0.036549, abs=1e-6)
    ci = res.model.confint(alpha=0.05).iloc[0]
    assert (res.ci_low, res.ci_high) == pytest.approx((ci.iloc[0], ci.iloc[1]), abs=1e-12)
    with pytest.warns(DeprecationWarning, match="att"):
        assert res.coef == res.att
    assert res.tidy().loc[0, "term"] == "post"


def test_twfe_event_study_and_comparison_are_result_objects(mpdta, cs):
    es = twfe_event_study(mpdta, "lemp", "countyreal", "year", "first.treat")
    table = _check_protocol(es)
    fitted = es.model.tidy()
    estimated = table[table["se"] > 0]
    np.testing.assert_allclose(estimated["pvalue"], fitted["Pr(>|t|)"], rtol=1e-9)
    ci = es.model.confint(alpha=0.05)
    np.testing.assert_allclose(estimated["ci_low"], ci.iloc[:, 0], atol=1e-12)
    with pytest.warns(DeprecationWarning, match="result object"):
        assert es.set_index("event_time").loc[-1, "att"] == 0
    comparison = compare_twfe_cs(mpdta, "lemp", "countyreal", "year", "first.treat", cs)
    rows = _check_protocol(comparison)
    assert rows["term"].tolist() == ["twfe", "cs_simple", "twfe_implied_by_cs"]
    assert rows.loc[0, "pvalue"] == comparison.twfe.pvalue
    with pytest.warns(DeprecationWarning, match="unpacking"):
        summary, weights = comparison
    assert summary is comparison.table and weights is comparison.weights


def test_weighting_result_follows_the_protocol():
    rng = np.random.default_rng(0)
    x = rng.normal(size=2000)
    d = (rng.uniform(size=2000) < 1 / (1 + np.exp(-x))).astype(int)
    data = pd.DataFrame({"x": x, "d": d, "y": 2 * x + 3 * d + rng.normal(size=2000)})
    res = propensity_weighting(data, "y", "d", ["x"])
    table = _check_protocol(res, res.att)
    assert (table.loc[0, "ci_low"], table.loc[0, "ci_high"]) == res.ci
    assert res.summary().loc[0, "att"] == res.att


def test_demeaner_that_does_not_converge_raises(mpdta, monkeypatch):
    real = twfe_module.demean

    def not_converged(*args, **kwargs):
        resid, _ = real(*args, **kwargs)
        return resid, False

    monkeypatch.setattr(twfe_module, "demean", not_converged)
    with pytest.raises(DesignError) as info:
        twfe_weights(mpdta, "countyreal", "year", "first.treat")
    assert info.value.code == "E-TWFE-NOT-CONVERGED"
