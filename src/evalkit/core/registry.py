"""Regions evalkit knows: the registry in ``data/regions.csv``.

One row per region of the policy documents (全国, the provinces, 信阳市 with its 10 counties /
districts and 羊山新区, 红河州弥勒市 with its 12 townships, 广西's 14 prefecture-level cities
with their counties, 赣州市上犹县 with its townships). Columns:

* ``code``: ASCII slug, unique, used as report file name (``xinyang-guangshan``);
* ``name_zh`` / ``name_en``; ``level``: country | province | prefecture | county | township;
* ``parent_code``; ``province``, ``prefecture``, ``county``, ``township``: the Chinese names of
  the unit's ancestors and itself (empty below its level) — exactly the values of the panel's
  region columns;
* ``adcode``: official division code where known (empty for 羊山新区, a functional zone, and for
  townships); ``report``: yes when the unit gets a yearly report; ``source``.

A region selects households by its name columns: a county is ``province & prefecture & county``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.resources import read_reference_csv

#: Region columns of the panel, from the top; a region at level L filters on the columns up to L.
NAME_COLUMNS: tuple[str, ...] = ("province", "prefecture", "county", "township")


@dataclass(frozen=True)
class Region:
    """One region of the registry; ``filter`` maps panel region columns to the names selecting it."""

    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str
    adcode: str
    report: bool
    filter: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def label(self) -> str:
        """Display label, Chinese first: ``光山县 (Guangshan County)``."""
        return f"{self.name_zh} ({self.name_en})"


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    return read_reference_csv("regions.csv")


def regions() -> pd.DataFrame:
    """The registry (``data/regions.csv``) as a DataFrame of strings (empty cells are ``""``)."""
    return _table().copy()


def region_aliases() -> pd.DataFrame:
    """Other names of registry units (``data/region_aliases.csv``: alias, code, source) with each unit's registry row.

    Columns: alias, code, source, then name_zh, level, province, prefecture, county, township of
    the unit the alias stands for (红河州 → 红河哈尼族彝族自治州, 广西区 → 广西壮族自治区).
    """
    aliases = read_reference_csv("region_aliases.csv")
    units = _table()[["code", "name_zh", "level", *NAME_COLUMNS]]
    return aliases.merge(units, on="code", how="left", validate="many_to_one")


@lru_cache(maxsize=1)
def _rows_by_key() -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """The registry's rows (dicts) by code and by Chinese name: :func:`get_region`'s lookups without
    a scan of the table (called hundreds of times per report: every target names its region)."""
    by_code: dict[str, list[dict]] = {}
    by_name: dict[str, list[dict]] = {}
    for row in _table().to_dict("records"):
        by_code.setdefault(row["code"], []).append(row)
        by_name.setdefault(row["name_zh"], []).append(row)
    return by_code, by_name


def _region(row: pd.Series | dict) -> Region:
    names = {col: row[col] for col in NAME_COLUMNS if row[col] != ""}
    return Region(
        code=row["code"],
        name_zh=row["name_zh"],
        name_en=row["name_en"],
        level=row["level"],
        parent_code=row["parent_code"],
        adcode=row["adcode"],
        report=row["report"] == "yes",
        filter=names,
    )


def get_region(name_or_code: str) -> Region:
    """The region whose code, Chinese name, English name or alias (``data/region_aliases.csv``) is ``name_or_code``.

    Raises :class:`EvalkitError` (bilingual) with the closest matches when the name is unknown,
    and with the candidate codes when a Chinese name is ambiguous (e.g. 东山镇 exists in 弥勒市
    and in 上犹县; 江南区 only in 南宁 but similar names recur).

    Parameters
    ----------
    name_or_code : str
        A registry code (``xinyang-guangshan``), a Chinese or English name (光山县, Guangshan
        County) or an alias of ``data/region_aliases.csv``.

    Returns
    -------
    Region
        Code, names, level, parent and the panel filter that selects its households.

    Raises
    ------
    EvalkitError
        ``E-REGION-UNKNOWN`` (close matches suggested) or ``E-REGION-AMBIGUOUS`` (codes listed).
    """
    key = str(name_or_code).strip()
    for index in _rows_by_key():  # by code, then by Chinese name: one match is the region
        rows = index.get(key, [])
        if len(rows) == 1:
            return _region(rows[0])
        if rows:
            break  # ambiguous: the message below
    table = _table()
    for column in ("code", "name_zh"):
        hits = table[table[column] == key]
        if len(hits) == 1:
            return _region(hits.iloc[0])
        if len(hits) > 1:
            options = ", ".join(
                f"{r.code} ({r.province}{r.prefecture}{r.county}{r.township})" for r in hits.itertuples()
            )
            raise EvalkitError(
                f"地区名称不唯一: '{key}', 请使用代码之一 / "
                f"ambiguous region name '{key}'; use one of the codes: {options}",
                code="E-REGION-AMBIGUOUS",
            )
    hits = table[table["name_en"].str.lower() == key.lower()]
    if len(hits) == 1:
        return _region(hits.iloc[0])
    aliases = region_aliases()
    codes = aliases.loc[aliases["alias"] == key, "code"]
    if len(codes) == 1:
        return _region(table[table["code"] == codes.iloc[0]].iloc[0])
    candidates = list(table["code"]) + list(table["name_zh"]) + list(aliases["alias"])
    close = difflib.get_close_matches(key, candidates, n=5, cutoff=0.5)
    hint = ", ".join(close) if close else "evalkit.registry.regions()"
    raise EvalkitError(
        f"未知地区: '{key}'; 是否指: {hint} / unknown region '{key}'; did you mean: {hint}", code="E-REGION-UNKNOWN"
    )


def region_mask(households: pd.DataFrame, region: Region | str) -> pd.Series:
    """Boolean Series selecting ``region``'s households (all rows for 全国).

    Filters on the region columns of the panel named in ``region.filter`` (province, prefecture,
    county, township), so that e.g. 东山镇 of 弥勒市 is not confused with 东山镇 of 上犹县. A filter
    value that is a tuple selects any of its names (a unit published merged with a small sibling).
    """
    if isinstance(region, str):
        region = get_region(region)
    mask = pd.Series(True, index=households.index)
    for column, name in region.filter.items():
        if column not in households.columns:
            raise EvalkitError(
                f"面板缺少地区列 '{column}', 无法选择 {region.name_zh} / "
                f"panel has no region column '{column}' needed to select {region.name_en}",
                code="E-REGION-COLUMN",
            )
        mask &= households[column].isin(name) if isinstance(name, tuple) else households[column] == name
    return mask.fillna(False).astype(bool)


def report_regions() -> list[Region]:
    """Regions that get a yearly report (``report == yes``), in registry order."""
    table = _table()
    return [_region(row) for _, row in table[table["report"] == "yes"].iterrows()]


def children(region: Region | str) -> list[Region]:
    """Direct children of ``region`` (counties of a prefecture, townships of a county-level unit)."""
    if isinstance(region, str):
        region = get_region(region)
    table = _table()
    return [_region(row) for _, row in table[table["parent_code"] == region.code].iterrows()]


@lru_cache(maxsize=1)
def _names_en() -> dict[str, str]:
    """Chinese name → English name, for names whose every registry unit has the same English name
    (东山镇 of 弥勒市 and of 上犹县 are both Dongshan Town)."""
    table = _table()
    by_name = table.groupby("name_zh")["name_en"].agg(lambda names: names.iloc[0] if names.nunique() == 1 else "")
    return {str(zh): str(en) for zh, en in by_name.items() if en}


def english_name(name_zh: str) -> str | None:
    """The registry's ``name_en`` of the unit called ``name_zh`` (None when the registry does not
    know the name, or knows it for units with different English names)."""
    return _names_en().get(name_zh)


@lru_cache(maxsize=1)
def _positions() -> dict[str, int]:
    positions: dict[str, int] = {}
    for i, name in enumerate(_table()["name_zh"]):
        positions.setdefault(name, i)
    return positions


def position(name_zh: str) -> int | None:
    """Administrative (registry) order of the unit called ``name_zh``: its first row in
    ``data/regions.csv`` (provinces, then each prefecture followed by its counties in the official
    order of GB/T 2260); None for a name the registry does not know."""
    return _positions().get(name_zh)
