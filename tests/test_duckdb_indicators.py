"""The DuckDB path of the income indicator tables returns the pandas path's tables: same columns,
dtypes, row order and numbers to 1e-9 (the guard that keeps the two definitions together)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.core.panel import Panel
from evalkit.indicators import duckdb_backend as ddb
from evalkit.indicators import income
from evalkit.io.dataset import read_dataset_meta, read_households, write_dataset

RTOL = 1e-9
BYS = [(), ["county"], ["prefecture", "household_type"]]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo panel (2,000 households) with one transfer detail partly missing, and its dataset."""
    from evalkit.demo import generate_panel

    panel = generate_panel(households=2_000, seed=11)
    hh = panel.households.copy()
    if "transfer_dibao" in hh.columns:
        hh["transfer_dibao"] = hh["transfer_dibao"].astype(float)
        hh.loc[hh.index[::97], "transfer_dibao"] = np.nan  # some households lack the detail
    panel = Panel(hh, panel.measures, panel.meta)
    path = write_dataset(panel, tmp_path_factory.mktemp("ddb") / "ds")
    return panel, path


def _equal(a, b):
    if isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, rtol=RTOL, atol=0)
    else:
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), rtol=RTOL, atol=0)


@pytest.mark.parametrize(("by", "weight"), [(BYS[0], "person"), (BYS[1], "household"), (BYS[2], "person")])
def test_income_indicators_and_growth_agree(demo, by, weight):
    panel, path = demo
    hh = panel.households
    expected = income.income_indicators(hh, by, weight)
    assert len(expected) > 1 and expected["net_income_pc"].gt(0).all()
    _equal(expected, ddb.income_indicators(path, by, weight))  # over the Parquet files
    _equal(expected, ddb.income_indicators(hh, by, weight))  # over the DataFrame in place
    _equal(income.growth_contributions(hh, by, weight), ddb.growth_contributions(path, by, weight))
    base = int(hh["year"].min())
    _equal(
        income.growth_contributions(hh, by, weight, base_year=base),
        ddb.growth_contributions(path, by, weight, base_year=base),
    )


@pytest.mark.parametrize("by", BYS[:2])
def test_thresholds_and_quintiles_agree(demo, by):
    panel, path = demo
    hh = panel.households
    for line in (6_000, 10_000):
        expected = income.below_threshold(hh, line, by)
        assert expected["n_households_below"].sum() > 0
        _equal(expected, ddb.below_threshold(path, line, by))
    # monitoring line per province-year, with one province-year missing: nan figures and status
    provinces = sorted(hh["province"].unique())
    years = sorted(hh["year"].unique())
    lines = pd.DataFrame(
        [(p, y, 7_000.0 + 300 * (y - years[0])) for p in provinces for y in years[1:]],
        columns=["province", "year", "value"],
    )
    expected = income.below_threshold(hh, "monitoring_line", by, lines=lines)
    assert set(expected["status"]) == {"ok", "missing monitoring line"}
    _equal(expected, ddb.below_threshold(path, "monitoring_line", by, lines=lines))
    year = years[-1]
    q = income.quintile_groups(hh, year, by)
    assert set(q.unique()) == {1, 2, 3, 4, 5}
    stored = ddb.quintile_groups(path, year, by)
    _equal(q.sort_index(), stored.sort_index())
    # no sort by household_id: the rows in the order the dataset stores them, the same in every call
    rows = read_households(path, ["household_id"], filters=[("year", "==", year - 1)])["household_id"]
    assert list(stored.index) == list(rows) and not stored.index.is_monotonic_increasing
    assert stored.index.equals(ddb.quintile_groups(path, year, by).index)
    _equal(q, ddb.quintile_groups(hh, year, by))  # a DataFrame source: in its row order


