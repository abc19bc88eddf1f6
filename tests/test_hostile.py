"""Issue 18: the hostile-export corpus (tests/data/hostile/make_hostile.py). Every file gives the
outcome its manifest states, names physical lines, leaks no identifier, and the chunked ingest
gives the same problems and accounting as the whole-file ingest (cases 1, 3, 5, 8, 9, 11, 14, 15)."""

from __future__ import annotations

import csv
import importlib.util
import re
import warnings
from pathlib import Path

import pytest

from evalkit.io.chunked import ChunkedIngest
from evalkit.io.ingest import ingest
from evalkit.io.pseudonymise import DemoKeyWarning

HERE = Path(__file__).parent / "data" / "hostile"
_spec = importlib.util.spec_from_file_location("make_hostile", HERE / "make_hostile.py")
make_hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_hostile)
ID_OR_PHONE = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9X]|1390000[0-9]{4})(?![0-9])")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    return folder, make_hostile.build(folder)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemoKeyWarning)
        yield


def test_the_committed_manifest_is_the_scripts(corpus):
    folder, rows = corpus
    assert (HERE / "manifest.csv").read_text(encoding="utf-8") == (folder / "manifest.csv").read_text(encoding="utf-8")
    assert len(rows) == len(make_hostile.CASES) >= 12


def _rows(table) -> list[list[str]]:
    return sorted([str(x) for x in row] for row in table.values.tolist())


@pytest.mark.parametrize("name", list(make_hostile.CASES))
def test_each_file_gives_its_expected_outcome_and_leaks_no_identifier(corpus, name, tmp_path):
    folder, rows = corpus
    expected = next(r for r in rows if r["file"] == name)
    result = ingest([str(folder / name)])
    assert ";".join(sorted(set(result.problems["kind"]))) == expected["kinds"]
    assert int(result.accounting["rows_accepted"].sum()) == expected["accepted"]
    assert result.accounting["rows_read"].sum() == (
        result.accounting[["rows_accepted", "rows_rejected", "rows_excluded"]].sum(axis=1).sum()
    )
    text = result.problems.to_csv() + result.rejections.to_csv()
    assert not ID_OR_PHONE.search(text), ID_OR_PHONE.search(text).group(0)
    assert not any(f"张{i}" in text for i in range(2000) if f"张{i}," in text)
    assert result.problems["message_en"].str.len().max() < 1000 if len(result.problems) else True
    # chunked and whole-file ingest agree on problems and accounting (blocks of 4 lines; 500 for 2,000 rows)
    chunked = ChunkedIngest([str(folder / name)], chunk_rows=500 if name == "all_one_id.csv" else 4, workdir=tmp_path)
    accepted = sum(len(p.households) for p in chunked.panels())
    assert accepted == expected["accepted"]
    assert _rows(chunked.result().problems) == _rows(result.problems)
    assert _rows(chunked.result().accounting) == _rows(result.accounting)


def test_a_stray_quote_is_named_by_its_physical_lines(corpus):
    folder, _ = corpus
    result = ingest([str(folder / "stray_quote_closed.csv")])
    (record,) = result.problems[result.problems["kind"] == "multiline_record"].itertuples()
    assert record.row == 12 and "lines 12–16 form one record" in record.message_en
    accepted = result.accounting["rows_accepted"].iloc[0]
    assert accepted == 25 and result.accounting["rows_read"].iloc[0] == 26  # 30 lines: 12–16 one record
    unclosed = ingest([str(folder / "stray_quote_unclosed.csv")]).problems["message_en"].iloc[0]
    assert "physical line 12" in unclosed


def test_rows_after_a_stray_quote_keep_their_physical_line_numbers(corpus, tmp_path):
    folder, _ = corpus
    src = folder / "stray_quote_closed.csv"
    text = src.read_text(encoding="utf-8").replace("H0020,2024", "H0020,20x4", 1)  # physical line 22
    bad = tmp_path / "late_error.csv"
    bad.write_text(text, encoding="utf-8")
    result = ingest([str(bad)])
    assert 22 in set(result.problems.loc[result.problems["canonical"] == "year", "row"])


def test_absurd_values_are_rejected_and_sane_ones_accepted(corpus):
    folder, _ = corpus
    result = ingest([str(folder / "absurd_values.csv")])
    by_row = result.problems.groupby("row")["kind"].agg(lambda k: ";".join(sorted(set(k))))
    assert by_row[2] == "not_numeric" and by_row[9] == "not_numeric"  # inf, nan
    assert by_row[3] == by_row[4] == by_row[5] == by_row[6] == "implausible_value"  # 1e308, 1e12, size 99, 999,999,999
    assert by_row[7] == by_row[8] == "not_numeric"  # 2,1000 and 21 500: ambiguous separators
    households = result.panel.households.sort_values("wage")
    assert households["wage"].tolist() == [20000.0, 20000.0, 20000.0]  # full-width, flag marks, 20,000
    assert households["household_size"].tolist() == [3, 3, 3]
    assert sorted(households["property"]) == [0.0, 200.0, 200.0]


