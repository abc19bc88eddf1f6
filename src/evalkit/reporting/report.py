"""One region's yearly report: validate parameters, run the report notebook with papermill in a
fresh kernel, export HTML with the code hidden, write every file atomically and deterministically.

Outputs for region ``R`` (registry code) and year ``Y`` in ``OUT/Y/``::

    R.html    the report, code and prompts hidden (nbconvert, lab template), offline: no script,
              no external font or stylesheet (:mod:`evalkit.reporting.offline_html`)
    R.pdf     the same page printed to A4 by headless Chromium (:mod:`evalkit.reporting.export_pdf`)
    R.docx    Word document: headings, tables, charts as images (:mod:`evalkit.reporting.export_docx`)
    R.xlsx    Excel annex: every table, one sheet per section (:mod:`evalkit.reporting.export_xlsx`)
    R.ipynb   the executed notebook, execution timestamps stripped
    R.json    the key numbers and the scorecard (sorted keys, no timestamps)
    logs/R.log            what ran, how long, the error if any
    logs/R.failed.ipynb   the executed notebook up to the failing cell (failures only)

``R`` is the registry code for a Chinese report and ``<code>.en`` for an English one
(:func:`report_stem`), so the two languages never overwrite each other. ``formats`` chooses
which of html, pdf, docx and xlsx are written (default all).

Parameters are validated *before* a kernel starts: names against those the notebook declares
(read with :func:`papermill.inspect_notebook`; papermill writes names into code unescaped),
the region against :mod:`evalkit.registry`, the year and base year against the data. A file is
first written to ``OUT/Y/.staging/R/`` and moved into place with :func:`os.replace`, so a kill
never leaves a half-written report. Same data and parameters give byte-identical HTML and JSON:
the provenance block carries the data fingerprint, never a time.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd

from evalkit import __version__
from evalkit.core.errors import EvalkitError
from evalkit.core.resources import data_dir

NOTEBOOK_NAME = "report.ipynb"
RESULTS_VERSION = 1
LANGS = ("zh", "en")
#: Default seed for anything random in a report (none by default: analytic standard errors).
DEFAULT_SEED = 20240101
KERNEL_NAME = "python3"
#: The kernel app keeps its own log quiet (it warns on every start that local TCP is unencrypted and
#: logs a KeyboardInterrupt at shutdown); errors in cells are recorded in the notebook itself.
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
STAGING = ".staging"
LOGS = "logs"
#: Deliverable formats of a report, in the order they are written (pdf is printed from the html).
FORMATS = ("html", "pdf", "docx", "xlsx")


def report_stem(code: str, lang: str = "zh") -> str:
    """File name stem of a report: the registry code (zh), ``<code>.en`` (en)."""
    return code if lang == "zh" else f"{code}.{lang}"


def parse_formats(formats: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``"html,pdf"`` or a list → a tuple in :data:`FORMATS` order; ``None``/``"all"`` → all.
    An unknown format raises :class:`EvalkitError`."""
    if formats is None or (isinstance(formats, str) and formats.strip().lower() in ("", "all")):
        return FORMATS
    names = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats) if f.strip()]
    unknown = sorted(set(names) - set(FORMATS))
    if unknown or not names:
        raise EvalkitError(
            f"未知输出格式 / unknown output format {unknown or formats!r}; 可用 / use: {','.join(FORMATS)}"
        )
    return tuple(f for f in FORMATS if f in names)


# ---------------------------------------------------------------------------------------------
# Files: atomic and deterministic
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# The notebook and its parameters
# ---------------------------------------------------------------------------------------------


def notebook_path() -> Path:
    """The report notebook: ``notebooks/report.ipynb`` of the repository, else the installed copy."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[3] / "notebooks" / NOTEBOOK_NAME, here.parent / "notebooks" / NOTEBOOK_NAME):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"report notebook {NOTEBOOK_NAME} not found / 找不到报告笔记本")


def declared_parameters(notebook: str | Path | None = None) -> dict:
    """Parameter names (and defaults) the notebook's ``parameters`` cell declares."""
    import papermill

    return papermill.inspect_notebook(str(notebook or notebook_path()))


