"""The yearly scorecard: every policy target that applies to a region, with its status.

``scorecard(panel, region, year)`` returns one row per target (per county for "every county"
targets): value, threshold, margin, previous-year value and status

* 达标 / met — the value satisfies the comparison;
* 未达标 / not met — it does not;
* 未到考核年份 / not yet due (``not_due``) — an end-of-plan target before its year: the value
  now, the distance to the target, the yearly pace needed and last year's pace, and whether it
  is on track (进行中: 按进度 / 落后于进度 / 进度不明);
* 缺少数据 / no data (``not_measurable``) — with the reason: ``missing_series`` (no panel rows
  for the year, a column the population or indicator needs, a comparison series, a programme
  value), ``too_few_households`` (fewer than 10 households in the population:
  :data:`MIN_HOUSEHOLDS`).

Only the plans in force in the year are listed. Each assessed row also carries last year's
status and the change (转为达标, 转为未达标, 保持达标, 仍未达标) when last year was a target year.

A target is never "met" unless both its value and its threshold were measured.

Which targets apply (``data/targets/README.md``): those of documents whose region contains
``region``. ``whole_region`` targets apply to the document's region itself, and to a region
inside it only when the target says ``subregions: true`` (rates and shares, not region totals);
``each_county`` targets are evaluated for every county-level unit of ``region``.

Indicators come from :mod:`evalkit.income` (levels, growth, gap to rural, thresholds,
quintiles) on the target's population; household shares with a worker or a developmental
measure are counted here from the panel and its measures. Growth compares the same households
in both years. Programme indicators (衔接资金 shares, posts, ...) come from a programme-indicator
table (region, year, indicator, value, source), see :func:`load_programme`; the synthetic demo
panel uses ``data/demo_programme_indicators.csv`` (SYNTHETIC), a real panel has none unless given.

margin = value − threshold for "at least / above / rises" comparisons and threshold − value for
"at most / below / falls" ones: positive means on the target's side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.core.config import LINE_10000, MIN_HOUSEHOLDS
from evalkit.core.errors import EvalkitError
from evalkit.core.registry import Region, get_region, region_mask, regions
from evalkit.core.resources import data_path
from evalkit.core.schema import measures_catalogue
from evalkit.evaluation.targets import (
    COMPARISONS,
    LOWER_IS_BETTER,
    PREVIOUS_YEAR_COMPARISONS,
    REFERENCE_COMPARISONS,
    REPORT_COMPARISONS,
    Target,
    indicator_catalogue,
    load_targets,
    population_mask,
    population_year,
)

DEMO_PROGRAMME_FILE = "demo_programme_indicators.csv"
PROGRAMME_COLUMNS = ("region", "year", "indicator", "value", "source")
DEVELOPMENTAL_KINDS = ("employment", "industry")
#: 社会救助 / 兜底: 低保 (with its taper) and 特困 (measures.csv codes)
SOCIAL_ASSISTANCE = ("dibao", "dibao_taper", "tekun")
#: 江西 第七条 务工增收奖励: ≥ 3 months of work, ≤ 50 yuan per person-month, ≤ 600 yuan a year
WORK_INCENTIVE = {"min_months": 3, "per_month": 50, "per_year": 600}
STATUS_LABELS = {
    "met": ("达标", "met"),
    "not_met": ("未达标", "not met"),
    "not_due": ("未到考核年份", "not yet due"),
    "not_measurable": ("缺少数据", "no data"),
    "reported": ("仅列示", "reported only"),
    "check_flagged": ("需核查", "to check"),
    "check_clear": ("未发现", "none found"),
}
#: Status of a target before its assessment year (``not_due``): progress towards it.
PROGRESS_LABELS = {
    "on_track": ("进行中: 按进度", "in progress: on track"),
    "off_track": ("进行中: 落后于进度", "in progress: off track"),
    "unknown": ("进行中: 进度不明", "in progress: progress unknown"),
}
#: Change of status on the previous year.
CHANGE_LABELS = {
    "now_met": ("转为达标", "now met"),
    "no_longer_met": ("转为未达标", "no longer met"),
    "still_met": ("保持达标", "still met"),
    "still_not_met": ("仍未达标", "still not met"),
}
REASON_LABELS = {
    "missing_series": ("缺少数据", "missing series"),
    "too_few_households": (f"不足{MIN_HOUSEHOLDS}户", f"not enough households (< {MIN_HOUSEHOLDS})"),
}
INCOME_LEVELS = (
    "net_income_pc",
    "wage_pc",
    "net_operating_pc",
    "operating_expenses_pc",
    "property_pc",
    "transfer_pc",
    "share_net_operating",
)
COLUMNS = [
    "target_id",
    "document",
    "region",
    "county",
    "description",
    "indicator",
    "source",
    "comparison",
    "value",
    "threshold",
    "margin",
    "previous_value",
    "unit",
    "status",
    "status_code",
    "reason_code",
    "reason",
    "n_households",
    "clause",
    "note",
    "plan_title",
    "plan_first_year",
    "plan_last_year",
    "due_year",
    "previous_status_code",
    "previous_status",
    "change_code",
    "change",
    "progress_code",
    "pace_needed",
    "pace_last_year",
]


@dataclass
class _Measured:
    """A measured value, or why there is none (reason code + bilingual detail)."""

    value: float = np.nan
    n_households: int | None = None
    reason: str = ""
    detail: tuple[str, str] = ("", "")

    @property
    def ok(self) -> bool:
        return not self.reason and np.isfinite(self.value)


def _missing(zh: str, en: str, n: int | None = None) -> _Measured:
    return _Measured(reason="missing_series", detail=(zh, en), n_households=n)


@dataclass
class _Context:
    households: pd.DataFrame
    measures: pd.DataFrame
    synthetic: bool
    programme: pd.DataFrame | None
    _units: dict = field(default_factory=dict)
    _programme: dict = field(default_factory=dict)

    def __post_init__(self):
        # integer household codes: membership tests on them are fast (string isin is not)
        codes, uniques = pd.factorize(self.households["household_id"])
        self.households = self.households.assign(_hid=codes)
        self.measures = self.measures.assign(_hid=pd.Index(uniques).get_indexer(self.measures["household_id"]))
        if self.programme is not None:
            t = self.programme
            self._programme = dict(
                zip(zip(t["indicator"], t["year"].astype(int), t["region"], strict=False), t["value"], strict=False)
            )

    def unit_households(self, unit: Region) -> pd.DataFrame:
        if unit.code not in self._units:
            self._units[unit.code] = self.households.loc[region_mask(self.households, unit)]
        return self._units[unit.code]


# --- programme-indicator table ----------------------------------------------------------------


def load_programme(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read and validate a programme-indicator table (CSV, XLSX or a DataFrame).

    Columns region (Chinese name or registry code), year, indicator (a ``programme`` indicator of
    ``data/indicator_catalogue.csv``), value (number), source. Every problem is reported with the
    file, the row as seen in the file (header = row 1) and the column.
    """
    if isinstance(source, pd.DataFrame):
        table, name = source.copy(), "programme table"
    else:
        path = Path(source)
        name = path.name
        table = (
            pd.read_excel(path, dtype=str)
            if path.suffix.lower() in (".xlsx", ".xls")
            else pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        )
    missing = [c for c in PROGRAMME_COLUMNS if c not in table.columns]
    if missing:
        raise EvalkitError(f"{name}: 缺少列 {missing} / missing columns {missing}")
    table = table.reset_index(drop=True)
    rows = table.index + 2
    known = set(indicator_catalogue().query("source == 'programme'")["name"])
    problems = []
    value = pd.to_numeric(table["value"], errors="coerce")
    year = pd.to_numeric(table["year"], errors="coerce")
    for col, bad, zh, en in (
        (
            "indicator",
            ~table["indicator"].isin(known),
            "不是项目指标",
            "not a programme indicator of indicator_catalogue.csv",
        ),
        ("value", value.isna(), "不是数值", "not a number"),
        ("year", year.isna() | (year % 1 != 0), "不是年份", "not a year"),
    ):
        for r, v in zip(rows[bad.to_numpy()], table.loc[bad, col], strict=False):
            problems.append(f"{name} 第{r}行 列 {col} 值 '{v}' {zh} / row {r} column {col} value '{v}': {en}")
    reg = regions()
    names = set(reg["name_zh"]) | set(reg["code"])
    bad = ~table["region"].isin(names)
    for r, v in zip(rows[bad.to_numpy()], table.loc[bad, "region"], strict=False):
        problems.append(
            f"{name} 第{r}行 列 region 值 '{v}' 不是已知地区 / row {r} column region value '{v}': unknown region"
        )
    if problems:
        raise EvalkitError("\n".join(problems))
    table = table.assign(year=year.astype(int), value=value.astype(float))
    dup = table.duplicated(["region", "year", "indicator"], keep=False)
    if dup.any():
        first = table[dup].iloc[0]
        raise EvalkitError(
            f"{name}: 第{', '.join(map(str, rows[dup.to_numpy()]))}行 重复 ({first['region']}, {first['year']}, "
            f"{first['indicator']}) / rows {', '.join(map(str, rows[dup.to_numpy()]))}: duplicate region-year-indicator"
        )
    return table


