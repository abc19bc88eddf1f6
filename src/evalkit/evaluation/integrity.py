"""Checks against "numbers-only" income gains (数字增收, 算账式增收, 账实不符).

All five plans warn against income raised on paper to reach a line (信阳 "坚决杜绝数字增收", 弥勒
"严防…搞数字增收、虚假增收", 江西 "坚决防止弄虚作假、预设标准、算账增收", 广西 "防止简单填数、
'算账式'增收, 防止出现'账实不符'"). :func:`integrity_checks` looks for the traces such
manipulation leaves in a region-year of the panel, for the region, each county and each village
(village key: county + township + village, names repeat across counties):

``bunching_10000`` / ``bunching_monitoring_line``
    Excess mass of households just above 10,000 yuan, or just above the province-year monitoring
    line, compared with a smooth density. Statistic and p-value: the local-polynomial density
    discontinuity test of Cattaneo, Jansson & Ma (2020, JASA; ``rddensity`` package, jackknife
    standard error), one-sided for more mass just above the line (p = 1 − Φ(T)). Excess count:
    the polynomial bunching estimator (Chetty, Friedman, Olsen & Pistaferri 2011, QJE): per-capita
    incomes binned in ``bin_width`` bins over ±20 bins around the line, a polynomial of degree 2
    fitted to the bin counts outside the window [line − 5 bins, line + 3 bins), excess = observed −
    fitted count in [line, line + 3 bins); a percentile bootstrap interval over households
    (``n_boot`` draws). Flag: p < ``alpha`` and excess ≥ ``min_excess`` households. Units with fewer
    than ``min_bunching_households`` households are not tested (``status`` says so).
``heaping``
    Share of reported positive amounts (wage, operating income, property, transfer) that are
    multiples of ``round_unit`` yuan, against the region's share: one-sided binomial test
    (scipy ``binom.sf``). Flag: p < ``alpha``, at least ``min_count`` round amounts and a share of
    at least ``min_share``.
``implausible_jumps``
    Households whose per-capita net income rose more than ``jump_factor``-fold since last year
    (previous income > 0) without any measure received this year (:func:`implausible_jumps`).
    Against the region's rate: one-sided binomial test; flag: p < ``alpha`` and ≥ ``min_count``.
``inconsistent_totals``
    Reported totals (``reported_net_income``, ``reported_net_income_pc``) differing from the
    components' sum by more than max(1 yuan, 0.5%). Any inconsistent household flags its unit.
    "not measurable" when the panel has no reported total.
``repeated_figures``
    The same five income figures (wage, operating income, operating expenses, property,
    transfer; wage or operating income positive) repeated across households of one village.
    Statistic: largest number of households sharing one set of figures; flag: ≥ ``min_repeat``.

Output (one row per check × unit): statistic (T for bunching; the unit's rate for heaping and
jumps; counts for totals and repeated figures), p_value, excess_count (bunching: excess households;
heaping and jumps: events above the region's rate, k − n·p₀), ci_low / ci_high (bunching
bootstrap), flagged, status ("ok" or why the unit was not measurable), detail.

False-alarm rates measured on clean simulated data (``simulate`` in tests/test_integrity.py:
100 villages of 400 households, log-normal per-capita incomes, amounts to the yuan, measures for
a random 40%), 5 seeds: bunching (α = 0.01, min_excess 5) flagged 2 of 1,000 village tests
(0.2%; 10,000 yuan and monitoring line, 0 of 10 county tests); heaping, implausible jumps
(α = 0.001, min_count 3) and repeated figures flagged 0 of 500 villages; inconsistent totals
flagged none of the 99 villages whose reported totals equal their components. With 100
households a village (the smallest unit tested by default), bunching flagged 0 of 592 village
tests (3 seeds × 2 lines; 8 had too few households near the line). On the (unmanipulated)
synthetic demo panel, 广西 2023: 1 of 222 county bunching tests flagged (天峨县, monitoring line).
The tests assert at most 2 of 100 villages for bunching and none for the other checks, and that
every planted manipulation is flagged.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from evalkit.core.column_uses import absent_for, not_computed
from evalkit.core.config import LINE_10000
from evalkit.core.errors import EvalkitError
from evalkit.core.registry import Region, get_region, region_mask

AMOUNT_COLUMNS = ("wage", "operating_income", "property", "transfer")
FIGURE_COLUMNS = ("wage", "operating_income", "operating_expenses", "property", "transfer")
VILLAGE_KEYS = ("county", "township", "village")
CHECK_LABELS = {
    "bunching_10000": ("1万元线上方聚集", "bunching just above 10,000 yuan"),
    "bunching_monitoring_line": ("监测线上方聚集", "bunching just above the monitoring line"),
    "heaping": ("整数金额堆积", "round-number heaping"),
    "implausible_jumps": ("无帮扶措施的收入异常跳升", "implausible jumps without a measure"),
    "inconsistent_totals": ("填报合计与分项不符", "reported totals inconsistent with components"),
    "repeated_figures": ("同村多户数字雷同", "identical figures repeated within a village"),
}
CHECKS = tuple(CHECK_LABELS)
COLUMNS = [
    "check",
    "check_label",
    "level",
    "unit",
    "county",
    "township",
    "village",
    "n_households",
    "statistic",
    "p_value",
    "excess_count",
    "ci_low",
    "ci_high",
    "flagged",
    "status",
    "detail",
]


# --- bunching ----------------------------------------------------------------------------------

#: Bins on each side of the line in the polynomial bunching estimator.
BINS_EACH_SIDE = 20


def polynomial_excess(
    income: np.ndarray,
    line: float,
    bin_width: float,
    degree: int = 2,
    bins_each_side: int = BINS_EACH_SIDE,
    below: int = 5,
    above: int = 3,
) -> float:
    """Excess households in [line, line + above·bin_width) over a polynomial fitted to the bin
    counts outside [line − below·bin_width, line + above·bin_width) (Chetty et al. 2011)."""
    counts = _bin_counts(income, line, bin_width, bins_each_side)
    return float(_excess_of_counts(counts[None, :], degree, below, above)[0])


def _bin_counts(income: np.ndarray, line: float, bin_width: float, bins_each_side: int = BINS_EACH_SIDE) -> np.ndarray:
    """Households in each of the ``2·bins_each_side`` bins of ``bin_width`` around ``line``."""
    return np.histogram(income, bins=line + bin_width * np.arange(-bins_each_side, bins_each_side + 1))[0]


def _excess_of_counts(counts: np.ndarray, degree: int = 2, below: int = 5, above: int = 3) -> np.ndarray:
    """:func:`polynomial_excess` of each row of ``counts`` (draws × 2·bins_each_side bin counts,
    centred on the line): one least-squares solve for all rows, as the fit's design (the bin
    centres) is the same for every row."""
    half = counts.shape[1] // 2
    offset = np.arange(-half, half)
    x = offset + 0.5  # bin centres in bin widths from the line
    excluded = (offset >= -below) & (offset < above)
    bunch = (offset >= 0) & (offset < above)
    coef, *_ = np.linalg.lstsq(np.vander(x[~excluded], degree + 1), counts[:, ~excluded].T.astype(float), rcond=None)
    fitted = np.vander(x[bunch], degree + 1) @ coef
    return counts[:, bunch].sum(axis=1) - fitted.sum(axis=0)


def _rddensity_function():
    """``rddensity.rddensity`` (the density test) without the package's ``__init__``, which also
    imports its plotting module (``rdplotdensity``: plotnine and lpdensity, ~3 CPU-s per report
    process for a function the test never calls). The package's own modules, loaded under a
    private package name so that an ``import rddensity`` elsewhere still gets the whole package."""
    import importlib.util
    import sys

    name = "_evalkit_rddensity"
    if name not in sys.modules:
        spec = importlib.util.find_spec("rddensity")
        if spec is None or not spec.submodule_search_locations:  # not a package: the usual import
            from rddensity import rddensity

            return rddensity
        package = importlib.util.module_from_spec(
            importlib.util.spec_from_loader(name, loader=None, is_package=True)  # type: ignore[arg-type]
        )
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules[name] = package
    return importlib.import_module(f"{name}.rddensity").rddensity


def bunching_test(income, line: float, bin_width: float | None = None, n_boot: int = 200, seed: int = 0) -> dict:
    """Density discontinuity at ``line`` (Cattaneo–Jansson–Ma via ``rddensity``) and the excess count.

    Returns statistic (T, jackknife), p_value (one-sided, excess above), excess_count, ci_low,
    ci_high (bootstrap percentile 95%), status ("ok" or why not measurable).
    """
    rddensity = _rddensity_function()
    x = np.asarray(income, dtype=float)
    x = x[np.isfinite(x)]
    bin_width = bin_width or line * 0.02
    out = {
        "statistic": np.nan,
        "p_value": np.nan,
        "excess_count": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "status": "ok",
    }
    near = np.abs(x - line) < 20 * bin_width
    if (x[near] < line).sum() < 10 or (x[near] >= line).sum() < 10:
        out["status"] = "too few households near the line"
        return out
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = rddensity(X=x, c=line)
        t = float(result.test["t_jk"])
    except Exception as exc:  # rddensity fails on degenerate samples (all mass points, no variance)
        out["status"] = f"density test failed: {type(exc).__name__}"
        return out
    out["statistic"] = t
    out["p_value"] = float(stats.norm.sf(t)) if np.isfinite(t) else np.nan
    counts = _bin_counts(x, line, bin_width)
    out["excess_count"] = float(_excess_of_counts(counts[None, :])[0])  # polynomial_excess of x
    if n_boot:
        # resampling households with replacement changes the excess only through the bin counts:
        # a bootstrap sample's counts are one multinomial draw of n over the bins (and the mass
        # outside the window), so the draws are made on the counts, all fitted at once
        shares = np.append(counts, len(x) - counts.sum()) / len(x)
        draws = np.random.default_rng(seed).multinomial(len(x), shares, size=n_boot)[:, :-1]
        out["ci_low"], out["ci_high"] = (float(v) for v in np.percentile(_excess_of_counts(draws), [2.5, 97.5]))
    return out


# --- units ---------------------------------------------------------------------------------------


def _unit_frames(rows: pd.DataFrame, region: Region):
    """(level, county, township, village, label, frame) for the region, each county and each village."""
    yield "region", "", "", "", region.name_zh, rows
    for county, frame in rows.groupby("county", sort=True):
        yield "county", county, "", "", county, frame
    keys = _village_keys(rows)
    if keys:
        for key, frame in rows.groupby(keys, sort=True, dropna=False):
            parts = dict(zip(keys, key, strict=False))
            label = "/".join(str(parts[k]) for k in keys if str(parts[k]))
            yield "village", parts["county"], parts.get("township", ""), parts["village"], label, frame


def _row(
    check: str, level: str, county: str, township: str, village: str, unit: str, n: int, lang: str, **values
) -> dict:
    base = {
        "check": check,
        "check_label": CHECK_LABELS[check][0 if lang == "zh" else 1],
        "level": level,
        "unit": unit,
        "county": county,
        "township": township,
        "village": village,
        "n_households": n,
        "statistic": np.nan,
        "p_value": np.nan,
        "excess_count": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "flagged": False,
        "status": "ok",
        "detail": "",
    }
    base.update(values)
    return base


def _village_keys(rows: pd.DataFrame) -> list[str]:
    """Columns that identify a village (county, township when present, village); empty when the
    data has no village column (``data/column_uses.csv``: no village-level units then)."""
    return [k for k in VILLAGE_KEYS if k in rows.columns] if "village" in rows.columns else []


def _unit_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Unit membership as columns (level keys) for the vectorised checks."""
    keys = [k for k in VILLAGE_KEYS if k in rows.columns]
    return rows[keys].fillna("")


