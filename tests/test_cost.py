"""Cost per yuan (issue 16 item 3): amounts, effect per household and the delta-method interval by hand."""

import numpy as np
import pandas as pd
import pytest

from evalkit.core.schema import measures_catalogue
from evalkit.evaluation.cost import cost_checks, cost_per_yuan


def _households():
    # a: 2 persons, b: 4 persons, c: 3 persons (monitored only); x is not 脱贫 or 监测 (ignored)
    rows = []
    for year in (2023, 2024):
        for hid, size, tuopin, monitored in (
            ("a", 2, True, False),
            ("b", 4, True, False),
            ("c", 3, False, True),
            ("x", 5, False, False),
        ):
            rows.append(
                {
                    "household_id": hid,
                    "year": year,
                    "household_size": size,
                    "is_tuopin": tuopin,
                    "is_monitored": monitored,
                }
            )
    return pd.DataFrame(rows)


def _measures():
    return pd.DataFrame(
        [
            ("a", 2023, "public_welfare_post", 1000.0),
            ("a", 2024, "public_welfare_post", 1500.0),
            ("a", 2024, "public_welfare_post", 500.0),  # two payments in one year: 2,000 for 2024
            ("b", 2024, "public_welfare_post", 3000.0),
            ("x", 2024, "public_welfare_post", 9999.0),  # not 脱贫/监测
            ("c", 2025, "public_welfare_post", 9999.0),  # after the report year
            ("b", 2024, "industry_award", 800.0),
            ("c", 2024, "dibao", 1200.0),
            ("c", 2024, "skills_training", np.nan),  # no amount in the catalogue
        ],
        columns=["household_id", "year", "measure", "amount"],
    )


def _effects(att, se, p):
    return pd.DataFrame([{"outcome": "net_income_pc", "att": att, "se": se, "pretest_pvalue": p}])


def test_ratio_and_delta_method_by_hand():
    effects = {"public_welfare_post": _effects(400.0, 100.0, 0.40), "industry_award": _effects(300.0, 50.0, 0.01)}
    cost = cost_per_yuan(_households(), _measures(), 2024, effects=effects).set_index("measure")
    # paid measures first (catalogue order), then every other measure with amounts: 0 households, why
    assert list(cost.index[:3]) == ["public_welfare_post", "industry_award", "dibao"]
    catalogue = measures_catalogue()
    with_amount = list(catalogue.loc[catalogue["has_amount"] == "yes", "code"])
    assert sorted(cost.index) == sorted(with_amount) and "skills_training" not in cost.index
    unpaid = cost.iloc[3:]
    assert (unpaid["n_households"] == 0).all() and (unpaid["note"] == "本地区没有该措施的金额记录").all()
    assert unpaid["yuan_per_yuan"].isna().all() and not unpaid["credible"].any()
    post = cost.loc["public_welfare_post"]
    # household-years paid: a 2023 (1000, size 2), a 2024 (2000, size 2), b 2024 (3000, size 4)
    amounts, sizes = np.array([1000.0, 2000.0, 3000.0]), np.array([2, 2, 4])
    assert (post["n_households"], post["n_household_years"]) == (2, 3)
    assert post["amount_per_household"] == pytest.approx(2000.0)
    assert post["mean_size"] == pytest.approx(sizes.mean())
    assert post["effect_per_household"] == pytest.approx(400.0 * 8 / 3)
    ratio = 400.0 * (8 / 3) / 2000.0
    amount_se = amounts.std(ddof=1) / np.sqrt(3)
    se = np.sqrt(((8 / 3) * 100.0 / 2000.0) ** 2 + (ratio * amount_se / 2000.0) ** 2)
    assert post["yuan_per_yuan"] == pytest.approx(ratio) and post["se"] == pytest.approx(se)
    assert post["ci_low"] == pytest.approx(ratio - 1.959964 * se, rel=1e-6)
    assert bool(post["credible"]) and post["note"] == ""
    # a pre-trend caveat: the effect is shown, the ratio is not
    award = cost.loc["industry_award"]
    assert award["effect_per_household"] == pytest.approx(300.0 * 4)
    assert np.isnan(award["yuan_per_yuan"]) and not award["credible"] and "处理前趋势" in award["note"]
    # no estimate in the report: the amount only
    dibao = cost.loc["dibao"]
    assert dibao["amount_per_household"] == 1200.0 and np.isnan(dibao["effect_per_household"])
    assert dibao["note"] == "本报告未估计该措施效果"
    assert (
        cost_per_yuan(_households(), _measures(), 2024, lang="en").loc[0, "note"]
        == "no effect estimated in this report"
    )


def test_reasons_and_cost_checks():
    effects = {"public_welfare_post": _effects(400.0, 100.0, 0.40), "industry_award": _effects(300.0, 50.0, 0.01)}
    reasons = {"dibao": "受益户少于 50 户, 未估计效果"}
    cost = cost_per_yuan(_households(), _measures(), 2024, effects=effects, reasons=reasons).set_index("measure")
    assert cost.loc["dibao", "note"] == "受益户少于 50 户, 未估计效果"
    # the scorecard's cost checks: only the credible ratio (公益性岗位), with its interval
    checks = cost_checks(cost.reset_index())
    assert [c["measure"] for c in checks] == ["public_welfare_post"]
    post = cost.loc["public_welfare_post"]
    check = checks[0]
    assert check["value"] == pytest.approx(400.0 * (8 / 3) / 2000.0) and check["n_households"] == 2
    assert (check["ci_low"], check["ci_high"]) == (post["ci_low"], post["ci_high"])
    assert f"[{post['ci_low']:.2f}, {post['ci_high']:.2f}]" in check["description"]
    assert check["description"].startswith("公益性岗位: 每元补助增收")
    english = cost_checks(cost_per_yuan(_households(), _measures(), 2024, effects, "en"), "en")
    assert "95% CI" in english[0]["description"]


def test_a_loan_principal_is_not_a_cost_check():
    measures = pd.DataFrame(
        [("a", 2024, "microcredit", 50_000.0), ("b", 2024, "microcredit", 30_000.0)],
        columns=["household_id", "year", "measure", "amount"],
    )
    effects = {"microcredit": _effects(500.0, 100.0, 0.5)}
    cost = cost_per_yuan(_households(), measures, 2024, effects=effects).set_index("measure")
    loan = cost.loc["microcredit"]
    # the ratio is computed (per yuan lent: 500 x mean size 3 / 40,000) and the note says what it is
    assert loan["yuan_per_yuan"] == pytest.approx(500.0 * 3 / 40_000.0) and bool(loan["credible"])
    assert not loan["spent"] and "贷款本金" in loan["note"]
    assert cost.loc["public_welfare_post", "spent"]  # a payment
    assert cost_checks(cost.reset_index()) == []  # no scorecard check for a loan