def demo_programme() -> pd.DataFrame:
    """The SYNTHETIC programme-indicator table shipped for the demo panel (never for real data)."""
    return load_programme(data_path(DEMO_PROGRAMME_FILE))


def _programme_value(ctx: _Context, indicator: str, unit: Region, year: int) -> _Measured:
    if ctx.programme is None:
        return _missing("未提供项目指标表", "no programme-indicator table supplied")
    for key in (unit.code, unit.name_zh):
        if (indicator, year, key) in ctx._programme:
            return _Measured(value=float(ctx._programme[(indicator, year, key)]))
    return _missing(
        f"项目指标表中没有 {unit.name_zh} {year} 年的 {indicator}",
        f"no programme value of {indicator} for {unit.name_en} in {year}",
    )


# --- panel indicators ---------------------------------------------------------------------------


def _share_with_worker(rows: pd.DataFrame, ctx: _Context, year: int) -> _Measured:
    if "migrant_workers" not in rows.columns:
        return _missing("面板缺少务工人数列 migrant_workers", "panel lacks column migrant_workers")
    return _Measured(value=float((rows["migrant_workers"].fillna(0) >= 1).mean()))


def _share_with_developmental(rows: pd.DataFrame, ctx: _Context, year: int) -> _Measured:
    m = ctx.measures
    if len(m) == 0 or not (m["year"] == year).any():
        return _missing(f"没有 {year} 年帮扶措施数据", f"no measures data for {year}")
    catalogue = measures_catalogue()
    codes = catalogue.loc[catalogue["kind"].isin(DEVELOPMENTAL_KINDS), "code"]
    ids = m.loc[(m["year"] == year) & m["measure"].isin(codes), "_hid"]
    return _Measured(value=float(rows["_hid"].isin(ids).mean()))


