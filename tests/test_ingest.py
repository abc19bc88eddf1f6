"""Ingest of export files: formats, encodings, header aliases, validation per error kind, row accounting.

Fixtures: tests/data/exports/ (regenerate with tests/data/exports/make_fixtures.py; manifest.csv
records where each bad file's planted problem is).
"""

import time
import warnings
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from evalkit.core.errors import DataValidationError, EvalkitError
from evalkit.io.ingest import ROW, ingest, map_header, normalise_header, read_export
from evalkit.io.pseudonymise import DemoKeyWarning

EXPORTS = Path(__file__).resolve().parent / "data" / "exports"
MANIFEST = pd.read_csv(EXPORTS / "manifest.csv", dtype=str, keep_default_na=False)
GOOD = ["good_utf8.csv", "good_bom.csv", "good_gbk.csv", "good.xlsx", "good.parquet"]
KEY = "test-key"

HEADER = (
    "户编号,户主姓名,身份证号码,年度,省,市,县,家庭人口数,户类型,工资性收入,生产经营性收入,生产经营性支出,"
    "财产性收入,转移性收入"
)
ROW_OK = "{hid},张三,41152219800101999X,{year},河南省,信阳市,光山县,{size},一般脱贫户,{wage},2000,500,100,1000"


def run(paths, measures=(), **kw):
    kw.setdefault("key", KEY)
    return ingest(
        [EXPORTS / p if isinstance(p, str) else p for p in paths],
        measures=[EXPORTS / m if isinstance(m, str) else m for m in measures],
        **kw,
    )


def write(tmp_path, lines, name="t.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def assert_accounting_identity(result):
    acc = result.accounting
    assert (acc["rows_read"] == acc["rows_accepted"] + acc["rows_rejected"] + acc["rows_excluded"]).all()
    excluded = result.reasons[result.reasons["status"] == "excluded"].groupby("file")["rows"].sum()
    assert (acc.set_index("file")["rows_excluded"].loc[excluded.index] == excluded).all()
    assert acc["rows_excluded"].sum() == excluded.sum()


# --- reading -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, encoding, first_row",
    [
        ("good_utf8.csv", "UTF-8", 3),
        ("good_bom.csv", "UTF-8 (BOM)", 2),
        ("good_gbk.csv", "GB18030/GBK", 3),
        ("measures_long.csv", "GB18030/GBK", 2),
    ],
)
def test_csv_encoding_is_detected_and_reported_with_line_numbers(name, encoding, first_row):
    raw = read_export(EXPORTS / name)
    info = raw.attrs["export"]
    assert info["encoding"] == encoding
    assert raw[ROW].tolist() == list(range(first_row, first_row + 5))
    assert "户编号" in raw.columns


def test_xlsx_title_rows_blank_rows_and_total_row():
    raw = read_export(EXPORTS / "good.xlsx")
    info = raw.attrs["export"]
    assert info["header_row"] == 3 and info["sheet"] == "台账"
    # data at Excel rows 4, 5, two blank rows 6-7, then 8-10, 合计 at row 11
    assert raw[ROW].tolist() == [4, 5, 8, 9, 10]
    assert info["excluded"] == {"blank_row": 2, "total_row": 1, "below_total_row": 0}
    assert info["rows_read"] == 8
    # 户编号 stored as numbers (zeros lost), ID number ending in lower-case x stored as text
    assert raw["户编号"].tolist()[0] == "10001"
    assert raw["身份证号码"].tolist()[0] == "41152219800101999x"


def test_csv_total_and_footer_rows_are_counted(tmp_path):
    path = write(
        tmp_path,
        [
            "台账",
            HEADER,
            ROW_OK.format(hid="1", year=2023, size=3, wage=100),
            ",,,,,,,,,,,,,",
            ROW_OK.format(hid="2", year=2023, size=3, wage=100),
            "合 计,,,,,,,,,,,,,",
            "填表人: 某某,,,,,,,,,,,,,",
            "",
            "",
        ],
        encoding="gb18030",
    )
    result = run([path])
    acc = result.accounting.iloc[0]
    # trailing empty lines end the file and are not rows
    assert (acc.rows_read, acc.rows_accepted, acc.rows_rejected, acc.rows_excluded) == (5, 2, 0, 3)
    reasons = result.reasons.set_index("reason")["rows"]
    assert reasons.to_dict() == {"blank_row": 1, "total_row": 1, "below_total_row": 1}
    assert_accounting_identity(result)