def _panel_years(data: str | Path) -> list[int]:
    """Years present in a panel folder or partitioned dataset, reading the year column only."""
    from evalkit.core.panel import HOUSEHOLDS_FILE
    from evalkit.io.dataset import is_dataset, open_dataset

    data = Path(data)
    if is_dataset(data):
        years = open_dataset(data).to_table(columns=["year"]).column("year").unique().to_pylist()
    elif (data / HOUSEHOLDS_FILE).exists():
        years = pd.read_parquet(data / HOUSEHOLDS_FILE, columns=["year"])["year"].unique().tolist()
    else:
        raise EvalkitError(f"{data}: 不是 evalkit 面板目录或数据集 / not an evalkit panel folder or dataset")
    return sorted(int(y) for y in years)


def is_demo_path(data: str | Path) -> bool:
    """True when ``data`` is the project's demo folder (``data/demo``), generated on first use."""
    return Path(data).resolve() == (data_dir() / "demo").resolve()


def ensure_data(data: str | Path) -> Path:
    """The data folder, generating the synthetic demo panel first when ``data`` is ``data/demo``
    and it is missing (:func:`evalkit.demo.load_demo`)."""
    data = Path(data)
    if is_demo_path(data) and not data.exists():
        from evalkit.demo import load_demo

        load_demo(str(data))
    if not data.exists():
        raise EvalkitError(f"{data}: 数据目录不存在 / data folder does not exist")
    return data


def load_report_panel(data: str | Path, region=None, year: int | None = None):
    """The panel a report reads: a panel folder, a partitioned dataset, or the demo (generated
    when missing).

    From a dataset (:mod:`evalkit.dataset`) with ``region`` given (registry code, name or
    :class:`~evalkit.registry.Region`), only that region's rows are read, by its registry filter:
    a prefecture's or county's report opens only the files of its prefecture partitions, and the
    measures of those households only, so a report on a provincial or national dataset costs what
    its region costs; with ``year``, only the years up to it (a report never looks at later
    years). ``panel.years`` are then the region's years.
    """
    from evalkit.core.panel import load_panel
    from evalkit.core.registry import get_region
    from evalkit.io.dataset import is_dataset, load_panel_from_dataset

    data = ensure_data(data)
    if not is_dataset(data):
        return load_panel(data)
    selection = get_region(region).filter if region is not None else {}
    filters: list[tuple[str, str, object]] = [(column, "==", name) for column, name in selection.items()]
    filters += [("year", "<=", int(year))] if year is not None else []
    return load_panel_from_dataset(data, filters=filters or None)


def data_fingerprint(panel) -> str:
    """The fingerprint a report states: that of the whole dataset recorded in its ``dataset.json``
    when the panel was read from one (whatever part of it was loaded), else the panel's own
    (:meth:`evalkit.panel.Panel.fingerprint`)."""
    recorded = (panel.meta.get("dataset") or {}).get("fingerprint")
    return recorded or panel.fingerprint()


