"""Staggered difference-in-differences (Callaway & Sant'Anna 2021), wrapping ``csdid``.

The estimator is the group-time average treatment effect on the treated

    ATT(g,t) = E[Y_t − Y_{g−1} | G = g] − E[Y_t − Y_{g−1} | C]                (CS 2021, eq. 2.4)

for each cohort ``g`` (first treated period) and period ``t`` (pre-periods use the "varying"
base period t−1, as R ``did``), with ``C`` the never-treated (``control="never_treated"``) or
the not-yet-treated units (``G > max(t, g−1)``, ``control="not_yet_treated"``). Each cell is
estimated by the doubly-robust (Sant'Anna & Zhao 2020), inverse-probability-weighted or
outcome-regression estimator (``method="dr"|"ipw"|"reg"``) with covariates taken in the base
period. Aggregations (CS 2021 section 3) weight cells by cohort size: ``simple`` (all
post-treatment cells), ``group`` (by cohort), ``dynamic`` (by event time e = t − g, the event
study) and ``calendar`` (by year). Standard errors come from the influence function ψ
(:mod:`evalkit.effects.inference`): clustered ``se = sqrt(k · Σ_c (Σ_{i∈c} ψ_i)²) / n`` with
``cluster`` (the unit itself when None) and, by default (``small_sample=True``), the CR1 factor
``k = G/(G−1)``, t confidence intervals with each estimate's effective number of clusters as
degrees of freedom (:func:`evalkit.effects.inference.effective_df`, at most G − 1; column ``df``
of ``att_gt`` and of aggregation tables, ``Aggregation.df``) and the pre-trend Wald test referred to Hotelling's
T² (``F(q, G−q)``), or — up to 300 clusters — the wild cluster bootstrap of that test.
``small_sample=False`` gives R ``did``'s analytic conventions exactly (k = 1,
normal intervals, ``W = n · θ̂_pre' V̂_pre⁻¹ θ̂_pre`` against χ²(q)). Uniform bands for the
event study use the sup-t critical value of the multivariate t(G−1) with the clustered correlation
(seeded), or R ``did``'s cluster multiplier bootstrap (``band="multiplier"``); the wild cluster
bootstrap p-value of the overall effect (:meth:`StaggeredDiDResult.wild_pvalue`) is the test to
read with fewer than 30 clusters.

Library: ``csdid`` 0.4.3 (pinned in pyproject.toml). It reproduces R ``did`` 2.5 on ``mpdta``
— every ATT(g,t), all four aggregations with analytic SEs, and W — to 1e-12
(tests/test_effects_did.py), including the pre-test and analytic clustered SEs, so the
``differences`` package is not used. Memory: a balanced panel with never-treated units (the
monitoring panels) is estimated cell by cell from the minimal columns
(:mod:`evalkit.effects.did_cells`: csdid's own 2 × 2 estimators, equal to csdid to 1e-8) into
one dense ``n_units × n_cells`` float64 influence matrix (2,000,000 households × 25 cells =
400 MB); other designs go to csdid's ``ATTgt``, which holds several copies of the data and
needs about 6.5 KB per household (benchmarks/README.md).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from csdid.att_gt import ATTgt
from threadpoolctl import threadpool_limits

from evalkit.core.config import DEFAULT_SEED
from evalkit.core.errors import DesignError, EvalkitError
from evalkit.effects.did_aggregation import (
    KINDS,
    aggregate_influence,
    cell_inference,
    run_aggte,
    wild_pretest,
)
from evalkit.effects.did_cells import CellModel, fit_cells
from evalkit.effects.did_design import (
    CONTROLS,
    METHODS,
    CellsNotEstimable,
    cell_reasons,
    check_full_rank,
    design_summary,
    prepare_design,
    redundant_covariates,
    units_varying,
)
from evalkit.effects.inference import (
    PRETEST_DRAWS,
    Clustering,
    cell_loadings,
    cluster_vcov,
    critical_value,
    effective_df,
    multiplier_bootstrap,
    sup_t_critical,
    wild_cluster_pvalue,
)
from evalkit.effects.results import TIDY_COLUMNS, Aggregation, EstimateResult, add_ci, p_value, short_repr


@dataclass
class StaggeredDiDResult(EstimateResult):
    """Result of :func:`staggered_did`.

    ``att_gt``: group, time, event_time, post, att, se, ci_low, ci_high (one row per cell).
    ``pretest``: W, df, df2, F, pvalue, pvalue_chi2, reference (Wald test that all pre-treatment
    ATT(g,t) are zero; see :func:`evalkit.effects.inference.pretest`).
    ``cohorts``: group, n_units (households per cohort; group 0 = never treated).
    ``exclusions``: reason_zh, reason_en, rows, units — every row/unit left out, counted.
    ``clustering``: the cluster level, codes and number of clusters behind every SE.
    ``design``: what was actually estimated — :meth:`design_summary` (treated and control units,
    cohorts and years with estimated cells, cohorts that only serve as controls, years dropped).
    ``notes``: messages of the underlying library (e.g. small groups), never silenced, and of the design.
    ``tidy()``: the four aggregations' summary parameters (term simple, group, dynamic, calendar);
    ``summary()``: the same with the pre-trend test, printable; ``event_study()``: the dynamic
    aggregation (as :meth:`evalkit.effects.measures.MeasureEffects.event_study`).
    """

    att_gt: pd.DataFrame
    pretest: dict
    cohorts: pd.DataFrame
    exclusions: pd.DataFrame
    outcome: str
    control: str
    method: str
    cluster: str | None
    covariates: tuple[str, ...]
    n_units: int
    alpha: float
    clustering: Clustering = field(repr=False)
    notes: list[str] = field(default_factory=list)
    _model: ATTgt | CellModel | None = field(default=None, repr=False)
    _unit_cohort: np.ndarray | None = field(default=None, repr=False)
    #: each unit's weight (``weights``; None: every unit counts once), in the order of _unit_cohort
    _unit_weight: np.ndarray | None = field(default=None, repr=False)
    _unit_labels: np.ndarray | None = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def n_clusters(self) -> int:
        return self.clustering.n_clusters

    def aggregate(
        self,
        kind: str = "simple",
        bootstrap: bool = False,
        biters: int = 999,
        seed: int = DEFAULT_SEED,
        band: str = "sup_t",
    ) -> Aggregation:
        """Aggregate ATT(g,t) (``kind`` in simple, group, dynamic, calendar).

        Clustered SEs from the aggregated influence function (CR1 and t intervals at the effective df with
        ``small_sample``; R ``aggte(bstrap=FALSE)`` without). ``bootstrap=True`` adds a uniform
        (simultaneous) band ``band_low``/``band_high`` = att ∓ ``crit_value``·se: with
        ``band="sup_t"`` (default) the sup-t critical value of the multivariate t(G−1) with the
        clustered correlation (:func:`evalkit.effects.inference.sup_t_critical`, seeded), with
        ``band="multiplier"`` R ``did``'s cluster multiplier bootstrap (``biters`` seeded draws; the
        band then uses the bootstrap SE ``se_boot``).
        """
        if kind not in KINDS:
            raise EvalkitError(
                f"aggregation kind {kind!r} unknown; use one of {sorted(KINDS)} / 未知的汇总方式",
                code="E-DID-AGGREGATION-KIND",
            )
        if band not in ("sup_t", "multiplier"):
            raise EvalkitError(f"band={band!r}: use 'sup_t' or 'multiplier' / 同时置信带方法无效", code="E-DID-BAND")
        key = (kind, bootstrap, biters, seed, band)
        if key in self._cache:
            return self._cache[key]
        df: float | None = None
        table_df = None
        if self.clustering.df is not None:  # effective degrees of freedom (before aggte runs for the estimates)
            overall_loading, table_loading = self._loadings(kind)
            df = float(effective_df(overall_loading, self.clustering)[0])
            table_df = None if table_loading is None else effective_df(table_loading, self.clustering)
        atte = run_aggte(self._model, kind, bootstrap=False)
        overall_psi, table_psi = aggregate_influence(atte, kind)
        overall_se = float(np.sqrt(cluster_vcov(overall_psi, self.clustering)[0, 0]))
        table = pd.DataFrame()
        if table_psi is not None:  # every kind but "simple" has a table
            V = cluster_vcov(table_psi, self.clustering)
            table = add_ci(
                pd.DataFrame(
                    {
                        KINDS[kind]: np.asarray(atte["egt"]).astype(int),
                        "att": np.asarray(atte["att_egt"], dtype=float),
                        "se": np.sqrt(np.clip(np.diag(V), 0, None)),
                    }
                ),
                self.alpha,
                df=table_df,
            )
            if table_df is not None:
                table["df"] = table_df
                table["pvalue"] = p_value(table["att"], table["se"].where(table["se"] > 0), table_df)
        crit = None
        if bootstrap and table_psi is not None:
            if band == "multiplier":
                boot = multiplier_bootstrap(table_psi, self.clustering, biters=biters, seed=seed, alpha=self.alpha)
                crit = boot["crit"]
                table["se_boot"] = boot["se"]
                width = crit * table["se_boot"]
            else:
                crit = sup_t_critical(V, self.clustering.df, self.alpha, seed=seed)
                # never narrower than a row's own pointwise interval (its effective df)
                point = np.asarray([critical_value(self.alpha, d) for d in table_df] if table_df is not None else [0.0])
                width = np.fmax(crit, point) * table["se"]
            table["band_low"] = table["att"] - width
            table["band_high"] = table["att"] + width
        result = Aggregation(
            kind=kind,
            att=float(atte["overall_att"]),
            se=overall_se,
            table=table,
            alpha=self.alpha,
            crit_value=crit,
            df=df,
        )
        self._cache[key] = result
        return result

    def _loadings(self, kind: str) -> tuple[np.ndarray, np.ndarray | None]:
        """The units' weights in the aggregated parameters (overall n × 1, table n × m or None):
        :func:`evalkit.effects.inference.cell_loadings` passed through csdid's (linear) aggregation."""
        key = ("loadings", kind)
        if key not in self._cache:
            model, cohorts = self._model, self._unit_cohort
            if model is None or cohorts is None:
                raise EvalkitError("result without its fitted model / 结果缺少拟合模型", code="E-DID-NO-MODEL")
            raw = np.asarray(model.MP["inffunc"]["inffunc"])
            cells = cell_loadings(raw != 0, cohorts, self.att_gt["group"].to_numpy())
            overall, table = (
                np.array(a) if a is not None else None
                for a in aggregate_influence(run_aggte(model, kind, inffunc=cells), kind)
            )
            overall0, table0 = aggregate_influence(run_aggte(model, kind, inffunc=np.zeros_like(cells)), kind)
            assert overall is not None  # every kind has an overall parameter
            diff = None if table is None or table0 is None else table - table0
            self._cache[key] = (overall - overall0, diff)
        return self._cache[key]

    def event_study(
        self, bootstrap: bool = True, biters: int = 999, seed: int = DEFAULT_SEED, band: str = "sup_t"
    ) -> Aggregation:
        """Dynamic aggregation with the uniform band (shorthand for ``aggregate("dynamic", ...)``)."""
        return self.aggregate("dynamic", bootstrap=bootstrap, biters=biters, seed=seed, band=band)

    def wild_pvalue(self, theta0: float = 0.0, biters: int = 9999, seed: int = DEFAULT_SEED) -> dict:
        """Wild cluster bootstrap p-value of ``H0: overall (simple) ATT = theta0``
        (:func:`evalkit.effects.inference.wild_cluster_pvalue`; the null is imposed by shifting every
        post-treatment ATT(g,t) by the same amount, which leaves the aggregation weights unchanged)."""
        key = ("wild", theta0, biters, seed)
        if key not in self._cache:
            atte = run_aggte(self._model, "simple", bootstrap=False)
            psi = aggregate_influence(atte, "simple")[0][:, 0]
            # a_i = T_g · n / Σ_g T_g n_g for units of cohort g (T_g post cells), 0 for controls
            post = self.att_gt[self.att_gt["post"]].groupby("group").size()
            cells = pd.Series(self._unit_cohort).map(post).fillna(0).to_numpy(dtype=float)
            if self._unit_weight is not None:
                cells = cells * self._unit_weight
            jacobian = cells * len(cells) / cells.sum()
            self._cache[key] = wild_cluster_pvalue(
                psi, jacobian, float(atte["overall_att"]), self.clustering, theta0, biters=biters, seed=seed
            )
        return self._cache[key]

    def reclustered(self, clusters: pd.Series, level: str, small_sample: bool = True) -> StaggeredDiDResult:
        """The same estimates with standard errors, intervals and pre-trend test clustered by
        ``clusters`` (a Series: the user's unit id → cluster label; ``level`` names it). No re-estimation."""
        codes = pd.factorize(clusters.reindex(self._unit_labels).to_numpy())[0]
        if (codes < 0).any():
            raise EvalkitError(
                f"{int((codes < 0).sum())} 个单位没有聚类标签 / units without a cluster label",
                code="E-CLUSTER-LABELS-MISSING",
            )
        clustering = Clustering(level=level, codes=codes, small_sample=small_sample)
        att_gt, test = cell_inference(
            self.att_gt, self._model, clustering, self.alpha, self._unit_cohort, self._unit_weight
        )
        return replace(self, att_gt=att_gt, pretest=test, cluster=level, clustering=clustering, _cache={})

    def wild_pretest(self, biters: int = PRETEST_DRAWS, seed: int = DEFAULT_SEED) -> dict:
        """Wild cluster bootstrap p-value of the pre-trend test (all pre-treatment ATT(g,t) = 0;
        :func:`evalkit.effects.inference.wild_cluster_wald`): W, pvalue, weights, n_clusters."""
        key = ("wild_pretest", biters, seed)
        if key not in self._cache:
            self._cache[key] = wild_pretest(
                self.att_gt, self._model, self._unit_cohort, self.clustering, biters, seed, self._unit_weight
            )
        return self._cache[key]

    def design_summary(self) -> dict:
        """What was estimated: treated_cohorts (with at least one estimated post cell), their
        units ``n_treated``, ``control_cohorts`` (cohorts that only serve as not-yet-treated
        controls), ``n_never_treated``, ``n_control`` (never-treated + control-only cohorts),
        ``years`` with an estimated post cell, ``years_dropped`` (post years of some treated
        cohort without a cell: no control left), and ``note_zh``/``note_en`` saying it in words."""
        return design_summary(self.att_gt, self.cohorts, self.control)

    def tidy(self) -> pd.DataFrame:
        """term (simple, group, dynamic, calendar), att, se, ci_low, ci_high, pvalue of the four aggregations."""
        rows = [self.aggregate(kind).tidy().iloc[[0]].assign(term=kind) for kind in KINDS]
        return pd.concat(rows, ignore_index=True)[TIDY_COLUMNS]

    def _summary_table(self) -> pd.DataFrame:
        """Overall att, se, CI of the four aggregations, plus the pre-trend test."""
        rows = pd.concat([self.aggregate(kind).overall() for kind in KINDS], ignore_index=True)
        rows["pretest_W"] = self.pretest["W"]
        rows["pretest_pvalue"] = self.pretest["pvalue"]
        return rows

    def _title(self) -> str:
        cluster = f", clustered by {self.cluster}" if self.cluster else ""
        return (
            f"Callaway–Sant'Anna ATT of {self.outcome} ({self.method}, control {self.control}{cluster}; "
            f"{self.n_units} units, {1 - self.alpha:.0%} CIs)"
        )

    def _notes(self) -> tuple[str, ...]:
        pre = self.pretest
        return (f"pre-trend Wald test: W = {pre['W']:.6g}, df = {pre['df']}, p = {pre['pvalue']:.4g}", *self.notes)

    def __repr__(self) -> str:
        simple = self.aggregate("simple")
        return short_repr(self, simple.att, simple.se, outcome=self.outcome, method=self.method, n_units=self.n_units)


