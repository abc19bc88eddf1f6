"""evalkit's settings in one place: default paths, seed, publication threshold, income line, memory
budget and every environment variable evalkit reads.

Paths are resolved from the package location (:func:`evalkit.core.resources.data_dir`), never from
the working directory, so ``evalkit scorecard`` run from any folder finds the demo panel.

Environment variables (read when needed, never cached at import, so tests and notebooks may set them):

============================== =========================================================================
``EVALKIT_DATA_DIR``           folder of the reference files (``columns.csv``, ``regions.csv``, targets
                               …); default: the repository's ``data/`` (editable install) or the copy
                               shipped in the wheel.
``EVALKIT_DEMO_DIR``           folder of the synthetic demo panel; default ``demo/`` inside the data
                               folder (``data/demo``), generated on first use.
``EVALKIT_PSEUDONYM_KEY``      the secret key of the keyed hash (HMAC-SHA256) that pseudonymises names,
                               ID-card and phone numbers at ingest.
``EVALKIT_PSEUDONYM_KEY_FILE`` a file holding that key (used when ``EVALKIT_PSEUDONYM_KEY`` is unset);
                               without either, the built-in demo key is used and a warning says so.
``EVALKIT_MEMORY_BUDGET``      memory the DuckDB indicator backend may use before it spills to disk
                               (e.g. ``4GB``, ``512MB``); default :data:`DEFAULT_MEMORY_BUDGET`.
``EVALKIT_CHROMIUM``           the Chromium/Chrome executable that prints PDF reports (default: found
                               on ``PATH``).
============================== =========================================================================
"""

from __future__ import annotations

import os
from pathlib import Path

#: Seed of every random draw whose seed the caller does not give (demo panel, bootstrap draws,
#: the effects sample of a report), so the same inputs give the same numbers.
DEFAULT_SEED = 20240101

#: Publication threshold: a count or mean over fewer households is shown as "<10" (reports) or
#: suppressed (watch-list counts), and a target over fewer households is "not measurable".
#: Source: evalkit's disclosure rule (README, "Yearly reports"); no household can be singled out.
MIN_HOUSEHOLDS = 10

#: The 10,000-yuan line of per-capita net income (yuan per person and year) of the policy targets,
#: e.g. 弥勒 2022–2023 (data/targets/mile_2022_2023.yaml: households below 10,000 yuan lifted above it);
#: the reports' "below 10,000 yuan" tables and the integrity bunching check use the same line.
LINE_10000 = 10_000

#: Memory the DuckDB indicator backend may use (its memory limit; it spills to disk beyond it).
DEFAULT_MEMORY_BUDGET = "4GB"

ENV_DATA_DIR = "EVALKIT_DATA_DIR"
ENV_DEMO_DIR = "EVALKIT_DEMO_DIR"
ENV_PSEUDONYM_KEY = "EVALKIT_PSEUDONYM_KEY"
ENV_PSEUDONYM_KEY_FILE = "EVALKIT_PSEUDONYM_KEY_FILE"
ENV_MEMORY_BUDGET = "EVALKIT_MEMORY_BUDGET"
ENV_CHROMIUM = "EVALKIT_CHROMIUM"

#: Every environment variable evalkit reads, with what it sets (the table of the module docstring).
ENVIRONMENT = {
    ENV_DATA_DIR: "folder of the reference files (default: the package's data folder)",
    ENV_DEMO_DIR: "folder of the synthetic demo panel (default: demo/ inside the data folder)",
    ENV_PSEUDONYM_KEY: "secret key of the pseudonymising keyed hash",
    ENV_PSEUDONYM_KEY_FILE: "file holding that key",
    ENV_MEMORY_BUDGET: f"memory budget of the indicator backend (default {DEFAULT_MEMORY_BUDGET})",
    ENV_CHROMIUM: "Chromium executable for PDF reports (default: found on PATH)",
}


def env(name: str) -> str | None:
    """The value of evalkit environment variable ``name`` (one of :data:`ENVIRONMENT`), ``None``
    when unset or empty."""
    if name not in ENVIRONMENT:
        raise KeyError(f"{name} is not an evalkit environment variable; one of {sorted(ENVIRONMENT)}")
    return os.environ.get(name) or None


def package_data_dir() -> Path | None:
    """The reference files shipped with the code: the repository's ``data/`` when evalkit runs from
    its clone (editable install), else the copy packaged in the wheel (``evalkit/_data``); ``None``
    when neither has ``columns.csv``."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package.parents[1] / "data", package / "_data"):
        if (candidate / "columns.csv").exists():
            return candidate
    return None


def data_dir() -> Path:
    """Folder holding the reference files: ``EVALKIT_DATA_DIR``, else :func:`package_data_dir`."""
    configured = env(ENV_DATA_DIR)
    if configured:
        return Path(configured)
    shipped = package_data_dir()
    if shipped is None:
        raise FileNotFoundError(
            "evalkit reference data (data/columns.csv) not found; install evalkit from its clone "
            "(pip install -e .) or its wheel, or set EVALKIT_DATA_DIR"
        )
    return shipped


def demo_dir() -> Path:
    """The demo panel's folder: ``EVALKIT_DEMO_DIR``, else ``demo/`` inside :func:`data_dir`,
    whatever the working directory."""
    configured = env(ENV_DEMO_DIR)
    return Path(configured) if configured else data_dir() / "demo"


def default_data(data: str | Path | None) -> Path:
    """``data`` as a path; ``None`` (the CLI's and the report functions' default) is :func:`demo_dir`."""
    return demo_dir() if data is None else Path(data)


__all__ = [
    "DEFAULT_MEMORY_BUDGET",
    "DEFAULT_SEED",
    "ENVIRONMENT",
    "ENV_CHROMIUM",
    "ENV_DATA_DIR",
    "ENV_DEMO_DIR",
    "ENV_MEMORY_BUDGET",
    "ENV_PSEUDONYM_KEY",
    "ENV_PSEUDONYM_KEY_FILE",
    "LINE_10000",
    "MIN_HOUSEHOLDS",
    "data_dir",
    "default_data",
    "demo_dir",
    "env",
    "package_data_dir",
]
