"""What both ingest paths share: :class:`IngestPlan` (key, years, files, meta) and the assembly rules.

The in-memory path (:func:`evalkit.io.ingest.ingest`) and the chunked path
(:class:`evalkit.io.chunked.ChunkedIngest`) build one plan from their arguments and use its
methods for everything that is not the reading itself: the year-range check, the job list, the
panel's meta, the canonical household table (types, derived income), the empty measures table,
the warning for combined measure rows, the accounting of an unreadable file and the result
object. A fix here lands on both paths at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.panel import MEASURE_COLUMNS, Panel
from evalkit.core.schema import INCOME_INPUTS, derive_income, household_columns
from evalkit.io.accounting import REASON_COLUMNS, REJECTION_COLUMNS, IngestResult
from evalkit.io.checks import PROBLEM_COLUMNS, default_max_year, empty_problems, problems
from evalkit.io.pseudonymise import check_same_key, key_check, resolve_key
from evalkit.io.readers import read_blocks, read_export, source_label, xlsx_sheets

DEFAULT_MIN_YEAR = 2013
#: dtypes of the canonical measures table.
MEASURE_DTYPES = {"household_id": "str", "year": "int64", "measure": "str", "amount": "float64"}


def _as_list(files) -> list:
    return [files] if isinstance(files, (str, Path)) else list(files)


class Job(NamedTuple):
    """One source to read: a file, or one sheet of a workbook read sheet by sheet.

    ``sheet``: the sheet (``None``: the file's only table; for an XLSX its first visible sheet
    with a header row); ``sheet_notes``: this source reports the workbook's hidden sheets."""

    path: Path
    table: str
    sheet: str | None = None
    sheet_notes: bool = True

    @property
    def label(self) -> str:
        """The source's name in messages and the accounting (:func:`evalkit.io.readers.source_label`)."""
        return source_label(self.path, self.sheet)

    def read(self):
        """The whole source (:func:`evalkit.io.readers.read_export`)."""
        return read_export(self.path, self.sheet, self.sheet_notes)

    def blocks(self, chunk_rows: int):
        """The source in blocks (:func:`evalkit.io.readers.read_blocks`)."""
        return read_blocks(self.path, chunk_rows, self.sheet, self.sheet_notes)


def file_jobs(path: Path, table: str) -> list[Job]:
    """The jobs of one file: for a workbook every visible sheet with a header row (a sheet per
    township is read whole; each sheet is named in the accounting and in every message), else the file."""
    if path.suffix.lower() in (".xlsx", ".xlsm") and path.is_file():
        try:
            sheets, _ = xlsx_sheets(path)
        except EvalkitError:  # the reader reports it
            sheets = []
        if sheets:
            return [Job(path, table, sheet, i == 0) for i, sheet in enumerate(sheets)]
    return [Job(path, table)]


@dataclass
class IngestPlan:
    """The files to ingest and the settings every file is checked with.

    ``jobs``: :class:`Job` (path, table, sheet) in reading order, household files first, then the
    long measure files (a workbook with several sheets of data: one job per sheet);
    ``secret``/``demo_key``: the pseudonym key (:func:`evalkit.io.pseudonymise.resolve_key`);
    ``years``: the accepted year range (an invalid range raises :class:`EvalkitError`).
    """

    jobs: list[Job]
    secret: bytes
    demo_key: bool
    years: tuple[int, int]
    strict: bool = False

    @classmethod
    def build(
        cls,
        paths,
        measures=(),
        strict: bool = False,
        key: str | bytes | None = None,
        key_file: str | Path | None = None,
        year_range: tuple[int, int | None] = (DEFAULT_MIN_YEAR, None),
    ) -> IngestPlan:
        """The plan of :func:`evalkit.io.ingest.ingest` / :class:`evalkit.io.chunked.ChunkedIngest`
        arguments; ``year_range``: (min year, max year or None for the current year), checked here."""
        secret, demo_key = resolve_key(key, key_file)
        years = (year_range[0], year_range[1] if year_range[1] is not None else default_max_year())
        if years[0] > years[1]:
            raise EvalkitError(
                f"年度范围无效: 最早 {years[0]} 晚于最晚 {years[1]} / invalid year range: min year {years[0]} "
                f"is after max year {years[1]}",
                code="E-YEAR-RANGE",
            )
        jobs = [job for p in _as_list(paths) for job in file_jobs(Path(p), "households")]
        jobs += [job for p in _as_list(measures) for job in file_jobs(Path(p), "measures")]
        _check_source_keys([j.path for j in jobs], secret)
        return cls(jobs, secret, demo_key, years, strict)

    def meta(self) -> dict:
        """The panel's provenance: synthetic flag, household and measure files, which key."""
        return {
            "synthetic": _synthetic([j.path for j in self.jobs]),
            "source_files": list(dict.fromkeys(j.path.name for j in self.jobs if j.table == "households")),
            "measure_files": list(dict.fromkeys(j.path.name for j in self.jobs if j.table == "measures")),
            "pseudonym_key": "demo" if self.demo_key else "user",
            "pseudonym_key_check": key_check(self.secret),
        }

    def result(
        self,
        households: pd.DataFrame,
        measures: pd.DataFrame,
        accounting: list[dict],
        found: list[pd.DataFrame],
        rejections: list[pd.DataFrame],
        reasons: list[dict],
    ) -> IngestResult:
        """The :class:`IngestResult` of the accepted tables and the per-file accounting, problems, rejections."""
        accounting_table = pd.DataFrame(accounting)
        found = [f for f in found if len(f)] + _empty_file_problems(accounting, found)
        return IngestResult(
            panel=Panel(
                households=households,
                measures=measures,
                meta=dict(self.meta(), accounting=accounting_table.to_dict("records")),
            ),
            accounting=accounting_table,
            problems=(pd.concat(found, ignore_index=True) if found else empty_problems())[PROBLEM_COLUMNS],
            rejections=pd.concat(rejections, ignore_index=True)
            if rejections
            else pd.DataFrame(columns=REJECTION_COLUMNS),
            reasons=pd.DataFrame(reasons, columns=REASON_COLUMNS),
            demo_key=self.demo_key,
        )