def _binomial_by_unit(
    check: str,
    rows: pd.DataFrame,
    region: Region,
    events: pd.Series,
    trials: pd.Series,
    alpha: float,
    min_count: int,
    min_share: float,
    lang: str,
    what: str,
) -> list[dict]:
    """One-sided binomial test of each unit's event rate against the region's rate."""
    p0 = events.sum() / trials.sum() if trials.sum() else np.nan
    data = _unit_table(rows).assign(_e=events.to_numpy(), _n=trials.to_numpy(), _h=1)
    out = []
    levels = [("region", []), ("county", ["county"])]
    if _village_keys(data):
        levels.append(("village", _village_keys(data)))
    for level, keys in levels:
        sums = (
            data.groupby(keys, sort=True)[["_e", "_n", "_h"]].sum()
            if keys
            else data[["_e", "_n", "_h"]].sum().to_frame().T
        )
        k, n = sums["_e"].to_numpy(float), sums["_n"].to_numpy(float)
        share = np.divide(k, n, out=np.full_like(k, np.nan), where=n > 0)
        p = stats.binom.sf(k - 1, n, p0) if np.isfinite(p0) and p0 > 0 else np.where(k > 0, 0.0, 1.0)
        flagged = (p < alpha) & (k >= min_count) & (share >= min_share) if level != "region" else np.zeros(len(k), bool)
        for i, idx in enumerate(sums.index):
            parts = dict(zip(keys, idx if isinstance(idx, tuple) else (idx,), strict=False)) if keys else {}
            unit = region.name_zh if level == "region" else "/".join(str(parts[c]) for c in keys if str(parts[c]))
            out.append(
                _row(
                    check,
                    level,
                    parts.get("county", ""),
                    parts.get("township", ""),
                    parts.get("village", ""),
                    unit,
                    int(sums["_h"].iloc[i]),
                    lang,
                    statistic=share[i],
                    p_value=float(p[i]),
                    excess_count=k[i] - n[i] * p0 if np.isfinite(p0) else np.nan,
                    flagged=bool(flagged[i]),
                    detail=f"{int(k[i])}/{int(n[i])} {what}; region rate {p0:.4f}",
                )
            )
    return out


