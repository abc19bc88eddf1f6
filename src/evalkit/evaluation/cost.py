"""Cost of support beside its effect: yuan of income gained per yuan paid (后评估: 资金使用效益).

For every measure with amounts (``has_amount`` in ``data/measures.csv``) paid to the region's
脱贫 and 监测 households up to ``year``:

* ``n_households`` — households paid; ``amount_per_household`` ā — mean amount per household-year
  paid (yuan);
* ``effect_per_household`` — the estimated average effect on per-capita net income (the simple
  Callaway–Sant'Anna aggregation of :func:`evalkit.effects.measures.measure_effects`, yuan per
  person per year) × s̄, the mean size of the paid household-years;
* ``yuan_per_yuan`` r = effect_per_household / ā, with a 95% interval by the **delta method**:
  se(r)² = (s̄ · se(ATT) / ā)² + (r · se(ā) / ā)², se(ā) = sd(amount) / √(household-years),
  treating the effect estimate and the mean amount as independent and s̄ as fixed; interval
  r ± z · se(r) with z the normal 97.5% quantile.

The ratio is shown only where the effect estimate is credible: an estimate whose pre-trend test
rejects (p < :data:`evalkit.effects.measures.PRETEST_ALERT`) gets no ratio, and the ``note`` says
why; so does a measure without an estimate in the report (the caller's reason when it gives one,
e.g. too few treated households), and a measure with amounts in the catalogue that no household
of the region was paid (a row with 0 households, so that the table says why it has no ratio).

:func:`cost_checks` turns the credible rows into the scorecard's cost checks (checks, not targets).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from evalkit.core.resources import read_reference_csv
from evalkit.core.schema import measures_catalogue

OUTCOME = "net_income_pc"
#: the numeric columns of :func:`cost_per_yuan` beside the counts
NUMBERS = (
    "amount_per_household",
    "amount_se",
    "mean_size",
    "att",
    "att_se",
    "pretest_pvalue",
    "effect_per_household",
    "yuan_per_yuan",
    "se",
    "ci_low",
    "ci_high",
)
COLUMNS = ["measure", "label", "n_households", "n_household_years", *NUMBERS, "credible", "note", "spent"]
#: what a measure's amount is when it is not a payment (loan principal; data/cost_amounts.csv, with sources)
AMOUNTS_FILE = "cost_amounts.csv"
NOTES = {
    "no_estimate": ("本报告未估计该措施效果", "no effect estimated in this report"),
    "pretrend": (
        "处理前趋势检验未通过 (p < 0.05), 效果估计不可信, 不计算每元增收",
        "pre-trend test rejects (p < 0.05): effect not credible, no ratio",
    ),
    "no_effect_row": ("效果估计缺少人均纯收入结果", "the estimate has no per-capita net income row"),
    "not_paid": ("本地区没有该措施的金额记录", "no payment of this measure recorded in the region"),
}


def _effect_row(effects) -> pd.Series | None:
    table = getattr(effects, "effects", effects)
    if table is None or len(table) == 0:
        return None
    rows = table[table["outcome"] == OUTCOME]
    return rows.iloc[0] if len(rows) else None


def cost_per_yuan(
    households: pd.DataFrame,
    measures: pd.DataFrame,
    year: int,
    effects: dict | None = None,
    lang: str = "zh",
    alpha: float = 0.05,
    reasons: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per catalogue measure with amounts, in catalogue order: those paid to the 脱贫/监测
    households of ``households`` in years ≤ ``year`` first, then those paid to none (0 households,
    note :data:`NOTES` ``not_paid``). Columns: measure, label, n_households, n_household_years,
    amount_per_household, amount_se, mean_size, att, att_se, pretest_pvalue, effect_per_household,
    yuan_per_yuan, se, ci_low, ci_high, credible, note, spent (False: the amount is, or may be, a
    loan's principal, ``data/cost_amounts.csv``; the note says so) (module docstring). ``effects``: {measure
    code: :class:`~evalkit.effects.measures.MeasureEffects` or its ``effects`` table}; ``reasons``:
    {measure code: why it has no estimate} for measures not in ``effects`` (default: "no effect
    estimated in this report")."""
    from evalkit.effects.measures import PRETEST_ALERT

    effects = effects or {}
    reasons = reasons or {}
    amounts = read_reference_csv(AMOUNTS_FILE).set_index("measure")
    not_spent = amounts[amounts["amount_is"] != "payment"]
    i = 0 if lang == "zh" else 1
    z = float(stats.norm.ppf(1 - alpha / 2))
    catalogue = measures_catalogue().set_index("code")
    with_amount = catalogue.index[catalogue["has_amount"].eq("yes")]
    people = households[(households["is_tuopin"] | households["is_monitored"]) & (households["year"] <= int(year))]
    size = people.set_index(["household_id", "year"])["household_size"]
    paid = measures[
        measures["measure"].isin(with_amount)
        & (measures["year"] <= int(year))
        & measures["household_id"].isin(people["household_id"])
        & (pd.to_numeric(measures["amount"], errors="coerce") > 0)
    ]
    # one amount per household-year and measure (several payments in a year add up)
    paid = pd.DataFrame(paid.groupby(["measure", "household_id", "year"], as_index=False)["amount"].sum())
    paid["household_size"] = size.reindex(pd.MultiIndex.from_frame(paid[["household_id", "year"]])).to_numpy()
    rows = []
    order = {c: k for k, c in enumerate(catalogue.index)}
    for code, part in sorted(paid.groupby("measure"), key=lambda kv: order[kv[0]]):
        n = len(part)
        amount = float(part["amount"].mean())
        amount_se = float(part["amount"].std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
        mean_size = float(part["household_size"].mean())
        row = {
            "measure": code,
            "label": catalogue.at[str(code), "label_zh" if i == 0 else "label_en"],
            "n_households": int(part["household_id"].nunique()),
            "n_household_years": n,
            "amount_per_household": amount,
            "amount_se": amount_se,
            "mean_size": mean_size,
            "att": np.nan,
            "att_se": np.nan,
            "pretest_pvalue": np.nan,
            "effect_per_household": np.nan,
            "yuan_per_yuan": np.nan,
            "se": np.nan,
            "ci_low": np.nan,
            "ci_high": np.nan,
            "credible": False,
            "note": reasons.get(str(code), NOTES["no_estimate"][i]),
        }
        if code in effects:
            effect = _effect_row(effects[code])
            if effect is None:
                row["note"] = NOTES["no_effect_row"][i]
            else:
                att, att_se, p = float(effect["att"]), float(effect["se"]), float(effect.get("pretest_pvalue", np.nan))
                row.update(att=att, att_se=att_se, pretest_pvalue=p, effect_per_household=att * mean_size)
                if np.isfinite(p) and p < PRETEST_ALERT:
                    row["note"] = NOTES["pretrend"][i]
                else:
                    ratio = att * mean_size / amount
                    se = float(
                        np.hypot(
                            mean_size * att_se / amount, ratio * (amount_se if np.isfinite(amount_se) else 0) / amount
                        )
                    )
                    row.update(
                        yuan_per_yuan=ratio,
                        se=se,
                        ci_low=ratio - z * se,
                        ci_high=ratio + z * se,
                        credible=True,
                        note="",
                    )
        if code in not_spent.index:  # a loan's principal (data/cost_amounts.csv): a ratio, but no check
            said = str(not_spent.at[code, "note_zh" if i == 0 else "note_en"])
            row["note"] = "; ".join([str(row["note"]), said]) if row["note"] else said
        row["spent"] = code not in not_spent.index
        rows.append(row)
    label = "label_zh" if i == 0 else "label_en"
    for code in with_amount.difference(pd.Index(paid["measure"].unique()), sort=False):
        rows.append(
            {
                "measure": code,
                "label": catalogue.at[str(code), label],
                "n_households": 0,
                "n_household_years": 0,
                **dict.fromkeys(NUMBERS, np.nan),
                "credible": False,
                "note": NOTES["not_paid"][i],
                "spent": code not in not_spent.index,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def cost_checks(cost: pd.DataFrame, lang: str = "zh") -> list[dict]:
    """The scorecard's cost checks (issue 16: checks, not targets) from :func:`cost_per_yuan`: one
    per measure whose ratio is credible and whose amount is money spent (not a loan's principal,
    ``data/cost_amounts.csv``) — measure, label, value (yuan per yuan), ci_low, ci_high,
    n_households (paid) and a description with the 95% interval. Measures without a credible ratio
    give no check (the report's cost table says why)."""
    rows = []
    spent = cost["spent"].astype(bool) if "spent" in cost else True
    for row in cost[cost["credible"].astype(bool) & spent].itertuples(index=False):
        interval = f"[{row.ci_low:.2f}, {row.ci_high:.2f}]"
        description = (
            f"{row.label}: 每元补助增收 (元; 95% 置信区间 {interval})"
            if lang == "zh"
            else f"{row.label}: yuan gained per yuan paid (95% CI {interval})"
        )
        rows.append(
            {
                "measure": row.measure,
                "label": row.label,
                "value": float(row.yuan_per_yuan),  # type: ignore[arg-type]  # itertuples fields are untyped
                "ci_low": float(row.ci_low),  # type: ignore[arg-type]
                "ci_high": float(row.ci_high),  # type: ignore[arg-type]
                "n_households": int(row.n_households),  # type: ignore[arg-type]
                "description": description,
            }
        )
    return rows
