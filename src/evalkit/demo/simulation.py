"""One block of synthetic households, generated phase by phase (see :mod:`evalkit.demo.generator`).

:func:`simulate_block` draws, from one seeded generator and in a fixed order: the households'
static characteristics, monitoring, income shocks, untreated incomes, then per measure the
cohort, effects and measures rows, and assembles the household-year and measures tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from evalkit.core.registry import regions
from evalkit.core.schema import TRANSFER_DETAIL, derive_income, labour_group
from evalkit.demo.calibration import (
    ALLOCATION_COMMON_SD,
    ALLOCATION_SD,
    BLOCK_SIZE,
    COHORT_WEIGHTS,
    COHORTS,
    DIBAO_PC,
    FARM_ECO_PC,
    GROUP_SHARES,
    LABOUR_GROUPS,
    LOCAL_SHOCK_RHO,
    LOCAL_SHOCK_SD,
    LOCAL_WORK_MONTHS,
    LOWER_TAIL_SCALE,
    MEASURE_PARAMS,
    MONTHS_RHO,
    MONTHS_SD,
    NETOP_PC,
    OTHER_TRANSFER_DEPENDANTS,
    OTHER_TRANSFER_PC,
    PENSION,
    PERMANENT_SD,
    PROPERTY_PC,
    PROVINCE_LEVEL,
    RHO,
    SEEKING_WORK_PROB,
    SHOCK_PROB,
    SIGMA,
    TIMING_SD,
    WAGE_MONTHLY,
    WORK_PERSISTENCE,
    XINYANG_WEIGHTS,
    YEARS,
)


@lru_cache(maxsize=1)
def _leaves() -> pd.DataFrame:
    """The demo's smallest region units with their household share and income level factor."""
    reg = regions()
    is_leaf = (
        (reg["parent_code"] == "xinyang")
        | reg["parent_code"].isin(["mile", "shangyou"])
        | ((reg["level"] == "county") & reg["code"].str.startswith("guangxi-"))
    )
    leaves = reg[is_leaf].reset_index(drop=True)
    group = leaves["code"].str.split("-").str[0]
    district = leaves["county"].str.endswith("区") & group.eq("guangxi")
    raw_within = np.where(
        group.eq("xinyang"), leaves["code"].map(XINYANG_WEIGHTS).fillna(0.0), np.where(district, 0.5, 1.0)
    )
    within = pd.Series(raw_within).groupby(group).transform(lambda s: s / s.sum())
    leaves["weight"] = within * group.map(GROUP_SHARES)
    # fixed (seed-independent) unit-level income factors: regional structure is part of the design
    unit_rng = np.random.default_rng(np.random.SeedSequence([7, 2020]))
    leaves["level_factor"] = leaves["province"].map(PROVINCE_LEVEL).to_numpy() * np.exp(
        unit_rng.normal(0, 0.05, len(leaves))
    )
    leaves["village_count"] = np.where(leaves["township"] != "", 8, 25)
    return leaves


@lru_cache(maxsize=1)
def _allocation() -> tuple[np.ndarray, np.ndarray]:
    """Per region unit (row of :func:`_leaves`) and measure: the shift of the assignment logit
    index and the tilt of the rollout timing (``calibration.ALLOCATION_SD``); fixed, seed-independent."""
    n_leaves, n_measures = len(_leaves()), len(MEASURE_PARAMS)
    rng = np.random.default_rng(np.random.SeedSequence([7, 2021]))
    common = rng.normal(0.0, ALLOCATION_COMMON_SD, (n_leaves, 1))
    specific = rng.normal(0.0, ALLOCATION_SD, (n_leaves, n_measures))
    shift = common + specific - (ALLOCATION_COMMON_SD**2 + ALLOCATION_SD**2) / 4  # about the same share treated
    tilt = rng.normal(0.0, TIMING_SD, (n_leaves, n_measures))
    return shift, tilt


