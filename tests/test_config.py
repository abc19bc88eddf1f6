"""Settings in one place (evalkit.core.config): paths from the package, not the working directory."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit.core import config
from evalkit.core.resources import data_dir
from evalkit.io.load import is_demo_path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
#: the 10,000 line written as a number where a line is meant (not e.g. the 万 formatting or an iteration cap)
LINE_LITERAL = re.compile(r"(?i)line\w*\s*(:\s*\w+\s*)?=\s*10_?000\b|else 10_?000\b|\(10_?000, |households, 10_?000\b")


def test_demo_dir_is_inside_the_package_data_whatever_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv(config.ENV_DEMO_DIR, raising=False)
    monkeypatch.chdir(tmp_path)
    assert config.demo_dir() == data_dir() / "demo"
    assert config.package_data_dir() == ROOT / "data"
    assert is_demo_path(None) and is_demo_path(ROOT / "data" / "demo")
    assert not is_demo_path("data/demo")  # relative to /tmp: not the demo
    monkeypatch.setenv(config.ENV_DEMO_DIR, str(tmp_path / "mine"))
    assert config.demo_dir() == tmp_path / "mine" and config.default_data(None) == tmp_path / "mine"


def test_env_knows_every_variable_it_reads(monkeypatch):
    monkeypatch.setenv(config.ENV_MEMORY_BUDGET, "")
    assert config.env(config.ENV_MEMORY_BUDGET) is None  # empty counts as unset
    monkeypatch.setenv(config.ENV_MEMORY_BUDGET, "512MB")
    assert config.env(config.ENV_MEMORY_BUDGET) == "512MB"
    with pytest.raises(KeyError):
        config.env("EVALKIT_NOT_A_SETTING")
    documented = config.__doc__
    assert all(f"``{name}``" in documented for name in config.ENVIRONMENT)


def test_every_environment_variable_in_the_code_is_a_config_setting():
    names = set()
    for path in (SRC / "evalkit").rglob("*.py"):
        names |= set(re.findall(r"\bEVALKIT_[A-Z_]+\b", path.read_text(encoding="utf-8")))
    assert names and names <= set(config.ENVIRONMENT), names - set(config.ENVIRONMENT)


def test_settings_have_one_definition():
    """The seed, small-cell threshold and 10,000 line are defined in config only (no literal copies)."""
    offenders = []
    for path in (SRC / "evalkit").rglob("*.py"):
        if path.name == "config.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if "20240101" in code or "MIN_HOUSEHOLDS = " in code or LINE_LITERAL.search(code):
                offenders.append(f"{path.relative_to(SRC)}:{number}: {line.strip()}")
    assert not offenders, offenders


def test_scorecard_runs_from_another_folder(tmp_path):
    """The default data is the configured demo panel, not ./data/demo of the working directory (the
    suite's demo is a temporary EVALKIT_DEMO_DIR, see conftest.py; the package default is checked above)."""
    env = dict(os.environ, PYTHONPATH=str(SRC))
    run = subprocess.run(
        [sys.executable, "-m", "evalkit.cli", "scorecard", "--region", "shangyou", "--year", "2025"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "数据目录不存在" not in run.stdout + run.stderr
