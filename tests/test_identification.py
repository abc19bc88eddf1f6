"""Identification checks (issue 16 item 1): every count recomputed by hand on a small panel."""

import numpy as np
import pandas as pd
import pytest

from evalkit.core.panel import Panel
from evalkit.core.schema import derive_income
from evalkit.evaluation.identification import (
    CHECKS,
    identification_counts,
    identification_flags,
    identification_list,
    identification_rules,
)
from evalkit.evaluation.scorecard import scorecard

# 河南 demo monitoring line (SYNTHETIC, data/demo_comparison_series.csv): 2023 7,500 (published), 2024 7,800
LINE_2023, LINE_2024 = 7_500, 7_800


def small_panel():
    """光山县 (two townships) and 新县, one person per household, 2023 → 2024:

    id  type           2023    2024   note
    a   一般脱贫户       9000    7000   返贫 (crossed the line), below & not monitored
    b   一般脱贫户       7000    7200   below both years (not a crossing), below & not monitored
    c   一般脱贫户      20000   13000   fell 35% (≥ 30%), above the line
    d   边缘易致贫户     8000    7700   monitored, not eliminated: 致贫 crossing, but under monitoring
    e   边缘易致贫户     7000    9000   risk eliminated 2023 while below in 2023: 错退 check; not below now
    f   脱贫不稳定户     9000    7600   risk eliminated 2024, below now: 错退 + below & not monitored + 返贫
    g   突发严重困难户   9000    9500   eliminated 2022, above: nothing
    h   一般脱贫户      12000   12500   nothing (新县)
    """
    spec = {
        "a": ("一般脱贫户", 9000, 7000, "城关镇", "光山县", None, np.nan),
        "b": ("一般脱贫户", 7000, 7200, "城关镇", "光山县", None, np.nan),
        "c": ("一般脱贫户", 20000, 13000, "十里镇", "光山县", None, np.nan),
        "d": ("边缘易致贫户", 8000, 7700, "十里镇", "光山县", 2022, np.nan),
        "e": ("边缘易致贫户", 7000, 9000, "十里镇", "光山县", 2021, 2023),
        "f": ("脱贫不稳定户", 9000, 7600, "城关镇", "光山县", 2021, 2024),
        "g": ("突发严重困难户", 9000, 9500, "城关镇", "光山县", 2021, 2022),
        "h": ("一般脱贫户", 12000, 12500, "新集镇", "新县", None, np.nan),
    }
    frames = []
    for year, col in ((2023, 1), (2024, 2)):
        rows = []
        for hid, v in spec.items():
            eliminated_year = v[6]
            rows.append(
                {
                    "household_id": hid,
                    "year": year,
                    "province": "河南省",
                    "prefecture": "信阳市",
                    "county": v[4],
                    "township": v[3],
                    "village": "村1",
                    "household_size": 1,
                    "household_type": v[0],
                    "monitoring_start_year": v[5] if v[5] else np.nan,
                    "risk_eliminated": bool(np.isfinite(eliminated_year) and eliminated_year <= year),
                    "risk_eliminated_year": eliminated_year if eliminated_year <= year else np.nan,
                    "wage": float(v[col]),
                    "operating_income": 0.0,
                    "operating_expenses": 0.0,
                    "property": 0.0,
                    "transfer": 0.0,
                }
            )
        frames.append(pd.DataFrame(rows))
    households = derive_income(pd.concat(frames, ignore_index=True))
    measures = pd.DataFrame(columns=["household_id", "year", "measure", "amount"])
    return Panel(households=households, measures=measures, meta={"synthetic": True})


def _flagged(flags, check):
    return sorted(flags.loc[flags[check], "household_id"])


def test_each_check_by_hand():
    assert identification_rules()["income_fall_share"] == 0.30
    flags = identification_flags(small_panel(), "信阳市", 2024)
    assert (flags["line"] == LINE_2024).all()
    # below 7,800 in 2024: a 7000, b 7200, d 7700, f 7600; d is under monitoring
    assert _flagged(flags, "below_line_not_monitored") == ["a", "b", "f"]
    # fell ≥ 30%: a (−22%) no, c (−35%) yes
    assert _flagged(flags, "income_fall_not_monitored") == ["c"]
    # e eliminated 2023 with 7,000 < 7,500 in 2023; f eliminated 2024 with 7,600 < 7,800
    assert _flagged(flags, "eliminated_below_line") == ["e", "f"]
    # crossed the line (≥ line 2023, < line 2024): a, d, f; 脱贫: a, f; non-脱贫 monitored: d
    assert _flagged(flags, "fell_back") == ["a", "f"]
    assert _flagged(flags, "fell_into") == ["d"]


