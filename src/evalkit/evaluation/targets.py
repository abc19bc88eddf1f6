"""Policy targets as data: load and validate ``data/targets/*.yaml`` (schema: ``data/targets/README.md``).

Each YAML file holds one policy document and its measurable targets: id, the clause quoted in
Chinese, region scope (``whole_region`` or ``each_county``), years, indicator (a name of
``data/indicator_catalogue.csv``), comparison, threshold, reference series, population and unit.
Adding a target, or a region's whole plan, is a data change; a file with an unknown indicator,
comparison, region or population key is refused with an error naming the file and the target id.

:func:`validate_population` checks a target's population specification; applying it to the panel
(e.g. 信阳: 脱贫人口 except 兜底 households) is :func:`evalkit.evaluation.populations.population_mask`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from evalkit.core.errors import EvalkitError
from evalkit.core.resources import data_path, read_reference_csv
from evalkit.evaluation.populations import COUNT_RULE, POPULATION_GROUPS, POPULATION_KEYS

TARGETS_FOLDER = "targets"
CATALOGUE_FILE = "indicator_catalogue.csv"
SCOPES = ("whole_region", "each_county")
#: comparison → (Chinese, English) wording. Against ``threshold``: >=, >, <=, <; against the
#: previous year's value: increases, decreases; against a reference series: exceeds_reference (>),
#: at_least_reference (>=).
COMPARISONS: dict[str, tuple[str, str]] = {
    ">=": ("不低于", "at least"),
    ">": ("高于", "above"),
    "<=": ("不高于", "at most"),
    "<": ("低于", "below"),
    "increases": ("比上年增长", "rises from the previous year"),
    "decreases": ("比上年减少", "falls from the previous year"),
    "exceeds_reference": ("高于参照值", "above the reference"),
    "at_least_reference": ("不低于参照值", "at least the reference"),
    "report": ("仅列示", "reported, no threshold"),
}
THRESHOLD_COMPARISONS = (">=", ">", "<=", "<")
PREVIOUS_YEAR_COMPARISONS = ("increases", "decreases")
REFERENCE_COMPARISONS = ("exceeds_reference", "at_least_reference")
#: the clause asks for a list or a count, not a level: the scorecard shows the value, no status
REPORT_COMPARISONS = ("report",)
COUNTY_LISTS_FILE = "key_assisted_counties.csv"
#: comparisons where a smaller value is better (the margin is threshold − value)
LOWER_IS_BETTER = ("<=", "<", "decreases")
REFERENCE_SERIES = ("rural_disposable_income", "panel")
REFERENCE_TRANSFORMS = ("growth", "level")
DOCUMENT_KEYS = {"id", "title_zh", "title_en", "issuer_zh", "reference", "source", "region", "years", "population"}
TARGET_REQUIRED = {
    "id",
    "clause",
    "clause_ref",
    "description_zh",
    "description_en",
    "scope",
    "years",
    "indicator",
    "comparison",
    "unit",
}
TARGET_OPTIONAL = {
    "threshold",
    "tolerance",
    "reference",
    "population",
    "note",
    "subregions",
    "counties",
    "county_list",
    "matching_rule",
}


class TargetError(EvalkitError):
    """A targets file is malformed: the message names the file and the target id."""

    code = "E-TARGET"


@dataclass(frozen=True)
class Target:
    """One measurable target of a policy document (see ``data/targets/README.md``)."""

    id: str
    document: str
    document_title_zh: str
    file: str
    region: str
    scope: str
    years: tuple[int, ...]
    indicator: str
    source: str
    comparison: str
    unit: str
    clause: str
    clause_ref: str
    description_zh: str
    description_en: str
    threshold: float | dict | None = None
    reference: dict | None = field(default=None, hash=False, compare=False)
    population: dict = field(default_factory=dict, hash=False, compare=False)
    subregions: bool = False
    counties: tuple[str, ...] = ()
    note: str = ""
    #: "左右" (about): the target also holds within this distance on the wrong side of the threshold
    tolerance: float = 0.0
    #: the list the counties come from (``data/key_assisted_counties.csv``), if any
    county_list: str = ""
    #: a rule of ``data/matching_rules.csv`` (indicator share_households_support_matched)
    matching_rule: str = ""
    #: the document's plan period (first, last year) and English title
    plan_years: tuple[int, int] = (0, 0)
    document_title_en: str = ""

    def in_force(self, year: int) -> bool:
        """True when ``year`` lies within the plan period of the target's document."""
        return self.plan_years[0] <= int(year) <= self.plan_years[1]

    def threshold_for(self, year: int) -> float:
        """The threshold for ``year`` (per-year thresholds are a mapping); ``nan`` when none."""
        if isinstance(self.threshold, dict):
            return float(self.threshold.get(int(year), np.nan))
        return float(self.threshold) if self.threshold is not None else np.nan

    def description(self, lang: str = "zh") -> str:
        return self.description_zh if lang == "zh" else self.description_en


