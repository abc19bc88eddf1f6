"""The README walkthrough 从监测系统导出到报告 / from a monitoring-system export to a report, run
command by command on tests/data/exports_national/ (issue 12, item 8): validate → template →
ingest → report, scorecard, watch-list. Household and person counts and per-capita net income are
checked against values computed here by hand from the fixture rows."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

NATIONAL = Path(__file__).resolve().parent / "data" / "exports_national"
EVALKIT = Path(sys.executable).with_name("evalkit")


def _fixtures():
    spec = importlib.util.spec_from_file_location("national_fixtures", NATIONAL / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FX = _fixtures()


def run(*args, cwd: Path) -> subprocess.CompletedProcess:
    # the user's own key, as the README's step 3 says: the public demo key is refused for data
    # not labelled synthetic (test_readme_sets_the_key keeps README and test in agreement)
    env = dict(os.environ, EVALKIT_PSEUDONYM_KEY="walkthrough-test-key")
    done = subprocess.run(
        [str(EVALKIT), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    return done


def test_readme_sets_the_key():
    """The walkthrough in the README sets a pseudonym key before ingest, as this test does."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## 从监测系统导出到报告", 1)[1].split("\n## ", 1)[0]
    assert section.index("export EVALKIT_PSEUDONYM_KEY=") < section.index("evalkit ingest")


def _fill(template: Path, out: Path) -> Path:
    """Fill the template as a bureau would: the rural income and monitoring line with a source."""
    series = pd.read_excel(template, sheet_name="series", dtype=str)
    programme = pd.read_excel(template, sheet_name="programme", dtype=str)
    series["value"] = [
        "7,800" if i == "monitoring_line" else ("19500" if y == "2023" else "20800")
        for i, y in zip(series["indicator"], series["year"], strict=True)
    ]
    series["source"] = "光山县统计公报(测试) / Guangshan statistical bulletin (test)"
    programme["value"] = "1000000"
    programme["source"] = "信阳市项目台账(测试) / programme ledger (test)"
    with pd.ExcelWriter(out) as writer:
        series.to_excel(writer, sheet_name="series", index=False)
        programme.to_excel(writer, sheet_name="programme", index=False)
    return out


def _by_hand():
    """Households, persons and per-capita net income of 光山县 in 2024, from the fixture rows."""
    households, persons, net = 0, 0, 0.0

    def add(size, wage, op_in, op_ex, prop, transfer):
        nonlocal households, persons, net
        households += 1
        persons += size
        net += wage + op_in - op_ex + prop + transfer

    members: dict[str, list] = {}
    for row in FX.PERSONS_2024:
        members.setdefault(row[0], []).append(row)
    for rows in members.values():
        add(len(rows), *rows[0][-5:])
    for row in FX.HOUSEHOLDS_GBK:
        number = [
            float(v.replace(",", "").replace("元", "").translate(str.maketrans("０１２３４５６７８９", "0123456789")))
            for v in row[-5:]
        ]
        add(int(row[8]), *number)
    for row in FX.HOUSEHOLDS_TWO_ROW:
        add(row[5], *row[-5:])
    return households, persons, net / persons


@pytest.mark.skipif(not EVALKIT.exists(), reason="the evalkit script is not installed beside this Python")
def test_walkthrough_from_exports_to_reports(tmp_path):
    files = [
        NATIONAL / "家庭成员信息_2023.xlsx",
        NATIONAL / "家庭成员信息_2024.xlsx",
        NATIONAL / "户信息_2024_gbk.csv",
        NATIONAL / "两行表头_2024.xlsx",
    ]
    # 1. validate: the mapping used, the accounting (persons → households), usable
    done = run("validate", *files, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "  与户主关系 → 未使用 / not used" in done.stdout and "  工资性收入（元） → wage" in done.stdout
    n_persons_2024 = len(FX.PERSONS_2024)
    assert f"成员行 {n_persons_2024} 行组成 {len(FX.HOUSEHOLDS)} 户" in done.stdout
    # the file with unknown headers needs its mapping file
    assert run("validate", NATIONAL / "自定义表头_2024.csv", cwd=tmp_path).returncode == 1
    mapped = run("validate", NATIONAL / "自定义表头_2024.csv", "--columns", NATIONAL / "列映射.csv", cwd=tmp_path)
    assert mapped.returncode == 0 and "  HH_NO → household_id" in mapped.stdout, mapped.stdout
    # 2. template of the region's own statistics, filled in as the bureau would
    done = run("template", "--region", "光山县", "--year", "2024", "--out", "光山县_2024.xlsx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    filled = _fill(tmp_path / "光山县_2024.xlsx", tmp_path / "光山县_2024_已填.xlsx")
    # 3. ingest
    done = run("ingest", *files, "--out", "dataset", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    meta = json.loads((tmp_path / "dataset" / "dataset.json").read_text(encoding="utf-8"))
    persons_read = {Path(a["file"]).name: a.get("persons_read") for a in meta["accounting"]}
    assert persons_read["家庭成员信息_2024.xlsx [家庭成员信息]"] == n_persons_2024  # a workbook's sources: file [sheet]
    # 4. report with the region's own series
    done = run(
        "report",
        "--region",
        "光山县",
        "--year",
        "2024",
        "--data",
        "dataset",
        "--series",
        filled,
        "--programme",
        filled,
        "--formats",
        "html",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((tmp_path / "reports" / "2024" / "xinyang-guangshan.json").read_text(encoding="utf-8"))
    households, persons, per_capita = _by_hand()
    numbers = results["key_numbers"]
    assert numbers["n_households"] == households == 12 + 8 + 3
    assert numbers["n_persons"] == persons
    assert numbers["net_income_pc"] == pytest.approx(per_capita, rel=1e-9)
    assert results["synthetic"] is False
    html = (tmp_path / "reports" / "2024" / "xinyang-guangshan.html").read_text(encoding="utf-8")
    assert "光山县统计公报(测试)" in html  # the figures from --series are shown with their source
    for raw in FX.RAW_IDENTIFIERS:
        assert raw not in html
    # 5. scorecard of the prefecture with the series and programme indicators of its template
    assert (
        run("template", "--region", "信阳市", "--year", "2024", "--out", "信阳市_2024.xlsx", cwd=tmp_path).returncode
        == 0
    )
    card_file = _fill(tmp_path / "信阳市_2024.xlsx", tmp_path / "信阳市_2024_已填.xlsx")
    done = run(
        "scorecard",
        "--region",
        "信阳市",
        "--year",
        "2024",
        "--data",
        "dataset",
        "--series",
        card_file,
        "--programme",
        card_file,
        "--out",
        "card.csv",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    card = pd.read_csv(tmp_path / "card.csv", encoding="utf-8-sig")
    programme = card[(card["source"] == "programme") & (card["reason_code"] != "year_outside_plan")]
    assert len(programme) and (programme["status_code"] != "not_measurable").all()
    # 6. watch-list for caseworkers: pseudonymised
    done = run(
        "watchlist", "--region", "光山县", "--year", "2024", "--data", "dataset", "--out", "list.csv", cwd=tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    listing = (tmp_path / "list.csv").read_text(encoding="utf-8-sig")
    for raw in FX.RAW_IDENTIFIERS:
        assert raw not in listing and raw not in done.stdout