@lru_cache(maxsize=4)
def _local_shocks(seed: int) -> np.ndarray:
    """(region units × years) log income shocks, AR(1) (``calibration.LOCAL_SHOCK_SD``); one draw per
    seed, shared by every block, so chunking does not change them."""
    n_leaves, T = len(_leaves()), len(YEARS)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2, 2020]))
    innovation = rng.normal(0.0, LOCAL_SHOCK_SD * np.sqrt(1 - LOCAL_SHOCK_RHO**2), (n_leaves, T))
    out = np.empty((n_leaves, T))
    out[:, 0] = innovation[:, 0] / np.sqrt(1 - LOCAL_SHOCK_RHO**2)
    for t in range(1, T):
        out[:, t] = LOCAL_SHOCK_RHO * out[:, t - 1] + innovation[:, t]
    return out


def _narrow_lower_tail(draw: np.ndarray, sd: float) -> np.ndarray:
    """A normal(0, ``sd``) draw with its negative side scaled by ``calibration.LOWER_TAIL_SCALE``
    (GENERATOR_VERSION 1.5), re-centred to mean 0: the household level's lower tail is narrower
    than its upper tail, fewer very low persistent incomes."""
    scaled = np.where(draw < 0, LOWER_TAIL_SCALE * draw, draw)
    return scaled - (1 - LOWER_TAIL_SCALE) * sd / np.sqrt(2 * np.pi)


def _household_ids(index: np.ndarray, seed: int) -> np.ndarray:
    """Pseudonymous-looking unique ids ``h_`` + 12 hex digits: a seeded bijection of 48-bit integers."""
    mask = np.uint64((1 << 48) - 1)
    salt = np.random.SeedSequence([seed, 48]).generate_state(1, np.uint64)[0] & mask
    x = index.astype(np.uint64)
    with np.errstate(over="ignore"):
        x = (x * np.uint64(0x9E3779B97F4B) + salt) & mask
        x ^= x >> np.uint64(23)
        x = (x * np.uint64(0xC2B2AE3D27D5)) & mask  # odd multiplier: bijective modulo 2^48
        x ^= x >> np.uint64(19)
    shifts = np.arange(44, -4, -4, dtype=np.uint64)
    digits = ((x[:, None] >> shifts[None, :]) & np.uint64(15)).astype(np.uint8)
    chars = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[digits]
    return np.char.add("h_", chars.view("S12").ravel().astype(str))


def _multinomial_cohort(rng: np.random.Generator, index: np.ndarray, tilt: np.ndarray | None = None) -> np.ndarray:
    """Cohort (2021..2025) or 0 (never) from P(G=g) ∝ w'_g exp(index), P(never) ∝ 1, with
    ``w'_g ∝ w_g exp(tilt·(k − 2))`` (k = 0..4 the cohort's position: a positive tilt favours late
    cohorts) rescaled to the sum of the w_g, so the tilt moves timing, not the share ever treated."""
    weights = COHORT_WEIGHTS[None, :]
    if tilt is not None:
        position = np.arange(len(COHORTS)) - (len(COHORTS) - 1) / 2
        weights = weights * np.exp(tilt[:, None] * position[None, :])
        weights = weights * (COHORT_WEIGHTS.sum() / weights.sum(axis=1, keepdims=True))
    odds = np.exp(index)[:, None] * weights
    cum = np.cumsum(np.concatenate([np.ones((len(index), 1)), odds], axis=1), axis=1)
    u = rng.random(len(index)) * cum[:, -1]
    pick = (u[:, None] >= cum).sum(axis=1)  # 0 = never, k = COHORTS[k-1]
    return np.where(pick == 0, 0, np.asarray(COHORTS)[np.maximum(pick - 1, 0)])


