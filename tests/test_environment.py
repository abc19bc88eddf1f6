"""The project's install files agree with each other (pyproject.toml is the single source)."""

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_environment_yml_installs_the_package_with_all_extras():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    extras = set(pyproject["project"]["optional-dependencies"])
    pip_lines = [d for dep in env["dependencies"] if isinstance(dep, dict) for d in dep.get("pip", [])]
    assert len(pip_lines) == 1, "environment.yml must install only the package itself (pyproject is the single source)"
    spec = pip_lines[0].removeprefix("-e ").strip()
    assert spec.startswith(".["), spec
    assert set(spec[2:-1].split(",")) == extras
    python = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    required = pyproject["project"]["requires-python"].removeprefix(">=")
    assert python and python[0].split("=")[1].startswith(required)
    # no conda package duplicates a pip requirement with another pin
    conda_pkgs = {d.split("=")[0] for d in env["dependencies"] if isinstance(d, str)}
    assert conda_pkgs <= {"python", "pip"}


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci
    assert "make test" in readme and "make reports" in readme
