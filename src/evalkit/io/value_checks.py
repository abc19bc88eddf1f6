"""Checks of the typed values of one export file: numbers (flag marks, non-finite values,
ambiguous separators), plausibility limits (``data/plausibility.csv``), amounts whose header
states another unit (``data/header_units.csv``: per capita vs per household) and reported
totals against their components. Called by :func:`evalkit.io.file_checks.check_file`."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from evalkit.core.resources import read_reference_csv
from evalkit.core.schema import (
    INCOME_COLUMNS,
    Column,
    household_columns,
    net_income,
)
from evalkit.io.checks import as_text, excel_errors, parse_bool, parse_number
from evalkit.io.file_problems import FileChecks
from evalkit.io.headers import alias_index, header_per


def typed_column(col: Column, cells: pd.Series, text: pd.Series, checks: FileChecks) -> pd.Series:
    """Parse one non-identifier column by its canonical type (``text``: its cells as text), recording problems."""
    empty = text.eq("").to_numpy()
    if col.required:
        checks.add(empty, col.name, "missing_value", text)
    failed = excel_errors(text)
    checks.add(failed, col.name, "excel_error", text)
    if failed.any():
        text = text.mask(failed, "")
        cells = text
    if col.dtype in ("int", "float"):
        flags = text.isin(FLAG_MARKS).to_numpy(dtype=bool) if col.name not in ("year", "household_size") else None
        if flags is not None and flags.any():  # "/" or "-" for "none" in a count or an amount
            checks.add(flags, col.name, "flag_mark", text, severity="warning")
            cells = text = text.mask(flags, "0")
        number, bad = parse_number(cells, text)
        checks.add(bad.to_numpy(), col.name, "not_numeric", text)
        ok = number.notna().to_numpy()
        _plausibility(col.name, number, text, checks)
        if col.name == "household_size":
            checks.add(ok & ((number % 1 != 0) | (number <= 0)).to_numpy(), col.name, "household_size", text)
            return number
        if col.dtype == "int":
            checks.add(ok & (number % 1 != 0).to_numpy(), col.name, "not_integer", text)
        if col.min_value is not None and col.name != "year":
            below = ok & (number < col.min_value).to_numpy()
            if col.min_value == 0:
                checks.add(below, col.name, "negative", text)
            else:
                checks.add(
                    below, col.name, "below_minimum", text, expected=(f"≥ {col.min_value:g}", f"≥ {col.min_value:g}")
                )
        return number
    if col.dtype == "bool":
        flag, bad = parse_bool(cells, text, field=col.name)
        checks.add(bad.to_numpy(), col.name, "not_boolean", text)
        return flag
    return text.mask(text.eq(""), pd.NA)


#: Marks exports put in a number cell for "none" (read as 0, with a warning).
FLAG_MARKS = ("/", "-", "—", "——", "－", "／", "\\")


@lru_cache(maxsize=1)
def plausibility_limits() -> pd.DataFrame:
    """``data/plausibility.csv``: column, min, max, severity (error | warning), unit, notes, source."""
    table = read_reference_csv("plausibility.csv")
    for bound in ("min", "max"):
        table[bound] = pd.to_numeric(table[bound].replace("", None), errors="raise")
    return table


def _plausibility(name: str, number: pd.Series, text: pd.Series, checks: FileChecks) -> None:
    """Errors or warnings for values outside the plausible range of ``data/plausibility.csv``
    (an error where both an error and a warning limit are exceeded)."""
    limits = plausibility_limits()
    limits = limits[limits["column"] == name]
    if limits.empty:
        return
    flagged = np.zeros(len(number), bool)
    limit: Any
    for limit in limits.sort_values("severity").itertuples(index=False):  # error before warning
        out = np.zeros(len(number), bool)
        if pd.notna(limit.max):
            out |= (number > limit.max).fillna(False).to_numpy(dtype=bool)
        if pd.notna(limit.min):
            out |= (number < limit.min).fillna(False).to_numpy(dtype=bool)
        out &= ~flagged
        bounds = " – ".join(f"{b:,.0f}" for b in (limit.min, limit.max) if pd.notna(b))
        rng = f"{'≥ ' if pd.isna(limit.max) else '≤ ' if pd.isna(limit.min) else ''}{bounds} {limit.unit}"
        kind = "implausible_value" if limit.severity == "error" else "unusual_value"
        checks.add(
            out,
            name,
            kind,
            text,
            severity=limit.severity,
            expected=(
                f"{rng} ({limit.note_zh}; data/plausibility.csv)",
                f"{rng} ({limit.note_en}; data/plausibility.csv)",
            ),
        )
        flagged |= out


#: Column kinds holding amounts per household (a per-capita header is converted: × household size).
HOUSEHOLD_AMOUNT_KINDS = ("income", "transfer_detail")


def amount_units(data: pd.DataFrame, headers: dict[str, str], checks: FileChecks) -> None:
    """Amounts whose header states another unit than the panel's (:func:`evalkit.io.headers.header_per`):
    a per-capita header on a household amount (``工资性收入（元/人）``, ``人均工资性收入``) is
    multiplied by the household size, a per-household header on a per-capita column divided by
    it — with a warning naming the header, never silently summed as household values. Rows
    without a valid household size are rejected for that (household_size is required)."""
    columns = household_columns()
    index = alias_index("households")
    if "household_size" not in data.columns:
        return
    size = data["household_size"].where((data["household_size"] >= 1) & (data["household_size"] % 1 == 0))
    for name, header in headers.items():
        col = columns.get(name)
        if col is None or name not in data.columns:
            continue
        per = header_per(header, index)
        household_amount = col.kind in HOUSEHOLD_AMOUNT_KINDS or name == "reported_net_income"
        if per == "person" and household_amount:
            data[name] = data[name] * size
            how = (
                "按人均填报, 已乘以家庭人口数换算为户合计",
                "per capita: multiplied by the household size into household totals",
            )
        elif per == "household" and name.endswith("_pc"):
            data[name] = data[name] / size
            how = (
                "按户填报, 已除以家庭人口数换算为人均",
                "per household: divided by the household size into per-capita values",
            )
        else:
            continue
        checks.add(
            None,
            name,
            "per_capita_column",
            "",
            severity="warning",
            column=header,
            detail=(f"列「{header}」{how[0]}", f"column '{header}' {how[1]}"),
        )


def total_checks(data: pd.DataFrame, checks: FileChecks) -> None:
    """Reported totals must equal the components: |Σ − reported| ≤ 1 yuan (per capita ≤ 0.5 yuan)."""
    needed = set(INCOME_COLUMNS)
    if not needed <= set(data.columns):
        return
    # rows whose components (or size) are themselves invalid are already rejected for that reason
    valid = np.logical_and.reduce([(data[c] >= 0).to_numpy() for c in sorted(needed)])
    total = net_income(data).where(valid)
    size = data["household_size"] if "household_size" in data.columns else pd.Series(np.nan, index=data.index)
    size = size.where((size >= 1) & (size % 1 == 0))
    for name, computed, tol in (("reported_net_income", total, 1.0), ("reported_net_income_pc", total / size, 0.5)):
        if name not in data.columns:
            continue
        gap = (computed - data[name]).abs()
        bad = (gap > tol + 1e-9).fillna(False).to_numpy()
        shown = computed.round(2).astype("string")
        checks.add(
            bad,
            name,
            "total_mismatch",
            as_text(data[name]),
            expected=(f"分项计算值(差额 ≤ {tol:g} 元)", f"the sum of the components (within {tol:g} yuan)"),
            detail=("分项计算值 " + shown, "components give " + shown),
        )


__all__ = [
    "FLAG_MARKS",
    "HOUSEHOLD_AMOUNT_KINDS",
    "amount_units",
    "plausibility_limits",
    "total_checks",
    "typed_column",
]