@dataclass
class _Households:
    """Static characteristics of one block's households (drawn once, fixed over the years)."""

    leaf: np.ndarray  # row of :func:`_leaves`
    size: np.ndarray
    labour_full: np.ndarray
    labour_weak: np.ndarray
    doudi: np.ndarray
    elderly: np.ndarray
    group: np.ndarray  # index into LABOUR_GROUPS
    province: np.ndarray
    poor_province: np.ndarray
    relocated: np.ndarray
    region_level: np.ndarray
    a: np.ndarray  # household income level (log)
    b: np.ndarray  # operating-income level (log)
    has_op: np.ndarray
    expense_share: np.ndarray
    has_prop: np.ndarray
    prop_level: np.ndarray
    has_land: np.ndarray
    other_level: np.ndarray
    disabled: np.ndarray
    tekun_base: np.ndarray
    worker_p_full: np.ndarray
    worker_p_weak: np.ndarray
    village: np.ndarray
    heterogeneity: np.ndarray  # (n, measures) effect multipliers h_im


@dataclass
class _Monitoring:
    """Monitoring status: whether monitored, type (0 不稳定, 1 边缘, 2 突发), start and risk-elimination year."""

    monitored: np.ndarray
    kind: np.ndarray
    start: np.ndarray
    eliminated: np.ndarray


@dataclass
class _Incomes:
    """Untreated income components (household totals, whole yuan) and the migrant work behind wages."""

    workers: np.ndarray
    months: np.ndarray
    wage0: np.ndarray
    op_income0: np.ndarray
    op_expenses0: np.ndarray
    property0: np.ndarray
    transfers0: dict[str, np.ndarray]  # pension, farm, disab, dibao, tekun, relief, other


def _draw_households(rng: np.random.Generator, n: int, leaves: pd.DataFrame) -> _Households:
    """Phase 1: region unit, size, labour, 兜底, relocation and the household income levels."""
    leaf = rng.choice(len(leaves), size=n, p=leaves["weight"].to_numpy())
    size = rng.choice(np.arange(1, 9), size=n, p=[0.10, 0.18, 0.22, 0.23, 0.15, 0.08, 0.03, 0.01])
    labour_full = rng.binomial(size, 0.55)
    labour_full = np.minimum(labour_full, 4)
    labour_weak = rng.binomial(size - labour_full, 0.20)
    doudi = (labour_full + labour_weak) == 0
    elderly = rng.binomial(size - labour_full - labour_weak, 0.55)
    group = pd.Index(LABOUR_GROUPS).get_indexer(
        pd.Index(labour_group(pd.DataFrame({"labour_full": labour_full, "labour_weak": labour_weak}), "detail", "code"))
    )
    province = leaves["province"].to_numpy()[leaf]
    poor_province = (province == "广西壮族自治区") | (province == "云南省")
    relocated = rng.random(n) < np.where(poor_province, 0.13, 0.08)
    region_level = leaves["level_factor"].to_numpy()[leaf]
    a = _narrow_lower_tail(rng.normal(0.0, 0.30, n), 0.30)
    b = rng.normal(0.0, 0.45, n)
    has_op = rng.random(n) < np.select([doudi, relocated], [0.15, 0.30], 0.78)
    expense_share = rng.uniform(0.25, 0.50, n)
    has_prop = rng.random(n) < 0.45
    prop_level = np.exp(rng.normal(-0.18, 0.6, n))
    has_land = rng.random(n) < np.where(relocated, 0.35, 0.80)
    other_level = (rng.random(n) < 0.7) * np.exp(rng.normal(-0.125, 0.5, n)) * np.where(relocated, 1.6, 1.0)
    disabled = rng.random(n) < 0.08
    tekun_base = doudi & (size == 1) & (rng.random(n) < 0.5)
    worker_p_full = rng.beta(8, 1.5, n)
    worker_p_weak = rng.beta(3, 3, n)
    village = rng.integers(1, leaves["village_count"].to_numpy()[leaf] + 1)
    heterogeneity = np.exp(rng.normal(-0.045, 0.3, (n, len(MEASURE_PARAMS))))
    return _Households(
        leaf=leaf,
        size=size,
        labour_full=labour_full,
        labour_weak=labour_weak,
        doudi=doudi,
        elderly=elderly,
        group=group,
        province=province,
        poor_province=poor_province,
        relocated=relocated,
        region_level=region_level,
        a=a,
        b=b,
        has_op=has_op,
        expense_share=expense_share,
        has_prop=has_prop,
        prop_level=prop_level,
        has_land=has_land,
        other_level=other_level,
        disabled=disabled,
        tekun_base=tekun_base,
        worker_p_full=worker_p_full,
        worker_p_weak=worker_p_weak,
        village=village,
        heterogeneity=heterogeneity,
    )


