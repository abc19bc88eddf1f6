"""Locate the domain-fact files shipped in ``data/`` (column aliases, regions, measures,
comparison series, policy targets).

The files live in the repository's ``data/`` folder when evalkit is installed editable from its
clone, or in the copy the wheel ships (``evalkit/_data``); ``EVALKIT_DATA_DIR`` points elsewhere,
e.g. to a user's own copy with added regions or targets (:mod:`evalkit.core.config`).
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

import pandas as pd

from evalkit.core import config


@lru_cache(maxsize=1)
def data_dir() -> Path:
    """Folder holding the reference files (:func:`evalkit.core.config.data_dir`, resolved once)."""
    return config.data_dir()


def data_path(name: str) -> Path:
    """Path of reference file ``name`` inside :func:`data_dir`."""
    return data_dir() / name


@cache
def _read_csv_cached(name: str) -> pd.DataFrame:
    return pd.read_csv(data_path(name), dtype=str, keep_default_na=False, encoding="utf-8")


def read_reference_csv(name: str) -> pd.DataFrame:
    """Read a reference CSV as strings (empty cells are ``""``); a copy, safe to modify."""
    return _read_csv_cached(name).copy()
