"""Scorecard: hand-made panels where the right answer is known, the not-measurable rules, and
every seed region × every year of its plan on the demo data."""

import numpy as np
import pandas as pd
import pytest
import yaml

from evalkit.cli.main import main
from evalkit.core.comparison import rural_income
from evalkit.core.config import demo_dir
from evalkit.core.errors import EvalkitError
from evalkit.core.panel import Panel
from evalkit.core.resources import data_path
from evalkit.core.schema import derive_income
from evalkit.demo import load_demo
from evalkit.evaluation.scorecard import COLUMNS, load_programme, scorecard
from evalkit.evaluation.targets import load_target_file, load_targets

STATUSES = {"met", "not_met", "not_due", "not_measurable", "reported", "check_flagged", "check_clear"}


def _households(county, n, year, pc, size=2, **extra):
    return pd.DataFrame(
        {
            "household_id": [f"{county}-{i}" for i in range(n)],
            "year": year,
            "province": "河南省",
            "prefecture": "信阳市",
            "county": county,
            "township": "",
            "village": "村1",
            "household_size": size,
            "household_type": "一般脱贫户",
            "doudi": False,
            "relocated": False,
            "labour_full": 1,
            "labour_weak": 0,
            "migrant_workers": 0,
            "labour_seeking_work": 0,
            "wage": np.asarray(pc, dtype=float) * size,
            "operating_income": 0.0,
            "operating_expenses": 0.0,
            "property": 0.0,
            "transfer": 0.0,
            **extra,
        }
    )


def hand_panel(synthetic=True):
    """光山县: 12 households, per-capita income 8,000 + 500 i (2022), +10% (2023), +20% on 2022 (2024);
    新县: 5 households only (too few)."""
    pc = 8_000 + 500 * np.arange(12)
    frames = [
        _households("光山县", 12, 2022, pc),
        _households("光山县", 12, 2023, pc * 1.1),
        _households("光山县", 12, 2024, pc * 1.2),
    ]
    frames += [_households("新县", 5, y, np.full(5, 9_000.0)) for y in (2022, 2023, 2024)]
    households = derive_income(pd.concat(frames, ignore_index=True))
    measures = pd.DataFrame(
        {
            "household_id": ["光山县-0", "光山县-1", "光山县-2"],
            "year": 2024,
            "measure": ["public_welfare_post", "industry_award", "dibao"],
            "amount": 1000.0,
        }
    )
    return Panel(households=households, measures=measures, meta={"synthetic": synthetic})


def _targets(tmp_path, *targets, region="信阳市", years=(2022, 2025)):
    doc = {
        "document": {"id": "hand", "title_zh": "手算方案", "region": region, "years": list(years)},
        "targets": [
            dict(
                {
                    "clause": "手算",
                    "clause_ref": "一",
                    "description_zh": "手算",
                    "description_en": "by hand",
                    "scope": "whole_region",
                    "years": [2024],
                    "unit": "x",
                },
                **t,
            )
            for t in targets
        ],
    }
    path = tmp_path / "hand.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return load_target_file(path)


def _card(panel, region, year, targets, **kw):
    card = scorecard(panel, region, year, targets=targets, checks=False, **kw)
    assert list(card.columns) == COLUMNS
    return card.set_index(["target_id", "county"])


def test_level_threshold_margin_previous(tmp_path):
    pc = 8_000 + 500 * np.arange(12)
    targets = _targets(
        tmp_path,
        {"id": "wage", "indicator": "wage_pc", "comparison": ">=", "threshold": 12_000, "subregions": True},
        {"id": "wage-high", "indicator": "wage_pc", "comparison": ">", "threshold": 13_000, "subregions": True},
    )
    card = _card(hand_panel(), "光山县", 2024, targets)
    row = card.loc[("wage", "")]
    assert row["value"] == pytest.approx(pc.mean() * 1.2)  # equal sizes: Σ wage / Σ persons = mean pc
    assert row["previous_value"] == pytest.approx(pc.mean() * 1.1)
    assert (row["status"], row["status_code"]) == ("达标", "met")
    assert row["margin"] == pytest.approx(pc.mean() * 1.2 - 12_000)
    assert row["n_households"] == 12
    high = card.loc[("wage-high", "")]
    assert high["status_code"] == "not_met" and high["margin"] == pytest.approx(pc.mean() * 1.2 - 13_000)