def staggered_did(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    covariates: list[str] | tuple[str, ...] | None = None,
    control: str = "never_treated",
    method: str = "dr",
    cluster: str | None = None,
    *,
    alpha: float = 0.05,
    allow_unbalanced: bool = True,
    base_period: str = "varying",
    small_sample: bool = True,
    weights: str | None = None,
) -> StaggeredDiDResult:
    """Callaway–Sant'Anna ATT(g,t) with never- or not-yet-treated controls (see module doc).

    ``data`` is long (one row per unit × time); ``cohort`` holds the first treated period, 0 or
    missing for never treated, constant within unit. ``cluster`` (e.g. ``"village"``) must be
    constant within unit; ``None`` clusters at the unit. ``small_sample`` (default) applies the
    CR1 factor, t intervals with each parameter's effective degrees of freedom (at most G − 1) and
    the small-sample pre-trend test; ``False`` reproduces R ``did``. ``weights`` names a column of
    positive unit weights, constant within unit (R ``did``'s ``weightsname``): e.g. household size,
    so that an effect on per-capita income is person-weighted (Σ_i w_i τ_i / Σ_i w_i over the
    treated) like the income tables.
    Rows with a missing outcome or covariate are dropped and counted in ``exclusions``; so are units first treated in or
    before the first period (no pre-period: not identified) — units first treated after the
    last period are never treated within the window. With ``allow_unbalanced`` the unbalanced
    panel estimator of R ``did`` is used, else units missing a period are dropped (counted).

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel, one row per ``unit`` × ``time``.
    outcome : str
        Column of the outcome (numeric; missing rows are dropped and counted).
    unit : str
        Column identifying the unit (e.g. ``household_id``).
    time : str
        Column of the period (integer years).
    cohort : str
        Column of the first treated period; 0 or missing for never treated; constant within unit.
    covariates : list of str, optional
        Covariates, taken in the base period of each cell.
    control : {"never_treated", "not_yet_treated"}, default "never_treated"
        The comparison group.
    method : {"dr", "ipw", "reg"}, default "dr"
        Doubly robust, inverse-probability weighting or outcome regression.
    cluster : str, optional
        Column to cluster by, constant within unit (default: the unit).
    alpha : float, default 0.05
        1 − confidence level of the intervals.
    allow_unbalanced : bool, default True
        Use R ``did``'s unbalanced-panel estimator (False: drop units missing a period, counted).
    base_period : {"varying", "universal"}, default "varying"
        Base period of the pre-treatment cells (as R ``did``).
    small_sample : bool, default True
        CR1 factor, t intervals at the effective degrees of freedom and the small-sample
        pre-trend test (False: R ``did``'s analytic conventions).
    weights : str, optional
        Column of positive unit weights, constant within unit.

    Returns
    -------
    StaggeredDiDResult
        ``att_gt`` (one row per cell: att, se, ci_low, ci_high, df), ``pretest``, ``cohorts``,
        ``exclusions``, ``clustering``, ``notes``; ``aggregate(kind)``, ``event_study()``,
        ``tidy()``, ``summary()``, ``design_summary()``.

    Raises
    ------
    DesignError
        When the design cannot identify ATT(g,t): no treated cohort (``E-DESIGN-NO-TREATED``),
        no never-treated units with ``control="never_treated"`` (``E-DESIGN-NO-NEVER-TREATED``),
        a cohort of one unit (``E-DESIGN-COHORT-SINGLE``), collinear covariates
        (``E-DESIGN-COLLINEAR``), cells that cannot be estimated (:class:`CellsNotEstimable`,
        ``E-DESIGN-CELLS``) or a failing estimator (``E-DESIGN-ESTIMATION-FAILED``).
    EvalkitError
        For unusable arguments or data (codes in docs/errors.md: ``E-DATA-COLUMNS``,
        ``E-DID-CONTROL``, ``E-ESTIMATOR-METHOD``, ``E-DATA-DUPLICATE-UNIT-TIME``, ...).
    """
    frame, cohorts, covariates, exclusions, notes, balanced = prepare_design(
        data, outcome, unit, time, cohort, covariates, control, method, cluster, weights, allow_unbalanced
    )

    ids, _ = pd.factorize(frame[unit])  # 0..n−1 in the order of first appearance: csdid's id − 1
    w = None
    if weights:
        w = pd.to_numeric(frame[weights], errors="coerce").to_numpy(dtype=float)
        bad_w = ~np.isfinite(w) | (w <= 0)
        if bad_w.any() or units_varying(frame, unit, weights):
            raise EvalkitError(
                f"权重列 {weights} 必须为正数且每个单位不变 / weights column {weights!r} must be positive and "
                f"constant within unit ({int(bad_w.sum())} rows not positive)",
                code="E-WEIGHTS-INVALID",
            )
    # a balanced panel with never-treated units: the cells from the minimal columns
    # (evalkit.effects.did_cells, csdid's estimators; ~1/6 of csdid's memory); else csdid itself
    lean = balanced and bool((cohorts["group"] == 0).any()) and base_period in ("varying", "universal")
    # csdid solves many small (n × k) least-squares problems: multi-threaded BLAS only adds
    # overhead there (10× slower on a busy 2-core machine), so BLAS runs single-threaded.
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(1, user_api="blas"):
        warnings.simplefilter("always")
        try:
            if lean:
                model = fit_cells(
                    ids,
                    frame[time].to_numpy(),
                    frame[outcome].to_numpy(dtype=float),
                    frame[cohort].to_numpy(),
                    frame[list(covariates)].to_numpy(dtype=float) if covariates else None,
                    w,
                    CONTROLS[control],
                    method,
                    base_period,
                    alpha,
                )
            else:
                model = _fit_csdid(
                    frame,
                    ids,
                    outcome,
                    time,
                    cohort,
                    covariates,
                    w,
                    control,
                    method,
                    balanced,
                    allow_unbalanced,
                    base_period,
                    alpha,
                )
        except (ValueError, np.linalg.LinAlgError) as error:
            raise DesignError(
                f"{outcome}: 估计失败 / estimation failed: {error}", code="E-DESIGN-ESTIMATION-FAILED"
            ) from error
    notes += sorted({str(w.message) for w in caught if not issubclass(w.category, (FutureWarning, DeprecationWarning))})

    res = model.results
    att_gt = pd.DataFrame(
        {
            "group": np.asarray(res["group"], dtype=int),
            "time": np.asarray(res["year"], dtype=int),
            "att": np.asarray(res["att"], dtype=float),
        }
    )
    att_gt.insert(2, "event_time", att_gt["time"] - att_gt["group"])
    att_gt.insert(3, "post", att_gt["time"] >= att_gt["group"])
    if att_gt["att"].isna().any():
        cells = att_gt.loc[att_gt["att"].isna(), ["group", "time"]].to_records(index=False).tolist()
        reasons, constant = cell_reasons(frame, cells, unit, time, cohort, covariates, control)
        raise CellsNotEstimable(
            f"{outcome}: ATT(g,t) 无法估计的单元 / cells not estimable: {cells} — "
            + " | ".join(reasons[:3])
            + (f" | … ({len(reasons) - 3} more / 另有 {len(reasons) - 3} 个)" if len(reasons) > 3 else ""),
            cells,
            reasons,
            constant,
        )

    # clustering: one code per unit, in the row order of csdid's influence functions
    unit_rows = np.unique(ids, return_index=True)[1][pd.unique(model.dp["data"]["id"]) - 1]  # first row per unit
    cluster_rows = pd.factorize(frame[cluster if cluster and cluster != unit else unit])[0]
    codes = pd.factorize(cluster_rows[unit_rows])[0]
    clustering = Clustering(level=cluster or unit, codes=codes, small_sample=small_sample)
    unit_cohort = frame[cohort].to_numpy()[unit_rows]
    unit_weight = w[unit_rows] if w is not None else None
    att_gt, test = cell_inference(att_gt, model, clustering, alpha, unit_cohort, unit_weight)
    unit_labels = frame[unit].to_numpy()[unit_rows]
    return StaggeredDiDResult(
        att_gt=att_gt,
        pretest=test,
        cohorts=cohorts,
        exclusions=pd.DataFrame(exclusions, columns=["reason_zh", "reason_en", "rows", "units"]),
        outcome=outcome,
        control=control,
        method=method,
        cluster=cluster,
        covariates=covariates,
        n_units=len(unit_rows),
        alpha=alpha,
        clustering=clustering,
        notes=notes,
        _model=model,
        _unit_cohort=unit_cohort,
        _unit_weight=unit_weight,
        _unit_labels=unit_labels,
    )