def test_subtotals_without_a_final_total_keep_the_last_township(corpus):
    folder, _ = corpus
    result = ingest([str(folder / "subtotals_without_total.csv")])
    assert sorted(result.panel.households["township"].value_counts().tolist()) == [4, 4, 4]
    assert result.accounting["rows_excluded"].iloc[0] == 2


def test_all_one_id_stays_linear(corpus):
    folder, _ = corpus
    result = ingest([str(folder / "all_one_id.csv")])
    dup = result.problems[result.problems["kind"] == "duplicate_key"]
    assert len(dup) == 2000 and dup["message_en"].str.len().max() < 600
    assert "2000 rows in all" in dup["message_en"].iloc[0]


def test_formula_payloads_stay_text_and_keep_their_tab(corpus):
    folder, _ = corpus
    villages = set(ingest([str(folder / "formula_payloads.csv")]).panel.households["village"])
    assert "\t=2+2" in villages and '=HYPERLINK("http://x","点击")' in villages


def test_header_only_and_semicolon_files_are_not_usable(corpus, capsys):
    from evalkit.cli.main import main

    folder, _ = corpus
    assert main(["validate", str(folder / "header_only.csv")]) == 1
    assert "no data rows" in capsys.readouterr().out
    assert main(["validate", str(folder / "semicolons.csv")]) == 1
    assert "separated by semicolons" in capsys.readouterr().out
    assert main(["validate", str(folder / "huge_cell.csv"), str(folder / "absurd_values.csv")]) == 1
    out = capsys.readouterr().out
    assert "CSV field limit" in out and "absurd_values.csv" in out  # one bad file does not abort the others


def test_xlsx_hidden_sheets_are_skipped_and_size_limits_hold(corpus, monkeypatch):
    from evalkit.io import readers

    folder, _ = corpus
    result = ingest([str(folder / "hidden_stale_sheet.xlsx")])
    assert result.accounting["sheet"].tolist() == ["甲镇"]
    assert "hidden sheet '旧数据' skipped" in result.problems["message_en"].iloc[0]
    assert not result.panel.households["household_id"].isin(result.panel.households["household_id"].head(0)).any()
    assert "A1:XFD1048576" in ingest([str(folder / "huge_dimension.xlsx")]).problems["message_en"].iloc[0]
    real = readers.input_limit
    monkeypatch.setattr(readers, "input_limit", lambda name: 0.001 if name == "xlsx_uncompressed_mb" else real(name))
    message = ingest([str(folder / "hidden_stale_sheet.xlsx")]).problems["message_en"].iloc[0]
    assert "zip bomb" in message and "data/input_limits.csv" in message


def test_every_visible_sheet_with_the_header_is_read_and_named(corpus, tmp_path):
    """Case 2: a sheet per township is read whole (30 of 30 rows), each sheet in the accounting and
    in its messages; the hidden stale sheet placed first is skipped with a note (once)."""
    folder, _ = corpus
    result = ingest([str(folder / "sheet_per_township.xlsx")])
    accounting = result.accounting.set_index("sheet")
    assert accounting.index.tolist() == ["甲镇", "乙镇", "丙镇"]
    assert accounting["rows_accepted"].tolist() == [10, 10, 10]
    assert accounting["file"].tolist() == [f"sheet_per_township.xlsx [{t}]" for t in ["甲镇", "乙镇", "丙镇"]]
    households = result.panel.households
    assert sorted(households["township"].value_counts().tolist()) == [10, 10, 10]
    assert len(households) == 30  # the stale sheet's 5 households are not among them
    notes = result.problems[result.problems["kind"] == "sheet_note"]
    assert len(notes) == 1 and "hidden sheet '旧数据' skipped" in notes["message_en"].iloc[0]
    # a problem on one sheet names that sheet (and the row as seen in it)
    import openpyxl

    book = openpyxl.load_workbook(folder / "sheet_per_township.xlsx")
    book["乙镇"]["B4"] = "20x4"  # 年度 of the third data row of 乙镇
    book.save(tmp_path / "bad.xlsx")
    bad = ingest([str(tmp_path / "bad.xlsx")])
    (problem,) = bad.problems[bad.problems["canonical"] == "year"].itertuples()
    assert problem.file == "bad.xlsx [乙镇]" and problem.row == 4
    assert "乙镇" in problem.message_en and "乙镇" in problem.message_zh
    # the same household on two sheets is a duplicate naming both sheets
    book["丙镇"]["A2"] = "H0000"
    book["丙镇"]["B4"] = "2024"
    book.save(tmp_path / "dup.xlsx")
    dup = ingest([str(tmp_path / "dup.xlsx")]).problems
    message = dup.loc[dup["kind"] == "duplicate_key", "message_en"].iloc[0]
    assert "[甲镇]" in message and "[丙镇]" in message


