"""A data-generating process with what real monitoring data has, to calibrate the inference of the effects.

Unlike the demo generator (households independent given their observables), this DGP has

* **local shocks**: every county-year and every village-year has its own income shock, shared by
  all its households (harvests, local labour markets, a factory closing);
* **allocation correlated with location**: counties differ in how many households receive the
  measure (share drawn per county from ``Uniform(share_low, share_high)``) and when they roll it
  out (a county's cohorts are shifted towards its own start year), villages again within counties;
* **heterogeneous dynamic effects**: the effect of cohort g at event time e ≥ 0 is
  ``τ_i(e) = β_g · (1 + growth · e) · h_i`` with β_g rising for later cohorts and a household
  multiplier ``h_i ~ Gamma`` (mean 1), so the static TWFE is biased and aggregations differ;
* household fixed effects and AR(1) idiosyncratic noise, years ``first_year … first_year+T−1``.

Parallel trends hold (shocks are drawn independently of allocation), so a pre-trend test should
reject in about 5 % of samples, and the truth of each replication is known exactly: ATT(g,t) =
the mean of τ_i(t − g) over the cohort's households, aggregated as Callaway–Sant'Anna do
(:func:`true_effects`). Used by tests/test_effects_calibration.py (fast) and
benchmarks/simulation_clustered.py (≥ 200 replications).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ClusteredDGP:
    """Parameters of the DGP (module doc). Incomes are yuan per person per year."""

    counties: int = 40
    townships: int = 3  # per county
    villages: int = 4  # per township
    households: int = 2400
    years: int = 7
    first_year: int = 2019
    cohorts: tuple[int, ...] = (2021, 2022, 2023, 2024)
    share_low: float = 0.1
    share_high: float = 0.7
    base_income: float = 12000.0
    sd_household: float = 3000.0
    sd_county_year: float = 900.0
    sd_village_year: float = 300.0
    sd_noise: float = 1500.0
    rho: float = 0.5
    beta: tuple[float, ...] = (600.0, 800.0, 1000.0, 1200.0)  # per cohort
    growth: float = 0.3
    heterogeneity_shape: float = 2.0


def simulate_panel(dgp: ClusteredDGP, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One sample: (long panel: household_id, year, county, township, village, cohort, y, tau),
    (per-household: household_id, cohort, multiplier). ``cohort`` 0 = never treated."""
    rng = np.random.default_rng(seed)
    n, T = dgp.households, dgp.years
    n_villages = dgp.counties * dgp.townships * dgp.villages
    village = rng.integers(0, n_villages, n)
    township = village // dgp.villages
    county = township // dgp.townships
    years = dgp.first_year + np.arange(T)

    # allocation: county share and county rollout timing, village deviations
    share = rng.uniform(dgp.share_low, dgp.share_high, dgp.counties)
    village_share = np.clip(
        share[np.arange(n_villages) // (dgp.villages * dgp.townships)] + rng.normal(0, 0.1, n_villages), 0.02, 0.95
    )
    treated = rng.random(n) < village_share[village]
    k = len(dgp.cohorts)
    start = rng.integers(0, k, dgp.counties)  # the county's favoured cohort
    logits = -0.8 * np.abs(np.arange(k)[None, :] - start[county][:, None])
    prob = np.exp(logits)
    prob /= prob.sum(axis=1, keepdims=True)
    pick = (prob.cumsum(axis=1) > rng.random(n)[:, None]).argmax(axis=1)
    cohort = np.where(treated, np.asarray(dgp.cohorts)[pick], 0)

    # outcomes
    alpha = dgp.base_income + rng.normal(0, dgp.sd_household, n)
    trend = 600.0 * np.arange(T)
    county_shock = rng.normal(0, dgp.sd_county_year, (dgp.counties, T))
    village_shock = rng.normal(0, dgp.sd_village_year, (n_villages, T))
    eps = np.empty((n, T))
    eps[:, 0] = rng.normal(0, dgp.sd_noise, n)
    for t in range(1, T):
        eps[:, t] = dgp.rho * eps[:, t - 1] + np.sqrt(1 - dgp.rho**2) * rng.normal(0, dgp.sd_noise, n)
    multiplier = rng.gamma(dgp.heterogeneity_shape, 1 / dgp.heterogeneity_shape, n)
    beta = dict(zip(dgp.cohorts, dgp.beta, strict=True))
    b = np.array([beta.get(g, 0.0) for g in cohort])
    e = years[None, :] - cohort[:, None]
    tau = np.where((cohort[:, None] > 0) & (e >= 0), b[:, None] * (1 + dgp.growth * e) * multiplier[:, None], 0.0)
    y = alpha[:, None] + trend[None, :] + county_shock[county] + village_shock[village] + eps + tau

    panel = pd.DataFrame(
        {
            "household_id": np.repeat(np.arange(n), T),
            "year": np.tile(years, n),
            "county": np.repeat(county, T),
            "township": np.repeat(township, T),
            "village": np.repeat(village, T),
            "cohort": np.repeat(cohort, T),
            "y": y.ravel(),
            "tau": tau.ravel(),
        }
    )
    return panel, pd.DataFrame({"household_id": np.arange(n), "cohort": cohort, "multiplier": multiplier})


def true_effects(panel: pd.DataFrame, cohorts_estimated) -> dict:
    """The sample truth of the Callaway–Sant'Anna aggregations over the estimated cohorts:
    ``simple`` (Σ_g Σ_{t≥g} n_g ATT(g,t) / Σ n_g over post cells) and ``dynamic`` ({e: Σ_g n_g
    ATT(g, g+e) / Σ n_g over cohorts observed at e}, e < 0 → 0)."""
    treated = panel[panel["cohort"].isin(cohorts_estimated)]
    cells = treated.groupby(["cohort", "year"], as_index=False).agg(att=("tau", "mean"), n=("tau", "size"))
    cells["e"] = cells["year"] - cells["cohort"]
    post = cells[cells["e"] >= 0]
    simple = float((post["att"] * post["n"]).sum() / post["n"].sum())
    dynamic = {
        int(e): float((part["att"] * part["n"]).sum() / part["n"].sum()) if e >= 0 else 0.0
        for e, part in cast(Iterable[tuple[int, pd.DataFrame]], cells.groupby("e"))
    }
    return {"simple": simple, "dynamic": dynamic}


def clusters_of(panel: pd.DataFrame, level: str) -> pd.Series:
    """household_id → cluster label at ``level`` (county, township, village or household_id)."""
    first = panel.drop_duplicates("household_id").set_index("household_id")
    return pd.Series(first.index, index=first.index) if level == "household_id" else first[level]


def replicate(
    dgp: ClusteredDGP,
    seed: int,
    levels=("household_id", "village", "county"),
    biters: int = 999,
    method: str = "dr",
) -> pd.DataFrame:
    """One replication: estimate with the defaults (``cluster="auto"`` as the domain layer picks it)
    and re-cluster the same fit at each of ``levels``; one row per (setting, parameter) with att,
    se, ci_low, ci_high, truth, covered, and for the event study the band coverage and the
    pre-trend test p-value. ``setting`` is ``default`` or ``<level>``. ``method`` is the default
    doubly-robust estimator; without covariates "reg" gives the same estimates faster."""
    from evalkit.effects.did import staggered_did
    from evalkit.effects.measures import default_cluster

    panel, _ = simulate_panel(dgp, seed)
    level = default_cluster(panel)
    fit = staggered_did(panel, "y", "household_id", "year", "cohort", cluster=level, method=method)
    estimated = sorted(fit.att_gt.loc[fit.att_gt["post"], "group"].unique())
    truth = true_effects(panel, estimated)
    rows = []
    settings = [("default", fit)] + [(lv, fit.reclustered(clusters_of(panel, lv), lv)) for lv in levels]
    for name, res in settings:
        simple = res.aggregate("simple")
        lo, hi = simple.ci
        common = {"replication": seed, "setting": name, "cluster": res.cluster, "n_clusters": res.n_clusters}
        rows.append(
            common
            | {
                "parameter": "overall",
                "att": simple.att,
                "se": simple.se,
                "ci_low": lo,
                "ci_high": hi,
                "truth": truth["simple"],
                "pretest_pvalue": res.pretest["pvalue"],
            }
        )
        es = res.event_study(biters=biters, seed=seed)
        table = es.table.assign(truth=es.table["event_time"].map(truth["dynamic"]))
        in_band = ((table["band_low"] <= table["truth"]) & (table["truth"] <= table["band_high"])).all()
        for row in table.itertuples():
            rows.append(
                common
                | {
                    "parameter": f"e={row.event_time}",
                    "att": row.att,
                    "se": row.se,
                    "ci_low": row.ci_low,
                    "ci_high": row.ci_high,
                    "truth": row.truth,
                    "band_low": row.band_low,
                    "band_high": row.band_high,
                    "crit": es.crit_value,
                    "band_covers_all": bool(in_band),
                }
            )
    out = pd.DataFrame(rows)
    out["covered"] = (out["ci_low"] <= out["truth"]) & (out["truth"] <= out["ci_high"])
    return out


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Per setting: coverage of the overall ATT, mean pointwise coverage of the event-time effects
    (and the lowest over event times), simultaneous-band coverage, SE/SD of the overall ATT, bias,
    pre-trend false-alarm rate at 5 %, clusters."""
    out = []
    for setting, part in results.groupby("setting", sort=False):
        overall = part[part["parameter"] == "overall"]
        events = part[part["parameter"] != "overall"]
        by_event = events.groupby("parameter")["covered"].mean()
        bands = events.groupby("replication")["band_covers_all"].first()
        out.append(
            {
                "setting": setting,
                "replications": overall["replication"].nunique(),
                "n_clusters": float(overall["n_clusters"].mean()),
                "bias": float((overall["att"] - overall["truth"]).mean()),
                "se_over_sd": float(overall["se"].mean() / (overall["att"] - overall["truth"]).std()),
                "coverage_overall": float(overall["covered"].mean()),
                "coverage_event_mean": float(by_event.mean()),
                "coverage_event_min": float(by_event.min()),
                "band_coverage": float(bands.mean()),
                "pretest_rejects": float((overall["pretest_pvalue"] < 0.05).mean()),
            }
        )
    return pd.DataFrame(out)
