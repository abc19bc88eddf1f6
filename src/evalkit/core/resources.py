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
from evalkit.core.errors import EvalkitError


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


def read_user_table(source, default_name: str, sheet: str | None = None) -> tuple[pd.DataFrame, str]:
    """A user's reference table (CSV in UTF-8/GBK, XLSX, or a DataFrame) as text cells, with the
    name its messages use (``file`` or ``file [sheet]``). From a workbook, the sheet named
    ``sheet`` when it has one (the ``evalkit template`` workbook), else the first. Rows whose
    ``value`` is blank (a template row not filled in) are dropped; the row numbers the messages
    use stay those of the file (index + 2)."""
    if isinstance(source, pd.DataFrame):
        return source.astype(str).reset_index(drop=True), default_name
    path = Path(source)
    if not path.is_file():
        raise EvalkitError(f"{path}: 文件不存在 / file not found")
    name = path.name
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = pd.ExcelFile(path).sheet_names
        chosen = sheet if sheet in sheets else sheets[0]
        table = pd.read_excel(path, dtype=str, sheet_name=chosen).fillna("")
        name = f"{path.name} [{chosen}]" if len(sheets) > 1 else path.name
    else:
        try:
            table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:
            table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gb18030")
    table.columns = [str(c).strip() for c in table.columns]
    table = table.apply(lambda c: c.str.strip()).reset_index(drop=True)
    if "value" in table.columns:
        table = table[table["value"] != ""]
    return table, name
