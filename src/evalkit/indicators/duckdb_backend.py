"""The income indicator tables of :mod:`evalkit.income` as DuckDB SQL over the Parquet dataset.

For a province or the whole country the household-year table does not fit in pandas; DuckDB
(embedded, in-process: nothing to start or configure) scans only the needed columns of the
dataset's Parquet files, streaming, and returns the small aggregated tables. Every function
returns the same DataFrame (columns, order, dtypes, numbers) as its pandas counterpart;
``tests/test_duckdb_indicators.py`` compares the two paths to 1e-9 on the demo panel, which is the
guard against the two definitions drifting apart. The formulas, repeated from :mod:`evalkit.income`
(the source of truth; change both together):

* person weighting: X_pc = Σ_i X_i / Σ_i size_i; household weighting: X_pc = (1/n) Σ_i X_i / size_i;
* net_operating = operating_income − operating_expenses; net_income = wage + net_operating +
  property + transfer; share_k = k_pc / net_income_pc (``nan`` when net_income_pc = 0);
* transfer detail columns: ``nan`` for a group where any household lacks the detail;
* a missing group key forms its own group (SQL ``GROUP BY`` keeps NULL as a group, sorted last,
  as pandas ``groupby(dropna=False)``);
* growth (base b = year − 1, or a fixed ``base_year``): growth_rate = (N_t − N_b) / N_b;
  contrib_k_yuan = ΔX_k,pc (−Δ for operating_expenses); contrib_k_pp = 100 · contrib_k_yuan / N_b.

``source`` of every function is a dataset folder (:mod:`evalkit.dataset`), a pandas
DataFrame (queried in place by DuckDB) or an open DuckDB connection with a ``households`` view.
:func:`indicators` is the dispatcher: DuckDB for a dataset (measured faster and smaller than
the pandas path at every size, :func:`choose_backend`), pandas on request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evalkit.core.config import DEFAULT_MEMORY_BUDGET, ENV_MEMORY_BUDGET, LINE_10000, env
from evalkit.core.errors import EvalkitError
from evalkit.core.schema import COMPONENTS, INCOME_COLUMNS, TRANSFER_DETAIL, income_signs, income_sql
from evalkit.indicators.weighted import group_keys

GROWTH_COMPONENTS: tuple[str, ...] = INCOME_COLUMNS
_UNITS = {"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}


def _q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


class _Source:
    """A DuckDB connection with a ``households`` view (and ``measures`` for a dataset), the
    columns available, and the pandas dtypes to give group keys back."""

    def __init__(self, source, filters=None, memory_limit: str | None = None):
        import duckdb

        self.dtypes: dict[str, str] = {}
        #: columns the dataset's record says have a value in every row (checked when written)
        self.clean: frozenset[str] = frozenset()
        if isinstance(source, pd.DataFrame):
            self.con = duckdb.connect()
            self.con.register("_frame", source)
            self.con.execute("CREATE VIEW households AS SELECT * FROM _frame")
            self.dtypes = {str(c): str(t) for c, t in source.dtypes.items()}
        elif isinstance(source, (str, Path)):
            from evalkit.io.dataset import clean_columns, duckdb_connection, read_dataset_meta

            self.con = duckdb_connection(source, memory_limit=memory_limit)
            record = read_dataset_meta(source)
            self.dtypes = record["dtypes"]["households"]
            self.clean = clean_columns(record)
        elif hasattr(source, "execute"):
            self.con = source
        else:
            raise EvalkitError(f"不支持的数据源 / unsupported source type: {type(source).__name__}")
        self.columns = [r[0] for r in self.con.execute("DESCRIBE households").fetchall()]
        self.where, self.params = _where(filters)

    def check(self, columns: Sequence[str]) -> None:
        absent = [c for c in columns if c not in self.columns]
        if absent:
            raise EvalkitError(f"households: 缺少列 / missing columns: {', '.join(absent)}")

    def df(self, sql: str, params: Sequence = ()) -> pd.DataFrame:
        return self.con.execute(sql, [*self.params, *params]).df()

    def restore(self, frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
        """Group keys back to the households' pandas dtypes (DuckDB returns e.g. nullable booleans)."""
        changes = {k: self.dtypes[k] for k in keys if k in self.dtypes and str(frame[k].dtype) != self.dtypes[k]}
        if changes:
            try:
                frame = frame.astype(changes)
            except (TypeError, ValueError):  # a key with missing values keeps DuckDB's nullable dtype
                pass
        return frame


