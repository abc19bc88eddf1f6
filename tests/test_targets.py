"""Policy targets as data: completeness against POLICY.md, verbatim clauses, validation errors, populations.

tests/data/policy_seeds/ holds copies of the five seed documents (public government texts, from
../shared/seeds/) so that every quoted clause can be checked against its source.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from evalkit.core.resources import data_path
from evalkit.core.schema import derive_income
from evalkit.evaluation.populations import population_mask
from evalkit.evaluation.targets import (
    COMPARISONS,
    TargetError,
    indicator_catalogue,
    load_target_file,
    load_targets,
    targets_table,
)

SEEDS = Path(__file__).parent / "data" / "policy_seeds"
SEED_OF = {
    "xinyang_2023_2025": "000",
    "mile_2022_2023": "001",
    "xinyang_2016_2020": "002",
    "jiangxi_2024": "003",
    "guangxi_2022_2024": "004",
}


@pytest.fixture(scope="module")
def targets():
    return load_targets()


def test_one_file_per_document(targets):
    files = sorted(p.name for p in data_path("targets").glob("*.yaml"))
    assert files == sorted(f"{d}.yaml" for d in SEED_OF)
    assert {t.document for t in targets} == set(SEED_OF)
    assert len({t.id for t in targets}) == len(targets)


def test_every_clause_is_quoted_verbatim(targets):
    for t in targets:
        text = next(SEEDS.glob(f"{SEED_OF[t.document]}_*.txt")).read_text(encoding="utf-8")
        assert t.clause in text, (t.id, t.clause)


# Every measurable target of POLICY.md: (document, indicator, comparison, threshold or None, years)
POLICY_TARGETS = [
    ("xinyang_2023_2025", "net_income_pc_growth", "exceeds_reference", None, (2023, 2024, 2025)),
    ("xinyang_2023_2025", "ratio_rural_to_tuopin", "<=", 1.1, (2025,)),
    ("xinyang_2023_2025", "n_persons_below_monitoring_line", "decreases", None, (2023, 2024, 2025)),
    ("xinyang_2023_2025", "net_income_pc_growth", "at_least_reference", None, (2023, 2024, 2025)),
    ("xinyang_2023_2025", "share_persons_at_or_above_monitoring_line", ">=", 1.0, (2025,)),
    ("xinyang_2023_2025", "tuopin_migrant_workers", ">=", 330_000, (2023, 2024, 2025)),
    ("xinyang_2023_2025", "share_households_with_worker", ">=", 1.0, (2023, 2024, 2025)),
    (
        "xinyang_2023_2025",
        "linkage_fund_industry_share",
        ">=",
        {2023: 0.70, 2024: 0.75, 2025: 0.80},
        (2023, 2024, 2025),
    ),
    ("xinyang_2023_2025", "rural_tap_water_coverage", ">=", 0.90, (2025,)),
    ("xinyang_2023_2025", "min_subsidy_per_supported_village", ">=", 500_000, (2023, 2024, 2025)),
    ("xinyang_2023_2025", "share_labourers_with_developmental_measure", ">=", 1.0, (2023, 2024, 2025)),
    ("mile_2022_2023", "share_persons_above_10000_since_base", ">=", 0.85, (2022,)),
    ("mile_2022_2023", "share_persons_at_or_above_10000", ">=", 1.0, (2023,)),
    ("mile_2022_2023", "linkage_fund_industry_share", ">=", 0.55, (2022, 2023)),
    ("mile_2022_2023", "share_households_with_worker", ">=", 1.0, (2022, 2023)),
    ("xinyang_2016_2020", "county_poverty_exit", ">=", 1, (2017,)),
    ("xinyang_2016_2020", "county_poverty_exit", ">=", 1, (2018,)),
    ("xinyang_2016_2020", "county_poverty_exit", ">=", 1, (2019,)),
    ("xinyang_2016_2020", "net_income_pc_growth", "exceeds_reference", None, (2016, 2017, 2018, 2019, 2020)),
    ("xinyang_2016_2020", "dibao_standard_to_poverty_line", ">=", 1.0, (2017, 2018, 2019, 2020)),
    ("xinyang_2016_2020", "city_special_poverty_fund", ">=", 60_000_000, (2016,)),
    ("xinyang_2016_2020", "city_special_poverty_fund", "increases", None, (2017, 2018, 2019, 2020)),
    ("xinyang_2016_2020", "preallocated_poverty_fund_spent_share", ">=", 0.90, (2016, 2017, 2018, 2019, 2020)),
    ("jiangxi_2024", "share_households_with_developmental_measure", ">=", 1.0, (2024, 2025)),
    ("jiangxi_2024", "central_linkage_fund_industry_share", ">=", 0.60, (2024, 2025)),
    ("jiangxi_2024", "asset_income_direct_share", ">=", 0.60, (2024, 2025)),
    ("jiangxi_2024", "max_work_incentive_per_person", "<=", 600, (2024, 2025)),
    ("jiangxi_2024", "yulu_graduate_employment_rate", ">=", 0.90, (2024, 2025)),
    ("guangxi_2022_2024", "net_income_pc_growth", "exceeds_reference", None, (2022, 2023, 2024)),
    ("guangxi_2022_2024", "tuopin_area_rural_income_growth", "exceeds_reference", None, (2022, 2023, 2024)),
    ("guangxi_2022_2024", "share_net_operating", "increases", None, (2022, 2023, 2024)),
    ("guangxi_2022_2024", "wage_pc", "increases", None, (2022, 2023, 2024)),
    ("guangxi_2022_2024", "transfer_pc", "increases", None, (2022, 2023, 2024)),
    ("guangxi_2022_2024", "property_pc", "increases", None, (2022, 2023, 2024)),
    ("guangxi_2022_2024", "operating_expenses_pc", "decreases", None, (2022, 2023, 2024)),
    ("guangxi_2022_2024", "training_person_times", ">=", 30_000, (2022, 2023, 2024)),
    ("guangxi_2022_2024", "certified_trainee_first_employment_rate", ">=", 0.30, (2022, 2023, 2024)),
    ("guangxi_2022_2024", "rural_public_welfare_posts", ">=", 245_100, (2022,)),
    ("guangxi_2022_2024", "rural_public_welfare_posts", ">=", 245_100, (2023, 2024)),
    ("guangxi_2022_2024", "work_relief_fund_share", ">=", 0.02, (2022, 2023, 2024)),
    ("guangxi_2022_2024", "canteen_purchase_share", ">=", 0.15, (2022, 2023, 2024)),
    ("guangxi_2022_2024", "new_agri_demonstration_zones_cumulative", ">=", 45, (2024,)),
    # issue 16: clauses the first audit missed
    ("xinyang_2023_2025", "transfer_pc", "increases", None, (2023, 2024, 2025)),
    ("xinyang_2023_2025", "property_pc", "increases", None, (2023, 2024, 2025)),
    ("xinyang_2023_2025", "transport_subsidy_coverage", ">=", 1.0, (2023, 2024, 2025)),
    ("xinyang_2023_2025", "share_households_with_social_assistance", ">=", 1.0, (2023, 2024, 2025)),
    ("xinyang_2023_2025", "national_leisure_agri_counties", ">=", 1, (2025,)),
    ("xinyang_2016_2020", "poor_population_exited_share", ">=", 1.0, (2019, 2020)),
    ("xinyang_2016_2020", "poor_villages_exited_share", ">=", 1.0, (2019, 2020)),
    ("jiangxi_2024", "share_work_incentive_conforming", ">=", 1.0, (2024, 2025)),
    ("jiangxi_2024", "share_willing_labourers_employed", ">=", 1.0, (2024, 2025)),
    ("guangxi_2022_2024", "share_households_with_industry_support", ">=", 1.0, (2022, 2023, 2024)),
    ("guangxi_2022_2024", "pension_enrolment_16plus_share", ">=", 1.0, (2022, 2023, 2024)),
    ("guangxi_2022_2024", "disability_two_subsidies_paid_share", ">=", 1.0, (2022, 2023, 2024)),
    ("guangxi_2022_2024", "workshop_count_vs_2020", ">=", 1.0, (2022, 2023, 2024)),
    ("guangxi_2022_2024", "n_households_below_10000", "report", None, (2022, 2023, 2024)),
]


@pytest.mark.parametrize("document,indicator,comparison,threshold,years", POLICY_TARGETS)
def test_policy_target_is_in_data(targets, document, indicator, comparison, threshold, years):
    hits = [
        t
        for t in targets
        if t.document == document
        and t.indicator == indicator
        and t.comparison == comparison
        and t.years == years
        and t.threshold == threshold
    ]
    assert len(hits) == 1, (document, indicator, comparison, threshold, years)


def test_scopes_and_populations(targets):
    by_id = {t.id: t for t in targets}
    assert by_id["xy23-county-growth-above-rural"].scope == "each_county"
    assert by_id["xy23-all-above-monitoring-line"].population == {
        "groups": ["tuopin", "monitored"],
        "exclude_doudi": True,
    }
    assert by_id["ml-2022-85pct-above-10000"].population["below_line_in_base_year"] == {"year": 2021, "line": 10000}
    assert [by_id[f"ml-2022-{k}-above-10000"].population["labourers"] for k in ("two-labourers", "one-labourer")] == [
        ">=2",
        "1",
    ]
    assert by_id["xy16-exit-2017"].counties == ("新县", "光山县", "潢川县")
    assert by_id["xy16-exit-2019"].counties == ("淮滨县", "浉河区", "平桥区")  # 潢河区 in the text is 浉河区
    assert by_id["xy23-industry-fund-share"].threshold_for(2024) == 0.75
    assert np.isnan(by_id["xy23-industry-fund-share"].threshold_for(2022))
    assert by_id["gx-growth-above-rural"].reference == {
        "series": "rural_disposable_income",
        "region": "local",
        "transform": "growth",
    }
    assert by_id["xy16-growth-above-province"].reference["region"] == "河南省"


def test_issue16_scopes_units_and_rules(targets):
    by_id = {t.id: t for t in targets}
    # 东部民营企业: the national key assisted counties of 广西 only (a list with its source), no urban districts
    east = by_id["gx-eastern-enterprises"]
    assert east.county_list == "national_key_assisted" and len(east.counties) == 20
    assert {"兴宁区", "青秀区"}.isdisjoint(east.counties) and {"融水苗族自治县", "天等县"} <= set(east.counties)
    # the list as checked (data/key_assisted_counties.csv says against what): 马山县 and 靖西市 are on it,
    # 龙胜 and 西林 (in the earlier list written from memory) are not
    assert {"马山县", "靖西市"} <= set(east.counties) and {"龙胜各族自治县", "西林县"}.isdisjoint(east.counties)
    lists = pd.read_csv(data_path("key_assisted_counties.csv"))
    assert lists["source"].str.len().gt(0).all()
    assert "checked" in lists.loc[0, "source"].lower() and "http" in lists.loc[0, "source"]
    # 信阳 2016: the nine scheduled counties, not 固始县 (直管县) or 羊山新区
    exit_all = by_id["xy16-all-counties-exit"].counties
    assert len(exit_all) == 9 and "固始县" not in exit_all and "羊山新区" not in exit_all
    scheduled = {c for k in (2017, 2018, 2019) for c in by_id[f"xy16-exit-{k}"].counties}
    assert set(exit_all) == scheduled
    # 广西 第26条 counts 脱贫户 (households) and lists them: no invented "decreases" rule
    listed = by_id["gx-key-households-listed"]
    assert (listed.indicator, listed.comparison, listed.unit) == ("n_households_below_10000", "report", "households")
    assert listed.population["groups"] == ["tuopin"]
    # 信阳: the developmental-measure clause counts labourers (persons)
    assert by_id["xy23-developmental-measure"].indicator == "share_labourers_with_developmental_measure"
    # 左右 has a tolerance
    assert by_id["xy23-ratio-to-rural"].tolerance == 0.05
    # 江西 menus by labour capacity are matching rules of data/matching_rules.csv
    assert by_id["jx-weak-labour-menu"].matching_rule == "jx_weak_menu"
    assert by_id["jx-no-labour-menu"].matching_rule == "jx_none_menu"


@pytest.mark.parametrize(
    "changes,code",
    [
        ({"tolerance": -1}, "E-TARGET-TOLERANCE"),
        ({"comparison": "increases", "threshold": None, "tolerance": 0.1}, "E-TARGET-TOLERANCE"),
        ({"scope": "each_county", "county_list": "no_such_list"}, "E-TARGET-COUNTY-LIST"),
        ({"scope": "each_county", "county_list": "national_key_assisted", "counties": ["光山县"]}, "E-TARGET-COUNTIES"),
        ({"matching_rule": "jx_weak_menu"}, "E-TARGET-MATCHING-RULE"),
        ({"indicator": "share_households_support_matched", "matching_rule": "nope"}, "E-TARGET-MATCHING-RULE"),
        ({"indicator": "share_households_support_matched"}, "E-TARGET-MATCHING-RULE"),
        ({"comparison": "report"}, "E-TARGET-THRESHOLD"),
    ],
)
def test_issue16_fields_are_validated(tmp_path, changes, code):
    with pytest.raises(TargetError) as info:
        load_target_file(_broken(tmp_path, **changes))
    assert info.value.code == code


def test_new_measures_have_aliases():
    from evalkit.core.schema import measures_catalogue

    cat = measures_catalogue().set_index("code")
    for code, alias in (
        ("consumption_assistance", "消费帮扶"),
        ("labour_cooperation", "劳务协作"),
        ("entrepreneurship_support", "创业担保贷款"),
        ("entrepreneurship_support", "创业补贴"),
        ("work_incentive", "务工增收奖励"),
        ("courtyard_economy", "庭院经济"),
        ("poverty_insurance", "防贫保险"),
        ("dibao_taper", "低保渐退"),
    ):
        assert alias in cat.loc[code, "aliases"].split("|"), code
        assert cat.loc[code, "source"]
    aliases = [a for row in cat["aliases"] for a in row.split("|")]
    assert len(aliases) == len(set(aliases))  # an export's measure name maps to one code


def test_catalogue_covers_every_indicator(targets):
    catalogue = indicator_catalogue()
    assert catalogue["name"].is_unique
    assert set(catalogue["source"]) == {"panel", "programme"}
    assert (catalogue["label_zh"] != "").all() and (catalogue["label_en"] != "").all()
    # n_persons_below_10000: no plan target since gx-key-households-listed counts households (issue 16)
    assert {t.indicator for t in targets} == set(catalogue["name"]) - {"net_income_pc", "n_persons_below_10000"}
    for t in targets:
        assert t.source == catalogue.set_index("name").loc[t.indicator, "source"]


def test_targets_table(targets):
    table = targets_table(targets)
    assert len(table) == len(targets)
    row = table.set_index("id").loc["xy23-industry-fund-share"]
    assert row["threshold"] == "2023:0.7;2024:0.75;2025:0.8" and row["source"] == "programme"


# --- validation ---------------------------------------------------------------------------------

GOOD = {
    "document": {"id": "demo_doc", "title_zh": "测试方案", "region": "信阳市", "years": [2023, 2025]},
    "targets": [
        {
            "id": "t1",
            "clause": "测试",
            "clause_ref": "一",
            "description_zh": "测试",
            "description_en": "test",
            "scope": "whole_region",
            "years": [2023],
            "indicator": "wage_pc",
            "comparison": ">=",
            "threshold": 1,
            "unit": "yuan",
        }
    ],
}


def _write(tmp_path, content, name="doc.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    return path


def _broken(tmp_path, **changes):
    content = {"document": dict(GOOD["document"]), "targets": [dict(GOOD["targets"][0], **changes)]}
    return _write(tmp_path, content)


def test_good_file_loads(tmp_path):
    [t] = load_target_file(_write(tmp_path, GOOD))
    assert (t.id, t.region, t.source, t.population) == ("t1", "信阳市", "panel", {})


@pytest.mark.parametrize(
    "changes,code",
    [
        ({"indicator": "happiness_index"}, "E-TARGET-INDICATOR"),
        ({"comparison": "roughly"}, "E-TARGET-COMPARISON"),
        ({"scope": "every_village"}, "E-TARGET-SCOPE"),
        ({"threshold": None}, "E-TARGET-THRESHOLD"),
        ({"threshold": {2024: 1}}, "E-TARGET-THRESHOLD"),
        ({"years": [2022]}, "E-TARGET-YEARS"),
        ({"population": {"groups": ["tuopin"], "age": ">=60"}}, "E-TARGET-POPULATION"),
        ({"population": {"groups": ["rich"]}}, "E-TARGET-POPULATION"),
        ({"population": {"labourers": "many"}}, "E-TARGET-POPULATION"),
        ({"comparison": "exceeds_reference", "threshold": None}, "E-TARGET-REFERENCE"),
        ({"reference": {"series": "gdp"}}, "E-TARGET-REFERENCE"),
        ({"counties": ["光山县"]}, "E-TARGET-COUNTIES"),
        ({"colour": "red"}, "E-TARGET-FIELDS"),
    ],
)
def test_bad_target_names_file_and_id(tmp_path, changes, code):
    with pytest.raises(TargetError) as info:
        load_target_file(_broken(tmp_path, **changes))
    assert info.value.code == code
    assert str(info.value).startswith("doc.yaml: 目标 t1:") and "target t1" in str(info.value)


def test_unknown_region(tmp_path):
    content = {"document": dict(GOOD["document"], region="信阳县"), "targets": GOOD["targets"]}
    with pytest.raises(TargetError, match="unknown region '信阳县'") as info:
        load_target_file(_write(tmp_path, content))
    assert info.value.code == "E-TARGET-REGION"
    with pytest.raises(TargetError, match="unknown region '光州县'") as info:
        load_target_file(_broken(tmp_path, scope="each_county", counties=["光州县"]))
    assert info.value.code == "E-TARGET-REGION"


def test_duplicate_ids_across_files(tmp_path):
    _write(tmp_path, GOOD, "a.yaml")
    _write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(TargetError, match="t1 already used in a.yaml") as info:
        load_targets(tmp_path)
    assert info.value.code == "E-TARGET-DUPLICATE-ID"


def test_comparisons_have_both_labels():
    assert all(len(v) == 2 and all(v) for v in COMPARISONS.values())


# --- populations --------------------------------------------------------------------------------


def _panel():
    """Six 信阳 households over 2021–2023 with known types, labour, 兜底 flags and incomes."""
    base = pd.DataFrame(
        {
            "household_id": list("abcdef"),
            "household_type": [
                "一般脱贫户",
                "一般脱贫户",
                "脱贫不稳定户",
                "边缘易致贫户",
                "一般脱贫户",
                "突发严重困难户",
            ],
            "doudi": [False, True, False, False, False, False],
            "relocated": [True, False, False, False, True, False],
            "labour_full": [2, 0, 1, 0, 1, 0],
            "labour_weak": [0, 0, 0, 1, 0, 0],
            "migrant_workers": [1, 0, 0, 0, 0, 0],
            "labour_seeking_work": [0, 0, 1, 0, 0, 0],
            "monitoring_start_year": [np.nan, np.nan, 2020, 2022, np.nan, 2021],
            "risk_eliminated": [False, False, False, False, False, True],
            "household_size": [4, 1, 3, 2, 2, 3],
        }
    )
    pc = {
        2021: [9_000, 6_000, 12_000, 8_000, 20_000, 5_000],
        2022: [11_000, 6_500, 12_500, 9_000, 21_000, 7_000],
        2023: [12_000, 7_000, 13_000, 9_500, 22_000, 9_000],
    }
    frames = [
        base.assign(
            year=y,
            wage=np.array(v) * base["household_size"],
            operating_income=0.0,
            operating_expenses=0.0,
            property=0.0,
            transfer=0.0,
        )
        for y, v in pc.items()
    ]
    return derive_income(
        pd.concat(frames, ignore_index=True).assign(province="河南省", prefecture="信阳市", county="光山县")
    )


def _ids(h, population, year):
    return sorted(h.loc[population_mask(h, population, year), "household_id"])


def test_population_masks_by_hand():
    h = _panel()
    assert _ids(h, {}, 2023) == list("abcdef")
    assert _ids(h, {"groups": ["monitored"]}, 2023) == list("cdf")
    assert _ids(h, {"exclude_doudi": True}, 2023) == list("acdef")
    assert _ids(h, {"relocated": True}, 2023) == ["a", "e"]
    assert _ids(h, {"labourers": ">=2"}, 2023) == ["a"]
    assert _ids(h, {"labourers": "1"}, 2023) == ["c", "d", "e"]
    assert _ids(h, {"labourers": "0"}, 2023) == ["b", "f"]
    assert _ids(h, {"full_labourers": ">=1"}, 2023) == ["a", "c", "e"]
    assert _ids(h, {"willing_to_work": True}, 2023) == ["a", "c"]
    # 弥勒: below 10,000 in the base year 2021, membership read in 2021 whatever the year asked
    cohort = {"below_line_in_base_year": {"year": 2021, "line": 10000}}
    assert _ids(h, cohort, 2023) == ["a", "b", "d", "f"]
    assert set(h.loc[population_mask(h, cohort, 2023), "year"]) == {2021}
    # 江西: monitored, not eliminated, in monitoring ≥ 2 years: c (2020) yes, d (2022) no, f eliminated
    assert _ids(h, {"unresolved_monitoring_years": 2}, 2023) == ["c"]
    assert _ids(h, {"unresolved_monitoring_years": 2}, 2024) == []  # no rows in 2024


def test_bottom_quintile_of_previous_year():
    h = _panel()
    # 2022 incomes × sizes: f 7000×3, b 6500×1, d 9000×2, a 11000×4, c 12500×3, e 21000×2 (15 persons)
    # person-weighted mid-ranks: b 0.5/15, f (1+1.5)/15 = 0.167, d 0.333 → quintile 1 = b, f
    assert _ids(h, {"bottom_quintile_previous_year": True}, 2023) == ["b", "f"]


def test_population_needs_its_columns():
    h = _panel().drop(columns=["doudi"])
    with pytest.raises(Exception, match="doudi") as info:
        population_mask(h, {"exclude_doudi": True}, 2023)
    assert info.value.code == "E-POPULATION-COLUMNS"
