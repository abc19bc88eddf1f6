"""Domain layer on the synthetic demo panel against the generator's known true effects.

Fast version of benchmarks/simulation_did.py (200 replications, saved results): one panel,
every estimate checked against its truth within 3.5 standard errors, the naive comparison shown
to be far off, the component effects adding up, heterogeneity, design accounting, bad designs.
"""

import numpy as np
import pytest
from matplotlib.figure import Figure

from evalkit.core.errors import DesignError, EvalkitError
from evalkit.core.panel import Panel
from evalkit.core.schema import labour_group
from evalkit.demo import generator as demo
from evalkit.effects import OUTCOMES, measure_effects
from evalkit.effects.measures import baseline, cohorts, naive_difference
from evalkit.reporting.effect_plots import components_plot, event_study_plot

COMPONENT_OF = {
    "net_income_pc": "net_income",
    "wage_pc": "wage",
    "net_operating_pc": "net_operating",
    "property_pc": "property",
    "transfer_pc": "transfer",
}


@pytest.fixture(scope="module")
def panel():
    return demo.generate_panel(households=5000, seed=99)


@pytest.fixture(scope="module")
def fits(panel):
    return {m: measure_effects(panel, m) for m in ("public_welfare_post", "industry_award", "dibao")}


def simple_truth(truth, measure, outcome, extra=None):
    rows = truth[(truth["measure"] == measure) & (truth["component"] == COMPONENT_OF[outcome])]
    if extra is not None:
        rows = rows[extra(rows)]
    return 0.0 if rows.empty else float((rows["att_per_capita"] * rows["n_treated"]).sum() / rows["n_treated"].sum())


@pytest.mark.parametrize("measure", ["public_welfare_post", "industry_award", "dibao"])
def test_estimates_match_true_effects(panel, fits, measure):
    truth = demo.true_effects(panel)
    effects = fits[measure].effects.set_index("outcome")
    assert list(effects.index) == list(OUTCOMES)
    for outcome, row in effects.iterrows():
        true = simple_truth(truth, measure, outcome)
        assert abs(row["att"] - true) < 3.5 * row["se"], (measure, outcome, row["att"], true, row["se"])
        assert row["se"] > 0 and row["n_treated"] > 100
    # the component the measure targets is clearly detected
    main = {"public_welfare_post": "wage_pc", "industry_award": "net_operating_pc", "dibao": "transfer_pc"}[measure]
    assert effects.loc[main, "ci_low"] > 0


def test_naive_comparison_is_visibly_biased(panel, fits):
    truth = demo.true_effects(panel)
    for measure in ("public_welfare_post", "dibao"):
        row = fits[measure].effects.set_index("outcome").loc["net_income_pc"]
        naive = naive_difference(panel, measure, "net_income_pc")
        true = simple_truth(truth, measure, "net_income_pc")
        # generator 1.5 (narrower lower tail) left less selection on income: a bias of 29% of the
        # true effect (478 against 1,652 yuan, 3.8 se) for one measure; still visibly biased
        assert abs(naive - true) > 3 * row["se"] and abs(naive - true) > 0.25 * abs(true)


def test_component_effects_add_up_to_net_income(fits):
    for result in fits.values():
        dec = result.decomposition
        assert len(dec) == 1
        assert abs(dec["difference"].iloc[0]) < 1e-8
        # the same holds for every event time of the event study
        wide = result.event_study.pivot(index="event_time", columns="outcome", values="att")
        np.testing.assert_allclose(
            wide["net_income_pc"], wide[[c for c in OUTCOMES if c != "net_income_pc"]].sum(axis=1), atol=1e-8
        )


def test_design_accounting(panel, fits):
    design = fits["dibao"].design.set_index("item")["value"]
    received = cohorts(panel, "dibao")
    n_cohorts = sum(v for k, v in design.items() if k.startswith("cohort_"))
    excluded = design.get("small_cohorts_excluded", 0)
    assert n_cohorts + excluded == len(received)
    assert design["never_treated"] + len(received) == design["households"] == 5000
    assert design["stopped_share"] == 0.0  # 低保 rows every year from the first in the demo


def test_stopping_measure_is_reported_and_measure_names_resolve(panel):
    res = measure_effects(panel, "务工交通补贴", outcomes=("wage_pc",), covariates=None)
    assert res.measure == "transport_subsidy" and res.kind == "employment"
    share = res.design.set_index("item").loc["stopped_share", "value"]
    assert 0.3 < share < 0.5  # the demo renews it with probability 0.6 a year


