"""The watch-list over time (台账): who entered, stayed on and left each list, and a ranked list.

The plans ask for follow-up, not a list recomputed from scratch each year (广西 第26条 建立专门台账;
江西 第一条 台账式管理, 直至风险消除). :func:`watchlist_flows` compares the watch-list of ``year``
with that of ``year − 1`` (same rules, :func:`evalkit.evaluation.watchlist.watchlist`), flag by
flag: households newly flagged (flagged now, not last year), still flagged (both years) and no
longer flagged (last year, not now, still in the panel), with the mean change of their per-capita
net income between the two years. Households no longer in the panel are counted apart
(``n_left_panel``).

:func:`ranked_watchlist` is the caseworker list of ``year``: flagged households ranked by their
shortfall to the 10,000-yuan line (largest first), then by income, with whether each is new or
still on the list. Pseudonymised ids only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.core.registry import Region, get_region, region_mask
from evalkit.evaluation.watchlist import LINE, watchlist, watchlist_rules


def _pc_by_year(panel, region: Region, years) -> pd.DataFrame:
    hh = panel.households.loc[region_mask(panel.households, region)]
    hh = hh[hh["year"].isin(years)]
    return hh.pivot_table(index="household_id", columns="year", values="net_income_pc", aggfunc="first")


def watchlist_flows(
    panel,
    region: Region | str,
    year: int,
    lang: str = "zh",
    now: pd.DataFrame | None = None,
    before: pd.DataFrame | None = None,
    **watch_options,
) -> pd.DataFrame:
    """Per flag (and ``any_flag``): n_new, n_still, n_left (and n_left_panel), the flagged counts
    of both years, and change_new / change_still / change_left — mean per-capita net income change
    (yuan, this year − last year) of each group. Flags in the order of ``data/watchlist_rules.csv``.
    ``now`` / ``before``: the watch-lists of ``year`` and ``year − 1`` when already computed;
    ``watch_options`` (rules, slow_growth_pct) go to :func:`evalkit.evaluation.watchlist.watchlist`."""
    region = get_region(region) if isinstance(region, str) else region
    year = int(year)
    now = watchlist(panel, region, year, **watch_options) if now is None else now
    before = watchlist(panel, region, year - 1, **watch_options) if before is None else before
    pc = _pc_by_year(panel, region, [year - 1, year])
    change = (pc[year] - pc[year - 1]) if {year - 1, year} <= set(pc.columns) else pd.Series(dtype=float)
    present_now = set(pc.index[pc[year].notna()]) if year in pc.columns else set()
    meta = watchlist_rules().set_index("flag")
    flags = [f for f in meta.index if f in now.columns or f in before.columns]
    rows = []
    for flag in [*flags, "any_flag"]:

        def ids(table: pd.DataFrame, flag=flag) -> set:
            if flag == "any_flag":
                return set(table["household_id"])
            return set(table.loc[table[flag], "household_id"]) if flag in table.columns else set()

        a, b = ids(before), ids(now)
        groups = {"new": b - a, "still": a & b, "left": (a - b) & present_now}
        row = {
            "flag": flag,
            "label": t_label(flag, meta, lang),
            "n_before": len(a),
            "n_now": len(b),
            "n_left_panel": len(a - present_now),
        }
        for name, members in groups.items():
            row[f"n_{name}"] = len(members)
            row[f"change_{name}"] = float(change.reindex(sorted(members)).mean()) if members else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def t_label(flag: str, meta: pd.DataFrame, lang: str) -> str:
    """Label of a watch-list flag (or of ``any_flag``) in ``lang``."""
    if flag == "any_flag":
        return "任一预警" if lang == "zh" else "any flag"
    return str(meta.loc[flag, "label_zh" if lang == "zh" else "label_en"])


def ranked_watchlist(
    panel,
    region: Region | str,
    year: int,
    now: pd.DataFrame | None = None,
    before: pd.DataFrame | None = None,
    **watch_options,
) -> pd.DataFrame:
    """The watch-list of ``year`` ranked for caseworkers: rank, shortfall_to_line (10,000 − per-capita
    income, 0 when above), on_list_last_year, then the watch-list columns (pseudonymised ids only)."""
    region = get_region(region) if isinstance(region, str) else region
    now = watchlist(panel, region, int(year), **watch_options) if now is None else now
    before = watchlist(panel, region, int(year) - 1, **watch_options) if before is None else before
    out = now.assign(
        shortfall_to_line=(LINE - now["net_income_pc"]).clip(lower=0),
        on_list_last_year=now["household_id"].isin(before["household_id"]),
    )
    out = out.sort_values(["shortfall_to_line", "net_income_pc", "household_id"], ascending=[False, True, True])
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)


#: the caseworker lists ``evalkit lists`` writes, by file stem
CASEWORKER_LISTS = ("identification", "unmatched_support", "watchlist_ranked")


def caseworker_lists(panel, region: Region | str, year: int) -> dict[str, pd.DataFrame]:
    """The three caseworker lists of issue 16 (pseudonymised ids only): identification checks
    (:func:`evalkit.evaluation.identification.identification_list`), households whose support does
    not match the rules (:func:`evalkit.evaluation.coverage.unmatched_list`) and the ranked
    watch-list (:func:`ranked_watchlist`; flags of ``year`` alone when ``year − 1`` is not in the data)."""
    from evalkit.evaluation.coverage import region_support_match, unmatched_list
    from evalkit.evaluation.identification import identification_flags, identification_list
    from evalkit.evaluation.watchlist import EXPORT_COLUMNS

    region = get_region(region) if isinstance(region, str) else region
    year = int(year)
    now = watchlist(panel, region, year)
    has_before = (panel.households["year"] == year - 1).any()
    before = watchlist(panel, region, year - 1) if has_before else now.iloc[0:0]
    ranked = ranked_watchlist(panel, region, year, now=now, before=before)
    keep = ["rank", "shortfall_to_line", "on_list_last_year", "year", *EXPORT_COLUMNS]
    return {
        "identification": identification_list(identification_flags(panel, region, year)),
        "unmatched_support": unmatched_list(region_support_match(panel, region, year)),
        "watchlist_ranked": ranked[[c for c in keep if c in ranked.columns]],
    }