def test_csv_lines_with_surplus_fields_do_not_shift_columns(tmp_path):
    lines = [
        "x",
        HEADER,
        ROW_OK.format(hid=1, year=2023, size=2, wage=7) + ",,",
        ROW_OK.format(hid=2, year=2023, size=2, wage=8) + ",,extra",
    ]
    result = run([write(tmp_path, lines)])
    # trailing empty fields are harmless; a surplus non-empty field may mean shifted values (issue 18
    # item 14): that line is rejected, named by its physical line number, in both ingest paths
    assert sorted(result.panel.households["wage"]) == [7]
    errors = result.errors
    assert errors["kind"].tolist() == ["field_count"] and errors["row"].tolist() == [4]
    warn = result.problems[result.problems["severity"] == "warning"]
    assert warn["kind"].tolist() == ["unknown_column"] and warn["column"].tolist() == ["(第16列 / column 16)"]


def test_good_files_of_every_format_give_the_same_households():
    panels = []
    for name in GOOD:
        result = run([name])
        assert result.ok, result.errors["message_en"].tolist()
        assert result.accounting["rows_accepted"].tolist() == [5]
        assert_accounting_identity(result)
        hh = result.panel.households.sort_values("household_id").reset_index(drop=True)
        panels.append(hh)
    cols = [
        "household_id",
        "year",
        "province",
        "county",
        "household_size",
        "household_type",
        "wage",
        "operating_income",
        "operating_expenses",
        "property",
        "transfer",
        "net_income_pc",
        "id_card",
    ]
    for hh in panels[1:]:
        pd.testing.assert_frame_equal(hh[cols], panels[0][cols], check_dtype=False)
    hh = panels[0]
    assert hh["year"].dtype == "int64" and hh["household_size"].dtype == "int64"
    assert sorted(hh["net_income_pc"]) == [8000, 8000, 8000, 10000, 10000]
    assert hh["household_id"].str.fullmatch(r"h_[0-9a-f]{16}").all()
    assert hh["id_card"].str.fullmatch(r"p_[0-9a-f]{16}").all()
    assert not {"head_name", "phone"} & set(hh.columns)


def test_ids_that_lost_leading_zeros_match_across_files():
    # good.xlsx stores 户编号 0010001 as the number 10001: the same household as in the CSV
    result = run(["good_utf8.csv", "good.xlsx"])
    dups = result.errors
    assert set(dups["kind"]) == {"duplicate_key"}
    assert len(dups) == 10
    assert dups[dups["file"] == "good.xlsx [台账]"]["row"].tolist() == [4, 5, 8, 9, 10]


# --- header aliases ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, canonical",
    [
        ("工资性收入", "wage"),
        ("工资性收入（元）", "wage"),
        ("工资性收入(元)", "wage"),
        (" 工资性收入 (元) ", "wage"),
        ("市（州）", "prefecture"),
        ("市(州)", "prefecture"),
        ("县（市、区）", "county"),
        ("务工时间（月）", "migrant_work_months"),
        ("家庭人口数", "household_size"),
        ("户编号", "household_id"),
        ("wage", "wage"),
        ("Household_ID", "household_id"),
        ("户主身份证号码", "id_card"),
        ("联系方式", "phone"),
        ("姓名", "head_name"),
        ("net_income_pc", None),
        ("备注", None),
        ("公益性岗位", None),
    ],
)
def test_header_aliases_normalise_width_brackets_and_units(header, canonical):
    assert map_header(header) == canonical


def test_measure_headers_map_in_the_measures_table():
    assert map_header("帮扶措施", "measures") == "measure"
    assert map_header("金额（元）", "measures") == "amount"
    assert normalise_header("（元）") == "(元)"


