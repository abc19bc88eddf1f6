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

Year-to-year dynamics (GENERATOR_VERSION 1.2, issue 16; 1.4 went further, below), calibrated so
the watch-list and the identification checks look like a monitoring system's, not like noise: per-capita net income
falls in about 20% of 脱贫/监测 households a year (was 37%), falls by 30% or more in about 4.5%
(was 13%); 返贫 crossings of the monitoring line about 2% of households a year (was 5%); about 9%
of households have a labourer wanting work without a job (was 20%). Work status and months worked
are persistent (``calibration.WORK_PERSISTENCE``, ``MONTHS_RHO``) and part of the income spread is
permanent (``PERMANENT_SD``), keeping the cross-section spread and the calibration above. The
广西 watch-list still flags about 57% of 广西 households: its rules are broad (per-capita income
below 10,000 flags 20%, growth below the local rural growth another quarter).

Local shocks and allocation by place (GENERATOR_VERSION 1.3, issue 13). Real monitoring data has
income shocks shared by the households of a place and measures allocated more heavily in some
places, so households are not independent and effect estimates need clustered standard errors.
Every region unit ``c`` of the demo (county in 信阳 and 广西, township in 弥勒 and 上犹) has a
log income shock ``s_ct`` per year (AR(1), ρ = 0.5, stationary sd 0.05 of wage and operating
income, ``calibration.LOCAL_SHOCK_SD``; drawn per seed) and, per measure, a fixed shift of the
assignment index and a tilt of the rollout timing (``calibration.ALLOCATION_SD``, ``TIMING_SD``),
so the treated of a measure concentrate in some places and share their shocks. The household
noise σ was lowered (0.08 → 0.067) so the year-to-year income changes and the cross-section
spread stay as calibrated.

Transitory noise of a monitoring system (GENERATOR_VERSION 1.4, issue 16). The rule 收入不增反降
(广西 第33条) flags any fall, the clause giving no minimum size, so the share of households whose
income falls is set by the generator, not by a threshold. 1.3 let per-capita net income fall in
20–22% of 广西 脱贫/监测 households a year (survey-panel volatility: CFPS / CHIP show 25–35%); 1.4
cuts the household transitory noise (σ 0.067 → 0.03, the permanent component 0.17 → 0.184 keeping
the cross-section spread), months worked (sd 1.0 → 0.5), job loss (work persistence 0.8 → 0.9)
and large shocks (4% → 2.5% a year), to the targets of ``calibration.DYNAMICS_TARGETS`` (with
their sources): income falls in 8–15% of households a year (11–13% in 广西 2023–2025), by 30% or
more in 1.5–4% (2.7%). The 广西 watch-list still flags 54–61% (56% in 2024 with 1.3, 55% with
1.4): 年人均收入低于1万元 (levels, 19% in 2024) and 收入增速缓慢 (growth below the local rural
growth, a third) are what the rules as written give; smaller noise moves households from
"fell" to "slow" (``DYNAMICS_TARGETS["flagged"]`` explains).

A plausible watch-list (GENERATOR_VERSION 1.5, issue 16). Up to 1.4, 19% of 广西 households were
below 10,000 yuan in 2024 (新疆 2022: about 8% of 脱贫人口) because labourers not in migrant work
earned nothing and transfers ignored dependants. 1.5 gives labourers not in migrant work local
earnings (``calibration.LOCAL_WORK_MONTHS``), pays the other transfers per dependant
(``OTHER_TRANSFER_DEPENDANTS``), raises 兜底 support by 30%, narrows the negative side of the
household level (``LOWER_TAIL_SCALE``) and lowers the wage and operating levels to keep the
published means; fewer labourers not in work seek work (``SEEKING_WORK_PROB`` 0.2 → 0.05). With
evalkit's stated reading of 收入增速缓慢 (``data/watchlist_rules.csv``: growth below 0.25 × the
local rural growth) the 广西 watch-list flags about 22% of households in 2024 (55% with 1.4 and the
old reading): below 10,000 9%, income fell 10%, slow growth 4% (``DYNAMICS_TARGETS``).

