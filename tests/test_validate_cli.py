"""`evalkit validate`: exit codes, the printed accounting and problems, and that raw identifiers never leak."""

import importlib.util
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evalkit.cli.main import main
from evalkit.core.panel import save_panel
from evalkit.io.ingest import ingest

EXPORTS = Path(__file__).resolve().parent / "data" / "exports"
MANIFEST = pd.read_csv(EXPORTS / "manifest.csv", dtype=str, keep_default_na=False)


def _fixture_identifiers() -> list[str]:
    spec = importlib.util.spec_from_file_location("make_fixtures", EXPORTS / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RAW_IDENTIFIERS


RAW = _fixture_identifiers()


@pytest.fixture(autouse=True)
def _user_key(monkeypatch):
    monkeypatch.setenv("EVALKIT_PSEUDONYM_KEY", "cli-test-key")


def validate(capsys, *args):
    code = main(["validate", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("name", ["good_utf8.csv", "good_bom.csv", "good_gbk.csv", "good.xlsx", "good.parquet"])
def test_good_files_exit_zero_with_the_accounting(capsys, name):
    code, out, err = validate(capsys, EXPORTS / name, "--measures", EXPORTS / "measures_long.csv")
    assert code == 0, out
    assert "行数核算 / row accounting" in out and "usable" in out
    line = next(ln for ln in out.splitlines() if ln.strip().startswith(name))
    assert line.split()[-4:-1] == ["5" if name != "good.xlsx" else "8", "5", "0"]
    assert "Traceback" not in out + err


@pytest.mark.parametrize("case", MANIFEST.to_dict("records"), ids=MANIFEST["file"].tolist())
def test_each_bad_fixture_exits_nonzero_naming_file_row_and_column(capsys, case):
    path = EXPORTS / case["file"]
    args = [EXPORTS / "good_gbk.csv", "--measures", path] if case["kind"] == "unknown_measure" else [path]
    code, out, err = validate(capsys, *args)
    assert code == 1
    assert "NOT usable" in out and "Traceback" not in out + err
    error_lines = [ln for ln in out.splitlines() if "[错误/error]" in ln]
    assert error_lines
    label = case["file"] + (" [台账]" if case["file"].endswith(".xlsx") else "")  # a workbook names its sheet
    expected = f"{label} 第 {case['row']} 行" if case["row"] else label
    hit = [ln for ln in error_lines if expected in ln]
    assert hit, error_lines
    column = case["column"] or "家庭人口数"
    assert f"「{column}」" in hit[0]


def test_strict_mode_stops_at_the_first_problem(capsys):
    code, out, err = validate(capsys, EXPORTS / "bad_duplicate_key.csv", EXPORTS / "bad_negative.csv", "--strict")
    assert code == 2
    assert "strict mode" in err and err.count("bad_") == 2  # one problem, zh + en line
    assert "Traceback" not in out + err


def test_missing_file_is_a_clean_error(capsys, tmp_path):
    code, out, err = validate(capsys, tmp_path / "nope.csv")
    assert code == 1
    assert "nope.csv" in out and "Traceback" not in out + err


def test_demo_key_warning_is_printed(capsys, monkeypatch):
    monkeypatch.delenv("EVALKIT_PSEUDONYM_KEY")
    code, out, err = validate(capsys, EXPORTS / "good_utf8.csv")
    assert code == 0
    assert "DEMO pseudonymisation key" in err and "演示假名化密钥" in err


def test_rejections_file_accounts_for_every_rejected_row(capsys, tmp_path):
    code, out, err = validate(
        capsys,
        EXPORTS / "bad_duplicate_key.xlsx",
        "--measures",
        EXPORTS / "bad_unknown_measure.csv",
        "--rejections",
        tmp_path,
    )
    assert code == 1
    rejections = pd.read_csv(tmp_path / "rejections.csv", encoding="utf-8-sig")
    # the duplicated household (0010002) loses both rows, so its two measure rows (lines 4, 5) go too
    assert sorted(zip(rejections["file"], rejections["row"], strict=False)) == [
        ("bad_duplicate_key.xlsx [台账]", 7),
        ("bad_duplicate_key.xlsx [台账]", 11),
        ("bad_unknown_measure.csv", 4),
        ("bad_unknown_measure.csv", 5),
        ("bad_unknown_measure.csv", 8),
    ]
    assert sorted(rejections["reasons"]) == [
        "duplicate_key",
        "duplicate_key",
        "measure_household_rejected",
        "measure_household_rejected",
        "unknown_measure",
    ]
    assert rejections["household_id"].str.fullmatch(r"h_[0-9a-f]{16}").all()
    assert rejections.loc[rejections["reasons"] == "unknown_measure", "measure"].item() == "发放鸡苗"
    assert not {"head_name", "phone", "id_card"} & set(rejections.columns)
    problems = pd.read_csv(tmp_path / "problems.csv", encoding="utf-8-sig")
    assert len(problems[problems["severity"] == "error"]) == 5


def _every_output_text(tmp_path: Path, texts: list[str]) -> str:
    chunks = list(texts)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for encoding in ("utf-8", "gb18030"):
                chunks.append(data.decode(encoding, errors="ignore"))
    return "\n".join(chunks)


def test_raw_identifiers_never_leak(capsys, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    files = sorted(
        p for p in EXPORTS.iterdir() if p.suffix in (".csv", ".xlsx", ".parquet") and p.name != "manifest.csv"
    )
    households = [p for p in files if "measure" not in p.name]
    measures = [p for p in files if "measure" in p.name]
    texts = []
    out_dir = tmp_path / "out"
    code, out, err = validate(capsys, *households, "--measures", *measures, "--rejections", out_dir)
    assert code == 1
    texts += [out, err]
    code, out, err = validate(capsys, EXPORTS / "bad_household_size.csv", "--strict")
    texts += [out, err]
    result = ingest(households, measures=measures, key="k")
    save_panel(result.panel, out_dir / "panel")
    texts += [
        result.panel.households.to_csv(),
        result.panel.measures.to_csv(),
        result.problems.to_csv(),
        result.rejections.to_csv(),
        result.accounting.to_csv(),
        str(result.panel.meta),
        caplog.text,
    ]
    everything = _every_output_text(out_dir, texts)
    assert "rejections.csv" in everything and len(result.problems) > 20  # the search covers real output
    leaked = [raw for raw in RAW if raw in everything]
    assert leaked == []


def test_demo_panel_and_demo_export_validate(capsys, tmp_path):
    demo = pytest.importorskip("evalkit.demo")
    panel = demo.generate_panel(households=300)
    folder = save_panel(panel, tmp_path / "demo")
    code, out, err = validate(capsys, folder / "households.parquet", "--measures", folder / "measures.parquet")
    assert code == 0, out
    assert f"{len(panel.households)}" in out
    export, export_measures = demo.write_export(panel, tmp_path / "export" / "export.csv", encoding="gbk")
    code, out, err = validate(capsys, export, "--measures", export_measures, "--rejections", tmp_path / "rej")
    assert code == 0, out
    raw = pd.read_csv(export, encoding="gbk", dtype=str)
    identifiers = pd.concat([raw["户主姓名"], raw["身份证号码"], raw["联系电话"], raw["户编号"]]).unique()
    result = ingest([export], measures=[export_measures])
    assert len(result.panel.households) == len(panel.households)
    assert len(result.panel.measures) == len(panel.measures)
    everything = _every_output_text(
        tmp_path / "rej", [out, err, result.panel.households.to_csv(), result.panel.measures.to_csv()]
    )
    assert [v for v in identifiers if v in everything] == []


def test_installed_command_runs_without_traceback(tmp_path):
    exe = shutil.which("evalkit", path=str(Path(sys.executable).parent)) or shutil.which("evalkit")
    assert exe, "the evalkit console script is not installed"
    env = dict(os.environ, EVALKIT_PSEUDONYM_KEY="cli-test-key")
    proc = subprocess.run(
        [exe, "validate", str(EXPORTS / "bad_unknown_region.xlsx")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "bad_unknown_region.xlsx [台账] 第 10 行" in proc.stdout and "「县(市、区)」" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


def test_year_range_flags_reach_ingest(capsys):
    code, out, _ = validate(capsys, EXPORTS / "good_utf8.csv", "--min-year", "2024")
    assert code == 1 and "年度超出范围" in out and "2024–" in out and "good_utf8.csv 第 3 行" in out
    code, out, _ = validate(capsys, EXPORTS / "good_utf8.csv", "--max-year", "2022")
    assert code == 1 and "year out of range" in out and "2013–2022" in out
    code, out, _ = validate(capsys, EXPORTS / "good_utf8.csv", "--min-year", "2023", "--max-year", "2023")
    assert code == 0, out
    code, _, err = validate(capsys, EXPORTS / "good_utf8.csv", "--min-year", "2024", "--max-year", "2020")
    assert code == 2 and "invalid year range" in err and "Traceback" not in err


def test_year_range_flags_have_bilingual_help(capsys):
    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    out = capsys.readouterr().out
    assert "--min-year" in out and "最早接受的年度" in out and "earliest accepted year" in out
    assert "--max-year" in out and "最晚接受的年度" in out and "latest accepted year" in out


def test_aliases_and_orphan_measures_in_the_printed_accounting(capsys):
    code, out, _ = validate(capsys, EXPORTS / "good_utf8.csv", "--measures", EXPORTS / "measures_orphan.csv")
    assert code == 1 and "measures_orphan.csv 第 5 行 列「户编号/年度」" in out
    assert "户表中没有该户该年度的行 / no row for this household and year in the household files: 2" in out
    code, out, _ = validate(capsys, EXPORTS / "aliases_gbk.csv")
    assert (
        code == 1
        and "[已规范/normalised] 地区名称已规范为登记名称 / region name normalised to the registry name: 4" in out
    )
    assert "[警告/warning]" in out and "aliases_gbk.csv 第 8 行 列「市（州）」" in out


def test_problems_are_grouped_by_kind_with_20_rows_each_unless_all(capsys, tmp_path):
    from evalkit.io.ingest import ROWS_PER_KIND, problem_lines

    def problem(kind, severity, row):
        message = f"f.csv 第 {row} 行「家庭人口数」: {kind}"
        return dict(
            file="f.csv",
            row=row,
            column="家庭人口数",
            canonical="household_size",
            value="x",
            kind=kind,
            severity=severity,
            expected="",
            message_zh=message,
            message_en=f"f.csv row {row}: {kind}",
        )

    rows = [problem("not_numeric", "warning", r) for r in range(2, 40)]
    rows += [problem("negative", "error", r) for r in range(2, 30)] + [problem("negative", "error", 2)]  # a repeat
    problems = pd.DataFrame(rows)
    lines = problem_lines(problems)
    headings = [ln for ln in lines if not ln.startswith("  ")]
    assert "(negative): 28 处 / rows" in headings[0]  # errors first; the repeated problem once
    assert "(not_numeric): 38 处 / rows" in headings[1]
    negative = lines[1 : lines.index(headings[1])]
    assert len([ln for ln in negative if "[错误/error]" in ln]) == ROWS_PER_KIND == 20
    assert "8 more: --all prints every row" in negative[-1]
    assert len(lines) == len(set(lines))  # every line once
    every = problem_lines(problems, None)
    assert len([ln for ln in every if "[错误/error]" in ln]) == 28 and not any("--all" in ln for ln in every)
    assert len([ln for ln in every if "[警告/warning]" in ln]) == 38


def test_validate_lists_the_analyses_the_absent_optional_columns_skip(capsys):
    """good_utf8.csv has no 纳入监测年度, 村, 劳动力 columns: validate says which analyses will be skipped
    (data/column_uses.csv), and not those whose columns it has (人均纯收入 → the totals check runs)."""
    code, out, _ = validate(capsys, EXPORTS / "good_utf8.csv")
    assert code == 0
    assert "缺少可选列, 以下分析将跳过 / optional columns absent, these analyses will be skipped:" in out
    assert "数据中无「纳入监测年度」、「风险是否消除」, 未计算: 预警「纳入两年及以上仍未消除风险的监测对象」" in out
    assert "数据中无「劳动力人数」、「弱劳动力或半劳动力人数」, 未计算: 按劳动能力分组的收入" in out
    assert "数据诚信检查「填报合计与分项不符」" not in out  # 人均纯收入 (reported per capita) is there
    assert "未计算: 县级报告按乡镇分组的收入" not in out  # 乡镇 is there
