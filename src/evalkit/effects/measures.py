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

import difflib
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from evalkit.core.config import DEFAULT_SEED
from evalkit.core.errors import DesignError, EvalkitError
from evalkit.core.panel import Panel
from evalkit.core.schema import COMPONENTS, REGION_LEVELS, labour_group, measures_catalogue
from evalkit.effects.did import CellsNotEstimable, StaggeredDiDResult, redundant_covariates, staggered_did
from evalkit.effects.inference import FEW_CLUSTERS
from evalkit.effects.results import OUTCOME_LABELS, Aggregation, EstimateResult, outcome_label, short_repr, tidy_frame

OUTCOMES: tuple[str, ...] = ("net_income_pc", "wage_pc", "net_operating_pc", "property_pc", "transfer_pc")
#: Region levels standard errors may be clustered by, coarsest first (``cluster="auto"``).
CLUSTER_LEVELS: tuple[str, ...] = ("county", "township", "village")
#: A level with fewer clusters than this among the estimated households is too coarse to cluster by.
MIN_CLUSTERS = 10
#: Pre-trend p-values below this put a caveat beside the estimate.
PRETEST_ALERT = 0.05
BASELINE_COVARIATES: tuple[str, ...] = (
    "log_income0",
    "labour",
    "doudi",
    "relocated",
    "household_size",
    "has_operating",
)


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
    raise EvalkitError(f"未知的帮扶措施 {measure!r} / unknown measure {measure!r}; 可能是 / did you mean: {close}")


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