def implausible_jumps(panel, region: str | Region, year: int, jump_factor: float = 3.0) -> pd.DataFrame:
    """Households of ``region`` whose per-capita net income in ``year`` exceeds ``jump_factor`` ×
    last year's (last year's > 0) and who received no measure in ``year``: household_id, county,
    township, village, net_income_pc_prev, net_income_pc, ratio. Pseudonymised ids only."""
    region = get_region(region) if isinstance(region, str) else region
    hh = panel.households.loc[region_mask(panel.households, region)]
    rows, prev = _jump_frames(hh, int(year), panel.measures, jump_factor)
    return (
        rows.loc[rows["_jump"], ["household_id", *[k for k in VILLAGE_KEYS if k in rows], "net_income_pc"]]
        .assign(
            net_income_pc_prev=lambda d: d["household_id"].map(prev),
            ratio=lambda d: d["net_income_pc"] / d["net_income_pc_prev"],
        )
        .reset_index(drop=True)
    )


def _jump_frames(hh: pd.DataFrame, year: int, measures: pd.DataFrame, jump_factor: float):
    rows = hh[hh["year"] == year]
    prev = hh[hh["year"] == year - 1].set_index("household_id")["net_income_pc"]
    before = rows["household_id"].map(prev)
    received = rows["household_id"].isin(measures.loc[measures["year"] == year, "household_id"])
    comparable = before > 0
    rows = rows.assign(
        _comparable=comparable, _jump=comparable & (rows["net_income_pc"] > jump_factor * before) & ~received
    )
    return rows, prev


