"""Comparison series: published values with sources, synthetic demo values only as gap filling."""

import math

import pandas as pd
import pytest

from evalkit.core import comparison
from evalkit.core.errors import EvalkitError
from evalkit.core.registry import regions
from evalkit.core.resources import read_reference_csv


def test_every_published_row_has_a_source_and_no_synthetic_value():
    table = read_reference_csv("comparison_series.csv")
    assert table["source"].str.strip().ne("").all()
    assert table["synthetic"].eq("no").all()
    assert not table["source"].str.contains("SYNTHETIC").any()
    assert not table.duplicated(["region", "indicator", "year"]).any()


def test_published_values_as_published():
    assert comparison.rural_income("全国", 2019) == 16021
    assert comparison.rural_income("全国", 2024) == 23119
    assert comparison.rural_income("河南省", 2022) == 18697
    assert comparison.monitoring_line("河南省", 2023) == 7500
    assert comparison.monitoring_line("云南省", 2025) == 8700
    line = comparison.series("monitoring_line")
    assert line.loc[line["region"] == "全国", "value"].tolist() == [6000]
    tuopin = comparison.series("tuopin_net_income_pc").set_index(["region", "year"])["value"]
    assert tuopin.loc[("全国", 2021)] == 12550 and tuopin.loc[("全国", 2022)] == 14342


def test_unpublished_value_is_missing_not_invented():
    assert math.isnan(comparison.rural_income("信阳市", 2022))
    assert math.isnan(comparison.monitoring_line("河南省", 2024))
    assert math.isnan(comparison.monitoring_line("广西壮族自治区", 2023))


def test_synthetic_file_is_labelled_and_covers_every_demo_region_and_year():
    synth = read_reference_csv("demo_comparison_series.csv")
    assert synth["synthetic"].eq("yes").all()
    assert synth["source"].eq("SYNTHETIC (demo only)").all()
    reg = regions()
    demo = reg[
        reg["province"].isin(["河南省", "云南省", "江西省", "广西壮族自治区"])
        & reg["level"].isin(["province", "prefecture", "county"])
    ]
    income = comparison.series("rural_disposable_income", include_synthetic=True)
    for year in range(2020, 2026):
        have = set(income.loc[income["year"] == year, "region"])
        assert set(demo["name_zh"]) <= have, year
    lines = comparison.series("monitoring_line", include_synthetic=True)
    for province in ["河南省", "云南省", "江西省", "广西壮族自治区"]:
        assert sorted(lines.loc[lines["region"] == province, "year"]) == list(range(2020, 2026))


def test_published_and_synthetic_files_share_no_key():
    pub = read_reference_csv("comparison_series.csv")
    synth = read_reference_csv("demo_comparison_series.csv")
    keys = ["region", "indicator", "year"]
    assert pub.merge(synth, on=keys).empty


def test_gap_filling_prefers_published_values():
    merged = comparison.series("monitoring_line", include_synthetic=True)
    henan = merged[merged["region"] == "河南省"].set_index("year")
    assert henan.loc[2023, "value"] == 7500 and not henan.loc[2023, "synthetic"]
    assert henan.loc[2024, "synthetic"] and henan.loc[2024, "source"] == "SYNTHETIC (demo only)"
    assert comparison.monitoring_line("河南省", 2024, include_synthetic=True) == henan.loc[2024, "value"]
    # the published national series is untouched by synthetic rows; only the 2025 gap is filled
    national = comparison.series("rural_disposable_income", include_synthetic=True)
    national = national[national["region"] == "全国"].set_index("year")
    assert not national.loc[2019:2024, "synthetic"].any() and national.loc[2025, "synthetic"]
    assert not merged.duplicated(["region", "year"]).any()


def test_lookup_by_registry_code_and_unknown_indicator():
    assert comparison.rural_income("henan", 2022) == 18697
    with pytest.raises(EvalkitError) as info:
        comparison.series("gdp")
    assert info.value.code == "E-COMPARISON-INDICATOR"


def test_series_columns():
    table = comparison.series("rural_disposable_income", include_synthetic=True)
    assert list(table.columns) == ["region", "region_code", "year", "value", "unit", "source", "synthetic"]
    assert pd.api.types.is_float_dtype(table["value"]) and table["synthetic"].dtype == bool
