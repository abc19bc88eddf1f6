"""From the panel and a measure code to the data :func:`evalkit.effects.measures.measure_effects` estimates on.

The measure (:func:`resolve_measure`: code, Chinese label or alias), each household's cohort
(:func:`cohorts`: first year with a row for the measure), the per-capita outcomes, the baseline
covariates in the first panel year (:func:`baseline`, :data:`BASELINE_COVARIATES`), the cluster
level and labels (:func:`default_cluster`, :func:`cluster_key`), the heterogeneity subgroups
(:func:`subgroups`), the share of later years without the measure (:func:`stopped_share`), and
the naive treated-minus-control comparison shown beside the estimate (:func:`naive_difference`).
The rules are stated in the module doc of :mod:`evalkit.effects.measures`.
"""

from __future__ import annotations

import difflib

import numpy as np
import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.panel import Panel
from evalkit.core.schema import COMPONENTS, REGION_LEVELS, labour_group, measures_catalogue

#: Region levels standard errors may be clustered by, coarsest first (``cluster="auto"``).
CLUSTER_LEVELS: tuple[str, ...] = ("county", "township", "village")
#: A level with fewer clusters than this among the estimated households is too coarse to cluster by.
MIN_CLUSTERS = 10
BASELINE_COVARIATES: tuple[str, ...] = (
    "log_income0",
    "labour",
    "doudi",
    "relocated",
    "household_size",
    "has_operating",
)

LEVEL_ZH = {"county": "县", "township": "乡镇", "village": "村", "household_id": "户"}


def resolve_measure(measure: str) -> pd.Series:
    """Catalogue row of ``measure`` given as code, Chinese label or alias (data/measures.csv)."""
    catalogue = measures_catalogue()
    for column in ("code", "label_zh"):
        hit = catalogue[catalogue[column] == measure]
        if len(hit):
            return hit.iloc[0]
    aliases = catalogue["aliases"].str.split("|")
    hit = catalogue[aliases.apply(lambda names: measure in names)]
    if len(hit):
        return hit.iloc[0]
    close = difflib.get_close_matches(measure, catalogue["code"].tolist() + catalogue["label_zh"].tolist(), n=3)
    raise EvalkitError(
        f"未知的帮扶措施 {measure!r} / unknown measure {measure!r}; 可能是 / did you mean: {close}",
        code="E-MEASURE-UNKNOWN",
    )


def cohorts(panel: Panel, code: str) -> pd.Series:
    """First year each household received measure ``code`` (index household_id)."""
    rows = panel.measures[panel.measures["measure"] == code]
    return rows.groupby("household_id")["year"].min().rename("cohort")


def per_capita_outcomes(households: pd.DataFrame) -> pd.DataFrame:
    """``<component>_pc`` = household total / household_size for the four components."""
    size = households["household_size"].to_numpy(dtype=float)
    return pd.DataFrame(
        {f"{c}_pc": households[c].to_numpy(dtype=float) / size for c in COMPONENTS}, index=households.index
    )


def baseline(households: pd.DataFrame) -> pd.DataFrame:
    """One row per household with its first-year characteristics and the baseline covariates."""
    first = households.sort_values("year", kind="stable").drop_duplicates("household_id")
    out = pd.DataFrame({"household_id": first["household_id"].to_numpy()})
    out["log_income0"] = np.log(np.maximum(first["net_income_pc"].to_numpy(dtype=float), 1000.0) / 10000.0)
    # an absent optional column gives a constant covariate, which the estimation drops (data/column_uses.csv)
    full = first["labour_full"].fillna(0).to_numpy(dtype=float) if "labour_full" in first else 0.0
    weak = first["labour_weak"].fillna(0).to_numpy(dtype=float) if "labour_weak" in first else 0.0
    out["labour"] = full + weak / 2 if "labour_full" in first or "labour_weak" in first else 0.0
    for column in ("doudi", "relocated"):
        out[column] = first[column].fillna(False).astype(float).to_numpy() if column in first else 0.0
    out["household_size"] = first["household_size"].to_numpy(dtype=float)
    out["has_operating"] = (first["operating_income"].to_numpy(dtype=float) > 0).astype(float)
    provinces = pd.get_dummies(first["province"].astype(str), prefix="province", drop_first=True, dtype=float)
    for column in provinces.columns:
        out[column] = provinces[column].to_numpy()
    has_labour = {"labour_full", "labour_weak"} <= set(first.columns) and first[
        ["labour_full", "labour_weak"]
    ].notna().all().all()
    out["labour_group"] = labour_group(first, "detail", "code").to_numpy() if has_labour else ""
    for column in ("household_type", "county", "province", "prefecture", "township", "village"):
        if column in first:
            out[column] = first[column].astype(str).to_numpy()
    return out


