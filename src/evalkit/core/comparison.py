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

A region's own statistics (``evalkit report --series FILE``): :func:`load_series` reads and
validates a table region, year, indicator, value, unit, source (CSV or XLSX; every problem names
the file, the row as seen in the file and the column) and :func:`use_series` makes it the first
layer for the rest of the process: a user value takes precedence over a published one (the
bureau's own figure, with its source), and both over the synthetic demo values.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache

import numpy as np
import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.resources import read_reference_csv, read_user_table

PUBLISHED_FILE = "comparison_series.csv"
#: Columns of a user's series file (:func:`load_series`).
USER_COLUMNS = ["region", "year", "indicator", "value", "unit", "source"]
#: The user's series in use (:func:`use_series`), or None.
_user: pd.DataFrame | None = None
SYNTHETIC_FILE = "demo_comparison_series.csv"
COLUMNS = ["region", "region_code", "year", "value", "unit", "source", "synthetic"]


@lru_cache(maxsize=2)
def _load(file: str) -> pd.DataFrame:
    table = read_reference_csv(file)
    table["year"] = table["year"].astype(int)
    table["value"] = pd.to_numeric(table["value"], errors="raise").astype(float)
    table["synthetic"] = table["synthetic"].eq("yes")
    return table


def load_series(source) -> pd.DataFrame:
    """Read and validate a region's own comparison series (CSV, XLSX or a DataFrame): columns
    region (Chinese name or registry code), year, indicator (an indicator code of
    ``data/comparison_series.csv``: rural_disposable_income, monitoring_line, ...), value (number),
    unit, source (not empty: every number shown from it names its source). All problems are
    raised together, each with the file, the row as seen in the file (header = row 1) and the column."""
    from evalkit.core.registry import regions

    table, name = read_user_table(source, "series table", sheet="series")
    missing = [c for c in USER_COLUMNS if c not in table.columns]
    if missing:
        raise EvalkitError(
            f"{name}: 缺少列 {missing}, 应有 {USER_COLUMNS} / missing columns {missing}; expected {USER_COLUMNS}"
        )
    rows = table.index + 2
    value = pd.to_numeric(table["value"].str.replace(",", "", regex=False), errors="coerce")
    year = pd.to_numeric(table["year"], errors="coerce")
    reg = regions()
    names = dict(zip(reg["code"], reg["name_zh"], strict=True)) | dict(zip(reg["name_zh"], reg["name_zh"], strict=True))
    known = indicators(include_synthetic=True)
    checks = (
        (
            "region",
            ~table["region"].isin(names),
            "不是已知地区 (data/regions.csv)",
            "unknown region (data/regions.csv)",
        ),
        ("year", year.isna() | (year % 1 != 0), "不是年份", "not a year"),
        ("indicator", ~table["indicator"].isin(known), f"不是对比指标 ({', '.join(known)})", f"not one of {known}"),
        ("value", value.isna() | ~np.isfinite(value) | (value < 0), "不是非负数值", "not a non-negative number"),
        ("source", table["source"].str.strip() == "", "来源为空", "source is empty"),
    )
    problems = [
        f"{name} 第{r}行 列「{col}」值 '{v}': {zh} / {name} row {r} column '{col}' value '{v}': {en}"
        for col, bad, zh, en in checks
        for r, v in zip(rows[bad.to_numpy()], table.loc[bad, col], strict=True)
    ]
    if problems:
        raise EvalkitError("\n".join(problems))
    out = table.assign(
        region=table["region"].map(names), year=year.astype(int), value=value.astype(float), synthetic=False
    )
    out["region_code"] = out["region"].map(dict(zip(reg["name_zh"], reg["code"], strict=True)))
    dup = out.duplicated(["region", "year", "indicator"], keep=False)
    if dup.any():
        raise EvalkitError(
            f"{name} 第{', '.join(map(str, rows[dup.to_numpy()]))}行: 同一地区、年度、指标重复 / "
            f"rows {', '.join(map(str, rows[dup.to_numpy()]))}: duplicate region-year-indicator"
        )
    return out[[*COLUMNS, "indicator"]].reset_index(drop=True)


def use_series(table: pd.DataFrame | None) -> None:
    """Use ``table`` (:func:`load_series`) before the published series for the rest of the process;
    ``None`` stops using it."""
    global _user
    _user = None if table is None else table.copy()
    _series.cache_clear()
    _lookup.cache_clear()


@contextmanager
def series_in_use(table: pd.DataFrame | None) -> Iterator[None]:
    """Use ``table`` (:func:`load_series`) before the published series inside the ``with`` block
    only; the series in use before it is restored afterwards, also on an error (a command run
    in-process, e.g. ``evalkit scorecard --series``, leaves nothing behind for the next caller)."""
    previous = _user
    use_series(table)
    try:
        yield
    finally:
        use_series(previous)


def user_series() -> pd.DataFrame | None:
    """The series in use from :func:`use_series` (a copy), or None."""
    return None if _user is None else _user.copy()


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
    if _user is not None:  # the region's own figures first; a published value fills what they lack
        mine = _user[_user["indicator"] == indicator]
        have = pd.MultiIndex.from_frame(mine[["region", "year"]])
        out = pd.concat([mine, out[~pd.MultiIndex.from_frame(out[["region", "year"]]).isin(have)]], ignore_index=True)
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