def test_growth_against_local_rural_series_per_county(tmp_path):
    targets = _targets(
        tmp_path,
        {
            "id": "g",
            "scope": "each_county",
            "indicator": "net_income_pc_growth",
            "comparison": "exceeds_reference",
            "reference": {"series": "rural_disposable_income", "region": "local", "transform": "growth"},
        },
    )
    card = _card(hand_panel(), "信阳市", 2024, targets)
    counties = sorted(card.loc["g"].index)
    assert len(counties) == 11 and "光山县" in counties and "羊山新区" in counties  # every county of 信阳
    row = card.loc[("g", "光山县")]
    assert row["region"] == "信阳市"
    assert row["value"] == pytest.approx(100 * (1.2 / 1.1 - 1))
    expected = 100 * (rural_income("光山县", 2024, True) / rural_income("光山县", 2023, True) - 1)
    assert row["threshold"] == pytest.approx(expected)
    assert row["status_code"] == ("met" if row["value"] > expected else "not_met")
    assert row["margin"] == pytest.approx(row["value"] - expected)
    small = card.loc[("g", "新县")]
    assert (small["status_code"], small["reason_code"]) == ("not_measurable", "too_few_households")
    empty = card.loc[("g", "罗山县")]
    assert empty["reason_code"] == "missing_series" and "罗山县" in empty["reason"]


def test_synthetic_comparison_series_only_for_synthetic_panels(tmp_path):
    targets = _targets(
        tmp_path,
        {
            "id": "g",
            "indicator": "net_income_pc_growth",
            "comparison": "exceeds_reference",
            "subregions": True,
            "reference": {"series": "rural_disposable_income", "region": "local", "transform": "growth"},
        },
    )
    real = _card(hand_panel(synthetic=False), "光山县", 2024, targets).loc[("g", "")]
    if np.isnan(rural_income("光山县", 2024)):  # no published 光山县 series: never the synthetic one
        assert real["status_code"] == "not_measurable" and real["reason_code"] == "missing_series"
        assert (
            "comparison"
            in scorecard(hand_panel(False), "光山县", 2024, targets=targets, lang="en", checks=False)["reason"].iloc[0]
        )


def test_falls_every_year_uses_previous_value(tmp_path):
    targets = _targets(
        tmp_path, {"id": "below", "indicator": "n_persons_below_10000", "comparison": "decreases", "subregions": True}
    )
    card = _card(hand_panel(), "光山县", 2024, targets)
    row = card.loc[("below", "")]
    pc = 8_000 + 500 * np.arange(12)
    assert row["value"] == 2 * (pc * 1.2 < 10_000).sum()  # persons = 2 per household
    assert row["previous_value"] == row["threshold"] == 2 * (pc * 1.1 < 10_000).sum()
    assert row["status_code"] == "met" and row["margin"] == row["threshold"] - row["value"]


def test_base_year_cohort_and_measures_and_workers(tmp_path):
    cohort = {"below_line_in_base_year": {"year": 2022, "line": 10000}}
    targets = _targets(
        tmp_path,
        {
            "id": "since",
            "indicator": "share_persons_above_10000_since_base",
            "comparison": ">=",
            "threshold": 0.85,
            "population": cohort,
            "subregions": True,
        },
        {
            "id": "dev",
            "indicator": "share_households_with_developmental_measure",
            "comparison": ">=",
            "threshold": 1.0,
            "subregions": True,
        },
        {
            "id": "worker",
            "indicator": "share_households_with_worker",
            "comparison": ">=",
            "threshold": 1.0,
            "subregions": True,
        },
    )
    card = _card(hand_panel(), "光山县", 2024, targets)
    assert card.loc[("since", ""), "reason_code"] == "too_few_households"  # 4 households below 10,000 in 2022
    pc = 7_000 + 300 * np.arange(20)
    bigger = Panel(
        households=derive_income(
            pd.concat(
                [_households("光山县", 20, 2022, pc), _households("光山县", 20, 2024, pc * 1.2)], ignore_index=True
            )
        )
    )
    since = _card(bigger, "光山县", 2024, targets).loc[("since", "")]
    base = pc < 10_000  # 10 households below in 2022; 5 of them above in 2024
    assert base.sum() == 10 and since["n_households"] == 10
    assert since["value"] == pytest.approx(((pc * 1.2 >= 10_000) & base).sum() / 10) == 0.5
    assert since["status_code"] == "not_met" and since["margin"] == pytest.approx(0.5 - 0.85)
    assert card.loc[("dev", ""), "value"] == pytest.approx(
        2 / 12
    )  # welfare post + industry award; 低保 is not developmental
    assert card.loc[("dev", ""), "status_code"] == "not_met"
    assert card.loc[("worker", ""), "value"] == 0.0
    assert np.isnan(card.loc[("dev", ""), "previous_value"])  # no measures recorded in 2023


