"""A wheel that works: built from the repository, installed outside it, it carries data/, the
report notebook and the templates, and `evalkit demo-data` and `evalkit report` run from a
folder outside the repository (issue 11, item 9)."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    wheels = tmp_path_factory.mktemp("wheels")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = wheels.glob("evalkit-*.whl")
    site = tmp_path_factory.mktemp("outside") / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    return wheel, site


def test_wheel_carries_data_notebook_and_templates(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "evalkit/_data/columns.csv" in names and "evalkit/_data/regions.csv" in names
    assert any(n.startswith("evalkit/_data/targets/") and n.endswith(".yaml") for n in names)
    assert "evalkit/reporting/notebooks/report.ipynb" in names
    assert "evalkit/reporting/templates/index.html.j2" in names
    assert not any(n.startswith("evalkit/_data/demo/") for n in names), "generated demo data must not ship"


def test_demo_data_and_report_run_from_outside_the_repository(installed, tmp_path):
    _, site = installed
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("EVALKIT_DATA_DIR", None)
    env.pop("EVALKIT_DEMO_DIR", None)

    def run(*args):
        done = subprocess.run(
            [sys.executable, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
        return done.stdout

    where = run("-c", "import evalkit.core.config as c, evalkit; print(evalkit.__file__); print(c.data_dir())")
    module_file, data = where.split()
    assert Path(module_file).is_relative_to(site) and Path(data) == site / "evalkit" / "_data"
    run("-m", "evalkit.cli", "demo-data", "--households", "800", "--out", "demo")
    run("-m", "evalkit.cli", "report", "--region", "shangyou", "--year", "2025", "--data", "demo", "--formats", "html")
    report = tmp_path / "reports" / "2025" / "shangyou.html"
    assert report.exists() and "上犹县" in report.read_text(encoding="utf-8")
