"""Dask: the batch as tasks on a two-worker LocalCluster, and national effects from strata.

The stratified combination is checked against estimating every stratum alone (the same
measure_effects call on the stratum's own panel) and combining by hand with the formula of
evalkit.effects.strata (treated-household weights, independent strata)."""

import json
import time

import numpy as np
import pandas as pd
import pytest

from evalkit.cli import commands
from evalkit.core.errors import EvalkitError
from evalkit.core.panel import save_panel
from evalkit.demo import generate_panel
from evalkit.effects.measures import measure_effects
from evalkit.effects.strata import combine_strata, split_strata, stratified_effects
from evalkit.reporting import batch

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def panel():
    return generate_panel(households=4000)


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as c:
            yield c


def test_combine_strata_by_hand():
    table = pd.DataFrame(
        {
            "stratum": ["a", "b", "c"],
            "outcome": ["net_income_pc"] * 3,
            "att": [100.0, 200.0, 400.0],
            "se": [10.0, 20.0, 40.0],
            "n_treated": [100, 300, 600],
        }
    )
    row = combine_strata(table).iloc[0]
    # weights 0.1, 0.3, 0.6 → 10 + 60 + 240 = 310; var = 0.01·100 + 0.09·400 + 0.36·1600 = 613
    assert row["att"] == pytest.approx(310.0)
    assert row["se"] == pytest.approx(np.sqrt(613.0))
    assert row["ci_low"] == pytest.approx(310.0 - 1.959964 * np.sqrt(613.0), rel=1e-6)
    assert row["n_strata"] == 3 and row["n_treated"] == 1000
    equal = combine_strata(table, weight="equal").iloc[0]
    assert equal["att"] == pytest.approx(700.0 / 3)
    assert equal["se"] == pytest.approx(np.sqrt((100 + 400 + 1600) / 9))
    with pytest.raises(EvalkitError) as info:
        combine_strata(table, weight="persons")
    assert info.value.code == "E-STRATA-WEIGHT"


def test_stratified_equals_each_stratum_alone(panel, client):
    outcomes = ("net_income_pc", "wage_pc")
    serial = stratified_effects(panel, "public_welfare_post", outcomes, stratum="province")
    pieces = split_strata(panel, "province")
    assert set(pieces) == set(panel.households["province"].unique())
    by_hand = []
    for name, piece in pieces.items():
        eff = measure_effects(piece, "public_welfare_post", outcomes).effects
        by_hand.append(eff.assign(stratum=name))
    by_hand = pd.concat(by_hand)
    net = by_hand[by_hand["outcome"] == "net_income_pc"]
    w = net["n_treated"] / net["n_treated"].sum()
    combined = serial.combined.set_index("outcome").loc["net_income_pc"]
    assert combined["att"] == pytest.approx(float((w * net["att"]).sum()), rel=1e-12)
    assert combined["se"] == pytest.approx(float(np.sqrt((w**2 * net["se"] ** 2).sum())), rel=1e-12)
    assert sum(serial.weights.values()) == pytest.approx(1.0)
    # the same strata as tasks on the cluster give the same numbers
    on_cluster = stratified_effects(panel, "public_welfare_post", outcomes, stratum="province", client=client)
    pd.testing.assert_frame_equal(
        on_cluster.strata.sort_values(["stratum", "outcome"]).reset_index(drop=True),
        serial.strata.sort_values(["stratum", "outcome"]).reset_index(drop=True),
    )
    pd.testing.assert_frame_equal(on_cluster.combined, serial.combined)
    assert "StratifiedEffects(" in repr(serial) and len(repr(serial)) < 200


def test_batch_on_a_local_cluster_matches_the_process_pool(panel, tmp_path):
    data = tmp_path / "panel"
    save_panel(panel, data)
    regions = "shangyou,mile"
    pool = tmp_path / "pool"
    dask = tmp_path / "dask"
    # html only: what is compared is the JSON and the HTML (PDF, Word and Excel: test_deliverables)
    run = dict(data=str(data), formats="html")
    assert commands.batch_command(2023, regions="shangyou", jobs=1, out=str(pool), **run) == 0
    assert commands.batch_command(2023, regions=regions, jobs=2, out=str(dask), scheduler="local", **run) == 0
    for region in ("shangyou", "mile"):
        assert json.loads((dask / "2023" / f"{region}.json").read_text(encoding="utf-8"))["region"] == region
        assert (dask / "2023" / "logs" / f"{region}.log").exists()
    # the same report from the process pool and from the cluster: byte-identical
    a = json.loads((pool / "2023" / "shangyou.json").read_text(encoding="utf-8"))
    b = json.loads((dask / "2023" / "shangyou.json").read_text(encoding="utf-8"))
    assert a == b
    assert (pool / "2023" / "shangyou.html").read_bytes() == (dask / "2023" / "shangyou.html").read_bytes()
    index = (dask / "2023" / "index.html").read_text(encoding="utf-8")
    assert 'href="shangyou.html"' in index and 'href="mile.html"' in index


def test_unreachable_scheduler_is_a_message(panel, tmp_path, monkeypatch):
    from evalkit.reporting import cluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", "2s")
    data = tmp_path / "panel"
    save_panel(panel, data)
    with pytest.raises(EvalkitError) as info:
        batch.run_batch(
            2023, regions="shangyou", data=str(data), out=str(tmp_path / "o"), scheduler="tcp://127.0.0.1:1"
        )
    assert info.value.code == "E-DASK-UNREACHABLE"


def test_a_report_that_never_comes_back_is_a_failed_outcome_not_a_hang():
    """A task that hangs (or whose worker died) ends the wait after ``timeout`` seconds as a
    failed report; the reports that came back are kept."""
    from evalkit.reporting import cluster

    def run_one(task):
        import time

        if task["region"] == "hangs":
            time.sleep(180)
        return {"status": "ok", "region": task["region"]}

    def failed(task, message):
        return {"status": "failed", "region": task["region"], "error": message}

    tasks = [{"region": "quick", "year": 2025}, {"region": "hangs", "year": 2025}]
    start = time.monotonic()
    out = cluster.run_on_cluster(tasks, run_one, failed, "local", jobs=2, progress=False, timeout=20)
    assert time.monotonic() - start < 150  # the hanging task sleeps 180 s: its worker is not waited for
    assert out["quick"] == {"status": "ok", "region": "quick"}
    assert out["hangs"]["status"] == "failed" and "20 s" in out["hangs"]["error"]


def test_strata_that_never_come_back_are_an_error_not_a_hang(client):
    from evalkit.effects import strata

    def hangs():
        import time

        time.sleep(20)  # frees the worker soon after (the fixture's cluster closes at the end of the module)

    futures = [client.submit(hangs, pure=False)]
    start = time.monotonic()
    with pytest.raises(EvalkitError) as info:
        strata._gather(client, futures, timeout=2)
    assert info.value.code == "E-DASK-TIMEOUT" and time.monotonic() - start < 15
