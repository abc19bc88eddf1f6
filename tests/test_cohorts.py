"""One definition per tracked cohort (evalkit.evaluation.cohorts): the scorecard, the report section
and the target file agree on 弥勒's low-income cohort, and "超过" is strictly above."""

import numpy as np
import pandas as pd
import pytest

from evalkit.core.panel import Panel
from evalkit.demo import generator as demo
from evalkit.evaluation.cohorts import cohort_for_document, cohort_for_region, cohort_progress, tracked_cohorts
from evalkit.evaluation.scorecard import scorecard
from evalkit.evaluation.targets import load_targets
from evalkit.reporting import sections


def test_target_file_population_is_the_tracked_cohort():
    cohort = cohort_for_region("弥勒市")
    assert cohort is cohort_for_document("mile_2022_2023")
    assert (cohort.base_year, cohort.line, cohort.unit, cohort.above) == (2021, 10000.0, "persons", ">")
    assert "超过1万元" in cohort.clause_zh and "strictly above" in cohort.reason_en
    since = [t for t in load_targets() if t.indicator == "share_persons_above_10000_since_base"]
    assert since, "the 弥勒 targets track the cohort"
    for target in since:
        base = target.population["below_line_in_base_year"]
        assert (int(base["year"]), float(base["line"])) == (cohort.base_year, cohort.line), target.id
        assert sorted(target.population.get("groups", ["tuopin", "monitored"])) == sorted(cohort.groups), target.id
    assert len({c.code for c in tracked_cohorts()}) == len(tracked_cohorts())


def _frame(year, pc):
    """One row per household (one person each, all 脱贫人口) in ``year`` with per-capita income ``pc``."""
    return pd.DataFrame(
        {
            "household_id": [f"h{i}" for i in range(len(pc))],
            "year": year,
            "household_size": 1,
            "wage": pc,
            "operating_income": 0.0,
            "operating_expenses": 0.0,
            "property": 0.0,
            "transfer": 0.0,
            "is_tuopin": True,
            "is_monitored": False,
        }
    )


def _hand(incomes_2022):
    """Six households below 10,000 in 2021; incomes in 2022 given."""
    n = len(incomes_2022)
    return pd.concat(
        [_frame(2021, np.full(n, 8000.0)), _frame(2022, np.asarray(incomes_2022, dtype=float))], ignore_index=True
    )


def test_exactly_10000_is_not_above():
    cohort = cohort_for_region("弥勒市")
    hh = _hand([10000, 10000.01, 9999, 12000, 10000, 15000])
    hh["net_income_pc"] = hh["wage"]
    out = cohort_progress(hh, cohort, [2022]).iloc[0]
    assert out["n_cohort"] == 6 and out["n_above"] == 3  # 10000.01, 12000, 15000; not the two at 10000
    assert out["share"] == pytest.approx(0.5) and out["unit"] == "persons" and out["above"] == ">"


@pytest.fixture(scope="module")
def mile():
    panel = demo.generate_panel(households=3000, seed=8)
    hh = panel.households[panel.households["county"] == "弥勒市"]
    assert hh["household_id"].nunique() > 50
    return Panel(
        households=hh, measures=panel.measures[panel.measures["household_id"].isin(hh["household_id"])], meta=panel.meta
    )


def test_scorecard_and_report_section_give_the_same_share(mile):
    card = scorecard(mile, "弥勒市", 2022, checks=False)
    row = card[(card["target_id"] == "ml-2022-85pct-above-10000") & (card["unit"].astype(str).str.len() > 0)]
    row = row[row["value"].notna()].iloc[0]
    table = sections.share_above_table(mile.households, mile.years, 2020, 2022, "en", region="弥勒市")
    assert table is not None and len(table) == 1  # base 2021, not the report's base 2020
    cohort = cohort_for_region("弥勒市")
    expected = cohort_progress(mile.households, cohort, [2022]).iloc[0]
    assert row["value"] == pytest.approx(expected["share"], abs=1e-12)
    shown = table.iloc[0][[c for c in table.columns if "persons" in c][0]]
    assert shown == f"{100 * expected['share']:.1f}%"
    base, note = sections.share_above_cohort_note("弥勒市", 2020, "en")
    assert base == 2021 and "strictly above" in note
    # a region without a tracked cohort follows the report's base year and reads ≥
    assert sections.share_above_cohort_note("光山县", 2020, "en") == (2020, "")


def _mean_reverting(n=1000, years=(2021, 2022, 2023, 2024), seed=0):
    """Permanent income plus i.i.d. yearly luck, no support and no trend: any growth of a cohort
    chosen by last year's income is regression to the mean."""
    rng = np.random.default_rng(seed)
    permanent = rng.normal(12000, 2000, n)
    hh = pd.concat([_frame(year, permanent + rng.normal(0, 2500, n)) for year in years], ignore_index=True)
    hh["net_income_pc"] = hh["wage"]
    hh["net_income"] = hh["wage"]
    return hh


def test_bottom_quintile_cohort_grows_by_regression_to_the_mean_alone():
    from evalkit.evaluation.cohorts import bottom_quintile_comparison

    out = bottom_quintile_comparison(_mean_reverting(), 2024, plan_start=2024).set_index("comparison")
    assert out.loc["cohort", "growth_pct"] > 10  # the bottom fifth "rises" with no support at all
    assert out.loc["top_cohort", "growth_pct"] < -5  # and the top fifth falls back
    assert abs(out.loc["cross_section", "growth_pct"]) < 3  # the bottom 20 % of each year does not move
    assert (out.loc["cohort_before_plan", "base_year"], out.loc["cohort_before_plan", "year"]) == (2022, 2023)
    # the same selection before the plan shows the same regression: the excess is near zero
    assert abs(out.loc["cohort", "excess_pp"]) < 5
    assert out.loc["cohort", "n_households"] == pytest.approx(200, abs=2)


def test_report_shows_the_benchmark_for_jiangxi_regions_only():
    hh = _mean_reverting()
    table, note = sections.bottom_quintile_table(hh, 2024, {"上犹县", "江西省"}, "en")
    assert len(table) == 4 and "Regression to the mean" in note and "2022→2023" in note
    assert "growth beyond the same group before the plan" in table.columns
    assert sections.bottom_quintile_table(hh, 2024, {"弥勒市", "云南省"}, "en") is None
    assert sections.bottom_quintile_table(hh, 2023, {"上犹县", "江西省"}, "en") is None  # not a plan year
