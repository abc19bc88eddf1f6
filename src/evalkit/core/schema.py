"""The canonical household-year panel: its columns, the measures catalogue and derived income.

Column definitions and the Chinese header aliases are data (``data/columns.csv``,
``data/measure_columns.csv``); the measures catalogue is ``data/measures.csv`` and the household
types ``data/household_types.csv``. Adding a measure or an alias is a row in those files.

Income account (all five seed documents; as data: :data:`INCOME_ACCOUNT`)::

    net_operating  = operating_income − operating_expenses
    net_income     = wage + net_operating + property + transfer
    net_income_pc  = net_income / household_size          (人均纯收入, 元/人)

All income columns of the canonical panel are household totals for the year, in yuan.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from evalkit.core.resources import read_reference_csv

#: The four income components of the official account, in report order.
COMPONENTS: tuple[str, ...] = ("wage", "net_operating", "property", "transfer")
#: Household-total income columns as reported (before derivation).
INCOME_COLUMNS: tuple[str, ...] = ("wage", "operating_income", "operating_expenses", "property", "transfer")
#: Columns :func:`derive_income` needs for the income account (the household type aside).
INCOME_INPUTS: tuple[str, ...] = (*INCOME_COLUMNS, "household_size")
#: The income account as data, in evaluation order: each derived column is a signed sum of
#: columns (``+1`` adds, ``-1`` subtracts). Source: the five seed policy documents (README,
#: "What it answers"): 人均纯收入 = (工资性收入 + 生产经营性收入 − 生产经营性支出 + 财产性收入 +
#: 转移性收入) / 家庭人口数. :func:`derive_income`, the indicators, the decomposition, the
#: ingest total check and the DuckDB twin (:func:`income_sql`) are all generated from it.
INCOME_ACCOUNT: dict[str, tuple[tuple[str, int], ...]] = {
    "net_operating": (("operating_income", 1), ("operating_expenses", -1)),
    "net_income": (("wage", 1), ("net_operating", 1), ("property", 1), ("transfer", 1)),
}
#: Per-capita net income (人均纯收入) = net_income / this column (家庭人口数).
PER_CAPITA_DIVISOR = "household_size"
TRANSFER_DETAIL: tuple[str, ...] = (
    "transfer_dibao",
    "transfer_pension",
    "transfer_tekun",
    "transfer_disability",
    "transfer_farm_eco",
    "transfer_relief",
)
REGION_LEVELS: tuple[str, ...] = ("province", "prefecture", "county", "township", "village")
KEYS: tuple[str, ...] = ("household_id", "year")


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, kind, type, whether required, lower bound, labels, aliases.

    ``kind`` ``input`` marks a column read from exports only and folded into another field at
    ingest (监测对象类别 into ``household_type``, by ``data/vocabularies.csv``): never a panel column.
    """

    name: str
    kind: str
    dtype: str
    required: bool
    min_value: float | None
    label_zh: str
    label_en: str
    aliases: tuple[str, ...]


def _columns_from(file: str) -> dict[str, Column]:
    table = read_reference_csv(file)
    out = {}
    for row in table.to_dict("records"):
        out[str(row["name"])] = Column(
            name=str(row["name"]),
            kind=str(row["kind"]),
            dtype=str(row["dtype"]),
            required=row["required"] == "yes",
            min_value=float(row["min_value"]) if row["min_value"] != "" else None,
            label_zh=str(row["label_zh"]),
            label_en=str(row["label_en"]),
            aliases=tuple(a.strip() for a in str(row["aliases"]).split("|") if a.strip()),
        )
    return out


@lru_cache(maxsize=1)
def household_columns() -> dict[str, Column]:
    """Canonical columns of the household-year table, keyed by name (``data/columns.csv``)."""
    return _columns_from("columns.csv")


@lru_cache(maxsize=1)
def measure_columns() -> dict[str, Column]:
    """Canonical columns of the long measures table (``data/measure_columns.csv``)."""
    return _columns_from("measure_columns.csv")


def measures_catalogue() -> pd.DataFrame:
    """The measures catalogue (``data/measures.csv``): code, kind, component, labels, aliases."""
    return read_reference_csv("measures.csv")


def household_types() -> pd.DataFrame:
    """Household types (``data/household_types.csv``) with their 脱贫 and 监测 flags."""
    return read_reference_csv("household_types.csv")


def labour_groups(scheme: str | None = None) -> pd.DataFrame:
    """Labour-capacity groupings (``data/labour_groups.csv``): scheme, code, rule, labels, source."""
    table = read_reference_csv("labour_groups.csv")
    return table if scheme is None else table[table["scheme"] == scheme].reset_index(drop=True)


