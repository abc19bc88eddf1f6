"""Open what the analysis reads: a panel folder, a partitioned dataset, or the demo panel
(generated on first use); one entry point, :func:`load`.

The default data is the demo panel's folder (:func:`evalkit.core.config.demo_dir`), resolved from
the package location, not the working directory.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from evalkit.core.config import default_data, demo_dir
from evalkit.core.errors import EvalkitError
from evalkit.core.panel import HOUSEHOLDS_FILE, MEASURE_COLUMNS, MEASURES_FILE, META_FILE, Panel, load_panel
from evalkit.core.registry import Region, get_region
from evalkit.core.schema import derive_income
from evalkit.io.dataset import is_dataset, load_panel_from_dataset, open_dataset


def panel_years(data: str | Path) -> list[int]:
    """Years present in a panel folder or partitioned dataset, reading the year column only."""
    data = Path(data)
    if is_dataset(data):
        years = open_dataset(data).to_table(columns=["year"]).column("year").unique().to_pylist()
    elif (data / HOUSEHOLDS_FILE).exists():
        years = pd.read_parquet(data / HOUSEHOLDS_FILE, columns=["year"])["year"].unique().tolist()
    else:
        raise EvalkitError(
            f"{data}: 不是 evalkit 面板目录或数据集 / not an evalkit panel folder or dataset", code="E-DATA-FOLDER"
        )
    return sorted(int(y) for y in years)


def is_demo_path(data: str | Path | None) -> bool:
    """True when ``data`` is the demo panel's folder (:func:`evalkit.core.config.demo_dir`; ``None``
    means it), which is generated on first use."""
    return default_data(data).resolve() == demo_dir().resolve()


def ensure_data(data: str | Path | None = None) -> Path:
    """The data folder (``None``: the demo's), generating the synthetic demo panel first when it is
    the demo's folder and missing (:func:`evalkit.demo.load_demo`)."""
    path = default_data(data)
    if is_demo_path(path) and not path.exists():
        from evalkit.demo import load_demo  # the demo is generated on first use

        load_demo(str(path))
    if not path.exists():
        raise EvalkitError(f"{path}: 数据目录不存在 / data folder does not exist", code="E-DATA-FOLDER")
    return path


def _region_filters(region: str | Region | None, year: int | None) -> list[tuple[str, str, object]]:
    """pyarrow.parquet-style filters selecting ``region``'s rows (its registry filter; a merged
    unit's tuple of names as ``in``) and the years up to ``year``."""
    unit = region if isinstance(region, Region) or region is None else get_region(region)
    selection = unit.filter if unit is not None else {}
    filters: list[tuple[str, str, object]] = [
        (column, "in", list(name)) if isinstance(name, tuple) else (column, "==", name)  # a merged unit
        for column, name in selection.items()
    ]
    return filters + ([("year", "<=", int(year))] if year is not None else [])


def load(path: str | Path | None = None, region: str | Region | None = None, year: int | None = None) -> Panel:
    """Load a panel.

    Parameters
    ----------
    path : str or Path, optional
        A panel folder (:func:`evalkit.core.panel.save_panel`) or a partitioned dataset
        (:mod:`evalkit.io.dataset`); default: the synthetic demo panel, generated on first use.
    region : str or Region, optional
        Registry code or name: from a dataset, read only this region's partitions and rows.
    year : int, optional
        From a dataset, read only the years up to this one.

    Returns
    -------
    Panel
        Households, measures and provenance (``panel.synthetic`` is True for the demo).
    """
    data = ensure_data(path)
    if not is_dataset(data):
        return load_panel(data)
    filters = _region_filters(region, year)
    return load_panel_from_dataset(data, filters=filters or None)


def read_panel_rows(
    folder: str | Path, filters: list[tuple[str, str, object]] | None = None, meta: dict | None = None
) -> Panel:
    """The rows of a panel folder (:func:`evalkit.core.panel.save_panel`) that ``filters`` selects
    (pyarrow.parquet-style tuples, AND-ed), read with a filtered pyarrow scan: the predicate is
    applied batch by batch while the file is decoded (and row groups whose statistics exclude it
    are skipped), so memory holds the selected rows and the batches being decoded (a few row
    groups, :data:`evalkit.core.panel.PANEL_ROW_GROUP_ROWS`), never the whole panel. Row order is
    that of the file. The measures are those of the selected households and years.

    ``panel.meta`` is ``meta.json`` (or ``meta`` when given, already read; it carries the
    ``fingerprint`` recorded when the panel was written) plus ``read``: the filters, the rows read
    of both tables (``households``, ``measures``) and ``rows_in_file``.
    """
    folder = Path(folder)
    expression = pq.filters_to_expression(filters) if filters else None
    households_file = pq.ParquetFile(folder / HOUSEHOLDS_FILE)
    table = ds.dataset(folder / HOUSEHOLDS_FILE, format="parquet").to_table(filter=expression)
    households = table.to_pandas()
    del table
    if "net_income_pc" not in households.columns and {"wage", "household_size"} <= set(households.columns):
        households = derive_income(households)
    measures_path = folder / MEASURES_FILE
    if measures_path.exists():
        dataset = ds.dataset(measures_path, format="parquet")
        wanted = {"year": pa.array(np.unique(households["year"].to_numpy()).astype("int64"))}
        if expression is not None:
            wanted["household_id"] = pa.array(households["household_id"].unique().astype(str))
        keep = None
        for name, values in wanted.items():
            kind = dataset.schema.field(name).type
            if pa.types.is_null(kind):  # a measures file without rows: nothing to select
                continue
            term = ds.field(name).isin(values.cast(kind))
            keep = term if keep is None else keep & term
        measures_table = dataset.to_table(filter=keep)
        measures = measures_table.to_pandas()
        del measures_table
    else:
        measures = pd.DataFrame(columns=MEASURE_COLUMNS)
    if meta is None:
        meta_path = folder / META_FILE
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    meta = dict(meta)
    meta["read"] = {
        "filters": [list(f) for f in filters or []],
        "rows": {"households": len(households), "measures": len(measures)},
        "rows_in_file": households_file.metadata.num_rows,
    }
    pa.default_memory_pool().release_unused()
    return Panel(households=households, measures=measures, meta=meta)


def load_report_panel(data: str | Path | None, region=None, year: int | None = None) -> Panel:
    """The panel a report reads, only ``region``'s rows (registry code, name or
    :class:`~evalkit.core.registry.Region`, by its registry filter on the region columns) and, with
    ``year``, only the years up to it (a report never looks at later years); ``panel.years`` are
    then the region's years.

    From a dataset, only the files of the region's prefecture partitions are opened and the
    measures of its households read. From a panel folder whose ``meta.json`` records the
    fingerprint written with it (:func:`evalkit.core.panel.save_panel`), the rows are selected
    while the file is scanned (:func:`read_panel_rows`) and that fingerprint is the one the report
    states (:func:`data_fingerprint`), so the whole panel is neither held in memory nor hashed; a
    folder without a recorded fingerprint is read whole (its fingerprint needs every row)."""
    folder = ensure_data(data)
    if is_dataset(folder):
        return load(folder, region, year)
    filters = _region_filters(region, year)
    meta_path = folder / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    if not filters or not meta.get("fingerprint") or not (folder / HOUSEHOLDS_FILE).exists():
        return load_panel(folder)
    return read_panel_rows(folder, filters, meta)


def data_fingerprint(panel: Panel) -> str:
    """The fingerprint a report states: that of the whole dataset recorded in its ``dataset.json``
    when the panel was read from one (whatever part of it was loaded); that recorded in a panel
    folder's ``meta.json`` when only some of its rows were read (:func:`read_panel_rows`); else the
    panel's own (:meth:`evalkit.core.panel.Panel.fingerprint`)."""
    recorded = (panel.meta.get("dataset") or {}).get("fingerprint")
    if not recorded and "read" in panel.meta:
        recorded = panel.meta.get("fingerprint")
    return recorded or panel.fingerprint()


__all__ = [
    "data_fingerprint",
    "ensure_data",
    "is_demo_path",
    "load",
    "load_report_panel",
    "panel_years",
    "read_panel_rows",
]
