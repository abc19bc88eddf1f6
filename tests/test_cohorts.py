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


def _hand(incomes_2022):
    """Six households, one person each, all 脱贫人口, below 10,000 in 2021; incomes in 2022 given."""
    n = len(incomes_2022)
    rows = []
    for year, pc in ((2021, np.full(n, 8000.0)), (2022, np.asarray(incomes_2022, dtype=float))):
        rows.append(
            pd.DataFrame(
                {
                    "household_id": [f"h{i}" for i in range(n)],
                    "year": year,
                    "household_size": 1,
                    "wage": pc,
                    "operating_income": 0.0,
                    "operating_expense": 0.0,
                    "property": 0.0,
                    "transfer": 0.0,
                    "is_tuopin": True,
                    "is_monitored": False,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


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