@lru_cache(maxsize=1)
def indicator_catalogue() -> pd.DataFrame:
    """``data/indicator_catalogue.csv``: name, source (panel | programme), unit, labels, definition."""
    table = read_reference_csv(CATALOGUE_FILE)
    bad = table[~table["source"].isin(["panel", "programme"])]
    if len(bad):
        raise TargetError(
            f"{CATALOGUE_FILE}: source 必须是 panel 或 programme / source must be panel or programme "
            f"(indicator {', '.join(bad['name'])})"
        )
    return table


def _fail(file: str, target_id: str, zh: str, en: str, code: str = TargetError.code) -> None:
    raise TargetError(f"{file}: 目标 {target_id}: {zh} / target {target_id}: {en}", code=code)


def _region_name(name: str, file: str, target_id: str) -> str:
    from evalkit.core.registry import get_region

    try:
        return get_region(name).name_zh
    except EvalkitError as exc:
        _fail(file, target_id, f"未知地区 '{name}'", f"unknown region '{name}' ({exc})", code="E-TARGET-REGION")
    return ""  # unreachable


def _check_count_rule(value, key: str, file: str, tid: str) -> None:
    if not COUNT_RULE.match(str(value).strip()):
        _fail(
            file,
            tid,
            f"人口条件 {key} 应形如 '>=2', '1', '0', 实际为 '{value}'",
            f"population {key} must look like '>=2', '1' or '0', got '{value}'",
            code="E-TARGET-POPULATION",
        )


def validate_population(population, file: str, tid: str) -> dict:
    """Check a population specification; returns it (a dict) or raises :class:`TargetError`."""
    if not isinstance(population, dict):
        _fail(file, tid, "population 应为映射", "population must be a mapping", code="E-TARGET-POPULATION")
    unknown = set(population) - set(POPULATION_KEYS)
    if unknown:
        _fail(
            file,
            tid,
            f"未知人口条件 {sorted(unknown)}",
            f"unknown population keys {sorted(unknown)} (known: {', '.join(POPULATION_KEYS)})",
            code="E-TARGET-POPULATION",
        )
    groups = population.get("groups", list(POPULATION_GROUPS))
    if not groups or set(groups) - set(POPULATION_GROUPS):
        _fail(
            file,
            tid,
            f"人口组别应为 {POPULATION_GROUPS} 之一, 实际为 {groups}",
            f"population groups must be among {POPULATION_GROUPS}, got {groups}",
            code="E-TARGET-POPULATION",
        )
    for key in ("labourers", "full_labourers"):
        if key in population:
            _check_count_rule(population[key], key, file, tid)
    base = population.get("below_line_in_base_year")
    if base is not None and not (isinstance(base, dict) and set(base) == {"year", "line"}):
        _fail(
            file,
            tid,
            "below_line_in_base_year 需要 year 和 line",
            "below_line_in_base_year needs year and line",
            code="E-TARGET-POPULATION",
        )
    return dict(population)


