"""One definition per tracked cohort: the people a plan follows over time.

A plan that tracks a fixed group — 弥勒's 脱贫人口 and 监测对象 below 10,000 yuan when the plan was
written, to be lifted above it — is evaluated by the scorecard and described by the report. Both
use the definition here (``data/tracked_cohorts.csv``: base year, line, groups, unit, whether
"above" is ``>`` or ``≥``, the clause and the reason for each reading), so they cannot disagree:
:func:`cohort_progress` is the only computation of the share above the line, and
tests/test_cohorts.py checks that the scorecard, the report section and the target file's
population give the same cohort and the same number.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.resources import read_reference_csv


@dataclass(frozen=True)
class TrackedCohort:
    """A tracked cohort (one row of data/tracked_cohorts.csv)."""

    code: str
    region: str
    document: str
    base_year: int
    line: float
    groups: tuple[str, ...]
    unit: str  # persons | households: the unit of the headline share
    above: str  # ">" (strictly above) or ">="
    clause_zh: str
    reason_zh: str
    reason_en: str

    @property
    def strict(self) -> bool:
        return self.above == ">"

    def reason(self, lang: str = "zh") -> str:
        return self.reason_zh if lang == "zh" else self.reason_en


@cache
def tracked_cohorts() -> tuple[TrackedCohort, ...]:
    table = read_reference_csv("tracked_cohorts.csv")
    out = []
    for row in table.itertuples(index=False):
        if row.above not in (">", ">="):
            raise EvalkitError(f"tracked_cohorts.csv {row.code}: above={row.above!r}, use '>' or '>='")
        if row.unit not in ("persons", "households"):
            raise EvalkitError(f"tracked_cohorts.csv {row.code}: unit={row.unit!r}, use persons or households")
        out.append(
            TrackedCohort(
                code=str(row.code),
                region=str(row.region),
                document=str(row.document),
                base_year=int(str(row.base_year)),
                line=float(str(row.line)),
                groups=tuple(str(row.groups).split("|")),
                unit=str(row.unit),
                above=str(row.above),
                clause_zh=str(row.clause_zh),
                reason_zh=str(row.reason_zh),
                reason_en=str(row.reason_en),
            )
        )
    return tuple(out)


def cohort_for_region(region: str) -> TrackedCohort | None:
    """The tracked cohort of a region (its Chinese name), or None."""
    hits = [c for c in tracked_cohorts() if c.region == region]
    return hits[0] if hits else None


def cohort_for_document(document: str) -> TrackedCohort | None:
    """The tracked cohort of a target document (its id in data/targets/), or None."""
    hits = [c for c in tracked_cohorts() if c.document == document]
    return hits[0] if hits else None


def in_groups(households: pd.DataFrame, groups) -> pd.Series:
    """Rows of households in any of ``groups`` (tuopin → is_tuopin, monitored → is_monitored)."""
    mask = pd.Series(False, index=households.index)
    for group in groups:
        mask |= households["is_tuopin" if group == "tuopin" else "is_monitored"].astype(bool)
    return mask


def cohort_progress(
    households: pd.DataFrame, cohort: TrackedCohort, years, restrict_groups: bool = True
) -> pd.DataFrame:
    """Of the cohort (base-year households of ``cohort.groups`` below the line), the share above
    the line in each of ``years`` — above meaning ``cohort.above``. Columns of
    :func:`evalkit.indicators.thresholds.share_above_since` plus ``share`` (the headline share in
    ``cohort.unit``), ``unit`` and ``above``. ``restrict_groups=False`` when ``households`` is already
    the population (the scorecard's population mask)."""
    from evalkit.indicators.thresholds import share_above_since

    years = [y for y in years if y > cohort.base_year]
    rows = households
    if restrict_groups:
        base = households[(households["year"] == cohort.base_year) & in_groups(households, cohort.groups)]
        rows = households[households["household_id"].isin(base["household_id"])]
    out = share_above_since(rows, cohort.line, cohort.base_year, years, strict=cohort.strict)
    out["share"] = out["share_above_persons" if cohort.unit == "persons" else "share_above"]
    out["unit"] = cohort.unit
    out["above"] = cohort.above
    return out


def bottom_quintile_comparison(
    households: pd.DataFrame, year: int, plan_start: int, groups=("tuopin", "monitored")
) -> pd.DataFrame:
    """Growth of a bottom-quintile cohort beside benchmarks with the same regression to the mean.

    Following the households in last year's bottom fifth (江西's 两类增收重点对象) measures their
    growth and also regression to the mean: a household is in the bottom fifth partly because of a bad
    year, and bad years are followed by better ones even when nothing is done. Rows (comparison):

    * ``cohort``: last year's bottom quintile, followed from ``year − 1`` to ``year`` (the scorecard's verdict);
    * ``cohort_before_plan``: the same quintile's cohort a year before the plan (``plan_start − 2`` →
      ``plan_start − 1``): the same selection and so the same regression to the mean, without the plan;
    * ``top_cohort``: last year's top quintile followed the same way (regression the other way);
    * ``cross_section``: this year's bottom 20 % against last year's bottom 20 % (different households:
      no regression to the mean).

    Columns: comparison, base_year, year, n_households, growth_pct (person-weighted per-capita net
    income, :func:`evalkit.indicators.income.quintile_growth`), and ``excess_pp`` = cohort growth −
    the before-plan cohort's growth on the cohort row. Households of ``groups`` only.
    """
    from evalkit.indicators.income import income_indicators, quintile_growth
    from evalkit.indicators.thresholds import quintile_groups

    hh = households[in_groups(households, groups)]
    rows = []

    def cohort_row(name, y, quintile):
        if not {y - 1, y} <= set(hh["year"].unique()):
            return {"comparison": name, "base_year": y - 1, "year": y, "n_households": 0, "growth_pct": float("nan")}
        out = quintile_growth(hh, y).set_index("quintile")
        hit = out.loc[quintile] if quintile in out.index else None
        return {
            "comparison": name,
            "base_year": y - 1,
            "year": y,
            "n_households": int(hit["n_households"]) if hit is not None else 0,
            "growth_pct": float(hit["growth_pct"]) if hit is not None else float("nan"),
        }

    rows.append(cohort_row("cohort", year, 1))
    rows.append(cohort_row("cohort_before_plan", plan_start - 1, 1))
    rows.append(cohort_row("top_cohort", year, 5))
    cross = {
        "comparison": "cross_section",
        "base_year": year - 1,
        "year": year,
        "n_households": 0,
        "growth_pct": float("nan"),
    }
    if {year - 1, year} <= set(hh["year"].unique()):
        means = []
        for y in (year - 1, year):
            q = quintile_groups(hh[hh["year"] == y], y + 1)  # quintiles of year y's own income
            bottom = hh[(hh["year"] == y) & hh["household_id"].isin(q[q == 1].index)]
            means.append((float(income_indicators(bottom)["net_income_pc"].iloc[0]), len(bottom)))
        cross.update(n_households=means[1][1], growth_pct=100 * (means[1][0] / means[0][0] - 1))
    rows.append(cross)
    out = pd.DataFrame(rows)
    out["excess_pp"] = float("nan")
    growth = out["growth_pct"].astype(float).to_numpy()
    out.loc[0, "excess_pp"] = growth[0] - growth[1]
    return out


def bottom_quintile_target(region_names):
    """The target that tracks last year's bottom quintile's income growth (江西's 两类增收重点对象)
    for a region given by its name and its ancestors' names, or None: its ``years[0]`` is the plan start."""
    from evalkit.evaluation.targets import load_targets

    names = set(region_names)
    for target in load_targets():
        population = target.population or {}
        if population.get("bottom_quintile_previous_year") and target.indicator == "net_income_pc_growth":
            if target.region in names:
                return target
    return None


__all__ = [
    "bottom_quintile_comparison",
    "bottom_quintile_target",
    "TrackedCohort",
    "cohort_for_document",
    "cohort_for_region",
    "cohort_progress",
    "tracked_cohorts",
]