def _inconsistent(rows: pd.DataFrame) -> pd.Series | None:
    checks = []
    if "reported_net_income" in rows.columns:
        checks.append((rows["reported_net_income"], rows["net_income"]))
    if "reported_net_income_pc" in rows.columns:
        checks.append((rows["reported_net_income_pc"], rows["net_income_pc"]))
    if not checks:
        return None
    bad = pd.Series(False, index=rows.index)
    for reported, computed in checks:
        tolerance = np.maximum(1.0, 0.005 * computed.abs())
        bad |= reported.notna() & ((reported - computed).abs() > tolerance)
    return bad


def _repeated(rows: pd.DataFrame, region: Region, min_repeat: int, lang: str) -> list[dict]:
    keys = _village_keys(rows)
    if not keys:
        missing = absent_for("integrity_village", rows.columns)
        status = not_computed("integrity_village", missing, lang)
        return [_row("repeated_figures", "region", "", "", "", region.name_zh, len(rows), lang, status=status)]
    active = rows[(rows["wage"] > 0) | (rows["operating_income"] > 0)]
    sizes = active.groupby([*keys, *FIGURE_COLUMNS], sort=False, dropna=False).size().rename("n").reset_index()
    per_village = sizes.groupby(keys, sort=True)["n"].max()
    households = rows.groupby(keys, sort=True).size()
    per_village = per_village.reindex(households.index, fill_value=0)
    flagged_v = per_village >= min_repeat
    out = [
        _row(
            "repeated_figures",
            "region",
            "",
            "",
            "",
            region.name_zh,
            len(rows),
            lang,
            statistic=float(per_village.max() if len(per_village) else 0),
            flagged=False,
            detail=f"{int(flagged_v.sum())} villages with ≥ {min_repeat} identical households",
        )
    ]
    county = pd.DataFrame({"max": per_village, "flag": flagged_v, "n": households}).groupby(level="county")
    for county_name, grp in county:
        name = str(county_name)
        out.append(
            _row(
                "repeated_figures",
                "county",
                name,
                "",
                "",
                name,
                int(grp["n"].sum()),
                lang,
                statistic=float(grp["max"].max()),
                flagged=bool(grp["flag"].any()),
                detail=f"{int(grp['flag'].sum())} villages with ≥ {min_repeat} identical households",
            )
        )
    village_households = households.to_dict()
    for idx, n in per_village.items():
        parts = dict(zip(keys, idx if isinstance(idx, tuple) else (idx,), strict=False))
        out.append(
            _row(
                "repeated_figures",
                "village",
                parts["county"],
                parts.get("township", ""),
                parts["village"],
                "/".join(str(parts[k]) for k in keys if str(parts[k])),
                int(village_households[idx]),
                lang,
                statistic=float(n),
                flagged=bool(n >= min_repeat),
                detail=f"largest group of households with identical figures: {int(n)}",
            )
        )
    return out


