"""Run one report: papermill in a fresh kernel, clean the executed notebook, write the deliverables.

See :mod:`evalkit.reporting.report` for the files written and the guarantees (staging, determinism).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from evalkit import __version__
from evalkit.core.config import default_data
from evalkit.core.errors import EvalkitError
from evalkit.core.outputs import atomic_write_text, check_output_folder, folder_lock, open_log, refuse_symlink
from evalkit.io.masking import mask_text
from evalkit.reporting.files import results_path
from evalkit.reporting.parameters import (
    DEFAULT_SEED,
    FORMATS,
    KERNEL_ARGUMENTS,
    KERNEL_NAME,
    LOGS,
    STAGING,
    notebook_path,
    parse_formats,
    report_stem,
    validate_parameters,
)

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
    return mask_text(" ".join(text.split())[:500])  # identifiers masked by content


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


class _ClosingStreamHandler(logging.StreamHandler):
    """A stream handler that closes its file (a log opened by :func:`evalkit.core.outputs.open_log`)."""

    def close(self) -> None:
        try:
            self.flush()
            self.stream.close()
        finally:
            super().close()


def _logger(log_path: Path) -> logging.Logger:
    """The report's log (``logs/R.log``, rewritten per run; never through a symbolic link)."""
    logger = logging.getLogger(f"evalkit.report.{log_path.stem}")
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = _ClosingStreamHandler(open_log(log_path))
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    return logger


def _readable_notebook(path: Path) -> bool:
    """True when ``path`` holds a whole notebook (a write cut short by a full disk does not parse)."""
    try:
        nbformat.read(str(path), as_version=4)
    except Exception:  # truncated JSON, unreadable file: not a notebook to keep
        return False
    return True


def report_files(year_dir: Path, stem: str, formats=FORMATS) -> dict[str, Path]:
    """The files a report with file stem ``stem`` (:func:`report_stem`) puts in ``year_dir``:
    one per format, the notebook and the results file."""
    return {f: year_dir / f"{stem}.{f}" for f in formats} | {
        "notebook": year_dir / f"{stem}.ipynb",
        "results_file": year_dir / f"{stem}.json",
    }


def prepare_year_dir(out: str | Path, year: int) -> Path:
    """``OUT/Y`` and its ``logs/`` created and checked before any work: writable, no symbolic link
    where evalkit writes (the folder, logs/, .staging/)."""
    year_dir = check_output_folder(Path(out).resolve() / str(year))
    check_output_folder(year_dir / LOGS)
    refuse_symlink(year_dir / STAGING)
    return year_dir


