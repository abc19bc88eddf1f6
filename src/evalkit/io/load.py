"""Open what the analysis reads: a panel folder, a partitioned dataset, or the demo panel
(generated on first use); one entry point, :func:`load`.

The default data is the demo panel's folder (:func:`evalkit.core.config.demo_dir`), resolved from
the package location, not the working directory.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalkit.core.config import default_data, demo_dir
from evalkit.core.errors import EvalkitError
from evalkit.core.panel import HOUSEHOLDS_FILE, Panel, load_panel
from evalkit.core.registry import Region, get_region
from evalkit.io.dataset import is_dataset, load_panel_from_dataset, open_dataset


def panel_years(data: str | Path) -> list[int]:
    """Years present in a panel folder or partitioned dataset, reading the year column only."""
    data = Path(data)
    if is_dataset(data):
        years = open_dataset(data).to_table(columns=["year"]).column("year").unique().to_pylist()
    elif (data / HOUSEHOLDS_FILE).exists():
        years = pd.read_parquet(data / HOUSEHOLDS_FILE, columns=["year"])["year"].unique().tolist()
    else:
        raise EvalkitError(f"{data}: 不是 evalkit 面板目录或数据集 / not an evalkit panel folder or dataset")
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
        raise EvalkitError(f"{path}: 数据目录不存在 / data folder does not exist")
    return path


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
    unit = region if isinstance(region, Region) or region is None else get_region(region)
    selection = unit.filter if unit is not None else {}
    filters: list[tuple[str, str, object]] = [
        (column, "in", list(name)) if isinstance(name, tuple) else (column, "==", name)  # a merged unit
        for column, name in selection.items()
    ]
    filters += [("year", "<=", int(year))] if year is not None else []
    return load_panel_from_dataset(data, filters=filters or None)


def load_report_panel(data: str | Path | None, region=None, year: int | None = None) -> Panel:
    """The panel a report reads (:func:`load`): from a dataset with ``region`` given (registry code,
    name or :class:`~evalkit.core.registry.Region`), only that region's rows are read, by its registry
    filter — a prefecture's or county's report opens only the files of its prefecture partitions,
    and the measures of those households only; with ``year``, only the years up to it (a report
    never looks at later years). ``panel.years`` are then the region's years."""
    return load(data, region, year)


def data_fingerprint(panel: Panel) -> str:
    """The fingerprint a report states: that of the whole dataset recorded in its ``dataset.json``
    when the panel was read from one (whatever part of it was loaded), else the panel's own
    (:meth:`evalkit.core.panel.Panel.fingerprint`)."""
    recorded = (panel.meta.get("dataset") or {}).get("fingerprint")
    return recorded or panel.fingerprint()


__all__ = ["data_fingerprint", "ensure_data", "is_demo_path", "load", "load_report_panel", "panel_years"]