def test_heterogeneity_by_relocated_matches_group_truth(panel):
    res = measure_effects(panel, "public_welfare_post", outcomes=("net_income_pc",), by="relocated")
    truth = demo.true_effects(panel, by=["relocated"])
    truth = truth[(truth["measure"] == "public_welfare_post") & (truth["component"] == "net_income")]
    for row in res.effects.itertuples():
        part = truth[truth["relocated"] == row.relocated]
        true = float((part["att_per_capita"] * part["n_treated"]).sum() / part["n_treated"].sum())
        assert abs(row.att - true) < 3.5 * row.se
    assert len(res.effects) == 2 and res.skipped.empty


def test_labour_group_and_baseline(panel):
    hh = panel.households
    groups = labour_group(hh, "detail", "code")
    assert set(groups) <= {"none", "weak_only", "one_full", "two_plus"}
    none = (hh["labour_full"] + hh["labour_weak"] == 0).to_numpy()
    assert (groups[none] == "none").all()
    base = baseline(hh)
    assert len(base) == hh["household_id"].nunique()
    assert {"log_income0", "labour", "has_operating"} <= set(base.columns)


def test_eligible_restricts_population(panel):
    res = measure_effects(panel, "dibao", outcomes=("transfer_pc",), covariates=None, eligible="relocated")
    design = res.design.set_index("item")["value"]
    n_relocated = panel.households.drop_duplicates("household_id")["relocated"].sum()
    assert design["not_eligible"] == 5000 - n_relocated
    assert res.effects["n_treated"].iloc[0] + res.effects["n_control"].iloc[0] <= n_relocated


def test_bad_designs(panel):
    nobody = Panel(
        households=panel.households, measures=panel.measures[panel.measures["measure"] != "tekun"], meta=panel.meta
    )
    with pytest.raises(DesignError) as info:
        measure_effects(nobody, "tekun")
    assert info.value.code == "E-DESIGN-NO-TREATED"
    with pytest.raises(EvalkitError) as info:
        measure_effects(panel, "dibaoo")
    assert info.value.code == "E-MEASURE-UNKNOWN" and "'dibao'" in str(info.value)  # the close match
    for kwargs, code in (
        ({"weight": "people"}, "E-WEIGHT-KIND"),
        ({"covariates": "all"}, "E-COVARIATES-KIND"),
        ({"covariates": ["no_such_covariate"]}, "E-COVARIATES-UNKNOWN"),
        ({"cluster": "no_such_column"}, "E-CLUSTER-COLUMN"),
        ({"by": "no_such_column"}, "E-GROUP-COLUMNS"),
        ({"outcomes": ("no_such_outcome",)}, "E-DATA-COLUMNS"),
    ):
        with pytest.raises(EvalkitError) as info:
            measure_effects(panel, "dibao", **kwargs)
        assert info.value.code == code, kwargs
    everyone = panel.households[["household_id"]].drop_duplicates().assign(year=2022, measure="dibao", amount=np.nan)
    all_treated = Panel(households=panel.households, measures=everyone, meta=panel.meta)
    with pytest.raises(DesignError) as info:
        measure_effects(all_treated, "dibao", outcomes=("transfer_pc",), covariates=None)
    assert info.value.code == "E-DESIGN-NO-NEVER-TREATED"


def test_plots(fits):
    res = fits["dibao"].result("transfer_pc")
    fig = event_study_plot(res.event_study(biters=199), outcome="transfer_pc", title="低保")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.patches) == len(res.aggregate("dynamic").table)  # one uniform-band bar per event time
    assert "同时置信带" in ax.get_legend().get_texts()[0].get_text()  # the 95 % simultaneous band
    fig2 = components_plot(fits["dibao"].effects, lang="en")
    assert [t.get_text() for t in fig2.axes[0].get_yticklabels()][-1] == "per-capita net income"