def test_never_met_when_not_measurable(tmp_path):
    targets = _targets(
        tmp_path,
        {
            "id": "wage",
            "indicator": "wage_pc",
            "comparison": ">=",
            "threshold": 0,
            "subregions": True,
            "years": [2024, 2025],
        },
        {"id": "prog", "indicator": "rural_tap_water_coverage", "comparison": ">=", "threshold": 0.0},
    )
    # 2025 has no panel data: threshold 0 would be "met" by any value, but nothing was measured
    card = _card(hand_panel(), "信阳市", 2025, targets)
    assert card.loc[("wage", ""), "status_code"] == "not_measurable"
    assert card.loc[("wage", ""), "reason_code"] == "missing_series"
    assert card.loc[("wage", ""), "status"] == "缺少数据"
    # a target assessed only in an earlier year of the plan (2024) is not listed in 2025
    assert "prog" not in card.index.get_level_values("target_id")
    small = _card(hand_panel(), "新县", 2024, targets)
    assert small.loc[("wage", ""), "reason_code"] == "too_few_households"
    assert np.isnan(small.loc[("wage", ""), "margin"])


def test_programme_values(tmp_path):
    targets = _targets(
        tmp_path, {"id": "prog", "indicator": "rural_tap_water_coverage", "comparison": ">=", "threshold": 0.9}
    )
    table = pd.DataFrame(
        {
            "region": ["信阳市", "xinyang"],
            "year": [2024, 2023],
            "indicator": "rural_tap_water_coverage",
            "value": [0.93, 0.88],
            "source": "水利局",
        }
    )
    card = _card(hand_panel(synthetic=False), "信阳市", 2024, targets, programme=table)
    row = card.loc[("prog", "")]
    assert (row["value"], row["previous_value"], row["status_code"]) == (0.93, 0.88, "met")
    assert row["margin"] == pytest.approx(0.03)
    none = _card(hand_panel(synthetic=False), "信阳市", 2024, targets).loc[("prog", "")]
    assert none["status_code"] == "not_measurable" and "未提供项目指标表" in none["reason"]


def test_subregion_rules(tmp_path):
    targets = _targets(
        tmp_path,
        {"id": "total", "indicator": "tuopin_migrant_workers", "comparison": ">=", "threshold": 1},
        {"id": "rate", "indicator": "wage_pc", "comparison": ">=", "threshold": 1, "subregions": True},
    )
    assert set(scorecard(hand_panel(), "光山县", 2024, targets=targets, checks=False)["target_id"]) == {"rate"}
    assert set(scorecard(hand_panel(), "信阳市", 2024, targets=targets, checks=False)["target_id"]) == {"total", "rate"}
    assert scorecard(hand_panel(), "弥勒市", 2024, targets=targets, checks=False).empty


def test_load_programme_errors(tmp_path):
    path = tmp_path / "programme.csv"
    path.write_text(
        "region,year,indicator,value,source\n信阳市,2024,rural_tap_water_coverage,0.9,x\n"
        "信阳市,2024,happiness,1,x\n信阳县,2024,rural_tap_water_coverage,1,x\n"
        "信阳市,二〇二四,rural_tap_water_coverage,abc,x\n",
        encoding="utf-8",
    )
    with pytest.raises(EvalkitError) as info:
        load_programme(path)
    message = str(info.value)
    assert "programme.csv 第3行 列 indicator 值 'happiness'" in message
    assert "row 4 column region value '信阳县'" in message
    assert "row 5 column value value 'abc'" in message and "row 5 column year" in message
    path.write_text(
        "region,year,indicator,value,source\n信阳市,2024,rural_tap_water_coverage,0.9,x\n"
        "信阳市,2024,rural_tap_water_coverage,0.8,y\n",
        encoding="utf-8",
    )
    with pytest.raises(EvalkitError, match="rows 2, 3: duplicate") as info:
        load_programme(path)
    assert info.value.code == "E-PROGRAMME-DUPLICATE"


# --- the demo data: every seed region, every year of its plan ------------------------------------


