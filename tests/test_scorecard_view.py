"""The scorecard reads right: units, precision that never contradicts the status, plans in force,
progress of end-of-plan targets, last year's status, counts per status, --out .xlsx/.csv."""

import numpy as np
import pandas as pd
import pytest
import yaml

from evalkit.cli.main import main
from evalkit.evaluation.scorecard import scorecard
from evalkit.evaluation.targets import load_target_file
from evalkit.reporting.scorecard_view import (
    display_decimals,
    format_target_value,
    scorecard_display,
    scorecard_sections,
    status_counts,
)
from tests.test_scorecard import hand_panel

PC_MEAN = float(np.mean(8_000 + 500 * np.arange(12)))  # 光山县 per-capita wage 2022; ×1.1 in 2023, ×1.2 in 2024


def _targets(tmp_path, *targets, years=(2022, 2025), name="plan"):
    doc = {
        "document": {
            "id": name,
            "title_zh": "手算方案",
            "title_en": "Hand plan",
            "region": "信阳市",
            "years": list(years),
        },
        "targets": [
            {
                "clause": "手算",
                "clause_ref": "一",
                "description_zh": f"目标 {t['id']}",
                "description_en": f"target {t['id']}",
                "scope": "whole_region",
                "subregions": True,
                "indicator": "wage_pc",
                "comparison": ">=",
                "unit": "yuan",
            }
            | t
            for t in targets
        ],
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return load_target_file(path)


@pytest.mark.parametrize(
    "value, threshold, unit, shown_value, shown_threshold",
    [
        (0.546, 0.55, "share", "54.6%", "55.0%"),
        (0.5496, 0.55, "share", "54.96%", "55.00%"),
        (0.54999, 0.55, "share", "54.999%", "55.000%"),
        (0.55, 0.55, "share", "55.0%", "55.0%"),  # equal: met at >=, same display is right
        (1.1049, 1.10, "ratio", "1.105", "1.100"),
        (9.96, 10.0, "percent", "9.96%", "10.00%"),
    ],
)
def test_display_never_shows_a_value_equal_to_its_target_unless_it_is(
    value, threshold, unit, shown_value, shown_threshold
):
    d = display_decimals(value, threshold, unit)
    assert format_target_value(value, unit, "zh", d) == shown_value
    assert format_target_value(threshold, unit, "zh", d) == shown_threshold


def test_counts_are_integers_with_units_and_shares_percentages():
    assert format_target_value(336_173.0, "persons", "zh") == "336,173 人"
    assert format_target_value(2.0, "industries", "zh") == "2 个产业"
    assert format_target_value(500_000.0, "yuan", "zh") == "500,000 元"
    assert format_target_value(0.93, "share", "zh") == "93.0%"
    assert format_target_value(336_173.0, "persons", "en") == "336,173 persons"
    assert format_target_value(-0.044, "share", "zh", signed=True) == "-4.4 个百分点"
    assert format_target_value(-3055.0, "persons", "en", signed=True) == "-3,055 persons"
    assert format_target_value(float("nan"), "share") == "无数据"  # missing is not "—" (issue 12, item 6)
    assert format_target_value(float("nan"), "share", "en") == "n/a"


def test_plans_in_force_progress_previous_status_and_counts(tmp_path):
    targets = _targets(
        tmp_path,
        {"id": "now", "years": [2023, 2024], "threshold": 12_000},  # 2023: 11,825 not met; 2024: 12,900 met
        {"id": "end-close", "years": [2025], "threshold": 13_000},  # 100 to go, 1,075 gained last year
        {"id": "end-far", "years": [2025], "threshold": 15_000},  # 2,100 to go a year: off track
        {"id": "early", "years": [2022], "threshold": 1},  # assessed in 2022 only: not listed in 2024
        {"id": "thin", "years": [2024], "threshold": 1, "subregions": True},
    )
    expired = _targets(tmp_path, {"id": "old", "years": [2020], "threshold": 1}, years=(2016, 2020), name="old")
    card = scorecard(hand_panel(), "光山县", 2024, targets=targets + expired, checks=False).set_index("target_id")
    assert set(card.index) == {"now", "end-close", "end-far", "thin"}  # not "early", not the expired plan
    now = card.loc["now"]
    assert now["value"] == pytest.approx(PC_MEAN * 1.2) and now["status_code"] == "met"
    assert (now["previous_status_code"], now["change_code"], now["change"]) == ("not_met", "now_met", "转为达标")
    close, far = card.loc["end-close"], card.loc["end-far"]
    assert close["status_code"] == far["status_code"] == "not_due" and close["due_year"] == 2025
    assert close["margin"] == pytest.approx(PC_MEAN * 1.2 - 13_000)
    assert close["pace_needed"] == pytest.approx(13_000 - PC_MEAN * 1.2)
    assert close["pace_last_year"] == pytest.approx(PC_MEAN * 0.1)
    assert (close["progress_code"], close["status"]) == ("on_track", "进行中: 按进度")
    assert (far["progress_code"], far["status"]) == ("off_track", "进行中: 落后于进度")
    shown = scorecard_display(card.reset_index(), "zh").set_index("目标")
    assert shown.loc["目标 end-far", "说明"] == "2025 年考核: 距目标 2,100 元，需每年推进 2,100 元，上年推进 1,075 元"
    assert shown.loc["目标 now", "上年值"] == "11,825 元" and shown.loc["目标 now", "较上年"] == "转为达标"
    # 新县 has 5 households: the reason is said once
    small = scorecard(hand_panel(), "新县", 2024, targets=targets, checks=False).set_index("target_id").loc["thin"]
    assert (small["status_code"], small["reason"]) == ("not_measurable", "不足10户")
    counts = status_counts(card.reset_index(), "zh")
    assert counts.values.tolist() == [["达标", "2"], ["未达标", "0"], ["未到考核年份", "2"], ["缺少数据", "0"]]
    ((heading, table),) = scorecard_sections(card.reset_index(), 2024, "zh")
    assert heading == "手算方案 (规划期 2022—2025年)" and len(table) == 4
    assert "NaN" not in table.to_string() and "nan" not in table.to_string()
    final = scorecard(hand_panel(), "光山县", 2025, targets=targets, lang="en", checks=False)
    assert scorecard_sections(final, 2025, "en")[0][0] == "Hand plan (plan period 2022–2025) · final assessment"


def test_cli_scorecard_out_honours_xlsx_and_csv(tmp_path, capsys):
    xlsx, csv = tmp_path / "card.xlsx", tmp_path / "card.csv"
    assert main(["scorecard", "--region", "mile", "--year", "2023", "--out", str(xlsx)]) == 0
    assert main(["scorecard", "--region", "mile", "--year", "2023", "--out", str(csv)]) == 0
    assert "NaN" not in capsys.readouterr().out
    assert xlsx.read_bytes()[:2] == b"PK"
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert list(sheets) == ["scorecard", "values"] and "评估结果" in sheets["scorecard"].columns
    assert len(pd.read_csv(csv, encoding="utf-8-sig")) == len(sheets["values"])


def test_identification_checks_get_their_own_table_without_nan(tmp_path):
    targets = _targets(tmp_path, {"id": "now", "years": [2024], "threshold": 12_000})
    card = scorecard(hand_panel(), "光山县", 2024, targets=targets)
    headings = [h for h, _ in scorecard_sections(card, 2024, "zh")]
    assert headings[0] == "手算方案 (规划期 2022—2025年)"
    if (card["document"] == "identification").any():  # after the plans: identification, matching, 台账 (issue 16)
        checks = [h for h in headings if h.startswith(("识别核查", "帮扶措施匹配核查", "监测预警台账"))]
        assert checks and checks[0].startswith("识别核查") and headings[-len(checks) :] == checks
    for _, table in scorecard_sections(card, 2024, "zh"):
        assert "nan" not in table.to_string().lower()
