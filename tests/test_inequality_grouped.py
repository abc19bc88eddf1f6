"""The grouped (one-pass) paths of evalkit.inequality equal the single-group functions, group by group.

Random data with many ties (incomes rounded to 50 yuan), zero and negative incomes, an all-zero
source in one group, a group of one household and non-dense group codes; the grouped results
must equal the scalar functions on each group's rows (and the pairwise Gini formula) to 1e-12.
Every test runs on both sort paths of the grouped functions (group by group, and all rows at once
as used beyond ``SEGMENTED_SORT_MAX_GROUPS`` groups).
"""

import numpy as np
import pandas as pd
import pytest

from evalkit.indicators import inequality as iq
from evalkit.indicators import weighted

TOL = dict(rtol=1e-12, atol=1e-12)


@pytest.fixture(autouse=True, params=["segmented", "global"])
def sort_path(request, monkeypatch):
    if request.param == "global":
        monkeypatch.setattr(weighted, "SEGMENTED_SORT_MAX_GROUPS", 0)
    return request.param


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    n = 4_000
    group = rng.choice([3, 10, 11, 250, 9_999], size=n, p=[0.3, 0.3, 0.2, 0.19, 0.01])
    group[0] = 77  # a group of one household
    wage = np.where(rng.random(n) < 0.3, 0.0, np.round(rng.lognormal(8, 1, n) / 50) * 50)
    operating = np.round(rng.normal(500, 2_000, n) / 50) * 50  # negatives and zeros
    prop = np.where(rng.random(n) < 0.8, 0.0, np.round(rng.lognormal(5, 1, n) / 50) * 50)
    prop[group == 11] = 0.0  # an all-zero source within one group
    transfer = np.round(rng.lognormal(7, 0.5, n) / 50) * 50
    sources = pd.DataFrame({"wage": wage, "operating": operating, "property": prop, "transfer": transfer})
    weights = rng.integers(1, 6, n).astype(float)
    return sources, weights, group


def pairwise_gini(y, w):
    """Σ_i Σ_j w_i w_j |y_i − y_j| / (2 W² μ): the mid-rank Gini without any sorting."""
    mu = np.sum(w * y) / w.sum()
    return np.sum(w[:, None] * w[None, :] * np.abs(y[:, None] - y[None, :])) / (2 * w.sum() ** 2 * mu)


@pytest.mark.parametrize("ties", ["mid", "stable"])
def test_group_order_is_lexsort_by_group_then_value(data, ties):
    sources, _, group = data
    y = sources["operating"].to_numpy()  # many ties: the stable order must keep data order
    codes = np.unique(group, return_inverse=True)[1]
    order = weighted.GroupSort(codes, y.size).order(y, ties)
    if ties == "stable":
        np.testing.assert_array_equal(order, np.lexsort((y, codes)))
    else:  # ties may come in any order, the sorted keys may not
        np.testing.assert_array_equal(codes[order], codes[np.lexsort((y, codes))])
        np.testing.assert_array_equal(y[order], y[np.lexsort((y, codes))])
        assert np.array_equal(np.sort(order), np.arange(y.size))


@pytest.mark.parametrize("ties", ["mid", "stable"])
def test_weighted_midrank_grouped_equals_per_group(data, ties):
    sources, w, group = data
    y = sources.sum(axis=1).to_numpy()
    grouped = iq.weighted_midrank(y, w, group, ties=ties)
    for g in np.unique(group):
        rows = group == g
        np.testing.assert_allclose(grouped[rows], iq.weighted_midrank(y[rows], w[rows], ties=ties), **TOL)


@pytest.mark.parametrize("ties", ["mid", "stable"])
def test_gini_by_source_grouped_equals_single_group_functions(data, ties):
    sources, w, group = data
    table = iq.gini_by_source(sources, weights=w, groups=group, ties=ties)
    assert len(table) == len(np.unique(group)) * sources.shape[1]
    for g in np.unique(group):
        rows = group == g
        part = table[table["group"] == g].set_index("source")
        alone = iq.gini_by_source(sources[rows], weights=w[rows], ties=ties).set_index("source")
        pd.testing.assert_frame_equal(part.drop(columns="group"), alone, rtol=1e-12, atol=1e-12)
        total = sources[rows].sum(axis=1).to_numpy()
        mu = np.sum(w[rows] * total) / w[rows].sum()
        np.testing.assert_allclose(part["gini_total"], iq.gini(total, w[rows], ties=ties), **TOL)
        if total.size > 1:
            np.testing.assert_allclose(part["gini_total"], pairwise_gini(total, w[rows]), **TOL)
        for name in sources.columns:
            xk = sources.loc[rows, name].to_numpy()
            mu_k = np.sum(w[rows] * xk) / w[rows].sum()
            if mu_k > 0:
                np.testing.assert_allclose(part.loc[name, "gini"], iq.gini(xk, w[rows], ties=ties), **TOL)
                np.testing.assert_allclose(part.loc[name, "gini"], pairwise_gini(xk, w[rows]), **TOL)
            if mu_k != 0:
                conc = iq.concentration(xk, total, w[rows], ties=ties)
                np.testing.assert_allclose(part.loc[name, "contribution"], conc * mu_k / mu, **TOL)
            else:
                assert part.loc[name, "contribution"] == 0.0  # an all-zero source adds nothing
        np.testing.assert_allclose(part["contribution"].sum(), part["gini_total"].iloc[0], **TOL)


def test_inequality_table_grouped_equals_scalar_functions(data):
    sources, w, group = data
    frame = pd.DataFrame(
        {
            "county": group,
            "year": np.where(np.arange(len(group)) % 3 == 0, 2024, 2025),
            "household_size": w,
            "net_income_pc": sources.sum(axis=1).to_numpy(),
        }
    )
    table = iq.inequality_table(frame, by=["county"], line=3_000.0)
    assert table["n_households"].sum() == len(frame)
    for row in table.itertuples():
        rows = frame[(frame["county"] == row.county) & (frame["year"] == row.year)]
        y, ws = rows["net_income_pc"].to_numpy(), rows["household_size"].to_numpy()
        np.testing.assert_allclose(row.gini, iq.gini(y, ws), **TOL)
        np.testing.assert_allclose(row.theil_t, iq.theil_t(y, ws), equal_nan=True, **TOL)
        np.testing.assert_allclose(row.mld, iq.mld(y, ws), equal_nan=True, **TOL)
        np.testing.assert_allclose(row.atkinson_0_5, iq.atkinson(y, 0.5, ws), equal_nan=True, **TOL)
        for a in (0, 1, 2):
            np.testing.assert_allclose(getattr(row, f"fgt{a}"), iq.fgt(y, 3_000.0, a, ws), **TOL)
        np.testing.assert_allclose(row.watts, iq.watts(y, 3_000.0, ws), equal_nan=True, **TOL)
    assert table["mld"].isna().any() and table["gini"].notna().all()  # zero/negative incomes present
