"""Staggered DiD (evalkit.effects.staggered_did) against R `did` on mpdta, hand formulas, bad designs."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evalkit.core.errors import DesignError, EvalkitError
from evalkit.effects import staggered_did
from evalkit.effects.did import CellsNotEstimable, redundant_covariates

DATA = Path(__file__).parent / "data" / "effects"


@pytest.fixture(scope="module")
def mpdta():
    return pd.read_csv(DATA / "mpdta.csv")


@pytest.fixture(scope="module")
def fit(mpdta):
    return staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat", small_sample=False)


def test_att_gt_matches_r_did(fit):
    expected = pd.read_csv(DATA / "mpdta_att_gt_expected.csv")
    got = fit.att_gt.merge(expected, on=["group", "time"], suffixes=("", "_r"))
    assert len(got) == len(expected) == len(fit.att_gt) == 12
    np.testing.assert_allclose(got["att"], got["att_r"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["se"], got["se_r"], rtol=0, atol=1e-12)
    z = 1.959963984540054
    np.testing.assert_allclose(got["ci_low"], got["att"] - z * got["se"], atol=1e-12)


@pytest.mark.parametrize("kind", ["simple", "group", "dynamic", "calendar"])
def test_aggregations_match_r_did(fit, kind):
    expected = pd.read_csv(DATA / "mpdta_aggte_expected.csv")
    expected = expected[expected["aggregation"] == kind]
    agg = fit.aggregate(kind)
    overall = expected[expected["e"] == "overall"].iloc[0]
    assert agg.att == pytest.approx(overall["att"], abs=1e-12)
    assert agg.se == pytest.approx(overall["se"], abs=1e-12)
    rows = expected[expected["e"] != "overall"]
    if kind == "simple":
        assert rows.empty and agg.table.empty
        return
    key = {"group": "group", "dynamic": "event_time", "calendar": "time"}[kind]
    table = agg.table.set_index(key)
    assert sorted(table.index) == sorted(rows["e"].astype(int))
    for row in rows.itertuples():
        assert table.loc[int(row.e), "att"] == pytest.approx(row.att, abs=1e-12)
        assert table.loc[int(row.e), "se"] == pytest.approx(row.se, abs=1e-12)


def test_pretest_matches_r_did(fit):
    assert fit.pretest["W"] == pytest.approx(7.79124, abs=1e-5)
    assert fit.pretest["pvalue"] == pytest.approx(0.16812, abs=1e-5)
    assert fit.pretest["df"] == 5  # five pre-treatment cells


def test_clustered_se_follows_the_influence_function_formula(mpdta):
    data = mpdta.assign(state=mpdta["countyreal"] // 1000)
    res = staggered_did(data, "lemp", "countyreal", "year", "first.treat", cluster="state", small_sample=False)
    plain = staggered_did(data, "lemp", "countyreal", "year", "first.treat", small_sample=False)
    psi = res._model.MP["inffunc"]["inffunc"]  # n_units × cells, rows in unit order
    units = res._model.dp["data"].drop_duplicates("id").sort_values("id")
    state = data.drop_duplicates("countyreal")["state"].to_numpy()  # same unit order as factorize
    assert len(units) == len(state) == psi.shape[0]
    sums = pd.DataFrame(psi).groupby(state).sum().to_numpy()
    expected = np.sqrt((sums**2).sum(axis=0)) / psi.shape[0]
    np.testing.assert_allclose(res.att_gt["se"], expected, rtol=1e-10)
    np.testing.assert_allclose(res.att_gt["att"], plain.att_gt["att"], atol=1e-14)
    assert not np.allclose(res.att_gt["se"], plain.att_gt["se"])
    # clustering at the unit itself is the unclustered estimator
    same = staggered_did(data, "lemp", "countyreal", "year", "first.treat", cluster="countyreal", small_sample=False)
    np.testing.assert_allclose(same.att_gt["se"], plain.att_gt["se"], rtol=1e-12)
    # the default adds the CR1 factor G/(G-1) and t intervals with each cell's effective degrees of
    # freedom (Σ_c ℓ_c²)² / Σ_c ℓ_c⁴ (at most G − 1), ℓ_c = state's share of the cell's treated
    # minus its share of the cell's controls (never treated here), computed by hand
    G = len(sums)
    corrected = staggered_did(data, "lemp", "countyreal", "year", "first.treat", cluster="state")
    assert corrected.n_clusters == G == data["state"].nunique()
    np.testing.assert_allclose(corrected.att_gt["se"], expected * np.sqrt(G / (G - 1)), rtol=1e-10)
    cohort = data.drop_duplicates("countyreal")["first.treat"].to_numpy()
    by_state = pd.DataFrame({"state": state, "cohort": cohort})
    hand_df = []
    for g in corrected.att_gt["group"]:
        share_t = (by_state["cohort"] == g).groupby(by_state["state"]).sum() / (cohort == g).sum()
        share_c = (by_state["cohort"] == 0).groupby(by_state["state"]).sum() / (cohort == 0).sum()
        loading = share_t - share_c
        hand_df.append(min((loading**2).sum() ** 2 / (loading**4).sum(), G - 1))
    np.testing.assert_allclose(corrected.att_gt["df"], hand_df, rtol=1e-10)
    assert (corrected.att_gt["df"] < G - 1).all()  # treated concentrated in some states
    crit = stats.t.ppf(0.975, corrected.att_gt["df"])
    np.testing.assert_allclose(corrected.att_gt["ci_high"], corrected.att_gt["att"] + crit * corrected.att_gt["se"])
    simple = corrected.aggregate("simple")
    assert 1 <= simple.df <= G - 1 and simple.se == pytest.approx(res.aggregate("simple").se * np.sqrt(G / (G - 1)))
    lo, hi = simple.overall()[["ci_low", "ci_high"]].iloc[0]
    assert hi - lo == pytest.approx(2 * stats.t.ppf(0.975, simple.df) * simple.se)


def test_not_yet_treated_cell_equals_hand_did(mpdta):
    res = staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat", control="not_yet_treated", method="reg")
    wide = mpdta.pivot(index="countyreal", columns="year", values="lemp")
    g = mpdta.drop_duplicates("countyreal").set_index("countyreal")["first.treat"]
    change = wide[2006] - wide[2003]
    treated, controls = g == 2004, (g == 0) | (g > 2006)
    hand = change[treated].mean() - change[controls].mean()
    cell = res.att_gt.set_index(["group", "time"]).loc[(2004, 2006)]
    assert cell["att"] == pytest.approx(hand, abs=1e-12)
    # the 2007 cohort has no not-yet-treated control in 2007 except the never treated
    assert (res.att_gt["group"] == 2007).sum() == 4


def test_methods_and_covariates_agree_roughly(mpdta):
    out = {
        m: staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat", covariates=["lpop"], method=m).aggregate(
            "simple"
        )
        for m in ("dr", "ipw", "reg")
    }
    # Published R did with xformla=~lpop, dr: overall simple ATT about -0.04 (did vignette)
    for agg in out.values():
        assert -0.06 < agg.att < -0.02 and 0.005 < agg.se < 0.03
    assert out["dr"].att != out["reg"].att


def test_unbalanced_panel_is_estimated_and_counted(mpdta):
    rng = np.random.default_rng(1)
    drop = rng.random(len(mpdta)) < 0.05
    data = mpdta.loc[~drop]
    full = staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat").aggregate("simple")
    unbalanced = staggered_did(data, "lemp", "countyreal", "year", "first.treat")
    assert unbalanced.exclusions.empty and unbalanced.n_units == 500
    # R did's unbalanced estimator treats the rows as repeated cross sections: consistent, less precise
    simple = unbalanced.aggregate("simple")
    assert simple.se > full.se
    assert abs(simple.att - full.att) < 2 * simple.se
    balanced = staggered_did(data, "lemp", "countyreal", "year", "first.treat", allow_unbalanced=False)
    incomplete = data.groupby("countyreal").size().lt(5).sum()
    assert balanced.exclusions["units"].sum() == incomplete
    assert balanced.n_units == 500 - incomplete


def test_missing_outcomes_are_dropped_and_counted(mpdta):
    data = mpdta.copy()
    data.loc[[0, 7, 8], "lemp"] = np.nan
    res = staggered_did(data, "lemp", "countyreal", "year", "first.treat")
    assert res.exclusions.loc[0, "rows"] == 3
    assert res.exclusions.loc[0, "units"] == data.loc[[0, 7, 8], "countyreal"].nunique()


def test_event_study_uniform_band_is_reproducible_and_wider(fit):
    es = fit.event_study(biters=499, seed=7)
    again = fit.aggregate("dynamic", bootstrap=True, biters=499, seed=7)
    np.testing.assert_array_equal(es.table["band_low"], again.table["band_low"])
    assert es.crit_value > 1.96
    assert (es.table["band_high"] - es.table["band_low"] > es.table["ci_high"] - es.table["ci_low"] - 1e-3).all()


def test_summary_lists_all_aggregations(fit):
    summary = fit.summary()
    assert summary["kind"].tolist() == ["simple", "group", "dynamic", "calendar"]
    assert summary["pretest_W"].iloc[0] == pytest.approx(7.79124, abs=1e-5)


# ---- bad designs -------------------------------------------------------------------------


def test_no_never_treated_with_never_treated_control(mpdta):
    data = mpdta[mpdta["first.treat"] > 0]
    with pytest.raises(DesignError) as info:
        staggered_did(data, "lemp", "countyreal", "year", "first.treat")
    assert info.value.code == "E-DESIGN-NO-NEVER-TREATED"
    # with not-yet-treated controls the earlier cohorts are identified
    res = staggered_did(data, "lemp", "countyreal", "year", "first.treat", control="not_yet_treated")
    assert set(res.att_gt["group"]) == {2004, 2006}


def test_cohort_with_one_unit(mpdta):
    data = mpdta.copy()
    data.loc[data["countyreal"] == 8001, "first.treat"] = 2005
    with pytest.raises(DesignError) as info:
        staggered_did(data, "lemp", "countyreal", "year", "first.treat")
    assert info.value.code == "E-DESIGN-COHORT-SINGLE" and "[2005]" in str(info.value)


def test_nobody_treated(mpdta):
    with pytest.raises(DesignError) as info:
        staggered_did(mpdta.assign(g=0), "lemp", "countyreal", "year", "g")
    assert info.value.code == "E-DESIGN-NO-TREATED"


def test_collinear_covariates(mpdta):
    data = mpdta.assign(lpop2=2 * mpdta["lpop"], const=1.0)
    with pytest.raises(DesignError) as info:
        staggered_did(data, "lemp", "countyreal", "year", "first.treat", covariates=["lpop", "lpop2"])
    assert info.value.code == "E-DESIGN-COLLINEAR" and "['lpop2']" in str(info.value)
    with pytest.raises(DesignError) as info:
        staggered_did(data, "lemp", "countyreal", "year", "first.treat", covariates=["const"])
    assert info.value.code == "E-DESIGN-COLLINEAR" and "['const']" in str(info.value)


def test_bad_arguments(mpdta):
    with pytest.raises(EvalkitError) as info:
        staggered_did(mpdta, "nope", "countyreal", "year", "first.treat")
    assert info.value.code == "E-DATA-COLUMNS" and "['nope']" in str(info.value)
    with pytest.raises(EvalkitError) as info:
        staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat", control="all")
    assert info.value.code == "E-DID-CONTROL"
    with pytest.raises(EvalkitError) as info:
        staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat", method="ols")
    assert info.value.code == "E-ESTIMATOR-METHOD"
    with pytest.raises(EvalkitError) as info:
        staggered_did(pd.concat([mpdta, mpdta.iloc[:2]]), "lemp", "countyreal", "year", "first.treat")
    assert info.value.code == "E-DATA-DUPLICATE-UNIT-TIME" and str(info.value).startswith("2 行")
    varying = mpdta.assign(v=np.arange(len(mpdta)) % 3)
    with pytest.raises(EvalkitError) as info:
        staggered_did(varying, "lemp", "countyreal", "year", "first.treat", cluster="v")
    assert info.value.code == "E-CLUSTER-VARIES"
    with pytest.raises(EvalkitError) as info:
        staggered_did(varying, "lemp", "countyreal", "year", "v")
    assert info.value.code == "E-DID-COHORT-VARIES"
    res = staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat")
    with pytest.raises(EvalkitError) as info:
        res.aggregate("yearly")
    assert info.value.code == "E-DID-AGGREGATION-KIND"
    with pytest.raises(EvalkitError) as info:
        res.aggregate("dynamic", bootstrap=True, band="bonferroni")
    assert info.value.code == "E-DID-BAND"
    with pytest.raises(EvalkitError) as info:
        res.reclustered(pd.Series({8001: "a"}), "state")
    assert info.value.code == "E-CLUSTER-LABELS-MISSING"


def test_cohorts_after_the_window_are_never_treated_with_a_note(mpdta):
    data = mpdta.copy()
    data.loc[data["first.treat"] == 2007, "first.treat"] = 2009
    res = staggered_did(data, "lemp", "countyreal", "year", "first.treat")
    assert set(res.att_gt["group"]) == {2004, 2006}
    assert int(res.cohorts.set_index("group").loc[0, "n_units"]) == 309 + 131
    assert any("after the last period" in note for note in res.notes)


# ---- diagnostics in words ------------------------------------------------------------------


def test_not_yet_treated_without_never_treated_says_who_controls_and_which_years_drop(mpdta):
    data = mpdta[mpdta["first.treat"] > 0]
    res = staggered_did(data, "lemp", "countyreal", "year", "first.treat", control="not_yet_treated")
    design = res.design_summary()
    sizes = data.drop_duplicates("countyreal")["first.treat"].value_counts()
    assert design["treated_cohorts"] == [2004, 2006] and design["control_cohorts"] == [2007]
    assert design["n_treated"] == sizes[2004] + sizes[2006] and design["n_control"] == sizes[2007] == 131
    assert design["years_dropped"] == [2007] and design["years"] == [2004, 2005, 2006]
    assert "serve only as controls" in design["note_en"] and "[2007]" in design["note_en"]
    assert "只作对照" in design["note_zh"]
    # with never-treated units nothing is control-only
    full = staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat").design_summary()
    assert full["control_cohorts"] == [] and full["n_control"] == 309 and full["n_treated"] == 191


def test_cells_not_estimable_say_why(mpdta):
    data = mpdta.assign(x=np.where(mpdta["first.treat"] == 0, 1.0, mpdta["lpop"]))
    with pytest.raises(
        CellsNotEstimable, match=r"20 treated / 309 control units; constant among the controls: \['x'\]"
    ) as info:
        staggered_did(data, "lemp", "countyreal", "year", "first.treat", covariates=["lpop", "x"])
    assert info.value.constant_covariates == ["x"] and len(info.value.cells) == 12
    assert "more" in str(info.value)


def test_redundant_covariates_are_named_in_order(mpdta):
    base = mpdta.drop_duplicates("countyreal")
    frame = base[["lpop"]].assign(twice=2 * base["lpop"], const=1.0, other=base["lemp"])
    assert redundant_covariates(frame) == ["twice", "const"]
    assert redundant_covariates(frame[["lpop", "other"]]) == []


def test_reclustered_equals_estimating_with_that_cluster(mpdta):
    data = mpdta.assign(state=mpdta["countyreal"] // 1000)
    plain = staggered_did(data, "lemp", "countyreal", "year", "first.treat")
    direct = staggered_did(data, "lemp", "countyreal", "year", "first.treat", cluster="state")
    again = plain.reclustered(data.drop_duplicates("countyreal").set_index("countyreal")["state"], "state")
    np.testing.assert_allclose(again.att_gt["se"], direct.att_gt["se"], rtol=1e-12)
    assert again.pretest["pvalue"] == pytest.approx(direct.pretest["pvalue"], rel=1e-10)
    assert again.aggregate("simple").se == pytest.approx(direct.aggregate("simple").se, rel=1e-12)
    assert again.n_clusters == direct.n_clusters and plain.n_clusters == 500


def test_weights_give_person_weighted_effects_on_a_hand_case():
    """Two treated households of size 1 and 4 with per-capita effects 1,000 and 200 (their
    households gain 1,000 and 800), 20 controls on the same trend: the household mean is 600, the
    person-weighted effect (household size as weight) 1,800 / 5 = 360 (total effect / total persons)."""
    rng = np.random.default_rng(0)
    units = [(1, 1, 2022, 1000.0), (2, 4, 2022, 200.0)] + [(10 + k, 1 + k % 4, 0, 0.0) for k in range(20)]
    rows = []
    for unit, size, cohort, tau in units:
        level = rng.normal(10_000, 500)
        for year in (2020, 2021, 2022):
            effect = tau if cohort and year >= cohort else 0.0
            rows.append(
                {"id": unit, "year": year, "g": cohort, "size": size, "y": level + 300 * (year - 2020) + effect}
            )
    data = pd.DataFrame(rows)
    plain = staggered_did(data, "y", "id", "year", "g", method="reg")
    weighted = staggered_did(data, "y", "id", "year", "g", method="reg", weights="size")
    assert plain.aggregate("simple").att == pytest.approx(600.0, abs=1e-9)
    assert weighted.aggregate("simple").att == pytest.approx(360.0, abs=1e-9)
    with pytest.raises(EvalkitError) as info:
        staggered_did(data.assign(size=data["size"] - 1), "y", "id", "year", "g", weights="size")  # a zero weight
    assert info.value.code == "E-WEIGHTS-INVALID"
