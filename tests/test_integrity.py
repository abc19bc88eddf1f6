"""Integrity checks: each flags a planted manipulation and stays quiet on clean simulated data.

The simulated region has one county of ``n_villages`` villages (log-normal per-capita incomes
around 11,000 yuan, components with random shares, amounts to the yuan); measures are given to
a random 40% of households. The false-alarm rates asserted here are those stated in the
docstring of :mod:`evalkit.integrity`.
"""

import numpy as np
import pandas as pd
import pytest

from evalkit.core.comparison import monitoring_line
from evalkit.core.errors import EvalkitError
from evalkit.core.panel import Panel
from evalkit.core.schema import derive_income
from evalkit.demo import load_demo
from evalkit.evaluation.integrity import CHECKS, bunching_test, implausible_jumps, integrity_checks, polynomial_excess

REGION = "信阳市"  # the simulated households carry 信阳's province / prefecture / county names
COUNTY = "光山县"


def simulate(n_villages=100, per_village=400, seed=1, years=(2023, 2024)):
    """Clean two-year panel of ``n_villages`` villages in 光山县 (synthetic, no manipulation)."""
    rng = np.random.default_rng(seed)
    n = n_villages * per_village
    village = np.repeat([f"村{i:03d}" for i in range(n_villages)], per_village)
    size = rng.integers(1, 6, n)
    frames = []
    pc0 = rng.lognormal(np.log(11_000), 0.45, n)
    for k, year in enumerate(years):
        pc = pc0 * rng.lognormal(0.06 * k, 0.15, n)
        total = np.round(pc * size)
        shares = rng.dirichlet([6, 2, 1, 2], n)
        wage = np.round(total * shares[:, 0])
        property_ = np.round(total * shares[:, 2])
        transfer = np.round(total * shares[:, 3])
        expenses = np.round(rng.uniform(0, 0.3, n) * total * shares[:, 1])
        operating = total - wage - property_ - transfer + expenses
        frames.append(
            pd.DataFrame(
                {
                    "household_id": [f"h{i:06d}" for i in range(n)],
                    "year": year,
                    "province": "河南省",
                    "prefecture": "信阳市",
                    "county": COUNTY,
                    "township": "",
                    "village": village,
                    "household_size": size,
                    "household_type": "一般脱贫户",
                    "wage": wage,
                    "operating_income": operating,
                    "operating_expenses": expenses,
                    "property": property_,
                    "transfer": transfer,
                }
            )
        )
    households = derive_income(pd.concat(frames, ignore_index=True))
    ids = households.loc[rng.random(len(households)) < 0.4, ["household_id", "year"]]
    measures = ids.assign(measure="public_welfare_post", amount=5000.0)
    return Panel(households=households, measures=measures, meta={"synthetic": True})


def _redo(panel: Panel, households: pd.DataFrame) -> Panel:
    return Panel(
        households=derive_income(
            households.drop(columns=["net_operating", "net_income", "net_income_pc", "is_tuopin", "is_monitored"])
        ),
        measures=panel.measures,
        meta=panel.meta,
    )


def test_unknown_check_is_refused(clean):
    with pytest.raises(EvalkitError) as info:
        integrity_checks(clean, REGION, 2024, checks=("benford",))
    assert info.value.code == "E-INTEGRITY-CHECK-UNKNOWN"


def _village_flags(table: pd.DataFrame, check: str) -> set:
    rows = table[(table["check"] == check) & (table["level"] == "village")]
    return set(rows.loc[rows["flagged"], "village"])


@pytest.fixture(scope="module")
def clean():
    return simulate()


@pytest.fixture(scope="module")
def clean_checks(clean):
    return integrity_checks(clean, REGION, 2024, n_boot=0)


def test_polynomial_excess_counts_planted_mass():
    rng = np.random.default_rng(3)
    x = rng.uniform(5_000, 15_000, 20_000)
    assert abs(polynomial_excess(x, 10_000, 200)) < 60  # flat density: no excess (sd ≈ 25)
    moved = (x >= 9_000) & (x < 10_000) & (rng.random(len(x)) < 0.5)
    y = np.where(moved, rng.uniform(10_000, 10_600, len(x)), x)
    assert polynomial_excess(y, 10_000, 200) == pytest.approx(moved.sum(), rel=0.15)


def test_excess_of_many_count_rows_equals_a_polyfit_per_row():
    """The one-solve excess of every bootstrap row is the polyfit/polyval excess of that row."""
    from evalkit.evaluation.integrity import _excess_of_counts

    rng = np.random.default_rng(5)
    rows = rng.poisson(rng.uniform(20, 200, 40), size=(50, 40))
    offset = np.arange(-20, 20)
    x, outside, bunch = offset + 0.5, (offset < -5) | (offset >= 3), (offset >= 0) & (offset < 3)
    expected = [r[bunch].sum() - np.polyval(np.polyfit(x[outside], r[outside], 2), x[bunch]).sum() for r in rows]
    np.testing.assert_allclose(_excess_of_counts(rows), expected, rtol=1e-9, atol=1e-7)


