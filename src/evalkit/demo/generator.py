"""The SYNTHETIC demo panel: a deterministic household-year panel with known true effects.

Everything here is invented (合成演示数据, 非真实统计). The panel has the shape of a
防止返贫监测 export for every region of the seeds (信阳市's 11 county-level units, 弥勒市's
12 townships, 广西's 111 counties, 上犹县's 14 townships), years 2020–2025, with the
canonical columns of ``data/columns.csv`` and the long measures table of ``data/measures.csv``
codes. Its meta says ``synthetic: true`` and carries :data:`LABEL`.

Calibration (pooled over all households, person-weighted, i.e. Σ net income / Σ persons):
per-capita net income ≈ 10,740 (2020), 12,550 (2021), 14,342 (2022) (published national
脱贫人口 figures, ``data/comparison_series.csv``), then ≈ +9 %/year to 2025; wage share
≈ 68 %; relocated households' wage share ≈ 80 %; household size ≈ 3.5; 5–10 % of households
are 监测对象; 广西 and 云南 households below 河南's. Checked by ``tests/test_demo.py``.

Income model (household totals, yuan; ``t`` = year, ``i`` = household)::

    e_it     = ρ e_i,t-1 + σ η_it + shock_it              (AR(1) log deviation; shocks decay: recovery)
    wage0    = workers_it · months_it · W_t · R_region · exp(a_i + e_it)
    netop0   = has_op_i · size_i · O_t · R_region · exp(a_i/2 + b_i + e_it)   (operating income
               = netop0 / (1 − c_i), expenses = c_i · operating income; crop failures make it negative)
    property0, transfer detail (pension per elderly member, farm/eco subsidies, disability, 兜底 低保/特困,
               temporary relief after shocks) plus other transfers not itemised (赡养, education,
               medical aid): ``transfer`` ≥ the sum of the ``transfer_*`` detail columns
    Y_it     = Y0_it + Σ_m effect_m,it                       (effects additive, per component)

All income amounts are whole yuan (untreated parts and each effect rounded separately), so the
applied effect is exact: the panel minus the same panel generated with ``effects=False`` is
exactly the sum of the recorded effects. Household size and labour counts are fixed over the
years; 户类型 changes in the year a household enters monitoring (边缘易致贫户 from 2020; the
others are 一般脱贫户 before); 突发严重困难户 get a large income shock in that year; monitoring
is 5–10 % of households; risk is eliminated 1–4+ years later for most.

Treatment assignment (staggered, absorbing for effect purposes). For each measure ``m`` the
cohort ``G_m`` (first year received, 2021–2025, or never) is drawn from a multinomial logit
``P(G=g | X) ∝ w_g · exp(α_m + β_m·X)``, ``P(never) ∝ 1``, independently across measures given
``X``, where the covariates ``X`` are all observed in the panel:

* ``z_income = log(max(net_income_pc in 2020, 1000) / 10000)`` (2020 is before every cohort),
* ``labour = labour_full + labour_weak / 2``, ``doudi``, ``relocated``, ``household_size``,
* ``has_operating = operating_income in 2020 > 0``, and the province.

So ``G_m`` is independent of the potential outcomes given ``X``: parallel trends hold
conditional on these covariates (and conditional logit propensity scores are exact: for a
cohort ``g`` versus never-treated, ``P(G=g | G∈{g,∞}, X)`` is logistic-linear in ``X``). They do
NOT hold unconditionally: poorer households are selected into employment and transfer
measures and, through mean reversion and multiplicative growth, have different untreated
trends. The untreated outcome is not linear in ``X`` (log-normal levels), so a linear outcome
regression alone is slightly misspecified; IPW and doubly-robust estimators are consistent.

Effects: ``effect_m,it = 1[t ≥ G_m] · E_m · k_m(labour group) · h_im · d_m(t − G_m)`` (``× size``
where the parameter says per person), with ``h_im`` a household multiplier (log-normal, mean 1)
and ``d_m`` the dynamic profile (growth since adoption; 雨露计划 pays off from the year after;
临时救助 only in its year). Employment measures raise wage; industry measures raise operating
income and expenses (net operating rises by ``(1 − expense share) ·`` the income effect);
transfer measures raise their transfer-detail column and 低保/特困 crowd out wage income by
``min(25 % of the transfer, 30 % of untreated wage)``; property measures raise property
income. A household keeps its effect after the first year it received a measure (absorbing,
cohort = first year) even in later years without a row in the measures table; measures whose
benefit only lasts while received (公益性岗位, 帮扶车间, transfers, property income) are received
every year from the first. :func:`true_effects` reports what was applied.

Determinism and chunks: households are generated in blocks of :data:`BLOCK_SIZE`; block ``k``
draws from ``numpy.random.default_rng(SeedSequence([seed, k]))``, so any chunking into whole
blocks gives the same rows (:func:`iter_panel_chunks` concatenated == :func:`generate_panel`).
Regional income levels and household shares per unit are fixed (independent of the seed).
5,000 households take about 0.3 s; ``evalkit demo-data --households 2000000`` streams to disk
(:func:`stream_demo`, about 1 GB of memory, ~80 s of CPU).

Files: :func:`save_demo` writes the panel folder plus ``true_effects.csv`` and a ``README.txt``
stating the data is synthetic; :func:`write_export` writes a Chinese-header GBK CSV / XLSX
export with fake 户主姓名 / 身份证号码 / 联系电话 and a long measures file, to exercise ingest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.panel import MEASURE_COLUMNS, Panel, load_panel, save_panel
from evalkit.core.registry import regions
from evalkit.core.resources import data_dir
from evalkit.core.schema import (
    TRANSFER_DETAIL,
    derive_income,
    household_columns,
    labour_group,
    measure_columns,
    measures_catalogue,
)

__all__ = [
    "BLOCK_SIZE",
    "MEASURE_PARAMS",
    "YEARS",
    "COHORT_WEIGHTS",
    "DEFAULT_HOUSEHOLDS",
    "DEFAULT_SEED",
    "DIBAO_PC",
    "FARM_ECO_PC",
    "GENERATOR_VERSION",
    "GIVEN",
    "GROUP_SHARES",
    "ID_WEIGHTS",
    "LABEL",
    "LABOUR_GROUPS",
    "NETOP_PC",
    "OTHER_TRANSFER_PC",
    "PENSION",
    "PROPERTY_PC",
    "PROVINCE_LEVEL",
    "SHOCK_PROB",
    "STREAM_THRESHOLD",
    "SURNAMES",
    "SYNTHETIC_ID_SEQUENCE",
    "TRUE_EFFECTS_FILE",
    "TRUE_EFFECT_COLUMNS",
    "WAGE_MONTHLY",
    "XINYANG_WEIGHTS",
    "applied_effects",
    "demo_data_command",
    "generate_panel",
    "iter_panel_chunks",
    "load_demo",
    "save_demo",
    "stream_demo",
    "true_effects",
    "write_export",
]

#: Version of the generator's output: bumped whenever the numbers change (tests/test_demo_pinned.py pins them);
#: load_demo regenerates a saved panel of another version. 1.1: first pinned version (1.0 panels may
#: predate output changes made without a bump, so they are regenerated once).
GENERATOR_VERSION = "1.1"
LABEL = "SYNTHETIC DEMO DATA — 合成演示数据, 非真实统计"
YEARS: tuple[int, ...] = (2020, 2021, 2022, 2023, 2024, 2025)
COHORTS: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025)
BLOCK_SIZE = 5_000
DEFAULT_HOUSEHOLDS = 30_000
DEFAULT_SEED = 20240101
TRUE_EFFECTS_FILE = "true_effects.csv"
TRUE_EFFECT_COLUMNS = ["measure", "component", "cohort", "year", "n_treated", "att_household", "att_per_capita"]

# ---------------------------------------------------------------------------------------------
# Generator parameters (demo assumptions, not domain facts).
# Per-capita year levels of the untreated components; tuned so the pooled aggregates (with the
# measure effects) hit the calibration targets in the module docstring.
WAGE_MONTHLY = np.array([1626.0, 1860.0, 2068.0, 2195.0, 2351.0, 2544.0])  # W_t, yuan per worker-month
NETOP_PC = np.array([2020.0, 2290.0, 2520.0, 2680.0, 2850.0, 3080.0])  # O_t, yuan per person
PENSION = np.array([1300.0, 1380.0, 1460.0, 1540.0, 1620.0, 1700.0])  # per elderly member per year
DIBAO_PC = np.array([4000.0, 4200.0, 4400.0, 4600.0, 4800.0, 5000.0])  # 兜底 support per person
OTHER_TRANSFER_PC = 1250.0  # 赡养/教育/医疗 and other transfers not itemised in the detail columns
FARM_ECO_PC = 330.0
PROPERTY_PC = 330.0
RHO, SIGMA = 0.5, 0.17
SHOCK_PROB = 0.04
#: Household shares by reporting group and province income level (Henan above Guangxi/Yunnan).
GROUP_SHARES = {"xinyang": 0.32, "mile": 0.10, "shangyou": 0.08, "guangxi": 0.50}
PROVINCE_LEVEL = {"河南省": 1.08, "江西省": 0.98, "广西壮族自治区": 0.93, "云南省": 0.95}
XINYANG_WEIGHTS = {
    "xinyang-shihe": 0.06,
    "xinyang-pingqiao": 0.09,
    "xinyang-luoshan": 0.10,
    "xinyang-guangshan": 0.11,
    "xinyang-xinxian": 0.06,
    "xinyang-shangcheng": 0.11,
    "xinyang-gushi": 0.18,
    "xinyang-huangchuan": 0.10,
    "xinyang-huaibin": 0.09,
    "xinyang-xixian": 0.12,
    "xinyang-yangshan": 0.02,
}
#: cohort weights w_g for 2021..2025
COHORT_WEIGHTS = np.array([0.30, 0.25, 0.20, 0.15, 0.10])
#: labour groups: 0 = no labour (兜底), 1 = weak/half labour only, 2 = one full labourer, 3 = two or more
#: codes of the ``detail`` scheme of ``data/labour_groups.csv`` (:func:`evalkit.schema.labour_group`)
LABOUR_GROUPS = ("none", "weak_only", "one_full", "two_plus")


@dataclass(frozen=True)
class MeasureParams:
    """Demo parameters of one measure (a code of ``data/measures.csv``).

    ``alpha``: logit intercept of ever receiving; ``b_inc, b_lab, b_doudi, b_reloc, b_size,
    b_op``: selection coefficients on z_income, labour, doudi, relocated, household_size,
    has_operating (plus a fixed province shift); ``component`` / ``detail``: the income column
    (and transfer-detail column) raised; ``effect``: yuan per household at adoption (per person
    when ``per_person``); ``k``: multiplier by labour group (:data:`LABOUR_GROUPS`); ``growth``:
    extra share of the effect per year since adoption; ``profile``: ``linear`` | ``lagged``
    (20 % in the first year, full from the next) | ``once`` (first year only); ``expense_share``:
    extra operating expenses per yuan of operating income (industry); ``crowd_out``: transfer
    lowers wage; ``persist``: probability of a measures row in each later year (1 = every year);
    ``amount``: rule for the amount column. A catalogue measure without parameters here is not
    generated.
    """

    alpha: float
    b_inc: float
    b_lab: float
    b_doudi: float
    b_reloc: float
    b_size: float
    b_op: float
    component: str
    detail: str
    effect: float
    per_person: bool
    k: tuple[float, float, float, float]
    growth: float
    profile: str
    expense_share: float
    crowd_out: bool
    persist: float
    amount: str


MEASURE_PARAMS: dict[str, MeasureParams] = {
    "public_welfare_post": MeasureParams(
        -2.2,
        -0.9,
        0.3,
        -2.0,
        0.3,
        0.0,
        0.0,
        "wage",
        "",
        6000,
        False,
        (0, 1.0, 1.0, 0.9),
        0.0,
        "linear",
        0,
        False,
        1.0,
        "effect",
    ),
    "transport_subsidy": MeasureParams(
        -2.4,
        -0.6,
        0.6,
        -3.0,
        0.2,
        0.0,
        0.0,
        "wage",
        "",
        2500,
        False,
        (0, 0.5, 1.0, 1.4),
        0.10,
        "linear",
        0,
        False,
        0.6,
        "transport",
    ),
    "skills_training": MeasureParams(
        -2.3,
        -0.5,
        0.5,
        -3.0,
        0.3,
        0.0,
        0.0,
        "wage",
        "",
        2200,
        False,
        (0, 0.6, 1.0, 1.2),
        0.25,
        "linear",
        0,
        False,
        0.3,
        "none",
    ),
    "assistance_workshop": MeasureParams(
        -3.2,
        -0.8,
        0.4,
        -3.0,
        0.6,
        0.0,
        0.0,
        "wage",
        "",
        7000,
        False,
        (0, 0.8, 1.0, 1.0),
        0.05,
        "linear",
        0,
        False,
        1.0,
        "none",
    ),
    "work_relief": MeasureParams(
        -3.0,
        -0.6,
        0.4,
        -3.0,
        0.0,
        0.0,
        0.0,
        "wage",
        "",
        3000,
        False,
        (0, 0.6, 1.0, 1.1),
        0.0,
        "linear",
        0,
        False,
        0.4,
        "effect",
    ),
    "yulu_plan": MeasureParams(
        -3.3,
        -0.4,
        0.1,
        -1.0,
        0.2,
        0.25,
        0.0,
        "wage",
        "",
        9000,
        False,
        (0.5, 0.8, 1.0, 1.0),
        0.10,
        "lagged",
        0,
        False,
        0.5,
        "yulu",
    ),
    "industry_award": MeasureParams(
        -2.2,
        -0.3,
        0.3,
        -2.0,
        -0.8,
        0.0,
        1.2,
        "operating_income",
        "",
        3500,
        False,
        (0.3, 0.7, 1.0, 1.2),
        0.05,
        "linear",
        0.35,
        False,
        0.5,
        "award",
    ),
    "microcredit": MeasureParams(
        -3.0,
        -0.2,
        0.4,
        -3.0,
        -0.8,
        0.0,
        1.0,
        "operating_income",
        "",
        5500,
        False,
        (0, 0.6, 1.0, 1.2),
        0.15,
        "linear",
        0.45,
        False,
        0.3,
        "loan",
    ),
    "contract_farming": MeasureParams(
        -2.8,
        -0.3,
        0.2,
        -0.5,
        -1.0,
        0.0,
        1.0,
        "operating_income",
        "",
        3000,
        False,
        (0.6, 0.8, 1.0, 1.0),
        0.05,
        "linear",
        0.30,
        False,
        0.7,
        "none",
    ),
    "enterprise_linkage": MeasureParams(
        -2.5,
        -0.2,
        0.2,
        -1.5,
        -0.5,
        0.0,
        0.8,
        "operating_income",
        "",
        2000,
        False,
        (0.4, 0.8, 1.0, 1.1),
        0.10,
        "linear",
        0.25,
        False,
        0.7,
        "none",
    ),
    "dibao": MeasureParams(
        -3.2,
        -1.6,
        -0.3,
        1.8,
        0.0,
        0.0,
        0.0,
        "transfer",
        "transfer_dibao",
        1500,
        True,
        (1.2, 1.0, 0.8, 0.7),
        0.05,
        "linear",
        0,
        True,
        1.0,
        "effect",
    ),
    "tekun": MeasureParams(
        -4.5,
        -1.0,
        -0.8,
        2.5,
        0.0,
        -0.6,
        0.0,
        "transfer",
        "transfer_tekun",
        4500,
        False,
        (1.0, 0.8, 0.5, 0.5),
        0.05,
        "linear",
        0,
        True,
        1.0,
        "effect",
    ),
    "pension_premium_waiver": MeasureParams(
        -2.0,
        -0.8,
        0.0,
        0.8,
        0.0,
        0.0,
        0.0,
        "transfer",
        "transfer_pension",
        300,
        False,
        (1.0, 1.0, 1.0, 1.0),
        0.0,
        "linear",
        0,
        False,
        1.0,
        "effect",
    ),
    "temporary_relief": MeasureParams(
        -3.5,
        -1.2,
        -0.2,
        0.8,
        0.0,
        0.0,
        0.0,
        "transfer",
        "transfer_relief",
        2000,
        False,
        (1.0, 1.0, 1.0, 1.0),
        0.0,
        "once",
        0,
        False,
        0.0,
        "effect",
    ),
    "land_transfer": MeasureParams(
        -2.4,
        0.0,
        -0.2,
        0.5,
        -0.5,
        0.1,
        0.8,
        "property",
        "",
        1300,
        False,
        (1.2, 1.1, 1.0, 0.9),
        0.03,
        "linear",
        0,
        False,
        1.0,
        "effect",
    ),
    "collective_dividend": MeasureParams(
        -1.6,
        -0.5,
        0.0,
        0.3,
        0.0,
        0.0,
        0.0,
        "property",
        "",
        400,
        False,
        (1.0, 1.0, 1.0, 1.0),
        0.10,
        "linear",
        0,
        False,
        1.0,
        "effect",
    ),
    "photovoltaic": MeasureParams(
        -2.6,
        -0.6,
        0.0,
        0.5,
        0.0,
        0.0,
        0.0,
        "property",
        "",
        700,
        False,
        (1.0, 1.0, 1.0, 1.0),
        0.0,
        "linear",
        0,
        False,
        1.0,
        "effect",
    ),
}


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
    within = np.where(
        group.eq("xinyang"), leaves["code"].map(XINYANG_WEIGHTS).fillna(0.0), np.where(district, 0.5, 1.0)
    )
    within = pd.Series(within).groupby(group).transform(lambda s: s / s.sum())
    leaves["weight"] = within * group.map(GROUP_SHARES)
    # fixed (seed-independent) unit-level income factors: regional structure is part of the design
    unit_rng = np.random.default_rng(np.random.SeedSequence([7, 2020]))
    leaves["level_factor"] = leaves["province"].map(PROVINCE_LEVEL).to_numpy() * np.exp(
        unit_rng.normal(0, 0.05, len(leaves))
    )
    leaves["village_count"] = np.where(leaves["township"] != "", 8, 25)
    return leaves


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


def _multinomial_cohort(rng: np.random.Generator, index: np.ndarray) -> np.ndarray:
    """Cohort (2021..2025) or 0 (never) from P(G=g) ∝ w_g exp(index), P(never) ∝ 1."""
    odds = np.exp(index)[:, None] * COHORT_WEIGHTS[None, :]
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
        labour_group(pd.DataFrame({"labour_full": labour_full, "labour_weak": labour_weak}), "detail", "code")
    )
    province = leaves["province"].to_numpy()[leaf]
    poor_province = (province == "广西壮族自治区") | (province == "云南省")
    relocated = rng.random(n) < np.where(poor_province, 0.13, 0.08)
    region_level = leaves["level_factor"].to_numpy()[leaf]
    a = rng.normal(0.0, 0.30, n)
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
    """Phase 2: who is monitored (logit in the income level, 兜底, labour, province), type, start, elimination."""
    n = len(h.size)
    years = np.asarray(YEARS)
    risk_index = -2.8 - 2.0 * h.a + 0.8 * h.doudi + 0.4 * (h.group == 1) + 0.3 * h.poor_province
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
    return shock, e


def _draw_incomes(rng: np.random.Generator, h: _Households, shock: np.ndarray, e: np.ndarray) -> _Incomes:
    """Phase 4: untreated wage (migrant work), operating income and expenses, property and transfers."""
    n, T = len(h.size), len(YEARS)
    size = h.size
    workers = rng.binomial(h.labour_full[:, None], h.worker_p_full[:, None], (n, T)) + rng.binomial(
        h.labour_weak[:, None], h.worker_p_weak[:, None], (n, T)
    )
    months = np.clip(rng.normal(9.0, 2.0, (n, T)) - 3.0 * (shock > 0), 1.0, 12.0) * (workers > 0)
    months = np.round(months, 1)
    level = h.region_level[:, None]
    wage0 = (
        workers
        * months
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
    transfers0 = {
        "pension": h.elderly[:, None] * PENSION[None, :],
        "farm": h.has_land[:, None] * size[:, None] * FARM_ECO_PC * np.ones((1, T)),
        "disab": h.disabled[:, None] * 1600.0 * np.ones((1, T)),
        "dibao": (h.doudi & ~h.tekun_base)[:, None] * size[:, None] * DIBAO_PC[None, :],
        "tekun": h.tekun_base[:, None] * 5200.0 * (1.05 ** np.arange(T))[None, :],
        "relief": (shock > 0) * (rng.random((n, T)) < 0.4) * 800.0,
        "other": h.other_level[:, None] * size[:, None] * OTHER_TRANSFER_PC * (1.07 ** np.arange(T))[None, :],
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
        )
        cohort = _multinomial_cohort(rng, index)
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
            v for k, v in effect.items() if k in ("wage", "net_operating", "property", "transfer")
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
                np.minimum(rng.binomial(labour - inc.workers, 0.5), labour - inc.workers)
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


def _block(seed: int, block: int, n: int, effects: bool = True, detail: bool = False):
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


def _meta(households: int, seed: int, effects: bool, effect_sums: pd.DataFrame) -> dict:
    return {
        "synthetic": True,
        "label": LABEL,
        "seed": int(seed),
        "households": int(households),
        "years": list(YEARS),
        "generator": "evalkit.demo",
        "generator_version": GENERATOR_VERSION,
        "effects_applied": bool(effects),
        "true_effects": _effects_table(effect_sums).to_dict(orient="records"),
    }


def _effects_table(effect_sums: pd.DataFrame) -> pd.DataFrame:
    keys = ["measure", "component", "cohort", "year"]
    total = effect_sums.groupby(keys, sort=False, as_index=False)[
        ["n_treated", "sum_household", "sum_per_capita"]
    ].sum()
    total = total[total["n_treated"] > 0].copy()
    total["att_household"] = total["sum_household"] / total["n_treated"]
    total["att_per_capita"] = total["sum_per_capita"] / total["n_treated"]
    total["n_treated"] = total["n_treated"].astype("int64")
    return total[TRUE_EFFECT_COLUMNS].reset_index(drop=True)


def _check_size(households: int, chunk_size: int) -> None:
    if households < 1:
        raise EvalkitError(
            f"户数必须为正整数, 收到 {households} / households must be a positive integer, got {households}"
        )
    if chunk_size < BLOCK_SIZE or chunk_size % BLOCK_SIZE:
        raise EvalkitError(
            f"chunk_size 必须是 {BLOCK_SIZE} 的正整数倍, 收到 {chunk_size} / "
            f"chunk_size must be a positive multiple of {BLOCK_SIZE}, got {chunk_size}"
        )


def _iter_blocks(households: int, seed: int, chunk_size: int, effects: bool, detail: bool = False):
    _check_size(households, chunk_size)
    per_chunk = chunk_size // BLOCK_SIZE
    n_blocks = -(-households // BLOCK_SIZE)
    for first in range(0, n_blocks, per_chunk):
        parts = [
            _block(seed, k, min(BLOCK_SIZE, households - k * BLOCK_SIZE), effects, detail)
            for k in range(first, min(first + per_chunk, n_blocks))
        ]
        yield tuple(pd.concat(list(col), ignore_index=True) for col in zip(*parts, strict=False))


def iter_panel_chunks(
    households: int = DEFAULT_HOUSEHOLDS, seed: int = DEFAULT_SEED, chunk_size: int = 100_000, effects: bool = True
) -> Iterator[Panel]:
    """Yield the demo panel in chunks of ``chunk_size`` households (a multiple of :data:`BLOCK_SIZE`).

    Their concatenation equals :func:`generate_panel` (same seed). Each chunk's meta carries the
    true effects of its own households only.
    """
    for hh, measures, sums in _iter_blocks(households, seed, chunk_size, effects):
        yield Panel(households=hh, measures=measures, meta=_meta(households, seed, effects, sums))


def generate_panel(
    households: int = DEFAULT_HOUSEHOLDS, seed: int = DEFAULT_SEED, effects: bool = True, chunk_size: int = 100_000
) -> Panel:
    """Generate the SYNTHETIC demo panel (deterministic in ``households`` and ``seed``).

    ``effects=False`` generates the same households with every measure effect switched off
    (same assignment, same measures table): the difference of the two panels is the applied
    effect. ``meta["true_effects"]`` holds :func:`true_effects`' table.
    """
    hh_parts, m_parts, sums = [], [], []
    for hh, measures, s in _iter_blocks(households, seed, chunk_size, effects):
        hh_parts.append(hh)
        m_parts.append(measures)
        sums.append(s)
    hh = pd.concat(hh_parts, ignore_index=True) if len(hh_parts) > 1 else hh_parts[0]
    measures = pd.concat(m_parts, ignore_index=True) if len(m_parts) > 1 else m_parts[0]
    return Panel(
        households=hh, measures=measures, meta=_meta(households, seed, effects, pd.concat(sums, ignore_index=True))
    )


def applied_effects(households: int = DEFAULT_HOUSEHOLDS, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Per household-year effect applied by the generator: household_id, year, measure, component, cohort, effect.

    One row per treated household-year, measure and affected component (``net_income`` included).
    Regenerates the panel, so pass the ``households`` and ``seed`` of the panel (``panel.meta``).
    """
    parts = [blocks[3] for blocks in _iter_blocks(households, seed, 100_000, True, detail=True)]
    return pd.concat(parts, ignore_index=True)


