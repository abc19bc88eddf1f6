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
study) and ``calendar`` (by year). Standard errors come from the influence function ψ:
``se = sqrt(Σ_i ψ_i²) / n`` (households), or clustered ``se = sqrt(Σ_c (Σ_{i∈c} ψ_i)²) / n``
(R ``did``'s analytic cluster formula, no small-sample factor). Uniform bands for the event
study use the multiplier bootstrap (Mammen weights, R ``did`` ``mboot``). The pre-trend test is
the Wald statistic ``W = n · θ̂_pre' V̂_pre⁻¹ θ̂_pre`` over the pre-treatment cells, χ²(q).

Library: ``csdid`` 0.4.3 (pinned in pyproject.toml). It reproduces R ``did`` 2.5 on ``mpdta``
— every ATT(g,t), all four aggregations with analytic SEs, and W — to 1e-12
(tests/test_effects_did.py), including the pre-test and analytic clustered SEs, so the
``differences`` package is not used. Memory: csdid holds the
influence functions as a dense ``n_units × n_cells`` float64 matrix (2,000,000 households ×
40 cells ≈ 640 MB) plus a copy of the data; estimate per region or subgroup on larger panels.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from csdid.att_gt import ATTgt
from scipy.stats import chi2
from threadpoolctl import threadpool_limits

from evalkit.core.errors import DesignError, EvalkitError
from evalkit.effects.results import Aggregation, add_ci

CONTROLS = {"never_treated": "nevertreated", "not_yet_treated": "notyettreated"}
METHODS = ("dr", "ipw", "reg")
KINDS = {"simple": None, "group": "group", "dynamic": "event_time", "calendar": "time"}


@dataclass
class StaggeredDiDResult:
    """Result of :func:`staggered_did`.

    ``att_gt``: group, time, event_time, post, att, se, ci_low, ci_high (one row per cell).
    ``pretest``: dict W, df, pvalue (Wald test that all pre-treatment ATT(g,t) are zero).
    ``cohorts``: group, n_units (households per cohort; group 0 = never treated).
    ``exclusions``: reason_zh, reason_en, rows, units — every row/unit left out, counted.
    ``notes``: messages of the underlying library (e.g. small groups), never silenced.
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
    notes: list[str] = field(default_factory=list)
    _model: ATTgt = field(default=None, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    def aggregate(
        self, kind: str = "simple", bootstrap: bool = False, biters: int = 999, seed: int = 20240101
    ) -> Aggregation:
        """Aggregate ATT(g,t) (``kind`` in simple, group, dynamic, calendar).

        Analytic SEs from the aggregated influence function (R ``aggte(bstrap=FALSE)``).
        ``bootstrap=True`` adds a uniform (simultaneous) band ``band_low``/``band_high`` from
        ``biters`` multiplier-bootstrap draws (seeded, reproducible; the band uses the
        bootstrap SE ``se_boot`` and the sup-t critical value ``crit_value``).
        """
        if kind not in KINDS:
            raise EvalkitError(f"aggregation kind {kind!r} unknown; use one of {sorted(KINDS)} / 未知的汇总方式")
        key = (kind, bootstrap, biters, seed)
        if key in self._cache:
            return self._cache[key]
        atte = _run_aggte(self._model, kind, bootstrap=False)
        table = pd.DataFrame()
        if KINDS[kind] is not None:
            table = add_ci(
                pd.DataFrame(
                    {
                        KINDS[kind]: np.asarray(atte["egt"]).astype(int),
                        "att": np.asarray(atte["att_egt"], dtype=float),
                        "se": np.asarray(atte["se_egt"], dtype=float).ravel(),
                    }
                ),
                self.alpha,
            )
        crit = None
        if bootstrap and KINDS[kind] is not None:
            boot = _run_aggte(self._model, kind, bootstrap=True, biters=biters, seed=seed)
            se_boot = np.asarray(boot["se_egt"], dtype=float).ravel()
            crit = float(boot["crit_val_egt"])
            table["se_boot"] = se_boot
            table["band_low"] = table["att"] - crit * se_boot
            table["band_high"] = table["att"] + crit * se_boot
        result = Aggregation(
            kind=kind,
            att=float(atte["overall_att"]),
            se=float(atte["overall_se"]),
            table=table,
            alpha=self.alpha,
            crit_value=crit,
        )
        self._cache[key] = result
        return result

    def event_study(self, bootstrap: bool = True, biters: int = 999, seed: int = 20240101) -> Aggregation:
        """Dynamic aggregation with the uniform band (shorthand for ``aggregate("dynamic", ...)``)."""
        return self.aggregate("dynamic", bootstrap=bootstrap, biters=biters, seed=seed)

    def summary(self) -> pd.DataFrame:
        """Overall att, se, CI of the four aggregations, plus the pre-trend test."""
        rows = pd.concat([self.aggregate(kind).overall() for kind in KINDS], ignore_index=True)
        rows["pretest_W"] = self.pretest["W"]
        rows["pretest_pvalue"] = self.pretest["pvalue"]
        return rows


def _run_aggte(model: ATTgt, kind: str, bootstrap: bool, biters: int = 999, seed: int = 0) -> dict:
    # csdid prints a summary table on every aggte call: keep it off the user's output.
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), threadpool_limits(1, user_api="blas"):
        warnings.simplefilter("ignore", FutureWarning)
        if not bootstrap:
            model.aggte(typec=kind, bstrap=False)
            return model.atte
        state = np.random.get_state()
        np.random.seed(seed)
        try:
            model.aggte(typec=kind, bstrap=True, cband=True, biters=biters)
        finally:
            np.random.set_state(state)
        return model.atte


def _exclusion(reason_zh: str, reason_en: str, rows: int, units: int) -> dict:
    return {"reason_zh": reason_zh, "reason_en": reason_en, "rows": int(rows), "units": int(units)}


def check_full_rank(design: pd.DataFrame, what: str) -> None:
    """Raise :class:`DesignError` when ``[1, design]`` is rank deficient (collinear covariates)."""
    if design.shape[1] == 0:
        return
    values = design.to_numpy(dtype=float)
    matrix = np.column_stack([np.ones(len(values)), values])
    if np.linalg.matrix_rank(matrix) < matrix.shape[1]:
        # Name the covariates that add nothing to the intercept and the covariates kept before them.
        kept, redundant = [0], []
        for k in range(1, matrix.shape[1]):
            if np.linalg.matrix_rank(matrix[:, kept + [k]]) == len(kept) + 1:
                kept.append(k)
            else:
                redundant.append(design.columns[k - 1])
        raise DesignError(
            f"{what}: 协变量共线(或为常数): {redundant}; 请删除其中之一 / "
            f"collinear (or constant) covariates: {redundant}; drop one of them"
        )


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
) -> StaggeredDiDResult:
    """Callaway–Sant'Anna ATT(g,t) with never- or not-yet-treated controls (see module doc).

    ``data`` is long (one row per unit × time); ``cohort`` holds the first treated period, 0 or
    missing for never treated, constant within unit. ``cluster`` (e.g. ``"village"``) must be
    constant within unit; ``None`` clusters at the unit. Rows with a missing outcome or
    covariate are dropped and counted in ``exclusions``; so are units first treated in or
    before the first period (no pre-period: not identified) — units first treated after the
    last period are never treated within the window. With ``allow_unbalanced`` the unbalanced
    panel estimator of R ``did`` is used, else units missing a period are dropped (counted).

    Raises :class:`DesignError` when the design cannot identify ATT(g,t): no treated cohort,
    no never-treated units with ``control="never_treated"``, a cohort of one unit, collinear
    covariates, or a failing cell estimator.
    """
    if control not in CONTROLS:
        raise EvalkitError(f"control={control!r}: use 'never_treated' or 'not_yet_treated' / 对照组参数无效")
    if method not in METHODS:
        raise EvalkitError(f"method={method!r}: use one of {METHODS} / 估计方法无效")
    covariates = tuple(covariates or ())
    columns = [unit, time, cohort, outcome, *covariates] + ([cluster] if cluster and cluster != unit else [])
    missing = [c for c in dict.fromkeys(columns) if c not in data.columns]
    if missing:
        raise EvalkitError(f"数据缺少列 / data lacks columns: {missing}")
    frame = data[list(dict.fromkeys(columns))].copy()
    exclusions = []

    duplicated = frame.duplicated([unit, time])
    if duplicated.any():
        raise EvalkitError(f"{int(duplicated.sum())} 行的 ({unit}, {time}) 重复 / rows repeat a ({unit}, {time}) pair")
    numeric = [outcome, *covariates]
    for column in numeric:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    bad = ~np.isfinite(frame[numeric].to_numpy()).all(axis=1)
    if bad.any():
        exclusions.append(
            _exclusion("结果或协变量缺失", "missing outcome or covariate", bad.sum(), frame.loc[bad, unit].nunique())
        )
        frame = frame.loc[~bad]
    if frame.empty:
        raise DesignError(f"{outcome}: 没有可用观测 / no usable observations")

    frame[cohort] = pd.to_numeric(frame[cohort], errors="coerce").fillna(0).astype(int)
    frame[time] = pd.to_numeric(frame[time], errors="raise").astype(int)
    varying = frame.groupby(unit, sort=False)[cohort].nunique()
    if (varying > 1).any():
        raise EvalkitError(
            f"{int((varying > 1).sum())} 个单位的处理年份({cohort})前后不一 / "
            f"units whose first-treatment period ({cohort}) varies over time"
        )
    cluster_codes = None
    if cluster and cluster != unit:
        cvary = frame.groupby(unit, sort=False)[cluster].nunique()
        if (cvary > 1).any():
            raise EvalkitError(
                f"{int((cvary > 1).sum())} 个单位的聚类变量({cluster})随时间变化 / "
                f"units whose cluster ({cluster}) changes over time; cluster must be fixed per unit"
            )
        cluster_codes = pd.factorize(frame[cluster])[0]

    first, last = frame[time].min(), frame[time].max()
    early = (frame[cohort] > 0) & (frame[cohort] <= first)
    if early.any():
        exclusions.append(
            _exclusion(
                "首期及之前已受处理(无处理前期)",
                "treated in or before the first period (no pre-period)",
                early.sum(),
                frame.loc[early, unit].nunique(),
            )
        )
        frame, cluster_codes = (
            frame.loc[~early],
            (cluster_codes[~early.to_numpy()] if cluster_codes is not None else None),
        )
    late = frame[cohort] > last
    notes = []
    if late.any():
        frame.loc[late, cohort] = 0
        notes.append(
            f"{frame.loc[late, unit].nunique()} 个单位首次处理晚于最后观测期,视为从未处理 / "
            "units first treated after the last period are never treated within the window"
        )

    n_periods = frame[time].nunique()
    counts = frame.groupby(unit, sort=False)[time].transform("size")
    balanced = bool((counts == n_periods).all())
    if not balanced and not allow_unbalanced:
        partial = (counts < n_periods).to_numpy()
        exclusions.append(
            _exclusion(
                "未在每个年度出现(平衡面板)",
                "not observed in every period (balanced panel)",
                partial.sum(),
                frame.loc[partial, unit].nunique(),
            )
        )
        frame = frame.loc[~partial]
        cluster_codes = cluster_codes[~partial] if cluster_codes is not None else None

    cohorts = (
        frame.drop_duplicates(unit)[cohort]
        .value_counts()
        .sort_index()
        .rename_axis("group")
        .rename("n_units")
        .reset_index()
    )
    treated = cohorts[cohorts["group"] > 0]
    if treated.empty:
        raise DesignError(
            f"{outcome}: 没有在观测期内开始受处理的单位 / no unit starts treatment inside the observed periods"
        )
    if control == "never_treated" and not (cohorts["group"] == 0).any():
        raise DesignError(
            "没有从未受处理的单位,不能用 control='never_treated';请改用 'not_yet_treated' / "
            "no never-treated units: control='never_treated' is impossible; use control='not_yet_treated'"
        )
    small = treated[treated["n_units"] < 2]
    if not small.empty:
        raise DesignError(
            f"队列只有一个单位 / cohorts with a single unit: {small['group'].tolist()}; "
            "合并或删除这些队列 / merge or drop these cohorts"
        )
    if covariates:
        base = frame.sort_values(time).drop_duplicates(unit)
        check_full_rank(base[list(covariates)], outcome)

    ids, _ = pd.factorize(frame[unit])
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
    if cluster_codes is not None:
        work["cl"] = cluster_codes
    xformla = "y ~ " + (" + ".join(names) if names else "1")
    # csdid solves many small (n × k) least-squares problems: multi-threaded BLAS only adds
    # overhead there (10× slower on a busy 2-core machine), so BLAS runs single-threaded.
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(1, user_api="blas"):
        warnings.simplefilter("always")
        try:
            model = ATTgt(
                yname="y",
                tname="t",
                idname="id",
                gname="g",
                data=work,
                control_group=CONTROLS[control],
                xformla=xformla,
                allow_unbalanced_panel=not balanced and allow_unbalanced,
                clustervar="cl" if cluster_codes is not None else None,
                alp=alpha,
            )
            model.fit(est_method=method, base_period=base_period, bstrap=False)
        except (ValueError, np.linalg.LinAlgError) as error:
            raise DesignError(f"{outcome}: 估计失败 / estimation failed: {error}") from error
    notes += sorted({str(w.message) for w in caught if not issubclass(w.category, (FutureWarning, DeprecationWarning))})

    res = model.results
    att_gt = pd.DataFrame(
        {
            "group": np.asarray(res["group"], dtype=int),
            "time": np.asarray(res["year"], dtype=int),
            "att": np.asarray(res["att"], dtype=float),
            "se": np.asarray(res["se"], dtype=float),
        }
    )
    att_gt.insert(2, "event_time", att_gt["time"] - att_gt["group"])
    att_gt.insert(3, "post", att_gt["time"] >= att_gt["group"])
    att_gt = add_ci(att_gt, alpha)
    if att_gt["att"].isna().any():
        cells = att_gt.loc[att_gt["att"].isna(), ["group", "time"]].to_records(index=False).tolist()
        raise DesignError(f"{outcome}: ATT(g,t) 无法估计的单元 / cells not estimable: {cells}")
    pre = (att_gt["group"] > att_gt["time"]) & np.isfinite(att_gt["se"]) & (att_gt["se"] > 0)
    W = model.MP["W"]
    q = int(pre.sum())
    pretest = {
        "W": float(W) if W is not None else np.nan,
        "df": q,
        "pvalue": float(chi2.sf(W, q)) if W is not None and q else np.nan,
    }
    return StaggeredDiDResult(
        att_gt=att_gt,
        pretest=pretest,
        cohorts=cohorts,
        exclusions=pd.DataFrame(exclusions, columns=["reason_zh", "reason_en", "rows", "units"]),
        outcome=outcome,
        control=control,
        method=method,
        cluster=cluster,
        covariates=covariates,
        n_units=int(work["id"].nunique()),
        alpha=alpha,
        notes=notes,
        _model=model,
    )
