"""National effects from independent strata: estimate each province (or prefecture) alone, then
combine.

A national Callaway–Sant'Anna fit does not fit in memory at 20,000,000 households (about
6.5 KB a household for the influence functions, benchmarks/README.md), and measures are
allocated province by province anyway. :func:`stratified_effects` therefore estimates
:func:`evalkit.effects.measure_effects` in every stratum ``s`` (each with its own controls,
so comparisons never cross a stratum's border) and :func:`combine_strata` combines the
simple-aggregation ATTs.

**Estimand.** With ``N_s`` the treated households of stratum ``s`` (``weight="n_treated"``, the
default) the national effect is the treated-household-weighted average of the stratum ATTs,

    θ = Σ_s w_s θ_s,   w_s = N_s / Σ_r N_r,

i.e. the average effect on the treated households of the country when each is compared with
untreated households of its own stratum. ``weight="equal"`` gives every stratum the same
weight (the average province); any column of the stratum table can serve as weight.

**Variance.** Households, and the clusters the stratum standard errors are built on, are nested
in strata, and strata are sampled and estimated independently, so with the weights held fixed

    Var(θ̂) = Σ_s w_s² SE_s²,

and the 95% interval is θ̂ ± z SE (normal reference, as each stratum's). Strata whose design
fails (no treated or no control households) are listed in ``skipped`` and carry no weight; the
estimand then covers the strata estimated, and the result says so.

With a Dask ``client`` (:mod:`evalkit.reporting.cluster`) each stratum is one task on the
cluster; results are identical to the serial run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

from evalkit.core.errors import DesignError, EvalkitError
from evalkit.core.panel import Panel
from evalkit.effects.measures import OUTCOMES, measure_effects

STRATUM_TABLE_COLUMNS = ["stratum", "outcome", "att", "se", "n_treated", "n_control"]
#: Longest wait (seconds) for the strata estimated on a Dask cluster (``client=``).
STRATUM_TIMEOUT = 3600.0


@dataclass
class StratifiedEffects:
    """Result of :func:`stratified_effects`.

    ``strata``: one row per stratum × outcome (stratum, outcome, att, se, n_treated, n_control);
    ``combined``: one row per outcome (att, se, ci_low, ci_high, pvalue, n_strata, n_treated);
    ``weights``: stratum → weight (summing to 1); ``skipped``: stratum → reason.
    """

    measure: str
    stratum_column: str
    weight: str
    strata: pd.DataFrame
    combined: pd.DataFrame
    weights: dict[str, float]
    skipped: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        head = self.combined[self.combined["outcome"] == "net_income_pc"]
        text = ""
        if len(head):
            row = head.iloc[0]
            text = f", net_income_pc att={row['att']:.2f} (se {row['se']:.2f})"
        return (
            f"StratifiedEffects(measure={self.measure!r}, by={self.stratum_column!r}, "
            f"strata={len(self.weights)}, skipped={len(self.skipped)}{text})"
        )


def combine_strata(strata: pd.DataFrame, weight: str = "n_treated", alpha: float = 0.05) -> pd.DataFrame:
    """Combine stratum estimates into one per outcome (formula in the module docstring).

    Parameters
    ----------
    strata : DataFrame
        Columns stratum, outcome, att, se and the weight column (default n_treated).
    weight : str
        ``"n_treated"`` (treated households), ``"equal"``, or another column of ``strata``.
    alpha : float
        1 − confidence level of the interval.

    Returns
    -------
    DataFrame
        outcome, att, se, ci_low, ci_high, pvalue, n_strata, n_treated.
    """
    missing = {"stratum", "outcome", "att", "se"} - set(strata.columns)
    if missing:
        raise EvalkitError(f"分层估计表缺少列 / stratum table lacks columns {sorted(missing)}", code="E-DATA-COLUMNS")
    if weight != "equal" and weight not in strata.columns:
        raise EvalkitError(
            f"权重列 {weight!r} 不存在 / weight column {weight!r} not in the stratum table", code="E-STRATA-WEIGHT"
        )
    z = norm.ppf(1 - alpha / 2)
    rows = []
    for outcome, part in strata.groupby("outcome", sort=False):
        w = np.ones(len(part)) if weight == "equal" else part[weight].to_numpy(dtype=float)
        if (w < 0).any() or w.sum() <= 0:
            raise EvalkitError(
                f"权重须非负且不全为零 / weights must be non-negative and not all zero ({outcome})",
                code="E-WEIGHTS-INVALID",
            )
        w = w / w.sum()
        att = float(np.dot(w, part["att"].to_numpy(dtype=float)))
        se = float(np.sqrt(np.dot(w**2, part["se"].to_numpy(dtype=float) ** 2)))
        rows.append(
            {
                "outcome": outcome,
                "att": att,
                "se": se,
                "ci_low": att - z * se,
                "ci_high": att + z * se,
                "pvalue": float(2 * norm.sf(abs(att / se))) if se > 0 else float("nan"),
                "n_strata": int(len(part)),
                "n_treated": int(part["n_treated"].sum()) if "n_treated" in part else None,
            }
        )
    return pd.DataFrame(rows)


def split_strata(panel: Panel, stratum: str = "province") -> dict[str, Panel]:
    """The panel cut into one :class:`Panel` per value of household column ``stratum`` (in order
    of first appearance after sorting), each with its own measures rows."""
    households = panel.households
    if stratum not in households.columns:
        raise EvalkitError(
            f"面板中没有分层列 {stratum!r} / the panel has no stratum column {stratum!r}", code="E-GROUP-COLUMNS"
        )
    pieces = {}
    for value, part in households.groupby(stratum, sort=True, observed=True):
        ids = part["household_id"].unique()
        measures = panel.measures[panel.measures["household_id"].isin(ids)]
        pieces[str(value)] = Panel(households=part, measures=measures, meta=panel.meta)
    return pieces


def _stratum_estimate(name: str, piece: Panel, measure: str, outcomes: tuple[str, ...], options: dict) -> dict:
    """One stratum's simple-aggregation ATTs, or the reason it could not be estimated."""
    try:
        fit = measure_effects(piece, measure, outcomes, **options)
    except DesignError as exc:
        return {"stratum": name, "skipped": str(exc)}
    table = fit.effects.assign(stratum=name)
    return {"stratum": name, "rows": table[STRATUM_TABLE_COLUMNS].to_dict("records")}