def test_bootstrap_on_counts_matches_resampling_households():
    """Multinomial draws of the bin counts are the bootstrap over households: same interval."""
    rng = np.random.default_rng(6)
    x = rng.lognormal(np.log(11_000), 0.45, 4_000)
    x = np.where((x >= 9_000) & (x < 10_000) & (rng.random(len(x)) < 0.5), rng.uniform(10_000, 10_600, len(x)), x)
    fast = bunching_test(x, 10_000, n_boot=2_000, seed=1)
    draws = [polynomial_excess(x[rng.integers(0, len(x), len(x))], 10_000, 200) for _ in range(2_000)]
    slow_low, slow_high = np.percentile(draws, [2.5, 97.5])
    width = slow_high - slow_low
    assert abs(fast["ci_low"] - slow_low) < 0.1 * width and abs(fast["ci_high"] - slow_high) < 0.1 * width


def test_bunching_test_detects_and_stays_quiet():
    rng = np.random.default_rng(4)
    x = rng.lognormal(np.log(11_000), 0.45, 3_000)
    quiet = bunching_test(x, 10_000, n_boot=50)
    assert quiet["status"] == "ok" and quiet["p_value"] > 0.01
    assert quiet["ci_low"] < 0 < quiet["ci_high"] or abs(quiet["excess_count"]) < 40
    near = (x >= 8_500) & (x < 10_000)
    y = np.where(near & (rng.random(len(x)) < 0.6), rng.uniform(10_000, 10_300, len(x)), x)
    loud = bunching_test(y, 10_000, n_boot=50)
    assert loud["p_value"] < 1e-4 and loud["excess_count"] > 100 and loud["ci_low"] > 0
    assert bunching_test(x[:15], 10_000)["status"] == "too few households near the line"


def test_clean_data_false_alarm_rates(clean_checks):
    """Stated rates: bunching ≤ 2 of 100 clean villages; the other checks 0 of 100."""
    assert len(_village_flags(clean_checks, "bunching_10000")) <= 2
    assert len(_village_flags(clean_checks, "bunching_monitoring_line")) <= 2
    for check in ("heaping", "implausible_jumps", "repeated_figures"):
        assert _village_flags(clean_checks, check) == set(), check
    tested = clean_checks[(clean_checks["check"] == "bunching_10000") & (clean_checks["level"] == "village")]
    assert len(tested) == 100 and (tested["status"] == "ok").all()
    not_measured = clean_checks[clean_checks["check"] == "inconsistent_totals"]
    assert list(not_measured["status"]) == ["no reported totals in the panel"] and not not_measured["flagged"].any()


@pytest.mark.parametrize("seed", [13, 14])
def test_bunching_false_alarm_rate_over_seeds(seed):
    checks = integrity_checks(simulate(seed=seed), REGION, 2024, n_boot=0, checks=("bunching_10000",))
    assert len(_village_flags(checks, "bunching_10000")) <= 2
    assert set(checks["check"]) == {"bunching_10000"}


def test_bunching_quiet_on_small_clean_villages():
    """Villages of 100 households (the default minimum size for the density test)."""
    checks = integrity_checks(simulate(per_village=100, seed=21), REGION, 2024, n_boot=0, checks=("bunching_10000",))
    villages = checks[checks["level"] == "village"]
    assert (villages["status"] == "ok").sum() >= 95
    assert len(_village_flags(checks, "bunching_10000")) <= 2


def count_up(households, unit, low, share, top, seed, line=10_000):
    """Plant "算账式增收": a ``share`` of ``unit``'s 2024 households between ``low`` and ``line``
    get transfer income added up to a random per-capita income in [``line``, ``top``)."""
    h = households.copy()
    rng = np.random.default_rng(seed)
    lift = (
        unit
        & (h["year"] == 2024)
        & (h["net_income_pc"] >= low)
        & (h["net_income_pc"] < line)
        & (rng.random(len(h)) < share)
    )
    new_pc = rng.uniform(line, top, len(h))
    h.loc[lift, "transfer"] += np.ceil((new_pc[lift] - h.loc[lift, "net_income_pc"]) * h.loc[lift, "household_size"])
    return h


def test_planted_bunching_flags_that_village_only(clean):
    h = count_up(clean.households, clean.households["village"] == "村007", 8_500, 0.8, 10_300, seed=5)
    checks = integrity_checks(_redo(clean, h), REGION, 2024, n_boot=0, checks=("bunching_10000",))
    flags = _village_flags(checks, "bunching_10000")
    assert "村007" in flags and len(flags - {"村007"}) <= 2
    row = checks[(checks["check"] == "bunching_10000") & (checks["village"] == "村007")].iloc[0]
    assert row["excess_count"] >= 10 and row["p_value"] < 0.01