def test_unknown_columns_are_warnings_and_not_carried():
    result = run(["good_utf8.csv"])
    warn = result.problems[result.problems["severity"] == "warning"]
    assert warn["kind"].tolist() == ["unknown_column"] and warn["column"].tolist() == ["备注"]
    assert warn["row"].isna().all()
    assert "备注" not in result.panel.households.columns and "remarks" not in result.panel.households.columns


def test_demo_style_parquet_derived_columns_are_recomputed(tmp_path):
    hh = run(["good.parquet"]).panel.households
    wrong = hh.drop(columns=["is_tuopin", "is_monitored", "id_card"]).assign(net_income_pc=1.0)
    wrong.to_parquet(tmp_path / "p.parquet")
    result = run([tmp_path / "p.parquet"])
    assert result.ok
    assert set(result.problems["kind"]) == {"derived_column"}
    # ids are pseudonymised again (hash of the hash), so match households by their distinct wages
    assert np.allclose(
        result.panel.households.sort_values("wage")["net_income_pc"].to_numpy(),
        hh.sort_values("wage")["net_income_pc"].to_numpy(),
    )


# --- measures ------------------------------------------------------------------------------------


def test_wide_measure_columns_are_melted():
    result = run(["good_utf8.csv"])
    hh = run(["good_utf8.csv"]).panel.households
    ids = dict(zip(hh["wage"], hh["household_id"], strict=False))  # wages are distinct in the fixture
    m = result.panel.measures.set_index(["household_id", "measure"])["amount"]
    assert m[(ids[32000.0], "public_welfare_post")] == 6000
    assert np.isnan(m[(ids[9000.0], "public_welfare_post")])  # 是: received, no amount
    assert np.isnan(m[(ids[15000.0], "microcredit")])
    assert len(m) == 3  # 0, 否 and blank cells are not measures received
    assert (result.panel.measures["year"] == 2023).all()


def test_long_measure_file_maps_aliases_to_codes():
    for name in ("measures_long.csv", "measures_long.xlsx"):
        result = run([], measures=[name])
        assert result.ok
        m = result.panel.measures
        assert sorted(m["measure"]) == sorted(
            ["public_welfare_post", "microcredit", "skills_training", "photovoltaic", "dibao"]
        )
        assert m.loc[m["measure"] == "microcredit", "amount"].item() == 50000
        assert np.isnan(m.loc[m["measure"] == "skills_training", "amount"].item())
    # the same household gets the same pseudonym in the household file and the measures file
    both = run(["good_gbk.csv"], measures=["measures_long.csv"])
    assert set(both.panel.measures["household_id"]) <= set(both.panel.households["household_id"])


def test_repeated_measure_rows_are_summed_with_a_warning(tmp_path):
    path = write(tmp_path, ["户编号,年度,帮扶措施,金额", "1,2023,公益性岗位,3000", "1,2023,乡村公益性岗位,3000"])
    result = run([], measures=[path])
    assert result.ok
    assert result.panel.measures["amount"].tolist() == [6000]
    assert "measure_rows_combined" in set(result.problems["kind"])
    assert result.accounting["rows_accepted"].tolist() == [2]


# --- validation: one fixture per error kind ------------------------------------------------------


@pytest.mark.parametrize("case", MANIFEST.to_dict("records"), ids=MANIFEST["file"].tolist())
def test_each_error_kind_names_file_row_and_column(case):
    is_measures = case["kind"] == "unknown_measure"
    result = run([] if is_measures else [case["file"]], measures=[case["file"]] if is_measures else [])
    errors = result.errors
    assert not result.ok
    assert set(errors["kind"]) == {case["kind"]}
    sheet = " [台账]" if case["file"].endswith(".xlsx") else ""  # a workbook's rows are named by their sheet
    assert set(errors["file"]) == {case["file"] + sheet}
    if case["row"]:
        assert int(case["row"]) in errors["row"].tolist()
        hit = errors[errors["row"] == int(case["row"])].iloc[0]
        assert hit["column"] == case["column"]
        assert case["file"] in hit["message_zh"] and f"第 {case['row']} 行" in hit["message_zh"]
        assert f"row {case['row']}" in hit["message_en"] and case["column"] in hit["message_en"]
        # only the bad row(s) are rejected, the rest accepted
        assert result.accounting["rows_rejected"].item() == errors["row"].nunique()
    else:  # missing column: a file-level error, every row rejected
        assert errors["row"].isna().all() and errors["column"].tolist() == ["家庭人口数"]
        assert result.accounting["rows_accepted"].item() == 0
    assert_accounting_identity(result)
    assert len(result.rejections) == result.accounting["rows_rejected"].sum()