_OPS = {"==": "=", "=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "in": "IN", "not in": "NOT IN"}


def _plain(value):
    """A numpy scalar as the Python value DuckDB binds."""
    return value.item() if isinstance(value, np.generic) else value


def _where(filters) -> tuple[str, list]:
    """``[(column, op, value), ...]`` (AND-ed, as :func:`evalkit.dataset.load_panel_from_dataset`)
    as a parameterised SQL WHERE clause."""
    if not filters:
        return "", []
    parts, params = [], []
    for column, op, value in filters:
        if op not in _OPS:
            raise EvalkitError(f"不支持的筛选运算 / unsupported filter operator {op!r}")
        if op in ("in", "not in"):
            values = [_plain(v) for v in value]
            parts.append(f"{_q(column)} {_OPS[op]} ({', '.join('?' for _ in values)})")
            params.extend(values)
        else:
            parts.append(f"{_q(column)} {_OPS[op]} ?")
            params.append(_plain(value))
    return "WHERE " + " AND ".join(parts), params


def _aggregate_sql(src: _Source, keys: list[str], weight: str, extra: Sequence[str] = ()) -> tuple[str, list[str]]:
    """SQL of the per-group sums behind :func:`income_indicators` (one scan of the households)."""
    detail = [c for c in TRANSFER_DETAIL if c in src.columns]
    per = "" if weight == "person" else " / household_size::DOUBLE"
    # the derived columns from the components' sums (a sum of differences is the difference of
    # the sums): two fewer sums over the rows
    sums = {c: f"SUM({_q(c)}::DOUBLE{per})" for c in (*INCOME_COLUMNS, *detail)}
    sums["net_operating"] = income_sql("net_operating", sums)
    sums["net_income"] = income_sql("net_income", sums)
    denom = "SUM(household_size::DOUBLE)" if weight == "person" else "COUNT(*)::DOUBLE"
    key_sql = ", ".join(_q(k) for k in keys)
    cols = ["net_income", *INCOME_COLUMNS[:3], "net_operating", *INCOME_COLUMNS[3:], *detail]
    select = [
        "COUNT(*)::BIGINT AS n_households",
        "SUM(household_size::DOUBLE) AS n_persons",
    ]
    for c in cols:
        value = f"{sums[c]} / {denom}"
        if c in detail and c not in src.clean:  # nan for a group where any household lacks the detail
            value = f"CASE WHEN COUNT({_q(c)}) < COUNT(*) THEN NULL ELSE {value} END"
        select.append(f"{value} AS {_q(c + '_pc')}")
    select.extend(extra)
    sql = f"SELECT {key_sql}, {', '.join(select)} FROM households {src.where} GROUP BY {key_sql} ORDER BY {key_sql}"
    return sql, [f"{c}_pc" for c in cols]


def income_indicators(
    source, by=(), weight: str = "person", filters=None, *, extra: Sequence[str] = ()
) -> pd.DataFrame:
    """:func:`evalkit.income.income_indicators` computed by DuckDB (same columns and numbers).

    One aggregate query grouped by ``by`` × year; the shares are computed from the group sums.
    ``extra``: further aggregate expressions of the same scan (``... AS name``), returned as
    columns after the levels. Formulas: module docstring.
    """
    if weight not in ("person", "household"):
        raise EvalkitError(
            f"weight 必须是 person 或 household / weight must be 'person' or 'household', got {weight!r}",
            code="E-WEIGHT-KIND",
        )
    src = source if isinstance(source, _Source) else _Source(source, filters)
    keys = group_keys(by)
    absent = [k for k in keys if k not in src.columns]
    if absent:
        raise EvalkitError(f"缺少分组列 / missing grouping columns: {', '.join(absent)}", code="E-GROUP-COLUMNS")
    src.check(["household_size", *INCOME_COLUMNS])
    # missing group keys form their own group; values the dataset's record says are present
    # (checked when the rows were written) are not counted again
    checked = [c for c in ("year", "household_size", *INCOME_COLUMNS) if c not in src.clean]
    sql, pc_cols = _aggregate_sql(src, keys, weight, [*_bad_counts(checked), *extra])
    out = _raise_bad(src.df(sql), checked)
    out = src.restore(out, keys)
    out["n_persons"] = out["n_persons"].astype(float)
    for c in pc_cols:
        out[c] = out[c].astype(float)
    net = out["net_income_pc"].where(out["net_income_pc"] != 0)
    shares = pd.DataFrame({f"share_{c}": out[f"{c}_pc"] / net for c in COMPONENTS}, index=out.index)
    names = [c for c in out.columns if c not in set(shares.columns)]
    sums = [n for n in names if n in {e.rsplit(" AS ", 1)[-1] for e in extra}]
    levels = [n for n in names if n not in sums]
    return pd.concat([out[levels], shares, out[sums]], axis=1).assign(weighting=weight)


def _bad_counts(columns: Sequence[str]) -> list[str]:
    """Per-group counts of the values :func:`evalkit.income.check_households` rejects (missing,
    household size below 1), computed in the same scan as the indicators."""
    out = []
    for i, c in enumerate(columns):
        extra = " + COUNT_IF(household_size < 1)" if c == "household_size" else ""
        out.append(f"COUNT(*) - COUNT({_q(c)}){extra} AS _bad_{i}")
    return out


def _raise_bad(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Raise the bilingual error of the pandas path for an empty result or bad values; drop the counts."""
    if not len(frame):
        raise EvalkitError("households: 没有农户数据(空组) / no households (empty group)", code="E-DATA-EMPTY")
    for i, c in enumerate(columns):
        bad = int(frame[f"_bad_{i}"].sum())
        if bad:
            raise EvalkitError(
                f"households: 列 {c} 有 {bad} 个缺失或无效值 / column {c} has {bad} missing or invalid values",
                code="E-DATA-MISSING-VALUES",
            )
    return frame.drop(columns=[f"_bad_{i}" for i in range(len(columns))])


def growth_contributions(source, by=(), weight: str = "person", base_year=None, filters=None) -> pd.DataFrame:
    """:func:`evalkit.income.growth_contributions` by DuckDB: the group aggregation runs in SQL
    (:func:`income_indicators`), then base-year rows are joined in SQL on the small table.
    Formulas: module docstring."""
    src = source if isinstance(source, _Source) else _Source(source, filters)
    return _growth_from(src, income_indicators(src, by, weight), by, base_year)


def _growth_from(src: _Source, ind: pd.DataFrame, by, base_year) -> pd.DataFrame:
    keys = group_keys(by)
    others = [k for k in keys if k != "year"]
    years = sorted(ind["year"].unique())
    if base_year is not None and base_year not in years:
        raise EvalkitError(f"基期 {base_year} 不在数据中(有 {years}) / base year {base_year} not in the data ({years})")
    src.con.register("_ind", ind)
    base_expr = "c.year - 1" if base_year is None else str(int(base_year))
    first = years[0] if base_year is None else int(base_year)
    on = " AND ".join([*(f"b.{_q(k)} IS NOT DISTINCT FROM c.{_q(k)}" for k in others), f"b.year = {base_expr}"])
    n0 = "b.net_income_pc"
    nz = f"CASE WHEN {n0} <> 0 THEN {n0} END"
    select = [
        *(f"c.{_q(k)}" for k in others),
        "c.year",
        f"({base_expr})::BIGINT AS base_year",
        "c.n_households",
        "c.n_persons",
        "c.net_income_pc",
        f"{n0} AS net_income_pc_base",
        f"(c.net_income_pc - {n0}) / {nz} AS growth_rate",
        f"100 * ((c.net_income_pc - {n0}) / {nz}) AS growth_pct",
    ]
    for c in GROWTH_COMPONENTS:
        delta = f"(c.{c}_pc - b.{c}_pc)"
        yuan = f"-{delta}" if income_signs()[c] < 0 else delta
        select += [f"{yuan} AS contrib_{c}_yuan", f"100 * ({yuan}) / {nz} AS contrib_{c}_pp"]
    select += [
        f"CASE WHEN {n0} IS NULL THEN 'missing base year' WHEN {n0} = 0 THEN 'zero base income' "
        "ELSE 'ok' END AS status",
        "c.weighting",
    ]
    order = ", ".join([*(f"c.{_q(k)}" for k in others), "c.year"])
    sql = f"SELECT {', '.join(select)} FROM _ind c LEFT JOIN _ind b ON {on} WHERE c.year > {first} ORDER BY {order}"
    out = src.restore(src.con.execute(sql).df(), keys)
    src.con.unregister("_ind")
    float_cols = [c for c in out.columns if c.startswith(("contrib_", "growth_")) or c.endswith("_base")]
    return out.astype({c: float for c in float_cols})


def indicator_tables(
    source, by=(), line=LINE_10000, weight: str = "person", quintile_year: int | None = None, filters=None
) -> dict[str, pd.DataFrame | pd.Series]:
    """The income indicator set by DuckDB in one connection: ``income_indicators`` (levels,
    components per capita, shares), ``growth_contributions`` (year on year, from the same
    aggregate: one scan), ``below_threshold`` (``line``) and ``quintile_groups`` (of
    ``quintile_year``, default the last year; by the first ``by`` column when given)."""
    src = source if isinstance(source, _Source) else _Source(source, filters)
    if isinstance(line, str):  # monitoring lines by province-year: a join, its own scan
        ind = income_indicators(src, by, weight)
        below = below_threshold(src, line, by)
    else:  # a fixed line: the below-line counts come from the same scan as the levels
        ind, below = _indicators_and_below(src, by, weight, line)
    year = int(quintile_year if quintile_year is not None else ind["year"].max())
    by_list = [by] if isinstance(by, str) else list(by)
    return {
        "income_indicators": ind,
        "growth_contributions": _growth_from(src, ind, by, None),
        "below_threshold": below,
        "quintile_groups": quintile_groups(src, year, by_list[:1]),
    }


#: the below-line sums of :func:`below_threshold` added to the levels' aggregate (one scan)
_BELOW_SUMS = ("_n_below", "_p_below", "_pc_missing")


def _indicators_and_below(src: _Source, by, weight: str, line) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`income_indicators` and :func:`below_threshold` for a fixed ``line`` from one
    aggregate query (the Parquet files are scanned once for both; same tables as the two calls)."""
    z = _line_table(line, None, False)
    keys = group_keys(by)
    src.check([*keys, "household_size"])
    pc = _pc_sql(src)
    below = f"(({pc}) < {z!r}::DOUBLE)"
    extra = [
        f"SUM(CASE WHEN {below} THEN 1 ELSE 0 END)::DOUBLE AS _n_below",
        f"SUM(CASE WHEN {below} THEN household_size::DOUBLE ELSE 0 END) AS _p_below",
        "0::BIGINT AS _pc_missing" if _pc_clean(src) else f"COUNT_IF(({pc}) IS NULL) AS _pc_missing",
    ]
    ind = income_indicators(src, by, weight, extra=extra)
    counts = ind[[*keys, "n_households", "n_persons", *_BELOW_SUMS]].rename(
        columns={"_n_below": "n_households_below", "_p_below": "n_persons_below"}
    )
    counts["n_households_no_line"] = np.zeros(len(counts), dtype="int64")
    return ind.drop(columns=list(_BELOW_SUMS)), _below_table(counts, keys, line)


def _pc_clean(src: _Source) -> bool:
    """True when the dataset's record says every row has net_income_pc (stored, or derivable:
    every component and a household size of at least 1)."""
    if "net_income_pc" in src.columns:
        return "net_income_pc" in src.clean
    return src.clean.issuperset(["household_size", *INCOME_COLUMNS])


def _pc_sql(src: _Source) -> str:
    """net_income_pc of a row: the stored derived column, else derived from the components
    (:func:`evalkit.thresholds.per_capita_income`)."""
    if "net_income_pc" in src.columns:
        return "net_income_pc::DOUBLE"
    src.check(["household_size", *INCOME_COLUMNS])
    return income_sql("net_income_pc")


def _line_table(line, lines: pd.DataFrame | None, include_synthetic: bool) -> pd.DataFrame | float:
    """The threshold: a positive number, or the [province, year, value] table of monitoring lines
    (as :func:`evalkit.thresholds.line_per_row` resolves it)."""
    from evalkit.indicators.thresholds import MONITORING_LINE

    if not isinstance(line, str):
        z = float(line)
        if not np.isfinite(z) or z <= 0:
            raise EvalkitError(
                f"收入线必须为正数 / the income line must be positive, got {line!r}", code="E-LINE-NOT-POSITIVE"
            )
        return z
    if line != MONITORING_LINE:
        raise EvalkitError(
            f"line 必须是数字或 'monitoring_line' / line must be a number or 'monitoring_line', got {line!r}",
            code="E-LINE-KIND",
        )
    if lines is None:
        from evalkit.core.comparison import series

        lines = series(MONITORING_LINE, include_synthetic=include_synthetic)
    table = pd.DataFrame(
        {"province": pd.Series(dtype=object), "year": pd.Series(dtype="int64"), "value": pd.Series(dtype=float)}
    )
    if lines is not None and len(lines):
        table = lines.rename(columns={"region": "province"})[["province", "year", "value"]]
        table = table.astype({"province": object, "year": "int64", "value": float}).drop_duplicates(
            ["province", "year"]
        )
    return table


def below_threshold(
    source, line, by=(), *, lines: pd.DataFrame | None = None, include_synthetic: bool = False, filters=None
) -> pd.DataFrame:
    """:func:`evalkit.income.below_threshold` by DuckDB: households and persons with
    net_income_pc < line (strictly), by group × year; a group with any household whose
    province-year has no monitoring line gets ``nan`` figures and status "missing monitoring line".
    Shares: n_below / n (households), Σ size·[below] / Σ size (persons)."""
    src = source if isinstance(source, _Source) else _Source(source, filters)
    keys = group_keys(by)
    src.check([*keys, "household_size"])
    pc = _pc_sql(src)
    z = _line_table(line, lines, include_synthetic)
    if isinstance(z, float):
        join, zcol = "", f"{z!r}::DOUBLE"
    else:
        src.check(["province"])
        src.con.register("_lines", z)
        join, zcol = "LEFT JOIN _lines l ON l.province = h.province AND l.year = h.year", "l.value"
    key_sql = ", ".join(f"h.{_q(k)}" for k in keys)
    below = f"(({pc}) < {zcol})"
    sql = f"""
        SELECT {key_sql}, COUNT(*)::BIGINT AS n_households, SUM(h.household_size::DOUBLE) AS n_persons,
               SUM(CASE WHEN {below} THEN 1 ELSE 0 END)::DOUBLE AS n_households_below,
               SUM(CASE WHEN {below} THEN h.household_size::DOUBLE ELSE 0 END) AS n_persons_below,
               COUNT_IF({zcol} IS NULL)::BIGINT AS n_households_no_line, COUNT_IF(({pc}) IS NULL) AS _pc_missing
        FROM (SELECT * FROM households {src.where}) h {join}
        GROUP BY {key_sql} ORDER BY {key_sql}"""
    out = src.df(sql)
    if join:
        src.con.unregister("_lines")
    return _below_table(src.restore(out, keys), keys, line)


def _below_table(out: pd.DataFrame, keys: list[str], line) -> pd.DataFrame:
    """The :func:`below_threshold` table from the per-group counts (``_pc_missing``: rows without
    net_income_pc, an error)."""
    from evalkit.indicators.thresholds import MISSING_LINE

    nulls = int(out["_pc_missing"].sum())
    if not len(out) or nulls:
        raise EvalkitError(
            f"人均纯收入有 {nulls} 个缺失值 / net_income_pc has {nulls} missing values"
            if nulls
            else "没有农户数据(空组) / no households (empty group)",
            code="E-DATA-MISSING-VALUES" if nulls else "E-DATA-EMPTY",
        )
    out = out.drop(columns="_pc_missing")
    out.insert(len(keys), "line", line if isinstance(line, str) else f"{float(line):g}")
    out["n_persons"] = out["n_persons"].astype(float)
    out["share_households_below"] = out["n_households_below"] / out["n_households"]
    out["share_persons_below"] = out["n_persons_below"] / out["n_persons"]
    out = out[
        [
            *keys,
            "line",
            "n_households",
            "n_persons",
            "n_households_below",
            "n_persons_below",
            "share_households_below",
            "share_persons_below",
            "n_households_no_line",
        ]
    ]
    incomplete = out["n_households_no_line"] > 0
    cols = ["n_households_below", "n_persons_below", "share_households_below", "share_persons_below"]
    out.loc[incomplete, cols] = np.nan
    out["status"] = np.where(incomplete, MISSING_LINE, "ok")
    return out


def quintile_groups(source, year: int, by=(), filters=None) -> pd.Series:
    """:func:`evalkit.income.quintile_groups` with DuckDB reading the rows: q_i = min(5, ⌊5 F_i⌋ + 1)
    with F_i the household-size-weighted mid-rank of year − 1 net_income_pc within each ``by``
    group (:func:`evalkit.indicators.thresholds.weighted_quintiles`, the pandas path's own
    function, so the groups are the pandas ones). DuckDB scans only household_id, the keys, the
    size and the income of year − 1; no sort by household_id and no window: the ranks are one
    numpy sort of the incomes. Series indexed by household_id in the order the dataset stores
    the rows (its files in path order, then row order; a DataFrame source: its row order),
    name ``quintile``."""
    from evalkit.indicators.thresholds import weighted_quintiles

    src = source if isinstance(source, _Source) else _Source(source, filters)
    by = [by] if isinstance(by, str) else list(by)
    src.check(["household_id", "household_size", *by])
    cond = f"year = {int(year) - 1}"
    where = f"{src.where} AND {cond}" if src.where else f"WHERE {cond}"
    keys = "".join(f"{_q(k)}, " for k in by)
    sql = f"SELECT household_id, {keys}household_size::DOUBLE AS _w, {_pc_sql(src)} AS _pc FROM households {where}"
    preserve = src.con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    src.con.execute("SET preserve_insertion_order = true")  # the rows in stored order: a deterministic result
    try:
        rows = src.con.sql(sql, params=src.params or None).to_arrow_table()
    finally:
        src.con.execute(f"SET preserve_insertion_order = {bool(preserve and preserve[0])}")
    if not len(rows):
        raise EvalkitError(
            f"五等份需要上一年({year - 1})数据 / quintiles need the previous year ({year - 1}) in the data",
            code="E-YEAR-PREVIOUS",
        )
    q = weighted_quintiles(rows.column("_pc").to_numpy(), rows.column("_w").to_numpy(), _group_codes(rows, by))
    ids = rows.column("household_id").to_pandas()  # Arrow-backed strings: no Python objects
    return pd.Series(q, index=pd.Index(ids, name="household_id"), name="quintile")


def _group_codes(rows, by: list[str]) -> np.ndarray | None:
    """Integer group codes of the Arrow table's ``by`` columns (a missing key is its own group)."""
    if not by:
        return None
    if len(by) == 1:  # the dictionary indices of the one key: no hashing of Python strings
        encoded = rows.column(by[0]).combine_chunks().dictionary_encode(null_encoding="encode")
        return encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    keys = rows.select(by).to_pandas()
    return keys.groupby(by, sort=True, observed=True, dropna=False).ngroup().to_numpy()


# --------------------------------------------------------------------------- dispatcher
def parse_bytes(value) -> int:
    """``"4GB"``, ``"512MiB"``, ``2e9`` → bytes."""
    if isinstance(value, (int, float)):
        return int(value)
    match = re.fullmatch(r"\s*([\d.]+)\s*([A-Za-z]*)\s*", str(value))
    if not match or match.group(2).upper() not in _UNITS:
        raise EvalkitError(
            f"无法识别的内存预算 / unrecognised memory budget {value!r} (e.g. 4GB, 512MiB)", code="E-MEMORY-BUDGET"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def memory_budget(value=None) -> int:
    """The memory budget in bytes: ``value``, else ``EVALKIT_MEMORY_BUDGET``, else 4 GB."""
    return parse_bytes(value if value is not None else env(ENV_MEMORY_BUDGET) or DEFAULT_MEMORY_BUDGET)


def choose_backend(path, columns: Sequence[str] = (), budget=None) -> str:
    """The backend of :func:`indicators` for a dataset folder: ``"duckdb"``.

    Chosen by measurement, not by an estimate of the bytes (rows ``backend`` of
    ``benchmarks/results/peers.csv``: the indicator set by county × year, each path a fresh
    process, alternated): DuckDB over the Parquet files took less CPU time and less memory than
    the pandas path (loading the needed columns, then :mod:`evalkit.income`) at every size
    measured, from a county-sized dataset (20,000 households: 0.92× the CPU time) to 2,000,000
    households (0.33×; peak memory 0.62 GB against 6.85 GB): it keeps only the groups, not the
    rows. ``columns`` and ``budget`` are accepted for compatibility; the budget
    (``EVALKIT_MEMORY_BUDGET``) is DuckDB's memory limit in :func:`indicators` (it spills to disk
    beyond it).
    """
    memory_budget(budget)  # a malformed budget is an error whichever backend runs
    return "duckdb"


def indicators(
    path, table: str = "income_indicators", by=(), backend: str = "auto", budget=None, filters=None, **kwargs
):
    """One indicator table of a dataset (``table`` in :data:`TABLES`, e.g. ``"income_indicators"``,
    ``"below_threshold"`` with ``line=``, or ``"indicator_tables"`` for the whole set), by pandas
    or DuckDB; ``kwargs`` go to the table's function.

    ``backend="auto"`` is DuckDB (:func:`choose_backend`: measured faster and smaller at every
    size), with ``budget`` (or ``EVALKIT_MEMORY_BUDGET``, default 4 GB) as its memory limit;
    ``backend="pandas"`` loads only the needed columns and the ``filters`` partitions and runs
    :mod:`evalkit.income`. Both return the same numbers.
    """
    if table not in TABLES:
        raise EvalkitError(
            f"未知指标表 / unknown indicator table {table!r}; one of {sorted(TABLES)}", code="E-INDICATOR-TABLE"
        )
    from evalkit.io.dataset import load_panel_from_dataset

    if backend == "auto":
        backend = choose_backend(path, (), budget)
    if backend == "duckdb":
        limit = f"{max(memory_budget(budget) // 2**20, 64)}MiB"
        return TABLES[table][1](_Source(path, filters, memory_limit=limit), by=by, **kwargs)
    if backend != "pandas":
        raise EvalkitError(
            f"backend 必须是 auto、pandas 或 duckdb / backend must be auto, pandas or duckdb: {backend!r}"
        )
    households = load_panel_from_dataset(path, columns=needed_columns(path, by), filters=filters, measures=False)
    return TABLES[table][0](households.households, by=by, **kwargs)


def needed_columns(path, by=()) -> list[str]:
    """The household columns the indicator tables read from a dataset (the rest is never loaded)."""
    from evalkit.io.dataset import open_dataset

    names = open_dataset(path).schema.names
    by_list = [by] if isinstance(by, str) else list(by)
    optional = [c for c in (*TRANSFER_DETAIL, "net_income_pc", "province") if c in names]
    return list(dict.fromkeys([*by_list, "household_id", "year", "household_size", *INCOME_COLUMNS, *optional]))


def _pandas_indicator_tables(households, by=(), line=LINE_10000, weight: str = "person", quintile_year=None):
    """The pandas path of :func:`indicator_tables` (the functions of :mod:`evalkit.income`)."""
    from evalkit.indicators import income

    ind = income.income_indicators(households, by, weight)
    year = int(quintile_year if quintile_year is not None else ind["year"].max())
    by_list = [by] if isinstance(by, str) else list(by)
    return {
        "income_indicators": ind,
        "growth_contributions": income.growth_contributions(households, by, weight),
        "below_threshold": income.below_threshold(households, line, by),
        "quintile_groups": income.quintile_groups(households, year, by_list[:1]),
    }


def _pandas(name: str):
    def call(households, **kwargs):
        from evalkit.indicators import income

        # a per-household Series (quintile groups) in the rows' order, as the DuckDB path
        return getattr(income, name)(households, **kwargs)

    return call


#: Indicator tables: name → (pandas function, DuckDB function), called with ``by=`` and the kwargs.
TABLES: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "income_indicators": (_pandas("income_indicators"), income_indicators),
    "growth_contributions": (_pandas("growth_contributions"), growth_contributions),
    "below_threshold": (_pandas("below_threshold"), below_threshold),
    "quintile_groups": (_pandas("quintile_groups"), quintile_groups),
    "indicator_tables": (_pandas_indicator_tables, indicator_tables),
}

__all__ = [
    "income_indicators",
    "growth_contributions",
    "below_threshold",
    "quintile_groups",
    "indicator_tables",
    "indicators",
    "choose_backend",
    "memory_budget",
    "parse_bytes",
    "TABLES",
]
