"""Result objects of the effect estimators: one protocol, one confidence-interval function.

Every estimate result (:class:`Aggregation`, :class:`~evalkit.effects.did.StaggeredDiDResult`,
:class:`~evalkit.effects.measures.MeasureEffects`, :class:`TWFEResult`, :class:`TWFEEventStudy`,
:class:`TWFEComparison`, :class:`WeightingResult`) follows the linearmodels/pyfixest layout:

* ``tidy()``: a DataFrame, one row per estimate, with the columns :data:`TIDY_COLUMNS`
  (``term, att, se, ci_low, ci_high, pvalue``) first and result-specific columns after;
* ``summary()``: a :class:`Summary` — printable text (title, the table, notes) that is also the
  table itself (a DataFrame), so ``print(fit.summary())`` reads well and ``fit.summary()["att"]`` works;
* a short ``repr`` (class, outcome, estimate, standard error), never a dump of the fields;
* the same names: ``att``, ``se``, ``ci_low``, ``ci_high``, ``pvalue``.

Intervals: :func:`confidence_interval` is the one function (``att ∓ q·se``; q the normal quantile
z_{1−α/2}, or Student's t_{df,1−α/2} for TWFE's cluster-robust inference with df = G − 1);
:func:`p_value` its two-sided p-value. Event studies add ``band_low``/``band_high`` (uniform band
from the multiplier bootstrap) when asked.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm
from scipy.stats import t as student_t

#: Display labels of the outcomes the domain layer estimates (Chinese first, English second).
OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "net_income_pc": ("人均纯收入", "per-capita net income"),
    "wage_pc": ("人均工资性收入", "per-capita wage income"),
    "net_operating_pc": ("人均经营净收入", "per-capita net operating income"),
    "property_pc": ("人均财产性收入", "per-capita property income"),
    "transfer_pc": ("人均转移性收入", "per-capita transfer income"),
}
#: Leading columns of every ``tidy()`` table.
TIDY_COLUMNS = ["term", "att", "se", "ci_low", "ci_high", "pvalue"]


def outcome_label(outcome: str, lang: str = "zh") -> str:
    """Label of an outcome column in ``lang`` (zh|en); the column name when unknown."""
    zh, en = OUTCOME_LABELS.get(outcome, (outcome, outcome))
    return zh if lang == "zh" else en


def _quantile(alpha: float, df):
    """z or t_{df} quantile; ``df`` may be an array (one per parameter) and then so is the result."""
    q = norm.ppf(1 - alpha / 2) if df is None else student_t.ppf(1 - alpha / 2, df)
    return float(q) if np.ndim(q) == 0 else np.asarray(q, dtype=float)


def confidence_interval(att, se, alpha: float = 0.05, df: float | None = None):
    """Pointwise ``(att − q·se, att + q·se)``: q = z_{1−α/2} (``df=None``) or t_{df,1−α/2}.

    Works on numbers and arrays alike; the one interval of every evalkit estimate.
    """
    q = _quantile(alpha, df)
    return att - q * se, att + q * se


def p_value(att, se, df: float | np.ndarray | None = None):
    """Two-sided p-value of ``att / se`` against the normal (``df=None``) or Student's t(df)."""
    stat = np.abs(np.asarray(att, dtype=float) / np.asarray(se, dtype=float))
    out = 2 * (norm.sf(stat) if df is None else student_t.sf(stat, df))
    return float(out) if np.ndim(out) == 0 else out


def add_ci(frame: pd.DataFrame, alpha: float = 0.05, df=None) -> pd.DataFrame:
    """Add pointwise ``ci_low``/``ci_high`` (:func:`confidence_interval`; t_{df} quantiles when ``df`` is set,
    e.g. clustered small-sample inference with df = clusters − 1) to a frame with att and se."""
    out = frame.copy()
    out["ci_low"], out["ci_high"] = confidence_interval(out["att"], out["se"], alpha, df)
    return out


def tidy_frame(frame: pd.DataFrame, term, alpha: float = 0.05, df: float | None = None) -> pd.DataFrame:
    """``frame`` (with att and se) in the tidy layout: :data:`TIDY_COLUMNS` first, its other columns after.

    ``term``: a column name of ``frame`` or the terms themselves; ``ci_low``/``ci_high`` and
    ``pvalue`` are added (:func:`confidence_interval`, :func:`p_value`) when missing.
    """
    out = frame.reset_index(drop=True).copy()
    out["term"] = out[term].astype(str).to_numpy() if isinstance(term, str) else list(term)
    if "ci_low" not in out.columns or "ci_high" not in out.columns:
        out["ci_low"], out["ci_high"] = confidence_interval(out["att"], out["se"], alpha, df)
    if "pvalue" not in out.columns:
        se = out["se"].astype(float).where(out["se"].astype(float) > 0)
        out["pvalue"] = p_value(out["att"].astype(float), se, df)
    return out[TIDY_COLUMNS + [c for c in out.columns if c not in TIDY_COLUMNS]]