def _codes_of_kinds(kinds) -> pd.Series:
    catalogue = measures_catalogue()
    return catalogue.loc[catalogue["kind"].isin(kinds), "code"]


def _year_measures(ctx: _Context, year: int) -> pd.DataFrame | None:
    m = ctx.measures
    if len(m) == 0 or not (m["year"] == year).any():
        return None
    return m[m["year"] == year]


def _share_labourers_with_developmental(rows: pd.DataFrame, ctx: _Context, year: int) -> _Measured:
    """信阳: "有劳动能力的脱贫人口" counts labourers: labourers (full + weak) of households with a
    developmental measure / labourers of the population (measures are recorded by household)."""
    m = _year_measures(ctx, year)
    if m is None:
        return _missing(f"没有 {year} 年帮扶措施数据", f"no measures data for {year}")
    labourers = rows["labour_full"].fillna(0) + rows["labour_weak"].fillna(0)
    ids = m.loc[m["measure"].isin(_codes_of_kinds(DEVELOPMENTAL_KINDS)), "_hid"]
    total = float(labourers.sum())
    if total == 0:
        return _missing("人群中没有劳动力", "no labourers in the population")
    return _Measured(value=float(labourers[rows["_hid"].isin(ids)].sum()) / total)


def _share_with_social_assistance(rows: pd.DataFrame, ctx: _Context, year: int) -> _Measured:
    """低保 (incl. 渐退) or 特困 this year: as a measure, or as transfer income in the detail columns."""
    m = _year_measures(ctx, year)
    has = pd.Series(False, index=rows.index)
    for column in ("transfer_dibao", "transfer_tekun"):
        if column in rows.columns:
            has |= rows[column].fillna(0) > 0
    if m is None and not any(c in rows.columns for c in ("transfer_dibao", "transfer_tekun")):
        return _missing(f"没有 {year} 年低保/特困数据", f"no 低保/特困 data for {year}")
    if m is not None:
        has |= rows["_hid"].isin(m.loc[m["measure"].isin(SOCIAL_ASSISTANCE), "_hid"])
    return _Measured(value=float(has.mean()))


def _share_willing_employed(rows: pd.DataFrame, ctx: _Context, year: int) -> _Measured:
    """Persons in work / (persons in work + labourers wanting work without a job)."""
    if not {"migrant_workers", "labour_seeking_work"} <= set(rows.columns):
        return _missing(
            "面板缺少 migrant_workers 或 labour_seeking_work", "panel lacks migrant_workers or labour_seeking_work"
        )
    working = float(rows["migrant_workers"].fillna(0).sum())
    seeking = float(rows["labour_seeking_work"].fillna(0).sum())
    if working + seeking == 0:
        return _missing("人群中没有就业或求职劳动力", "no labourers in work or wanting work")
    return _Measured(value=working / (working + seeking))


def _share_industry_support(rows: pd.DataFrame, ctx: _Context, year: int) -> _Measured:
    """广西 第4条: households with labour and no employment measure this year that receive an
    industry measure / such households."""
    m = _year_measures(ctx, year)
    if m is None:
        return _missing(f"没有 {year} 年帮扶措施数据", f"no measures data for {year}")
    employed = rows["_hid"].isin(m.loc[m["measure"].isin(_codes_of_kinds(["employment"])), "_hid"])
    eligible = rows[~employed]
    if len(eligible) < MIN_HOUSEHOLDS:
        return _Measured(
            reason="too_few_households", n_households=len(eligible), detail=REASON_LABELS["too_few_households"]
        )
    industry = eligible["_hid"].isin(m.loc[m["measure"].isin(_codes_of_kinds(["industry"])), "_hid"])
    return _Measured(value=float(industry.mean()), n_households=len(eligible))