def test_filters_select_the_same_rows(demo):
    panel, path = demo
    hh = panel.households
    pref = sorted(hh["prefecture"].unique())[0]
    years = sorted(hh["year"].unique())[-2:]
    part = hh[hh["prefecture"].eq(pref) & hh["year"].isin(years)]
    filters = [("prefecture", "==", pref), ("year", "in", years)]
    _equal(income.income_indicators(part, ["county"]), ddb.income_indicators(path, ["county"], filters=filters))
    _equal(
        income.below_threshold(part, 8_000, ["county"]), ddb.below_threshold(path, 8_000, ["county"], filters=filters)
    )


def test_dispatcher_picks_duckdb_with_the_budget_as_its_limit_and_both_agree(demo, monkeypatch):
    """The default is DuckDB at every size (measured: rows backend of benchmarks/results/peers.csv); the memory
    budget is DuckDB's memory limit."""
    panel, path = demo
    for budget in ("1KB", "8GB", None):
        assert ddb.choose_backend(path, ["wage", "year"], budget=budget) == "duckdb"
    monkeypatch.setenv("EVALKIT_MEMORY_BUDGET", "2KiB")
    assert ddb.memory_budget() == 2048 and ddb.choose_backend(path, ["wage"]) == "duckdb"
    src = ddb._Source(path, memory_limit="300MiB")
    limit = src.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit.replace(" ", "") in {"300.0MiB", "314.5MB", "300MiB"}, limit
    tables = {
        b: ddb.indicators(path, "indicator_tables", by=["county"], line=9_000, backend=b) for b in ("pandas", "duckdb")
    }
    assert set(tables["pandas"]) == {"income_indicators", "growth_contributions", "below_threshold", "quintile_groups"}
    for name in tables["pandas"]:
        _equal(tables["pandas"][name], tables["duckdb"][name])
    auto = ddb.indicators(path, "growth_contributions", by=["county"])  # DuckDB, at its 64 MiB floor
    _equal(income.growth_contributions(panel.households, ["county"]), auto)
    with pytest.raises(EvalkitError) as info:
        ddb.memory_budget("lots")
    assert info.value.code == "E-MEMORY-BUDGET"
    with pytest.raises(EvalkitError) as info:
        ddb.indicators(path, "nonsense")
    assert info.value.code == "E-INDICATOR-TABLE"


def test_missing_group_keys_form_their_own_group(demo):
    panel, _ = demo
    hh = panel.households.copy()
    hh.loc[hh.index[:40], "county"] = None
    expected = income.income_indicators(hh, ["county"])
    assert expected["county"].isna().sum() == hh.loc[hh["county"].isna(), "year"].nunique()
    _equal(expected, ddb.income_indicators(hh, ["county"]))
    _equal(income.growth_contributions(hh, ["county"]), ddb.growth_contributions(hh, ["county"]))
    _equal(income.below_threshold(hh, 9_000, ["county"]), ddb.below_threshold(hh, 9_000, ["county"]))
    year = int(hh["year"].max())
    _equal(income.quintile_groups(hh, year, ["county"]), ddb.quintile_groups(hh, year, ["county"]))
    two = ["county", "household_type"]
    _equal(income.quintile_groups(hh, year, two), ddb.quintile_groups(hh, year, two))
    with pytest.raises(EvalkitError) as info:
        ddb.income_indicators(hh, ["nowhere"])
    assert info.value.code == "E-GROUP-COLUMNS"


def test_bad_input_errors_match_the_pandas_path(demo):
    panel, _ = demo
    hh = panel.households.copy()
    hh.loc[hh.index[3], "wage"] = np.nan
    with pytest.raises(EvalkitError, match="wage") as info:
        income.income_indicators(hh)
    assert info.value.code == "E-DATA-MISSING-VALUES"
    with pytest.raises(EvalkitError, match="column wage has 1 missing") as info:
        ddb.income_indicators(hh)
    assert info.value.code == "E-DATA-MISSING-VALUES"
    with pytest.raises(EvalkitError) as info:
        ddb.income_indicators(panel.households, weight="persons")
    assert info.value.code == "E-WEIGHT-KIND"
    with pytest.raises(EvalkitError) as info:
        ddb.below_threshold(panel.households, -5)
    assert info.value.code == "E-LINE-NOT-POSITIVE"