class Summary(pd.DataFrame):
    """The table of a result's ``summary()``, printed as text with its title and notes.

    A DataFrame (index, select, compare as usual; derived frames are plain DataFrames) whose
    ``str``/``repr`` is the printable summary.
    """

    _metadata = ["title", "notes"]

    def __init__(self, data=None, *args, title: str = "", notes: tuple[str, ...] = (), **kwargs):
        super().__init__(data, *args, **kwargs)  # type: ignore[call-arg]  # pandas-stubs type DataFrame() via __new__
        self.title = title
        self.notes = tuple(notes)

    @property
    def _constructor(self):
        return pd.DataFrame

    def text(self) -> str:
        """Title, rule, the table, then the notes."""
        with pd.option_context(
            "display.width", 120, "display.max_columns", 20, "display.float_format", "{:.6g}".format
        ):
            table = pd.DataFrame(self).to_string(index=False)
        lines = [self.title, "=" * min(max(len(self.title), 20), 100), table]
        return "\n".join([*lines, *self.notes])

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return self.text()


def short_repr(obj, estimate: float | None, se: float | None, **extra) -> str:
    """``<ClassName key=value … att=… se=…>``: the short repr of every result."""
    parts = [f"{k}={v}" for k, v in extra.items() if v is not None]
    if estimate is not None:
        parts.append(f"att={estimate:.6g}")
    if se is not None:
        parts.append(f"se={se:.6g}")
    return f"<{type(obj).__name__} {' '.join(parts)}>"


class EstimateResult:
    """The protocol every estimate result follows: ``tidy()``, ``summary()``, a short repr.

    Subclasses implement :meth:`tidy` and may override :meth:`_title` / :meth:`_notes` /
    :meth:`_summary_table` / :meth:`__repr__`.
    """

    def tidy(self) -> pd.DataFrame:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def _title(self) -> str:
        return type(self).__name__

    def _notes(self) -> tuple[str, ...]:
        return ()

    def _summary_table(self) -> pd.DataFrame:
        return self.tidy()

    def summary(self) -> Summary:
        """Printable summary (a :class:`Summary`: text when printed, a table when indexed)."""
        return Summary(self._summary_table(), title=self._title(), notes=self._notes())


class ScalarEstimate(EstimateResult):
    """One estimate ``att`` with ``se``, ``alpha`` and optionally ``df``: ``ci``, ``ci_low``, ``ci_high``, ``pvalue``.

    Normal quantiles, or t_{df} when the result has a ``df`` that is not None.
    """

    att: float
    se: float
    alpha: float

    @property
    def ci(self) -> tuple[float, float]:
        """(ci_low, ci_high) of the estimate (:func:`confidence_interval`)."""
        lo, hi = confidence_interval(self.att, self.se, self.alpha, getattr(self, "df", None))
        return float(lo), float(hi)

    @property
    def ci_low(self) -> float:
        return self.ci[0]

    @property
    def ci_high(self) -> float:
        return self.ci[1]

    @property
    def pvalue(self) -> float:
        """Two-sided p-value of att = 0 (t_{df} reference when df is set, else normal)."""
        return p_value(self.att, self.se, getattr(self, "df", None))


class FrameAccessDeprecated:
    """Mixin for a result that replaced a plain DataFrame: DataFrame use still works, with a DeprecationWarning.

    ``_frame_name`` names the attribute holding the table and ``_frame_note`` what to use instead.
    """

    _frame_name = "table"
    _frame_note = "use .tidy() or .table"

    def _legacy_frame(self) -> pd.DataFrame:
        warnings.warn(
            f"{type(self).__name__} is a result object, not a DataFrame; {self._frame_note}",
            DeprecationWarning,
            stacklevel=3,
        )
        return getattr(self, self._frame_name)

    def __getattr__(self, name: str):
        if name.startswith("_") or name in type(self).__dataclass_fields__:  # type: ignore[attr-defined]
            raise AttributeError(name)
        return getattr(self._legacy_frame(), name)

    def __getitem__(self, key):
        return self._legacy_frame()[key]

    def __len__(self) -> int:
        return len(getattr(self, self._frame_name))