def _share_work_incentive_conforming(rows: pd.DataFrame, ctx: _Context, year: int) -> _Measured:
    """江西 第七条: of the households of ``rows`` paid 务工增收奖励 this year, the share paid as the
    clause says — the household is one of the two key groups (bottom fifth of last year's income
    among 脱贫人口 and 监测对象 of the panel, or 监测对象 unresolved two years or more after entering
    monitoring), its workers worked at least 3 months, the amount is at most 50 yuan × months ×
    workers and 600 yuan × workers, and it has no public-welfare post this year (posts are recorded
    by household, so a household with a post is counted as non-conforming)."""
    from evalkit.indicators.income import quintile_groups

    m = _year_measures(ctx, year)
    if m is None:
        return _missing(f"没有 {year} 年帮扶措施数据", f"no measures data for {year}")
    paid = m[m["measure"] == "work_incentive"].groupby("_hid")["amount"].sum()
    paid_rows = rows[rows["_hid"].isin(paid.index)]
    if len(paid_rows) == 0:
        return _missing(f"{year} 年没有务工增收奖励记录", f"no 务工增收奖励 paid in {year}")
    hh = ctx.households
    groups = hh[(hh["is_tuopin"] | hh["is_monitored"]) & hh["county"].isin(rows["county"].unique())]
    if not (groups["year"] == year - 1).any():
        return _missing(f"面板没有 {year - 1} 年数据, 无法确定五等份", f"no panel data for {year - 1}: no quintiles")
    quintile = quintile_groups(groups, year)
    bottom = paid_rows["household_id"].isin(quintile.index[quintile.eq(1)])
    unresolved = (
        paid_rows["is_monitored"].astype(bool)
        & ~paid_rows["risk_eliminated"].fillna(False).astype(bool)
        & ((year - paid_rows["monitoring_start_year"]) >= 2).fillna(False)
    )
    workers = paid_rows["migrant_workers"].fillna(0)
    months = paid_rows["migrant_work_months"].fillna(0)
    amount = paid_rows["_hid"].map(paid)
    post = paid_rows["_hid"].isin(m.loc[m["measure"] == "public_welfare_post", "_hid"])
    ok = (
        (bottom | unresolved)
        & (workers >= 1)
        & (months >= WORK_INCENTIVE["min_months"])
        & (amount <= WORK_INCENTIVE["per_month"] * months * workers + 1e-6)
        & (amount <= WORK_INCENTIVE["per_year"] * workers + 1e-6)
        & ~post
    )
    return _Measured(value=float(ok.mean()), n_households=len(paid_rows))


def _support_matched(rows: pd.DataFrame, ctx: _Context, year: int, rule: str) -> _Measured:
    from evalkit.evaluation.coverage import share_matched

    if _year_measures(ctx, year) is None:
        return _missing(f"没有 {year} 年帮扶措施数据", f"no measures data for {year}")
    m = ctx.measures[ctx.measures["year"] == year]
    value, n = share_matched(rows, m, year, rule)
    if n < MIN_HOUSEHOLDS:
        return _Measured(reason="too_few_households", n_households=n, detail=REASON_LABELS["too_few_households"])
    return _Measured(value=value, n_households=n)


def _growth(unit_hh: pd.DataFrame, rows: pd.DataFrame, year: int) -> _Measured:
    from evalkit.indicators.income import growth_contributions

    prev = unit_hh[(unit_hh["year"] == year - 1) & unit_hh["_hid"].isin(rows["_hid"])]
    if len(prev) == 0:
        return _missing(
            f"面板没有 {year - 1} 年数据, 无法计算增速", f"no panel data for {year - 1}: growth cannot be computed"
        )
    both = pd.concat([prev, rows[rows["_hid"].isin(prev["_hid"])]])
    n = len(prev)
    if n < MIN_HOUSEHOLDS:
        return _Measured(reason="too_few_households", n_households=n, detail=REASON_LABELS["too_few_households"])
    g = growth_contributions(both)
    row = g[g["year"] == year].iloc[0]
    return _Measured(value=float(row["growth_pct"]), n_households=n)


def _threshold_indicator(rows: pd.DataFrame, indicator: str, synthetic: bool) -> _Measured:
    from evalkit.indicators.income import below_threshold

    line = "monitoring_line" if "monitoring_line" in indicator else LINE_10000
    b = below_threshold(rows, line, include_synthetic=synthetic).iloc[0]
    if b["status"] != "ok":
        return _missing(
            f"缺少{rows['province'].iloc[0]}监测线", f"missing monitoring line for {rows['province'].iloc[0]}"
        )
    value = b["n_persons_below"] if indicator.startswith("n_persons") else 1 - b["share_persons_below"]
    return _Measured(value=float(value))