def _validate_reference(reference, file: str, tid: str) -> dict:
    if not isinstance(reference, dict) or reference.get("series") not in REFERENCE_SERIES:
        _fail(
            file,
            tid,
            f"参照序列应为 {REFERENCE_SERIES} 之一",
            f"reference series must be one of {REFERENCE_SERIES}",
            code="E-TARGET-REFERENCE",
        )
    out = dict(reference)
    if out["series"] == "rural_disposable_income":
        if out.get("transform") not in REFERENCE_TRANSFORMS:
            _fail(
                file,
                tid,
                f"参照变换应为 {REFERENCE_TRANSFORMS} 之一",
                f"reference transform must be one of {REFERENCE_TRANSFORMS}",
                code="E-TARGET-REFERENCE",
            )
        region = out.get("region", "local")
        out["region"] = region if region == "local" else _region_name(region, file, tid)
    else:
        if out.get("indicator") not in set(indicator_catalogue().query("source == 'panel'")["name"]):
            _fail(
                file,
                tid,
                f"参照指标 '{out.get('indicator')}' 不是面板指标",
                f"reference indicator '{out.get('indicator')}' is not a panel indicator",
                code="E-TARGET-REFERENCE",
            )
        out["population"] = validate_population(out.get("population", {}), file, tid)
    return out


def county_lists() -> pd.DataFrame:
    """Named county lists with their source (``data/key_assisted_counties.csv``: list, province,
    county, source), e.g. ``national_key_assisted`` = 国家乡村振兴重点帮扶县."""
    return read_reference_csv(COUNTY_LISTS_FILE)


def county_list_members(name: str, file: str = COUNTY_LISTS_FILE, tid: str = "?") -> tuple[str, ...]:
    """The counties (Chinese names, checked against the registry) of the named list."""
    table = county_lists()
    rows = table[table["list"] == name]
    if rows.empty:
        _fail(
            file,
            tid,
            f"未知县名单 '{name}' (见 {COUNTY_LISTS_FILE})",
            f"unknown county list '{name}' (see {COUNTY_LISTS_FILE})",
            code="E-TARGET-COUNTY-LIST",
        )
    return tuple(_region_name(c, file, tid) for c in rows["county"])


