"""Tidy result objects of the effect estimators and their summary tables.

Every estimate is a row of a pandas DataFrame with ``att``, ``se``, ``ci_low``, ``ci_high``
(pointwise ``att ± z_{1-α/2}·se``); event studies add ``band_low``/``band_high`` (uniform band
from the multiplier bootstrap) when asked. The layout follows linearmodels/pyfixest: a result
object holds the estimates, the design accounting and the parameters that produced them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm
from scipy.stats import t as t_dist

#: Display labels of the outcomes the domain layer estimates (Chinese first, English second).
OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "net_income_pc": ("人均纯收入", "per-capita net income"),
    "wage_pc": ("人均工资性收入", "per-capita wage income"),
    "net_operating_pc": ("人均经营净收入", "per-capita net operating income"),
    "property_pc": ("人均财产性收入", "per-capita property income"),
    "transfer_pc": ("人均转移性收入", "per-capita transfer income"),
}


def outcome_label(outcome: str, lang: str = "zh") -> str:
    """Label of an outcome column in ``lang`` (zh|en); the column name when unknown."""
    zh, en = OUTCOME_LABELS.get(outcome, (outcome, outcome))
    return zh if lang == "zh" else en


def add_ci(frame: pd.DataFrame, alpha: float = 0.05, df: int | None = None) -> pd.DataFrame:
    """Add pointwise ``ci_low``/``ci_high`` = att ∓ c·se to a frame with att and se, with c the
    z_{1−α/2} quantile, or t_{df} (clustered small-sample inference: df = clusters − 1)."""
    z = norm.ppf(1 - alpha / 2) if df is None else t_dist.ppf(1 - alpha / 2, df)
    out = frame.copy()
    out["ci_low"] = out["att"] - z * out["se"]
    out["ci_high"] = out["att"] + z * out["se"]
    return out


@dataclass
class Aggregation:
    """One aggregation of ATT(g,t) (Callaway & Sant'Anna 2021, section 3).

    ``kind`` is simple | group | dynamic | calendar; ``att``/``se`` the overall summary
    parameter with its analytic standard error; ``table`` the per-group / per-event-time /
    per-year effects (column ``group``, ``event_time`` or ``time``) with att, se, ci_low,
    ci_high, and for a bootstrapped event study band_low, band_high (uniform band, critical
    value ``crit_value``).
    """

    kind: str
    att: float
    se: float
    table: pd.DataFrame
    alpha: float = 0.05
    crit_value: float | None = None
    df: int | None = None

    @property
    def ci(self) -> tuple[float, float]:
        row = self.overall().iloc[0]
        return float(row["ci_low"]), float(row["ci_high"])

    @property
    def pvalue(self) -> float:
        """Two-sided p-value of att = 0 (t_{df} reference when df is set, else normal)."""
        stat = abs(self.att / self.se)
        return float(2 * (norm.sf(stat) if self.df is None else t_dist.sf(stat, self.df)))

    def overall(self) -> pd.DataFrame:
        """One-row frame: kind, att, se, ci_low, ci_high."""
        return add_ci(pd.DataFrame({"kind": [self.kind], "att": [self.att], "se": [self.se]}), self.alpha, self.df)


@dataclass
class WeightingResult:
    """Cross-sectional ATT by propensity-score weighting (see :mod:`evalkit.effects.weighting`)."""

    method: str
    att: float
    se: float
    alpha: float
    n_treated: int
    n_control: int
    n_trimmed: int
    trimming_rule: str
    balance: pd.DataFrame
    propensity: pd.DataFrame
    naive: float

    @property
    def ci(self) -> tuple[float, float]:
        z = norm.ppf(1 - self.alpha / 2)
        return self.att - z * self.se, self.att + z * self.se

    def overlap_histogram(self, bins: int = 20) -> pd.DataFrame:
        """Propensity-score histogram by group: bin_low, bin_high, n_treated, n_control.

        Counts are exact (an analysis table): suppress cells of fewer than 10 households
        (``evalkit.present``) before publishing it.
        """
        edges = np.linspace(0.0, 1.0, bins + 1)
        ps = self.propensity
        treated = np.histogram(ps.loc[ps["treated"], "pscore"], bins=edges)[0]
        control = np.histogram(ps.loc[~ps["treated"], "pscore"], bins=edges)[0]
        return pd.DataFrame({"bin_low": edges[:-1], "bin_high": edges[1:], "n_treated": treated, "n_control": control})

    def summary(self) -> pd.DataFrame:
        lo, hi = self.ci
        return pd.DataFrame(
            {
                "method": [self.method],
                "att": [self.att],
                "se": [self.se],
                "ci_low": [lo],
                "ci_high": [hi],
                "naive_difference": [self.naive],
                "n_treated": [self.n_treated],
                "n_control": [self.n_control],
                "n_trimmed": [self.n_trimmed],
                "trimming_rule": [self.trimming_rule],
            }
        )


@dataclass
class TWFEResult:
    """Static two-way fixed-effects estimate (see :func:`evalkit.effects.twfe.twfe`)."""

    coef: float
    se: float
    tstat: float
    pvalue: float
    ci_low: float
    ci_high: float
    n_obs: int
    n_clusters: int
    fixed_effects: str
    vcov: str
    small_sample: str
    model: object = field(repr=False, default=None)

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    k: getattr(self, k)
                    for k in (
                        "coef",
                        "se",
                        "tstat",
                        "pvalue",
                        "ci_low",
                        "ci_high",
                        "n_obs",
                        "n_clusters",
                        "fixed_effects",
                        "vcov",
                        "small_sample",
                    )
                }
            ]
        )
