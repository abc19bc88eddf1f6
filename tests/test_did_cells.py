"""The lean Callaway–Sant'Anna cells (evalkit.effects.did_cells) equal csdid's ATTgt: every
ATT(g,t), every unit's influence function and the aggregations, to 1e-8 relative, on the demo
panel and on mpdta, with and without covariates, weights and not-yet-treated controls; and
staggered_did gives the same results by either path."""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from csdid.att_gt import ATTgt

from evalkit.effects import did
from evalkit.effects.did import staggered_did
from evalkit.effects.did_cells import fit_cells

RTOL = 1e-8
DATA = Path(__file__).parent / "data" / "effects"


@pytest.fixture(scope="module")
def demo():
    """A small demo-like panel: 600 households × 6 years, cohorts 2021–2024 and never treated,
    a covariate, household sizes as weights."""
    rng = np.random.default_rng(7)
    n, years = 600, np.arange(2020, 2026)
    cohort = rng.choice([0, 2021, 2022, 2023, 2024], size=n, p=[0.4, 0.15, 0.15, 0.15, 0.15])
    size = rng.integers(1, 7, size=n).astype(float)
    x = rng.normal(size=n)
    rows = pd.DataFrame({"hh": np.repeat(np.arange(n) * 7 + 3, len(years)), "year": np.tile(years, n)})
    rows["cohort"] = np.repeat(cohort, len(years))
    rows["size"] = np.repeat(size, len(years))
    rows["x"] = np.repeat(x, len(years)) + rng.normal(scale=0.3, size=len(rows))
    effect = np.where((rows["cohort"] > 0) & (rows["year"] >= rows["cohort"]), 800 + 50 * rows["x"], 0)
    rows["y"] = 9000 + 400 * (rows["year"] - 2020) + 300 * rows["x"] + effect + rng.normal(scale=500, size=len(rows))
    return rows.sample(frac=1.0, random_state=3).reset_index(drop=True)  # rows in no particular order


def _csdid(rows, covariates, weights, control, method, base_period="varying"):
    """csdid's ATTgt on the rows (evalkit's fallback path, :func:`evalkit.effects.did._fit_csdid`)."""
    ids, _ = pd.factorize(rows["hh"])
    frame = rows.rename(columns={"year": "t", "cohort": "g"})
    w = rows[weights].to_numpy(dtype=float) if weights else None
    back = {"nevertreated": "never_treated", "notyettreated": "not_yet_treated"}[control]
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return did._fit_csdid(
            frame, ids, "y", "t", "g", tuple(covariates), w, back, method, True, True, base_period, 0.05
        )