def _design_row(item: str, value, note_zh: str, note_en: str) -> dict:
    return {"item": item, "value": value, "note_zh": note_zh, "note_en": note_en}


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
    ``weight`` "household" (each household once) or "persons" (person-weighted)."""
    if weight not in UNITS:
        raise EvalkitError(f"weight={weight!r}: use one of {sorted(UNITS)} / 权重参数无效")
    row = resolve_measure(measure)
    code = row["code"]
    hh = panel.households
    first_cohort = cohorts(panel, code)
    if first_cohort.empty:
        raise DesignError(
            f"{row['label_zh']}({code}): 面板中没有任何户接受该措施 / nobody in the panel received this measure"
        )
    base = baseline(hh)
    base["cohort"] = base["household_id"].map(first_cohort).fillna(0).astype(int).to_numpy()
    design = [_design_row("households", len(base), "面板户数", "households in the panel")]

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
            _design_row(
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
            _design_row(
                "small_cohorts_excluded",
                int(small.sum()),
                f"队列户数少于 {min_cohort_size} 的户已排除: {sorted(small.index.tolist())}",
                f"households in cohorts smaller than {min_cohort_size} excluded: {sorted(small.index.tolist())}",
            )
        )
        base = base[~base["cohort"].isin(small.index)]
    for g, n in base.loc[base["cohort"] > 0, "cohort"].value_counts().sort_index().items():
        design.append(
            _design_row(f"cohort_{g}", int(n), f"{g} 年首次接受的户", f"households first receiving it in {g}")
        )
    design.append(
        _design_row(
            "never_treated",
            int((base["cohort"] == 0).sum()),
            "观测期内从未接受的户",
            "households never receiving it in the observed years",
        )
    )
    design.append(
        _design_row(
            "stopped_share",
            _stopped_share(panel, code, first_cohort),
            "首次接受后未再记录该措施的户年占比(仍按已处理计)",
            "share of household-years after the first receipt without the measure (still counted as treated)",
        )
    )
    if (base["cohort"] > 0).sum() == 0:
        raise DesignError(
            f"{row['label_zh']}({code}): 排除后没有接受该措施的户 / no treated household left after exclusions"
        )

    covariate_list = _covariates(base, covariates)
    data = hh[["household_id", "year"]].join(per_capita_outcomes(hh))
    data["net_income_pc"] = hh["net_income_pc"].to_numpy(dtype=float)
    if cluster == "auto":
        cluster = default_cluster(hh, base["household_id"])
    if cluster:
        data[cluster] = _cluster_key(hh, cluster)
    design.append(
        _design_row(
            "cluster",
            cluster or "household",
            f"标准误按{LEVEL_ZH.get(cluster or 'household_id', cluster)}聚类",
            f"standard errors clustered by {cluster or 'household'}",
        )
    )
    extra = [c for c in outcomes if c not in data.columns]
    for column in extra:
        if column not in hh.columns:
            raise EvalkitError(f"面板缺少结果变量 / panel lacks outcome column: {column}")
        data[column] = hh[column].to_numpy()
    base = base.assign(_persons=base["household_size"])
    data = data.merge(
        base[["household_id", "cohort", "_persons", *covariate_list]],
        on="household_id",
        how="inner",
        validate="many_to_one",
    )
    design.append(_design_row("weight", weight, UNITS[weight][0], UNITS[weight][1]))
    if by is not None:
        data["_subgroup"] = data["household_id"].map(_subgroups(hh, base, by)).to_numpy()

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
                    _design_row(
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
            rows.append({**({by: value} if by else {}), **_effect_row(res, outcome), **unit})
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
        decomposition=_decomposition(effects, by),
        design=pd.DataFrame(design),
        skipped=pd.DataFrame(skipped, columns=[by or "subgroup", "outcome", "reason"]),
        results=results,
    )


#: weight → (zh, en) statement of the unit of the effects.
UNITS = {
    "household": (
        "元/人/年, 受益户人均收入效果的户均值 (每户权重相同, 不按人口加权)",
        "yuan per person per year, mean over treated households (each household counts once, not person-weighted)",
    ),
    "persons": (
        "元/人/年, 按人口加权 (与收入表一致: 总效果 / 总人口)",
        "yuan per person per year, person-weighted (as the income tables: total effect / total persons)",
    ),
}

LEVEL_ZH = {"county": "县", "township": "乡镇", "village": "村", "household_id": "户"}


def default_cluster(households: pd.DataFrame, household_ids=None) -> str | None:
    """The cluster level of ``cluster="auto"``: the coarsest of :data:`CLUSTER_LEVELS` present with
    at least :data:`MIN_CLUSTERS` clusters among ``household_ids`` (all households when None), else
    the finest level present, else None (households)."""
    first = households.sort_values("year", kind="stable").drop_duplicates("household_id")
    if household_ids is not None:
        first = first[first["household_id"].isin(household_ids)]
    present = [level for level in CLUSTER_LEVELS if level in first.columns and first[level].notna().all()]
    for level in present:
        if pd.unique(_cluster_key(first, level)).size >= MIN_CLUSTERS:
            return level
    return present[-1] if present else None


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
            _design_row(
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
            _design_row(
                f"covariates_dropped[{outcome}]{where}",
                ", ".join(drop),
                f"部分单元内为常数(单元 {error.cells}), 已删除后重新估计: {drop}",
                f"constant within cells {error.cells}, dropped and re-estimated: {drop}",
            )
        )
        kept = [c for c in covariates if c not in drop]
        return staggered_did(part, outcome, "household_id", "year", "cohort", covariates=kept, **kwargs)


def format_pvalue(p: float, draws: int = 9999) -> str:
    """A p-value for the reader: 3 decimals, "< 0.001" when smaller (a bootstrap p of 0 means below 1/draws)."""
    if not np.isfinite(p):
        return "—"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _effect_row(res: StaggeredDiDResult, outcome: str) -> dict:
    """One row of ``MeasureEffects.effects``: the simple aggregation, the design and the caveats."""
    simple = res.aggregate("simple")
    lo, hi = simple.ci
    summary = res.design_summary()
    few = res.n_clusters < FEW_CLUSTERS
    wild = res.wild_pvalue()["pvalue"] if few and res.cluster else np.nan
    caveats_zh, caveats_en = [], []
    p = res.pretest["pvalue"]
    if np.isfinite(p) and p < PRETEST_ALERT:
        caveats_zh.append(
            f"处理前趋势检验 p = {p:.3f} < 0.05: 受益户与对照户在受益前的收入变化已有差异, 估计值可能有偏。"
        )
        caveats_en.append(
            f"pre-trend test p = {p:.3f} < 0.05: treated and control households already diverged before "
            "treatment, so the estimate may be biased."
        )
    if summary["control_cohorts"]:
        caveats_zh.append(summary["note_zh"])
        caveats_en.append(summary["note_en"])
    other_zh, other_en = " ".join(caveats_zh), " ".join(caveats_en)  # all but the few-clusters caveat
    if few and res.cluster:
        shown = format_pvalue(wild)
        caveats_zh.append(
            f"只有 {res.n_clusters} 个聚类 (少于 {FEW_CLUSTERS}): 置信区间不够可靠, 请参考野聚类自助法 p 值 {shown}。"
        )
        caveats_en.append(
            f"only {res.n_clusters} clusters (fewer than {FEW_CLUSTERS}): the interval is less reliable; "
            f"see the wild cluster bootstrap p-value {shown}."
        )
    return {
        "outcome": outcome,
        "label_zh": outcome_label(outcome, "zh"),
        "label_en": outcome_label(outcome, "en"),
        "att": simple.att,
        "se": simple.se,
        "ci_low": lo,
        "ci_high": hi,
        "pvalue": simple.pvalue,
        "wild_pvalue": wild,
        "n_treated": summary["n_treated"],
        "n_control": summary["n_control"],
        "cluster": res.cluster or "household",
        "n_clusters": res.n_clusters,
        "pretest_W": res.pretest["W"],
        "pretest_pvalue": p,
        "caveat_zh": " ".join(caveats_zh),
        "caveat_en": " ".join(caveats_en),
        "caveat_design_zh": other_zh,
        "caveat_design_en": other_en,
        "design_zh": summary["note_zh"],
        "design_en": summary["note_en"],
    }


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


def _subgroups(households: pd.DataFrame, base: pd.DataFrame, by: str) -> pd.Series:
    """Subgroup of each household (index household_id): its ``by`` value in its first panel year."""
    if by == "labour_group":
        if (base["labour_group"] == "").any():
            raise EvalkitError(
                "劳动力人数缺失, 无法按劳动力分组 / labour counts missing, cannot estimate by labour group "
                "(labour_full, labour_weak)"
            )
        return base.set_index("household_id")["labour_group"]
    if by not in households.columns:
        raise EvalkitError(
            f"by={by!r}: 面板没有该列 / the panel has no such column; use labour_group or a household column"
        )
    first = households.sort_values("year", kind="stable").drop_duplicates("household_id")
    return first.set_index("household_id")[by]


def _cluster_key(households: pd.DataFrame, cluster: str) -> np.ndarray:
    """Cluster labels; a region level is made unique by its ancestors (village names repeat
    across townships: 合成村01 of two townships are two clusters)."""
    if cluster not in households.columns:
        raise EvalkitError(f"cluster={cluster!r}: 面板没有该列 / the panel has no such column")
    if cluster not in REGION_LEVELS:
        return households[cluster].to_numpy()
    levels = [c for c in REGION_LEVELS[: REGION_LEVELS.index(cluster) + 1] if c in households.columns]
    return households.groupby(levels, sort=False, observed=True, dropna=False).ngroup().to_numpy()


def _covariates(base: pd.DataFrame, covariates) -> list[str]:
    if covariates is None:
        return []
    if isinstance(covariates, str):
        if covariates != "baseline":
            raise EvalkitError(
                f"covariates={covariates!r}: use 'baseline', a list of columns, or None / 协变量参数无效"
            )
        return list(BASELINE_COVARIATES) + [c for c in base.columns if c.startswith("province_")]
    missing = [c for c in covariates if c not in base.columns]
    if missing:
        raise EvalkitError(f"协变量不存在 / unknown covariates: {missing}; available: {sorted(base.columns)}")
    return list(covariates)


def _stopped_share(panel: Panel, code: str, first_cohort: pd.Series) -> float:
    """Share of household-years after (not at) the first receipt with no row for the measure."""
    years = panel.households[["household_id", "year"]]
    after = years.merge(first_cohort.reset_index(), on="household_id")
    after = after[after["year"] > after["cohort"]]
    if after.empty:
        return 0.0
    rows = panel.measures.loc[panel.measures["measure"] == code, ["household_id", "year"]].drop_duplicates()
    received = after.merge(rows.assign(received=True), on=["household_id", "year"], how="left")["received"].notna()
    return float(1 - received.mean())


def _decomposition(effects: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Component ATTs beside the net-income ATT: their sum and the difference (exactly 0 up to rounding)."""
    components = [f"{c}_pc" for c in COMPONENTS]
    if effects.empty or not set(components + ["net_income_pc"]) <= set(effects["outcome"]):
        return pd.DataFrame()
    keys = [by] if by else []
    wide = (
        effects.pivot_table(index=keys or None, columns="outcome", values="att")
        if keys
        else effects.set_index("outcome")["att"].to_frame().T
    )
    wide = wide.dropna(subset=components + ["net_income_pc"])
    out = wide[["net_income_pc"] + components].copy()
    out["sum_of_components"] = wide[components].sum(axis=1)
    out["difference"] = out["net_income_pc"] - out["sum_of_components"]
    return out.reset_index(drop=not keys)


__all__ = [
    "OUTCOMES",
    "OUTCOME_LABELS",
    "CLUSTER_LEVELS",
    "MIN_CLUSTERS",
    "MeasureEffects",
    "baseline",
    "default_cluster",
    "format_pvalue",
    "cohorts",
    "measure_effects",
    "naive_difference",
    "per_capita_outcomes",
    "resolve_measure",
]