def _draw_monitoring(rng: np.random.Generator, h: _Households) -> _Monitoring:
    """Phase 2: who is monitored (logit in the income level, 兜底, labour, province), type, start, elimination.

    The intercept was −2.8 up to GENERATOR_VERSION 1.4; −2.7 from 1.5, whose narrower lower tail of
    the income level a would otherwise leave under 5% of households monitored in 2020."""
    n = len(h.size)
    years = np.asarray(YEARS)
    risk_index = -2.7 - 2.0 * h.a + 0.8 * h.doudi + 0.4 * (h.group == 1) + 0.3 * h.poor_province
    monitored = rng.random(n) < 1.0 / (1.0 + np.exp(-risk_index))
    kind = rng.choice(3, size=n, p=[0.42, 0.33, 0.25])  # 0 不稳定, 1 边缘, 2 突发
    start = np.where(
        kind == 2, rng.integers(2021, 2026, n), np.where(rng.random(n) < 0.7, 2020, rng.integers(2021, 2025, n))
    )
    start = np.where(monitored, start, 0)
    eliminated = start + rng.geometric(0.45, n)
    eliminated = np.where(monitored & (eliminated <= years[-1]), eliminated, 0)
    return _Monitoring(monitored=monitored, kind=kind, start=start, eliminated=eliminated)


def _draw_shocks(rng: np.random.Generator, m: _Monitoring) -> tuple[np.ndarray, np.ndarray]:
    """Phase 3: income shocks (random, and 突发 households' in their start year) and the AR(1) deviation e."""
    n, T = len(m.kind), len(YEARS)
    years = np.asarray(YEARS)
    eta = rng.normal(0.0, SIGMA, (n, T))
    shock = (rng.random((n, T)) < SHOCK_PROB) * rng.uniform(0.3, 0.8, (n, T))
    shock[:, :] += ((m.kind == 2) & m.monitored)[:, None] * (years[None, :] == m.start[:, None]) * 0.6
    e = np.empty((n, T))
    e[:, 0] = eta[:, 0] / np.sqrt(1 - RHO**2) - shock[:, 0]
    for t in range(1, T):  # loop over 6 years, vectorised over households
        e[:, t] = RHO * e[:, t - 1] + eta[:, t] - shock[:, t]
    # permanent component (calibration.PERMANENT_SD), its lower tail narrowed (LOWER_TAIL_SCALE)
    e += _narrow_lower_tail(rng.normal(0.0, PERMANENT_SD, n), PERMANENT_SD)[:, None]
    return shock, e