def test_heterogeneity_by_labour_group_matches_truth_and_accounts_for_small_cohorts(panel):
    res = measure_effects(panel, "dibao", outcomes=("transfer_pc",), by="labour_group")
    # a subgroup whose cohorts are all below the 10-household threshold is listed, with its reason
    assert set(res.effects["labour_group"]) | set(res.skipped["labour_group"]) == {
        "none",
        "weak_only",
        "one_full",
        "two_plus",
    }
    assert res.skipped["reason"].str.contains("no unit starts treatment").all()
    assert len(res.effects) >= 3
    design = res.design.set_index("item")["value"]
    excluded = sum(v for k, v in design.items() if k.startswith("small_cohorts_excluded"))
    assert res.effects["n_treated"].sum() + excluded == len(cohorts(panel, "dibao"))
    labelled = Panel(
        households=panel.households.assign(labour_group=labour_group(panel.households, "detail", "code")),
        measures=panel.measures,
        meta=panel.meta,
    )
    truth = demo.true_effects(labelled, by=["labour_group"])
    truth = truth[(truth["measure"] == "dibao") & (truth["component"] == "transfer")]
    for row in res.effects.itertuples():
        used = res.result("transfer_pc", row.labour_group).cohorts.query("group > 0")["group"]
        part = truth[(truth["labour_group"] == row.labour_group) & truth["cohort"].isin(used)]
        true = float((part["att_per_capita"] * part["n_treated"]).sum() / part["n_treated"].sum())
        assert abs(row.att - true) < 3.5 * row.se, (row.labour_group, row.att, true, row.se)


def test_village_clustering_changes_only_the_standard_errors(panel):
    plain = measure_effects(panel, "industry_award", outcomes=("net_operating_pc",), covariates=None, cluster=None)
    clustered = measure_effects(
        panel, "industry_award", outcomes=("net_operating_pc",), covariates=None, cluster="village"
    )
    a, b = plain.effects.iloc[0], clustered.effects.iloc[0]
    assert a["att"] == pytest.approx(b["att"], abs=1e-9)
    assert a["se"] != pytest.approx(b["se"], rel=1e-6)
    assert clustered.result("net_operating_pc").cluster == "village"
    # villages are identified within their township (names such as 合成村01 repeat)
    n_clusters = clustered.result("net_operating_pc").n_clusters
    assert clustered.effects.iloc[0]["n_clusters"] == n_clusters
    assert (
        n_clusters
        == panel.households[["province", "prefecture", "county", "township", "village"]].drop_duplicates().shape[0]
    )


# ---- inference defaults and diagnostics --------------------------------------------------


@pytest.fixture(scope="module")
def small_panel():
    return demo.generate_panel(households=2000, seed=5)


def test_default_clusters_by_the_coarsest_level_with_enough_clusters(small_panel):
    from evalkit.effects.measures import MIN_CLUSTERS, default_cluster

    hh = small_panel.households
    first = hh[hh["year"] == hh["year"].min()]
    assert first["county"].nunique() >= MIN_CLUSTERS and default_cluster(hh) == "county"
    one_county = hh[hh["county"] == first["county"].value_counts().index[0]]
    level = default_cluster(one_county)
    assert level in ("township", "village")  # one county: a county cluster is no cluster
    res = measure_effects(small_panel, "dibao", outcomes=("transfer_pc",))
    row = res.effects.iloc[0]
    assert row["cluster"] == "county" and row["n_clusters"] == res.result("transfer_pc").n_clusters
    assert res.design.set_index("item").loc["cluster", "value"] == "county"
    assert res.result("transfer_pc").pretest["reference"].startswith("wild cluster bootstrap")


def test_collinear_covariate_is_dropped_with_a_note_not_the_measure(small_panel):
    hh = small_panel.households.copy()
    hh["relocated"] = hh["doudi"]  # relocated is now a copy of doudi: collinear
    panel = Panel(households=hh, measures=small_panel.measures, meta=small_panel.meta)
    res = measure_effects(panel, "dibao", outcomes=("transfer_pc",))
    design = res.design.set_index("item")
    assert design.loc["covariates_dropped", "value"] == "relocated"
    assert "relocated" not in res.result("transfer_pc").covariates and "doudi" in res.result("transfer_pc").covariates
    assert np.isfinite(res.effects["att"].iloc[0])