@pytest.fixture(scope="module")
def demo():
    return load_demo()


PLANS = {
    "xinyang": range(2016, 2026),
    "mile": range(2022, 2024),
    "shangyou": range(2024, 2026),
    "jiangxi": range(2024, 2026),
    "guangxi": range(2022, 2025),
}


@pytest.mark.parametrize("region", sorted(PLANS))
def test_every_seed_region_and_plan_year_on_demo(demo, region):
    documents = {t.document for t in load_targets()}
    seen = set()
    targets = load_targets()
    for year in PLANS[region]:
        card = scorecard(demo, region, year)
        in_force = {t.document for t in targets if t.in_force(year)}
        checks = {"identification", "support_matching", "watchlist_flows"}  # issue 16 items 1, 2, 4
        if (card["document"] == "identification").any() and year >= 2021:
            assert checks <= set(card["document"])
            assert (card.loc[card["document"] == "watchlist_flows", "status_code"] == "reported").all()
        targets_only = card[~card["document"].isin(checks)]
        if len(targets_only) == 0:  # no plan of the region in force that year (信阳 2021–2022)
            assert region == "xinyang" and not in_force & {"xinyang_2016_2020", "xinyang_2023_2025"}
            continue
        assert set(card["status_code"]) <= STATUSES
        assert set(targets_only["document"]) <= in_force  # only plans in force
        assessed = card[card["status_code"].isin(["met", "not_met"])]
        assert np.isfinite(assessed[["value", "threshold", "margin"]].to_numpy(float)).all()
        reported = card[card["status_code"].isin(["reported", "check_flagged", "check_clear"])]
        assert np.isfinite(reported["value"].to_numpy(float)).all() and reported["threshold"].isna().all()
        assert (card.loc[card["status_code"] == "not_measurable", "reason"] != "").all()
        assert card.loc[card["status_code"] == "met", "margin"].ge(0).all()
        assert card.loc[card["status_code"] == "not_met", "margin"].le(0).all()
        due = card[card["status_code"] == "not_due"]
        assert (due["due_year"] > year).all() and due["progress_code"].isin(["on_track", "off_track", "unknown"]).all()
        assert not card["reason"].str.contains("不足10户: 不足10户", regex=False).any()
        seen |= set(card["document"])
    seen -= {"identification", "support_matching", "watchlist_flows"}
    assert seen <= documents and seen


def test_english_labels(demo):
    card = scorecard(demo, "mile", 2023, lang="en")
    assert set(card["status"]) <= {
        "met",
        "not met",
        "no data",
        "in progress: on track",
        "in progress: off track",
        "in progress: progress unknown",
        "reported only",
        "to check",
        "none found",
    }
    assert card["region"].iloc[0] == "Mile" or card["region"].iloc[0].startswith("Mile")


