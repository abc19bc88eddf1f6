"""Issue 18: identifiers masked by content in every message path, formula-safe spreadsheets,
datasets replaced by swap and locked, outputs checked before the work."""

from __future__ import annotations

import errno

import openpyxl
import pandas as pd
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.core.outputs import dataset_lock
from evalkit.io.masking import IdentifierMask, contains_identifier, mask_series, mask_text
from evalkit.io.spreadsheet import neutralise, neutralise_frame, write_table

FAKE_ID = "41152219800101999X"  # sequence code 999: a fake ID number
PAYLOADS = ['=HYPERLINK("http://x","click")', "+1+1", "-2+3", "@SUM(A1)", "\t=2+2", "\r=1", "plain", "-12.5"]


# ---------------------------------------------------------------------------------------------
# Masking by content (case 5)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, hidden",
    [
        (f"列「养老金」: 不是数字, 值为 {FAKE_ID}", FAKE_ID),
        ("值为 411522198001019993, 应为 数字", "411522198001019993"),
        ("first-generation 411522800101999 card", "411522800101999"),
        ("年度超出范围, 值为 13912345678", "13912345678"),
        ("电话 139-1234-5678 已填", "139-1234-5678"),
        ("+86 13912345678", "13912345678"),
    ],
)
def test_id_and_phone_shapes_are_masked_wherever_they_appear(text, hidden):
    masked = mask_text(text)
    assert hidden not in masked and "masked" in masked
    assert not contains_identifier(masked)


@pytest.mark.parametrize("text", ["2025", "户数 3000", "人均纯收入 15675.34 元", "4.11522E+13", "1234567890123"])
def test_ordinary_numbers_are_not_masked(text):
    assert mask_text(text) == text


def test_known_identifier_values_are_masked_as_whole_values():
    mask = IdentifierMask(["张三", "李四", "x"])
    assert "张三" not in mask("张三") and mask("王五") == "王五"
    frame = pd.DataFrame({"养老金": ["张三", "120"], "村": [f"幸福村 {FAKE_ID}", "幸福村"]})
    out = mask.frame(frame)
    assert out.loc[1].tolist() == ["120", "幸福村"]
    assert "张三" not in out.loc[0, "养老金"] and FAKE_ID not in out.loc[0, "村"]
    assert mask_series(pd.Series(["a", None]))[1] is pd.NA


def test_a_shifted_row_shows_no_identifier_in_problems_rejections_or_stdout(tmp_path, capsys):
    """An unquoted comma in a name shifts the row: the ID number lands in 养老金, the phone in a number column."""
    from evalkit.cli.main import main

    header = (
        "户编号,年度,户主姓名,身份证号码,联系电话,省,市,县,家庭人口数,户类型,"
        "工资性收入,生产经营性收入,生产经营性支出,财产性收入,转移性收入,养老金"
    )
    good = f"H001,2024,张三,{FAKE_ID},13912345678,河南省,信阳市,光山县,3,一般脱贫户,20000,3000,1000,200,4000,1200"
    shifted = (
        "H002,2024,李,四,411522198202029998,13812345678,河南省,信阳市,光山县,3,一般脱贫户,20000,3000,1000,200,4000"
    )
    src = tmp_path / "export.csv"
    src.write_text(f"{header}\n{good}\n{shifted}\n", encoding="utf-8")
    code = main(["validate", str(src), "--rejections", str(tmp_path / "rej")])
    out = capsys.readouterr()
    assert code == 1
    written = "".join(p.read_text(encoding="utf-8-sig") for p in (tmp_path / "rej").glob("*.csv"))
    for text in (out.out, out.err, written):
        for raw in ("411522198202029998", "13812345678", FAKE_ID, "13912345678"):
            assert raw not in text
    assert "masked" in written


def test_line_breaks_and_identifiers_in_place_names_reject_the_row(tmp_path):
    from evalkit.io.ingest import ingest

    header = "户编号,年度,省,市,县,村,家庭人口数,户类型,工资性收入,生产经营性收入,生产经营性支出,财产性收入,转移性收入"
    rows = [
        "H001,2024,河南省,信阳市,光山县,幸福村,3,一般脱贫户,20000,3000,1000,200,4000",
        f'H002,2024,河南省,信阳市,光山县,"新村\n张三 {FAKE_ID}",3,一般脱贫户,20000,3000,1000,200,4000',
        f"H003,2024,河南省,信阳市,光山县,新村 {FAKE_ID},3,一般脱贫户,20000,3000,1000,200,4000",
    ]
    src = tmp_path / "export.csv"
    src.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = ingest([str(src)])
    assert sorted(result.problems["kind"].unique()) == ["identifier_in_text", "line_break_in_text", "multiline_record"]
    assert len(result.panel.households) == 1
    text = result.problems.to_csv() + result.rejections.to_csv()
    assert FAKE_ID not in text and "张三" not in text