def households_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Accepted household rows in canonical column order and dtypes, with derived income when every input is there."""
    hh = canonical_dtypes(rows)
    if set(INCOME_INPUTS) | {"household_type"} <= set(hh.columns):
        hh = derive_income(hh)
    return hh


def canonical_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the canonical columns first (in ``data/columns.csv`` order) and their dtypes."""
    columns = household_columns()
    order = [c for c in columns if c in frame.columns] + [c for c in frame.columns if c not in columns]
    out = frame[order].copy()
    for name in out.columns:
        col = columns.get(name)
        if col is None or col.kind == "identifier" and name != "id_card":
            continue
        if col.dtype == "int":
            out[name] = out[name].astype("int64" if col.required else "Int64")
        elif col.dtype == "float":
            out[name] = out[name].astype("float64")
        elif col.dtype == "bool":
            out[name] = out[name].astype("boolean")
        else:
            out[name] = out[name].astype("str")
    return out


def empty_measures() -> pd.DataFrame:
    """The canonical measures table with no rows."""
    return pd.DataFrame({c: pd.Series(dtype=MEASURE_DTYPES[c]) for c in MEASURE_COLUMNS})


def combined_warning(n: int, files: list[tuple[str, str]]) -> pd.DataFrame:
    """The warning that ``n`` measure rows repeated for one household, year and measure were summed.

    ``files``: (name, table) of the files read; the measure files are named (all files when none).
    """
    names = ", ".join(f for f, t in files if t == "measures") or ", ".join(f for f, _ in files)
    return problems(
        names,
        None,
        "",
        "measure",
        str(n),
        "measure_rows_combined",
        severity="warning",
        detail=(f"{n} 行合并", f"{n} rows combined"),
    )


def unreadable(job: Job, exc: EvalkitError) -> tuple[dict, pd.DataFrame]:
    """The accounting row (nothing read) and the file-level problem of a source that cannot be read."""
    kind = "no_header" if "header" in str(exc) else "unreadable_file"
    found = problems(job.label, None, "", "", "", kind, detail=(str(exc), str(exc)))
    row = {
        "file": job.label,
        "table": job.table,
        "format": job.path.suffix.lstrip(".").lower(),
        "encoding": "",
        "sheet": job.sheet or "",
        "header_row": 0,
        "rows_read": 0,
        "rows_accepted": 0,
        "rows_rejected": 0,
        "rows_excluded": 0,
    }
    return row, found


def _empty_file_problems(accounting: list[dict], found: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """A household file with a header but no data row is an error (a file is not "usable" when
    it holds nothing), unless the file already has a file-level error."""
    failed = {f["file"].iloc[0] for f in found if len(f) and f["row"].isna().any() and (f["severity"] == "error").any()}
    return [
        problems(row["file"], None, "", "", "", "no_rows")
        for row in accounting
        if row["table"] == "households" and not row["rows_read"] and row["file"] not in failed
    ]


def _check_source_keys(paths: list[Path], secret: bytes) -> None:
    """Refuse sources inside evalkit panel folders (their ``meta.json``) pseudonymised with
    another key than ``secret``: their ids would never match the new ones."""
    records: list[tuple[str, str | None]] = [("当前密钥 / the key in use", key_check(secret))]
    for path in dict.fromkeys(paths):
        meta = path.parent / "meta.json"
        if meta.exists():
            try:
                recorded = json.loads(meta.read_text(encoding="utf-8")).get("pseudonym_key_check")
            except (ValueError, OSError):
                continue
            records.append((path.name, recorded))
    check_same_key(records)


def _synthetic(paths: list[Path]) -> bool:
    """True when a source file sits in an evalkit panel folder whose meta.json says synthetic."""
    for path in paths:
        meta = path.parent / "meta.json"
        if meta.exists():
            try:
                if json.loads(meta.read_text(encoding="utf-8")).get("synthetic"):
                    return True
            except (ValueError, OSError):
                continue
    return False