def _gather(client, futures: list, timeout: float | None = None) -> list:
    """The strata's answers, waiting at most ``timeout`` seconds (default :data:`STRATUM_TIMEOUT`)
    for all of them: workers that died or a task that hangs end in an error, not a wait for ever."""
    from distributed import wait

    timeout = STRATUM_TIMEOUT if timeout is None else float(timeout)
    try:
        wait(futures, timeout=timeout)
    except TimeoutError:
        client.cancel(futures)
        raise EvalkitError(
            f"Dask: {timeout:g} 秒内未得到全部分层结果 / Dask: not every stratum came back within {timeout:g} s "
            "(worker lost or task hung)",
            code="E-DASK-TIMEOUT",
        ) from None
    return client.gather(futures)


def stratified_effects(
    panel: Panel,
    measure: str,
    outcomes: tuple[str, ...] | list[str] = OUTCOMES,
    *,
    stratum: str = "province",
    weight: str = "n_treated",
    client=None,
    alpha: float = 0.05,
    **options,
) -> StratifiedEffects:
    """Estimate ``measure`` in every stratum and combine (module docstring).

    Parameters
    ----------
    panel : Panel
        The panel (e.g. a national one loaded province by province).
    measure : str
        Measure code or alias of ``data/measures.csv``.
    outcomes : sequence of str
        Outcomes passed to :func:`~evalkit.effects.measure_effects`.
    stratum : str
        Household column defining the strata (``province`` by default).
    weight : str
        Combination weight, see :func:`combine_strata`.
    client : distributed.Client, optional
        Run each stratum as a task on this Dask cluster; ``None`` runs them one after another.
    **options
        Passed to :func:`~evalkit.effects.measure_effects` (control, covariates, cluster, …).

    Returns
    -------
    StratifiedEffects
    """
    pieces = split_strata(panel, stratum)
    outcomes = tuple(outcomes)
    if client is None:
        answers = [_stratum_estimate(n, p, measure, outcomes, options) for n, p in pieces.items()]
    else:
        futures = [
            client.submit(_stratum_estimate, n, p, measure, outcomes, options, pure=False, key=f"stratum-{measure}-{n}")
            for n, p in pieces.items()
        ]
        answers = _gather(client, futures)
    skipped = {a["stratum"]: a["skipped"] for a in answers if "skipped" in a}
    rows = [row for a in answers for row in a.get("rows", [])]
    if not rows:
        raise DesignError(
            f"{measure}: 没有可估计的分层 / no stratum could be estimated: "
            + "; ".join(f"{k}: {v}" for k, v in skipped.items()),
            code="E-DESIGN-NO-STRATUM",
        )
    table = pd.DataFrame(rows, columns=STRATUM_TABLE_COLUMNS)
    combined = combine_strata(table, weight=weight, alpha=alpha)
    first = table[table["outcome"] == table["outcome"].iloc[0]]
    w = np.ones(len(first)) if weight == "equal" else first[weight].to_numpy(dtype=float)
    weights = dict(zip(first["stratum"], w / w.sum(), strict=True))
    return StratifiedEffects(
        measure=measure,
        stratum_column=stratum,
        weight=weight,
        strata=table,
        combined=combined,
        weights=weights,
        skipped=skipped,
    )
