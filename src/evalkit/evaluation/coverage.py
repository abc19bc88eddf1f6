"""Coverage and matching of support (后评估: 帮扶措施匹配度).

* :func:`coverage_table` — households receiving each measure of ``data/measures.csv`` by county,
  labour capacity (江西/广西 grouping of ``data/labour_groups.csv``) and household type, with the
  share of the group's households.
* :func:`support_match` — the documents' matching rules as data (``data/matching_rules.csv``:
  rule, region, condition, menu, labels, the clause quoted, source): for every 脱贫 or 监测
  household that meets a rule's condition, whether it received at least one measure of the rule's
  menu in the year. Conditions (';' = and): ``capacity:full|weak|none`` and ``count:two_plus|one|none``
  (labour groups), ``below:N`` (per-capita net income below N yuan), ``flag:gx_weak_labour_key``
  (广西 第29条, :func:`evalkit.evaluation.watchlist.weak_labour_key`). Menu items ('|' = or): a
  measure code, ``kind:<kind>`` (any measure of that kind) or ``column:<transfer detail>`` (the
  household's transfer detail column is positive, e.g. 低保 recorded as income but not as a measure).
* :func:`match_summary` — households, matched and the share matched per rule and area;
  :func:`unmatched_list` — the caseworker list of unmatched households (pseudonymised ids only).

Rules apply where their document applies (the region is inside the rule's region); a region no
rule covers gets the 江西 rules as the reference set, and the ``rule_source`` column says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.core.column_uses import why_not_computable
from evalkit.core.errors import EvalkitError
from evalkit.core.registry import Region, get_region, region_mask
from evalkit.core.resources import read_reference_csv
from evalkit.core.schema import labour_group, measures_catalogue
from evalkit.evaluation.watchlist import CASE_COLUMNS, measures_received, weak_labour_key

RULES_FILE = "matching_rules.csv"
REFERENCE_RULES = "江西省"
#: columns of the unmatched list for caseworkers (never names, ID numbers or phones)
LIST_COLUMNS = [
    *CASE_COLUMNS,
    "labour_capacity",
    "net_income_pc",
    "rule",
    "rule_label",
    "measures",
]


def matching_rules() -> pd.DataFrame:
    """The matching rules (``data/matching_rules.csv``)."""
    return read_reference_csv(RULES_FILE)


def rules_for(region: Region | str) -> tuple[list[str], str]:
    """Rule ids that apply in ``region`` and ``own`` or ``reference: 江西省`` (no rule of its own)."""
    region = get_region(region) if isinstance(region, str) else region
    rules = matching_rules()
    own = [
        r
        for r, home in zip(rules["rule"], rules["region"], strict=True)
        if all(region.filter.get(k) == v for k, v in get_region(home).filter.items())
    ]
    if own:
        return own, "own"
    return list(rules.loc[rules["region"] == REFERENCE_RULES, "rule"]), f"reference: {REFERENCE_RULES}"


def _condition(rows: pd.DataFrame, condition: str) -> pd.Series:
    mask = pd.Series(True, index=rows.index)
    for part in filter(None, (p.strip() for p in condition.split(";"))):
        key, _, value = part.partition(":")
        if key in ("capacity", "count"):
            mask &= labour_group(rows, key, labels="code").eq(value)
        elif key == "below":
            mask &= rows["net_income_pc"] < float(value)
        elif key == "flag" and value == "gx_weak_labour_key":
            mask &= weak_labour_key(rows)
        else:
            raise EvalkitError(f"{RULES_FILE}: 未知条件 '{part}' / unknown condition '{part}'")
    return mask


def _menu_hit(rows: pd.DataFrame, received: pd.DataFrame, menu: str) -> pd.Series:
    """True where the household (rows) received at least one item of ``menu`` in the year."""
    kinds = measures_catalogue().set_index("code")["kind"]
    codes: set[str] = set()
    hit = pd.Series(False, index=rows.index)
    for item in filter(None, (m.strip() for m in menu.split("|"))):
        key, _, value = item.partition(":")
        if not value:
            if item not in kinds.index:
                raise EvalkitError(f"{RULES_FILE}: 未知措施 '{item}' / unknown measure '{item}'")
            codes.add(item)
        elif key == "kind":
            codes |= set(kinds.index[kinds.eq(value)])
        elif key == "column":
            if value in rows.columns:
                hit |= rows[value].fillna(0) > 0
        else:
            raise EvalkitError(f"{RULES_FILE}: 未知措施项 '{item}' / unknown menu item '{item}'")
    ids = received.loc[received["measure"].isin(codes), "household_id"]
    return hit | rows["household_id"].isin(ids)


def support_match(
    households: pd.DataFrame, measures: pd.DataFrame, year: int, rules: list[str] | None = None
) -> pd.DataFrame:
    """One row per (household, rule) for the 脱贫/监测 households of ``year`` that meet the rule's
    condition: area columns, household_type, household_size, labour_capacity (江西 grouping),
    net_income_pc, rule, rule_label, matched (received a measure of the menu), measures (received
    this year, Chinese labels). ``rules``: rule ids (default all of ``data/matching_rules.csv``)."""
    table = matching_rules().set_index("rule")
    rules = list(table.index) if rules is None else rules
    unknown = set(rules) - set(table.index)
    if unknown:
        raise EvalkitError(f"未知匹配规则 {sorted(unknown)} / unknown matching rules {sorted(unknown)}")
    rows = households[(households["year"] == int(year)) & (households["is_tuopin"] | households["is_monitored"])]
    keep = [c for c in CASE_COLUMNS if c in rows]
    columns = [*keep, "labour_capacity", "net_income_pc", "rule", "rule_label", "matched", "measures"]
    reason = why_not_computable("support_matching", rows)
    if reason:  # every rule groups households by labour capacity: not computed, said why (issue 12 item 4)
        empty = pd.DataFrame(columns=columns)
        empty.attrs["not_computed"] = reason
        return empty
    received = measures[(measures["year"] == int(year)) & measures["household_id"].isin(rows["household_id"])]
    labels = measures_received(received, int(year), rows["household_id"])
    parts = []
    for rule in rules:
        spec = table.loc[rule]
        inside = _condition(rows, str(spec["condition"]))
        part = rows.loc[inside, keep].copy()
        part["labour_capacity"] = labour_group(rows.loc[inside], "capacity", labels="zh")
        part["net_income_pc"] = rows.loc[inside, "net_income_pc"]
        part["rule"] = rule
        part["rule_label"] = spec["label_zh"]
        part["matched"] = _menu_hit(rows.loc[inside], received, str(spec["menu"]))
        part["measures"] = part["household_id"].map(labels).astype(object).fillna("")
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def region_support_match(panel, region: Region | str, year: int) -> pd.DataFrame:
    """:func:`support_match` for ``region`` with the rules that apply there (column ``rule_source``)."""
    region = get_region(region) if isinstance(region, str) else region
    rules, source = rules_for(region)
    hh = panel.households.loc[region_mask(panel.households, region)]
    match = support_match(hh, panel.measures, year, rules)
    reason = match.attrs.get("not_computed")
    match = match.assign(rule_source=source)
    if reason:
        match.attrs["not_computed"] = reason
    return match


def match_summary(match: pd.DataFrame, by: str | None = "county", lang: str = "zh") -> pd.DataFrame:
    """Per rule (and ``by``): households meeting the condition, matched, share matched, unmatched.
    Rows are in rule order; the total over ``by`` has ``by`` = 合计 / total."""
    meta = matching_rules().set_index("rule")
    keys = ["rule"] + ([by] if by else [])
    per = (
        match.groupby(keys, sort=False)["matched"].agg(n_households="size", n_matched="sum").reset_index()
        if len(match)
        else pd.DataFrame(columns=[*keys, "n_households", "n_matched"])
    )
    if by:
        total = match.groupby("rule", sort=False)["matched"].agg(n_households="size", n_matched="sum").reset_index()
        per = pd.concat([per, total.assign(**{by: "合计" if lang == "zh" else "total"})], ignore_index=True)
        per = per.sort_values("rule", kind="stable", key=lambda s: s.map({r: i for i, r in enumerate(meta.index)}))
    per["n_households"] = per["n_households"].astype(int)
    per["n_matched"] = per["n_matched"].astype(int)
    per["n_unmatched"] = per["n_households"] - per["n_matched"]
    per["share_matched"] = per["n_matched"] / per["n_households"].where(per["n_households"] > 0)
    per.insert(1, "label", per["rule"].map(meta["label_zh" if lang == "zh" else "label_en"]))
    per = per.reset_index(drop=True)
    if "not_computed" in match.attrs:
        per.attrs["not_computed"] = match.attrs["not_computed"]
    return per


def region_match_summary(panel, region: Region | str, year: int, lang: str = "zh") -> pd.DataFrame:
    """:func:`match_summary` (``by=None``) of :func:`region_support_match`; raises
    :class:`EvalkitError` with the reason when the data cannot support the check (no labour counts)."""
    summary = match_summary(region_support_match(panel, region, year), by=None, lang=lang)
    if summary.attrs.get("not_computed"):
        raise EvalkitError(summary.attrs["not_computed"][lang])
    return summary


def unmatched_list(match: pd.DataFrame) -> pd.DataFrame:
    """Households whose support does not match the rule, for caseworkers: :data:`LIST_COLUMNS`,
    lowest per-capita income first (pseudonymised ids only)."""
    out = match.loc[~match["matched"].astype(bool)]
    return (
        out[[c for c in LIST_COLUMNS if c in out.columns]]
        .sort_values(["net_income_pc", "household_id"])
        .reset_index(drop=True)
    )


def coverage_table(
    households: pd.DataFrame, measures: pd.DataFrame, year: int, by: str = "county", lang: str = "zh"
) -> pd.DataFrame:
    """Households receiving each measure in ``year`` among the 脱贫/监测 households, by ``by``
    (county, ``labour_capacity`` or ``household_type``): long table ``by``, measure, label,
    n_households (of the group), n_receiving, share. Measures nobody received are left out.
    By labour capacity without the labour counts: an empty table whose ``attrs["not_computed"]``
    says why in both languages (the report shows it where the table would be)."""
    rows = households[(households["year"] == int(year)) & (households["is_tuopin"] | households["is_monitored"])]
    reason = why_not_computable("coverage_labour", rows) if by == "labour_capacity" else None
    if reason:
        empty = pd.DataFrame(columns=[by, "measure", "label", "n_households", "n_receiving", "share"])
        empty.attrs["not_computed"] = reason
        return empty
    rows = rows.assign(labour_capacity=labour_group(rows, "capacity", labels=lang)) if by == "labour_capacity" else rows
    if by not in rows.columns:
        raise EvalkitError(f"面板缺少列 {by} / panel lacks column {by}")
    received = measures[(measures["year"] == int(year)) & measures["household_id"].isin(rows["household_id"])]
    pairs = received[["household_id", "measure"]].drop_duplicates()
    pairs = pairs.assign(group=pairs["household_id"].map(rows.set_index("household_id")[by]))
    size = rows.groupby(by).size()
    counts = pairs.groupby(["group", "measure"]).size().rename("n_receiving").reset_index()
    counts = counts.rename(columns={"group": by})
    counts["n_households"] = counts[by].map(size).astype(int)
    counts["share"] = counts["n_receiving"] / counts["n_households"]
    catalogue = measures_catalogue().set_index("code")
    order = {c: i for i, c in enumerate(catalogue.index)}
    counts["label"] = counts["measure"].map(catalogue["label_zh" if lang == "zh" else "label_en"])
    counts = counts.sort_values([by, "measure"], key=lambda s: s.map(order) if s.name == "measure" else s)
    out = counts[[by, "measure", "label", "n_households", "n_receiving", "share"]].reset_index(drop=True)
    # every group's households, also of groups that received nothing (their sizes add up to the
    # region's: disclosure control protects them together, evalkit.reporting.postassessment)
    out.attrs["group_sizes"] = {str(g): int(n) for g, n in size.items()}
    return out


def share_matched(households: pd.DataFrame, measures: pd.DataFrame, year: int, rule: str) -> tuple[float, int]:
    """Share of the households meeting ``rule``'s condition whose support matches, and their number
    (for the scorecard indicator share_households_support_matched)."""
    match = support_match(households, measures, year, [rule])
    n = len(match)
    return (float(match["matched"].mean()) if n else np.nan), n
