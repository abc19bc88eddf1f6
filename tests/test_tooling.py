"""The linters, formatter, type checker and notebook stripper are wired into CI and pre-commit."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import strip_notebooks  # noqa: E402


def test_test_extra_carries_the_tools():
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    names = {re.split(r"[<>=!~ ]", d)[0].lower() for d in extra["test"]}
    assert {"ruff", "mypy", "pandas-stubs", "types-pyyaml", "pre-commit", "nbstripout"} <= names


def test_make_test_lints_formats_and_type_checks_before_pytest():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    steps = [line.strip() for line in recipe.splitlines()[1:] if line.startswith("\t")]
    joined = "\n".join(steps)
    positions = [joined.find(s) for s in ("ruff check", "ruff format --check", "mypy", "pytest")]
    assert -1 not in positions and positions == sorted(positions), steps


def test_pre_commit_config_runs_ruff_format_and_the_notebook_stripper():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert {"ruff", "ruff-format", "nbstripout", "mypy"} <= set(hooks)
    assert "strip_notebooks.py" in hooks["nbstripout"]["entry"]


def executed_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    checked = nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)", metadata={"keep_output": True})
    checked.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    checked.execution_count = 7
    plain = nbformat.v4.new_code_cell("x = 2\nx", metadata={"execution": {"iopub.status.busy": "2026"}})
    plain.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=8)]
    plain.execution_count = 8
    nb.cells = [checked, plain]
    nb.metadata["papermill"] = {"duration": 1.0}
    return nb


def test_stripper_keeps_checked_outputs_with_a_count_and_clears_the_rest(tmp_path):
    path = tmp_path / "n.ipynb"
    nbformat.write(executed_notebook(), path)
    assert strip_notebooks.main(["--check", str(path)]) == 1
    assert strip_notebooks.main([str(path)]) == 1
    nb = nbformat.read(path, as_version=4)
    checked, plain = nb.cells
    assert checked.outputs[0].text == "1\n" and checked.execution_count == 1
    assert plain.outputs == [] and plain.execution_count is None and "execution" not in plain.metadata
    assert "papermill" not in nb.metadata
    assert strip_notebooks.main([str(path)]) == 0  # idempotent


def test_committed_notebooks_are_already_stripped():
    notebooks = sorted(str(p) for p in (ROOT / "notebooks").glob("*.ipynb"))
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "strip_notebooks.py"), "--check", *notebooks],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout
