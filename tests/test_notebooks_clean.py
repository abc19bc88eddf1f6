"""Committed notebooks carry no volatile output (nbstripout's rule: only cells marked
``# NBVAL_CHECK_OUTPUT`` with ``keep_output`` metadata keep their expected text output, which
nbval compares), and the report notebook declares its parameters in a ``parameters``-tagged cell."""

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert any(p.name == "report.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.metadata.get("keep_output") and "NBVAL_CHECK_OUTPUT" in cell.source:
            # the expected output nbval checks (nbstripout keeps it: keep_output): text only
            assert all(o.output_type == "stream" for o in cell.outputs), f"{path.name} cell {i}"
        else:
            assert cell.outputs == [], f"{path.name} cell {i} has outputs: run nbstripout"
            assert cell.execution_count is None, f"{path.name} cell {i} has an execution count"
        assert "execution" not in cell.metadata and "papermill" not in cell.metadata, f"{path.name} cell {i}"
    assert "papermill" not in nb.metadata and "widgets" not in nb.metadata


def test_report_notebook_has_one_parameters_cell():
    nb = nbformat.read(next(p for p in NOTEBOOKS if p.name == "report.ipynb"), as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