def _since_base(unit_hh: pd.DataFrame, ids: pd.Series, population: dict, year: int) -> _Measured:
    from evalkit.evaluation.cohorts import TrackedCohort, cohort_progress, tracked_cohorts

    base = population.get("below_line_in_base_year") or {"year": None, "line": LINE_10000}
    if base["year"] is None:
        return _missing("人群未定义基年", "the population has no base year (below_line_in_base_year)")
    if year <= int(base["year"]):
        return _missing(f"{year} 年不晚于基年 {base['year']}", f"{year} is not after the base year {base['year']}")
    # the tracked cohort with this base year and line defines "above" (超过: >) and the unit; one computation
    known = [c for c in tracked_cohorts() if c.base_year == int(base["year"]) and c.line == float(base["line"])]
    cohort = (
        known[0]
        if known
        else TrackedCohort("", "", "", int(base["year"]), float(base["line"]), (), "persons", ">=", "", "", "")
    )
    s = cohort_progress(unit_hh[unit_hh["_hid"].isin(ids)], cohort, [year], restrict_groups=False).iloc[0]
    n = int(s["n_observed"])
    if n < MIN_HOUSEHOLDS:
        return _Measured(reason="too_few_households", n_households=n, detail=REASON_LABELS["too_few_households"])
    return _Measured(value=float(s["share"]), n_households=n)


def _ratio_to_rural(rows: pd.DataFrame, place: str, synthetic: bool) -> _Measured:
    from evalkit.indicators.income import gap_to_rural, income_indicators

    ind = income_indicators(rows.assign(_place=place), by=["_place"])
    gap = gap_to_rural(ind, "_place", include_synthetic=synthetic).iloc[0]
    if not np.isfinite(gap["ratio_rural_to_tuopin"]):
        return _missing(
            f"缺少{place}农村居民人均可支配收入", f"missing comparison series: rural disposable income of {place}"
        )
    return _Measured(value=float(gap["ratio_rural_to_tuopin"]))


ROW_INDICATORS = {
    "share_labourers_with_developmental_measure": _share_labourers_with_developmental,
    "share_households_with_social_assistance": _share_with_social_assistance,
    "share_willing_labourers_employed": _share_willing_employed,
    "share_households_with_industry_support": _share_industry_support,
    "share_work_incentive_conforming": _share_work_incentive_conforming,
}


def _panel_value(
    ctx: _Context,
    unit: Region,
    indicator: str,
    population: dict,
    year: int,
    reference_place: str | None = None,
    rule: str = "",
) -> _Measured:
    """Indicator ``indicator`` of ``population`` in ``unit`` and ``year`` (see module docstring)."""
    from evalkit.indicators.income import income_indicators

    unit_hh = ctx.unit_households(unit)
    years = set(unit_hh["year"].unique())
    ref_year = population_year(population, year)
    for y in sorted({year, ref_year}):
        if y not in years:
            return _missing(f"面板没有{unit.name_zh} {y} 年数据", f"no panel data for {unit.name_en} in {y}")
    try:
        members = population_mask(unit_hh, population, year)
    except EvalkitError as exc:
        return _missing(str(exc), str(exc))
    ids = unit_hh.loc[members, "_hid"]
    if indicator == "share_persons_above_10000_since_base":
        return _since_base(unit_hh, ids, population, year)
    rows = unit_hh[members] if ref_year == year else unit_hh[(unit_hh["year"] == year) & unit_hh["_hid"].isin(ids)]
    n = len(rows)
    if n < MIN_HOUSEHOLDS:
        return _Measured(reason="too_few_households", n_households=n, detail=REASON_LABELS["too_few_households"])
    if indicator == "net_income_pc_growth":
        measured = _growth(unit_hh, rows, year)
    elif indicator in INCOME_LEVELS:
        measured = _Measured(value=float(income_indicators(rows)[indicator].iloc[0]))
    elif indicator == "ratio_rural_to_tuopin":
        measured = _ratio_to_rural(rows, reference_place or unit.name_zh, ctx.synthetic)
    elif indicator in (
        "n_persons_below_monitoring_line",
        "share_persons_at_or_above_monitoring_line",
        "n_persons_below_10000",
        "share_persons_at_or_above_10000",
    ):
        measured = _threshold_indicator(rows, indicator, ctx.synthetic)
    elif indicator == "share_households_with_worker":
        measured = _share_with_worker(rows, ctx, year)
    elif indicator == "share_households_with_developmental_measure":
        measured = _share_with_developmental(rows, ctx, year)
    elif indicator == "n_households_below_10000":
        measured = _Measured(value=float((rows["net_income_pc"] < 10_000).sum()))
    elif indicator in ROW_INDICATORS:
        measured = ROW_INDICATORS[indicator](rows, ctx, year)
    elif indicator == "share_households_support_matched":
        measured = _support_matched(rows, ctx, year, rule)
    else:  # the catalogue lists a panel indicator this module does not compute: a defect, say so
        raise EvalkitError(f"面板指标 {indicator} 尚未实现 / panel indicator {indicator} is not implemented")
    if measured.n_households is None:
        measured.n_households = n
    return measured


# --- reference series ---------------------------------------------------------------------------


def _rural_income(place: str, year: int, synthetic: bool) -> float:
    from evalkit.core.comparison import rural_income

    return rural_income(place, year, include_synthetic=synthetic)