def _draw_incomes(rng: np.random.Generator, h: _Households, shock: np.ndarray, e: np.ndarray) -> _Incomes:
    """Phase 4: untreated wage (migrant work), operating income and expenses, property and transfers."""
    n, T = len(h.size), len(YEARS)
    size = h.size
    in_work = []
    for labour, p in ((h.labour_full, h.worker_p_full), (h.labour_weak, h.worker_p_weak)):
        # persistent work status (calibration.WORK_PERSISTENCE): stationary share p in every year
        now = rng.binomial(labour, p)
        part = [now]
        stay, start = WORK_PERSISTENCE + (1 - WORK_PERSISTENCE) * p, (1 - WORK_PERSISTENCE) * p
        for _ in range(1, T):
            now = rng.binomial(now, stay) + rng.binomial(labour - now, start)
            part.append(now)
        in_work.append(np.stack(part, axis=1))
    workers = in_work[0] + in_work[1]
    # labourers not in migrant work earn locally (calibration.LOCAL_WORK_MONTHS), a weak one half
    local_labour = (h.labour_full[:, None] - in_work[0]) + 0.5 * (h.labour_weak[:, None] - in_work[1])
    deviation = rng.normal(0.0, MONTHS_SD, (n, T))
    for t in range(1, T):  # AR(1) months deviation with stationary sd MONTHS_SD
        deviation[:, t] = MONTHS_RHO * deviation[:, t - 1] + np.sqrt(1 - MONTHS_RHO**2) * deviation[:, t]
    months = np.clip(9.0 + deviation - 3.0 * (shock > 0), 1.0, 12.0) * (workers > 0)
    months = np.round(months, 1)
    level = h.region_level[:, None]
    wage0 = (
        (workers * months + local_labour * LOCAL_WORK_MONTHS)
        * WAGE_MONTHLY[None, :]
        * level
        * np.exp(h.a[:, None] + e)
        * np.where(h.relocated, 1.12, 1.0)[:, None]
    )
    net_op0 = (
        h.has_op[:, None]
        * size[:, None]
        * NETOP_PC[None, :]
        * level
        * np.exp(0.5 * h.a[:, None] + h.b[:, None] + e)
        * np.select([h.relocated, h.doudi], [0.35, 0.5], 1.0)[:, None]
    )
    op_income0 = net_op0 / (1 - h.expense_share[:, None])
    op_expenses0 = op_income0 * h.expense_share[:, None]
    crop_failure = (rng.random((n, T)) < 0.02) & h.has_op[:, None]
    op_income0 = np.where(crop_failure, op_income0 * 0.2, op_income0)
    property0 = (
        h.has_prop[:, None] * size[:, None] * PROPERTY_PC * h.prop_level[:, None] * (1.04 ** np.arange(T))[None, :]
    )
    # other transfers per dependant (calibration.OTHER_TRANSFER_DEPENDANTS, GENERATOR_VERSION 1.5)
    other_base = OTHER_TRANSFER_DEPENDANTS * (size - h.labour_full - 0.5 * h.labour_weak)
    transfers0 = {
        "pension": h.elderly[:, None] * PENSION[None, :],
        "farm": h.has_land[:, None] * size[:, None] * FARM_ECO_PC * np.ones((1, T)),
        "disab": h.disabled[:, None] * 1600.0 * np.ones((1, T)),
        "dibao": (h.doudi & ~h.tekun_base)[:, None] * size[:, None] * DIBAO_PC[None, :],
        "tekun": h.tekun_base[:, None] * 5200.0 * (1.05 ** np.arange(T))[None, :],
        "relief": (shock > 0) * (rng.random((n, T)) < 0.4) * 800.0,
        "other": h.other_level[:, None] * other_base[:, None] * OTHER_TRANSFER_PC * (1.07 ** np.arange(T))[None, :],
    }
    # untreated components in whole yuan; effects are whole yuan too, so each applied effect is exact
    return _Incomes(
        workers=workers,
        months=months,
        wage0=np.round(wage0),
        op_income0=np.round(op_income0),
        op_expenses0=np.round(op_expenses0),
        property0=np.round(property0),
        transfers0={k: np.round(v) for k, v in transfers0.items()},
    )


