"""Weighted quantiles and relative poverty lines (evalkit.indicators.quantiles): by hand and R laeken on EU-SILC."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.indicators.quantiles import relative_poverty, relative_poverty_table, weighted_median, weighted_quantile

DATA = Path(__file__).parent / "data" / "inequality"


def test_weighted_median_by_hand():
    assert weighted_median([1, 2, 3, 4]) == 2.5  # W_2 = P = 2: mean of the 2nd and 3rd values
    assert weighted_median([10, 20, 30], [1, 1, 2]) == 25.0  # W = 1, 2, 4; P = 2 hit exactly
    assert weighted_median([10, 20, 30], [1, 2, 1]) == 20.0  # W = 1, 3, 4; 1 < P = 2 < 3
    assert weighted_median([30, 10, 20], [2, 1, 1]) == 25.0  # order of the input does not matter
    assert weighted_median([1, 100, 2], [1, 0, 1]) == 1.5  # zero weight: as if absent
    assert weighted_median([1, np.nan, 2], [1, 5, 1]) == 1.5  # missing income: ignored


def test_weighted_quantiles_by_hand():
    x = [5, 1, 3, 2, 4]
    np.testing.assert_array_equal(weighted_quantile(x, [0.25, 0.5, 0.8, 1.0]), [2.0, 3.0, 4.5, 5.0])
    # P = 0.2 · 5 = 1 = W_1: (1 + 2) / 2; P = 0.8 · 5 = 4 = W_4: (4 + 5) / 2
    assert weighted_quantile(x, 0.2) == 1.5
    assert weighted_quantile([10, 20, 30, 40], 0.25, weights=[4, 1, 1, 2]) == 10.0  # P = 2 < W_1 = 4
    with pytest.raises(EvalkitError) as info:
        weighted_quantile(x, 1.5)
    assert info.value.code == "E-QUANTILE-RANGE"
    with pytest.raises(EvalkitError) as info:
        weighted_median([1, 2], [1, -1])
    assert info.value.code == "E-WEIGHTS-INVALID"


def test_relative_poverty_by_hand():
    out = relative_poverty([1000, 2000, 3000, 4000, 10000], [2, 1, 1, 1, 1], share=0.6)
    # W = 2, 3, 4, 5, 6; P = 3 = W_2: median (2000 + 3000) / 2 = 2500; line 1500; below: the weight 2 of 1000
    assert out["median"] == 2500 and out["line"] == 1500
    assert out["headcount_ratio"] == pytest.approx(2 / 6) and out["below"] == 2 and out["total"] == 6
    # strictly below: an income equal to the line is not counted
    assert relative_poverty([1, 2, 3], share=1.0)["headcount_ratio"] == pytest.approx(1 / 3)


def test_laeken_eusilc_at_risk_of_poverty():
    """R laeken, data eusilc (14,827 persons in 6,000 households, person weight rb050 = household
    weight db090): arpt("eqIncome", weights="rb050") = 10859.24, arpr = 14.44422 %; unweighted
    threshold 10848.8 (emdi's examples quote both thresholds). Persons = households × hsize."""
    hh = pd.read_csv(DATA / "laeken_eusilc_households.csv")
    out = relative_poverty(hh["eqIncome"], hh["db090"] * hh["hsize"], share=0.6)
    assert out["line"] == pytest.approx(10859.24, abs=0.005)
    assert 100 * out["headcount_ratio"] == pytest.approx(14.44422, abs=5e-6)
    assert out["total"] == pytest.approx(8182222, rel=1e-9)
    persons = np.repeat(hh["eqIncome"].to_numpy(), hh["hsize"].to_numpy())
    assert len(persons) == 14827
    assert 0.6 * weighted_median(persons) == pytest.approx(10848.8, abs=0.005)
    assert weighted_median(persons) == pytest.approx(np.median(persons), abs=1e-9)


def test_relative_poverty_table_by_group_is_person_weighted():
    hh = pd.DataFrame(
        {
            "year": [2024, 2024, 2024, 2025, 2025, 2025],
            "net_income_pc": [1000.0, 5000.0, 6000.0, 2000.0, 8000.0, 9000.0],
            "household_size": [5, 1, 1, 1, 1, 1],
        }
    )
    table = relative_poverty_table(hh, by=["year"], share=0.5).set_index("year")
    # 2024: persons 1000 ×5, 5000, 6000: W = 5, 6, 7; P = 3.5 → median 1000, line 500, nobody below
    assert table.loc[2024, "median"] == 1000 and table.loc[2024, "headcount_ratio"] == 0
    # 2025: median 8000, line 4000, the 2000 household below: 1/3 of persons
    assert table.loc[2025, "line"] == 4000 and table.loc[2025, "headcount_ratio"] == pytest.approx(1 / 3)
    assert table.loc[2025, "households"] == 3