def _reference_value(ctx: _Context, target: Target, unit: Region, year: int) -> _Measured:
    ref = target.reference
    if ref is None:
        raise EvalkitError(f"目标 {target.id} 没有参照值 / target {target.id} has no reference")
    if ref["series"] == "panel":
        return _panel_value(ctx, unit, ref["indicator"], ref["population"], year)
    place = unit.name_zh if ref["region"] == "local" else ref["region"]
    now = _rural_income(place, year, ctx.synthetic)
    if ref["transform"] == "level":
        value = now
    else:
        value = 100 * (now / _rural_income(place, year - 1, ctx.synthetic) - 1)
    if not np.isfinite(value):
        return _missing(
            f"缺少{place} {year - 1}–{year} 年农村居民人均可支配收入",
            f"missing comparison series: rural disposable income of {place} for {year - 1}–{year}",
        )
    return _Measured(value=float(value))


# --- evaluation ---------------------------------------------------------------------------------


def _value(ctx: _Context, target: Target, unit: Region, year: int) -> _Measured:
    if target.source == "programme":
        return _programme_value(ctx, target.indicator, unit, year)
    place = None
    if (
        target.reference
        and target.reference.get("series") == "rural_disposable_income"
        and target.reference["region"] != "local"
    ):
        place = target.reference["region"]
    return _panel_value(
        ctx, unit, target.indicator, target.population, year, reference_place=place, rule=target.matching_rule
    )


def _compare(comparison: str, value: float, threshold: float, tolerance: float = 0.0) -> bool:
    """Whether ``value`` meets ``threshold``; ``tolerance`` ("左右") widens threshold comparisons."""
    return {
        ">=": value >= threshold - tolerance,
        ">": value > threshold - tolerance,
        "<=": value <= threshold + tolerance,
        "<": value < threshold + tolerance,
        "increases": value > threshold,
        "decreases": value < threshold,
        "exceeds_reference": value > threshold,
        "at_least_reference": value >= threshold,
    }[comparison]


def _row(
    target: Target,
    region: Region,
    county: str,
    year: int,
    lang: str,
    value: _Measured | None,
    threshold: _Measured | None,
    previous: _Measured | None,
    reason: tuple[str, str, str] | None,
) -> dict:
    i = 0 if lang == "zh" else 1
    v = value.value if value is not None else np.nan
    th = threshold.value if threshold is not None and target.comparison not in REPORT_COMPARISONS else np.nan
    if reason is None and target.comparison in REPORT_COMPARISONS:
        code, margin = "reported", np.nan
    elif reason is None:
        met = _compare(target.comparison, v, th, target.tolerance)
        code = "met" if met else "not_met"
        # against the tolerated bound ("左右"): threshold + tolerance for at-most targets, − for at-least
        margin = th + target.tolerance - v if target.comparison in LOWER_IS_BETTER else v - th + target.tolerance
    else:
        code, margin = "not_measurable", np.nan
    return {
        "target_id": target.id,
        "document": target.document,
        "region": region.name_zh if i == 0 else region.name_en,
        "county": county,
        "description": target.description(lang),
        "indicator": target.indicator,
        "source": target.source,
        "comparison": COMPARISONS[target.comparison][i],
        "value": v,
        "threshold": th,
        "margin": margin,
        "previous_value": previous.value if previous is not None else np.nan,
        "unit": target.unit,
        "status": STATUS_LABELS[code][i],
        "status_code": code,
        "reason_code": reason[0] if reason else "",
        "reason": reason[1 + i] if reason else "",
        "n_households": value.n_households if value is not None else None,
        "clause": target.clause,
        "note": target.note,
        "plan_title": target.document_title_zh if i == 0 else (target.document_title_en or target.document_title_zh),
        "plan_first_year": target.plan_years[0],
        "plan_last_year": target.plan_years[1],
        "due_year": year,
        "previous_status_code": "",
        "previous_status": "",
        "change_code": "",
        "change": "",
        "progress_code": "",
        "pace_needed": np.nan,
        "pace_last_year": np.nan,
    }


def _evaluate_target(
    ctx: _Context, target: Target, region: Region, unit: Region, year: int, lang: str, county: str
) -> dict:
    """One scorecard row (of ``region``'s scorecard) for ``target`` on ``unit`` in ``year``."""
    value = _value(ctx, target, unit, year)
    previous = _value(ctx, target, unit, year - 1)
    if target.comparison in PREVIOUS_YEAR_COMPARISONS:
        threshold = (
            previous
            if previous.ok
            else _missing(
                f"缺少上一年({year - 1})的值: {previous.detail[0]}",
                f"no value for the previous year ({year - 1}): {previous.detail[1]}",
            )
        )
        if previous.reason == "too_few_households":
            threshold = previous
    elif target.comparison in REFERENCE_COMPARISONS:
        threshold = _reference_value(ctx, target, unit, year)
    elif target.comparison in REPORT_COMPARISONS:
        threshold = _Measured(value=0.0)  # no threshold: the value is listed, never met or not met
    else:
        threshold = _Measured(value=target.threshold_for(year))
    reason = None
    for m in (value, threshold):
        if not m.ok:
            code = m.reason or "missing_series"
            labels = REASON_LABELS[code]
            reason = (code, _reason_text(labels[0], m.detail[0]), _reason_text(labels[1], m.detail[1]))
            break
    row = _row(target, region, county, year, lang, value, threshold, previous, reason)
    if reason is None and year - 1 in target.years:
        before = _previous_status(ctx, target, unit, year - 1, previous)
        if before:
            i = 0 if lang == "zh" else 1
            change = {
                ("not_met", "met"): "now_met",
                ("met", "not_met"): "no_longer_met",
                ("met", "met"): "still_met",
                ("not_met", "not_met"): "still_not_met",
            }[(before, row["status_code"])]
            row |= {
                "previous_status_code": before,
                "previous_status": STATUS_LABELS[before][i],
                "change_code": change,
                "change": CHANGE_LABELS[change][i],
            }
    return row


def _reason_text(label: str, detail: str) -> str:
    """``label: detail``, or the label alone when the detail only repeats it."""
    return f"{label}: {detail}" if detail and detail != label else label


def _previous_status(ctx: _Context, target: Target, unit: Region, year: int, value: _Measured) -> str:
    """Status code (met / not_met) of ``target`` on ``unit`` in ``year`` given its ``value`` then,
    or ``""`` when it cannot be told (or the target is only reported)."""
    if not value.ok or target.comparison in REPORT_COMPARISONS:
        return ""
    if target.comparison in PREVIOUS_YEAR_COMPARISONS:
        threshold = _value(ctx, target, unit, year - 1)
    elif target.comparison in REFERENCE_COMPARISONS:
        threshold = _reference_value(ctx, target, unit, year)
    else:
        threshold = _Measured(value=target.threshold_for(year))
    if not threshold.ok:
        return ""
    return "met" if _compare(target.comparison, value.value, threshold.value, target.tolerance) else "not_met"


def _progress_row(
    ctx: _Context, target: Target, region: Region, unit: Region, year: int, due: int, lang: str, county: str
) -> dict:
    """A target before its assessment year ``due``: the value now against the target, the
    distance, the yearly pace needed to close it and last year's pace (status ``not_due``,
    progress on track / off track / unknown). Targets against the previous year or a reference
    series are on track when they hold now."""
    value = _value(ctx, target, unit, year)
    previous = _value(ctx, target, unit, year - 1)
    sign = -1.0 if target.comparison in LOWER_IS_BETTER else 1.0
    if target.comparison in PREVIOUS_YEAR_COMPARISONS:
        threshold = previous
    elif target.comparison in REFERENCE_COMPARISONS:
        threshold = _reference_value(ctx, target, unit, year)
    else:
        threshold = _Measured(value=target.threshold_for(due))
    row = _row(target, region, county, year, lang, value, threshold, previous, ("", "", ""))
    i = 0 if lang == "zh" else 1
    progress, pace_needed, pace_last = "unknown", np.nan, np.nan
    if value.ok and threshold.ok:
        margin = sign * (value.value - threshold.value) + target.tolerance
        row["margin"] = margin
        if target.comparison in PREVIOUS_YEAR_COMPARISONS or target.comparison in REFERENCE_COMPARISONS:
            met = _compare(target.comparison, value.value, threshold.value, target.tolerance)
            progress = "on_track" if met else "off_track"
        else:
            pace_needed = max(0.0, -margin) / (due - year)
            if previous.ok:
                pace_last = sign * (value.value - previous.value)
            if margin >= 0:
                progress = "on_track"
            elif np.isfinite(pace_last):
                progress = "on_track" if pace_last >= pace_needed else "off_track"
    reason = value if not value.ok else threshold if not threshold.ok else None
    detail = ("", "")
    if reason is not None:
        labels = REASON_LABELS[reason.reason or "missing_series"]
        detail = (_reason_text(labels[0], reason.detail[0]), _reason_text(labels[1], reason.detail[1]))
    return row | {
        "status_code": "not_due",
        "status": PROGRESS_LABELS[progress][i],
        "reason_code": reason.reason or "missing_series" if reason is not None else "",
        "reason": detail[i],
        "due_year": due,
        "progress_code": progress,
        "pace_needed": pace_needed,
        "pace_last_year": pace_last,
    }


@cache
def _region(code: str) -> Region:
    return get_region(code)


@cache
def _county_units(region: Region) -> tuple[Region, ...]:
    if region.level == "county":
        return (region,)
    table = regions()
    inside = table["level"].eq("county")
    for column, name in region.filter.items():
        inside &= table[column].eq(name)
    return tuple(_region(code) for code in table.loc[inside, "code"])