# ---------------------------------------------------------------------------------------------
# Formula-safe spreadsheets (case 4)
# ---------------------------------------------------------------------------------------------


def test_neutralise_prefixes_text_cells_and_keeps_numbers():
    frame = pd.DataFrame({"text": PAYLOADS, "number": [-1.5] * len(PAYLOADS)})
    safe = neutralise_frame(frame)
    assert safe["text"].tolist()[:6] == ["'" + p for p in PAYLOADS[:6]]
    assert safe["text"].tolist()[6:] == ["plain", "-12.5"]
    assert safe["number"].tolist() == [-1.5] * len(PAYLOADS)


def test_csv_and_xlsx_exports_run_no_formula(tmp_path):
    frame = pd.DataFrame({"household_id": ["h_1"] * len(PAYLOADS), "village": PAYLOADS, "change": -3.25})
    csv_path = write_table(frame, tmp_path / "list.csv")
    lines = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert lines[1].startswith("h_1,\"'=HYPERLINK(") and lines[2] == "h_1,'+1+1,-3.25"
    xlsx_path = write_table(frame, tmp_path / "list.xlsx")
    sheet = openpyxl.load_workbook(xlsx_path).active
    cells = [sheet.cell(row=r, column=2) for r in range(2, 2 + len(PAYLOADS))]
    assert [c.value for c in cells] == [neutralise(p) for p in PAYLOADS]  # the same text as the CSV, as text
    assert [c.value for c in cells][6:] == ["plain", "-12.5"]
    assert all(c.data_type == "s" for c in cells)
    assert all(c.value.startswith("'") for c in cells[:6])
    assert sheet.cell(row=2, column=3).value == -3.25 and sheet.cell(row=2, column=3).data_type == "n"