def default_cluster(households: pd.DataFrame, household_ids=None) -> str | None:
    """The cluster level of ``cluster="auto"``: the coarsest of :data:`CLUSTER_LEVELS` present with
    at least :data:`MIN_CLUSTERS` clusters among ``household_ids`` (all households when None), else
    the finest level present, else None (households)."""
    first = households.sort_values("year", kind="stable").drop_duplicates("household_id")
    if household_ids is not None:
        first = first[first["household_id"].isin(household_ids)]
    present = [level for level in CLUSTER_LEVELS if level in first.columns and first[level].notna().all()]
    for level in present:
        if pd.unique(cluster_key(first, level)).size >= MIN_CLUSTERS:
            return level
    return present[-1] if present else None


def naive_difference(panel: Panel, measure: str, outcome: str = "net_income_pc") -> float:
    """The naive comparison: mean outcome of treated household-years minus never-treated
    households of the same year, averaged over years with the treated counts as weights.

    Shown beside the CS estimate to make selection visible; it is not an effect estimate.
    """
    code = resolve_measure(measure)["code"]
    hh = panel.households
    y = hh[outcome] if outcome in hh else per_capita_outcomes(hh)[outcome]
    g = hh["household_id"].map(cohorts(panel, code)).fillna(0).to_numpy()
    treated = (g > 0) & (hh["year"].to_numpy() >= g)
    years = hh["year"].to_numpy()
    t_mean = y[treated].groupby(years[treated]).agg(["mean", "size"])
    c_mean = y[g == 0].groupby(years[g == 0]).mean().reindex(t_mean.index)
    return float(((t_mean["mean"] - c_mean) * t_mean["size"]).sum() / t_mean["size"].sum())


def subgroups(households: pd.DataFrame, base: pd.DataFrame, by: str) -> pd.Series:
    """Subgroup of each household (index household_id): its ``by`` value in its first panel year."""
    if by == "labour_group":
        if (base["labour_group"] == "").any():
            raise EvalkitError(
                "劳动力人数缺失, 无法按劳动力分组 / labour counts missing, cannot estimate by labour group "
                "(labour_full, labour_weak)",
                code="E-LABOUR-COUNTS-MISSING",
            )
        return base.set_index("household_id")["labour_group"]
    if by not in households.columns:
        raise EvalkitError(
            f"by={by!r}: 面板没有该列 / the panel has no such column; use labour_group or a household column",
            code="E-GROUP-COLUMNS",
        )
    first = households.sort_values("year", kind="stable").drop_duplicates("household_id")
    return first.set_index("household_id")[by]


def cluster_key(households: pd.DataFrame, cluster: str) -> np.ndarray:
    """Cluster labels; a region level is made unique by its ancestors (village names repeat
    across townships: 合成村01 of two townships are two clusters)."""
    if cluster not in households.columns:
        raise EvalkitError(f"cluster={cluster!r}: 面板没有该列 / the panel has no such column", code="E-CLUSTER-COLUMN")
    if cluster not in REGION_LEVELS:
        return households[cluster].to_numpy()
    levels = [c for c in REGION_LEVELS[: REGION_LEVELS.index(cluster) + 1] if c in households.columns]
    return households.groupby(levels, sort=False, observed=True, dropna=False).ngroup().to_numpy()


def covariate_columns(base: pd.DataFrame, covariates) -> list[str]:
    if covariates is None:
        return []
    if isinstance(covariates, str):
        if covariates != "baseline":
            raise EvalkitError(
                f"covariates={covariates!r}: use 'baseline', a list of columns, or None / 协变量参数无效",
                code="E-COVARIATES-KIND",
            )
        return list(BASELINE_COVARIATES) + [c for c in base.columns if c.startswith("province_")]
    missing = [c for c in covariates if c not in base.columns]
    if missing:
        raise EvalkitError(
            f"协变量不存在 / unknown covariates: {missing}; available: {sorted(base.columns)}",
            code="E-COVARIATES-UNKNOWN",
        )
    return list(covariates)


def stopped_share(panel: Panel, code: str, first_cohort: pd.Series) -> float:
    """Share of household-years after (not at) the first receipt with no row for the measure."""
    years = panel.households[["household_id", "year"]]
    after = years.merge(first_cohort.reset_index(), on="household_id")
    after = after[after["year"] > after["cohort"]]
    if after.empty:
        return 0.0
    rows = panel.measures.loc[panel.measures["measure"] == code, ["household_id", "year"]].drop_duplicates()
    received = after.merge(rows.assign(received=True), on=["household_id", "year"], how="left")["received"].notna()
    return float(1 - received.mean())
