"""Domain layer: from the canonical panel and a measure code to its effect on each income component.

``measure_effects(panel, "public_welfare_post")`` answers "what did measure M do to each income
component, for which households" in one call:

* **Cohort** = the first year the household has a row for the measure in ``panel.measures``
  (a row means received, whatever its amount; 0/NaN amounts count). Years are the panel's.
* **Measures that stop**: treatment is absorbing — a household stays in its cohort after it
  stops receiving the measure, so ATT(g,t) is the effect of having *started* the measure in
  year g (intention to treat). The share of later household-years without the measure is
  reported (``design`` row ``stopped_share``) so a reader sees how often it stopped.
* **Eligible controls**: households of the panel that never received the measure in the
  observed years (``control="never_treated"``), or also those not yet treated
  (``"not_yet_treated"``). ``eligible`` (a boolean column name or a household-level mask)
  restricts the whole analysis — treated and controls — to a population, e.g. households with
  labour capacity for an employment measure. Households in a cohort of fewer than
  ``min_cohort_size`` (default 10, the publication threshold) are left out, counted.
* **Clustering** (``cluster="auto"``, the default): standard errors are clustered by the
  coarsest region level of :data:`CLUSTER_LEVELS` (county, township, village) with at least
  :data:`MIN_CLUSTERS` clusters among the households estimated — measures are allocated by
  county, township and village and incomes share local shocks (harvests, local labour markets),
  so households of one place are not independent; a level with fewer clusters is not usable and
  the next finer level is taken. ``cluster`` may also name a column (e.g. ``"village"``) or be
  ``None`` (households). A region level is identified together with its ancestors. With fewer
  than 30 clusters each effect gets a wild cluster bootstrap p-value (``wild_pvalue``) and a
  caveat. The level and the number of clusters are in ``design`` and in every effects row.
* **Covariates** (``covariates="baseline"``): characteristics in the first panel year, before
  any cohort, that officials see when they select households — ``log_income0`` = log(max(net
  income per capita, 1000) / 10000), ``labour`` = labour_full + labour_weak / 2, ``doudi``,
  ``relocated``, ``household_size``, ``has_operating`` (operating income > 0) and province
  indicators. Parallel trends are assumed conditional on them (doubly-robust by default). A
  covariate that is constant or collinear in the estimation sample is dropped with a ``design``
  note (``covariates_dropped``), and so is a covariate constant among the treated or the
  controls of a cell that could not be estimated with it; the measure is still estimated.
* **Diagnostics** (columns of ``effects``): ``pretest_pvalue`` (small-sample Wald test of the
  pre-treatment cells, :func:`evalkit.effects.inference.pretest`), ``caveat_zh``/``caveat_en``
  (a sentence when the pre-trend p-value is below 0.05, when there are fewer than 30 clusters,
  when a cohort only serves as control), ``design_zh``/``design_en`` (cohorts and years actually
  estimated, treated and control households: :meth:`StaggeredDiDResult.design_summary`).
* **Unit** (``weight``): with ``weight="household"`` (the default) each effect is a mean over
  treated *households* of the effect on their per-capita income (yuan per person per year, every
  household counting once); with ``weight="persons"`` households are weighted by their size in
  the first panel year (csdid sampling weights), so the effect is person-weighted,
  Σ size·τ / Σ size over the treated, like the income tables (Σ income / Σ persons). Every
  effects row states it (``weight``, ``unit_zh``, ``unit_en``) and the report prints it.
* **Outcomes**: ``net_income_pc`` and its per-capita components ``wage_pc``,
  ``net_operating_pc``, ``property_pc``, ``transfer_pc`` (household total / household size).
  Because net_income_pc is their sum in every row and every CS estimator is linear in the
  outcome given the covariates and the sample, the component ATTs add up exactly to the
  net-income ATT (``decomposition``; checked in tests to 1e-8).
* **Heterogeneity** (``by``): ``labour_group`` (the ``detail`` scheme of ``data/labour_groups.csv``:
  none, weak_only, one_full, two_plus), ``relocated``, ``household_type``, ``county`` or any household
  column, taken in the first panel year; subgroups whose design fails are listed in ``skipped`` with the reason.

Everything is vectorised (group-bys and merges, no loop over households); the estimation is
:func:`evalkit.effects.staggered_did` (csdid), whose memory is about n_households × cells × 8
bytes for the influence functions — at 2,000,000 households estimate per province or county.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from evalkit.core.config import DEFAULT_SEED
from evalkit.core.errors import DesignError, EvalkitError
from evalkit.core.panel import Panel
from evalkit.effects.did import StaggeredDiDResult, staggered_did
from evalkit.effects.did_design import CellsNotEstimable, redundant_covariates
from evalkit.effects.measure_data import (
    BASELINE_COVARIATES,
    CLUSTER_LEVELS,
    LEVEL_ZH,
    MIN_CLUSTERS,
    baseline,
    cluster_key,
    cohorts,
    covariate_columns,
    default_cluster,
    naive_difference,
    per_capita_outcomes,
    resolve_measure,
    stopped_share,
    subgroups,
)
from evalkit.effects.measure_table import (
    PRETEST_ALERT,
    UNITS,
    component_decomposition,
    design_row,
    effect_row,
    format_pvalue,
)
from evalkit.effects.results import OUTCOME_LABELS, Aggregation, EstimateResult, short_repr, tidy_frame

OUTCOMES: tuple[str, ...] = ("net_income_pc", "wage_pc", "net_operating_pc", "property_pc", "transfer_pc")


@dataclass
class MeasureEffects(EstimateResult):
    """Result of :func:`measure_effects`.

    ``effects``: [by..., outcome, label_zh, label_en, att, se, ci_low, ci_high, n_treated,
    n_control, pretest_W, pretest_pvalue] — the simple aggregation (average effect over all
    treated household-years, yuan per person per year).
    ``event_studies``: [by..., outcome, event_time, att, se, ci_low, ci_high, band_low, band_high] (every outcome's
    dynamic aggregation); ``event_study(outcome, subgroup, ...)``: one outcome's dynamic aggregation
    with the uniform band, as :meth:`StaggeredDiDResult.event_study` (the DataFrame use of
    ``event_study`` is deprecated: use ``event_studies``).
    ``decomposition``: [by..., net_income_pc, sum_of_components, difference, one column per component].
    ``design``: item, value, note (counts: households, eligible, treated by cohort, exclusions).
    ``results``: {(subgroup, outcome): StaggeredDiDResult}; ``skipped``: subgroups not estimated.
    """

    measure: str
    label_zh: str
    label_en: str
    kind: str
    effects: pd.DataFrame
    event_studies: pd.DataFrame
    decomposition: pd.DataFrame
    design: pd.DataFrame
    skipped: pd.DataFrame
    results: dict = field(default_factory=dict, repr=False)

    def result(self, outcome: str = "net_income_pc", subgroup=None) -> StaggeredDiDResult:
        """The :class:`StaggeredDiDResult` of one outcome (and subgroup value when ``by`` was used)."""
        return self.results[(subgroup, outcome)]

    @property
    def event_study(self) -> _EventStudyMethod:
        """``event_study(outcome="net_income_pc", subgroup=None, bootstrap=True, biters=999, seed=...)``.

        The dynamic aggregation (an :class:`Aggregation`) of one outcome, as
        :meth:`StaggeredDiDResult.event_study`. Used as a DataFrame (the former attribute) it is
        ``event_studies``, with a DeprecationWarning.
        """
        return _EventStudyMethod(self)

    def tidy(self) -> pd.DataFrame:
        """One row per outcome (and subgroup): term (the outcome), att, se, ci_low, ci_high, pvalue, counts."""
        return tidy_frame(self.effects, "outcome")

    def _summary_table(self) -> pd.DataFrame:
        return self.tidy().drop(columns=["outcome", "label_zh", "label_en"], errors="ignore")

    def _title(self) -> str:
        return f"Effects of {self.measure} ({self.label_zh} / {self.label_en}, {self.kind}): Callaway–Sant'Anna"

    def __repr__(self) -> str:
        net = self.effects[self.effects["outcome"].eq("net_income_pc")] if len(self.effects) else self.effects
        att, se = (float(net["att"].iloc[0]), float(net["se"].iloc[0])) if len(net) else (None, None)
        return short_repr(self, att, se, measure=self.measure, outcomes=len(self.effects))


class _EventStudyMethod:
    """Bound :meth:`MeasureEffects.event_study`; DataFrame use (the former attribute) is deprecated."""

    def __init__(self, owner: MeasureEffects):
        self._owner = owner

    def __call__(
        self,
        outcome: str = "net_income_pc",
        subgroup=None,
        bootstrap: bool = True,
        biters: int = 999,
        seed: int = DEFAULT_SEED,
    ) -> Aggregation:
        return self._owner.result(outcome, subgroup).event_study(bootstrap=bootstrap, biters=biters, seed=seed)

    def _frame(self) -> pd.DataFrame:
        warnings.warn(
            "MeasureEffects.event_study is a method now (as StaggeredDiDResult.event_study); "
            "the table of every outcome is MeasureEffects.event_studies",
            DeprecationWarning,
            stacklevel=3,
        )
        return self._owner.event_studies

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._frame(), name)

    def __getitem__(self, key):
        return self._frame()[key]

    def __len__(self) -> int:
        return len(self._owner.event_studies)

    def __repr__(self) -> str:
        return f"<bound method MeasureEffects.event_study of {self._owner!r}>"


def measure_effects(
    panel: Panel,
    measure: str,
    outcomes: tuple[str, ...] | list[str] = OUTCOMES,
    *,
    control: str = "never_treated",
    method: str = "dr",
    covariates: str | list[str] | None = "baseline",
    cluster: str | None = "auto",
    by: str | None = None,
    eligible: str | pd.Series | None = None,
    min_cohort_size: int = 10,
    alpha: float = 0.05,
    weight: str = "household",
) -> MeasureEffects:
    """Effect of ``measure`` on each outcome (see module doc); ``by`` gives heterogeneity;
    ``weight`` "household" (each household once) or "persons" (person-weighted).

    Parameters
    ----------
    panel : Panel
        The canonical panel (households and the measures they received).
    measure : str
        Measure code, Chinese label or alias (``data/measures.csv``).
    outcomes : sequence of str, default :data:`OUTCOMES`
        Net income per capita and its four per-capita components, or other household columns.
    control : {"never_treated", "not_yet_treated"}, default "never_treated"
        The comparison households.
    method : {"dr", "ipw", "reg"}, default "dr"
        The Callaway–Sant'Anna cell estimator.
    covariates : "baseline", list of str or None, default "baseline"
        First-year characteristics parallel trends are conditional on (:data:`BASELINE_COVARIATES`
        and province indicators), a list of baseline columns, or none.
    cluster : "auto", str or None, default "auto"
        The coarsest of :data:`CLUSTER_LEVELS` with at least :data:`MIN_CLUSTERS` clusters, a
        column, or None (households).
    by : str, optional
        Heterogeneity: ``labour_group`` or a household column, taken in the first panel year.
    eligible : str or pandas.Series, optional
        A boolean column or household-level mask restricting treated and controls.
    min_cohort_size : int, default 10
        Cohorts with fewer households are left out, counted in ``design``.
    alpha : float, default 0.05
        1 − confidence level of the intervals.
    weight : {"household", "persons"}, default "household"
        Each household once, or households weighted by their size (person-weighted effects).

    Returns
    -------
    MeasureEffects
        ``effects`` (one row per outcome and subgroup: att, se, ci_low, ci_high, pvalue, counts,
        clustering, pre-trend test, caveats, unit), ``event_studies``, ``decomposition``,
        ``design``, ``skipped``; ``result(outcome)`` is the :class:`StaggeredDiDResult` behind a row.

    Raises
    ------
    DesignError
        When the design cannot identify the effect (``E-DESIGN-NO-TREATED``,
        ``E-DESIGN-NO-NEVER-TREATED``, ...; with ``by``, a failing subgroup is listed in
        ``skipped`` instead).
    EvalkitError
        For unusable arguments (``E-MEASURE-UNKNOWN``, ``E-WEIGHT-KIND``, ``E-COVARIATES-KIND``,
        ``E-COVARIATES-UNKNOWN``, ``E-CLUSTER-COLUMN``, ``E-GROUP-COLUMNS``, ``E-DATA-COLUMNS``).
    """
    if weight not in UNITS:
        raise EvalkitError(f"weight={weight!r}: use one of {sorted(UNITS)} / 权重参数无效", code="E-WEIGHT-KIND")
    row = resolve_measure(measure)
    code = row["code"]
    hh = panel.households
    first_cohort = cohorts(panel, code)
    if first_cohort.empty:
        raise DesignError(
            f"{row['label_zh']}({code}): 面板中没有任何户接受该措施 / nobody in the panel received this measure",
            code="E-DESIGN-NO-TREATED",
        )
    base = baseline(hh)
    base["cohort"] = base["household_id"].map(first_cohort).fillna(0).astype(int).to_numpy()
    design = [design_row("households", len(base), "面板户数", "households in the panel")]

    if eligible is not None:
        mask = (
            eligible
            if isinstance(eligible, pd.Series)
            else hh.sort_values("year", kind="stable")
            .drop_duplicates("household_id")
            .set_index("household_id")[eligible]
        )
        keep = base["household_id"].map(mask.astype(bool)).fillna(False).to_numpy(dtype=bool)
        design.append(
            design_row(
                "not_eligible",
                int((~keep).sum()),
                "不属于分析人群的户(已排除)",
                "households outside the eligible population (excluded)",
            )
        )
        base = base[keep]

    sizes = base.loc[base["cohort"] > 0, "cohort"].value_counts()
    small = sizes[sizes < min_cohort_size]
    if len(small):
        design.append(
            design_row(
                "small_cohorts_excluded",
                int(small.sum()),
                f"队列户数少于 {min_cohort_size} 的户已排除: {sorted(small.index.tolist())}",
                f"households in cohorts smaller than {min_cohort_size} excluded: {sorted(small.index.tolist())}",
            )
        )
        base = base[~base["cohort"].isin(small.index)]
    for g, n in base.loc[base["cohort"] > 0, "cohort"].value_counts().sort_index().items():
        design.append(design_row(f"cohort_{g}", int(n), f"{g} 年首次接受的户", f"households first receiving it in {g}"))
    design.append(
        design_row(
            "never_treated",
            int((base["cohort"] == 0).sum()),
            "观测期内从未接受的户",
            "households never receiving it in the observed years",
        )
    )
    design.append(
        design_row(
            "stopped_share",
            stopped_share(panel, code, first_cohort),
            "首次接受后未再记录该措施的户年占比(仍按已处理计)",
            "share of household-years after the first receipt without the measure (still counted as treated)",
        )
    )
    if (base["cohort"] > 0).sum() == 0:
        raise DesignError(
            f"{row['label_zh']}({code}): 排除后没有接受该措施的户 / no treated household left after exclusions",
            code="E-DESIGN-NO-TREATED",
        )

    covariate_list = covariate_columns(base, covariates)
    data = hh[["household_id", "year"]].join(per_capita_outcomes(hh))
    data["net_income_pc"] = hh["net_income_pc"].to_numpy(dtype=float)
    if cluster == "auto":
        cluster = default_cluster(hh, base["household_id"])
    if cluster:
        data[cluster] = cluster_key(hh, cluster)
    design.append(
        design_row(
            "cluster",
            cluster or "household",
            f"标准误按{LEVEL_ZH.get(cluster or 'household_id', cluster)}聚类",
            f"standard errors clustered by {cluster or 'household'}",
        )
    )
    extra = [c for c in outcomes if c not in data.columns]
    for column in extra:
        if column not in hh.columns:
            raise EvalkitError(f"面板缺少结果变量 / panel lacks outcome column: {column}", code="E-DATA-COLUMNS")
        data[column] = hh[column].to_numpy()
    base = base.assign(_persons=base["household_size"])
    data = data.merge(
        base[["household_id", "cohort", "_persons", *covariate_list]],
        on="household_id",
        how="inner",
        validate="many_to_one",
    )
    design.append(design_row("weight", weight, UNITS[weight][0], UNITS[weight][1]))
    if by is not None:
        data["_subgroup"] = data["household_id"].map(subgroups(hh, base, by)).to_numpy()

    groups: list[tuple[Any, pd.DataFrame]] = (
        [(None, data)] if by is None else list(data.groupby("_subgroup", sort=True))
    )
    rows: list[dict[str, Any]] = []
    events: list[pd.DataFrame] = []
    results: dict = {}
    skipped: list = []
    for value, part in groups:
        if by is not None:  # the publication threshold applies to each subgroup's cohorts too
            sizes = part.drop_duplicates("household_id")["cohort"].value_counts()
            tiny = sizes[(sizes.index > 0) & (sizes < min_cohort_size)]
            if len(tiny):
                design.append(
                    design_row(
                        f"small_cohorts_excluded[{by}={value}]",
                        int(tiny.sum()),
                        f"{by}={value}: 队列户数少于 {min_cohort_size} 的户已排除: {sorted(tiny.index.tolist())}",
                        f"{by}={value}: households in cohorts smaller than {min_cohort_size} excluded: "
                        f"{sorted(tiny.index.tolist())}",
                    )
                )
                part = part[~part["cohort"].isin(tiny.index)]
        usable = _usable_covariates(part, covariate_list, design, by, value)
        for outcome in outcomes:
            try:
                res = _estimate(
                    part, outcome, usable, control, method, cluster, alpha, design, by, value, weight == "persons"
                )
            except DesignError as error:
                if by is None:
                    raise
                skipped.append({by: value, "outcome": outcome, "reason": str(error)})
                continue
            results[(value, outcome)] = res
            unit = {"weight": weight, "unit_zh": UNITS[weight][0], "unit_en": UNITS[weight][1]}
            rows.append({**({by: value} if by else {}), **effect_row(res, outcome), **unit})
            dyn = res.event_study().table.assign(outcome=outcome)  # with the 95 % simultaneous band
            if by:
                dyn.insert(0, by, value)
            events.append(dyn)
    effects = pd.DataFrame(rows)
    return MeasureEffects(
        measure=code,
        label_zh=row["label_zh"],
        label_en=row["label_en"],
        kind=row["kind"],
        effects=effects,
        event_studies=pd.concat(events, ignore_index=True) if events else pd.DataFrame(),
        decomposition=component_decomposition(effects, by),
        design=pd.DataFrame(design),
        skipped=pd.DataFrame(skipped, columns=[by or "subgroup", "outcome", "reason"]),
        results=results,
    )


def _usable_covariates(part: pd.DataFrame, covariates: list[str], design: list, by, value) -> list[str]:
    """Covariates of ``part`` that vary and are not collinear with the ones before them; the dropped
    ones are noted in ``design``."""
    first = part.drop_duplicates("household_id")
    constant = [c for c in covariates if first[c].nunique() <= 1]
    usable = [c for c in covariates if c not in constant]
    collinear = redundant_covariates(first[usable])
    usable = [c for c in usable if c not in collinear]
    if collinear:
        where = f"[{by}={value}]" if by else ""
        design.append(
            design_row(
                f"covariates_dropped{where}",
                ", ".join(collinear),
                f"与其他协变量共线, 已删除: {collinear}",
                f"collinear with the other covariates, dropped: {collinear}",
            )
        )
    return usable


def _estimate(
    part, outcome, covariates, control, method, cluster, alpha, design, by, value, persons=False
) -> StaggeredDiDResult:
    """staggered_did; a cell that cannot be estimated because a covariate is constant among its
    treated or controls is re-estimated without those covariates, noted in ``design``. ``persons``:
    households weighted by their size (column ``_persons``)."""
    kwargs = dict(control=control, method=method, cluster=cluster, alpha=alpha, weights="_persons" if persons else None)
    try:
        return staggered_did(part, outcome, "household_id", "year", "cohort", covariates=covariates, **kwargs)
    except CellsNotEstimable as error:
        drop = [c for c in covariates if c in error.constant_covariates]
        if not drop:
            raise
        where = f"[{by}={value}]" if by else ""
        design.append(
            design_row(
                f"covariates_dropped[{outcome}]{where}",
                ", ".join(drop),
                f"部分单元内为常数(单元 {error.cells}), 已删除后重新估计: {drop}",
                f"constant within cells {error.cells}, dropped and re-estimated: {drop}",
            )
        )
        kept = [c for c in covariates if c not in drop]
        return staggered_did(part, outcome, "household_id", "year", "cohort", covariates=kept, **kwargs)


__all__ = [
    "BASELINE_COVARIATES",
    "CLUSTER_LEVELS",
    "MIN_CLUSTERS",
    "OUTCOMES",
    "OUTCOME_LABELS",
    "PRETEST_ALERT",
    "UNITS",
    "MeasureEffects",
    "baseline",
    "cohorts",
    "default_cluster",
    "format_pvalue",
    "measure_effects",
    "naive_difference",
    "per_capita_outcomes",
    "resolve_measure",
]