def validate_parameters(parameters: dict, notebook: str | Path | None = None, years: list[int] | None = None) -> dict:
    """Check every parameter before a kernel starts; return them completed and normalised.

    * names: each must be declared in the notebook's ``parameters`` cell;
    * ``region``: known to :mod:`evalkit.registry` (normalised to its code);
    * ``year`` (and ``base_year`` when given): present in the data, ``base_year < year``;
    * ``lang``: zh or en; ``seed``: an integer.

    Raises :class:`EvalkitError` with a bilingual message naming the parameter.
    """
    from evalkit.core.registry import get_region

    declared = declared_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise EvalkitError(
            f"报告笔记本没有声明参数 / the report notebook declares no parameter {unknown}; "
            f"可用参数 / declared: {sorted(declared)}"
        )
    params = dict(parameters)
    if "region" not in params or not params["region"]:
        raise EvalkitError("缺少参数 region / parameter region is required")
    region = get_region(str(params["region"]))
    params["region"] = region.code
    lang = params.get("lang", "zh")
    if lang not in LANGS:
        raise EvalkitError(f"参数 lang={lang!r} 无效, 应为 zh 或 en / lang must be zh or en")
    for name in ("year", "base_year", "seed"):
        value = params.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                value = int(str(value))
            except ValueError:
                raise EvalkitError(f"参数 {name}={value!r} 应为整数 / {name} must be an integer") from None
        params[name] = value
    if "year" not in params or params["year"] is None:
        raise EvalkitError("缺少参数 year / parameter year is required")
    if "data" in params:
        data = ensure_data(params["data"])
        params["data"] = str(data.resolve())
        years = years if years is not None else _panel_years(data)
    if years is not None:
        if params["year"] not in years:
            raise EvalkitError(
                f"数据中没有 {params['year']} 年 / year {params['year']} is not in the data; "
                f"数据年度 / years in the data: {years}"
            )
        base = params.get("base_year")
        if base is not None and (base not in years or base >= params["year"]):
            raise EvalkitError(
                f"基期 base_year={base} 须为数据中早于 {params['year']} 的年度 / base_year must be a year of the "
                f"data before {params['year']}; 数据年度 / years: {years}"
            )
    return params


# ---------------------------------------------------------------------------------------------
# What the report notebook calls (selection and assembly only; indicators come from the
# analysis modules)
# ---------------------------------------------------------------------------------------------


def region_households(panel, region, year: int) -> pd.DataFrame:
    """The region's households for the report: rows of ``region`` up to ``year`` (a report never
    looks at later years). Raises :class:`EvalkitError` when the region has no household in ``year``."""
    from evalkit.core.registry import region_mask

    households = panel.households
    keep = region_mask(households, region) & (households["year"] <= year)
    selected = households if keep.all() else households[keep]  # read for this region: no copy
    if not (selected["year"] == year).any():
        raise EvalkitError(
            f"{region.name_zh}: 数据中 {year} 年没有该地区的农户 / {region.name_en}: no household of this region "
            f"in {year} in the data"
        )
    return selected


def area_column(region) -> str | None:
    """The panel column naming the region's direct children (county, township, prefecture), or
    ``None`` when the registry lists none."""
    from evalkit.core.registry import children

    kids = children(region)
    return kids[0].level if kids else None


def region_panel(panel, households: pd.DataFrame):
    """A :class:`~evalkit.panel.Panel` of the region's ``households`` (from :func:`region_households`)
    with the measures those households received in the same years, for the effect estimates."""
    from evalkit.core.panel import Panel

    keys = households[["household_id", "year"]].drop_duplicates()
    measures = panel.measures.merge(keys, on=["household_id", "year"], how="inner")
    # province as a categorical: per-row look-ups of province-year series (monitoring lines) then run once
    # per province instead of once per household (Series.map maps a categorical's categories)
    return Panel(households=households.astype({"province": "category"}), measures=measures, meta=panel.meta)


#: Households above which a report estimates the measure effects on a random sample of the
#: region's households (memory and time of Callaway–Sant'Anna grow with the households: ~9 GB
#: and ~90 s a measure for 1,000,000 households; benchmarks/README.md).
EFFECTS_MAX_HOUSEHOLDS = 200_000