def _parse_target(raw: dict, doc: dict, file: str) -> Target:
    tid = str(raw.get("id", "?"))
    missing = TARGET_REQUIRED - set(raw)
    if missing:
        _fail(file, tid, f"缺少字段 {sorted(missing)}", f"missing fields {sorted(missing)}", code="E-TARGET-FIELDS")
    unknown = set(raw) - TARGET_REQUIRED - TARGET_OPTIONAL
    if unknown:
        _fail(file, tid, f"未知字段 {sorted(unknown)}", f"unknown fields {sorted(unknown)}", code="E-TARGET-FIELDS")
    catalogue = indicator_catalogue().set_index("name")
    if raw["indicator"] not in catalogue.index:
        _fail(
            file,
            tid,
            f"未知指标 '{raw['indicator']}' (见 {CATALOGUE_FILE})",
            f"unknown indicator '{raw['indicator']}' (see {CATALOGUE_FILE})",
            code="E-TARGET-INDICATOR",
        )
    comparison = str(raw["comparison"])
    if comparison not in COMPARISONS:
        _fail(
            file,
            tid,
            f"未知比较方式 '{comparison}'",
            f"unknown comparison '{comparison}' (known: {', '.join(COMPARISONS)})",
            code="E-TARGET-COMPARISON",
        )
    if raw["scope"] not in SCOPES:
        _fail(
            file,
            tid,
            f"未知范围 '{raw['scope']}'",
            f"unknown scope '{raw['scope']}' (known: {', '.join(SCOPES)})",
            code="E-TARGET-SCOPE",
        )
    years = raw["years"]
    if not isinstance(years, list) or not years or not all(isinstance(y, int) for y in years):
        _fail(file, tid, "years 应为年份列表", "years must be a list of years", code="E-TARGET-YEARS")
    first, last = doc["years"]
    if any(y < first or y > last for y in years):
        _fail(
            file,
            tid,
            f"年份 {years} 超出文件规划期 {first}–{last}",
            f"years {years} outside the plan {first}–{last}",
            code="E-TARGET-YEARS",
        )
    threshold = raw.get("threshold")
    if comparison in THRESHOLD_COMPARISONS:
        if threshold is None:
            _fail(
                file,
                tid,
                f"比较方式 '{comparison}' 需要 threshold",
                f"comparison '{comparison}' needs a threshold",
                code="E-TARGET-THRESHOLD",
            )
        if isinstance(threshold, dict):
            if set(threshold) != set(years) or not all(isinstance(v, (int, float)) for v in threshold.values()):
                _fail(
                    file,
                    tid,
                    "分年度阈值必须覆盖目标年份且为数值",
                    "per-year thresholds must cover exactly the target years with numbers",
                    code="E-TARGET-THRESHOLD",
                )
        elif not isinstance(threshold, (int, float)):
            _fail(
                file,
                tid,
                f"阈值不是数值: {threshold!r}",
                f"threshold is not a number: {threshold!r}",
                code="E-TARGET-THRESHOLD",
            )
    elif threshold is not None:
        _fail(
            file,
            tid,
            f"比较方式 '{comparison}' 不使用 threshold",
            f"comparison '{comparison}' takes no threshold",
            code="E-TARGET-THRESHOLD",
        )
    tolerance = raw.get("tolerance", 0.0)
    if not isinstance(tolerance, (int, float)) or tolerance < 0:
        _fail(
            file,
            tid,
            f"容差应为非负数: {tolerance!r}",
            f"tolerance must be a number >= 0: {tolerance!r}",
            code="E-TARGET-TOLERANCE",
        )
    if tolerance and comparison not in THRESHOLD_COMPARISONS:
        _fail(
            file,
            tid,
            "只有阈值比较可设 tolerance",
            "only threshold comparisons take a tolerance",
            code="E-TARGET-TOLERANCE",
        )
    rule = str(raw.get("matching_rule", ""))
    if (raw["indicator"] == "share_households_support_matched") != bool(rule):
        _fail(
            file,
            tid,
            "指标 share_households_support_matched 需要且只有它使用 matching_rule",
            "matching_rule is needed by, and only by, indicator share_households_support_matched",
            code="E-TARGET-MATCHING-RULE",
        )
    if rule:
        from evalkit.evaluation.coverage import matching_rules

        if rule not in set(matching_rules()["rule"]):
            _fail(
                file,
                tid,
                f"未知匹配规则 '{rule}' (见 matching_rules.csv)",
                f"unknown matching rule '{rule}' (see matching_rules.csv)",
                code="E-TARGET-MATCHING-RULE",
            )
    reference = raw.get("reference")
    if comparison in REFERENCE_COMPARISONS and reference is None:
        _fail(
            file,
            tid,
            f"比较方式 '{comparison}' 需要 reference",
            f"comparison '{comparison}' needs a reference series",
            code="E-TARGET-REFERENCE",
        )
    if reference is not None:
        reference = _validate_reference(reference, file, tid)
    source = catalogue.loc[raw["indicator"], "source"]
    if raw["indicator"] == "ratio_rural_to_tuopin" and (reference or {}).get("series") != "rural_disposable_income":
        _fail(
            file,
            tid,
            "ratio_rural_to_tuopin 需要农村居民收入参照",
            "ratio_rural_to_tuopin needs a rural_disposable_income reference",
            code="E-TARGET-REFERENCE",
        )
    population = validate_population(raw.get("population", doc.get("population", {})), file, tid)
    region = _region_name(doc["region"], file, tid)
    counties = tuple(_region_name(c, file, tid) for c in raw.get("counties", []))
    county_list = str(raw.get("county_list", ""))
    if county_list:
        if counties:
            _fail(
                file,
                tid,
                "counties 与 county_list 只能二选一",
                "give counties or county_list, not both",
                code="E-TARGET-COUNTIES",
            )
        counties = county_list_members(county_list, file, tid)
    if counties and raw["scope"] != "each_county":
        _fail(
            file,
            tid,
            "只有 each_county 目标可列出 counties",
            "only each_county targets may list counties",
            code="E-TARGET-COUNTIES",
        )
    return Target(
        id=tid,
        document=doc["id"],
        document_title_zh=doc["title_zh"],
        file=file,
        region=region,
        scope=raw["scope"],
        years=tuple(years),
        indicator=raw["indicator"],
        source=source,
        comparison=comparison,
        unit=str(raw["unit"]),
        clause=str(raw["clause"]),
        clause_ref=str(raw["clause_ref"]),
        description_zh=str(raw["description_zh"]),
        description_en=str(raw["description_en"]),
        threshold=threshold,
        reference=reference,
        population=population,
        subregions=bool(raw.get("subregions", False)),
        counties=counties,
        note=str(raw.get("note", "")),
        tolerance=float(tolerance),
        county_list=county_list,
        matching_rule=rule,
        plan_years=(int(first), int(last)),
        document_title_en=str(doc.get("title_en", "")),
    )