def test_duplicate_rows_name_each_other():
    errors = run(["bad_duplicate_key.csv"]).errors
    assert errors["row"].tolist() == [4, 8]
    assert all("row 4" in m and "row 8" in m for m in errors["message_en"])


def test_household_size_zero_and_fraction():
    for name, value in (("bad_household_size.csv", "0"), ("bad_household_size.xlsx", "2.5")):
        assert run([name]).errors["value"].tolist() == [value]


def test_total_tolerance_is_one_yuan_and_half_a_yuan_per_capita(tmp_path):
    header = HEADER + ",家庭纯收入,人均纯收入"
    # components: wage 9500 + 2000 - 500 + 100 + 1000 = 12100 for 4 persons = 3025 per capita
    lines = ["x", header] + [
        ROW_OK.format(hid=i, year=2023, size=4, wage=9500) + f",{tot},{pc}"
        for i, (tot, pc) in enumerate([(12101, 3025.5), (12101.5, 3025), (12100, 3025.6)])
    ]
    errors = run([write(tmp_path, lines)]).errors
    assert errors["kind"].tolist() == ["total_mismatch", "total_mismatch"]
    assert errors["row"].tolist() == [4, 5]
    assert errors["column"].tolist() == ["家庭纯收入", "人均纯收入"]


def test_negative_net_operating_income_is_allowed(tmp_path):
    line = ROW_OK.format(hid=1, year=2023, size=2, wage=0).replace(",2000,500,", ",100,5000,")
    result = run([write(tmp_path, ["x", HEADER, line])])
    assert result.ok
    assert result.panel.households["net_operating"].item() == -4900


def test_year_range_is_configurable(tmp_path):
    path = write(tmp_path, ["x", HEADER, ROW_OK.format(hid=1, year=2016, size=2, wage=1)])
    assert run([path]).ok
    errors = run([path], min_year=2018, max_year=2020).errors
    assert errors["kind"].tolist() == ["year_out_of_range"] and "2018–2020" in errors["expected"].item()


def test_unknown_region_reports_only_the_highest_unknown_level(tmp_path):
    lines = [
        "x",
        HEADER,
        ROW_OK.format(hid=1, year=2023, size=2, wage=1).replace("河南省", "湖南省"),
        ROW_OK.format(hid=2, year=2023, size=2, wage=1).replace("信阳市", "新阳市"),
        ROW_OK.format(hid=3, year=2023, size=2, wage=1),
    ]
    errors = run([write(tmp_path, lines)]).errors
    assert list(zip(errors["row"], errors["canonical"], errors["value"], strict=False)) == [
        (3, "province", "湖南省"),
        (4, "prefecture", "新阳市"),
    ]
    assert "did you mean: 信阳市" in errors["message_en"].iloc[1] and "是否指: 信阳市" in errors["message_zh"].iloc[1]


