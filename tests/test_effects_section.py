"""The effects section's words and the every-measure table (evalkit.reporting.effects_section)."""

import pytest

from evalkit.demo import generator as demo
from evalkit.effects.measures import measure_effects
from evalkit.reporting.effects_section import clustering_note, effect_notes, measures_overview


@pytest.fixture(scope="module")
def panel():
    return demo.generate_panel(households=2000, seed=17)


def test_effect_notes_state_design_clustering_and_caveats(panel):
    res = measure_effects(panel, "dibao", outcomes=("net_income_pc",))
    notes = effect_notes(res, "en")
    row = res.effects.iloc[0]
    assert notes[0].startswith("treated: ") and f"{row['n_treated']} units" in notes[0]
    assert f"Standard errors clustered by county ({row['n_clusters']} clusters)." in notes[0]
    assert notes[1].startswith("Unit of the effects: yuan per person per year, mean over treated households")
    zh = effect_notes(res, "zh")
    assert "标准误按县聚类" in zh[0] and "从未受处理的" in zh[0]
    assert clustering_note({"cluster": "township", "n_clusters": 12}, "zh") == "标准误按乡镇聚类（12 个聚类）。"
    assert clustering_note({"cluster": "household", "n_clusters": 2000}, "en").startswith(
        "Standard errors clustered by household"
    )


def test_every_measure_with_enough_treated_households_is_in_the_table(panel):
    calls = []

    def fast(p, code, outcomes):
        calls.append(code)
        return measure_effects(p, code, outcomes=outcomes, covariates=None, method="reg")

    counts = panel.measures.drop_duplicates(["household_id", "measure"])["measure"].value_counts()
    reused = measure_effects(panel, "dibao", outcomes=("net_income_pc", "transfer_pc"), covariates=None, method="reg")
    table, notes = measures_overview(panel, "en", reuse={"dibao": reused}, estimate=fast, min_treated=60)
    from evalkit.core.schema import measures_catalogue

    catalogue = measures_catalogue().set_index("code")
    expected = [code for code in catalogue.index if counts.get(code, 0) >= 60]
    failed = [n for n in notes if n.startswith("Not estimable")]
    assert len(table) + len(failed) == len(expected) and len(table) >= 10
    assert "dibao" not in calls and set(calls) == set(expected) - {"dibao"}  # the key measure is reused
    few = [catalogue.loc[c, "label_en"] for c in catalogue.index if counts.get(c, 0) < 60]
    if few:
        assert any(n.startswith("Fewer than 60 treated households") and few[0] in n for n in notes)
    assert notes[0].startswith("Effects: yuan per person per year, the mean over treated households")
    assert list(table.columns)[:3] == ["measure", "kind of measure", "estimate"]
    assert {"treated households", "pre-trend test p-value", "clusters", "caveat"} <= set(table.columns)
    dibao = table.set_index("measure").loc[catalogue.loc["dibao", "label_en"]]
    assert dibao["treated households"].replace(",", "").split()[0] == str(reused.effects.iloc[0]["n_treated"])


def test_overview_estimates_say_why_a_measure_has_no_estimate(panel):
    from evalkit.core.errors import DesignError
    from evalkit.reporting.effects_section import overview_estimates

    counts = panel.measures.drop_duplicates(["household_id", "measure"])["measure"].value_counts()
    enough = [code for code, n in counts.items() if n >= 60]
    broken = enough[0]

    def fake(p, code, outcomes):
        if code == broken:
            raise DesignError("no never-treated controls")
        return measure_effects(p, code, outcomes=outcomes, covariates=None, method="reg")

    estimates = overview_estimates(panel, estimate=fake, min_treated=60)
    assert set(estimates.results) == set(enough) - {broken}
    assert estimates.failed == {broken: "no never-treated controls"}
    from evalkit.core.schema import measures_catalogue

    assert estimates.too_few == [c for c in measures_catalogue()["code"] if counts.get(c, 0) < 60]
    reasons = estimates.reasons("zh")
    assert reasons[broken] == "无法估计效果: no never-treated controls"
    assert all(reasons[c] == "受益户少于 60 户, 未估计效果" for c in estimates.too_few)
    # the table reuses the estimates: nothing is estimated again
    table, notes = measures_overview(panel, "en", estimates=estimates, estimate=lambda *a, **k: 1 / 0)
    assert len(table) == len(enough) - 1 and any(n.startswith("Not estimable") for n in notes)
