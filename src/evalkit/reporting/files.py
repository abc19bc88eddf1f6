"""Report files written atomically (staged, then :func:`os.replace`) and deterministically (the results JSON)."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import pandas as pd


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and :func:`os.replace`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


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