def test_region_aliases_are_normalised_with_a_warning_and_counted():
    result = run(["aliases_gbk.csv"])
    good = run(["good_gbk.csv"]).panel.households
    regions = ["household_id", "province", "prefecture", "county", "township"]
    pd.testing.assert_frame_equal(result.panel.households[regions], good[regions])
    assert_accounting_identity(result)
    assert result.accounting[["rows_read", "rows_accepted", "rows_rejected"]].values.tolist() == [[6, 5, 1]]
    warned = result.problems[result.problems["kind"] == "region_alias"]
    assert (warned["severity"] == "warning").all()
    found = set(zip(warned["column"], warned["value"], warned["row"], strict=False))
    assert found == {
        ("省", "广西区", 7),
        ("市（州）", "信阳", 4),
        ("市（州）", "南宁", 7),
        ("市（州）", "红河州", 5),
        ("县(市、区)", "光山", 3),
    }
    assert "已改为「红河哈尼族彝族自治州」" in warned.loc[warned["value"] == "红河州", "message_zh"].item()
    assert "in 2 rows" in warned.loc[warned["value"] == "光山", "message_en"].item()
    normalised = result.reasons[result.reasons["status"] == "normalised"]
    assert normalised[["reason", "rows"]].values.tolist() == [["region_alias", 4]]  # file rows 3, 4, 5 and 7
    error = result.errors
    assert list(zip(error["kind"], error["row"], error["column"], error["value"], strict=False)) == [
        ("unknown_region", 8, "市（州）", "红河洲")
    ]
    assert "did you mean: 红河哈尼族彝族自治州" in error["message_en"].item()


def test_measure_rows_without_a_household_row_are_rejected_and_counted():
    result = run(["good_utf8.csv"], measures=["measures_orphan.csv"])
    assert_accounting_identity(result)
    acc = result.accounting.set_index("file").loc["measures_orphan.csv"]
    assert (acc["rows_read"], acc["rows_accepted"], acc["rows_rejected"]) == (4, 2, 2)
    errors = result.errors
    assert errors["kind"].tolist() == ["measure_without_household"] * 2
    assert errors["row"].tolist() == [3, 5] and (errors["column"] == "户编号/年度").all()
    assert (
        "measures_orphan.csv 第 3 行" in errors["message_zh"].iloc[0]
        and "年度/year 2022" in errors["message_en"].iloc[1]
    )
    assert result.rejections["row"].tolist() == [3, 5]
    assert result.reasons.query("status == 'rejected'")[["reason", "rows"]].values.tolist() == [
        ["measure_without_household", 2]
    ]
    keys = result.panel.households[["household_id", "year"]].drop_duplicates()
    assert (
        len(result.panel.measures.merge(keys)) == len(result.panel.measures) == 3
    )  # the wide columns' 3; the 2 accepted long rows repeat 2 of them


def test_measure_rows_of_rejected_household_rows_are_rejected():
    result = run(["bad_negative.csv"], measures=["measures_long.csv"])
    errors = result.errors.set_index("kind")
    assert errors.loc["measure_household_rejected", "file"] == "measures_long.csv"
    assert errors.loc["measure_household_rejected", "row"] == 6  # 0010004, whose household row (line 6) is rejected
    assert set(result.panel.measures["household_id"]) <= set(result.panel.households["household_id"])
    alone = run([], measures=["measures_long.csv"])  # a measure file checked on its own is kept as it is
    assert alone.ok and len(alone.panel.measures) == 5


def test_inverted_year_range_is_a_clear_error():
    with pytest.raises(EvalkitError) as info:
        run(["good_utf8.csv"], min_year=2024, max_year=2020)
    assert info.value.code == "E-YEAR-RANGE"


def test_blank_required_values_and_household_id_from_id_card(tmp_path):
    header = HEADER.replace("户编号,", "")
    row = ROW_OK.replace("{hid},", "")
    lines = [
        "x",
        header,
        row.format(year=2023, size=2, wage=1),
        row.format(year=2023, size=2, wage=1)
        .replace("41152219800101999X", "41152219800101999x")
        .replace(",2023,", ",2022,"),
        row.format(year="", size=2, wage=1).replace("41152219800101999X", "511522198001019999"),
    ]
    result = run([write(tmp_path, lines)])
    assert result.errors[["row", "kind", "column"]].values.tolist() == [[5, "missing_value", "年度"]]
    hh = result.panel.households
    assert hh["household_id"].nunique() == 1 and len(hh) == 2  # x and X: the same person, same household


