"""Non-finite incomes that reach the report layer (issue 18, item 3): ingest rejects ``inf`` and
``nan``, but a panel written by an older version, edited by hand or holding a derived ratio that
divided by zero may still hold them. The report leaves those household-years out of every figure,
says so, and never prints ``inf`` or ``nan``: the key numbers of the years concerned show
无数据 / n/a with the reason, the results JSON holds null with the reason, and the report is
written (``evalkit report`` exits 0: "0 when written")."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from test_disclosure_reports import render, results_of, tables

from evalkit.core.panel import load_panel, save_panel
from evalkit.demo import generate_panel
from evalkit.io.load import NON_FINITE, load_report_panel, without_non_finite
from evalkit.reporting import summary
from evalkit.reporting.files import results_json
from evalkit.reporting.labels import t

NON_FINITE_TEXT = re.compile(r"(?i)(?<![a-z])(-?inf(inity)?|nan)(?![a-z])")


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """A small demo panel with one 弥勒市 household's 2025 wage ``inf`` (its sums too) and another's
    2024 per-capita income ``nan``; returns (folder, the two household-years)."""
    folder = tmp_path_factory.mktemp("clean")
    save_panel(generate_panel(households=1500), folder)
    panel = load_panel(folder)
    h = panel.households
    mile = h[h["county"] == "弥勒市"]
    a = mile.index[mile["year"] == 2025][0]
    b = mile.index[(mile["year"] == 2024) & (mile["household_id"] != h.loc[a, "household_id"])][0]
    h.loc[a, ["wage", "net_income", "net_income_pc"]] = np.inf
    h.loc[b, "net_income_pc"] = np.nan
    out = tmp_path_factory.mktemp("broken")
    save_panel(panel, out)
    return out, {(h.loc[a, "household_id"], 2025), (h.loc[b, "household_id"], 2024)}


def test_the_report_panel_leaves_out_non_finite_household_years_and_counts_them(broken):
    folder, bad = broken
    panel = load_report_panel(folder, "mile", 2025)
    assert panel.meta[NON_FINITE] == {2024: 1, 2025: 1}
    kept = set(zip(panel.households["household_id"], panel.households["year"], strict=True))
    assert not (bad & kept)
    values = panel.households[["wage", "net_income", "net_income_pc"]].to_numpy(dtype=float)
    assert np.isfinite(values).all()
    clean = load_report_panel(folder, "shangyou", 2025)  # another region's rows: nothing left out
    assert NON_FINITE not in clean.meta
    assert without_non_finite(clean) is clean


def test_key_numbers_of_the_years_concerned_are_unavailable_with_the_reason():
    numbers = pd.DataFrame(
        {
            "key": ["n_households", "net_income_pc", "growth_prev", "growth_base", "rural_income"],
            "value": [120.0, 15000.0, 0.05, 0.2, 21000.0],
            "reason": "",
        }
    )

    class P:
        meta = {NON_FINITE: {2024: 3}}

    prev = summary.unusable_key_numbers(numbers, P(), 2025, base=2023)  # the previous year lost rows
    assert prev.set_index("key")["value"].isna().to_dict() == {
        "n_households": False,
        "net_income_pc": False,
        "growth_prev": True,
        "growth_base": False,
        "rural_income": False,
    }
    assert prev.loc[prev["key"] == "growth_prev", "reason"].item() == "income_not_finite"
    same = summary.unusable_key_numbers(numbers, P(), 2024, base=2023)
    assert same.set_index("key")["value"].isna().tolist() == [True, True, True, True, False]
    base = summary.unusable_key_numbers(numbers, P(), 2026, base=2024)
    assert base.set_index("key")["value"].isna().tolist() == [False, False, False, True, False]
    P.meta = {}
    assert summary.unusable_key_numbers(numbers, P(), 2024) is numbers


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_report_on_non_finite_incomes_never_prints_inf_or_nan(broken, lang, monkeypatch):
    folder, _ = broken
    markup = render("mile", 2025, folder, lang, monkeypatch)
    text = re.sub(r"<[^>]+>", " ", re.sub(r"(?s)<style>.*?</style>", "", markup))
    found = [text[max(0, m.start() - 80) : m.end() + 20] for m in NON_FINITE_TEXT.finditer(text)]
    assert not found, found
    assert t("non_finite_note", lang).split("{")[0] in markup  # the notice says what was left out
    head, rows = tables(markup)[0]  # key numbers: indicator, population, value, ...
    shown = {r[0]: r[2] for r in rows}
    missing = "无数据" if lang == "zh" else "n/a"
    for key in ("net_income_pc", "growth_prev"):  # 无数据 (the reason)
        assert shown[t(key, lang)] == f"{missing} ({t('income_not_finite', lang)})", (key, shown)
    results = results_of("mile", 2025, folder, lang)
    text = results_json(results)
    assert not NON_FINITE_TEXT.search(text)
    payload = json.loads(text)
    for key in ("n_households", "net_income_pc", "growth_prev", "share_persons_below_10000"):
        assert payload["key_numbers"][key] is None
        assert payload["unavailable"][key]["en"] == t("income_not_finite", "en")
    assert payload["key_numbers"]["rural_income"] is not None  # the official series is not the panel's