def effects_sample(panel, max_households: int = EFFECTS_MAX_HOUSEHOLDS, seed: int = 20240101):
    """The panel the effect estimates of a report use, and a record of the sampling (``None``
    when the region has at most ``max_households`` households: all are used).

    Above the cap, a simple random sample of ``max_households`` households (all their years and
    measures), drawn with ``numpy.random.default_rng(seed)`` from the sorted pseudonyms, so the
    same data and seed give the same sample. Every household has the same chance, so the
    estimand (ATT of the region's households) is unchanged; standard errors grow by about
    √(households / max_households), and the report says so.
    """
    from evalkit.core.panel import Panel

    ids = np.sort(panel.households["household_id"].unique())
    if len(ids) <= max_households:
        return panel, None
    chosen = ids[np.sort(np.random.default_rng(seed).choice(len(ids), max_households, replace=False))]
    keep = panel.households["household_id"].isin(chosen)
    measures = panel.measures[panel.measures["household_id"].isin(chosen)]
    sample = Panel(households=panel.households[keep], measures=measures, meta=panel.meta)
    return sample, {"households": int(max_households), "of": int(len(ids)), "seed": int(seed)}


def report_measures() -> pd.DataFrame:
    """Measures whose effect every report estimates (``data/report_measures.csv``: kind, measure,
    outcome — the income component the measure works through; net_income_pc is always estimated)."""
    from evalkit.core.resources import read_reference_csv

    return read_reference_csv("report_measures.csv")


def per_capita_components(households: pd.DataFrame) -> pd.DataFrame:
    """The four income components per person of each household (for source decompositions):
    wage, net_operating, property, transfer divided by ``household_size``; they add up to net_income_pc."""
    from evalkit.core.schema import COMPONENTS

    return households[list(COMPONENTS)].div(households["household_size"].astype(float), axis=0)