def test_id_number_that_lost_precision_in_excel(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["身份证号码", "年度", "帮扶措施"])
    sheet.append([411522198001019994, 2023, "低保"])  # Excel keeps 15 digits
    sheet.append(["41152219800101999X", 2023, "低保"])
    book.save(tmp_path / "m.xlsx")
    result = run([], measures=[tmp_path / "m.xlsx"])
    errors = result.errors
    assert errors[["row", "kind", "column"]].values.tolist() == [[2, "invalid_id_card", "身份证号码"]]
    assert "411522198001011" not in errors["message_zh"].item()


def test_strict_mode_stops_at_the_first_problem(tmp_path):
    lines = [
        "x",
        HEADER,
        ROW_OK.format(hid=1, year=2023, size=0, wage="abc"),
        ROW_OK.format(hid=2, year=1999, size=2, wage=1),
    ]
    path = write(tmp_path, lines)
    assert len(run([path]).errors) == 3
    with pytest.raises(DataValidationError) as info:
        run([path], strict=True)
    assert len(info.value.problems) == 1
    assert "strict" in str(info.value) and "t.csv" in str(info.value)


def test_unreadable_and_headerless_files_are_file_level_errors(tmp_path):
    (tmp_path / "a.csv").write_text("a,b\n1,2\n")
    (tmp_path / "b.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    result = run([tmp_path / "a.csv", tmp_path / "b.xls", EXPORTS / "good_utf8.csv"])
    errors = result.errors
    assert errors["kind"].tolist() == ["no_header", "unreadable_file"]
    assert result.panel.households.shape[0] == 5  # the good file is still read


def test_demo_key_warning_when_no_key(monkeypatch):
    monkeypatch.delenv("EVALKIT_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("EVALKIT_PSEUDONYM_KEY_FILE", raising=False)
    with pytest.warns(DemoKeyWarning):
        result = ingest([EXPORTS / "good_utf8.csv"])
    assert result.demo_key and result.panel.meta["pseudonym_key"] == "demo"
    with warnings.catch_warnings():
        warnings.simplefilter("error", DemoKeyWarning)
        assert not run(["good_utf8.csv"]).demo_key


def test_validation_is_vectorised_on_a_large_file(tmp_path):
    n = 100_000
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "户编号": np.arange(n).astype(str),
            "年度": 2023,
            "省": "河南省",
            "市": "信阳市",
            "县": "光山县",
            "家庭人口数": rng.integers(1, 6, n),
            "户类型": "一般脱贫户",
            "工资性收入": rng.integers(0, 50_000, n),
            "生产经营性收入": 2000,
            "生产经营性支出": 500,
            "财产性收入": 100,
            "转移性收入": 1000,
        }
    )
    frame.loc[123, "工资性收入"] = -1
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False, encoding="gb18030")
    start = time.perf_counter()
    result = run([path])
    elapsed = time.perf_counter() - start
    assert result.errors["row"].tolist() == [125]
    assert result.accounting["rows_accepted"].item() == n - 1
    assert elapsed < 20, elapsed


def test_unreadable_files_are_refused_with_stable_codes(tmp_path):
    """Each kind of unreadable file has its own code (docs/errors.md), whatever the message says."""
    header = "户编号,年度,省,市,县,家庭人口数\n"
    cases = {
        "missing.csv": None,
        "old.xls": b"\xd0\xcf\x11\xe0",
        "notes.txt.doc": b"x",
        "semicolons.csv": header.replace(",", ";").encode() + "1;2024;河南省;信阳市;光山县;3\n".encode(),
        "no_header.csv": "甲,乙\n1,2\n".encode(),
        "renamed.xlsx": b"not a zip file",
        "latin1.csv": header.encode() + b"1,2024,\xff\xfe\xfa,x,y,3\n",
    }
    codes = {}
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(EvalkitError) as info:
            read_export(path)
        codes[name] = info.value.code
    assert codes == {
        "missing.csv": "E-FILE-NOT-FOUND",
        "old.xls": "E-FILE-TYPE",
        "notes.txt.doc": "E-FILE-TYPE",
        "semicolons.csv": "E-FILE-SEPARATOR",
        "no_header.csv": "E-FILE-NO-HEADER",
        "renamed.xlsx": "E-FILE-XLSX",
        "latin1.csv": "E-FILE-ENCODING",
    }