def test_dispatcher_single_tables_agree(demo):
    _, path = demo
    for table, kwargs in (
        ("below_threshold", {"line": 7_500}),
        ("quintile_groups", {"year": 2024}),
        ("income_indicators", {"weight": "household"}),
    ):
        a = ddb.indicators(path, table, by=["county"], backend="pandas", **kwargs)
        b = ddb.indicators(path, table, by=["county"], backend="duckdb", **kwargs)
        _equal(a, b)
    # the whole set shares one scan for levels and below-line counts: same tables as one by one
    whole = ddb.indicator_tables(path, by=["county"], line=7_500)
    _equal(whole["below_threshold"], ddb.below_threshold(path, 7_500, ["county"]))
    _equal(whole["income_indicators"], ddb.income_indicators(path, ["county"]))
    assert whole["below_threshold"]["n_households_below"].sum() > 0


def test_value_checks_recorded_when_written_are_not_repeated(demo, tmp_path):
    """dataset.json records the missing values per column and household sizes below 1 of the
    rows as written; the DuckDB path counts only what the record does not show clean, so a
    dataset with a missing wage still raises the pandas path's error and a clean one skips the counts."""
    panel, path = demo
    checks = read_dataset_meta(path)["checks"]["households"]
    assert checks["household_size_below_1"] == 0 and checks["missing"]["wage"] == 0
    assert checks["missing"]["transfer_dibao"] == panel.households["transfer_dibao"].isna().sum() > 0
    src = ddb._Source(path)
    assert {"year", "household_size", "wage", "transfer"} <= src.clean and "transfer_dibao" not in src.clean
    sqls = []
    execute = src.con.execute
    src.con = type("Spy", (), {"execute": lambda self, sql, *a: sqls.append(sql) or execute(sql, *a)})()
    _equal(income.income_indicators(panel.households, ["county"]), ddb.income_indicators(src, ["county"]))
    assert not any("_bad_" in s for s in sqls)  # no validity counts: the record says the values are there
    hh = panel.households.copy()
    hh.loc[hh.index[5], "wage"] = np.nan
    hh.loc[hh.index[6], "household_size"] = 0
    bad = write_dataset(Panel(hh, panel.measures, panel.meta), tmp_path / "bad")
    recorded = read_dataset_meta(bad)["checks"]["households"]
    assert recorded["missing"]["wage"] == 1 and recorded["household_size_below_1"] == 1
    assert "wage" not in ddb._Source(bad).clean and "household_size" not in ddb._Source(bad).clean
    with pytest.raises(EvalkitError, match="column household_size has 1 missing or invalid") as info:
        ddb.income_indicators(bad, ["county"])
    assert info.value.code == "E-DATA-MISSING-VALUES"


def test_polars_full_peer_computes_the_same_tables(tmp_path):
    """The `polars-full` peer of benchmarks/bench_indicators.py does evalkit's work (so the peer
    pair compares the same tables): levels, transfer details, below-line counts and growth to
    1e-9, every household's quintile equal; a changed number is caught."""
    pytest.importorskip("polars")
    import sys
    from pathlib import Path

    from evalkit.demo import generate_panel

    bench = str(Path(__file__).resolve().parents[1] / "benchmarks")
    sys.path.insert(0, bench)
    try:
        import bench_indicators
        import check_polars_full
    finally:
        sys.path.remove(bench)
    path = write_dataset(generate_panel(households=2_000, seed=11), tmp_path / "ds")
    assert check_polars_full.check(path).startswith("polars-full equals evalkit")
    real = bench_indicators.run_polars_full

    def shifted(p):  # one household's quintile moved: the check must fail
        out = real(p)
        q = out["quintiles"]
        out["quintiles"] = q.with_columns(q["quintile"].scatter(0, q["quintile"][0] % 5 + 1))
        return out

    check_polars_full.run_polars_full = shifted
    try:
        with pytest.raises(AssertionError, match="quintile"):
            check_polars_full.check(path)
    finally:
        check_polars_full.run_polars_full = real