def test_planted_bunching_at_the_monitoring_line(clean):
    line = monitoring_line("河南省", 2024, include_synthetic=True)
    h = count_up(
        clean.households, clean.households["village"] == "村030", line - 1_500, 0.8, line + 300, seed=7, line=line
    )
    checks = integrity_checks(_redo(clean, h), REGION, 2024, n_boot=0, checks=("bunching_monitoring_line",))
    flags = _village_flags(checks, "bunching_monitoring_line")
    assert "村030" in flags and len(flags - {"村030"}) <= 2
    assert checks.loc[checks["village"] == "村030", "detail"].iloc[0] == f"line {line:.0f}"


def test_planted_heaping(clean):
    h = clean.households.copy()
    mask = (h["village"] == "村042") & (h["year"] == 2024)
    for c in ("wage", "property", "transfer"):
        h.loc[mask, c] = (h.loc[mask, c] / 1000).round() * 1000
    checks = integrity_checks(_redo(clean, h), REGION, 2024, checks=("heaping",))
    assert _village_flags(checks, "heaping") == {"村042"}


def test_planted_jumps(clean):
    h = clean.households.copy()
    ids = h.loc[(h["village"] == "村013") & (h["year"] == 2024), "household_id"].iloc[:12]
    mask = h["household_id"].isin(ids) & (h["year"] == 2024)
    h.loc[mask, "wage"] = h.loc[mask, "wage"] * 8 + 20_000 * h.loc[mask, "household_size"]
    measures = clean.measures[~(clean.measures["household_id"].isin(ids) & (clean.measures["year"] == 2024))]
    panel = Panel(households=_redo(clean, h).households, measures=measures, meta=clean.meta)
    checks = integrity_checks(panel, REGION, 2024, checks=("implausible_jumps",))
    assert _village_flags(checks, "implausible_jumps") == {"村013"}
    listed = implausible_jumps(panel, REGION, 2024)
    assert set(ids) <= set(listed["household_id"]) and (listed["ratio"] > 3).all()


def test_planted_inconsistent_totals(clean):
    h = clean.households.assign(reported_net_income=clean.households["net_income"])
    bad = h.index[(h["village"] == "村055") & (h["year"] == 2024)][:2]
    h.loc[bad, "reported_net_income"] += 5_000
    checks = integrity_checks(_redo(clean, h), REGION, 2024, checks=("inconsistent_totals",))
    assert _village_flags(checks, "inconsistent_totals") == {"村055"}
    row = checks[(checks["check"] == "inconsistent_totals") & (checks["village"] == "村055")].iloc[0]
    assert row["statistic"] == 2


def test_planted_repeated_figures(clean):
    h = clean.households.copy()
    rows = h.index[(h["village"] == "村088") & (h["year"] == 2024)][:5]
    for c in ("wage", "operating_income", "operating_expenses", "property", "transfer"):
        h.loc[rows, c] = h.loc[rows[0], c]
    checks = integrity_checks(_redo(clean, h), REGION, 2024, checks=("repeated_figures",))
    assert _village_flags(checks, "repeated_figures") == {"村088"}
    row = checks[(checks["check"] == "repeated_figures") & (checks["village"] == "村088")].iloc[0]
    assert row["statistic"] == 5


def test_demo_county_counted_up_to_the_line_stands_out():
    """On the demo panel, a county whose incomes were 'counted up' to 10,000 is the flagged county."""
    demo = load_demo()
    planted = _redo(demo, count_up(demo.households, demo.households["county"] == "平桥区", 8_000, 0.7, 10_400, seed=6))
    county_rows = lambda t: t[(t["check"] == "bunching_10000") & (t["level"] == "county")]  # noqa: E731
    only = {"n_boot": 0, "min_bunching_households": 100, "checks": ("bunching_10000",)}
    before = county_rows(integrity_checks(demo, "信阳市", 2024, **only))
    after = county_rows(integrity_checks(planted, "信阳市", 2024, **only))
    assert set(after.loc[after["flagged"], "county"]) == {"平桥区"}
    assert not before["flagged"].any()


@pytest.mark.parametrize("region,year", [("mile", 2023), ("shangyou", 2024)])
def test_demo_seed_regions_run(region, year):
    checks = integrity_checks(load_demo(), region, year, n_boot=20)
    assert set(checks["check"]) == set(CHECKS)
    assert not checks.loc[checks["status"] != "ok", "flagged"].any()  # not measurable is never flagged
    measured = checks[(checks["status"] == "ok") & checks["check"].str.startswith("bunching")]
    assert len(measured) >= 2 and measured["p_value"].between(0, 1).all()
    assert (measured["ci_low"] <= measured["ci_high"]).all()