def test_per_capita_headers_are_converted_with_a_note(corpus):
    """Case 3 (per capita): 工资性收入（元/人） and 人均转移性收入 hold amounts per member; they become
    household totals (× 家庭人口数) with a warning naming each header, never summed as they are."""
    folder, _ = corpus
    result = ingest([str(folder / "per_capita_header.csv")])
    households = result.panel.households.sort_values("household_size")
    assert households["household_size"].tolist() == [2, 2, 3, 3, 4, 4]
    assert households["wage"].tolist() == [10000.0, 10000.0, 15000.0, 15000.0, 20000.0, 20000.0]
    assert households["transfer"].tolist() == [2000.0, 2000.0, 3000.0, 3000.0, 4000.0, 4000.0]
    assert households["operating_income"].tolist() == [3000.0] * 6  # stated per household: unchanged
    notes = result.problems[result.problems["kind"] == "per_capita_column"]
    assert sorted(notes["column"]) == ["人均转移性收入", "工资性收入（元/人）"]
    assert (notes["severity"] == "warning").all() and notes["row"].isna().all()
    assert "multiplied by the household size" in notes["message_en"].iloc[0]
    # the net income per capita follows: (10000 + 3000 - 1000 + 200 + 2000) / 2
    assert result.panel.households.sort_values("household_size")["net_income_pc"].iloc[0] == pytest.approx(7100.0)


def test_per_household_and_unit_free_headers_are_read_as_household_totals():
    from evalkit.io.headers import alias_index, header_per, map_header

    index = alias_index("households")
    assert [map_header(h) for h in ["工资性收入（元/户）", "工资性收入(元)", "人均纯收入", "家庭人口数(人)"]] == [
        "wage",
        "wage",
        "reported_net_income_pc",
        "household_size",
    ]
    assert [header_per(h, index) for h in ["工资性收入（元/人）", "人均工资性收入", "工资性收入(元/户)"]] == [
        "person",
        "person",
        "household",
    ]
    assert header_per("人均纯收入", index) is None and header_per("工资性收入", index) is None


def test_csv_row_and_size_caps_are_clear_errors_on_both_paths(corpus, monkeypatch, tmp_path):
    """Case 9 (bounded work): ``csv_max_rows`` / ``csv_max_mb`` of data/input_limits.csv stop a file
    with a message naming the limit; the other files of the call are still read; chunked agrees."""
    from evalkit.io import readers

    folder, _ = corpus
    real = readers.input_limit
    files = [str(folder / "all_one_id.csv"), str(folder / "formula_payloads.csv")]  # 2,000 and 4 rows
    assert real("csv_max_rows") >= 1_000_000 and real("csv_max_mb") >= 1024
    monkeypatch.setattr(readers, "input_limit", lambda name: 1000 if name == "csv_max_rows" else real(name))
    result = ingest(files)
    (error,) = result.problems[result.problems["kind"] == "unreadable_file"].itertuples()
    assert error.file == "all_one_id.csv" and "more than 1,000 data rows" in error.message_en
    assert "csv_max_rows" in error.message_en and "1,000 行" in error.message_zh
    assert result.accounting.set_index("file")["rows_accepted"].to_dict() == {
        "all_one_id.csv": 0,
        "formula_payloads.csv": 4,
    }
    chunked = ChunkedIngest(files, chunk_rows=100, workdir=tmp_path)
    assert sum(len(p.households) for p in chunked.panels()) == 4
    assert _rows(chunked.result().problems) == _rows(result.problems)
    monkeypatch.setattr(readers, "input_limit", lambda name: 0.01 if name == "csv_max_mb" else real(name))
    message = ingest([files[0]]).problems["message_en"].iloc[0]
    assert "above the limit of 0 MB" in message and "csv_max_mb" in message


def test_a_formula_without_a_saved_value_is_reported_as_that_formula(corpus):
    """Case 15: a formula cell without a cached value is neither blank nor 0: its row is rejected
    naming the formula, and a note says which rows hold such formulas."""
    folder, _ = corpus
    result = ingest([str(folder / "formula_without_value.xlsx")])
    (bad,) = result.problems[result.problems["kind"] == "not_numeric"].itertuples()
    assert bad.row == 3 and bad.value == "=N3*2" and bad.column == "工资性收入"
    (note,) = result.problems[result.problems["kind"] == "sheet_note"].itertuples()
    assert "1 cells hold formulas without a saved value (rows 3)" in note.message_en
    assert note.file == "formula_without_value.xlsx [台账]"


def test_manifest_rows_are_readable_as_csv():
    rows = list(csv.DictReader((HERE / "manifest.csv").open(encoding="utf-8")))
    assert {r["file"] for r in rows} == set(make_hostile.CASES)
