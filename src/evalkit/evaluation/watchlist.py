"""The monitoring watch-list: households the plans tell officials to watch, with why and what they get.

Rules (``data/watchlist_rules.csv``: flag, rule, region, labels, the clause quoted, strategy):

* 广西 (桂乡村指办发〔2022〕30号 第26、29、33条) — quarterly flags: income fell (per-capita net
  income below last year's), income growth slow (growth ≥ 0 but below ``slow_growth_pct``, default the
  parameter of the rule in ``data/watchlist_rules.csv``: 0.25 × the growth of rural disposable
  income of the household's county, else prefecture, else province, from
  :mod:`evalkit.comparison`; **evalkit's reading**, the clause gives no threshold, the row's
  ``threshold_note`` gives the source of the number), per-capita income below 10,000 yuan; labourers wanting work
  without work (``labour_seeking_work`` > 0), worked under 6 months (``migrant_workers`` ≥ 1 and
  ``migrant_work_months`` < 6); key households (below 10,000) with no full labourer or labourers
  under a quarter of members (第29条: enrol in 低保/特困 where eligible).
  **The panel is yearly**: the quarterly flags are computed once per year on the yearly figures,
  so "quarter" reads "year" throughout.
* 江西 (赣农办字〔2024〕21号 第一条) — the two 增收重点对象 groups: the bottom 20% of last year's
  income quintiles of 脱贫人口 and 监测对象 (:func:`evalkit.income.quintile_groups`, person-weighted,
  within the region), and 监测对象 whose risk is not eliminated two or more years after entering
  monitoring.
* 弥勒 (收入过万两年专项行动 二) — households below 10,000 yuan split by labourers
  (labour_full + labour_weak ≥ 2, 1, 0) with the strategy each group gets.

Rules apply where their document applies (the region is inside the rule's region); a region no
rule covers gets the 广西 flags as the reference set (column ``rule_source`` says so).
Only 脱贫人口 and 监测对象 are flagged.

For each flagged household: per-capita change of each component since last year and the
component that fell most (``largest_fall``), and the measures it received this year. Counts by
region and county suppress cells under 10 households; the household list carries pseudonymised
ids only and is exported for caseworkers with :func:`export_watchlist`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.core.column_uses import absent_for, not_computed, wording
from evalkit.core.config import LINE_10000, MIN_HOUSEHOLDS
from evalkit.core.errors import EvalkitError
from evalkit.core.registry import Region, get_region, region_mask
from evalkit.core.resources import read_reference_csv
from evalkit.core.schema import label, measures_catalogue

RULES_FILE = "watchlist_rules.csv"
LINE = LINE_10000
MIN_WORK_MONTHS = 6
WEAK_LABOUR_SHARE = 0.25
COMPONENT_CHANGES = ("wage", "net_operating", "property", "transfer")
AREA_COLUMNS = ("province", "prefecture", "county", "township", "village")
#: first columns of every caseworker list (issue 16: identification, unmatched support)
CASE_COLUMNS = ("household_id", "year", *AREA_COLUMNS, "household_type", "household_size")
#: the household's own columns at the head of every watch-list row
HOUSEHOLD_COLUMNS = ("household_id", *AREA_COLUMNS, "household_type", "household_size")
#: columns of the exported caseworker list (never names, ID numbers or phones)
EXPORT_COLUMNS = [
    *HOUSEHOLD_COLUMNS,
    "labourers",
    "net_income_pc",
    "net_income_pc_prev",
    "growth_pct",
    "flags",
    "flag_labels",
    "strategy",
    "largest_fall",
    "largest_fall_pc",
    "measures",
]


def watchlist_rules() -> pd.DataFrame:
    """The rules table (``data/watchlist_rules.csv``)."""
    return read_reference_csv(RULES_FILE)


def _rules_for(region: Region) -> tuple[list[str], str]:
    rules = watchlist_rules()
    own = []
    for rule, home in rules[["rule", "region"]].drop_duplicates().itertuples(index=False):
        home_region = get_region(home)
        if all(region.filter.get(k) == v for k, v in home_region.filter.items()):
            own.append(rule)
    return (own, "own") if own else (["guangxi"], "reference: guangxi")


def weak_labour_key(rows: pd.DataFrame) -> pd.Series:
    """广西 第29条: key households (per-capita net income below 10,000 yuan) with no full labourer,
    or whose labourers (full + weak) are under a quarter of the members."""
    full = rows["labour_full"].fillna(0) if "labour_full" in rows else pd.Series(0, index=rows.index)
    weak = rows["labour_weak"].fillna(0) if "labour_weak" in rows else 0
    size = rows["household_size"].astype(float)
    below = rows["net_income_pc"] < LINE
    return (below & ((full == 0) | ((full + weak) / size < WEAK_LABOUR_SHARE))).fillna(False).astype(bool)


def rules_for(region: Region | str) -> tuple[list[str], str]:
    """The watch-list rules that apply in ``region`` and their source: ``own``, or
    ``reference: guangxi`` when no rule covers the region (广西's rules are used as reference)."""
    return _rules_for(get_region(region) if isinstance(region, str) else region)


SHARE_OF_RURAL, PERCENT = "share_of_local_rural_growth", "percent"


def slow_growth_parameter() -> tuple[float, str]:
    """The 收入增速缓慢 threshold of ``data/watchlist_rules.csv`` (row gx_slow_growth): value and
    unit, ``share_of_local_rural_growth`` (growth below value × the local rural growth) or
    ``percent`` (growth below value %). evalkit's reading: 第33条 states no threshold."""
    rules = watchlist_rules()
    row = rules[rules["flag"] == "gx_slow_growth"].iloc[0]
    value, unit = str(row["threshold"]), str(row["threshold_unit"])
    if unit not in (SHARE_OF_RURAL, PERCENT):
        raise EvalkitError(
            f"data/watchlist_rules.csv 行 gx_slow_growth 列 threshold_unit 的值 {unit!r} 无效, 应为 "
            f"{SHARE_OF_RURAL} 或 {PERCENT} / data/watchlist_rules.csv row gx_slow_growth, column "
            f"threshold_unit: {unit!r} is not {SHARE_OF_RURAL} or {PERCENT}",
            code="E-WATCHLIST-RULE",
        )
    return float(value), unit


def _slow_growth_threshold(rows: pd.DataFrame, year: int, synthetic: bool) -> pd.Series:
    """Growth (%) below which growth is slow, per row: the parameter of ``data/watchlist_rules.csv``
    (:func:`slow_growth_parameter`), a share of the growth of rural disposable income of the row's
    county, else prefecture, else province, or a fixed percentage."""
    value, unit = slow_growth_parameter()
    if unit == PERCENT:
        return pd.Series(value, index=rows.index)
    return value * _local_rural_growth(rows, year, synthetic)


def _local_rural_growth(rows: pd.DataFrame, year: int, synthetic: bool) -> pd.Series:
    """Growth (%) of rural disposable income of each row's county, else prefecture, else province."""
    from evalkit.core.comparison import series

    rural = series("rural_disposable_income", include_synthetic=synthetic)
    now = rural[rural["year"] == year].set_index("region")["value"]
    before = rural[rural["year"] == year - 1].set_index("region")["value"]
    growth = (100 * (now / before - 1)).dropna()
    out = pd.Series(np.nan, index=rows.index)
    for level in ("county", "prefecture", "province"):
        if level in rows.columns:
            out = out.fillna(rows[level].map(growth))
    return out


def measures_received(measures: pd.DataFrame, year: int, ids: pd.Series) -> pd.Series:
    """';'-joined Chinese labels of the measures each household received in ``year`` (by household_id)."""
    m = measures[(measures["year"] == year) & measures["household_id"].isin(ids)]
    labels = measures_catalogue().set_index("code")["label_zh"]
    named = pd.DataFrame({"household_id": m["household_id"], "label": m["measure"].map(labels).fillna(m["measure"])})
    if named.empty:
        return pd.Series(dtype=object)
    # household × label booleans (numpy), then a vectorised join over the few label columns
    hid, households = pd.factorize(named["household_id"])
    lab, names = pd.factorize(named["label"])
    grid = np.zeros((len(households), len(names)), dtype=bool)
    grid[hid, lab] = True
    order = np.argsort(np.asarray(names, dtype=object))
    table = pd.DataFrame(grid[:, order], index=pd.Index(households, name="household_id"))
    return _joined(table, [names[i] for i in order])


def _joined(table: pd.DataFrame, names: list[str]) -> pd.Series:
    """';'-join of ``names`` where the boolean columns of ``table`` are True (vectorised over rows)."""
    out = pd.Series("", index=table.index, dtype=object)
    for column, name in zip(table.columns, names, strict=False):
        out = out + np.where(table[column].to_numpy(), f"{name};", "")
    return out.str.rstrip(";")


def watchlist(
    panel, region: str | Region, year: int, slow_growth_pct: float | None = None, rules: list[str] | None = None
) -> pd.DataFrame:
    """Flagged 脱贫 and 监测 households of ``region`` in ``year``, one row per household.

    Columns: household_id, region columns, household_type, household_size, labourers,
    net_income_pc, net_income_pc_prev, growth_pct, one boolean column per flag of the applying
    rules (``data/watchlist_rules.csv``), flags (';'-joined flag codes), flag_labels (Chinese),
    strategy (弥勒 group strategy or 广西 第29条 action), change_<component>_pc for wage,
    net_operating, property, transfer (per-capita change since last year, yuan), largest_fall and
    largest_fall_pc (the component that fell most and by how much, empty if none fell), measures
    (received this year), slow_growth_threshold_pct, rule_source.

    ``slow_growth_pct``: growth (percent) below which growth is "slow"; default the parameter of
    ``data/watchlist_rules.csv`` (:func:`slow_growth_parameter`: 0.25 × the local rural growth;
    households with no local series are not flagged slow).
    ``rules``: subset of guangxi, jiangxi, mile (default: the rules of ``region``).

    Parameters
    ----------
    panel : Panel
    region : str or Region
    year : int
    slow_growth_pct : float, optional
    rules : list of str, optional

    Returns
    -------
    pandas.DataFrame
        One row per flagged household (pseudonymised ids only), the columns above.

    Raises
    ------
    EvalkitError
        ``E-WATCHLIST-RULE`` for an unknown rule, ``E-WATCHLIST-EMPTY`` when the region has no
        脱贫 or monitored households in ``year``.
    """
    region = get_region(region) if isinstance(region, str) else region
    year = int(year)
    if rules is None:
        rules, source = _rules_for(region)
    else:
        unknown = set(rules) - set(watchlist_rules()["rule"])
        if unknown:
            raise EvalkitError(
                f"未知预警规则 {sorted(unknown)} / unknown watch-list rules {sorted(unknown)}", code="E-WATCHLIST-RULE"
            )
        source = "chosen"
    hh = panel.households.loc[region_mask(panel.households, region)]
    hh = hh[hh["is_tuopin"] | hh["is_monitored"]]
    rows = hh[hh["year"] == year]
    if len(rows) == 0:
        raise EvalkitError(
            f"{region.name_zh} {year} 年没有脱贫户或监测户数据 / no 脱贫 or monitored households "
            f"in {region.name_en} for {year}",
            code="E-WATCHLIST-EMPTY",
        )
    prev = hh[hh["year"] == year - 1].set_index("household_id")
    size = rows["household_size"].astype(float)
    frame = rows[[c for c in HOUSEHOLD_COLUMNS if c in rows.columns]].copy()
    labour_full = rows["labour_full"].fillna(0) if "labour_full" in rows else pd.Series(0, index=rows.index)
    frame["labourers"] = labour_full + (rows["labour_weak"].fillna(0) if "labour_weak" in rows else 0)
    frame["net_income_pc"] = rows["net_income_pc"]
    frame["net_income_pc_prev"] = rows["household_id"].map(prev["net_income_pc"])
    frame["growth_pct"] = 100 * (
        frame["net_income_pc"] / frame["net_income_pc_prev"].where(frame["net_income_pc_prev"] > 0) - 1
    )
    for c in COMPONENT_CHANGES:
        before = rows["household_id"].map(prev[c] / prev["household_size"])
        frame[f"change_{c}_pc"] = rows[c] / size - before
    threshold = (
        _slow_growth_threshold(rows, year, panel.synthetic)
        if slow_growth_pct is None
        else pd.Series(float(slow_growth_pct), index=rows.index)
    )
    frame["slow_growth_threshold_pct"] = threshold
    below = rows["net_income_pc"] < LINE
    flags: dict[str, pd.Series] = {}
    if "guangxi" in rules:
        flags["gx_income_fell"] = frame["net_income_pc"] < frame["net_income_pc_prev"]
        # slow: growth ≥ 0 but below the threshold (a fall is the income-fell flag)
        flags["gx_slow_growth"] = (frame["growth_pct"] >= 0) & (frame["growth_pct"] < threshold)
        flags["gx_below_10000"] = below
        seeking = rows["labour_seeking_work"].fillna(0) if "labour_seeking_work" in rows else 0
        flags["gx_labour_no_work"] = pd.Series(seeking > 0, index=rows.index)
        worked = rows["migrant_workers"].fillna(0) >= 1 if "migrant_workers" in rows else False
        months = rows["migrant_work_months"] if "migrant_work_months" in rows else np.nan
        flags["gx_work_under_6_months"] = pd.Series(worked & (months < MIN_WORK_MONTHS), index=rows.index)
        flags["gx_weak_labour_key"] = weak_labour_key(rows)
    if "jiangxi" in rules:
        from evalkit.indicators.income import quintile_groups

        if (hh["year"] == year - 1).any():
            q = quintile_groups(hh, year)
            flags["jx_bottom_quintile"] = rows["household_id"].isin(q.index[q.eq(1)])
        else:
            flags["jx_bottom_quintile"] = pd.Series(False, index=rows.index)
        if not absent_for("jx_long_monitored", rows.columns):
            unresolved = rows["is_monitored"] & ~rows["risk_eliminated"].fillna(False).astype(bool)
            flags["jx_long_monitored"] = unresolved & ((year - rows["monitoring_start_year"]) >= 2).fillna(False)
        else:
            flags["jx_long_monitored"] = pd.Series(False, index=rows.index)
    if "mile" in rules:
        n = frame["labourers"]
        flags["ml_below_10000_labour_2plus"] = below & (n >= 2)
        flags["ml_below_10000_labour_1"] = below & (n == 1)
        flags["ml_below_10000_labour_0"] = below & (n == 0)
    unevaluable = _not_evaluable(
        list(flags),
        rows,
        region,
        year,
        has_prev=bool(len(prev)),
        threshold=threshold,
        fixed=slow_growth_pct is not None,
    )
    flags = {k: v for k, v in flags.items() if k not in unevaluable}
    table = pd.DataFrame({k: v.fillna(False).astype(bool) for k, v in flags.items()}, index=rows.index)
    any_flag = table.any(axis=1)
    frame = pd.concat([frame, table], axis=1).loc[any_flag]
    table = table.loc[any_flag]
    meta = watchlist_rules().set_index("flag")
    frame["flags"], frame["flag_labels"] = (
        _joined(table, list(table.columns)),
        _joined(table, list(meta.loc[table.columns, "label_zh"])),
    )
    strategy_flags = [f for f in table.columns if meta.loc[f, "strategy_zh"]]
    frame["strategy"] = ""
    for f in strategy_flags:
        frame.loc[table[f], "strategy"] = meta.loc[f, "strategy_zh"]
    changes = frame[[f"change_{c}_pc" for c in COMPONENT_CHANGES]]
    worst = changes.min(axis=1)
    fell = worst < 0
    names = {f"change_{c}_pc": label(c) for c in COMPONENT_CHANGES}
    frame["largest_fall"] = changes.fillna(np.inf).idxmin(axis=1).map(names).where(fell, "") if len(frame) else ""
    frame["largest_fall_pc"] = worst.where(fell)
    received = measures_received(panel.measures, year, frame["household_id"])
    frame["measures"] = frame["household_id"].map(received).astype(object).fillna("")
    frame["rule_source"] = source
    frame.insert(1, "year", year)
    out = frame.sort_values(["county", "household_id"] if "county" in frame else ["household_id"]).reset_index(
        drop=True
    )
    out.attrs["not_evaluable"] = unevaluable
    return out


#: Flags that compare with last year, and the column analyses (``data/column_uses.csv``) of the others.
PRIOR_YEAR_FLAGS = ("gx_income_fell", "gx_slow_growth", "jx_bottom_quintile")
FLAG_ANALYSES = {
    "gx_labour_no_work": "gx_labour_no_work",
    "gx_work_under_6_months": "gx_work_under_6_months",
    "gx_weak_labour_key": "gx_weak_labour_key",
    "jx_long_monitored": "jx_long_monitored",
    "ml_below_10000_labour_2plus": "ml_labour",
    "ml_below_10000_labour_1": "ml_labour",
    "ml_below_10000_labour_0": "ml_labour",
}


def _not_evaluable(
    flags: list[str], rows: pd.DataFrame, region: Region, year: int, has_prev: bool, threshold: pd.Series, fixed: bool
) -> dict[str, dict[str, str]]:
    """Flags the data cannot evaluate, with the reason in both languages: no previous year for
    the flags comparing with last year, no local rural income series for 收入增速缓慢, an absent
    optional column for the others. Such a flag is not a count of 0: it is left out of the list
    and reported as not evaluable (issue 12, item 6)."""
    out = {}
    for flag in flags:
        if flag in PRIOR_YEAR_FLAGS and not has_prev:
            out[flag] = {lang: wording("no_prior_year", lang).format(year=year - 1) for lang in ("zh", "en")}
        elif flag == "gx_slow_growth" and not fixed and threshold.isna().all():
            out[flag] = {
                lang: wording("no_rural_series", lang).format(
                    region=region.name_zh if lang == "zh" else region.name_en, year=year
                )
                for lang in ("zh", "en")
            }
        elif flag in FLAG_ANALYSES and (missing := absent_for(FLAG_ANALYSES[flag], rows.columns)):
            out[flag] = {lang: not_computed(FLAG_ANALYSES[flag], missing, lang) for lang in ("zh", "en")}
    return out


def watchlist_counts(watch: pd.DataFrame, by: str = "county", lang: str = "zh") -> pd.DataFrame:
    """Flagged households per flag by ``by`` (county) and in total, for publication.

    Long table: ``by``, flag, label, n_households (the true count: this is the analysis table,
    not a publication), suppressed (``True`` for a primary small cell: more than zero and fewer
    than :data:`MIN_HOUSEHOLDS`), evaluable, reason. The total row has ``by`` = 合计 / total. A flag
    the data cannot evaluate (``watch.attrs["not_evaluable"]``, see :func:`watchlist`) has
    n_households ``nan``, suppressed ``False``, evaluable ``False`` and the reason in ``lang``
    (shown as 无数据 / n/a, never as a count). Whatever is published goes through
    :func:`evalkit.reporting.present.watch_grid`, which adds the complementary suppression the
    LP audit requires (a published table must never be built from this one directly).
    """
    flag_cols = [c for c in watch.columns if c in set(watchlist_rules()["flag"])]
    meta = watchlist_rules().set_index("flag")
    total_name = "合计" if lang == "zh" else "total"
    per = watch.groupby(by, sort=True)[flag_cols].sum() if len(watch) else pd.DataFrame(columns=flag_cols)
    per.loc[total_name] = watch[flag_cols].sum()
    per["any_flag"] = list(watch.groupby(by).size().reindex(per.index[:-1], fill_value=0)) + [len(watch)]
    long = per.reset_index(names=by).melt(id_vars=by, var_name="flag", value_name="n_households")
    long["label"] = long["flag"].map(
        lambda f: (
            "任一预警"
            if f == "any_flag" and lang == "zh"
            else "any flag"
            if f == "any_flag"
            else meta.loc[f, "label_zh" if lang == "zh" else "label_en"]
        )
    )
    n = long["n_households"].astype(float)
    long["suppressed"] = (n > 0) & (n < MIN_HOUSEHOLDS)
    long["n_households"] = n
    long["evaluable"] = True
    long["reason"] = ""
    unevaluable = watch.attrs.get("not_evaluable", {})
    if unevaluable:
        units = list(per.index)
        extra = pd.DataFrame(
            [
                {
                    by: unit,
                    "flag": flag,
                    "label": meta.loc[flag, "label_zh" if lang == "zh" else "label_en"],
                    "n_households": np.nan,
                    "suppressed": False,
                    "evaluable": False,
                    "reason": reasons[lang],
                }
                for flag, reasons in unevaluable.items()
                for unit in units
            ]
        )
        long = pd.concat([long[long["flag"] != "any_flag"], extra, long[long["flag"] == "any_flag"]], ignore_index=True)
        order = {unit: i for i, unit in enumerate(units)}
        long = long.sort_values(by, key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    return long[[by, "flag", "label", "n_households", "suppressed", "evaluable", "reason"]]


#: First rows and sheet name of the caseworkers' list: a household list is not a publication.
CONFIDENTIAL_SHEET = "内部资料 注意保密"
CONFIDENTIAL_BANNER = [
    "内部资料，注意保密：监测预警户名单（户级，仅供帮扶工作人员使用，不得公开或转发）",
    "CONFIDENTIAL: household-level watch-list for caseworkers only; not for publication or forwarding",
]


def export_watchlist(watch: pd.DataFrame, path: str | Path) -> Path:
    """Write the caseworker list (pseudonymised ids, :data:`EXPORT_COLUMNS` and the flag columns)
    to ``path`` (.csv in UTF-8 with BOM for Excel, or .xlsx). The list is household-level by
    design, so it is labelled confidential in its first rows (:data:`CONFIDENTIAL_BANNER`; the
    header follows) and, in XLSX, in its sheet name; text cells that begin like a formula
    (``=``, ``+``, ``-``, ``@``, TAB, CR) are written as text, atomically
    (:mod:`evalkit.io.spreadsheet`)."""
    from evalkit.io.spreadsheet import write_csv, write_xlsx

    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise EvalkitError(f"{path}: 只支持 .csv 或 .xlsx / only .csv or .xlsx are supported")
    flag_cols = [c for c in watch.columns if c in set(watchlist_rules()["flag"])]
    table = watch[[c for c in ["year", *EXPORT_COLUMNS, *flag_cols] if c in watch.columns]]
    if path.suffix.lower() == ".xlsx":
        write_xlsx(table, path, CONFIDENTIAL_SHEET, CONFIDENTIAL_BANNER)
    elif path.suffix.lower() == ".csv":
        write_csv(table, path, CONFIDENTIAL_BANNER)
    else:
        raise EvalkitError(f"{path}: 只支持 .csv 或 .xlsx / only .csv or .xlsx are supported")
    return path