def key_numbers(
    indicators: pd.DataFrame,
    growth_prev: pd.DataFrame,
    growth_base: pd.DataFrame,
    gap: pd.DataFrame,
    below_10k: pd.DataFrame,
    below_line: pd.DataFrame,
    year: int,
) -> pd.DataFrame:
    """The summary's key numbers for ``year``: one row per number with ``key`` (a label key of
    ``data/labels.csv``), ``value``, ``kind`` (format), ``n_households`` (the count it rests
    on, for suppression) and ``population`` (label key of the people it describes: ``pop_all``
    all households of the region, ``pop_tuopin`` 脱贫人口 only — the gap to rural residents is
    computed for 脱贫人口 —, ``pop_rural`` the official rural series). Each input is the
    region-level table of the analysis function named like it; a number whose table has no row
    for ``year`` is NaN."""

    def pick(table: pd.DataFrame, column: str, gate: str = "n_households"):
        row = table[table["year"] == year]
        if len(row) == 0 or column not in row.columns:
            return float("nan"), float("nan")
        return row[column].iloc[0], row[gate].iloc[0] if gate in row.columns else float("nan")

    n = pick(indicators, "n_households")[0]
    spec = [
        ("n_households", indicators, "n_households", "households", "n_households", "pop_all"),
        ("n_persons", indicators, "n_persons", "persons", "n_households", "pop_all"),
        ("net_income_pc", indicators, "net_income_pc", "yuan", "n_households", "pop_all"),
        ("growth_prev", growth_prev, "growth_rate", "pct", "n_households", "pop_all"),
        ("growth_base", growth_base, "growth_rate", "pct", "n_households", "pop_all"),
        ("rural_income", gap, "rural_income", "yuan", None, "pop_rural"),
        ("ratio_rural_to_tuopin", gap, "ratio_rural_to_tuopin", "ratio", "n_households", "pop_tuopin"),
        ("growth_differential_pp", gap, "growth_differential_pp", "pp", "n_households", "pop_tuopin"),
        ("share_persons_below_10000", below_10k, "share_persons_below", "pct", "n_households_below", "pop_all"),
        ("n_persons_below_monitoring", below_line, "n_persons_below", "persons", "n_households_below", "pop_all"),
    ]
    rows = []
    for key, table, column, kind, gate, population in spec:
        value, count = pick(table, column, gate or "n_households")
        rows.append(
            {
                "key": key,
                "value": value,
                "kind": kind,
                "n_households": n if gate is None else count,
                "population": population,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Executed notebook → clean notebook → HTML
# ---------------------------------------------------------------------------------------------

#: Cell tags whose cells are removed from the HTML (notes for researchers, set-up code).
REMOVE_TAGS = ("remove-cell", "remove_cell")


def clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip volatile metadata papermill and nbclient add (times, durations, paths)."""
    nb = nbformat.from_dict(nb)
    pm = nb.metadata.get("papermill", {})
    nb.metadata["papermill"] = {k: pm[k] for k in ("parameters", "default_parameters", "version") if k in pm}
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill gives the cell it inserts a random id
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("collapsed", None)
    return nb


def export_html(nb: nbformat.NotebookNode, title: str, lang: str = "zh") -> str:
    """HTML of an executed notebook with no input cells and no prompts (a report for readers),
    self-contained and offline (:func:`evalkit.reporting.offline_html.make_offline`)."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_TAGS)
    exporter = HTMLExporter(config=config, template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.exclude_markdown = False
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    from evalkit.reporting.offline_html import make_offline

    return make_offline(body, lang)


def write_deliverables(nb: nbformat.NotebookNode, folder: Path, stem: str, title: str, lang: str, formats) -> dict:
    """Write the report's ``formats`` into ``folder`` as ``<stem>.<format>``; returns
    ``{format: path}``. The PDF is printed from the HTML (written to the folder for it even when
    html is not asked for; the caller moves only the formats asked for)."""
    from evalkit.reporting.document import notebook_blocks

    written: dict[str, Path] = {}
    html_file = folder / f"{stem}.html"
    if "html" in formats or "pdf" in formats:
        atomic_write_text(html_file, export_html(nb, title, lang))
        if "html" in formats:
            written["html"] = html_file
    if "pdf" in formats:
        from evalkit.reporting.export_pdf import html_to_pdf

        written["pdf"] = html_to_pdf(html_file, folder / f"{stem}.pdf")
    if "docx" in formats or "xlsx" in formats:
        blocks = notebook_blocks(nb)
        if "docx" in formats:
            from evalkit.reporting.export_docx import blocks_to_docx

            written["docx"] = blocks_to_docx(blocks, folder / f"{stem}.docx", title, lang)
        if "xlsx" in formats:
            from evalkit.reporting.export_xlsx import blocks_to_xlsx

            written["xlsx"] = blocks_to_xlsx(blocks, folder / f"{stem}.xlsx", title)
    return written


def _error_summary(exc: BaseException) -> str:
    """One line naming the error (papermill's ename: evalue, or the exception)."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    text = f"{ename}: {evalue}" if ename else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:500]


@dataclass
class ReportOutcome:
    """What one report run produced (or why it failed)."""

    region: str
    year: int
    status: str  # ok | failed
    html: Path | None = None
    pdf: Path | None = None
    docx: Path | None = None
    xlsx: Path | None = None
    notebook: Path | None = None
    results_file: Path | None = None
    log: Path | None = None
    error: str = ""
    seconds: float = 0.0
    replaced: bool = False
    results: dict = field(default_factory=dict)
    lang: str = "zh"

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def stem(self) -> str:
        return report_stem(self.region, self.lang)


def _kernel_env() -> None:
    """Make the kernel's ``python`` the interpreter running evalkit (kernelspecs name ``python``)."""
    bindir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if not path.split(os.pathsep)[0] == bindir:
        os.environ["PATH"] = bindir + os.pathsep + path


def _logger(log_path: Path) -> logging.Logger:
    logger = logging.getLogger(f"evalkit.report.{log_path.stem}")
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(log_path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    return logger


def run_report(
    region: str,
    year: int,
    data: str | Path = "data/demo",
    lang: str = "zh",
    out: str | Path = "reports",
    base_year: int | None = None,
    seed: int = DEFAULT_SEED,
    notebook: str | Path | None = None,
    years: list[int] | None = None,
    extra_parameters: dict | None = None,
    formats: str | list[str] | tuple[str, ...] | None = None,
) -> ReportOutcome:
    """Validate, execute and export one report in ``formats`` (:func:`parse_formats`; default
    all); never raises for a failing notebook (the outcome says ``failed`` with the error),
    raises :class:`EvalkitError` for bad parameters."""
    import papermill

    formats = parse_formats(formats)
    notebook = Path(notebook or notebook_path())
    params = validate_parameters(
        dict(
            {"region": region, "year": year, "data": str(data), "lang": lang, "base_year": base_year, "seed": seed},
            **(extra_parameters or {}),
        ),
        notebook,
        years=years,
    )
    code, year = params["region"], params["year"]
    stem = report_stem(code, params["lang"])
    year_dir = Path(out).resolve() / str(year)
    staging = year_dir / STAGING / stem
    logs = year_dir / LOGS
    logs.mkdir(parents=True, exist_ok=True)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    params["output_dir"] = str(staging)
    final = {f: year_dir / f"{stem}.{f}" for f in formats} | {
        "notebook": year_dir / f"{stem}.ipynb",
        "results_file": year_dir / f"{stem}.json",
    }
    log_path = logs / f"{stem}.log"
    outcome = ReportOutcome(
        region=code,
        year=year,
        status="failed",
        log=log_path,
        replaced=any(p.exists() for p in final.values()),
        lang=params["lang"],
    )
    log = _logger(log_path)
    log.info(
        "evalkit %s report %s %s, parameters %s",
        __version__,
        code,
        year,
        json.dumps({k: v for k, v in params.items() if k != "output_dir"}, ensure_ascii=False, sort_keys=True),
    )
    _kernel_env()
    started = time.perf_counter()
    staged_nb = staging / f"{stem}.ipynb"
    try:
        executed = papermill.execute_notebook(
            str(notebook),
            str(staged_nb),
            parameters=params,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            cwd=str(notebook.parent),
            extra_arguments=KERNEL_ARGUMENTS,
        )
        log.info("notebook executed in %.1f s", time.perf_counter() - started)
        nb = clean_notebook(executed)
        results_staged = results_path(staging, code)
        if not results_staged.exists():
            raise EvalkitError("报告笔记本没有写出结果文件 / the report notebook wrote no results file")
        outcome.results = json.loads(results_staged.read_text(encoding="utf-8"))
        if stem != code:
            os.replace(results_staged, staging / f"{stem}.json")
        title = outcome.results.get("title") or f"{code} {year}"
        exported = time.perf_counter()
        write_deliverables(nb, staging, stem, title, params["lang"], formats)
        log.info("%s written in %.1f s", ", ".join(formats), time.perf_counter() - exported)
        atomic_write_text(staged_nb, nbformat.writes(nb) + "\n")
        for key, target in final.items():
            os.replace(staging / target.name, target)
            setattr(outcome, key, target)
        outcome.status = "ok"
        log.info("wrote %s", ", ".join(p.name for p in final.values()))
    except Exception as exc:  # a failing report must not stop a batch: record it
        outcome.error = _error_summary(exc)
        log.error("report failed / 报告生成失败: %s", outcome.error)
        if staged_nb.exists():
            os.replace(staged_nb, logs / f"{stem}.failed.ipynb")
            log.error("executed notebook up to the failing cell: %s", logs / f"{stem}.failed.ipynb")
        for stale in final.values():
            if stale.exists():
                stale.unlink()
                log.error("removed the previous %s (it no longer matches the data)", stale.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        try:
            (year_dir / STAGING).rmdir()
        except OSError:
            pass
        outcome.seconds = time.perf_counter() - started
        log.info("finished in %.1f s: %s", outcome.seconds, outcome.status)
        for handler in log.handlers:
            handler.close()
        log.handlers.clear()
    return outcome


def report_command(
    region: str, year: int, data: str = "data/demo", lang: str = "zh", out: str = "reports", formats=None
) -> int:
    """``evalkit report``: one region's report; exit code 0 when written, 1 when the notebook failed."""
    outcome = run_report(region, year, data=data, lang=lang, out=out, formats=formats)
    verb = "regenerated / 已重新生成" if outcome.replaced else "written / 已生成"
    if outcome.ok:
        files = [getattr(outcome, f) for f in FORMATS if getattr(outcome, f) is not None]
        print(f"{outcome.region} {outcome.year}: {verb} ({outcome.seconds:.1f} s)")
        for path in [*files, outcome.notebook, outcome.results_file]:
            print(f"  {path}")
        print(f"  log: {outcome.log}")
        return 0
    print(f"{outcome.region} {outcome.year}: 失败 / FAILED: {outcome.error}\n  log: {outcome.log}", file=sys.stderr)
    return 1


def results_payload(
    region,
    year: int,
    lang: str,
    panel,
    parameters: dict,
    numbers: pd.DataFrame,
    scorecard: pd.DataFrame | None = None,
    watch_counts: pd.DataFrame | None = None,
    fingerprint: str | None = None,
    effects_sampled: dict | None = None,
) -> dict:
    """The machine-readable results of a report (``<region>.json``): key numbers (``None`` where
    suppressed or missing), the scorecard rows and status counts, watch-list counts, provenance
    (data fingerprint, evalkit version, synthetic flag, parameters, the effects sample of
    :func:`effects_sample` when one was drawn). No time, no random id."""
    from evalkit.reporting.present import _missing as _is_missing
    from evalkit.reporting.present import is_small, publishable, t

    values = {row.key: publishable(row.value, row.n_households) for row in numbers.itertuples(index=False)}
    suppressed = sorted(
        str(row.key)
        for row in numbers.itertuples(index=False)
        if is_small(row.n_households) and not _is_missing(row.value)
    )
    payload = {
        "region": region.code,
        "region_name_zh": region.name_zh,
        "region_name_en": region.name_en,
        "level": region.level,
        "year": int(year),
        "lang": lang,
        "title": f"{region.name_zh if lang == 'zh' else region.name_en} {year} {t('report_title', lang)}",
        "synthetic": panel.synthetic,
        "data_fingerprint": fingerprint or data_fingerprint(panel),
        "evalkit_version": __version__,
        "parameters": {k: v for k, v in parameters.items() if k not in ("output_dir", "data")},
        "key_numbers": values,
        "suppressed_keys": suppressed,
        "results_version": RESULTS_VERSION,
    }
    if effects_sampled is not None:
        payload["effects_sample"] = effects_sampled
    if scorecard is not None:
        payload["scorecard"] = scorecard.to_dict("records")
        if "status_code" in scorecard.columns:
            payload["scorecard_counts"] = {str(k): int(v) for k, v in scorecard["status_code"].value_counts().items()}
    if watch_counts is not None:
        # region totals only: unit rows carry only primary suppression (the report's table adds
        # complementary suppression, which a machine-readable file would bypass)
        by = watch_counts.columns[0]
        totals = watch_counts[watch_counts[by] == watch_counts[by].iloc[-1]]
        payload["watchlist_counts"] = totals.drop(columns=by).to_dict("records")
    return payload


def parameter_table(**values) -> pd.DataFrame:
    """Parameters and provenance for the methods section: columns parameter, value (strings)."""
    return pd.DataFrame({"parameter": list(values), "value": [str(v) for v in values.values()]})


def quiet_logging() -> None:
    """Keep library INFO messages out of the report: pyfixest (imported by evalkit.effects) calls
    ``logging.basicConfig(level=logging.INFO)`` at import, after which matplotlib's INFO notes
    would print into report cells. Warnings and errors still show."""
    logging.getLogger().setLevel(logging.WARNING)
