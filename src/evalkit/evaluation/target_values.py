"""The value of a policy target for a region and year: from the programme-indicator table, the
panel (levels, growth, shares with a worker or a measure, thresholds) or a reference series.

:func:`target_value` measures one target (a :class:`Measured`: a value, or why there is none);
:mod:`evalkit.evaluation.scorecard` compares it with the threshold. See the scorecard module for
the rules (populations, growth on the same households, programme indicators of the demo).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.core.config import LINE_10000, MIN_HOUSEHOLDS
from evalkit.core.errors import EvalkitError
from evalkit.core.registry import Region, region_mask, regions
from evalkit.core.resources import data_path, read_user_table
from evalkit.core.schema import measures_catalogue
from evalkit.evaluation.populations import population_mask, population_year
from evalkit.evaluation.targets import Target, indicator_catalogue

DEMO_PROGRAMME_FILE = "demo_programme_indicators.csv"
PROGRAMME_COLUMNS = ("region", "year", "indicator", "value", "source")
DEVELOPMENTAL_KINDS = ("employment", "industry")
#: 社会救助 / 兜底: 低保 (with its taper) and 特困 (measures.csv codes)
SOCIAL_ASSISTANCE = ("dibao", "dibao_taper", "tekun")
#: 江西 第七条 务工增收奖励: ≥ 3 months of work, ≤ 50 yuan per person-month, ≤ 600 yuan a year
WORK_INCENTIVE = {"min_months": 3, "per_month": 50, "per_year": 600}
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


@dataclass
class Measured:
    """A measured value, or why there is none (reason code + bilingual detail)."""

    value: float = np.nan
    n_households: int | None = None
    reason: str = ""
    detail: tuple[str, str] = ("", "")

    @property
    def ok(self) -> bool:
        return not self.reason and np.isfinite(self.value)


def missing(zh: str, en: str, n: int | None = None) -> Measured:
    return Measured(reason="missing_series", detail=(zh, en), n_households=n)


@dataclass
class ScoreContext:
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
    table, name = read_user_table(source, "programme table", sheet="programme")
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
            f"{first['indicator']}) / rows {', '.join(map(str, rows[dup.to_numpy()]))}: "
            "duplicate region-year-indicator",
            code="E-PROGRAMME-DUPLICATE",
        )
    return table


def demo_programme() -> pd.DataFrame:
    """The SYNTHETIC programme-indicator table shipped for the demo panel (never for real data)."""
    return load_programme(data_path(DEMO_PROGRAMME_FILE))


def _programme_value(ctx: ScoreContext, indicator: str, unit: Region, year: int) -> Measured:
    if ctx.programme is None:
        return missing("未提供项目指标表", "no programme-indicator table supplied")
    for key in (unit.code, unit.name_zh):
        if (indicator, year, key) in ctx._programme:
            return Measured(value=float(ctx._programme[(indicator, year, key)]))
    return missing(
        f"项目指标表中没有 {unit.name_zh} {year} 年的 {indicator}",
        f"no programme value of {indicator} for {unit.name_en} in {year}",
    )


# --- panel indicators ---------------------------------------------------------------------------


def _share_with_worker(rows: pd.DataFrame, ctx: ScoreContext, year: int) -> Measured:
    if "migrant_workers" not in rows.columns:
        return missing("面板缺少务工人数列 migrant_workers", "panel lacks column migrant_workers")
    return Measured(value=float((rows["migrant_workers"].fillna(0) >= 1).mean()))


def _share_with_developmental(rows: pd.DataFrame, ctx: ScoreContext, year: int) -> Measured:
    m = ctx.measures
    if len(m) == 0 or not (m["year"] == year).any():
        return missing(f"没有 {year} 年帮扶措施数据", f"no measures data for {year}")
    catalogue = measures_catalogue()
    codes = catalogue.loc[catalogue["kind"].isin(DEVELOPMENTAL_KINDS), "code"]
    ids = m.loc[(m["year"] == year) & m["measure"].isin(codes), "_hid"]
    return Measured(value=float(rows["_hid"].isin(ids).mean()))


def _codes_of_kinds(kinds) -> pd.Series:
    catalogue = measures_catalogue()
    return catalogue.loc[catalogue["kind"].isin(kinds), "code"]


def _year_measures(ctx: ScoreContext, year: int) -> pd.DataFrame | None:
    m = ctx.measures
    if len(m) == 0 or not (m["year"] == year).any():
        return None
    return m[m["year"] == year]


def _share_labourers_with_developmental(rows: pd.DataFrame, ctx: ScoreContext, year: int) -> Measured:
    """信阳: "有劳动能力的脱贫人口" counts labourers: labourers (full + weak) of households with a
    developmental measure / labourers of the population (measures are recorded by household)."""
    m = _year_measures(ctx, year)
    if m is None:
        return missing(f"没有 {year} 年帮扶措施数据", f"no measures data for {year}")
    labourers = rows["labour_full"].fillna(0) + rows["labour_weak"].fillna(0)
    ids = m.loc[m["measure"].isin(_codes_of_kinds(DEVELOPMENTAL_KINDS)), "_hid"]
    total = float(labourers.sum())
    if total == 0:
        return missing("人群中没有劳动力", "no labourers in the population")
    return Measured(value=float(labourers[rows["_hid"].isin(ids)].sum()) / total)


def _share_with_social_assistance(rows: pd.DataFrame, ctx: ScoreContext, year: int) -> Measured:
    """低保 (incl. 渐退) or 特困 this year: as a measure, or as transfer income in the detail columns."""
    m = _year_measures(ctx, year)
    has = pd.Series(False, index=rows.index)
    for column in ("transfer_dibao", "transfer_tekun"):
        if column in rows.columns:
            has |= rows[column].fillna(0) > 0
    if m is None and not any(c in rows.columns for c in ("transfer_dibao", "transfer_tekun")):
        return missing(f"没有 {year} 年低保/特困数据", f"no 低保/特困 data for {year}")
    if m is not None:
        has |= rows["_hid"].isin(m.loc[m["measure"].isin(SOCIAL_ASSISTANCE), "_hid"])
    return Measured(value=float(has.mean()))


def _share_willing_employed(rows: pd.DataFrame, ctx: ScoreContext, year: int) -> Measured:
    """Persons in work / (persons in work + labourers wanting work without a job)."""
    if not {"migrant_workers", "labour_seeking_work"} <= set(rows.columns):
        return missing(
            "面板缺少 migrant_workers 或 labour_seeking_work", "panel lacks migrant_workers or labour_seeking_work"
        )
    working = float(rows["migrant_workers"].fillna(0).sum())
    seeking = float(rows["labour_seeking_work"].fillna(0).sum())
    if working + seeking == 0:
        return missing("人群中没有就业或求职劳动力", "no labourers in work or wanting work")
    return Measured(value=working / (working + seeking))


def _share_industry_support(rows: pd.DataFrame, ctx: ScoreContext, year: int) -> Measured:
    """广西 第4条: households with labour and no employment measure this year that receive an
    industry measure / such households."""
    m = _year_measures(ctx, year)
    if m is None:
        return missing(f"没有 {year} 年帮扶措施数据", f"no measures data for {year}")
    employed = rows["_hid"].isin(m.loc[m["measure"].isin(_codes_of_kinds(["employment"])), "_hid"])
    eligible = rows[~employed]
    if len(eligible) < MIN_HOUSEHOLDS:
        return Measured(
            reason="too_few_households", n_households=len(eligible), detail=REASON_LABELS["too_few_households"]
        )
    industry = eligible["_hid"].isin(m.loc[m["measure"].isin(_codes_of_kinds(["industry"])), "_hid"])
    return Measured(value=float(industry.mean()), n_households=len(eligible))


def _share_work_incentive_conforming(rows: pd.DataFrame, ctx: ScoreContext, year: int) -> Measured:
    """江西 第七条: of the households of ``rows`` paid 务工增收奖励 this year, the share paid as the
    clause says — the household is one of the two key groups (bottom fifth of last year's income
    among 脱贫人口 and 监测对象 of the panel, or 监测对象 unresolved two years or more after entering
    monitoring), its workers worked at least 3 months, the amount is at most 50 yuan × months ×
    workers and 600 yuan × workers, and it has no public-welfare post this year (posts are recorded
    by household, so a household with a post is counted as non-conforming)."""
    from evalkit.indicators.income import quintile_groups

    m = _year_measures(ctx, year)
    if m is None:
        return missing(f"没有 {year} 年帮扶措施数据", f"no measures data for {year}")
    paid = m[m["measure"] == "work_incentive"].groupby("_hid")["amount"].sum()
    paid_rows = rows[rows["_hid"].isin(paid.index)]
    if len(paid_rows) == 0:
        return missing(f"{year} 年没有务工增收奖励记录", f"no 务工增收奖励 paid in {year}")
    hh = ctx.households
    groups = hh[(hh["is_tuopin"] | hh["is_monitored"]) & hh["county"].isin(rows["county"].unique())]
    if not (groups["year"] == year - 1).any():
        return missing(f"面板没有 {year - 1} 年数据, 无法确定五等份", f"no panel data for {year - 1}: no quintiles")
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
    return Measured(value=float(ok.mean()), n_households=len(paid_rows))


def _support_matched(rows: pd.DataFrame, ctx: ScoreContext, year: int, rule: str) -> Measured:
    from evalkit.evaluation.coverage import share_matched

    if _year_measures(ctx, year) is None:
        return missing(f"没有 {year} 年帮扶措施数据", f"no measures data for {year}")
    m = ctx.measures[ctx.measures["year"] == year]
    absent = [c for c in ("labour_full", "labour_weak") if c not in rows.columns]
    if absent:  # the matching rules group households by labour capacity (data/matching_rules.csv)
        names = ", ".join(absent)
        return missing(f"面板缺少劳动力人数列 {names}, 无法按劳动能力匹配帮扶", f"panel lacks column {names}")
    value, n = share_matched(rows, m, year, rule)
    if n < MIN_HOUSEHOLDS:
        return Measured(reason="too_few_households", n_households=n, detail=REASON_LABELS["too_few_households"])
    return Measured(value=value, n_households=n)


def _growth(unit_hh: pd.DataFrame, rows: pd.DataFrame, year: int) -> Measured:
    from evalkit.indicators.income import growth_contributions

    prev = unit_hh[(unit_hh["year"] == year - 1) & unit_hh["_hid"].isin(rows["_hid"])]
    if len(prev) == 0:
        return missing(
            f"面板没有 {year - 1} 年数据, 无法计算增速", f"no panel data for {year - 1}: growth cannot be computed"
        )
    both = pd.concat([prev, rows[rows["_hid"].isin(prev["_hid"])]])
    n = len(prev)
    if n < MIN_HOUSEHOLDS:
        return Measured(reason="too_few_households", n_households=n, detail=REASON_LABELS["too_few_households"])
    g = growth_contributions(both)
    row = g[g["year"] == year].iloc[0]
    return Measured(value=float(row["growth_pct"]), n_households=n)


def _threshold_indicator(rows: pd.DataFrame, indicator: str, synthetic: bool) -> Measured:
    from evalkit.indicators.income import below_threshold

    line = "monitoring_line" if "monitoring_line" in indicator else LINE_10000
    b = below_threshold(rows, line, include_synthetic=synthetic).iloc[0]
    if b["status"] != "ok":
        return missing(
            f"缺少{rows['province'].iloc[0]}监测线", f"missing monitoring line for {rows['province'].iloc[0]}"
        )
    value = b["n_persons_below"] if indicator.startswith("n_persons") else 1 - b["share_persons_below"]
    return Measured(value=float(value))


def _since_base(unit_hh: pd.DataFrame, ids: pd.Series, population: dict, year: int) -> Measured:
    from evalkit.evaluation.cohorts import TrackedCohort, cohort_progress, tracked_cohorts

    base = population.get("below_line_in_base_year") or {"year": None, "line": LINE_10000}
    if base["year"] is None:
        return missing("人群未定义基年", "the population has no base year (below_line_in_base_year)")
    if year <= int(base["year"]):
        return missing(f"{year} 年不晚于基年 {base['year']}", f"{year} is not after the base year {base['year']}")
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
        return Measured(reason="too_few_households", n_households=n, detail=REASON_LABELS["too_few_households"])
    return Measured(value=float(s["share"]), n_households=n)


def _ratio_to_rural(rows: pd.DataFrame, place: str, synthetic: bool) -> Measured:
    from evalkit.indicators.income import gap_to_rural, income_indicators

    ind = income_indicators(rows.assign(_place=place), by=["_place"])
    gap = gap_to_rural(ind, "_place", include_synthetic=synthetic).iloc[0]
    if not np.isfinite(gap["ratio_rural_to_tuopin"]):
        return missing(
            f"缺少{place}农村居民人均可支配收入", f"missing comparison series: rural disposable income of {place}"
        )
    return Measured(value=float(gap["ratio_rural_to_tuopin"]))


ROW_INDICATORS = {
    "share_labourers_with_developmental_measure": _share_labourers_with_developmental,
    "share_households_with_social_assistance": _share_with_social_assistance,
    "share_willing_labourers_employed": _share_willing_employed,
    "share_households_with_industry_support": _share_industry_support,
    "share_work_incentive_conforming": _share_work_incentive_conforming,
}


def _panel_value(
    ctx: ScoreContext,
    unit: Region,
    indicator: str,
    population: dict,
    year: int,
    reference_place: str | None = None,
    rule: str = "",
) -> Measured:
    """Indicator ``indicator`` of ``population`` in ``unit`` and ``year`` (see module docstring)."""
    from evalkit.indicators.income import income_indicators

    unit_hh = ctx.unit_households(unit)
    years = set(unit_hh["year"].unique())
    ref_year = population_year(population, year)
    for y in sorted({year, ref_year}):
        if y not in years:
            return missing(f"面板没有{unit.name_zh} {y} 年数据", f"no panel data for {unit.name_en} in {y}")
    try:
        members = population_mask(unit_hh, population, year)
    except EvalkitError as exc:
        return missing(str(exc), str(exc))
    ids = unit_hh.loc[members, "_hid"]
    if indicator == "share_persons_above_10000_since_base":
        return _since_base(unit_hh, ids, population, year)
    rows = unit_hh[members] if ref_year == year else unit_hh[(unit_hh["year"] == year) & unit_hh["_hid"].isin(ids)]
    n = len(rows)
    if n < MIN_HOUSEHOLDS:
        return Measured(reason="too_few_households", n_households=n, detail=REASON_LABELS["too_few_households"])
    if indicator == "net_income_pc_growth":
        measured = _growth(unit_hh, rows, year)
    elif indicator in INCOME_LEVELS:
        measured = Measured(value=float(income_indicators(rows)[indicator].iloc[0]))
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
        measured = Measured(value=float((rows["net_income_pc"] < 10_000).sum()))
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


def reference_value(ctx: ScoreContext, target: Target, unit: Region, year: int) -> Measured:
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
        return missing(
            f"缺少{place} {year - 1}–{year} 年农村居民人均可支配收入",
            f"missing comparison series: rural disposable income of {place} for {year - 1}–{year}",
        )
    return Measured(value=float(value))


# --- one target --------------------------------------------------------------------------------


def target_value(ctx: ScoreContext, target: Target, unit: Region, year: int) -> Measured:
    """The value of ``target`` for ``unit`` in ``year`` (programme table, panel or reference series)."""
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