def integrity_checks(
    panel,
    region: str | Region,
    year: int,
    *,
    alpha: float = 0.01,
    min_excess: float = 5,
    min_bunching_households: int = 100,
    bin_width: float | None = None,
    n_boot: int = 200,
    round_unit: int = 1000,
    min_share: float = 0.3,
    jump_factor: float = 3.0,
    jump_alpha: float = 0.001,
    min_count: int = 3,
    min_repeat: int = 3,
    checks=CHECKS,
    lang: str = "zh",
) -> pd.DataFrame:
    """Run the integrity ``checks`` (default all of :data:`CHECKS`) on ``region`` in ``year``: one row per
    check × unit (region, counties, villages); columns :data:`COLUMNS`. See the module docstring for each method, its
    flag rule and its measured false-alarm rate. Rows with ``status`` other than "ok" were not
    measurable (and are never flagged).

    Parameters
    ----------
    panel : Panel
    region : str or Region
    year : int
    alpha : float, default 0.01
        Significance level of the bunching, heaping and repeated-figure flags.
    min_excess : float, default 5
        Bunching: excess households needed for a flag.
    min_bunching_households : int, default 100
        Units smaller than this are not tested for bunching.
    bin_width : float, optional
        Bunching bin width in yuan (default from the line).
    n_boot : int, default 200
        Bootstrap draws of the bunching test.
    round_unit : int, default 1000
        Heaping: an amount is round when it is a multiple of this.
    min_share : float, default 0.3
        Heaping: share of round amounts needed for a flag.
    jump_factor : float, default 3.0
        Implausible jumps: fold increase of income without a measure.
    jump_alpha : float, default 0.001
        Significance level of the jump test.
    min_count : int, default 3
        Events needed for a heaping or jump flag.
    min_repeat : int, default 3
        Households sharing one set of figures needed for a flag.
    checks : sequence of str, default all of :data:`CHECKS`
    lang : {"zh", "en"}, default "zh"

    Returns
    -------
    pandas.DataFrame
        One row per check × unit, columns :data:`COLUMNS`.

    Raises
    ------
    EvalkitError
        ``E-INTEGRITY-CHECK-UNKNOWN`` for an unknown check.
    """
    region = get_region(region) if isinstance(region, str) else region
    year = int(year)
    unknown = set(checks) - set(CHECKS)
    if unknown:
        raise EvalkitError(
            f"未知核查 {sorted(unknown)} / unknown checks {sorted(unknown)} (known: {', '.join(CHECKS)})",
            code="E-INTEGRITY-CHECK-UNKNOWN",
        )
    hh = panel.households.loc[region_mask(panel.households, region)]
    rows = hh[hh["year"] == year]
    if len(rows) == 0:
        raise EvalkitError(f"{region.name_zh} {year} 年没有数据 / no data for {region.name_en} in {year}")
    out: list[dict] = []
    from evalkit.core.comparison import monitoring_line

    provincial = {p: monitoring_line(p, year, include_synthetic=panel.synthetic) for p in rows["province"].unique()}
    lines = {
        "bunching_10000": pd.Series(float(LINE_10000), index=rows.index),
        "bunching_monitoring_line": rows["province"].map(provincial).astype(float),
    }
    for check, line in lines.items():
        if check not in checks:
            continue
        for level, county, township, village, label, frame in _unit_frames(rows, region):
            n = len(frame)
            unit = (level, county, township, village, label, n, lang)  # the leading fields of _row
            z = line.loc[frame.index]
            if z.isna().any() or z.nunique() != 1:
                status = "missing monitoring line" if z.isna().any() else "several lines in one unit"
                out.append(_row(check, *unit, status=status))
                continue
            if n < min_bunching_households:
                if level != "village":
                    out.append(_row(check, *unit, status=f"fewer than {min_bunching_households} households"))
                continue
            res = bunching_test(frame["net_income_pc"], float(z.iloc[0]), bin_width, n_boot=n_boot)
            flagged = res["status"] == "ok" and res["p_value"] < alpha and res["excess_count"] >= min_excess
            out.append(_row(check, *unit, flagged=bool(flagged), detail=f"line {float(z.iloc[0]):.0f}", **res))
    if "heaping" in checks:
        out += _heaping(rows, region, round_unit, alpha, min_count, min_share, lang)
    if "implausible_jumps" in checks:
        out += _jumps(hh, rows, region, panel.measures, year, jump_factor, jump_alpha, min_count, lang)
    if "inconsistent_totals" in checks:
        out += _totals(rows, region, lang)
    if "repeated_figures" in checks:
        out += _repeated(rows, region, min_repeat, lang)
    return pd.DataFrame(out, columns=COLUMNS)