Income model (household totals, yuan; ``t`` = year, ``i`` = household, ``c(i)`` its region unit)::

    e_it     = ρ e_i,t-1 + σ η_it + shock_it + s_c(i),t     (AR(1) log deviation; shocks decay: recovery)
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
``P(G=g | X, c) ∝ w_g · exp(α_m + β_m·X + δ_cm + λ_cm·(k_g − 2))``, ``P(never) ∝ 1``, independently
across measures given ``X`` and the household's region unit ``c`` (``δ``, ``λ``: the place's
allocation shift and timing tilt, above), where the covariates ``X`` are all observed in the panel:

* ``z_income = log(max(net_income_pc in 2020, 1000) / 10000)`` (2020 is before every cohort),
* ``labour = labour_full + labour_weak / 2``, ``doudi``, ``relocated``, ``household_size``,
* ``has_operating = operating_income in 2020 > 0``, and the province.

So ``G_m`` is independent of the potential outcomes given ``X`` and the place, and the places'
shocks are drawn independently of their allocation: parallel trends hold conditional on these
covariates in expectation over the local shocks (a logit propensity score in ``X`` and
region-unit indicators is exact; one in ``X`` alone is not, but the allocation shift is
independent of the untreated trends). In one sample the treated's places had their own shocks,
which is the uncertainty that clustering by place measures. They do
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
(:func:`stream_demo`: one chunk in memory, about 1.5 GB, ~80 s of CPU).

Modules: :mod:`evalkit.demo.calibration` (the parameters), :mod:`evalkit.demo.simulation` (one
block, phase by phase), :mod:`evalkit.demo.exports` (export files); this module assembles,
saves and loads the panel and re-exports their public names.

Files: :func:`save_demo` writes the panel folder plus ``true_effects.csv`` and a ``README.txt``
stating the data is synthetic; :func:`write_export` writes a Chinese-header GBK CSV / XLSX
export with fake 户主姓名 / 身份证号码 / 联系电话 and a long measures file, to exercise ingest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from evalkit.core.config import DEFAULT_SEED, demo_dir
from evalkit.core.errors import EvalkitError
from evalkit.core.panel import Panel, load_panel, save_panel
from evalkit.demo.calibration import (  # re-exported: part of this module's API
    BLOCK_SIZE,
    COHORT_WEIGHTS,
    DIBAO_PC,
    FARM_ECO_PC,
    GROUP_SHARES,
    LABOUR_GROUPS,
    MEASURE_PARAMS,
    NETOP_PC,
    OTHER_TRANSFER_PC,
    PENSION,
    PROPERTY_PC,
    PROVINCE_LEVEL,
    SHOCK_PROB,
    WAGE_MONTHLY,
    XINYANG_WEIGHTS,
    YEARS,
)
from evalkit.demo.exports import GIVEN, ID_WEIGHTS, SURNAMES, SYNTHETIC_ID_SEQUENCE, write_export
from evalkit.demo.simulation import simulate_block

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
    "write_demo",
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
#: predate output changes made without a bump, so they are regenerated once). 1.2 (issue 16):
#: persistent work and months, smaller transitory income noise (see the module docstring). 1.3
#: (issue 13): local (county / township) income shocks and allocation that varies by place. 1.4
#: (issue 16): a monitoring system's smaller transitory noise (``calibration.DYNAMICS_TARGETS``).
#: 1.5 (issue 16): a narrower lower tail (local earnings, transfers per dependant, 兜底 1.3×, a
#: skewed household level) and fewer labourers seeking work: plausible 广西 watch-list shares.
GENERATOR_VERSION = "1.5"
LABEL = "SYNTHETIC DEMO DATA — 合成演示数据, 非真实统计"
DEFAULT_HOUSEHOLDS = 30_000
TRUE_EFFECTS_FILE = "true_effects.csv"
TRUE_EFFECT_COLUMNS = ["measure", "component", "cohort", "year", "n_treated", "att_household", "att_per_capita"]


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
            f"户数必须为正整数, 收到 {households} / households must be a positive integer, got {households}",
            code="E-DEMO-HOUSEHOLDS",
        )
    if chunk_size < BLOCK_SIZE or chunk_size % BLOCK_SIZE:
        raise EvalkitError(
            f"chunk_size 必须是 {BLOCK_SIZE} 的正整数倍, 收到 {chunk_size} / "
            f"chunk_size must be a positive multiple of {BLOCK_SIZE}, got {chunk_size}",
            code="E-DEMO-CHUNK-SIZE",
        )


