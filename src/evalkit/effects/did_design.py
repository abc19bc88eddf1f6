"""Design checks and notes of the staggered DiD (:func:`evalkit.effects.did.staggered_did`).

What the estimator is given and what it can identify, before and after ``csdid`` runs:
:func:`prepare_design` validates the long data (columns, duplicates, cohorts constant within
unit, clusters fixed per unit, weights) and counts every row and unit left out (missing
outcome or covariate, treated in the first period, unbalanced units when asked); the
identification checks raise :class:`~evalkit.core.errors.DesignError` (no treated cohort, no
never-treated controls, a cohort of one unit, collinear covariates via :func:`check_full_rank`);
:func:`cell_reasons` says in words why a cell could not be estimated
(:class:`CellsNotEstimable`); :func:`design_summary` says what was actually estimated.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from evalkit.core.errors import DesignError, EvalkitError

CONTROLS = {"never_treated": "nevertreated", "not_yet_treated": "notyettreated"}
METHODS = ("dr", "ipw", "reg")


class Design(NamedTuple):
    """The validated estimation frame of :func:`prepare_design`."""

    #: the rows kept (unit, time, cohort as int with 0 = never treated, outcome, covariates, cluster, weights)
    frame: pd.DataFrame
    #: group, n_units (group 0 = never treated)
    cohorts: pd.DataFrame
    #: covariate names, as a tuple
    covariates: tuple[str, ...]
    #: every row/unit left out (reason_zh, reason_en, rows, units): see :func:`excluded`
    exclusions: list[dict]
    #: messages about the design (units treated after the window)
    notes: list[str]
    #: every unit observed in every period
    balanced: bool


def prepare_design(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    covariates,
    control: str,
    method: str,
    cluster: str | None,
    weights: str | None,
    allow_unbalanced: bool,
) -> Design:
    """Validate the arguments and the data of :func:`evalkit.effects.did.staggered_did` and apply
    its exclusions (see its docstring); raises :class:`EvalkitError` for unusable input and
    :class:`DesignError` for a design that cannot identify ATT(g,t)."""
    if control not in CONTROLS:
        raise EvalkitError(
            f"control={control!r}: use 'never_treated' or 'not_yet_treated' / 对照组参数无效", code="E-DID-CONTROL"
        )
    if method not in METHODS:
        raise EvalkitError(f"method={method!r}: use one of {METHODS} / 估计方法无效", code="E-ESTIMATOR-METHOD")
    covariates = tuple(covariates or ())
    columns = (
        [unit, time, cohort, outcome, *covariates]
        + ([cluster] if cluster and cluster != unit else [])
        + ([weights] if weights else [])
    )
    missing = [c for c in dict.fromkeys(columns) if c not in data.columns]
    if missing:
        raise EvalkitError(f"数据缺少列 / data lacks columns: {missing}", code="E-DATA-COLUMNS")
    # no copy: pandas' copy-on-write shares the columns with ``data`` until one is replaced
    frame = data[list(dict.fromkeys(columns))]
    exclusions: list[dict] = []

    # the unit codes (order of first appearance), kept in step with the rows through the
    # exclusions: the checks below are bincounts over them, not groupbys of the whole frame
    codes = pd.factorize(frame[unit], use_na_sentinel=False)[0]
    times = pd.factorize(frame[time], use_na_sentinel=False)[0]
    n_times = int(times.max(initial=0)) + 1
    if (int(codes.max(initial=0)) + 1) * n_times <= 4 * len(codes) + 1024:  # a panel: one count per (unit, time)
        pairs = np.bincount(codes * n_times + times)
        repeated = int(pairs.sum() - np.count_nonzero(pairs))
        del pairs
    else:  # many periods per unit: pandas' hashing of the pairs
        repeated = int(frame.duplicated([unit, time]).sum())
    del times
    if repeated:
        raise EvalkitError(
            f"{repeated} 行的 ({unit}, {time}) 重复 / rows repeat a ({unit}, {time}) pair",
            code="E-DATA-DUPLICATE-UNIT-TIME",
        )
    numeric = [outcome, *covariates]
    for column in numeric:  # a float column is kept as it is (no copy)
        if frame[column].dtype != np.float64:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    bad = ~np.logical_and.reduce([np.isfinite(frame[c].to_numpy()) for c in numeric])
    if bad.any():
        frame = excluded(frame, bad, unit, "结果或协变量缺失", "missing outcome or covariate", exclusions)
        codes = codes[~bad]
    if frame.empty:
        raise DesignError(f"{outcome}: 没有可用观测 / no usable observations", code="E-DATA-EMPTY")

    if frame[cohort].dtype != np.int64:  # an int64 column (no missing values) is kept as it is
        frame[cohort] = pd.to_numeric(frame[cohort], errors="coerce").fillna(0).astype(int)
    if frame[time].dtype != np.int64:
        frame[time] = pd.to_numeric(frame[time], errors="raise").astype(int)
    varying = _codes_varying(codes, frame[cohort].to_numpy())
    if varying:
        raise EvalkitError(
            f"{varying} 个单位的处理年份({cohort})前后不一 / "
            f"units whose first-treatment period ({cohort}) varies over time",
            code="E-DID-COHORT-VARIES",
        )
    if cluster and cluster != unit:
        varying = units_varying(frame, unit, cluster)
        if varying:
            raise EvalkitError(
                f"{varying} 个单位的聚类变量({cluster})随时间变化 / "
                f"units whose cluster ({cluster}) changes over time; cluster must be fixed per unit",
                code="E-CLUSTER-VARIES",
            )

    first, last = frame[time].min(), frame[time].max()
    early = (frame[cohort] > 0) & (frame[cohort] <= first)
    if early.any():
        zh, en = "首期及之前已受处理(无处理前期)", "treated in or before the first period (no pre-period)"
        frame = excluded(frame, early, unit, zh, en, exclusions)
        codes = codes[~early.to_numpy()]
    late = frame[cohort] > last
    notes = []
    if late.any():
        frame.loc[late, cohort] = 0
        notes.append(
            f"{frame.loc[late, unit].nunique()} 个单位首次处理晚于最后观测期,视为从未处理 / "
            "units first treated after the last period are never treated within the window"
        )

    n_periods = frame[time].nunique()
    per_unit = np.bincount(codes)
    balanced = bool((per_unit[per_unit > 0] == n_periods).all())
    if not balanced and not allow_unbalanced:
        partial = per_unit[codes] < n_periods
        zh, en = "未在每个年度出现(平衡面板)", "not observed in every period (balanced panel)"
        frame = excluded(frame, partial, unit, zh, en, exclusions)
        codes = codes[~partial]
        per_unit = np.bincount(codes, minlength=len(per_unit))

    unit_cohort = np.zeros(len(per_unit), dtype=np.int64)
    unit_cohort[codes] = frame[cohort].to_numpy()  # constant within unit (checked above)
    cohorts = (
        pd.Series(unit_cohort[per_unit > 0], name=cohort)
        .value_counts()
        .sort_index()
        .rename_axis("group")
        .rename("n_units")
        .reset_index()
    )
    treated = cohorts[cohorts["group"] > 0]
    if treated.empty:
        raise DesignError(
            f"{outcome}: 没有在观测期内开始受处理的单位 / no unit starts treatment inside the observed periods",
            code="E-DESIGN-NO-TREATED",
        )
    if control == "never_treated" and not (cohorts["group"] == 0).any():
        raise DesignError(
            "没有从未受处理的单位,不能用 control='never_treated';请改用 'not_yet_treated' / "
            "no never-treated units: control='never_treated' is impossible; use control='not_yet_treated'",
            code="E-DESIGN-NO-NEVER-TREATED",
        )
    small = treated[treated["n_units"] < 2]
    if not small.empty:
        raise DesignError(
            f"队列只有一个单位 / cohorts with a single unit: {small['group'].tolist()}; "
            "合并或删除这些队列 / merge or drop these cohorts",
            code="E-DESIGN-COHORT-SINGLE",
        )
    if covariates:
        base = frame.sort_values(time).drop_duplicates(unit)
        check_full_rank(base[list(covariates)], outcome)
    return Design(frame, cohorts, covariates, exclusions, notes, balanced)


def _codes_varying(codes: np.ndarray, values: np.ndarray) -> int:
    """How many units (integer ``codes``) have more than one of the integer ``values``."""
    n = int(codes.max(initial=-1)) + 1
    low = np.full(n, np.iinfo(np.int64).max)
    high = np.full(n, np.iinfo(np.int64).min)
    values = np.asarray(values, dtype=np.int64)
    np.minimum.at(low, codes, values)
    np.maximum.at(high, codes, values)
    return int(np.count_nonzero(low < high))


def units_varying(frame: pd.DataFrame, unit: str, column: str) -> int:
    """How many units of ``frame`` have more than one value of ``column`` (one that must be
    constant within unit: the cohort, the cluster, the weight)."""
    return int((frame.groupby(unit, sort=False)[column].nunique() > 1).sum())


def excluded(frame: pd.DataFrame, drop, unit: str, reason_zh: str, reason_en: str, exclusions: list) -> pd.DataFrame:
    """``frame`` without the rows of the boolean mask ``drop``; the rows and units dropped are
    appended to ``exclusions`` with the reason."""
    rows, units = int(drop.sum()), int(frame.loc[drop, unit].nunique())
    exclusions.append({"reason_zh": reason_zh, "reason_en": reason_en, "rows": rows, "units": units})
    return frame.loc[~drop]


def redundant_covariates(design: pd.DataFrame) -> list[str]:
    """Covariates that add nothing to the intercept and the covariates before them (constant or
    collinear), in column order; ``[]`` when ``[1, design]`` has full column rank."""
    if design.shape[1] == 0:
        return []
    values = design.to_numpy(dtype=float)
    matrix = np.column_stack([np.ones(len(values)), values])
    if np.linalg.matrix_rank(matrix) == matrix.shape[1]:
        return []
    kept, redundant = [0], []
    for k in range(1, matrix.shape[1]):
        if np.linalg.matrix_rank(matrix[:, kept + [k]]) == len(kept) + 1:
            kept.append(k)
        else:
            redundant.append(design.columns[k - 1])
    return redundant


def check_full_rank(design: pd.DataFrame, what: str) -> None:
    """Raise :class:`DesignError` when ``[1, design]`` is rank deficient (collinear covariates)."""
    redundant = redundant_covariates(design)
    if redundant:
        raise DesignError(
            f"{what}: 协变量共线(或为常数): {redundant}; 请删除其中之一 / "
            f"collinear (or constant) covariates: {redundant}; drop one of them",
            code="E-DESIGN-COLLINEAR",
        )


def cell_reasons(frame: pd.DataFrame, cells, unit, time, cohort, covariates, control) -> tuple[list[str], list]:
    """Why each cell (g, t) could not be estimated, in words: the treated and control units of the
    cell (with outcomes in t and the base period) and the covariates that do not vary among them.
    Returns (reasons, covariates constant among the treated or the controls of some cell)."""
    reasons, constant_any = [], []
    first = frame.sort_values(time).drop_duplicates(unit)
    for g, t in cells:
        base = g - 1 if t >= g else t - 1
        both = frame[frame[time].isin([t, base])].groupby(unit)[time].nunique() == 2
        units = first[first[unit].isin(both[both].index)]
        treated = units[units[cohort] == g]
        if control == "never_treated":
            controls = units[units[cohort] == 0]
        else:
            controls = units[(units[cohort] == 0) | (units[cohort] > max(t, base))]
        why = [f"{len(treated)} treated / {len(controls)} control units"]
        for name, part in (("treated", treated), ("controls", controls)):
            constant = [c for c in covariates if part[c].nunique() <= 1]
            if constant and len(part):
                why.append(f"constant among the {name}: {constant} / 协变量在该组内为常数")
                constant_any += [c for c in constant if c not in constant_any]
        reasons.append(f"({g}, {t}): " + "; ".join(why))
    return reasons, constant_any


class CellsNotEstimable(DesignError):
    """Some ATT(g,t) cells could not be estimated: ``cells`` [(g, t)], ``reasons`` (one text per
    cell) and ``constant_covariates`` (covariates constant among the treated or controls of a cell)."""

    code = "E-DESIGN-CELLS"

    def __init__(self, message: str, cells: list, reasons: list[str], constant_covariates: list):
        super().__init__(message)
        self.cells = cells
        self.reasons = reasons
        self.constant_covariates = constant_covariates


def design_summary(att_gt: pd.DataFrame, cohorts: pd.DataFrame, control: str) -> dict:
    """See :meth:`StaggeredDiDResult.design_summary`."""
    sizes = cohorts.set_index("group")["n_units"]
    post = att_gt[att_gt["post"]]
    treated = sorted(int(g) for g in post["group"].unique())
    control_only = sorted(int(g) for g in sizes.index if g > 0 and g not in treated)
    never = int(sizes.get(0, 0))
    years = sorted(int(t) for t in post["time"].unique())
    all_years = sorted(int(t) for t in att_gt["time"].unique())
    dropped = []
    if control_only:  # post years of the treated cohorts left without any not-yet-treated control
        last = max(control_only)
        dropped = [t for t in range(last, max(all_years + [last]) + 1)]
    n_treated = int(sizes.reindex(treated).sum())
    n_control = never + int(sizes.reindex(control_only).sum())
    zh = f"处理组: {len(treated)} 个队列 {treated}, {n_treated} 户; 对照组: "
    en = f"treated: {len(treated)} cohorts {treated}, {n_treated} units; controls: "
    if control == "never_treated":
        zh += f"从未受处理的 {never} 户。"
        en += f"{never} never-treated units."
    else:
        zh += f"尚未受处理的户(含从未受处理的 {never} 户)"
        en += f"not-yet-treated units (including {never} never treated)"
        if control_only:
            zh += (
                f"; 没有从未受处理的户时,最后的队列 {control_only} ({n_control - never} 户)只作对照, "
                f"其 {dropped} 年无对照, 不估计。"
            )
            en += (
                f"; cohort(s) {control_only} ({n_control - never} units) serve only as controls, and the years "
                f"{dropped} have no control left and are not estimated."
            )
        else:
            zh += "。"
            en += "."
    zh += f" 估计的年份: {years}。"
    en += f" Years with an estimated effect: {years}."
    return {
        "treated_cohorts": treated,
        "n_treated": n_treated,
        "control_cohorts": control_only,
        "n_never_treated": never,
        "n_control": n_control,
        "years": years,
        "years_dropped": dropped,
        "note_zh": zh,
        "note_en": en,
    }
