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
from evalkit.core.schema import INCOME_ACCOUNT, INCOME_COLUMNS, derive_income
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
        return without_non_finite(load(folder, region, year))
    filters = _region_filters(region, year)
    meta_path = folder / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    if not filters or not meta.get("fingerprint") or not (folder / HOUSEHOLDS_FILE).exists():
        return without_non_finite(load_panel(folder))
    return without_non_finite(read_panel_rows(folder, filters, meta))


#: The columns of the income account a report computes with (components, derived sums, 人均纯收入
#: and household size): a household-year with a value in one of them that is not a finite number
#: cannot enter any income figure.
ACCOUNT_COLUMNS: tuple[str, ...] = (*INCOME_COLUMNS, *INCOME_ACCOUNT, "net_income_pc", "household_size")
#: ``panel.meta`` key of the household-years :func:`without_non_finite` left out: {year: households}.
NON_FINITE = "non_finite_income"


def without_non_finite(panel: Panel) -> Panel:
    """``panel`` without the household-years whose income account holds ``inf``, ``-inf`` or a
    missing value (:data:`ACCOUNT_COLUMNS`). Ingest rejects such values, but a panel written by an
    older version or edited by hand may hold them, and one ``inf`` wage would make every income
    figure of its region ``inf``. The rows left out are counted by year in
    ``panel.meta[NON_FINITE]`` (the report says so and does not publish the key numbers of those
    years: :func:`evalkit.reporting.summary.unusable_key_numbers`); a clean panel is returned as it is."""
    households = panel.households
    columns = [c for c in ACCOUNT_COLUMNS if c in households.columns]
    if not columns or households.empty:
        return panel
    values = households[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values).all(axis=1)
    if not bad.any():
        return panel
    counts = households.loc[bad, "year"].value_counts().sort_index()
    meta = dict(panel.meta)
    meta[NON_FINITE] = {int(y): int(n) for y, n in counts.items()}
    return Panel(households=households.loc[~bad].reset_index(drop=True), measures=panel.measures, meta=meta)


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
    "ACCOUNT_COLUMNS",
    "NON_FINITE",
    "data_fingerprint",
    "ensure_data",
    "is_demo_path",
    "load",
    "load_report_panel",
    "panel_years",
    "read_panel_rows",
    "without_non_finite",
]
