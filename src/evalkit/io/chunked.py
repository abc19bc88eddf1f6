"""Chunked ingest: the checks and results of :func:`evalkit.io.ingest.ingest`, memory bounded by the block size."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from evalkit.core.errors import DataValidationError, EvalkitError
from evalkit.core.panel import MEASURE_COLUMNS, Panel
from evalkit.core.schema import household_columns
from evalkit.io.accounting import FileTotals, IngestResult, accepted_rows
from evalkit.io.checks import as_text, parse_number
from evalkit.io.file_checks import (
    check_file,
    check_measure_keys,
    is_flag_column,
    map_columns,
    pseudonymise_identifiers,
    reject_duplicates,
)
from evalkit.io.keys import KeyLog, KeySet
from evalkit.io.plan import (
    DEFAULT_MIN_YEAR,
    MEASURE_DTYPES,
    IngestPlan,
    Job,
    combined_warning,
    empty_measures,
    households_table,
    unreadable,
)
from evalkit.io.readers import ROW
from evalkit.io.value_checks import typed_column

#: Lines per block of :class:`ChunkedIngest` (``evalkit ingest --chunk-rows``).
DEFAULT_CHUNK_ROWS = 500_000
#: Memory DuckDB may use to combine the staged measure rows of a chunked ingest (it spills beyond).
STAGING_MEMORY_LIMIT = "2GB"


class ChunkedIngest:
    """:func:`ingest` for exports larger than memory: CSV files are read, checked, pseudonymised
    and handed on in blocks of ``chunk_rows`` lines; the results are those of :func:`ingest`.

    Usage: ``run = ChunkedIngest(...)``; consume :meth:`panels` (e.g. with
    :func:`evalkit.dataset.write_dataset`), then :meth:`result` gives the :class:`IngestResult`
    (its panel is empty: the rows went to the consumer).

    Checks that span blocks, and how they hold:

    * duplicate household-year keys: a first pass over the household files keeps only the keys
      (:class:`evalkit.keys.KeyLog`: pseudonym as a 64-bit number by year, file, row): every copy is
      rejected with the list of the others, as in :func:`ingest` (memory: 20 bytes a household-year
      row, then 8 bytes a key for the sets of listed and accepted keys; not the cells);
    * wide 1/0 measure columns are flags when the whole column is 1/0 (decided in the first pass);
    * measure rows without an (accepted) household row: checked against the keys of both passes;
    * measure rows repeated for one household, year and measure are summed by DuckDB over the
      accepted measure rows staged as Parquet in ``workdir`` (an empty folder it may use), within
      :data:`STAGING_MEMORY_LIMIT` (DuckDB spills the aggregation to ``workdir`` beyond it);
    * blank, total and note rows: see :func:`iter_csv_blocks`; region-alias warnings are merged.

    Memory is one block plus the compact keys, the problems and the rejected rows. XLSX and Parquet files
    are read whole (an XLSX sheet has at most 1,048,576 rows). In strict mode the first problem
    found stops the run; for a duplicate key that can be in an earlier block than in :func:`ingest`.
    """

    def __init__(
        self,
        paths,
        measures=(),
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        workdir: str | Path = ".",
        strict: bool = False,
        key: str | bytes | None = None,
        key_file: str | Path | None = None,
        min_year: int = DEFAULT_MIN_YEAR,
        max_year: int | None = None,
    ):
        if chunk_rows < 1:
            raise EvalkitError(f"块行数必须为正 / chunk_rows must be positive, got {chunk_rows}", code="E-CHUNK-ROWS")
        self.plan = IngestPlan.build(paths, measures, strict, key, key_file, (min_year, max_year))
        self.chunk_rows, self.workdir = chunk_rows, Path(workdir)
        self._result: IngestResult | None = None

    @property
    def jobs(self) -> list[Job]:
        return self.plan.jobs

    @property
    def strict(self) -> bool:
        return self.plan.strict

    def _scan(self, i: int, job: Job, log: KeyLog) -> tuple[dict[str, bool], set[str] | None]:
        """First pass over a household file: its keys (into ``log``), its wide 1/0 flag columns, its columns."""
        flags: dict[str, bool] = {}
        columns: set[str] | None = None
        catalogue = household_columns()
        for raw in job.blocks(self.chunk_rows):
            headers, wide, checks = map_columns(raw, "households", job.label, False)
            for header in wide:
                flags[header] = flags.get(header, True) and is_flag_column(parse_number(raw[header])[0])
            if checks.file_errors:
                continue
            data = pd.DataFrame({ROW: raw[ROW].to_numpy()})
            pseudonymise_identifiers(
                data,
                {n: as_text(raw[headers[n]]) for n in ("household_id", "id_card") if n in headers},
                checks,
                self.plan.secret,
            )
            data["year"] = typed_column(catalogue["year"], raw[headers["year"]], as_text(raw[headers["year"]]), checks)
            log.add(data["household_id"], data["year"], i, data[ROW])
            columns = {
                "household_id",
                *(["id_card"] if "id_card" in headers else []),
                *(n for n in headers if catalogue[n].kind != "identifier"),
            }
        return flags, columns

    def panels(self):
        """Panel blocks of accepted rows: the household blocks (measures empty), then the measures."""
        meta = self.plan.meta()
        totals: dict[int, FileTotals] = {}
        unreadable_rows, unreadable_found = [], []
        scans, log, columns = {}, KeyLog(), set()
        for i, job in enumerate(self.jobs):
            if job.table != "households":
                continue
            try:
                flags, cols = self._scan(i, job, log)
            except EvalkitError as exc:
                if self.strict:
                    raise
                row, problem = unreadable(job, exc)
                unreadable_rows.append(row)
                unreadable_found.append(problem)
                continue
            scans[i] = flags
            columns |= cols or set()
        dup = log.duplicates([j.label for j in self.jobs])
        listed = log.key_set()
        del log
        order = [c for c in household_columns() if c in columns]
        staging = self.workdir / "measures-staging"
        staging.mkdir(parents=True, exist_ok=True)
        staged, empty_hh = 0, None
        accepted_log: KeyLog | None = KeyLog(where=False)
        accepted: KeySet | None = None

        def stage(part: pd.DataFrame | None) -> None:
            nonlocal staged
            if part is not None and len(part):
                part = part.astype(MEASURE_DTYPES)
                part.to_parquet(staging / f"part-{staged}.parquet", index=False)
                staged += 1

        for i, job in enumerate(self.jobs):
            table = job.table
            if table == "households" and i not in scans:
                continue
            files = totals[i] = FileTotals()
            try:
                for raw in job.blocks(self.chunk_rows):
                    s = check_file(raw, table, self.plan.secret, self.strict, self.plan.years, scans.get(i))
                    keyed = {"household_id", "year"} <= set(s.data.columns)
                    if table == "households" and keyed:
                        reject_duplicates(s, dup[dup["state"].eq(i)])
                    if table == "measures" and keyed and scans:
                        if accepted is None:  # household files come first: their accepted keys are complete
                            done = accepted_log if accepted_log is not None else KeyLog(where=False)
                            accepted, accepted_log = done.key_set(), None
                        check_measure_keys(
                            s,
                            listed.contains(s.data["household_id"], s.data["year"]),
                            accepted.contains(s.data["household_id"], s.data["year"]),
                        )
                    files.add(s)
                    rows, measure_part = accepted_rows(s)
                    stage(measure_part)
                    if table != "households" or not keyed:  # not keyed: a file-level error rejected every row
                        continue
                    kept = s.data[~s.checks.rejected]
                    if accepted_log is not None:  # None once the measure files began (households come first)
                        accepted_log.add(kept["household_id"], kept["year"])
                    hh = households_table(rows.reindex(columns=order))
                    if empty_hh is None:
                        empty_hh = hh.iloc[:0]
                    if len(hh):
                        yield Panel(households=hh, measures=empty_measures(), meta=meta)
            except (
                EvalkitError
            ) as exc:  # a measure file that fails part-way (household files were read in the first pass)
                if self.strict or isinstance(exc, DataValidationError):
                    raise
                del totals[i]
                row, problem = unreadable(job, exc)
                unreadable_rows.append(row)
                unreadable_found.append(problem)
        found = unreadable_found + [totals[i].problem_table(self.jobs[i].label) for i in totals]
        repeated = 0
        if staged:
            import duckdb

            con = duckdb.connect(
                config={
                    "memory_limit": STAGING_MEMORY_LIMIT,
                    "preserve_insertion_order": False,
                    "temp_directory": str(staging / "spill"),
                }
            )
            pattern = (staging / "*.parquet").as_posix().replace("'", "''")
            source = f"read_parquet('{pattern}')"
            n_rows, n_keys = con.sql(
                f"SELECT COUNT(*), (SELECT COUNT(*) FROM (SELECT DISTINCT household_id, year, "
                f"measure FROM {source})) FROM {source}"
            ).fetchall()[0]
            repeated = n_rows - n_keys
            if empty_hh is not None:
                reader = con.sql(
                    f"SELECT household_id, year, measure, SUM(amount) AS amount FROM {source} "
                    "GROUP BY household_id, year, measure"
                ).to_arrow_reader(self.chunk_rows)
                for batch in reader:
                    frame = batch.to_pandas().astype(MEASURE_DTYPES)
                    yield Panel(households=empty_hh, measures=frame[MEASURE_COLUMNS], meta=meta)
            con.close()
        if repeated:
            found.append(combined_warning(repeated, [(self.jobs[i].label, self.jobs[i].table) for i in totals]))
        shutil.rmtree(staging, ignore_errors=True)
        rejections = [r for i in totals for r in totals[i].rejections]
        reasons = [r for i in totals for r in totals[i].reason_rows()]
        accounting = unreadable_rows + [t.row for t in totals.values() if t.row is not None]
        households = empty_hh if empty_hh is not None else pd.DataFrame()
        self._result = self.plan.result(households, empty_measures(), accounting, found, rejections, reasons)

    @property
    def finished(self) -> bool:
        """True once :meth:`panels` has been consumed."""
        return self._result is not None

    def result(self) -> IngestResult:
        """The accounting, problems and rejections, once :meth:`panels` has been consumed."""
        if self._result is None:
            raise EvalkitError(
                "ChunkedIngest.panels() 尚未读完 / ChunkedIngest.panels() has not been consumed", code="E-CHUNK-UNREAD"
            )
        return self._result
