"""A report on a panel folder reads only its region's rows and states the recorded fingerprint (issue 17)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from evalkit.core.panel import META_FILE, Panel, load_panel, save_panel
from evalkit.core.registry import get_region
from evalkit.demo import generate_panel
from evalkit.io.load import data_fingerprint, load_report_panel, read_panel_rows
from evalkit.reporting.report import region_households


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("panel")
    save_panel(generate_panel(households=2000), path)
    return path


@pytest.mark.parametrize("code", ["shangyou", "xinyang"])
def test_a_region_reads_only_its_rows_in_file_order(folder, code, monkeypatch):
    whole = load_panel(folder)
    recorded = json.loads((folder / META_FILE).read_text(encoding="utf-8"))["fingerprint"]
    assert recorded == whole.fingerprint()
    region = get_region(code)
    expected = region_households(whole, region, 2024)

    def no_hashing(self):
        raise AssertionError("the whole panel was hashed")

    monkeypatch.setattr(Panel, "fingerprint", no_hashing)
    part = load_report_panel(folder, region, 2024)
    # the same rows, in the same order, as selecting them from the whole panel in memory
    pd.testing.assert_frame_equal(part.households.reset_index(drop=True), expected.reset_index(drop=True))
    measures = whole.measures[whole.measures["household_id"].isin(expected["household_id"])]
    measures = measures[measures["year"] <= 2024]
    pd.testing.assert_frame_equal(part.measures.reset_index(drop=True), measures.reset_index(drop=True))
    # rows read are the region's, counted by the reader; far fewer than the file's
    read = part.meta["read"]
    assert read["rows"] == {"households": len(expected), "measures": len(measures)}
    assert read["rows_in_file"] == len(whole.households) > 2 * len(expected) > 0
    # the fingerprint stated is the one written with the panel, without hashing anything
    assert data_fingerprint(part) == recorded
    assert part.years == [y for y in whole.years if y <= 2024]


def test_rows_read_scale_with_the_region(folder):
    county = read_panel_rows(folder, [("county", "==", "上犹县")])
    prefecture = read_panel_rows(folder, [("prefecture", "==", "赣州市")])
    everything = read_panel_rows(folder, [("year", ">=", 0)])
    whole = load_panel(folder)
    n_county = int((whole.households["county"] == "上犹县").sum())
    n_prefecture = int((whole.households["prefecture"] == "赣州市").sum())
    assert county.meta["read"]["rows"]["households"] == n_county
    assert prefecture.meta["read"]["rows"]["households"] == n_prefecture
    assert everything.meta["read"]["rows"]["households"] == len(whole.households)
    assert county.households.memory_usage(deep=True).sum() < everything.households.memory_usage(deep=True).sum() / 2


def test_a_folder_without_a_recorded_fingerprint_is_read_whole(folder, tmp_path):
    whole = load_panel(folder)
    meta = dict(whole.meta)
    meta.pop("fingerprint")
    copy = tmp_path / "old"
    save_panel(Panel(whole.households, whole.measures, meta), copy)
    (copy / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    part = load_report_panel(copy, "shangyou", 2024)
    assert "read" not in part.meta and len(part.households) == len(whole.households)
    assert data_fingerprint(part) == whole.fingerprint()
