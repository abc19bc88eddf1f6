"""Demo generator parameters: the design (years, cohorts, block size) and the calibrated assumptions.

These are demo assumptions, not domain facts: per-capita year levels of the untreated income
components, shock and persistence parameters, household shares by region, and per measure
(:class:`MeasureParams`) the selection coefficients, effect sizes and dynamic profiles. They are
tuned so that the pooled aggregates hit the calibration targets of :mod:`evalkit.demo.generator`.
Changing any number changes the demo panel: bump ``GENERATOR_VERSION`` and the pinned
fingerprints (tests/test_demo_pinned.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

YEARS: tuple[int, ...] = (2020, 2021, 2022, 2023, 2024, 2025)
COHORTS: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025)
BLOCK_SIZE = 5_000

# ---------------------------------------------------------------------------------------------
# Generator parameters (demo assumptions, not domain facts).
# Per-capita year levels of the untreated components; tuned so the pooled aggregates (with the
# measure effects) hit the calibration targets in the module docstring.
#: W_t and O_t were 15.5% higher up to 1.4: 1.5 adds local earnings and per-dependant transfers (below),
#: so the levels came down to keep the 2020–2022 means.
WAGE_MONTHLY = np.array([1374.0, 1572.0, 1747.0, 1855.0, 1987.0, 2150.0])  # W_t, yuan per worker-month
NETOP_PC = np.array([1710.0, 1940.0, 2130.0, 2260.0, 2410.0, 2600.0])  # O_t, yuan per person
PENSION = np.array([1300.0, 1380.0, 1460.0, 1540.0, 1620.0, 1700.0])  # per elderly member per year
#: 兜底 support per person: 4,000–5,000 a year up to 1.4, 1.3 × that from 1.5 (issue 16; 520 yuan a
#: month in 2024, a demo assumption for 低保 plus the support 兜底 households get with it)
DIBAO_PC = np.array([5200.0, 5460.0, 5720.0, 5980.0, 6240.0, 6500.0])
#: 赡养/教育/医疗 and other transfers not itemised in the detail columns, per person, times
#: OTHER_TRANSFER_DEPENDANTS per dependant from 1.5 (below)
OTHER_TRANSFER_PC = 1250.0
FARM_ECO_PC = 330.0
PROPERTY_PC = 330.0
#: AR(1) coefficient and innovation sd of the household's transitory log income deviation. SIGMA
#: was 0.08 up to GENERATOR_VERSION 1.2, 0.067 in 1.3 (issue 13 moved part of the variance into
#: the local shocks below); 1.4 (issue 16, :data:`DYNAMICS_TARGETS`) lowers it to 0.03: a
#: monitoring system's yearly income is assembled by caseworkers from wages, transfers and
#: operating income, without the reporting noise that makes survey panels (CFPS, CHIP) show a
#: fall in a quarter to a third of rural households a year. The cross-section spread is kept
#: by :data:`PERMANENT_SD`.
RHO, SIGMA = 0.5, 0.035  # 1.5: 0.03 → 0.035 (income falls kept at 9–12% with the steadier incomes)
#: Local income shocks (GENERATOR_VERSION 1.3, issue 13): every demo region unit (county in 信阳
#: and 广西, township in 弥勒 and 上犹) has a log income shock per year, shared by all its
#: households' wage and operating income (harvests, local labour markets), AR(1) with
#: coefficient LOCAL_SHOCK_RHO and stationary sd LOCAL_SHOCK_SD (5 % of wage and operating
#: income, about 4 % of net income per person: the spread of county growth rates around a
#: province's in a normal year). Drawn per seed, the same for every block.
LOCAL_SHOCK_SD, LOCAL_SHOCK_RHO = 0.05, 0.5
#: Allocation correlated with location (GENERATOR_VERSION 1.3): every region unit shifts the
#: logit index of every measure by ``ALLOCATION_COMMON_SD · u + ALLOCATION_SD · v_m`` (u, v
#: standard normal, a unit that allocates much of everything plus measure-specific emphasis; the
#: share treated about kept) and tilts its rollout timing by ``TIMING_SD · w_m`` per cohort year (earlier or
#: later adopters). Fixed, seed-independent: part of the regional design, like the income levels.
#: With the local shocks above, the treated of a measure share their places' shocks, so effect
#: estimates carry the local uncertainty of real data (clustered SEs needed).
ALLOCATION_COMMON_SD, ALLOCATION_SD, TIMING_SD = 0.3, 0.5, 0.3
#: sd of a permanent household income component added to e (GENERATOR_VERSION 1.2): keeps the
#: cross-section spread of e of the old SIGMA = 0.17 (0.17² / (1 − ρ²) ≈ 0.08² / (1 − ρ²) + 0.17²)
#: while year-to-year changes are smaller (any fall in about one household in five, not 37%).
#: 1.4: 0.17 → 0.184, so 0.184² + 0.03² / (1 − ρ²) ≈ 0.17² + 0.067² / (1 − ρ²) (same spread).
PERMANENT_SD = 0.184
#: The lower tail of per-capita income (GENERATOR_VERSION 1.5, issue 16, target ``below_10000`` of
#: :data:`DYNAMICS_TARGETS`). Up to 1.4 about 19% of 广西 脱贫/监测 households were below 10,000
#: yuan in 2024, against about 8% of 新疆's 脱贫人口 in 2022 at a lower mean. The wide tail came
#: less from the income level draws than from the household's structure: labourers not in migrant
#: work earned nothing, and the transfers did not follow the dependants. 1.5:
#: * LOWER_TAIL_SCALE: the negative side of the household income level a_i and of the permanent
#:   component is scaled by 0.4 (re-centred; 1 is the symmetric normal of 1.4);
#: * LOCAL_WORK_MONTHS: a full labourer not in migrant work earns W_t for 8 months locally (零工,
#:   farm work, local jobs; a weak labourer half), part of ``wage``, not of migrant work;
#: * OTHER_TRANSFER_DEPENDANTS: the other transfers go per dependant (members minus labourers,
#:   weak ones counted half) times 3.0, not per person: 赡养, education and medical aid follow the
#:   children and the elderly.
LOWER_TAIL_SCALE = 0.4
LOCAL_WORK_MONTHS = 8.0
OTHER_TRANSFER_DEPENDANTS = 3.0
#: Yearly probability of a large household income shock (illness, accident, disaster: log income
#: lowered by 0.3–0.8, recovering at rate ρ). 0.04 up to 1.3; 1.4 (issue 16): 0.025, so per-capita
#: income falls by 30% or more in about 2.7% of 脱贫/监测 households a year (:data:`DYNAMICS_TARGETS`).
SHOCK_PROB = 0.025
#: Year-to-year persistence of work (issue 16, GENERATOR_VERSION 1.2). A labourer's work status is
#: a two-state Markov chain with the household's work probability p as stationary share: P(stay in
#: work) = λ + (1 − λ) p, P(start work) = (1 − λ) p. λ = 0 is the old independent yearly draw, which
#: made a one-worker household lose all its wage in about one year in six and flagged 37% of
#: households as "income fell" each year. Months worked follow an AR(1) around 9 months with sd
#: MONTHS_SD (was an independent yearly draw with sd 2). 1.4 (issue 16, :data:`DYNAMICS_TARGETS`):
#: λ 0.8 → 0.9 (a full labourer in work with p = 0.84 stops in 1.6% of years, not 3.2%: migrant
#: work of 脱贫劳动力 was kept stable by the 稳岗 policy, above 30 million a year nationally) and
#: MONTHS_SD 1.0 → 0.5.
WORK_PERSISTENCE = 0.9
MONTHS_RHO, MONTHS_SD = 0.8, 0.5
#: Calibration targets of the year-to-year dynamics (GENERATOR_VERSION 1.4, issue 16), checked
#: by tests/test_demo_dynamics.py on the 广西 households of a small demo (脱贫户 and 监测对象,
#: report years 2023–2025): name → (low, high, what it is and where the range comes from).
#: The levels (per-capita net income 12,550 / 14,342 in 2021 / 2022, wage share 67.9%, relocated
#: ≈ 80%) are the published figures of ``data/comparison_series.csv`` (tests/test_demo.py).
DYNAMICS_TARGETS: dict[str, tuple[float, float, str]] = {
    "income_fell": (
        0.08,
        0.15,
        "share whose per-capita net income is below last year's (广西 第33条 收入不增反降: the clause "
        "gives no minimum size, seed 004, so any fall flags). Demo assumption for a monitoring "
        "system's income (issue 16): below survey panels (CFPS / CHIP rural households: a fall in "
        "25–35% a year, much of it reporting noise), consistent with 脱贫人口 income growing 16.9% "
        "(2021) and 14.3% (2022) and 脱贫劳动力 in work varying under 5% a year (3,145 / 3,278 / "
        "3,294 / 3,305 万人 2021–2024, shared/reference/published_stats.csv)",
    ),
    "income_fell_30pct": (
        0.015,
        0.04,
        "share whose per-capita net income fell by 30% or more (large shocks: illness, accident, "
        "disaster, crop failure; the 返贫 risk the monitoring exists for). Demo assumption",
    ),
    "below_10000": (
        0.05,
        0.10,
        "share below 10,000 yuan per person in 2024 (广西 第26、33条 年人均收入低于1万元; checked in "
        "2024 only, the share falls as incomes grow: about 14% in 2023, 6% in 2025). The one "
        "published hint: 新疆's 脱贫人口 below 10,000 fell from 950,000 (2021) to 257,100 (2022), "
        "about 8% of its roughly 3 million 脱贫人口, at a mean of about 15,000 (Xinhua 2023-02-27, "
        "shared/reference/published_stats.csv); the demo's 广西 mean in 2024 is about 16,000",
    ),
    "flagged": (
        0.15,
        0.25,
        "share with any 广西 flag in 2024 (checked in 2024; about 29% in 2023, 19% in 2025, as the "
        "share below 10,000 falls). An official would expect 10–20%; the floor with the rules as "
        "written is about 17%, the union of 收入不增反降 (any fall, 8–15% above) and 年人均收入低于1万元 "
        "(5–10%). 收入增速缓慢 uses the stated reading of data/watchlist_rules.csv (growth below "
        "0.25 × the local rural growth, about 5%); with the old reading (1.0 × the local rural "
        "growth: a third of households by construction) the share was 55% with generator 1.4",
    ),
}
#: Share of labourers not in work who want work (有意愿未就业); was 0.5, 0.2 from 1.2, 0.05 from 1.5
#: (issue 16): about 2% of 广西 households flagged 有务工需求但未外出务工, not 9% (a demo assumption:
#: the 稳岗 policy kept 脱贫劳动力 in work at 3,145–3,305 万人 2021–2024).
SEEKING_WORK_PROB = 0.05
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
