"""The partitioned Parquet dataset: round trip, chunked writing, column/partition selection,
fingerprint verification, and the ``evalkit ingest`` command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.core.panel import Panel
from evalkit.core.schema import derive_income
from evalkit.io.dataset import (
    in_memory_bytes,
    load_panel_from_dataset,
    open_dataset,
    read_dataset_meta,
    read_households,
    verify_dataset,
    write_dataset,
)

YEARS = (2021, 2022, 2023)


def _panel(n: int = 240, seed: int = 7) -> Panel:
    rng = np.random.default_rng(seed)
    ids = np.array([f"P{i:05d}" for i in range(n)])
    hh = pd.DataFrame({"household_id": np.repeat(ids, len(YEARS)), "year": np.tile(YEARS, n)})
    pref = np.repeat(rng.choice(["信阳市", "南阳市", "红河州"], n), len(YEARS))
    hh["province"] = np.where(pref == "红河州", "云南省", "河南省")
    hh["prefecture"] = pref
    hh["county"] = np.where(pref == "信阳市", "光山县", np.where(pref == "南阳市", "淅川县", "弥勒市"))
    hh["household_size"] = rng.integers(1, 7, len(hh))
    hh["household_type"] = rng.choice(["一般脱贫户", "脱贫不稳定户", "边缘易致贫户"], len(hh))
    for col in ("wage", "operating_income", "operating_expenses", "property", "transfer"):
        hh[col] = rng.gamma(2.0, 2500.0, len(hh)).round(2)
    hh = derive_income(hh)
    chosen = rng.choice(len(hh), 90, replace=False)
    measures = pd.DataFrame(
        {
            "household_id": hh["household_id"].to_numpy()[chosen],
            "year": hh["year"].to_numpy()[chosen],
            "measure": rng.choice(["dibao", "microcredit", "public_welfare_post"], 90),
            "amount": rng.gamma(2.0, 500.0, 90).round(2),
        }
    )
    return Panel(hh, measures, {"synthetic": True, "seed": seed})


def _sorted(frame: pd.DataFrame, keys=("household_id", "year")) -> pd.DataFrame:
    return frame.sort_values(list(keys), kind="mergesort").reset_index(drop=True)


def test_round_trip_keeps_values_dtypes_and_fingerprint(tmp_path):
    panel = _panel()
    write_dataset(panel, tmp_path / "ds")
    loaded = load_panel_from_dataset(tmp_path / "ds")
    pd.testing.assert_frame_equal(_sorted(loaded.households), _sorted(panel.households))
    pd.testing.assert_frame_equal(
        _sorted(loaded.measures, ["household_id", "year", "measure"]),
        _sorted(panel.measures, ["household_id", "year", "measure"]),
    )
    record = read_dataset_meta(tmp_path / "ds")
    assert record["panel_fingerprint"] == panel.fingerprint() == loaded.fingerprint()
    assert record["rows"] == {"households": len(panel.households), "measures": len(panel.measures)}
    assert loaded.meta["synthetic"] is True and loaded.meta["dataset"]["fingerprint"] == record["fingerprint"]
    # hive layout: one folder per year, one per prefecture inside
    folders = {
        p.parent.relative_to(tmp_path / "ds" / "households").as_posix()
        for p in (tmp_path / "ds" / "households").rglob("*.parquet")
    }
    assert len(folders) == len(YEARS) * 3
    assert len(record["partitions"]) == 9 and [2021, "信阳市"] in record["partitions"]


def test_chunked_write_gives_the_same_dataset_and_fingerprint(tmp_path):
    panel = _panel()
    write_dataset(panel, tmp_path / "whole")
    shuffled = panel.households.sample(frac=1.0, random_state=3)
    chunks = []
    for part in np.array_split(np.arange(len(shuffled)), 4):
        hh = shuffled.iloc[part]
        keys = hh[["household_id", "year"]]
        me = panel.measures.merge(keys, on=["household_id", "year"])
        chunks.append(Panel(hh, me, panel.meta))
    write_dataset(iter(chunks), tmp_path / "chunked")
    whole, chunked = read_dataset_meta(tmp_path / "whole"), read_dataset_meta(tmp_path / "chunked")
    assert whole["fingerprint"] == chunked["fingerprint"]
    assert "panel_fingerprint" not in chunked  # not computable without the whole panel in memory
    assert load_panel_from_dataset(tmp_path / "chunked").fingerprint() == panel.fingerprint()
    # a changed value changes the fingerprint
    altered = panel.households.copy()
    altered.loc[altered.index[5], "wage"] += 1.0
    write_dataset(Panel(altered, panel.measures, panel.meta), tmp_path / "altered")
    assert read_dataset_meta(tmp_path / "altered")["fingerprint"] != whole["fingerprint"]


def test_loads_only_requested_columns_and_partitions(tmp_path):
    panel = _panel()
    write_dataset(panel, tmp_path / "ds")
    part = load_panel_from_dataset(
        tmp_path / "ds",
        columns=["county", "net_income_pc"],
        filters=[("year", "in", [2022, 2023]), ("prefecture", "==", "信阳市")],
    )
    assert list(part.households.columns) == ["household_id", "year", "county", "net_income_pc"]
    expected = panel.households.loc[
        panel.households["year"].isin([2022, 2023]) & panel.households["prefecture"].eq("信阳市"),
        ["household_id", "year", "county", "net_income_pc"],
    ]
    pd.testing.assert_frame_equal(_sorted(part.households), _sorted(expected))
    # measures: only those of the loaded household-years' households and years
    ids = set(expected["household_id"])
    want = panel.measures[panel.measures["year"].isin([2022, 2023]) & panel.measures["household_id"].isin(ids)]
    assert len(part.measures) == len(want) > 0
    # the lazy dataset prunes partitions: a prefecture filter touches only its files
    fragments = list(
        open_dataset(tmp_path / "ds").get_fragments(filter=pq.filters_to_expression([("prefecture", "==", "南阳市")]))
    )
    assert len(fragments) == len(YEARS) and all("%E5%8D%97%E9%98%B3" in f.path for f in fragments)
    assert in_memory_bytes(tmp_path / "ds", ["net_income_pc"]) < in_memory_bytes(tmp_path / "ds")
    with pytest.raises(EvalkitError) as info:
        load_panel_from_dataset(tmp_path / "ds", columns=["nonexistent"])
    assert info.value.code == "E-DATA-COLUMNS"
    # an aggregate reads just its columns: no household_id unless asked for
    only = read_households(tmp_path / "ds", ["county", "household_size"], filters=[("year", "==", 2023)])
    assert list(only.columns) == ["county", "household_size"]
    assert only.dtypes.equals(panel.households[["county", "household_size"]].dtypes)
    expected = panel.households.loc[panel.households["year"].eq(2023), ["county", "household_size"]]
    pd.testing.assert_frame_equal(
        _sorted(only, ["county", "household_size"]), _sorted(expected, ["county", "household_size"])
    )


def test_verify_detects_changed_files(tmp_path):
    panel = _panel()
    write_dataset(panel, tmp_path / "ds")
    assert verify_dataset(tmp_path / "ds", batch_rows=100) is True
    file = sorted((tmp_path / "ds" / "households").rglob("*.parquet"))[0]
    table = pq.read_table(file)
    frame = table.to_pandas()
    frame.loc[0, "wage"] = frame.loc[0, "wage"] + 10
    pq.write_table(table.from_pandas(frame, schema=table.schema, preserve_index=False), file)
    with pytest.raises(EvalkitError) as info:
        verify_dataset(tmp_path / "ds")
    assert info.value.code == "E-DATASET-DAMAGED"


def test_bad_input_is_refused_with_a_clear_error(tmp_path):
    panel = _panel()
    write_dataset(panel, tmp_path / "ds")
    with pytest.raises(EvalkitError) as info:
        write_dataset(panel, tmp_path / "ds")
    assert info.value.code == "E-DATASET-EXISTS"
    write_dataset(panel, tmp_path / "ds", overwrite=True)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("x")
    with pytest.raises(EvalkitError) as info:
        write_dataset(panel, tmp_path / "notes", overwrite=True)
    assert info.value.code == "E-DATASET-NOT-DATASET"
    assert (tmp_path / "notes" / "keep.txt").exists()
    missing = panel.households.copy()
    missing.loc[missing.index[0], "prefecture"] = None
    with pytest.raises(EvalkitError) as info:
        write_dataset(Panel(missing, panel.measures), tmp_path / "bad")
    assert info.value.code == "E-DATASET-PARTITION"
    other = panel.households.astype({"wage": "str"})
    with pytest.raises(EvalkitError) as info:
        write_dataset(iter([panel, Panel(other, panel.measures)]), tmp_path / "mixed")
    assert info.value.code == "E-DATASET-CHUNKS"
    with pytest.raises(EvalkitError) as info:
        load_panel_from_dataset(tmp_path / "nowhere")
    assert info.value.code == "E-DATASET-NOT-DATASET"
    json.loads((tmp_path / "ds" / "dataset.json").read_text(encoding="utf-8"))


def test_ingest_command_writes_the_dataset_with_accounting_and_no_raw_ids(tmp_path, capsys):
    from evalkit.cli.main import main

    panel = _panel(40)
    cols = [
        "household_id",
        "year",
        "province",
        "prefecture",
        "county",
        "household_size",
        "household_type",
        "wage",
        "operating_income",
        "operating_expenses",
        "property",
        "transfer",
    ]
    export = panel.households[cols].assign(province="河南省", prefecture="信阳市", county="光山县")
    export.loc[export.index[4], "wage"] = -5.0  # one bad row: rejected, counted, named
    export.to_csv(tmp_path / "导出.csv", index=False, encoding="gbk")
    rc = main(["ingest", str(tmp_path / "导出.csv"), "--out", str(tmp_path / "ds"), "--force-demo-key"])
    assert rc == 1  # a row was rejected; the accepted rows are still written
    # warnings only (an unknown column, not carried into the panel): the dataset is written, exit 0
    export.drop(index=export.index[4]).assign(备注="x").to_csv(tmp_path / "warn.csv", index=False, encoding="gbk")
    assert main(["ingest", str(tmp_path / "warn.csv"), "--out", str(tmp_path / "warn"), "--force-demo-key"]) == 0
    assert read_dataset_meta(tmp_path / "warn")["rows"]["households"] == 119
    problems = pd.read_csv(tmp_path / "warn" / "validation" / "problems.csv")
    assert set(problems["severity"]) == {"warning"} and "unknown_column" in set(problems["kind"])
    record = read_dataset_meta(tmp_path / "ds")
    acc = record["accounting"][0]
    assert (acc["rows_read"], acc["rows_accepted"], acc["rows_rejected"]) == (120, 119, 1)
    assert record["rows"]["households"] == 119
    assert any(r["status"] == "rejected" and r["rows"] == 1 for r in record["reasons"])
    loaded = load_panel_from_dataset(tmp_path / "ds")
    assert len(loaded.households) == 119 and loaded.households["net_income_pc"].notna().all()
    assert verify_dataset(tmp_path / "ds")
    # the raw household numbers never reach the dataset or its validation files (pseudonymised)
    raw = set(panel.households["household_id"])
    assert not raw & set(loaded.households["household_id"])
    for file in (tmp_path / "ds").rglob("*"):
        if file.is_file():
            content = file.read_bytes()
            assert b"P00004" not in content and b"P00017" not in content, file
    assert (tmp_path / "ds" / "validation" / "problems.csv").exists()
    out = capsys.readouterr().out
    assert "rejected" in out and "fingerprint" in out
    # the export has no labour, village, monitoring columns: ingest says what will be skipped
    assert "缺少可选列, 以下分析将跳过" in out and "未计算: 按劳动能力分组的收入" in out


def test_estimation_sample_matches_a_pandas_construction(tmp_path):
    from evalkit.io.dataset import estimation_sample

    panel = _panel()
    write_dataset(panel, tmp_path / "ds")
    sample = estimation_sample(tmp_path / "ds", "net_income_pc", "dibao", covariates=["household_size"])
    hh = panel.households
    first = panel.measures[panel.measures["measure"] == "dibao"].groupby("household_id")["year"].min()
    expected = hh[["household_id", "year", "net_income_pc", "household_size"]].assign(
        cohort=hh["household_id"].map(first).fillna(0).astype("int64")
    )
    expected["treated"] = ((expected["cohort"] > 0) & (expected["year"] >= expected["cohort"])).astype("int64")
    expected["unit"] = expected["household_id"].rank(method="dense").astype("int64")
    got = sample.sort_values(["unit", "year"]).reset_index(drop=True)
    want = expected.sort_values(["unit", "year"]).reset_index(drop=True)
    assert len(got) == len(hh) and got["treated"].sum() > 0
    for col in ("unit", "year", "cohort", "treated"):
        assert got[col].astype("int64").tolist() == want[col].tolist(), col
    np.testing.assert_allclose(got["net_income_pc"], want["net_income_pc"], rtol=1e-12)
    part = estimation_sample(tmp_path / "ds", "net_income_pc", "dibao", filters="prefecture = '信阳市'")
    assert len(part) == int(hh["prefecture"].eq("信阳市").sum())