def test_counts_by_county_and_township_and_the_list():
    flags = identification_flags(small_panel(), "信阳市", 2024)
    counts = identification_counts(flags, "county").set_index(["county", "check"])
    assert counts.loc[("光山县", "below_line_not_monitored"), ["n_households", "n_flagged"]].tolist() == [7, 3]
    assert counts.loc[("新县", "below_line_not_monitored"), "n_flagged"] == 0
    assert counts.loc[("合计", "eliminated_below_line"), ["n_households", "n_flagged"]].tolist() == [8, 2]
    assert counts.loc[("合计", "fell_back"), "share"] == pytest.approx(2 / 8)
    towns = identification_counts(flags, "township").set_index(["township", "check"])
    assert towns.loc[("城关镇", "below_line_not_monitored"), ["n_households", "n_flagged"]].tolist() == [4, 3]
    assert towns.loc[("十里镇", "income_fall_not_monitored"), "n_flagged"] == 1
    listed = identification_list(flags)
    assert len(listed) == 3 + 1 + 2 + 2 + 1
    assert listed["check"].tolist()[:3] == ["below_line_not_monitored"] * 3
    assert listed.loc[listed["check"] == "below_line_not_monitored", "household_id"].tolist() == ["a", "b", "f"]
    assert not {"head_name", "id_card", "phone"} & set(listed.columns)


def test_checks_are_scorecard_rows_not_targets():
    full = scorecard(small_panel(), "信阳市", 2024, targets=[])
    assert list(dict.fromkeys(full["document"])) == ["identification", "support_matching", "watchlist_flows"]
    card = full[full["document"] == "identification"]
    assert list(card["target_id"]) == [f"check-{c}" for c in CHECKS]
    card = card.set_index("indicator")
    assert card.loc["below_line_not_monitored", ["value", "n_households"]].tolist() == [3, 8]
    assert set(card["status_code"]) == {"check_flagged"}
    assert card["threshold"].isna().all() and card["margin"].isna().all()
    # the panel has no labour counts: matching is not measurable, with the reason
    match = full[full["document"] == "support_matching"]
    assert match["status_code"].tolist() == ["not_measurable"] and "劳动力人数" in match["reason"].iloc[0]
    # 台账 (any flag, 广西 rules as reference): listed, never a status of a target
    flows = full[full["document"] == "watchlist_flows"].set_index("target_id")
    assert set(flows["status_code"]) == {"reported"}
    assert flows.loc[["check-flow-new", "check-flow-still", "check-flow-left"], "value"].notna().all()
    # a year without data: not measurable, with the reason
    empty = scorecard(small_panel(), "信阳市", 2020, targets=[])
    assert set(empty["status_code"]) == {"not_measurable"} and (empty["reason"] != "").all()


def test_cost_checks_are_scorecard_rows_only_where_credible():
    cost = pd.DataFrame(
        {
            "measure": ["public_welfare_post", "industry_award", "dibao"],
            "label": ["公益性岗位", "产业奖补", "低保"],
            "n_households": [120, 80, 0],
            "yuan_per_yuan": [1.25, np.nan, np.nan],
            "ci_low": [0.8, np.nan, np.nan],
            "ci_high": [1.7, np.nan, np.nan],
            "credible": [True, False, False],  # 产业奖补: pre-trend caveat; 低保: not paid
        }
    )
    card = scorecard(small_panel(), "信阳市", 2024, targets=[], cost=cost)
    rows = card[card["document"] == "cost"]
    assert rows["target_id"].tolist() == ["check-cost-public_welfare_post"]
    row = rows.iloc[0]
    assert (row["value"], row["n_households"], row["unit"], row["status_code"]) == (1.25, 120, "ratio", "reported")
    assert "[0.80, 1.70]" in row["description"] and np.isnan(row["threshold"])
    # without a cost table (evalkit scorecard): no cost rows
    assert "cost" not in set(scorecard(small_panel(), "信阳市", 2024, targets=[])["document"])