def test_watchlist_export_neutralises_payloads(tmp_path):
    from evalkit.demo import generate_panel
    from evalkit.evaluation.watchlist import export_watchlist, watchlist

    panel = generate_panel(households=300)
    watch = watchlist(panel, "广西壮族自治区", 2023)
    watch.loc[watch.index[0], "village"] = '=HYPERLINK("http://evil","x")'
    watch.loc[watch.index[1], "village"] = "@SUM(1)"
    export_watchlist(watch, tmp_path / "w.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "w.xlsx").active
    values = [c for row in sheet.iter_rows() for c in row]
    assert not [c for c in values if c.data_type == "f"]
    export_watchlist(watch, tmp_path / "w.csv")
    text = (tmp_path / "w.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(1)" in text and ",=HYPERLINK" not in text


def test_watchlist_and_scorecard_check_the_output_before_the_work(tmp_path, monkeypatch):
    from evalkit.cli import commands
    from evalkit.core import outputs

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    def no_work(*args, **kwargs):
        raise AssertionError("the work started before the output was checked")

    monkeypatch.setattr(outputs.tempfile, "mkstemp", read_only)
    monkeypatch.setattr(commands, "load_report_panel", no_work)
    with pytest.raises(EvalkitError) as info:
        commands.watchlist_command("广西壮族自治区", 2023, out=str(tmp_path / "w.xlsx"))
    assert info.value.code == "E-OUTPUT-FOLDER"
    with pytest.raises(EvalkitError) as info:
        commands.scorecard_command("信阳市", 2024, out=str(tmp_path / "s.csv"))
    assert info.value.code == "E-OUTPUT-FOLDER"
    with pytest.raises(EvalkitError) as info:
        commands.watchlist_command("广西壮族自治区", 2023, out=str(tmp_path / "w.txt"))
    assert info.value.code == "E-OUTPUT-SUFFIX"


# ---------------------------------------------------------------------------------------------
# Datasets: replaced by swap, one writer at a time (case 7, case 6 for datasets, case 10)
# ---------------------------------------------------------------------------------------------


def test_a_failed_rewrite_keeps_the_previous_dataset(tmp_path, monkeypatch):
    from evalkit.demo import generate_panel
    from evalkit.io import dataset

    panel = generate_panel(households=200)
    path = dataset.write_dataset(panel, tmp_path / "ds")
    before = dataset.read_dataset_meta(path)["fingerprint"]

    def full_disk(self, frame):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dataset._TableWriter, "write", full_disk)
    with pytest.raises(EvalkitError) as info:
        dataset.write_dataset(panel, path, overwrite=True)
    assert info.value.code == "E-OUTPUT"
    monkeypatch.undo()
    assert dataset.read_dataset_meta(path)["fingerprint"] == before
    assert dataset.verify_dataset(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]  # no partial folder left


def test_ingest_refuses_a_locked_dataset_and_a_symlinked_one(tmp_path):
    from evalkit.cli.commands import ingest_command

    src = tmp_path / "x.csv"
    src.write_text("户编号,年度\n", encoding="utf-8")
    with dataset_lock(tmp_path / "ds"):
        with pytest.raises(EvalkitError) as info:
            ingest_command([str(src)], out=str(tmp_path / "ds"), force_demo_key=True)
        assert info.value.code == "E-OUTPUT-LOCKED"
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(EvalkitError) as info:
        ingest_command([str(src)], out=str(tmp_path / "link"), force_demo_key=True)
    assert info.value.code == "E-OUTPUT-SYMLINK"


# ---------------------------------------------------------------------------------------------
# Pseudonym keys (case 13)
# ---------------------------------------------------------------------------------------------

EXPORT = (
    "户编号,年度,省,市,县,家庭人口数,户类型,工资性收入,生产经营性收入,生产经营性支出,财产性收入,转移性收入\n"
    "H001,{year},河南省,信阳市,光山县,3,一般脱贫户,20000,3000,1000,200,4000\n"
    "H002,{year},河南省,信阳市,光山县,4,一般脱贫户,18000,2000,500,100,3000\n"
)


def _export(folder, year):
    path = folder / f"{year}.csv"
    path.write_text(EXPORT.format(year=year), encoding="utf-8")
    return str(path)


def test_key_check_value_is_recorded_and_a_changed_key_is_refused(tmp_path, monkeypatch):
    from evalkit.cli.commands import ingest_command
    from evalkit.io.dataset import read_dataset_meta
    from evalkit.io.pseudonymise import key_check

    monkeypatch.setenv("EVALKIT_PSEUDONYM_KEY", "first-key")
    assert ingest_command([_export(tmp_path, 2024)], out=str(tmp_path / "ds")) == 0
    record = read_dataset_meta(tmp_path / "ds")
    assert record["meta"]["pseudonym_key"] == "user"
    assert record["meta"]["pseudonym_key_check"] == key_check(b"first-key") != key_check(b"other-key")
    assert "first-key" not in (tmp_path / "ds" / "dataset.json").read_text(encoding="utf-8")
    monkeypatch.setenv("EVALKIT_PSEUDONYM_KEY", "other-key")
    with pytest.raises(EvalkitError) as info:
        ingest_command([_export(tmp_path, 2024), _export(tmp_path, 2025)], out=str(tmp_path / "ds"))
    assert info.value.code == "E-KEY-MISMATCH"
    assert read_dataset_meta(tmp_path / "ds")["meta"]["pseudonym_key_check"] == key_check(b"first-key")
    assert ingest_command([_export(tmp_path, 2025)], out=str(tmp_path / "ds"), new_key=True) == 0
    assert read_dataset_meta(tmp_path / "ds")["meta"]["pseudonym_key_check"] == key_check(b"other-key")


def test_chunks_or_panel_sources_with_different_keys_are_not_combined(tmp_path, monkeypatch):
    from evalkit.core.panel import save_panel
    from evalkit.io.dataset import write_dataset
    from evalkit.io.ingest import ingest

    monkeypatch.setenv("EVALKIT_PSEUDONYM_KEY", "first-key")
    first = ingest([_export(tmp_path, 2024)]).panel
    monkeypatch.setenv("EVALKIT_PSEUDONYM_KEY", "other-key")
    second = ingest([_export(tmp_path, 2025)]).panel
    assert set(first.households["household_id"]).isdisjoint(second.households["household_id"])  # why it matters
    with pytest.raises(EvalkitError) as info:
        write_dataset(iter([first, second]), tmp_path / "mixed")
    assert info.value.code == "E-KEY-MISMATCH"
    assert not (tmp_path / "mixed").exists()
    save_panel(first, tmp_path / "panel2024")
    with pytest.raises(EvalkitError) as info:
        ingest([str(tmp_path / "panel2024" / "households.parquet"), _export(tmp_path, 2025)])
    assert info.value.code == "E-KEY-MISMATCH"


def test_the_demo_key_is_refused_on_data_not_labelled_synthetic(tmp_path, monkeypatch, capsys):
    from evalkit.cli.main import main

    monkeypatch.delenv("EVALKIT_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("EVALKIT_PSEUDONYM_KEY_FILE", raising=False)
    src = _export(tmp_path, 2024)
    assert main(["ingest", src, "--out", str(tmp_path / "ds")]) == 2
    err = capsys.readouterr().err
    assert "--force-demo-key" in err and "演示密钥" in err and not (tmp_path / "ds").exists()
    assert main(["ingest", src, "--out", str(tmp_path / "ds"), "--force-demo-key"]) == 0
    from evalkit.io.dataset import read_dataset_meta

    assert read_dataset_meta(tmp_path / "ds")["meta"]["pseudonym_key"] == "demo"


def test_reports_state_the_key_class():
    from evalkit.core.panel import Panel
    from evalkit.reporting.report import key_class

    assert key_class(Panel(pd.DataFrame(), meta={"pseudonym_key": "user"})) == "user"
    assert key_class(Panel(pd.DataFrame(), meta={"synthetic": True})) == "demo"
    assert key_class(Panel(pd.DataFrame(), meta={})) == "unknown"