def _iter_blocks(households: int, seed: int, chunk_size: int, effects: bool, detail: bool = False):
    _check_size(households, chunk_size)
    per_chunk = chunk_size // BLOCK_SIZE
    n_blocks = -(-households // BLOCK_SIZE)
    for first in range(0, n_blocks, per_chunk):
        parts = [
            simulate_block(seed, k, min(BLOCK_SIZE, households - k * BLOCK_SIZE), effects, detail)
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

    Parameters
    ----------
    households : int, default :data:`DEFAULT_HOUSEHOLDS`
        Number of synthetic households (a positive integer).
    seed : int, default :data:`evalkit.core.config.DEFAULT_SEED`
        Random seed; the panel is a deterministic function of ``households`` and ``seed``.
    effects : bool, default True
        Apply the measures' effects on income (False: the same households without them).
    chunk_size : int, default 100000
        Households generated at a time (a positive multiple of :data:`BLOCK_SIZE`); the panel
        does not depend on it, only the peak memory does.

    Returns
    -------
    Panel
        ``households`` (one row per household × year, the canonical columns), ``measures``
        (household_id, year, measure, amount) and ``meta`` (``synthetic: True``, seed, household
        count, generator version, true effects).

    Raises
    ------
    EvalkitError
        ``E-DEMO-HOUSEHOLDS`` when ``households`` < 1, ``E-DEMO-CHUNK-SIZE`` when ``chunk_size``
        is not a positive multiple of :data:`BLOCK_SIZE`.
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
            "该面板不是带真实效应的合成演示面板 / this panel is not a synthetic demo panel with true effects",
            code="E-DEMO-NOT-SYNTHETIC",
        )
    if not by:
        return pd.DataFrame(panel.meta["true_effects"])[TRUE_EFFECT_COLUMNS]
    if not panel.meta.get("effects_applied", True):
        raise EvalkitError("该面板未施加效应 / effects were switched off for this panel", code="E-DEMO-NO-EFFECTS")
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

    Parameters
    ----------
    folder : str or Path, optional
        The demo folder (default :func:`evalkit.core.config.demo_dir`, i.e. ``EVALKIT_DEMO_DIR``
        or ``data/demo`` of the project).
    households : int, default :data:`DEFAULT_HOUSEHOLDS`
        Number of synthetic households.
    seed : int, default :data:`evalkit.core.config.DEFAULT_SEED`
        Random seed.

    Returns
    -------
    Panel
        The SYNTHETIC demo panel of :func:`generate_panel` (``panel.synthetic`` is True), read
        from ``folder`` or generated and saved there.
    """
    folder = Path(folder) if folder is not None else demo_dir()
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


#: Above this many households ``evalkit demo-data`` writes chunk by chunk (:func:`stream_demo`).
STREAM_THRESHOLD = 250_000


def write_demo(
    out: str | Path | None = None, households: int = DEFAULT_HOUSEHOLDS, seed: int = DEFAULT_SEED
) -> tuple[Path, dict[str, int]]:
    """Generate and save the demo panel (``evalkit demo-data``; default folder
    :func:`evalkit.core.config.demo_dir`; above :data:`STREAM_THRESHOLD` households streamed in
    blocks, :func:`stream_demo`).

    Parameters
    ----------
    out : str or Path, optional
        The folder (default :func:`evalkit.core.config.demo_dir`).
    households : int, default :data:`DEFAULT_HOUSEHOLDS`
    seed : int, default :data:`evalkit.core.config.DEFAULT_SEED`

    Returns
    -------
    folder : Path
        The folder written.
    rows : dict
        Rows written: ``households`` (household-years) and ``measures``.
    """
    out = demo_dir() if out is None else out
    if households > STREAM_THRESHOLD:
        return stream_demo(out, households, seed)
    panel = generate_panel(households=households, seed=seed)
    folder = save_demo(panel, out)
    return folder, {"households": len(panel.households), "measures": len(panel.measures)}
