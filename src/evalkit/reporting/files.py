"""Report files written atomically (staged, then :func:`os.replace`) and deterministically (the results JSON)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from evalkit.core.outputs import atomic_write_bytes, atomic_write_text

# Atomic writes live in :mod:`evalkit.core.outputs` (never through a symbolic link; an OSError
# becomes a bilingual message); re-exported here for the report notebook and older callers.
__all__ = ["atomic_write_bytes", "atomic_write_text", "emit_results", "results_json", "results_path"]


def _jsonable(value):
    """Plain JSON values: NaN/inf → null, numpy scalars → Python, tuples → lists."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA:
        return None
    return value


def results_json(results: dict) -> str:
    """Deterministic JSON text of a results dict (sorted keys, UTF-8, NaN as null)."""
    return json.dumps(_jsonable(results), ensure_ascii=False, sort_keys=True, indent=1, allow_nan=False) + "\n"


def results_path(output_dir: str | Path, region_code: str) -> Path:
    return Path(output_dir) / f"{region_code}.json"


def emit_results(results: dict, output_dir: str | Path | None) -> Path | None:
    """Called by the report notebook's last cell: write ``<output_dir>/<region>.json``.

    ``results`` must hold ``region`` (the registry code). Without ``output_dir`` (a researcher
    running the notebook by hand, or nbval) nothing is written."""
    if output_dir is None or output_dir == "":
        return None
    return atomic_write_text(results_path(output_dir, results["region"]), results_json(results))