def run_report(
    region: str,
    year: int,
    data: str | Path | None = None,
    lang: str = "zh",
    out: str | Path = "reports",
    base_year: int | None = None,
    seed: int = DEFAULT_SEED,
    notebook: str | Path | None = None,
    years: list[int] | None = None,
    extra_parameters: dict | None = None,
    formats: str | list[str] | tuple[str, ...] | None = None,
    series: str | Path | None = None,
    programme: str | Path | None = None,
    lock: bool = True,
    wait: bool = False,
) -> ReportOutcome:
    """Validate, execute and export one report in ``formats`` (:func:`parse_formats`; default
    all); never raises for a failing notebook (the outcome says ``failed`` with the error),
    raises :class:`EvalkitError` for bad parameters, an output folder that is not writable or
    holds a symbolic link where the report writes, and when another run holds the folder's lock
    (``wait=True`` waits for it; ``lock=False`` when the caller — a batch — holds it).

    Parameters
    ----------
    region : str
        Registry code or name.
    year : int
        Report year (must be in the data).
    data : str or Path, optional
        Panel folder or dataset (default the demo panel, :func:`evalkit.core.config.default_data`).
    lang : {"zh", "en"}, default "zh"
    out : str or Path, default "reports"
        Output folder; files go to ``out/<year>/``.
    base_year : int, optional
        Base year of the growth tables (a data year before ``year``).
    seed : int, default :data:`evalkit.core.config.DEFAULT_SEED`
    notebook : str or Path, optional
        Report notebook (default the packaged report.ipynb).
    years : list of int, optional
        The data's years, when already known (saves a scan).
    extra_parameters : dict, optional
        Further notebook parameters (must be declared by the notebook).
    formats : str or sequence of str, optional
        Among html, pdf, docx, xlsx (default all).
    series, programme : str or Path, optional
        The region's own comparison series and programme indicators (CSV/XLSX, ``evalkit template``),
        validated before papermill runs; the report shows each number's source.
    lock : bool, default True
        Hold the reports folder's lock (``OUT/Y/.evalkit.lock``) for the run.
    wait : bool, default False
        Wait for another run holding the lock instead of refusing (``E-OUTPUT-LOCKED``).

    Returns
    -------
    ReportOutcome
        status (ok | failed), the files written, the error of a failed run.

    Raises
    ------
    EvalkitError
        Bad parameters (``E-REGION-UNKNOWN``, ``E-YEAR-NOT-IN-DATA``, ``E-YEAR-BASE``, ``E-LANG``,
        ``E-NOTEBOOK-PARAMETER``, ``E-FORMAT-UNKNOWN``), before papermill runs; an output folder
        that cannot be written or holds a symbolic link (``E-OUTPUT-FOLDER``, ``E-OUTPUT-SYMLINK``),
        another run holding the folder (``E-OUTPUT-LOCKED``).

    Notes
    -----
    Nothing previously good is removed: the new files are written in a staging folder and moved
    over the old ones only when all are complete; a failed run keeps the previous report (the log
    says so) and keeps the executed notebook up to the failing cell only when it is a whole
    notebook.
    """
    formats = parse_formats(formats)
    notebook = Path(notebook or notebook_path())
    params = validate_parameters(
        dict(
            {
                "region": region,
                "year": year,
                "data": str(default_data(data)),
                "lang": lang,
                "base_year": base_year,
                "seed": seed,
            },
            **({"series": str(series)} if series else {}),
            **({"programme": str(programme)} if programme else {}),
            **(extra_parameters or {}),
        ),
        notebook,
        years=years,
    )
    year_dir = prepare_year_dir(out, params["year"])
    with folder_lock(year_dir, wait=wait) if lock else contextlib.nullcontext():
        return _run_report(params, notebook, year_dir, formats)


def _run_report(params: dict, notebook: Path, year_dir: Path, formats: tuple[str, ...]) -> ReportOutcome:
    import papermill

    code, year = params["region"], params["year"]
    stem = report_stem(code, params["lang"])
    logs = year_dir / LOGS
    final = report_files(year_dir, stem, formats)
    for target in [*final.values(), logs / f"{stem}.log", logs / f"{stem}.failed.ipynb"]:
        refuse_symlink(target)
    # a fixed staging path (the notebook records output_dir: same parameters, same bytes); the
    # folder's lock keeps other runs out of it, and neither it nor .staging may be a symbolic link
    refuse_symlink(year_dir / STAGING).mkdir(exist_ok=True)
    staging = refuse_symlink(year_dir / STAGING / stem)
    if staging.exists():
        shutil.rmtree(staging)  # left by a killed run
    staging.mkdir()
    params["output_dir"] = str(staging)
    outcome = ReportOutcome(
        region=code,
        year=year,
        status="failed",
        log=logs / f"{stem}.log",
        replaced=any(p.exists() for p in final.values()),
        lang=params["lang"],
    )
    log = _logger(logs / f"{stem}.log")
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
        stale = logs / f"{stem}.failed.ipynb"
        if stale.exists():
            stale.unlink()  # the notebook of an earlier failure no longer describes this report
        log.info("wrote %s", ", ".join(p.name for p in final.values()))
    except Exception as exc:  # a failing report must not stop a batch: record it
        outcome.error = _error_summary(exc)
        log.error("report failed / 报告生成失败: %s", outcome.error)
        if staged_nb.exists() and _readable_notebook(staged_nb):
            try:
                os.replace(staged_nb, logs / f"{stem}.failed.ipynb")
                log.error("executed notebook up to the failing cell: %s", logs / f"{stem}.failed.ipynb")
            except OSError as move_error:
                log.error("could not keep the failed notebook: %s", move_error)
        kept = [p.name for p in final.values() if p.exists()]
        if kept:
            log.error(
                "the previous report is kept (built from the data of an earlier run) / 保留上次生成的报告: %s",
                ", ".join(kept),
            )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            (year_dir / STAGING).rmdir()
        outcome.seconds = time.perf_counter() - started
        with contextlib.suppress(Exception):
            log.info("finished in %.1f s: %s", outcome.seconds, outcome.status)
        for handler in log.handlers:
            with contextlib.suppress(Exception):
                handler.close()
        log.handlers.clear()
    return outcome