def _heaping(rows, region, round_unit, alpha, min_count, min_share, lang) -> list[dict]:
    amounts = rows[list(AMOUNT_COLUMNS)]
    positive = amounts > 0
    round_ = positive & (amounts % round_unit == 0)
    return _binomial_by_unit(
        "heaping",
        rows,
        region,
        round_.sum(axis=1),
        positive.sum(axis=1),
        alpha,
        min_count,
        min_share,
        lang,
        f"amounts multiple of {round_unit}",
    )


def _jumps(hh, rows, region, measures, year, jump_factor, jump_alpha, min_count, lang) -> list[dict]:
    jumps, _ = _jump_frames(hh, year, measures, jump_factor)
    if jumps["_comparable"].any():
        return _binomial_by_unit(
            "implausible_jumps",
            jumps,
            region,
            jumps["_jump"].astype(int),
            jumps["_comparable"].astype(int),
            jump_alpha,
            min_count,
            0.0,
            lang,
            f"households up > {jump_factor:g}× without a measure",
        )
    return [
        _row(
            "implausible_jumps",
            "region",
            "",
            "",
            "",
            region.name_zh,
            len(rows),
            lang,
            status=f"no panel data for {year - 1}",
        )
    ]


def _totals(rows, region, lang) -> list[dict]:
    bad = _inconsistent(rows)
    if bad is None:
        return [
            _row(
                "inconsistent_totals",
                "region",
                "",
                "",
                "",
                region.name_zh,
                len(rows),
                lang,
                status="no reported totals in the panel",
            )
        ]
    out = []
    for level, county, township, village, label, frame in _unit_frames(rows, region):
        k = int(bad.loc[frame.index].sum())
        out.append(
            _row(
                "inconsistent_totals",
                level,
                county,
                township,
                village,
                label,
                len(frame),
                lang,
                statistic=float(k),
                excess_count=float(k),
                flagged=k > 0,
                detail=f"{k} households with reported totals ≠ components",
            )
        )
    return out