def _assignment_index(h: _Households, inc: _Incomes) -> dict[str, np.ndarray]:
    """The observed covariates X of the treatment assignment (2020 values, before every cohort)."""
    base_net = (
        inc.wage0[:, 0]
        + inc.op_income0[:, 0]
        - inc.op_expenses0[:, 0]
        + inc.property0[:, 0]
        + inc.transfers0["pension"][:, 0]
        + inc.transfers0["farm"][:, 0]
        + inc.transfers0["disab"][:, 0]
        + inc.transfers0["dibao"][:, 0]
        + inc.transfers0["tekun"][:, 0]
        + inc.transfers0["relief"][:, 0]
        + inc.transfers0["other"][:, 0]
    )
    province = h.province
    return {
        "z_inc": np.log(np.maximum(base_net / h.size, 1000.0) / 10000.0),
        "labour": h.labour_full + 0.5 * h.labour_weak,
        "has_op_obs": inc.op_income0[:, 0] > 0,
        "prov_shift": np.select(
            [province == "广西壮族自治区", province == "云南省", province == "江西省"], [0.15, 0.25, 0.05], 0.0
        ),
    }


def _draw_measures(rng: np.random.Generator, h: _Households, inc: _Incomes, effects: bool, detail: bool):
    """Phase 5: per measure, the cohort (assignment on X), the effect on each component and the measures rows.

    Returns (component effects, effect sums by cohort-year, per-household effect detail, measure rows).
    """
    n, T = len(h.size), len(YEARS)
    years = np.asarray(YEARS)
    size, group, heterogeneity = h.size, h.group, h.heterogeneity
    x = _assignment_index(h, inc)
    shift, tilt = _allocation()
    comp = {
        name: np.zeros((n, T))
        for name in ("wage", "operating_income", "operating_expenses", "property", *TRANSFER_DETAIL)
    }
    sums = []
    details = []
    measure_rows = []
    for j, (code, p) in enumerate(MEASURE_PARAMS.items()):
        index = (
            p.alpha
            + p.b_inc * x["z_inc"]
            + p.b_lab * x["labour"]
            + p.b_doudi * h.doudi
            + p.b_reloc * h.relocated
            + p.b_size * size
            + p.b_op * x["has_op_obs"]
            + x["prov_shift"]
            + shift[h.leaf, j]
        )
        cohort = _multinomial_cohort(rng, index, tilt[h.leaf, j])
        receipt_draw = rng.random((n, T))
        since = years[None, :] - cohort[:, None]
        treated = (cohort[:, None] > 0) & (since >= 0)
        if p.profile == "lagged":
            dyn = np.where(since >= 1, 1.0 + p.growth * (since - 1), 0.2)
        elif p.profile == "once":
            dyn = (since == 0).astype(float)
        else:
            dyn = 1.0 + p.growth * since
        scale = p.effect * np.asarray(p.k)[group] * heterogeneity[:, j] * np.where(p.per_person, size, 1)
        potential = np.where(treated, np.round(scale[:, None] * dyn), 0.0)
        applied = potential if effects else np.zeros_like(potential)
        effect = {}
        if p.component == "operating_income":
            effect["operating_income"] = applied
            effect["operating_expenses"] = np.round(applied * p.expense_share)
            effect["net_operating"] = applied - effect["operating_expenses"]
        elif p.component == "transfer":
            effect[p.detail] = applied
            effect["transfer"] = applied
            if p.crowd_out:
                effect["wage"] = -np.minimum(np.round(0.25 * applied), np.floor(0.30 * inc.wage0))
        else:
            effect[p.component] = applied
        effect["net_income"] = sum(
            (v for k, v in effect.items() if k in ("wage", "net_operating", "property", "transfer")),
            np.zeros_like(applied),
        )
        for k, v in effect.items():
            if k in comp:
                comp[k] += v
        # effect sums by (cohort, year) for true_effects
        cell = np.nonzero(treated)
        key = np.searchsorted(COHORTS, cohort[cell[0]]) * T + cell[1]
        count = np.bincount(key, minlength=len(COHORTS) * T)
        for k, v in effect.items():
            vals = v[cell]
            sums.append(
                pd.DataFrame(
                    {
                        "measure": code,
                        "component": k,
                        "cohort": np.repeat(COHORTS, T),
                        "year": np.tile(YEARS, len(COHORTS)),
                        "n_treated": count,
                        "sum_household": np.bincount(key, vals, len(COHORTS) * T),
                        "sum_per_capita": np.bincount(key, vals / size[cell[0]], len(COHORTS) * T),
                    }
                )
            )
            if detail:
                details.append(
                    pd.DataFrame(
                        {
                            "row": cell[0],
                            "year": years[cell[1]],
                            "measure": code,
                            "component": k,
                            "cohort": cohort[cell[0]],
                            "effect": vals,
                        }
                    )
                )
        # rows of the measures table
        received = treated & ((since == 0) | (receipt_draw < p.persist))
        ri, rt = np.nonzero(received)
        amount = np.full(len(ri), np.nan)
        if p.amount == "effect":
            amount = potential[ri, rt]
        elif p.amount == "transport":
            amount = 500.0 * np.maximum(inc.workers[ri, rt], 1)
        elif p.amount == "yulu":
            amount = np.full(len(ri), 3000.0)
        elif p.amount == "award":
            amount = np.round(2000.0 * heterogeneity[ri, j], -1)
        elif p.amount == "loan":
            amount = np.full(len(ri), 50000.0)
        measure_rows.append(pd.DataFrame({"row": ri, "year": years[rt], "measure": code, "amount": amount}))
    return comp, sums, details, measure_rows


