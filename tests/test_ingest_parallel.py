"""Ingest of several export files as tasks on a two-worker LocalCluster: the same panel, row
accounting, problems and rejections as serial ingest (issue 17)."""

from pathlib import Path

import pandas as pd
import pytest

from evalkit.core.errors import DataValidationError
from evalkit.io.ingest import ingest
from evalkit.io.parallel import ingest_parallel
from evalkit.io.plan import IngestPlan

distributed = pytest.importorskip("distributed")

EXPORTS = Path(__file__).resolve().parent / "data" / "exports"
KEY = "test-key"


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as c:
            yield c


def assert_same(a, b):
    pd.testing.assert_frame_equal(a.panel.households, b.panel.households)
    pd.testing.assert_frame_equal(a.panel.measures, b.panel.measures)
    for name in ("accounting", "problems", "rejections", "reasons"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    assert a.panel.meta == b.panel.meta and a.ok == b.ok


def test_parallel_ingest_gives_the_serial_result(client, tmp_path):
    # two household files that share households (cross-file duplicates), a file with rejected rows,
    # an unreadable file, and a long measures file with rows of no household (cross-file check)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    households = [EXPORTS / "good_utf8.csv", EXPORTS / "good_gbk.csv", EXPORTS / "bad_negative.csv", broken]
    measures = [EXPORTS / "measures_orphan.csv"]
    serial = ingest(households, measures=measures, key=KEY)
    parallel = ingest_parallel(client, IngestPlan.build(households, measures, key=KEY))
    assert_same(serial, parallel)
    acc = parallel.accounting
    assert (acc["rows_read"] == acc["rows_accepted"] + acc["rows_rejected"] + acc["rows_excluded"]).all()
    assert set(acc["file"]) == {p.name for p in households + measures}
    assert acc.set_index("file").loc["broken.xlsx", "rows_read"] == 0
    # every row of the two files sharing households is rejected as a duplicate, in both paths
    assert acc.set_index("file").loc[["good_utf8.csv", "good_gbk.csv"], "rows_rejected"].tolist() == [5, 5]
    # the tasks ran on the cluster's workers (one per file)
    assert len(client.scheduler_info()["workers"]) == 2


def test_parallel_ingest_of_good_files_and_strict_errors(client):
    files = [EXPORTS / "good_utf8.csv", EXPORTS / "good.xlsx", EXPORTS / "good.parquet"]
    serial, parallel = ingest(files[:1], key=KEY), ingest_parallel(client, IngestPlan.build(files[:1], key=KEY))
    assert_same(serial, parallel)
    assert len(parallel.panel.households) == 5 and parallel.ok
    assert_same(ingest(files, key=KEY), ingest_parallel(client, IngestPlan.build(files, key=KEY)))
    with pytest.raises(DataValidationError):
        ingest_parallel(client, IngestPlan.build([EXPORTS / "bad_negative.csv"], strict=True, key=KEY))


def test_ingest_command_on_the_cluster_writes_the_serial_dataset(client, tmp_path, monkeypatch):
    from evalkit.cli.commands import ingest_command
    from evalkit.io.dataset import read_dataset_meta

    monkeypatch.setenv("EVALKIT_PSEUDONYM_KEY", KEY)
    sources = [str(EXPORTS / "good_utf8.csv")]
    measures = [str(EXPORTS / "measures_orphan.csv"), str(EXPORTS / "measures_long.csv")]
    assert ingest_command(sources, str(tmp_path / "serial"), measures) == 1  # orphan measure rows rejected
    assert ingest_command(sources, str(tmp_path / "cluster"), measures, client=client) == 1
    serial, cluster = read_dataset_meta(tmp_path / "serial"), read_dataset_meta(tmp_path / "cluster")
    for key in ("fingerprint", "rows", "accounting", "reasons"):
        assert serial[key] == cluster[key], key
