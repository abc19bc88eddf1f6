"""The demo's year-to-year dynamics meet the calibration targets of issue 16
(:data:`evalkit.demo.calibration.DYNAMICS_TARGETS`): income falls and the 广西 watch-list share."""

from __future__ import annotations

import numpy as np
import pytest

from evalkit.core.registry import get_region, region_mask
from evalkit.demo.calibration import DYNAMICS_TARGETS
from evalkit.demo.generator import generate_panel
from evalkit.evaluation.watchlist import watchlist

YEARS = (2023, 2024, 2025)


@pytest.fixture(scope="module")
def panel():
    return generate_panel(households=5_000)


def guangxi_rows(panel):
    hh = panel.households
    return hh[region_mask(hh, get_region("guangxi")) & (hh["is_tuopin"] | hh["is_monitored"])]


def test_targets_state_a_range_and_a_source():
    for name, (low, high, source) in DYNAMICS_TARGETS.items():
        assert 0 < low < high < 1, name
        assert len(source) > 40, name


@pytest.mark.parametrize("year", YEARS)
def test_guangxi_income_falls_and_flag_share_are_inside_the_targets(panel, year):
    rows = guangxi_rows(panel)
    pc = rows.pivot(index="household_id", columns="year", values="net_income_pc")
    change = pc[year] / pc[year - 1] - 1
    fell, fell_30 = float((change < 0).mean()), float((change <= -0.3).mean())
    watch = watchlist(panel, "guangxi", year)
    n = int((rows["year"] == year).sum())
    flagged, flagged_fell = len(watch) / n, watch["gx_income_fell"].sum() / n
    # the watch-list's 收入不增反降 is exactly "below last year's" (no minimum size)
    assert flagged_fell == pytest.approx(fell)
    for name, value in (("income_fell", fell), ("income_fell_30pct", fell_30), ("flagged", flagged)):
        low, high, _ = DYNAMICS_TARGETS[name]
        assert low <= value <= high, (name, year, round(value, 3))


def test_falls_are_fewer_than_in_survey_panels_but_not_absent(panel):
    # 25–35% of rural households a year in CFPS / CHIP; a monitoring system's incomes move less
    rows = guangxi_rows(panel)
    pc = rows.pivot(index="household_id", columns="year", values="net_income_pc")
    shares = [(pc[y] < pc[y - 1]).mean() for y in YEARS]
    assert max(shares) < 0.25 and min(shares) > 0.05
    # and the flag is not a fixed set of households: most who fell in 2023 did not fall again in 2024
    fell_2023 = pc[2023] < pc[2022]
    assert (pc[2024] < pc[2023])[fell_2023].mean() < 0.5
    assert np.isfinite(pc.to_numpy()).all()
