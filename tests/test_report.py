"""One report end to end: parameter validation before papermill, deterministic bytes, no
household id in any output, every section filled, code hidden, atomic writes."""

import json
import os
import re

import pytest

from evalkit.core.errors import EvalkitError
from evalkit.core.panel import save_panel
from evalkit.demo import generate_panel
from evalkit.reporting import report

SECTIONS = (
    "一、摘要",
    "二、收入水平与增长",
    "三、收入结构与增长贡献",
    "四、与农村居民收入的差距",
    "五、低收入户",
    "六、分组情况",
    "七、收入差距与来源分解",
    "八、帮扶措施效果",
    "九、监测预警名单",
    "十、数据质量核查",
    "十一、方法与数据说明",
)


@pytest.fixture(scope="module")
def small_panel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("panel")
    panel = generate_panel(households=3000)
    save_panel(panel, folder)
    return folder, panel


@pytest.fixture
def no_papermill(monkeypatch):
    """Fail the test if a kernel would start: validation must come first."""
    import papermill

    def refuse(*args, **kwargs):
        raise AssertionError("papermill ran before the parameters were validated")

    monkeypatch.setattr(papermill, "execute_notebook", refuse)


def test_notebook_declares_the_agreed_parameters():
    assert set(report.declared_parameters()) == {
        "region",
        "year",
        "data",
        "base_year",
        "lang",
        "output_dir",
        "seed",
        "min_households",
        "suppress_zeros",
        "merge_regions",
        "forced_hidden",
        "series",
        "programme",
    }


@pytest.mark.parametrize(
    "kwargs, code",
    [
        (dict(region="not-a-region"), "E-REGION-UNKNOWN"),
        (dict(year=1999), "E-YEAR-NOT-IN-DATA"),
        (dict(base_year=2025), "E-YEAR-BASE"),
        (dict(lang="fr"), "E-LANG"),
        (dict(extra_parameters={"year; import os": 1}), "E-NOTEBOOK-PARAMETER"),
        (dict(extra_parameters={"colour": "red"}), "E-NOTEBOOK-PARAMETER"),
    ],
)
def test_bad_parameters_are_refused_before_papermill(small_panel, tmp_path, no_papermill, kwargs, code):
    folder, _ = small_panel
    args = dict(region="shangyou", year=2025, data=folder, out=tmp_path) | kwargs
    with pytest.raises(EvalkitError) as info:
        report.run_report(**args)
    assert info.value.code == code
    assert not (tmp_path / "2025").exists() or not any((tmp_path / "2025").glob("*.html"))


def test_region_names_are_normalised_to_codes(small_panel):
    folder, _ = small_panel
    params = report.validate_parameters({"region": "上犹县", "year": 2025, "data": str(folder)})
    assert params["region"] == "shangyou"