def test_cli_scorecard(tmp_path, capsys, demo):
    out = tmp_path / "card.csv"
    assert main(["scorecard", "--region", "mile", "--year", "2023", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "SYNTHETIC" in printed and "2023年全市所有脱贫人口和监测对象人均纯收入全部达到1万元以上" in printed
    assert "NaN" not in printed and "nan" not in printed
    assert "达标: " in printed and "未到考核年份: " in printed and "缺少数据: " in printed
    written = pd.read_csv(out, encoding="utf-8-sig")
    assert list(written.columns) == COLUMNS and len(written) == len(scorecard(demo, "mile", 2023))
    assert main(["scorecard", "--region", "火星县", "--year", "2023"]) == 2


def test_cli_scorecard_on_a_dataset_equals_the_panel_folder(tmp_path, demo):
    from evalkit.io.dataset import write_dataset

    write_dataset(demo, tmp_path / "dataset")
    for data, out in ((str(demo_dir()), "folder.csv"), (str(tmp_path / "dataset"), "dataset.csv")):
        assert (
            main(["scorecard", "--region", "guangxi", "--year", "2023", "--data", data, "--out", str(tmp_path / out)])
            == 0
        )
    folder, dataset = (pd.read_csv(tmp_path / f, encoding="utf-8-sig") for f in ("folder.csv", "dataset.csv"))
    assert len(folder) > 20 and folder["status"].eq("达标").any()
    pd.testing.assert_frame_equal(folder, dataset)


def test_cli_scorecard_with_programme_table(tmp_path, capsys):
    table = tmp_path / "programme.csv"
    table.write_text(
        "region,year,indicator,value,source\n弥勒市,2023,linkage_fund_industry_share,0.40,财政局\n", encoding="utf-8"
    )
    out = tmp_path / "card.csv"
    assert main(["scorecard", "--region", "mile", "--year", "2023", "--programme", str(table), "--out", str(out)]) == 0
    row = pd.read_csv(out, encoding="utf-8-sig").set_index("target_id").loc["ml-industry-fund-share"]
    assert (row["value"], row["status"]) == (0.40, "未达标")


# --- issue 16: the clauses the first audit missed, recomputed by hand ----------------------------


def issue16_panel():
    """光山县, 20 households of 2 persons, 2023 and 2024; per-capita income 8,000 + 500 i (2023),
    +10% (2024). Households 4 and 5 are 监测对象 (边缘易致贫户, since 2021, risk not eliminated);
    3 has weak labour only, 4 and 5 none, 0 two full labourers, the others one."""
    n = 20
    pc = 8_000 + 500 * np.arange(n)
    labour_full = np.array([2, 1, 1, 0, 0, 0] + [1] * 14)
    labour_weak = np.array([0, 0, 0, 1] + [0] * 16)
    workers = np.array([1, 1, 0, 0, 0, 0, 1, 1] + [0] * 12)
    months = np.array([6, 6, 0, 0, 0, 0, 2, 6] + [0] * 12, dtype=float)
    seeking = np.zeros(n, dtype=int)
    seeking[[2, 8, 9]] = 1
    types = np.array(["一般脱贫户"] * n, dtype=object)
    types[[4, 5]] = "边缘易致贫户"
    start = np.where(np.isin(np.arange(n), [4, 5]), 2021, np.nan)
    extra = dict(
        labour_full=labour_full,
        labour_weak=labour_weak,
        migrant_workers=workers,
        migrant_work_months=months,
        labour_seeking_work=seeking,
        household_type=types,
        monitoring_start_year=start,
        risk_eliminated=False,
    )
    frames = [_households("光山县", n, 2023, pc, **extra), _households("光山县", n, 2024, pc * 1.1, **extra)]
    households = derive_income(pd.concat(frames, ignore_index=True))
    households["transfer_dibao"] = 0.0
    households.loc[(households["year"] == 2024) & (households["household_id"] == "光山县-4"), "transfer_dibao"] = 500.0
    rows = [
        (0, "public_welfare_post", 1000),
        (0, "work_incentive", 100),
        (1, "industry_award", 800),
        (1, "work_incentive", 300),
        (2, "industry_award", 800),
        (3, "courtyard_economy", 500),
        (5, "dibao", 2000),
        (6, "work_incentive", 200),
        (7, "work_incentive", 300),
    ]
    measures = pd.DataFrame(
        {
            "household_id": [f"光山县-{i}" for i, _, _ in rows],
            "year": 2024,
            "measure": [m for _, m, _ in rows],
            "amount": [float(a) for _, _, a in rows],
        }
    )
    return Panel(households=households, measures=measures, meta={"synthetic": True})


def test_issue16_indicators_by_hand(tmp_path):
    labour = {"groups": ["tuopin", "monitored"], "labourers": ">=1"}
    targets = _targets(
        tmp_path,
        *[
            {"id": i, "indicator": ind, "comparison": ">=", "threshold": 1.0, "subregions": True, **kw}
            for i, ind, kw in (
                ("dev", "share_labourers_with_developmental_measure", {"population": labour}),
                ("assist", "share_households_with_social_assistance", {}),
                ("willing", "share_willing_labourers_employed", {}),
                ("industry", "share_households_with_industry_support", {"population": labour}),
                ("incentive", "share_work_incentive_conforming", {}),
            )
        ],
        {
            "id": "listed",
            "indicator": "n_households_below_10000",
            "comparison": "report",
            "population": {"groups": ["tuopin"]},
            "subregions": True,
        },
        {
            "id": "about",
            "indicator": "wage_pc",
            "comparison": ">=",
            "threshold": 10_000,
            "tolerance": 500,
            "subregions": True,
        },
    )
    card = _card(issue16_panel(), "光山县", 2024, targets)
    value = card["value"].droplevel("county")
    # labourers: 2 (household 0) + 1 + 1 + 1 (3, weak) + 14 × 1 (6–19) = 19 in 18 households;
    # households 0–3, 6, 7 have an employment or industry measure → 2 + 1 + 1 + 1 + 1 + 1 = 7
    assert value["dev"] == pytest.approx(7 / 19)
    # 低保 as transfer income (4) or as a measure (5): 2 of 20 households
    assert value["assist"] == pytest.approx(2 / 20)
    # in work: 0, 1, 6, 7 (4 persons); wanting work without a job: 2, 8, 9 (3)
    assert value["willing"] == pytest.approx(4 / 7)
    # with labour (18) and no employment measure (not 0, 1, 6, 7): 14; with an industry measure: 2, 3
    assert value["industry"] == pytest.approx(2 / 14)
    assert card.loc[("industry", ""), "n_households"] == 14
    # 务工增收奖励 paid to 0, 1, 6, 7: bottom fifth of 2023 = households 0–3; only 1 conforms
    # (0 has a public-welfare post, 6 worked 2 months and is not key, 7 is not key)
    assert value["incentive"] == pytest.approx(1 / 4)
    assert card.loc[("incentive", ""), "n_households"] == 4
    # 脱贫户 below 10,000 in 2024: 1.1 × (8,000 + 500 i) < 10,000 for i = 0, 1, 2 (4, 5 are 监测对象)
    listed = card.loc[("listed", "")]
    assert (listed["value"], listed["status_code"], listed["status"]) == (3, "reported", "仅列示")
    assert np.isnan(listed["threshold"]) and np.isnan(listed["margin"])
    # "左右": mean wage 1.1 × 12,750 = 14,025 ≥ 10,000 anyway; tolerance widens the bound, the margin is against it
    about = card.loc[("about", "")]
    assert about["status_code"] == "met" and about["margin"] == pytest.approx(1.1 * 12_750 - 10_000 + 500)


def test_tolerance_meets_a_target_just_off(tmp_path):
    pc = 8_000 + 500 * np.arange(12)
    wage = pc.mean() * 1.2  # 12,900
    targets = _targets(
        tmp_path,
        {"id": "strict", "indicator": "wage_pc", "comparison": "<=", "threshold": 12_850, "subregions": True},
        {
            "id": "about",
            "indicator": "wage_pc",
            "comparison": "<=",
            "threshold": 12_850,
            "tolerance": 100,
            "subregions": True,
        },
    )
    card = _card(hand_panel(), "光山县", 2024, targets)
    assert card.loc[("strict", ""), "status_code"] == "not_met"
    assert card.loc[("about", ""), "status_code"] == "met"
    assert card.loc[("about", ""), "margin"] == pytest.approx(12_850 + 100 - wage)


def test_eastern_enterprises_only_on_key_counties(demo):
    card = scorecard(demo, "guangxi", 2023)
    rows = card[card["target_id"] == "gx-eastern-enterprises"]
    assert len(rows) == 20 and "兴宁区" not in set(rows["county"]) and "青秀区" not in set(rows["county"])
    listed = pd.read_csv(data_path("key_assisted_counties.csv"))
    assert set(rows["county"]) == set(listed.loc[listed["list"] == "national_key_assisted", "county"])
    exit_rows = scorecard(demo, "xinyang", 2019)
    exit_rows = exit_rows[exit_rows["target_id"] == "xy16-all-counties-exit"]
    assert len(exit_rows) == 9 and not {"固始县", "羊山新区"} & set(exit_rows["county"])


def test_cli_scorecard_with_cost_checks(tmp_path, capsys, demo, monkeypatch):
    import evalkit.reporting.effects_section as effects_section

    seen = {}

    def fake_estimates(panel, *args, **kwargs):
        seen["households"] = panel.households["household_id"].nunique()
        effects = pd.DataFrame([{"outcome": "net_income_pc", "att": 500.0, "se": 50.0, "pretest_pvalue": 0.5}])
        return effects_section.OverviewEstimates(results={"public_welfare_post": effects}, too_few=["tekun"])

    monkeypatch.setattr(effects_section, "overview_estimates", fake_estimates)
    out = tmp_path / "card.csv"
    assert main(["scorecard", "--region", "mile", "--year", "2023", "--cost", "--out", str(out)]) == 0
    written = pd.read_csv(out, encoding="utf-8-sig")
    rows = written[written["document"] == "cost"]
    assert rows["target_id"].tolist() == ["check-cost-public_welfare_post"] and seen["households"] > 0
    assert (rows["status_code"] == "reported").all() and "每元补助增收" in capsys.readouterr().out