def true_effects(panel: Panel, by: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    """True effects of the measures in a demo panel, computed from what the generator applied.

    Long table: measure, component (wage, operating_income, operating_expenses, net_operating,
    property, transfer, net_income; only components a measure changes), cohort (first year
    received), year, n_treated (households of the cohort), att_household (mean applied effect,
    yuan per household) and att_per_capita (mean of effect / household size, yuan per person),
    i.e. ATT(g, t) = mean over households i in cohort g of effect_i,t. Years before a cohort's
    first year have no rows (the effect there is 0 by construction).

    With ``by`` (household columns, e.g. ``["province"]`` or ``["labour_group"]``-like columns of
    the panel) the table is recomputed per group from :func:`applied_effects`.
    """
    if not panel.synthetic or "true_effects" not in panel.meta:
        raise EvalkitError(
            "该面板不是带真实效应的合成演示面板 / this panel is not a synthetic demo panel with true effects"
        )
    if not by:
        return pd.DataFrame(panel.meta["true_effects"])[TRUE_EFFECT_COLUMNS]
    if not panel.meta.get("effects_applied", True):
        raise EvalkitError("该面板未施加效应 / effects were switched off for this panel")
    detail = applied_effects(panel.meta["households"], panel.meta["seed"])
    attrs = panel.households[["household_id", "year", "household_size", *by]]
    detail = detail.merge(attrs, on=["household_id", "year"], how="left", validate="many_to_one")
    detail["per_capita"] = detail["effect"] / detail["household_size"]
    keys = ["measure", "component", *by, "cohort", "year"]
    out = detail.groupby(keys, sort=True, observed=True).agg(
        n_treated=("effect", "size"), att_household=("effect", "mean"), att_per_capita=("per_capita", "mean")
    )
    return out.reset_index()


def _write_readme_and_effects(folder: Path, meta: dict) -> None:
    pd.DataFrame(meta["true_effects"])[TRUE_EFFECT_COLUMNS].to_csv(folder / TRUE_EFFECTS_FILE, index=False)
    (folder / "README.txt").write_text(
        f"{LABEL}\n\n"
        "本目录数据全部为合成数据, 由 evalkit demo-data 生成, 仅用于演示和测试, 不是真实统计。\n"
        "All data in this folder is SYNTHETIC, generated by `evalkit demo-data` for demonstration and tests; "
        "it is not real statistics.\n\n"
        f"seed = {meta['seed']}, households = {meta['households']}, generator version = {GENERATOR_VERSION}\n"
        "households.parquet: household-year panel; measures.parquet: measures received (long table);\n"
        "true_effects.csv: the effects the generator applied (ATT by measure, component, cohort, year);\n"
        "meta.json: provenance.\n",
        encoding="utf-8",
    )


def save_demo(panel: Panel, folder: str | Path) -> Path:
    """Save a demo panel (:func:`evalkit.panel.save_panel`) plus ``true_effects.csv`` and ``README.txt``."""
    folder = save_panel(panel, folder)
    _write_readme_and_effects(folder, panel.meta)
    return folder


def stream_demo(
    folder: str | Path, households: int, seed: int = DEFAULT_SEED, chunk_size: int = 100_000
) -> tuple[Path, dict]:
    """Generate a large demo panel chunk by chunk straight into ``folder`` (same files as :func:`save_demo`).

    Memory stays at one chunk (``households=2_000_000`` needs about 1.5 GB). The files hold the
    same rows as ``save_demo(generate_panel(households, seed))``; ``meta.json`` has the true
    effects of the whole panel but no ``fingerprint`` (it needs the whole panel sorted in
    memory; see :mod:`evalkit.dataset` for an order-independent content hash). Returns the
    folder and a summary (rows written).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    writers: dict[str, pq.ParquetWriter] = {}
    sums, rows = [], {"households": 0, "measures": 0}
    try:
        for hh, measures, s in _iter_blocks(households, seed, chunk_size, True):
            sums.append(s)
            for name, frame in (("households", hh), ("measures", measures)):
                table = pa.Table.from_pandas(frame, preserve_index=False)
                if name not in writers:
                    writers[name] = pq.ParquetWriter(folder / f"{name}.parquet", table.schema)
                writers[name].write_table(table)
                rows[name] += len(frame)
    finally:
        for writer in writers.values():
            writer.close()
    meta = _meta(households, seed, True, pd.concat(sums, ignore_index=True))
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    _write_readme_and_effects(folder, meta)
    return folder, rows


def load_demo(
    folder: str | Path | None = None, households: int = DEFAULT_HOUSEHOLDS, seed: int = DEFAULT_SEED
) -> Panel:
    """Load the saved demo panel from ``folder``; generate and save it first when missing or different.

    ``folder`` defaults to ``demo/`` inside the project's data folder (``data/demo``), whatever
    the working directory (notebooks run with their own folder as working directory). A saved
    panel is reused only when its meta has the same seed, household count and generator version.
    """
    folder = Path(folder) if folder is not None else data_dir() / "demo"
    meta_path = folder / "meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if (
            meta.get("synthetic")
            and meta.get("seed") == seed
            and meta.get("households") == households
            and meta.get("generator_version") == GENERATOR_VERSION
        ):
            return load_panel(folder)
    panel = generate_panel(households=households, seed=seed)
    save_demo(panel, folder)
    return panel


SURNAMES = np.array(
    list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢")
)
GIVEN = np.array(list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华兰玉梅红建国文斌志海"))
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
#: 顺序码 (digits 15–17 of an ID number) used for every synthetic ID: 990–999 marks them as fake.
SYNTHETIC_ID_SEQUENCE = 990


def _fake_identifiers(household_ids: pd.Series, adcodes: np.ndarray, seed: int) -> pd.DataFrame:
    """Synthetic 户主姓名, 身份证号码 and 联系电话 per household (same in every year).

    ID numbers have the GB 11643-1999 form (area code of the county, birth date 1940–1995,
    sequence 990–999 — a range reserved here to mark them as synthetic — and a valid check
    character, sometimes X). Phone numbers use the 170 (virtual operator) prefix.
    """
    unique, inverse = np.unique(household_ids.to_numpy(dtype=str), return_inverse=True)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 11643]))
    n = len(unique)
    first_row = np.zeros(n, dtype=np.int64)
    first_row[inverse[::-1]] = np.arange(len(inverse))[::-1]
    names = np.char.add(
        np.char.add(SURNAMES[rng.integers(0, len(SURNAMES), n)], GIVEN[rng.integers(0, len(GIVEN), n)]),
        np.where(rng.random(n) < 0.6, GIVEN[rng.integers(0, len(GIVEN), n)], ""),
    )
    birth = np.datetime64("1940-01-01") + rng.integers(0, 365 * 55, n).astype("timedelta64[D]")
    body = np.char.add(
        np.char.add(adcodes[first_row].astype(str), np.datetime_as_string(birth).astype(str)),
        (SYNTHETIC_ID_SEQUENCE + rng.integers(0, 10, n)).astype(str),
    )
    body = np.char.replace(body, "-", "")
    digits = np.frombuffer("".join(body.tolist()).encode(), dtype=np.uint8).reshape(n, 17) - ord("0")
    check = np.array(list("10X98765432"))[(digits * ID_WEIGHTS).sum(axis=1) % 11]
    phones = np.char.add("170", np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8))
    return pd.DataFrame(
        {"head_name": names[inverse], "id_card": np.char.add(body, check)[inverse], "phone": phones[inverse]}
    )


def write_export(panel: Panel, path: str | Path, encoding: str = "gbk") -> list[Path]:
    """Write the panel as a monitoring-system-like export (to exercise ingest); returns the files written.

    ``path`` (``.csv`` in ``encoding``, or ``.xlsx``): the household-year table with Chinese
    headers (the first alias of each column in ``data/columns.csv``), yes/no columns as 是/否,
    the reported total 家庭纯收入 and SYNTHETIC identifiers 户主姓名, 身份证号码, 联系电话
    (:func:`_fake_identifiers`). Beside it ``<stem>_measures<suffix>``: the long measures table
    (户编号, 年度, 帮扶措施 as the measure's first alias in ``data/measures.csv``, 金额). Derived
    columns are not exported (ingest recomputes them).
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise EvalkitError(f"导出文件须为 .csv 或 .xlsx: {path} / export file must be .csv or .xlsx: {path}")
    columns = household_columns()
    hh = panel.households.copy()
    hh["reported_net_income"] = hh["net_income"]
    adcodes = _county_adcodes(hh)
    ids = _fake_identifiers(hh["household_id"], adcodes, int(panel.meta.get("seed", 0)))
    for col in ids.columns:
        hh[col] = ids[col].to_numpy()
    keep = [c for c in columns if c in hh.columns]
    out = hh[keep].copy()
    for col in keep:
        if columns[col].dtype == "bool":
            out[col] = np.where(out[col].astype(bool), "是", "否")
    out.columns = [columns[c].aliases[0] for c in keep]
    catalogue = measures_catalogue().set_index("code")
    first_alias = catalogue["aliases"].str.split("|").str[0]
    m = panel.measures.copy()
    m["measure"] = m["measure"].map(first_alias)
    mcols = {name: c.aliases[0] for name, c in measure_columns().items()}
    m = m[MEASURE_COLUMNS].rename(columns=mcols)
    measures_path = path.with_name(f"{path.stem}_measures{path.suffix}")
    path.parent.mkdir(parents=True, exist_ok=True)
    for frame, target in ((out, path), (m, measures_path)):
        if path.suffix.lower() == ".csv":
            frame.to_csv(target, index=False, encoding=encoding)
        else:
            frame.to_excel(target, index=False)
    return [path, measures_path]


def _county_adcodes(households: pd.DataFrame) -> np.ndarray:
    """6-digit area code for each row: the county's code, else its prefecture's (羊山新区 has none)."""
    reg = regions()
    county = reg[reg["level"] == "county"].set_index(["province", "prefecture", "county"])["adcode"]
    prefecture = reg[reg["level"] == "prefecture"].set_index(["province", "prefecture"])["adcode"]
    keys = pd.MultiIndex.from_frame(households[["province", "prefecture", "county"]])
    code = county.reindex(keys).to_numpy(dtype=object)
    fallback = prefecture.reindex(keys.droplevel("county")).to_numpy(dtype=object)
    return np.where(pd.isna(code) | (code == ""), fallback, code).astype(str)


#: Above this many households ``evalkit demo-data`` writes chunk by chunk (:func:`stream_demo`).
STREAM_THRESHOLD = 250_000


def demo_data_command(
    out: str | Path = "data/demo", households: int = DEFAULT_HOUSEHOLDS, seed: int = DEFAULT_SEED
) -> int:
    """``evalkit demo-data``: generate, save, and print what was written with the SYNTHETIC label."""
    if households > STREAM_THRESHOLD:
        folder, rows = stream_demo(out, households, seed)
    else:
        panel = generate_panel(households=households, seed=seed)
        folder = save_demo(panel, out)
        rows = {"households": len(panel.households), "measures": len(panel.measures)}
    print(LABEL)
    print(
        f"写出 / wrote {folder}: {households:,} 户 households × {len(YEARS)} 年 years "
        f"= {rows['households']:,} 行 rows; {rows['measures']:,} 条帮扶措施 measure rows; seed {seed}"
    )
    for name in sorted(p.name for p in folder.iterdir()):
        print(f"  {folder / name}")
    return 0
