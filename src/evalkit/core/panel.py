"""The validated, pseudonymised panel as evalkit passes it around, and its on-disk form.

A :class:`Panel` is two tidy tables plus metadata:

* ``households``: one row per household and year, canonical columns (``data/columns.csv``)
  with the derived income columns of :func:`evalkit.schema.derive_income`;
* ``measures``: long table ``household_id, year, measure, amount`` (one row per measure a
  household received in a year; ``measure`` is a code of ``data/measures.csv``);
* ``meta``: provenance (``synthetic``, ``source_files``, ``seed``, row accounting, ...).

On disk a panel is a folder: ``households.parquet``, ``measures.parquet``, ``meta.json``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evalkit.core.schema import derive_income

HOUSEHOLDS_FILE = "households.parquet"
MEASURES_FILE = "measures.parquet"
META_FILE = "meta.json"
MEASURE_COLUMNS = ["household_id", "year", "measure", "amount"]
#: Rows per Parquet row group of a panel folder's files: a reader that selects one region's rows
#: (:func:`evalkit.io.load.read_panel_rows`) decodes one group at a time, so its memory is the
#: selected rows plus one group, not the whole file.
PANEL_ROW_GROUP_ROWS = 65_536


@dataclass
class Panel:
    """Household-year panel, measures received, and provenance metadata.

    Attributes
    ----------
    households : pandas.DataFrame
        One row per household × year (columns of :mod:`evalkit.core.schema`; ``household_id`` is a
        pseudonym, never a raw identifier).
    measures : pandas.DataFrame
        Support measures received, one row per household × year × measure (``MEASURE_COLUMNS``).
    meta : dict
        Provenance: source files and their fingerprints, generator version, ``synthetic`` flag.
    """

    households: pd.DataFrame
    measures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MEASURE_COLUMNS))
    meta: dict = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        """True when the data is the synthetic demo panel (reports must say so)."""
        return bool(self.meta.get("synthetic", False))

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.households["year"].unique())

    def fingerprint(self) -> str:
        """SHA-256 (first 16 hex digits) of the panel's content, independent of row order."""
        return data_fingerprint(self.households, self.measures)


def data_fingerprint(households: pd.DataFrame, measures: pd.DataFrame | None = None) -> str:
    """Order-independent content hash: rows sorted by key, hashed with pandas' stable row hash."""
    digest = hashlib.sha256()
    for frame in (households, measures):
        if frame is None:
            continue
        keys = [c for c in ("household_id", "year", "measure") if c in frame.columns]
        ordered = frame.sort_values(keys, kind="mergesort").reset_index(drop=True) if keys else frame
        ordered = ordered[sorted(ordered.columns)]
        digest.update(",".join(ordered.columns).encode())
        digest.update(pd.util.hash_pandas_object(ordered, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def save_panel(panel: Panel, folder: str | Path) -> Path:
    """Write ``panel`` to ``folder`` (created); returns the folder.

    Parameters
    ----------
    panel : Panel
    folder : str or Path
        Created if missing; the files are written atomically.

    Returns
    -------
    Path
        ``folder``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    panel.households.to_parquet(folder / HOUSEHOLDS_FILE, index=False, row_group_size=PANEL_ROW_GROUP_ROWS)
    panel.measures.to_parquet(folder / MEASURES_FILE, index=False, row_group_size=PANEL_ROW_GROUP_ROWS)
    meta = dict(panel.meta, fingerprint=panel.fingerprint())
    (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    return folder


def load_panel(folder: str | Path, columns: list[str] | None = None) -> Panel:
    """Read a panel folder written by :func:`save_panel` (optionally only some household columns).

    Parameters
    ----------
    folder : str or Path
        A folder written by :func:`save_panel`.
    columns : list of str, optional
        Household columns to read (default: all).

    Returns
    -------
    Panel
    """
    folder = Path(folder)
    if not (folder / HOUSEHOLDS_FILE).exists():
        raise FileNotFoundError(f"{folder}: no {HOUSEHOLDS_FILE}; not an evalkit panel folder / 不是 evalkit 面板目录")
    households = pd.read_parquet(folder / HOUSEHOLDS_FILE, columns=columns)
    if "net_income_pc" not in households.columns and {"wage", "household_size"} <= set(households.columns):
        households = derive_income(households)
    measures_path = folder / MEASURES_FILE
    measures = pd.read_parquet(measures_path) if measures_path.exists() else pd.DataFrame(columns=MEASURE_COLUMNS)
    meta_path = folder / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    return Panel(households=households, measures=measures, meta=meta)
