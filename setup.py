"""Build hook: the wheel carries the reference files, the report notebook and the templates.

``pip install .`` (not editable) would otherwise give a package without ``data/`` or
``notebooks/report.ipynb`` — they live at the top of the repository, beside ``src/``. The
build step copies them into the package: ``evalkit/_data/`` (every reference file of
``data/`` except the generated ``data/demo/``), where :func:`evalkit.core.config.package_data_dir`
finds them, and ``evalkit/reporting/notebooks/report.ipynb``, where
:func:`evalkit.reporting.parameters.notebook_path` does. Everything else is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithData(build_py):
    def run(self):
        super().run()
        package = Path(self.build_lib) / "evalkit"
        data = package / "_data"
        if data.exists():
            shutil.rmtree(data)
        shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns("demo", "__pycache__"))
        notebooks = package / "reporting" / "notebooks"
        notebooks.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / "notebooks" / "report.ipynb", notebooks / "report.ipynb")


setup(cmdclass={"build_py": BuildWithData})