def _lean(rows, covariates, weights, control, method, base_period="varying"):
    ids, _ = pd.factorize(rows["hh"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_cells(
            ids,
            rows["year"].to_numpy(),
            rows["y"].to_numpy(dtype=float),
            rows["cohort"].to_numpy(),
            rows[list(covariates)].to_numpy(dtype=float) if covariates else None,
            rows[weights].to_numpy(dtype=float) if weights else None,
            control,
            method,
            base_period,
        )


def _aggte(model, kind):
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        model.aggte(typec=kind, bstrap=False)
    return model.atte


@pytest.mark.parametrize(
    ("covariates", "weights", "control", "method", "base"),
    [
        ((), None, "nevertreated", "dr", "varying"),
        (("x",), "size", "nevertreated", "dr", "varying"),
        (("x",), None, "notyettreated", "ipw", "varying"),
        ((), "size", "notyettreated", "reg", "universal"),
        ((), "size", "notyettreated", "ipw", "varying"),  # the cached propensity score, changing controls
    ],
)
def test_cells_equal_csdid(demo, covariates, weights, control, method, base):
    ref = _csdid(demo, covariates, weights, control, method, base)
    lean = _lean(demo, covariates, weights, control, method, base)
    np.testing.assert_array_equal(np.asarray(ref.results["group"]), lean.results["group"])
    np.testing.assert_array_equal(np.asarray(ref.results["year"]), lean.results["year"])
    att = np.asarray(ref.results["att"], dtype=float)
    assert np.abs(att).max() > 100  # the effect of the simulation is there
    np.testing.assert_allclose(lean.results["att"], att, rtol=RTOL, atol=1e-8)
    psi_ref = np.asarray(ref.MP["inffunc"]["inffunc"])
    psi = lean.MP["inffunc"]["inffunc"]
    assert psi.shape == psi_ref.shape == (600, len(att))
    np.testing.assert_allclose(psi, psi_ref, rtol=RTOL, atol=1e-8 * np.abs(psi_ref).max())
    for kind in ("simple", "group", "dynamic", "calendar"):
        a, b = _aggte(ref, kind), _aggte(lean, kind)
        np.testing.assert_allclose(b["overall_att"], a["overall_att"], rtol=RTOL)
        np.testing.assert_allclose(b["overall_se"], a["overall_se"], rtol=RTOL)
        if kind != "simple":
            np.testing.assert_allclose(np.asarray(b["att_egt"], float), np.asarray(a["att_egt"], float), rtol=RTOL)
            np.testing.assert_allclose(np.asarray(b["se_egt"], float), np.asarray(a["se_egt"], float), rtol=RTOL)


def test_staggered_did_same_by_either_path(demo, monkeypatch):
    """staggered_did on a balanced panel (cells path) equals the csdid path: cells, SEs, df,
    the pre-trend test and the four aggregations, clustered and weighted."""
    demo = demo.assign(village=demo["hh"] // 70)
    kwargs = {"covariates": ["x"], "cluster": "village", "weights": "size"}
    lean = staggered_did(demo, "y", "hh", "year", "cohort", **kwargs)
    assert type(lean._model).__name__ == "CellModel"
    monkeypatch.setattr(did, "fit_cells", lambda *a, **k: did._fit_csdid(*_csdid_args(demo, a)))
    # the csdid path, forced: same validated rows in, csdid's ATTgt out
    ref = staggered_did(demo, "y", "hh", "year", "cohort", **kwargs)
    assert isinstance(ref._model, ATTgt)
    pd.testing.assert_frame_equal(lean.att_gt, ref.att_gt, rtol=RTOL)
    assert lean.pretest["W"] == pytest.approx(ref.pretest["W"], rel=RTOL)
    assert lean.notes == ref.notes
    for kind in ("simple", "group", "dynamic", "calendar"):
        a, b = ref.aggregate(kind), lean.aggregate(kind)
        assert b.att == pytest.approx(a.att, rel=RTOL) and b.se == pytest.approx(a.se, rel=RTOL)
        pd.testing.assert_frame_equal(b.table, a.table, rtol=RTOL)


def _csdid_args(demo, args):
    """fit_cells' positional arguments → _fit_csdid's (frame rebuilt from the arrays)."""
    ids, time, y, cohort, cov, w, control, method, base, alpha = args
    frame = pd.DataFrame({"u": ids, "t": time, "g": cohort, "y": y})
    names = []
    if cov is not None:
        for k in range(cov.shape[1]):
            frame[f"c{k}"] = cov[:, k]
            names.append(f"c{k}")
    back = {"nevertreated": "never_treated", "notyettreated": "not_yet_treated"}[control]
    return frame, ids, "y", "t", "g", tuple(names), w, back, method, True, True, base, alpha


def test_mpdta_through_the_cells_path_matches_r_did():
    """R did's published mpdta ATT(g,t) come out of the cells path (the balanced mpdta panel;
    tests/test_effects_did.py checks every cell, aggregation and W to 1e-12)."""
    mpdta = pd.read_csv(DATA / "mpdta.csv")
    fit = staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat", small_sample=False)
    assert type(fit._model).__name__ == "CellModel"
    expected = pd.read_csv(DATA / "mpdta_att_gt_expected.csv")
    merged = fit.att_gt.merge(expected, on=["group", "time"], suffixes=("", "_r"))
    assert len(merged) == len(expected) == 12
    np.testing.assert_allclose(merged["att"], merged["att_r"], atol=1e-6)
    np.testing.assert_allclose(merged["se"], merged["se_r"], atol=1e-6)
