"""One income formula (issue 11, item 2): core.schema.INCOME_ACCOUNT is the definition; derive_income,
the indicators, the decomposition, the ingest total check and the DuckDB twin are generated from it."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from evalkit.core.schema import (
    INCOME_ACCOUNT,
    INCOME_COLUMNS,
    add_income_account,
    derive_income,
    income_signs,
    income_sql,
    net_income,
    net_income_pc,
)
from evalkit.indicators.thresholds import per_capita_income


def small_panel(n: int = 200, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({c: rng.integers(0, 40_000, n).astype(float) for c in INCOME_COLUMNS})
    frame["operating_expenses"] = rng.integers(0, 8_000, n).astype(float)
    frame["household_size"] = rng.integers(1, 8, n)
    frame["household_type"] = "一般脱贫户"
    frame.loc[:9, INCOME_COLUMNS] = frame.loc[:9, INCOME_COLUMNS] + rng.uniform(0, 1, (10, 5)).round(2)  # cents
    return frame


def test_hand_computed_household():
    row = pd.DataFrame(
        {
            "wage": [12_000.0],
            "operating_income": [5_000.0],
            "operating_expenses": [1_500.0],
            "property": [300.0],
            "transfer": [2_200.0],
            "household_size": [4],
            "household_type": ["一般脱贫户"],
        }
    )
    out = derive_income(row).iloc[0]
    assert out["net_operating"] == 3_500.0
    assert out["net_income"] == 12_000 + 5_000 - 1_500 + 300 + 2_200 == 18_000
    assert out["net_income_pc"] == 4_500.0
    assert income_signs() == {"wage": 1, "operating_income": 1, "operating_expenses": -1, "property": 1, "transfer": 1}
    assert list(INCOME_ACCOUNT) == ["net_operating", "net_income"]


def test_every_python_form_is_the_same_number():
    hh = small_panel()
    derived = derive_income(hh)
    pd.testing.assert_series_equal(net_income(hh), derived["net_income"], check_names=False)
    pd.testing.assert_series_equal(net_income_pc(hh), derived["net_income_pc"], check_names=False)
    pd.testing.assert_series_equal(
        per_capita_income(hh.drop(columns="household_type")), derived["net_income_pc"], check_names=False
    )
    # linear: the account of sums is the sum of the accounts
    sums = add_income_account(hh[list(INCOME_COLUMNS)].sum().to_dict())
    assert sums["net_income"] == pytest.approx(derived["net_income"].sum(), rel=1e-15)
    flat = sum(sign * hh[c] for c, sign in income_signs().items())
    np.testing.assert_allclose(flat, derived["net_income"], rtol=1e-15)


def test_duckdb_twin_is_generated_from_the_account_and_matches_derive_income():
    hh = small_panel()
    derived = derive_income(hh)
    con = duckdb.connect()
    con.register("hh", hh.drop(columns="household_type"))
    got = con.sql(
        f"SELECT {income_sql('net_operating')} AS net_operating, {income_sql('net_income')} AS net_income, "
        f"{income_sql('net_income_pc')} AS net_income_pc FROM hh"
    ).df()
    for column in ("net_operating", "net_income", "net_income_pc"):
        np.testing.assert_allclose(got[column].to_numpy(dtype=float), derived[column].to_numpy(dtype=float), rtol=1e-13)
    assert income_sql("net_income") == "(wage + (operating_income - operating_expenses) + property + transfer)"
    quoted = income_sql("net_operating", {c: f'"{c}"::DOUBLE' for c in INCOME_COLUMNS})
    assert quoted == '("operating_income"::DOUBLE - "operating_expenses"::DOUBLE)'