def _fit_csdid(
    frame, ids, outcome, time, cohort, covariates, w, control, method, balanced, allow_unbalanced, base_period, alpha
) -> ATTgt:
    """csdid's ``ATTgt`` on the validated rows (unbalanced panels, no never-treated units)."""
    work = pd.DataFrame(
        {
            "id": ids + 1,
            "t": frame[time].to_numpy(),
            "g": frame[cohort].to_numpy(),
            "y": frame[outcome].to_numpy(dtype=float),
        }
    )
    names = [f"x{k}" for k in range(len(covariates))]
    for name, column in zip(names, covariates, strict=False):
        work[name] = frame[column].to_numpy(dtype=float)
    if w is not None:
        work["w"] = w
    model = ATTgt(
        yname="y",
        tname="t",
        idname="id",
        gname="g",
        data=work,
        control_group=CONTROLS[control],
        xformla="y ~ " + (" + ".join(names) if names else "1"),
        weights_name="w" if w is not None else None,
        allow_unbalanced_panel=not balanced and allow_unbalanced,
        alp=alpha,
    )
    model.fit(est_method=method, base_period=base_period, bstrap=False)
    return model


__all__ = [
    "CONTROLS",
    "KINDS",
    "METHODS",
    "CellsNotEstimable",
    "StaggeredDiDResult",
    "check_full_rank",
    "design_summary",
    "redundant_covariates",
    "staggered_did",
]