@dataclass
class Aggregation(ScalarEstimate):
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
    df: float | None = None

    def overall(self) -> pd.DataFrame:
        """One-row frame: kind, att, se, ci_low, ci_high."""
        return add_ci(pd.DataFrame({"kind": [self.kind], "att": [self.att], "se": [self.se]}), self.alpha, self.df)

    def tidy(self) -> pd.DataFrame:
        """The summary parameter (term ``overall``), then one row per group / event time / year (``event_time=2``)."""
        overall = tidy_frame(pd.DataFrame({"att": [self.att], "se": [self.se]}), ["overall"], self.alpha, self.df)
        if self.table.empty:
            return overall
        column = self.table.columns[0]
        rows = tidy_frame(self.table, [f"{column}={v}" for v in self.table[column]], self.alpha, self.df)
        return pd.concat([overall, rows], ignore_index=True)

    def _title(self) -> str:
        quantiles = "normal" if self.df is None else f"t({self.df:.3g})"
        return f"Callaway–Sant'Anna ATT, {self.kind} aggregation ({1 - self.alpha:.0%} pointwise CIs, {quantiles})"

    def _notes(self) -> tuple[str, ...]:
        if self.crit_value is None:
            return ()
        return (f"band_low/band_high: uniform band, bootstrap critical value {self.crit_value:.4g}",)

    def __repr__(self) -> str:
        return short_repr(self, self.att, self.se, kind=self.kind)


@dataclass
class WeightingResult(ScalarEstimate):
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

    def tidy(self) -> pd.DataFrame:
        """One row (term: the method) with the naive difference and the sample counts."""
        frame = pd.DataFrame(
            {
                "method": [self.method],
                "att": [self.att],
                "se": [self.se],
                "naive_difference": [self.naive],
                "n_treated": [self.n_treated],
                "n_control": [self.n_control],
                "n_trimmed": [self.n_trimmed],
                "trimming_rule": [self.trimming_rule],
            }
        )
        return tidy_frame(frame, "method", self.alpha)

    def _summary_table(self) -> pd.DataFrame:
        return self.tidy().drop(columns="term")

    def _title(self) -> str:
        return f"Propensity-score weighting ATT ({self.method}, {1 - self.alpha:.0%} CI)"

    def __repr__(self) -> str:
        return short_repr(self, self.att, self.se, method=self.method, n_treated=self.n_treated)


@dataclass
class TWFEResult(EstimateResult):
    """Static two-way fixed-effects estimate (see :func:`evalkit.effects.twfe.twfe`).

    ``ci_low``/``ci_high``: :func:`confidence_interval` with t(G − 1) quantiles (fixest's
    convention for cluster-robust inference); ``coef`` is the deprecated name of ``att``.
    """

    att: float
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
    term: str = "treatment"
    alpha: float = 0.05

    @property
    def coef(self) -> float:
        """Deprecated: the coefficient is ``att`` (as in every evalkit result)."""
        warnings.warn("TWFEResult.coef is deprecated; use TWFEResult.att", DeprecationWarning, stacklevel=2)
        return self.att

    def tidy(self) -> pd.DataFrame:
        """One row: term (the treatment column), att, se, ci_low, ci_high, pvalue, tstat, n_obs, n_clusters."""
        row = {k: getattr(self, k) for k in ("term", "att", "se", "ci_low", "ci_high", "pvalue", "tstat")}
        row.update(n_obs=self.n_obs, n_clusters=self.n_clusters)
        return pd.DataFrame([row])

    def _summary_table(self) -> pd.DataFrame:
        return self.tidy().assign(fixed_effects=self.fixed_effects, vcov=self.vcov)

    def _title(self) -> str:
        return f"Two-way fixed effects (pyfixest), {self.vcov}, {1 - self.alpha:.0%} CI with t(G-1)"

    def _notes(self) -> tuple[str, ...]:
        return (f"fixed effects: {self.fixed_effects}", f"small-sample: {self.small_sample}")

    def __repr__(self) -> str:
        return short_repr(self, self.att, self.se, term=self.term, n_obs=self.n_obs)


@dataclass
class TWFEEventStudy(FrameAccessDeprecated, EstimateResult):
    """TWFE event-study coefficients (see :func:`evalkit.effects.twfe.twfe_event_study`).

    ``table``: event_time, att, se, ci_low, ci_high (the reference period with 0). It used to be
    returned as that DataFrame: DataFrame use of the result still works, with a DeprecationWarning.
    """

    table: pd.DataFrame
    reference: int
    n_obs: int
    n_clusters: int
    fixed_effects: str
    vcov: str
    alpha: float = 0.05
    model: object = field(repr=False, default=None)

    def tidy(self) -> pd.DataFrame:
        """One row per event time (term ``event_time=e``); pvalue from t(G − 1), NaN for the reference."""
        return tidy_frame(
            self.table, [f"event_time={e}" for e in self.table["event_time"]], self.alpha, self.n_clusters - 1
        )

    def _title(self) -> str:
        return f"TWFE event study (pyfixest), {self.vcov}, reference event time {self.reference}"

    def __repr__(self) -> str:
        return short_repr(self, None, None, periods=len(self.table), reference=self.reference, n_obs=self.n_obs)


