"""Comparison series: rural residents' disposable income, monitoring lines and other published
figures the analysis compares 脱贫人口 income with.

Two files in ``data/``:

* ``comparison_series.csv`` — published values only, each row with its source (copied from
  published statistics and the policy documents). A value that was not published is absent:
  :func:`series` and the look-ups return NaN for it, never an invented number.
* ``demo_comparison_series.csv`` — plausible SYNTHETIC values (``synthetic = yes``, source
  ``SYNTHETIC (demo only)``) for the demo regions (provinces, prefectures, counties) and years
  2020–2025 where no published value exists. They were drawn once from provincial paths of
  plausible level and growth (prefectures and counties scaled around their province); they are
  only for the synthetic demo panel: pass ``include_synthetic=True`` only when
  ``panel.synthetic`` is true. Published values always take precedence; the synthetic file only
  fills gaps (the two files share no region-indicator-year key).

Columns of :func:`series`: region (Chinese name), region_code (registry code, empty for regions
outside the registry such as 东部), year, value, unit, source, synthetic (bool).
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np
import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.resources import read_reference_csv

PUBLISHED_FILE = "comparison_series.csv"
SYNTHETIC_FILE = "demo_comparison_series.csv"
COLUMNS = ["region", "region_code", "year", "value", "unit", "source", "synthetic"]


@lru_cache(maxsize=2)
def _load(file: str) -> pd.DataFrame:
    table = read_reference_csv(file)
    table["year"] = table["year"].astype(int)
    table["value"] = pd.to_numeric(table["value"], errors="raise").astype(float)
    table["synthetic"] = table["synthetic"].eq("yes")
    return table


def indicators(include_synthetic: bool = False) -> list[str]:
    """Indicator codes available (``rural_disposable_income``, ``monitoring_line``, ...)."""
    codes = set(_load(PUBLISHED_FILE)["indicator"])
    if include_synthetic:
        codes |= set(_load(SYNTHETIC_FILE)["indicator"])
    return sorted(codes)


def series(indicator: str, include_synthetic: bool = False) -> pd.DataFrame:
    """All values of ``indicator`` by region and year.

    With ``include_synthetic=True`` the synthetic demo values fill region-years that have no
    published value (a published value is never replaced). Raises :class:`EvalkitError` for an
    unknown indicator. Returns a copy, safe to modify.
    """
    return _series(indicator, include_synthetic).copy()


@cache
def _series(indicator: str, include_synthetic: bool) -> pd.DataFrame:
    known = indicators(include_synthetic=True)
    if indicator not in known:
        raise EvalkitError(
            f"未知比较指标 '{indicator}', 可用: {', '.join(known)} / unknown comparison indicator "
            f"'{indicator}'; available: {', '.join(known)}",
            code="E-COMPARISON-INDICATOR",
        )
    published = _load(PUBLISHED_FILE)
    out = published[published["indicator"] == indicator]
    if include_synthetic:
        synthetic = _load(SYNTHETIC_FILE)
        synthetic = synthetic[synthetic["indicator"] == indicator]
        have = pd.MultiIndex.from_frame(out[["region", "year"]])
        gaps = ~pd.MultiIndex.from_frame(synthetic[["region", "year"]]).isin(have)
        out = pd.concat([out, synthetic[gaps]], ignore_index=True)
    return out[COLUMNS].sort_values(["region", "year"], kind="stable").reset_index(drop=True)


@cache
def _lookup(indicator: str, include_synthetic: bool) -> dict[tuple[str, int], float]:
    """(region name or registry code, year) → value; the first row wins, as in :func:`series` order."""
    table = _series(indicator, include_synthetic)
    out: dict[tuple[str, int], float] = {}
    for column in ("region", "region_code"):
        for region, year, value in zip(table[column], table["year"], table["value"], strict=False):
            if region:
                out.setdefault((region, int(year)), float(value))
    return out


def _value(indicator: str, region: str, year: int, include_synthetic: bool) -> float:
    return _lookup(indicator, include_synthetic).get((region, int(year)), np.nan)


def rural_income(region_name_zh: str, year: int, include_synthetic: bool = False) -> float:
    """农村居民人均可支配收入 of ``region_name_zh`` (or registry code) in ``year``; NaN when not published."""
    return _value("rural_disposable_income", region_name_zh, year, include_synthetic)


def monitoring_line(province_name_zh: str, year: int, include_synthetic: bool = False) -> float:
    """防止返贫监测范围 (yuan per person per year) of a province in ``year``; NaN when not published.

    The national floor (全国, 2021: 6,000) is a separate row of region 全国; it is not substituted
    for a missing provincial line.
    """
    return _value("monitoring_line", province_name_zh, year, include_synthetic)