def applicable_units(target: Target, region: Region) -> list[Region]:
    """The units ``target`` is evaluated on for a scorecard of ``region`` (empty: does not apply)."""
    home = _region(target.region)
    if any(region.filter.get(k) != v for k, v in home.filter.items()) or not home.filter:
        return []
    if target.scope == "each_county":
        units = list(_county_units(region))
        return [u for u in units if u.name_zh in target.counties] if target.counties else units
    return [region] if (region.code == home.code or target.subregions) else []


@lru_cache(maxsize=1)
def _default_targets() -> tuple[Target, ...]:
    return tuple(load_targets())


def check_rows(panel, region: Region, year: int, lang: str = "zh") -> list[dict]:
    """The identification checks (:mod:`evalkit.evaluation.identification`) as scorecard rows: not
    targets (no threshold, never met or not met) - value = households flagged, n_households =
    households checked, status 需核查 (some flagged) / 未发现 (none), or 无法评估 with the reason."""
    from evalkit.evaluation.identification import CHECKS, LABELS, identification_flags

    i = 0 if lang == "zh" else 1
    try:
        flags = identification_flags(panel, region, year)
        error = None
    except EvalkitError as exc:
        flags, error = None, str(exc)
    rows = []
    for check in CHECKS:
        n = int(flags[check].sum()) if flags is not None else None
        code = "not_measurable" if flags is None else ("check_flagged" if n else "check_clear")
        rows.append(
            {
                "target_id": f"check-{check}",
                "document": "identification",
                "region": region.name_zh if i == 0 else region.name_en,
                "county": "",
                "description": LABELS[check][i],
                "indicator": check,
                "source": "panel",
                "comparison": ("核查", "check")[i],
                "value": float(n) if n is not None else np.nan,
                "threshold": np.nan,
                "margin": np.nan,
                "previous_value": np.nan,
                "unit": "households",
                "status": STATUS_LABELS[code][i],
                "status_code": code,
                "reason_code": "missing_series" if error else "",
                "reason": f"{REASON_LABELS['missing_series'][i]}: {error}" if error else "",
                "n_households": len(flags) if flags is not None else None,
                "clause": "",
                "note": ("核查项, 不是目标", "a check, not a target")[i],
                "plan_title": ("识别核查 (核查项, 不是目标)", "identification checks (checks, not targets)")[i],
                "plan_first_year": None,
                "plan_last_year": None,
                "due_year": year,
                "previous_status_code": "",
                "previous_status": "",
                "change_code": "",
                "change": "",
                "progress_code": "",
                "pace_needed": np.nan,
                "pace_last_year": np.nan,
            }
        )
    return rows


def scorecard(
    panel,
    region: str | Region,
    year: int,
    programme=None,
    lang: str = "zh",
    targets: list[Target] | None = None,
    checks: bool = True,
) -> pd.DataFrame:
    """Status of every target that applies to ``region`` in ``year`` (columns: :data:`COLUMNS`).

    ``programme``: a programme-indicator table (DataFrame or path, see :func:`load_programme`);
    default: the SYNTHETIC demo table when ``panel.synthetic``, else none (programme targets are
    then 缺少数据). ``lang``: zh | en for descriptions, statuses and reasons. ``targets``: default
    all of ``data/targets``. ``checks``: append the identification checks (:func:`check_rows`;
    status 需核查 / 未发现, never 达标).

    Only plans in force in ``year`` (the document's period contains it) are listed; the plan's
    last year is its final assessment (``plan_last_year == year``). A target due in a later
    year of the plan (an end-of-plan target) is listed with status ``not_due`` and its progress
    (:func:`_progress_row`); a target assessed only in earlier years of the plan is not listed.
    """
    if lang not in ("zh", "en"):
        raise EvalkitError(f"lang 必须是 zh 或 en / lang must be zh or en, got {lang!r}")
    region = _region(region) if isinstance(region, str) else region
    year = int(year)
    if programme is None:
        programme = demo_programme() if panel.synthetic else None
    elif (
        not isinstance(programme, pd.DataFrame)
        or not set(PROGRAMME_COLUMNS) <= set(programme.columns)
        or programme["year"].dtype.kind not in "iu"
    ):
        programme = load_programme(programme)
    ctx = _Context(households=panel.households, measures=panel.measures, synthetic=panel.synthetic, programme=programme)
    rows = []
    for target in _default_targets() if targets is None else targets:
        units = applicable_units(target, region)
        if not units or not target.in_force(year):
            continue
        later = [y for y in target.years if y > year] if target.comparison not in REPORT_COMPARISONS else []
        if year not in target.years and not later:
            continue  # assessed only in earlier years of the plan
        for unit in units:
            county = (unit.name_zh if lang == "zh" else unit.name_en) if target.scope == "each_county" else ""
            if year in target.years:
                rows.append(_evaluate_target(ctx, target, region, unit, year, lang, county))
            else:
                rows.append(_progress_row(ctx, target, region, unit, year, min(later), lang, county))
    if checks:
        rows += check_rows(panel, region, year, lang)
    return pd.DataFrame(rows, columns=COLUMNS)
