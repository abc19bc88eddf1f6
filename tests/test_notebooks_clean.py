"""Committed notebooks carry no volatile output (nbstripout's rule): only cells carrying a
``# NBVAL_CHECK_OUTPUT`` comment keep their expected text output (with ``keep_output`` metadata, so
nbstripout keeps it) and an execution count (nbval skips the comparison, failing with "Unrun
reference cell has outputs", for a cell whose count is None); every other cell has neither. The expected outputs
survive tests/nbval_sanitize.cfg unchanged (the sanitiser must not mangle the checked numbers), and
the report notebook declares its parameters in a ``parameters``-tagged cell."""

import configparser
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
MARKER = re.compile(r"^\s*#\s*NBVAL_CHECK_OUTPUT\b", re.MULTILINE)


def checks_output(cell) -> bool:
    """True for a code cell nbval compares: a ``# NBVAL_CHECK_OUTPUT`` comment line."""
    return cell.cell_type == "code" and bool(MARKER.search(cell.source))


def test_there_are_notebooks():
    assert any(p.name == "report.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if checks_output(cell):
            # the expected output nbval checks: text only, kept by nbstripout (keep_output)
            assert cell.metadata.get("keep_output") is True, f"{path.name} cell {i}: add keep_output metadata"
            assert cell.outputs, f"{path.name} cell {i}: NBVAL_CHECK_OUTPUT without an expected output"
            assert all(o.output_type == "stream" for o in cell.outputs), f"{path.name} cell {i}"
            assert isinstance(cell.execution_count, int), f"{path.name} cell {i}: nbval needs an execution count"
        else:
            assert cell.outputs == [], f"{path.name} cell {i} has outputs: run nbstripout"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count: run nbstripout"
        assert "execution" not in cell.metadata and "papermill" not in cell.metadata, f"{path.name} cell {i}"
    assert "papermill" not in nb.metadata and "widgets" not in nb.metadata


def sanitizers() -> list[tuple[re.Pattern, str]]:
    config = configparser.ConfigParser()
    config.read(SANITIZE, encoding="utf-8")
    return [(re.compile(config[s]["regex"]), config[s]["replace"]) for s in config.sections()]


def sanitize(text: str) -> str:
    for pattern, replacement in sanitizers():
        text = pattern.sub(replacement, text)
    return text


def test_sanitizer_replaces_volatile_text_only():
    assert sanitize("saved to /tmp/abc/def.parquet") == "saved to PATH/def.parquet"
    assert sanitize("<Figure at 0x7f3a2b>") == "<Figure at 0xADDR>"
    assert sanitize("took 1.25 s") == "took TIME"
    kept = "2021 人均纯收入 12,560 元, 工资性收入占比 69.9%\nGini 0.312; 1.1 个百分点; 10,000 yuan\n"
    assert sanitize(kept) == kept


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_sanitizer_leaves_expected_outputs_intact(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if checks_output(cell):
            for output in cell.outputs:
                assert sanitize(output.text) == output.text, (
                    f"{path.name} cell {i}: the sanitiser changes {output.text!r}"
                )


def test_income_structure_checks_rounded_key_numbers():
    """The demo data's key rounded numbers are checked by nbval in 01_income_structure."""
    nb = nbformat.read(ROOT / "notebooks" / "01_income_structure.ipynb", as_version=4)
    expected = "".join(o.text for c in nb.cells if checks_output(c) for o in c.outputs)
    assert re.search(r"2021 人均纯收入 [\d,]+0 元, 工资性收入占比 \d+\.\d%", expected)
    assert re.search(r"2022 人均纯收入 [\d,]+0 元, 工资性收入占比 \d+\.\d%", expected)


def test_report_notebook_has_one_parameters_cell():
    nb = nbformat.read(next(p for p in NOTEBOOKS if p.name == "report.ipynb"), as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