def load_target_file(path: str | Path) -> list[Target]:
    """Parse and validate one targets file; raises :class:`TargetError` naming the file and target."""
    path = Path(path)
    file = path.name
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TargetError(f"{file}: YAML 格式错误 / invalid YAML: {exc}") from exc
    if not isinstance(content, dict) or "document" not in content or "targets" not in content:
        raise TargetError(f"{file}: 需要 document 和 targets 两节 / needs 'document' and 'targets' sections")
    doc = content["document"]
    missing = {"id", "title_zh", "region", "years"} - set(doc)
    if missing:
        raise TargetError(f"{file}: document 缺少字段 {sorted(missing)} / document lacks {sorted(missing)}")
    unknown = set(doc) - DOCUMENT_KEYS
    if unknown:
        raise TargetError(
            f"{file}: document 有未知字段 {sorted(unknown)} / document has unknown fields {sorted(unknown)}"
        )
    years = doc["years"]
    if not (
        isinstance(years, list) and len(years) == 2 and all(isinstance(y, int) for y in years) and years[0] <= years[1]
    ):
        raise TargetError(f"{file}: document.years 应为 [起始年, 结束年] / document.years must be [first, last]")
    targets = [_parse_target(raw, doc, file) for raw in content["targets"] or []]
    ids = [t.id for t in targets]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise TargetError(f"{file}: 目标编号重复 {dup} / duplicate target ids {dup}", code="E-TARGET-DUPLICATE-ID")
    return targets


def load_targets(folder: str | Path | None = None) -> list[Target]:
    """All targets of every ``*.yaml`` file in ``folder`` (default ``data/targets``), validated.

    Target ids must be unique across files.
    """
    folder = Path(folder) if folder is not None else data_path(TARGETS_FOLDER)
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise TargetError(f"{folder}: 没有目标文件 (*.yaml) / no targets files (*.yaml)")
    targets = [t for f in files for t in load_target_file(f)]
    seen: dict[str, str] = {}
    for t in targets:
        if t.id in seen:
            raise TargetError(
                f"{t.file}: 目标编号 {t.id} 已在 {seen[t.id]} 中使用 / target id {t.id} already used in {seen[t.id]}",
                code="E-TARGET-DUPLICATE-ID",
            )
        seen[t.id] = t.file
    return targets


def targets_table(targets: list[Target] | None = None) -> pd.DataFrame:
    """One row per target (id, document, region, scope, years, indicator, source, comparison,
    threshold, unit, description_zh, description_en, clause)."""
    targets = load_targets() if targets is None else targets
    return pd.DataFrame(
        [
            {
                "id": t.id,
                "document": t.document,
                "region": t.region,
                "scope": t.scope,
                "years": ",".join(map(str, t.years)),
                "indicator": t.indicator,
                "source": t.source,
                "comparison": t.comparison,
                "threshold": t.threshold
                if not isinstance(t.threshold, dict)
                else ";".join(f"{k}:{v}" for k, v in t.threshold.items()),
                "unit": t.unit,
                "description_zh": t.description_zh,
                "description_en": t.description_en,
                "clause": t.clause,
            }
            for t in targets
        ]
    )