def test_report_is_deterministic_complete_and_free_of_household_ids(small_panel, tmp_path):
    folder, panel = small_panel
    first = report.run_report("shangyou", 2025, data=folder, out=tmp_path, formats="html")
    assert first.ok, first.error
    assert not first.replaced
    files = {attr: getattr(first, attr).read_bytes() for attr in ("html", "results_file", "notebook")}
    second = report.run_report("shangyou", 2025, data=folder, out=tmp_path, formats="html")
    assert second.ok, second.error
    assert second.replaced  # the re-run says it regenerated existing files
    for attr, content in files.items():
        assert getattr(second, attr).read_bytes() == content, attr
    html = first.html.read_text(encoding="utf-8")
    results = json.loads(first.results_file.read_text(encoding="utf-8"))
    # every section is there, none is a placeholder, the demo data is flagged as synthetic
    for heading in SECTIONS:
        assert heading in html, heading
    assert "not yet available" not in html
    assert "合成数据" in html and results["synthetic"] is True
    assert results["data_fingerprint"] == panel.fingerprint()
    assert results["key_numbers"]["n_households"] >= 10
    assert set(results["scorecard_counts"]) <= {
        "met",
        "not_met",
        "not_due",
        "not_measurable",
        "reported",
        "check_flagged",
        "check_clear",
    }
    for heading in ("识别精准度", "帮扶措施覆盖与匹配度", "监测预警台账", "帮扶资金每元增收"):  # issue 16 parts
        assert heading in html, heading
    # code is hidden: no input cells, no prompts
    assert "import evalkit" not in html and "In&nbsp;[" not in html
    assert not re.search(r'<div class="[^"]*jp-(InputArea|InputPrompt|OutputPrompt)\b', html)
    # no stray warnings or log lines in the report (they would show as red boxes)
    notebook_text = first.notebook.read_text(encoding="utf-8")
    assert '"name": "stderr"' not in notebook_text
    # no timestamps anywhere in the outputs
    for text in (html, notebook_text, first.results_file.read_text(encoding="utf-8")):
        assert not re.search(r"20\d\d-\d\d-\d\dT\d\d:\d\d", text)
    # no household id (pattern of the panel's ids) in any output
    pattern = re.compile(r"h_[0-9a-f]{12}")
    assert panel.households["household_id"].str.fullmatch(pattern.pattern).all()
    for path in (first.html, first.results_file, first.notebook, first.log):
        assert not pattern.search(path.read_text(encoding="utf-8")), path


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    report.atomic_write_text(target, "old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        report.atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_results_json_is_sorted_and_has_no_nan():
    text = report.results_json({"b": float("nan"), "a": {"d": 1, "c": 2.5}})
    assert text.index('"a"') < text.index('"b"') and text.index('"c"') < text.index('"d"')
    assert json.loads(text)["b"] is None


def test_report_from_a_dataset_reads_only_its_region_and_gives_the_same_numbers(small_panel, tmp_path):
    from evalkit.core.registry import get_region, region_mask
    from evalkit.io.dataset import read_dataset_meta, write_dataset

    folder, panel = small_panel
    dataset = tmp_path / "dataset"
    write_dataset(panel, dataset)
    # the library: only the region's rows and their measures are read
    part = report.load_report_panel(dataset, "shangyou")
    expected = panel.households[region_mask(panel.households, get_region("shangyou"))]
    assert 0 < len(part.households) == len(expected) < len(panel.households)
    assert set(part.households["household_id"]) == set(expected["household_id"])
    assert set(part.measures["household_id"]) <= set(expected["household_id"])
    assert len(part.measures) == panel.measures["household_id"].isin(expected["household_id"]).sum()
    recorded = read_dataset_meta(dataset)["fingerprint"]
    assert report.data_fingerprint(part) == recorded != part.fingerprint()
    # only the years up to the report's year are read
    assert report.load_report_panel(dataset, "shangyou", 2024).years == [y for y in panel.years if y <= 2024]
    # the report (of a year before the last): the same results as from the panel folder, stating
    # the dataset's fingerprint
    from_folder = report.run_report("shangyou", 2024, data=folder, out=tmp_path / "a", formats="html")
    from_dataset = report.run_report("shangyou", 2024, data=dataset, out=tmp_path / "b", formats="html")
    assert from_folder.ok and from_dataset.ok, (from_folder.error, from_dataset.error)
    a, b = (json.loads(r.results_file.read_text(encoding="utf-8")) for r in (from_folder, from_dataset))
    assert a.pop("data_fingerprint") == panel.fingerprint() and b.pop("data_fingerprint") == recorded
    assert a == b


def test_effects_are_estimated_on_a_reproducible_random_sample_above_the_cap(small_panel):
    from evalkit.reporting.sections import effects_sample_note

    _, panel = small_panel
    n_all = panel.households["household_id"].nunique()
    same, none = report.effects_sample(panel, max_households=n_all)
    assert same is panel and none is None  # at or below the cap: every household
    sample, record = report.effects_sample(panel, max_households=500, seed=7)
    assert record == {"households": 500, "of": n_all, "seed": 7}
    ids = set(sample.households["household_id"])
    assert len(ids) == 500
    # whole households: all their years and all their measures, nothing else
    full = panel.households[panel.households["household_id"].isin(ids)]
    assert len(sample.households) == len(full)
    assert sample.measures.equals(panel.measures[panel.measures["household_id"].isin(ids)])
    assert sample.meta == panel.meta
    # reproducible from the seed, whatever the row order; another seed draws another sample
    shuffled = type(panel)(panel.households.sample(frac=1, random_state=1), panel.measures, panel.meta)
    again, _ = report.effects_sample(shuffled, max_households=500, seed=7)
    assert set(again.households["household_id"]) == ids
    other, _ = report.effects_sample(panel, max_households=500, seed=8)
    assert set(other.households["household_id"]) != ids
    note = effects_sample_note({"households": 200_000, "of": 1_000_065, "seed": 7}, "en")
    assert "200,000" in note and "1,000,065" in note and "seed 7" in note
    assert "随机抽取的 200,000 户" in effects_sample_note({"households": 200_000, "of": 1_000_065, "seed": 7}, "zh")