@dataclass
class TWFEComparison(EstimateResult):
    """TWFE beside Callaway–Sant'Anna (see :func:`evalkit.effects.twfe.compare_twfe_cs`).

    ``table``: estimator (twfe, cs_simple, twfe_implied_by_cs), att, se, n_negative_weights,
    sum_negative_weights; ``weights``: the TWFE weights of the treated cells with the CS cell
    effects. It used to be returned as the tuple ``(table, weights)``: unpacking still works,
    with a DeprecationWarning.
    """

    table: pd.DataFrame
    weights: pd.DataFrame
    twfe: TWFEResult
    cs: Aggregation

    #: |TWFE − CS| above this share of |CS| is a warning: TWFE is then not a summary of the CS effects.
    GAP_WARNING = 0.10

    @property
    def gap(self) -> float:
        """TWFE coefficient minus the CS simple aggregation."""
        return float(self.twfe.att - self.cs.att)

    @property
    def gap_share(self) -> float:
        """|TWFE − CS| / |CS| (NaN when CS is 0)."""
        return abs(self.gap) / abs(self.cs.att) if self.cs.att else float("nan")

    def warning(self, lang: str = "en") -> str:
        """A sentence when the gap exceeds :attr:`GAP_WARNING` of CS ("" otherwise), with the weights."""
        if not (self.gap_share > self.GAP_WARNING):
            return ""
        n, total = int(self.table["n_negative_weights"].iloc[0]), float(self.table["sum_negative_weights"].iloc[0])
        implied = float(self.table.set_index("estimator").at["twfe_implied_by_cs", "att"])  # type: ignore[arg-type]
        if lang == "zh":
            return (
                f"双向固定效应 (TWFE) {self.twfe.att:,.1f} 与 Callaway–Sant'Anna {self.cs.att:,.1f} 相差 "
                f"{100 * self.gap_share:.0f}% (超过 {100 * self.GAP_WARNING:.0f}%): 效果随队列和受益年数变化时 TWFE "
                f"按权重加总各单元效果 (负权重 {n} 个, 合计 {total:.3f}; 按 CS 单元效果推算的 TWFE 为 {implied:,.1f}), "
                "还依赖无条件平行趋势; 请以 CS 为准。"
            )
        return (
            f"TWFE {self.twfe.att:,.1f} differs from Callaway–Sant'Anna {self.cs.att:,.1f} by "
            f"{100 * self.gap_share:.0f}% (more than {100 * self.GAP_WARNING:.0f}%): with effects that vary by "
            f"cohort and exposure TWFE weights the cell effects ({n} negative weights, sum {total:.3f}; TWFE implied "
            f"by the CS cell effects {implied:,.1f}) and assumes unconditional parallel trends; read CS."
        )

    def tidy(self) -> pd.DataFrame:
        """One row per estimator; the TWFE row keeps its t(G − 1) interval and p-value."""
        out = tidy_frame(self.table, "estimator", self.cs.alpha)
        twfe_row = out["estimator"].eq("twfe")
        for name in ("ci_low", "ci_high", "pvalue"):
            out.loc[twfe_row, name] = getattr(self.twfe, name)
        return out

    def _title(self) -> str:
        return "TWFE vs Callaway–Sant'Anna, with the TWFE weights of the treated cells"

    def _notes(self) -> tuple[str, ...]:
        n, total = self.table["n_negative_weights"].iloc[0], self.table["sum_negative_weights"].iloc[0]
        gap = f"gap TWFE − CS {self.gap:.4g} ({100 * self.gap_share:.1f}% of CS)"
        return (f"negative weights: {n} cells, sum {total:.4g}", gap) + ((self.warning(),) if self.warning() else ())

    def __iter__(self):
        warnings.warn(
            "compare_twfe_cs returns a TWFEComparison; use .table and .weights instead of unpacking",
            DeprecationWarning,
            stacklevel=2,
        )
        return iter((self.table, self.weights))

    def __repr__(self) -> str:
        return short_repr(self, self.twfe.att, self.twfe.se, cs_simple=f"{self.cs.att:.6g}")