def _household_table(
    rng: np.random.Generator,
    ids: np.ndarray,
    leaves: pd.DataFrame,
    h: _Households,
    m: _Monitoring,
    inc: _Incomes,
    comp: dict[str, np.ndarray],
) -> pd.DataFrame:
    """Phase 6: the household-year table (untreated components plus effects, types by year, derived income)."""
    n, T = len(h.size), len(YEARS)
    years = np.asarray(YEARS)
    t0 = inc.transfers0
    wage = inc.wage0 + comp["wage"]
    op_income = inc.op_income0 + comp["operating_income"]
    op_expenses = inc.op_expenses0 + comp["operating_expenses"]
    prop = inc.property0 + comp["property"]
    detail_cols = {
        "transfer_dibao": t0["dibao"] + comp["transfer_dibao"],
        "transfer_pension": t0["pension"] + comp["transfer_pension"],
        "transfer_tekun": t0["tekun"] + comp["transfer_tekun"],
        "transfer_disability": t0["disab"] + comp["transfer_disability"],
        "transfer_farm_eco": t0["farm"] + comp["transfer_farm_eco"],
        "transfer_relief": t0["relief"] + comp["transfer_relief"],
    }
    transfer = sum(detail_cols.values()) + t0["other"]

    hh_index = np.arange(n)
    rep = np.repeat(hh_index, T)
    yr = np.tile(years, n)
    flat = lambda a: a.reshape(-1)  # noqa: E731 - row-major (household, year) order
    monitored, kind, start, eliminated = m.monitored, m.kind, m.start, m.eliminated
    type_year = np.where(monitored[rep] & (yr >= start[rep]), kind[rep] + 1, 0)
    type_labels = np.array(["一般脱贫户", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户"])
    # 边缘易致贫户 are monitored from 2020 on (not 脱贫户); earlier years of the others are 一般脱贫户
    type_year = np.where(monitored[rep] & (kind[rep] == 1), 2, type_year)
    in_monitoring = monitored[rep] & ((yr >= start[rep]) | (kind[rep] == 1))
    elim_now = in_monitoring & (eliminated[rep] > 0) & (yr >= eliminated[rep])
    leaf_rep = h.leaf[rep]
    labour = h.labour_full[:, None] + h.labour_weak[:, None]
    hh = pd.DataFrame(
        {
            "household_id": ids[rep],
            "year": yr.astype("int64"),
            "province": leaves["province"].to_numpy()[leaf_rep],
            "prefecture": leaves["prefecture"].to_numpy()[leaf_rep],
            "county": leaves["county"].to_numpy()[leaf_rep],
            "township": leaves["township"].to_numpy()[leaf_rep],
            "village": np.char.add("合成村", np.char.zfill(h.village[rep].astype(str), 2)),
            "household_size": h.size[rep].astype("int64"),
            "labour_full": h.labour_full[rep].astype("int64"),
            "labour_weak": h.labour_weak[rep].astype("int64"),
            "household_type": type_labels[type_year],
            "doudi": h.doudi[rep],
            "relocated": h.relocated[rep],
            "monitoring_start_year": pd.array(
                np.where(in_monitoring, np.where(kind[rep] == 1, 2020, start[rep]), 0), dtype="Int64"
            ),
            "risk_eliminated": elim_now,
            "risk_eliminated_year": pd.array(np.where(elim_now, eliminated[rep], 0), dtype="Int64"),
            "migrant_workers": flat(inc.workers).astype("int64"),
            "migrant_work_months": flat(inc.months),
            "labour_seeking_work": flat(
                np.minimum(rng.binomial(labour - inc.workers, SEEKING_WORK_PROB), labour - inc.workers)
            ).astype("int64"),
            "wage": flat(wage),
            "operating_income": flat(op_income),
            "operating_expenses": flat(op_expenses),
            "property": flat(prop),
            "transfer": flat(transfer),
            **{k: flat(v) for k, v in detail_cols.items()},
        }
    )
    for col in ("monitoring_start_year", "risk_eliminated_year"):
        hh[col] = hh[col].mask(hh[col] == 0)
    for col in ("province", "prefecture", "county", "township", "village", "household_type", "household_id"):
        hh[col] = hh[col].astype("str")
    return derive_income(hh)


def _measures_table(measure_rows: list[pd.DataFrame], ids: np.ndarray) -> pd.DataFrame:
    """Phase 7: the long measures table (household_id, year, measure, amount), sorted by household, year, measure."""
    measures = pd.concat(measure_rows, ignore_index=True)
    measures = measures.sort_values(["row", "year", "measure"], kind="stable")
    measures = pd.DataFrame(
        {
            "household_id": ids[measures["row"].to_numpy()],
            "year": measures["year"].to_numpy().astype("int64"),
            "measure": measures["measure"].to_numpy(),
            "amount": measures["amount"].to_numpy().astype(float),
        }
    )
    measures["household_id"] = measures["household_id"].astype("str")
    measures["measure"] = measures["measure"].astype("str")
    return measures


def simulate_block(seed: int, block: int, n: int, effects: bool = True, detail: bool = False):
    """Generate households ``block*BLOCK_SIZE .. +n``: (households, measures, effect sums[, detail]).

    The phases draw from one generator in a fixed order (households, monitoring, shocks,
    incomes, measures and effects, then the labour-seeking draw of the household table): the
    pinned fingerprints of tests/test_demo_pinned.py hold only while that order does.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, block]))
    leaves = _leaves()
    h = _draw_households(rng, n, leaves)
    m = _draw_monitoring(rng, h)
    shock, e = _draw_shocks(rng, m)
    e = e + _local_shocks(seed)[h.leaf]  # the region unit's shock (GENERATOR_VERSION 1.3)
    inc = _draw_incomes(rng, h, shock, e)
    comp, sums, details, measure_rows = _draw_measures(rng, h, inc, effects, detail)
    ids = _household_ids(block * BLOCK_SIZE + np.arange(n), seed)
    hh = _household_table(rng, ids, leaves, h, m, inc, comp)
    out = [hh, _measures_table(measure_rows, ids), pd.concat(sums, ignore_index=True)]
    if detail:
        det = pd.concat(details, ignore_index=True)
        det.insert(0, "household_id", ids[det.pop("row").to_numpy()])
        out.append(det)
    return tuple(out)