def labour_group(households: pd.DataFrame, scheme: str = "capacity", labels: str = "zh") -> pd.Series:
    """Labour-capacity group of each household row under ``scheme`` (``data/labour_groups.csv``).

    * ``capacity`` (江西 seed 003, 广西 seed 004): full (labour_full ≥ 1), weak (no full labourer,
      labour_weak ≥ 1), none;
    * ``count`` (弥勒 seed 001): two_plus / one / none by labour_full + labour_weak;
    * ``detail`` (effect heterogeneity, demo generator): none, weak_only, one_full (labour_full = 1),
      two_plus (labour_full ≥ 2).

    ``labels`` is ``"zh"``, ``"en"`` or ``"code"``. Missing labour counts raise
    :class:`~evalkit.errors.EvalkitError`: a group is never guessed.
    """
    from evalkit.core.errors import EvalkitError

    table = labour_groups(scheme)
    if table.empty:
        raise EvalkitError(
            f"未知的劳动力分组方案 / unknown labour-group scheme {scheme!r}; "
            f"known: {sorted(labour_groups()['scheme'].unique())}",
            code="E-LABOUR-SCHEME",
        )
    missing = [c for c in ("labour_full", "labour_weak") if c not in households.columns or households[c].isna().any()]
    if missing:
        raise EvalkitError(
            f"劳动力人数缺失, 无法分组 / labour counts missing, cannot group: {missing}", code="E-LABOUR-COUNTS-MISSING"
        )
    full = households["labour_full"].to_numpy(dtype=int)
    weak = households["labour_weak"].to_numpy(dtype=int)
    conditions = {
        "capacity": ([full >= 1, weak >= 1], ["full", "weak"], "none"),
        "count": ([full + weak >= 2, full + weak == 1], ["two_plus", "one"], "none"),
        "detail": ([full + weak == 0, full == 0, full == 1], ["none", "weak_only", "one_full"], "two_plus"),
    }[scheme]
    codes = pd.Series(
        np.select(conditions[0], conditions[1], conditions[2]), index=households.index, name="labour_group", dtype="str"
    )
    if labels == "code":
        return codes
    return codes.map(
        dict(zip(table["code"], table["label_zh" if labels == "zh" else "label_en"], strict=False))
    ).astype("str")


def label(name: str, lang: str = "zh") -> str:
    """Display label of a canonical column or income component in ``lang`` (zh|en)."""
    cols = household_columns()
    if name in cols:
        return cols[name].label_zh if lang == "zh" else cols[name].label_en
    extra = {
        "net_operating": ("经营净收入", "net operating income"),
        "net_income": ("家庭纯收入", "household net income"),
        "net_income_pc": ("人均纯收入", "per-capita net income"),
    }
    if name in extra:
        return extra[name][0 if lang == "zh" else 1]
    return name


def income_signs(column: str = "net_income") -> dict[str, int]:
    """Sign of each reported column of :data:`INCOME_COLUMNS` in derived ``column`` (:data:`INCOME_ACCOUNT`).

    ``income_signs()`` = {wage: 1, operating_income: 1, operating_expenses: −1, property: 1, transfer: 1}.
    """
    if column not in INCOME_ACCOUNT:
        return {column: 1}
    out: dict[str, int] = {}
    for term, sign in INCOME_ACCOUNT[column]:
        for name, inner in income_signs(term).items():
            out[name] = out.get(name, 0) + sign * inner
    return out


def net_income(values, column: str = "net_income"):
    """Derived ``column`` (net_operating or net_income) of ``values``, evaluated as :data:`INCOME_ACCOUNT` says.

    ``values``: a DataFrame or a mapping of the reported columns to Series / arrays / numbers
    (household totals, per-capita values or sums alike: the account is linear).
    """
    derived: dict = {}
    for name, terms in INCOME_ACCOUNT.items():
        total = 0
        for term, sign in terms:
            total = total + sign * (derived[term] if term in derived else values[term])
        derived[name] = total
        if name == column:
            return total
    raise KeyError(f"{column!r} is not a column of the income account {list(INCOME_ACCOUNT)}")


def add_income_account(values):
    """``values`` (DataFrame or dict) with the derived columns of :data:`INCOME_ACCOUNT` added (modified, returned)."""
    for name in INCOME_ACCOUNT:
        values[name] = net_income(values, name)
    return values


def net_income_pc(values) -> pd.Series:
    """人均纯收入 = net income / :data:`PER_CAPITA_DIVISOR`, from the reported columns of ``values``."""
    return net_income(values) / values[PER_CAPITA_DIVISOR]


def income_sql(column: str = "net_income_pc", render: dict[str, str] | None = None, cast: str = "DOUBLE") -> str:
    """SQL expression of ``column`` (net_operating, net_income or net_income_pc), generated from :data:`INCOME_ACCOUNT`.

    ``render`` maps a reported column to its SQL (default: the column name), e.g.
    ``income_sql("net_income")`` = ``(wage + (operating_income - operating_expenses) + property + transfer)``;
    ``net_income_pc`` divides it by household_size, both cast to ``cast``.
    """
    sql = {c: c for c in (*INCOME_COLUMNS, PER_CAPITA_DIVISOR)}
    sql.update(render or {})
    for name, terms in INCOME_ACCOUNT.items():
        text = " ".join(f"{'-' if sign < 0 else '+'} {sql[term]}" for term, sign in terms)
        sql[name] = "(" + (text[2:] if text.startswith("+ ") else text) + ")"
    if column == "net_income_pc":
        return f"({sql['net_income']}::{cast} / {sql[PER_CAPITA_DIVISOR]}::{cast})"
    return sql[column]


def derive_income(households: pd.DataFrame) -> pd.DataFrame:
    """Add ``net_operating``, ``net_income``, ``net_income_pc``, ``is_tuopin`` and ``is_monitored``.

    ``net_income_pc = (wage + operating_income − operating_expenses + property + transfer)
    / household_size`` (:data:`INCOME_ACCOUNT`, the one definition). ``is_tuopin`` (脱贫人口) and
    ``is_monitored`` (监测对象) follow the household type (``data/household_types.csv``). Returns a new frame.
    """
    out = add_income_account(households.copy())
    out["net_income_pc"] = out["net_income"] / out[PER_CAPITA_DIVISOR]
    types = household_types().set_index("label_zh")
    htype = out["household_type"].astype(str)
    out["is_tuopin"] = htype.map(types["tuopin"].eq("yes")).fillna(False).astype(bool)
    out["is_monitored"] = htype.map(types["monitored"].eq("yes")).fillna(False).astype(bool)
    return out
