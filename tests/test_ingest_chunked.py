"""Chunked ingest (evalkit.ingest.ChunkedIngest, ``evalkit ingest --chunk-rows``) gives exactly the
results of the in-memory ingest: same accepted panel (dataset fingerprint), accounting, reasons,
problems and rejections, on the export fixtures and on files built so that the cross-block
checks (duplicates split across blocks, total/footer rows at a block edge, region aliases in
several blocks, wide 1/0 flag columns) matter."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit.cli.commands import ingest_command
from evalkit.core.errors import DataValidationError, EvalkitError
from evalkit.io.dataset import read_dataset_meta, verify_dataset, write_dataset
from evalkit.io.ingest import ChunkedIngest, ingest, iter_csv_blocks, read_export
from evalkit.io.pseudonymise import DemoKeyWarning

EXPORTS = Path(__file__).parent / "data" / "exports"
KEY = "chunked-test-key"


def in_memory(tmp: Path, households, measures=()):
    result = ingest(
        [EXPORTS / h if isinstance(h, str) else h for h in households],
        measures=[EXPORTS / m if isinstance(m, str) else m for m in measures],
        key=KEY,
    )
    fingerprint = None
    if len(result.panel.households):
        fingerprint = read_dataset_meta(write_dataset(result.panel, tmp / "memory"))["fingerprint"]
    return result, fingerprint


def chunked(tmp: Path, households, measures=(), chunk_rows=2):
    run = ChunkedIngest(
        [EXPORTS / h if isinstance(h, str) else h for h in households],
        measures=[EXPORTS / m if isinstance(m, str) else m for m in measures],
        chunk_rows=chunk_rows,
        workdir=tmp / "work",
        key=KEY,
    )
    panels = list(run.panels())
    fingerprint = None
    if panels:
        path = write_dataset(iter(panels), tmp / f"chunked{chunk_rows}")
        verify_dataset(path)
        fingerprint = read_dataset_meta(path)["fingerprint"]
    assert not (tmp / "work" / "measures-staging").exists()
    return run.result(), fingerprint


def _sorted(frame: pd.DataFrame, keys) -> pd.DataFrame:
    frame = frame.astype("string").fillna("<NA>")
    return frame.sort_values(list(keys)).reset_index(drop=True)


def assert_same(a, b):
    (ra, fa), (rb, fb) = a, b
    assert fa == fb
    pd.testing.assert_frame_equal(
        ra.accounting.reset_index(drop=True), rb.accounting.reset_index(drop=True), check_dtype=False
    )
    pd.testing.assert_frame_equal(
        _sorted(ra.reasons, ["file", "status", "reason"]), _sorted(rb.reasons, ["file", "status", "reason"])
    )
    cols = list(ra.problems.columns)
    pd.testing.assert_frame_equal(_sorted(ra.problems, cols), _sorted(rb.problems, cols))
    assert sorted(ra.rejections.columns) == sorted(rb.rejections.columns)
    rej = sorted(ra.rejections.columns)
    pd.testing.assert_frame_equal(_sorted(ra.rejections[rej], rej), _sorted(rb.rejections[rej], rej))
    assert ra.ok == rb.ok


CASES = [
    (["good_utf8.csv"], []),
    (["good_bom.csv"], []),
    (["good_gbk.csv"], ["measures_long.csv"]),
    (["good_utf8.csv"], ["measures_orphan.csv"]),
    (["bad_negative.csv"], ["measures_long.csv"]),
    (["aliases_gbk.csv"], []),
    (["good_gbk.csv", "good.xlsx"], []),  # the same households in two files: duplicates across files
    (["good.parquet", "good_utf8.csv"], []),
    *[([name.name], []) for name in sorted(EXPORTS.glob("bad_*.csv"))],
]


@pytest.mark.parametrize("households,measures", CASES, ids=lambda v: "+".join(v) if isinstance(v, list) else v)
def test_fixtures_give_the_same_results(tmp_path, households, measures):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemoKeyWarning)
        expected = in_memory(tmp_path, households, measures)
        for rows in (1, 3):
            assert_same(expected, chunked(tmp_path, households, measures, chunk_rows=rows))


def _export(rows: pd.DataFrame, path: Path, encoding="gbk", title=True, footer=()):
    lines = (["2024年监测对象收入台账"] if title else []) + [",".join(rows.columns)]
    lines += [",".join(map(str, r)) for r in rows.itertuples(index=False)] + list(footer)
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _households(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    counties = np.array(["光山县", "息县", "新县"])
    return pd.DataFrame(
        {
            "户编号": [f"4115{i:08d}" for i in range(n)],
            "年度": rng.choice([2021, 2022, 2023], n),
            "省": "河南省",
            "市": np.where(rng.random(n) < 0.3, "信阳", "信阳市"),  # 信阳: a registry alias
            "县": counties[rng.integers(0, 3, n)],
            "户类型": "一般脱贫户",
            "家庭人口数": rng.integers(1, 7, n),
            "工资性收入": rng.integers(0, 40000, n),
            "生产经营性收入": rng.integers(0, 9000, n),
            "生产经营性支出": rng.integers(0, 3000, n),
            "财产性收入": rng.integers(0, 500, n),
            "转移性收入": rng.integers(0, 8000, n),
            "公益性岗位": rng.choice([0, 1], n),  # a wide flag column: 1/0 in every block
            "产业奖补": np.where(
                np.arange(n) == n - 3, 1500, rng.choice([0, 1], n)
            ),  # an amount only in the last block
        }
    )


def test_cross_block_checks(tmp_path):
    """Duplicates split across blocks, a total row and notes at the end, aliases in every block, a
    wide column that is 1/0 in all blocks but one: same as in memory for several block sizes."""
    frame = _households(40)
    frame.loc[35, ["户编号", "年度"]] = frame.loc[2, ["户编号", "年度"]].to_numpy()  # duplicate far apart
    frame.loc[20, "工资性收入"] = -5  # a rejected row
    frame.loc[7, "县"] = "光州县"  # an unknown region
    path = _export(frame, tmp_path / "big.csv", footer=["", "合计,,,,,,,,,,,,,", "填报说明: 单位元", "", ""])
    measures = tmp_path / "m.csv"
    pd.DataFrame(
        {
            "户编号": [frame.loc[0, "户编号"], frame.loc[2, "户编号"], "999", frame.loc[0, "户编号"]],
            "年度": [frame.loc[0, "年度"], frame.loc[2, "年度"], 2022, frame.loc[0, "年度"]],
            "措施": ["务工交通补贴", "务工交通补贴", "务工交通补贴", "务工交通补贴"],
            "金额": [100, 200, 300, 50],
        }
    ).to_csv(measures, index=False, encoding="gbk")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemoKeyWarning)
        expected = in_memory(tmp_path, [path], [measures])
        reasons = expected[0].reasons.set_index(["status", "reason"])["rows"]
        assert reasons[("rejected", "duplicate_key")] == 2 and reasons[("excluded", "below_total_row")] == 1
        assert reasons[("normalised", "region_alias")] > 0
        for rows in (1, 2, 7, 11, 12, 13, 30, 100):
            assert_same(expected, chunked(tmp_path, [path], [measures], chunk_rows=rows))


def test_blocks_keep_file_row_numbers_and_counts(tmp_path):
    frame = _households(30)
    path = _export(frame, tmp_path / "x.csv", footer=["", "合计,,,,,,,,,,,,,", ""])
    whole = read_export(path)
    blocks = list(iter_csv_blocks(path, 4))
    assert len(blocks) > 3
    rows = np.concatenate([b["_row"].to_numpy() for b in blocks])
    np.testing.assert_array_equal(rows, whole["_row"].to_numpy())
    assert rows[0] == 3  # title line 1, header line 2: the first data row is line 3 as the user sees it
    info = whole.attrs["export"]
    assert sum(b.attrs["export"]["rows_read"] for b in blocks) == info["rows_read"]
    for kind, n in info["excluded"].items():
        assert sum(b.attrs["export"]["excluded"][kind] for b in blocks) == n
    assert info["excluded"]["total_row"] == 1 and info["excluded"]["blank_row"] == 1


def test_large_generated_export_small_blocks(tmp_path):
    """200,000 rows in blocks of 25,000: the same panel, accounting and problems as in memory,
    with duplicate keys planted in different blocks."""
    n = 200_000
    frame = _households(n, seed=7).drop(columns=["产业奖补"])
    frame["户编号"] = [f"4115{i // 3:08d}" for i in range(n)]
    frame["年度"] = np.tile([2021, 2022, 2023], n // 3 + 1)[:n]
    for src, dst in ((10, 150_001), (60_000, 199_998)):
        frame.loc[dst, ["户编号", "年度"]] = frame.loc[src, ["户编号", "年度"]].to_numpy()
    path = _export(frame, tmp_path / "large.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemoKeyWarning)
        expected = in_memory(tmp_path, [path])
        got = chunked(tmp_path, [path], chunk_rows=25_000)
    assert_same(expected, got)
    dup = got[0].problems.query("kind == 'duplicate_key'")
    assert sorted(dup["row"].astype(int)) == [13, 60_003, 150_004, 200_001]  # frame index + 3: title, header lines
    assert got[0].accounting["rows_read"].sum() == n


def test_ingest_command_chunk_rows_and_threshold(tmp_path, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemoKeyWarning)
        code_mem = ingest_command(
            [str(EXPORTS / "bad_duplicate_key.csv")], str(tmp_path / "a"), chunk_rows=0, force_demo_key=True
        )
        code_chunk = ingest_command(
            [str(EXPORTS / "bad_duplicate_key.csv")], str(tmp_path / "b"), chunk_rows=2, force_demo_key=True
        )
        code_auto = ingest_command(
            [str(EXPORTS / "bad_duplicate_key.csv")], str(tmp_path / "c"), chunk_threshold_mb=0, force_demo_key=True
        )
    assert code_mem == code_chunk == code_auto == 1
    records = [read_dataset_meta(tmp_path / d) for d in "abc"]
    assert records[0]["fingerprint"] == records[1]["fingerprint"] == records[2]["fingerprint"]
    assert records[0]["accounting"] == records[1]["accounting"] == records[1]["meta"]["accounting"]
    assert records[0]["reasons"] == records[1]["reasons"]
    for d in "abc":
        rejected = pd.read_csv(tmp_path / d / "validation" / "rejections.csv")
        assert len(rejected) == records[0]["accounting"][0]["rows_rejected"]
    assert not list(tmp_path.glob(".*partial*"))  # the work folder is removed


def test_ingest_command_chunked_no_rows_and_non_dataset(tmp_path, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemoKeyWarning)
        with pytest.raises(EvalkitError) as info:
            ingest_command(
                [str(EXPORTS / "bad_missing_column.csv")], str(tmp_path / "x"), chunk_rows=2, force_demo_key=True
            )
        assert info.value.code == "E-INGEST-NO-ROWS"
        assert not (tmp_path / "x").exists()
        other = tmp_path / "other"
        other.mkdir()
        (other / "keep.txt").write_text("not a dataset")
        with pytest.raises(EvalkitError) as info:
            ingest_command([str(EXPORTS / "good_utf8.csv")], str(other), chunk_rows=2, force_demo_key=True)
        assert info.value.code == "E-DATASET-NOT-DATASET"
        assert (other / "keep.txt").exists()


def test_strict_stops(tmp_path):
    run = ChunkedIngest([EXPORTS / "bad_negative.csv"], chunk_rows=2, workdir=tmp_path, strict=True, key=KEY)
    with pytest.raises(DataValidationError, match="bad_negative.csv"):
        list(run.panels())
    with pytest.raises(EvalkitError):
        ChunkedIngest([EXPORTS / "good_utf8.csv"], chunk_rows=0, workdir=tmp_path)


def test_cli_help_mentions_chunk_rows(capsys):
    from evalkit.cli.main import main

    with pytest.raises(SystemExit):
        main(["ingest", "--help"])
    out = capsys.readouterr().out
    assert "--chunk-rows" in out and "分块" in out and "blocks" in out