def test_pre_trend_caveat_and_few_clusters_wild_pvalue(small_panel):
    hh = small_panel.households.copy()
    g = hh["household_id"].map(cohorts(small_panel, "dibao")).fillna(0)
    # treated households' transfers rise by 600 yuan per person a year before they get 低保: no parallel trends
    pre = (g > 0) & (hh["year"] < g)
    hh.loc[pre, "transfer"] += 600.0 * (hh.loc[pre, "year"] - 2019) * hh.loc[pre, "household_size"]
    hh["net_income"] = hh[["wage", "net_operating", "property", "transfer"]].sum(axis=1)
    hh["net_income_pc"] = hh["net_income"] / hh["household_size"]
    panel = Panel(households=hh, measures=small_panel.measures, meta=small_panel.meta)
    res = measure_effects(panel, "dibao", outcomes=("transfer_pc",), covariates=None, cluster="prefecture")
    row = res.effects.iloc[0]
    assert row["pretest_pvalue"] < 0.05
    assert "pre-trend test p =" in row["caveat_en"] and "处理前趋势检验" in row["caveat_zh"]
    assert row["n_clusters"] < 30 and 0 <= row["wild_pvalue"] <= 1
    assert f"only {row['n_clusters']} clusters" in row["caveat_en"]
    # the untouched panel (selection on baseline covariates), clustered by county, has neither caveat
    clean = measure_effects(small_panel, "dibao", outcomes=("transfer_pc",)).effects.iloc[0]
    assert clean["caveat_en"] == "" and np.isnan(clean["wild_pvalue"])


def test_person_weighted_effects_are_total_effect_over_total_persons(small_panel):
    """Unit of the effects (issue 13 item 4). Every treated household gets 1,200 yuan of property
    income from its first 低保 year on, so its per-capita effect is 1,200 / size. CS estimates are
    linear in the outcome, so the estimate on the panel with that effect minus the estimate without
    it is the estimator applied to the effect alone: the household mean of 1,200 / size (each
    household once) with weight="household", and total effect / total persons (Σ 1,200 / Σ size over
    treated household-years, the income tables' per-capita rule) with weight="persons"."""
    hh = small_panel.households.copy()
    g = hh["household_id"].map(cohorts(small_panel, "dibao")).fillna(0).astype(int)
    post = (g > 0) & (hh["year"] >= g)
    hh.loc[post, "property"] += 1200.0
    hh["net_income"] = hh[["wage", "net_operating", "property", "transfer"]].sum(axis=1)
    hh["net_income_pc"] = hh["net_income"] / hh["household_size"]
    treated_panel = Panel(households=hh, measures=small_panel.measures, meta=small_panel.meta)
    out = {}
    for weight in ("household", "persons"):
        before = measure_effects(small_panel, "dibao", outcomes=("property_pc",), weight=weight)
        after = measure_effects(treated_panel, "dibao", outcomes=("property_pc",), weight=weight)
        out[weight] = after.effects["att"].iloc[0] - before.effects["att"].iloc[0]
        row = after.effects.iloc[0]
        assert row["weight"] == weight and "yuan per person per year" in row["unit_en"] and row["unit_zh"]
        assert after.design.set_index("item").loc["weight", "value"] == weight
    estimated = before.result("property_pc").cohorts
    kept = estimated.loc[estimated["group"] > 0, "group"]
    cells = hh[post & g.isin(kept)]  # the treated household-years of the estimated cohorts
    assert out["persons"] == pytest.approx(1200.0 * len(cells) / cells["household_size"].sum(), rel=1e-9)
    assert out["household"] == pytest.approx((1200.0 / cells["household_size"]).mean(), rel=1e-9)
    assert out["household"] > out["persons"] * 1.1  # small households have the larger per-capita effect


def test_a_p_value_that_could_not_be_computed_shows_the_no_data_mark_with_the_reason():
    from evalkit.effects.measure_table import few_clusters_caveat, format_pvalue
    from evalkit.reporting.present import missing_mark

    assert format_pvalue(0.04321) == "0.043" and format_pvalue(0.0) == "< 0.001" and format_pvalue(1.0) == "1.000"
    # the mark of the report tables (data/labels.csv no_data_mark), never a dash
    assert format_pvalue(np.nan, lang="zh") == missing_mark("zh") == "无数据"
    assert format_pvalue(float("inf"), lang="en") == missing_mark("en") == "n/a"
    assert format_pvalue(np.nan) == "无数据 / n/a"
    zh, en = few_clusters_caveat(12, 0.0312)
    assert zh.endswith("请参考野聚类自助法 p 值 0.031。")
    assert en.endswith("see the wild cluster bootstrap p-value 0.031.")
    zh, en = few_clusters_caveat(1, np.nan)
    assert "无数据" in zh and "1 个聚类上无法计算" in zh
    assert "p-value is n/a (it cannot be computed on 1 cluster)" in en and "—" not in zh + en
