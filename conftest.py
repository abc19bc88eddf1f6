"""Test-session set-up shared by ``tests/`` and ``notebooks/`` (nbval), alone or with pytest-xdist.

``make test`` runs the suite on two workers (``-n 2 --dist loadfile``). Every test must then be
safe beside any other, so this file:

* points ``EVALKIT_DEMO_DIR`` at a temporary folder of the session (never the checkout's
  ``data/demo``, which a stale copy would also make pass) unless the caller set it. Every process
  of the session reads it: the xdist workers, the kernels nbval and papermill start and the CLI
  subprocesses inherit the environment of the process that sets it, before any of them starts.
  Under xdist the demo panel is generated there once by the controller, before the workers start,
  so no two processes ever write it at the same time; a one-process run generates it on first use
  (``load_demo``), as an interactive session would. The folder is removed at the end.
* hands the files out longest first (:data:`LONGEST_FIRST`, then collection order), so that the
  last file a worker takes is a short one. ``--dist loadfile`` keeps the tests of one file on one
  worker: a notebook's cells share one kernel, and most modules build an expensive module-scoped
  fixture (a generated panel, rendered reports) that two workers would each build.
  (``--dist loadgroup`` would not: pytest-xdist 3.8 marks a group by rewriting ``item._nodeid``,
  which pytest 9 no longer reads, so every test is its own group and a notebook's cells are split.)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from evalkit.core.config import ENV_DEMO_DIR

#: Files whose tests take longest in all (a report batch, papermill kernels, Chromium, simulation
#: studies), longest first: the workers start with them. Only the order depends on this list; a file
#: missing from it runs after these, in collection order.
LONGEST_FIRST = (
    "tests/test_disclosure.py",
    "tests/test_cluster.py",
    "tests/test_browser.py",
    "tests/test_report.py",
    "tests/test_batch.py",
    "tests/test_disclosure_batch.py",
    "tests/test_faults.py",
    "notebooks/report.ipynb",
    "tests/test_ingest_chunked.py",
    "tests/test_scorecard.py",
    "tests/test_deliverables.py",
    "tests/test_effects_calibration.py",
    "tests/test_wheel.py",
    "tests/test_effects_measures.py",
    "notebooks/02_measure_effects.ipynb",
    "tests/test_integrity.py",
    "tests/test_validate_cli.py",
    "tests/test_disclosure_reports.py",
    "tests/test_hostile.py",
    "tests/test_ingest.py",
    "tests/test_ingest_parallel.py",
    "tests/test_report_nonfinite.py",
    "tests/test_region_statistics.py",
    "tests/test_maps.py",
    "tests/test_optional_columns.py",
    "tests/test_walkthrough.py",
)

_CREATED = pytest.StashKey[Path]()  # the temporary folder this session made for the demo


def _distributed(config: pytest.Config) -> bool:
    """True in the controller of an xdist run with workers (``-n N``, N ≥ 1)."""
    return bool(getattr(config.option, "numprocesses", None)) and not hasattr(config, "workerinput")


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):  # an xdist worker: the controller set the environment up
        return
    if not os.environ.get(ENV_DEMO_DIR):
        folder = Path(tempfile.mkdtemp(prefix="evalkit-test-demo-")) / "demo"
        os.environ[ENV_DEMO_DIR] = str(folder)
        config.stash[_CREATED] = folder.parent
    if _distributed(config):
        from evalkit.demo import load_demo

        config.option.loadscopereorder = False  # --dist loadfile: the order of LONGEST_FIRST, not by test count

        load_demo()  # once, before the workers start (they would otherwise race to write it)


def pytest_unconfigure(config: pytest.Config) -> None:
    created = config.stash.get(_CREATED, None)
    if created is not None:
        shutil.rmtree(created, ignore_errors=True)
        os.environ.pop(ENV_DEMO_DIR, None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In an xdist worker: the longest files first (every worker collects, the controller hands the
    files out in this order)."""
    if hasattr(config, "workerinput"):
        rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
        items.sort(key=lambda item: rank.get(_file(item), len(rank)))  # stable: collection order within a rank


def _file(item: pytest.Item) -> str:
    """The item's file as in its node id (``tests/test_x.py``, ``notebooks/report.ipynb``)."""
    return item.nodeid.split("::", 1)[0]
