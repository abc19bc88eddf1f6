"""From monitoring-system exports (防止返贫监测 CSV / XLSX / Parquet) to a validated, pseudonymised panel.

Steps, each reported so that nothing is dropped silently, and where each lives:

1. :mod:`evalkit.io.readers` reads one file as text cells with the row number the user sees
   (encoding and header-row detection; blank, total and note rows excluded and counted);
2. :mod:`evalkit.io.headers` maps the user's headers to canonical columns (alias tables);
3. :mod:`evalkit.io.file_checks` pseudonymises the identifiers and checks every value of one
   file, collecting every problem (``strict``: stop at the first error); a row with an error is
   rejected; rows read = accepted + rejected + excluded (:mod:`evalkit.io.accounting`);
4. this module checks across files and assembles the panel in memory; :mod:`evalkit.io.chunked`
   does the same in blocks for exports larger than memory. Both build one
   :class:`evalkit.io.plan.IngestPlan` (years, files, meta, assembly rules).

Rows of household files must be unique by household and year (duplicates: every copy rejected,
each naming the others). Rows of a long measures file must name a household-year with an
accepted household row (else rejected: ``measure_without_household`` /
``measure_household_rejected``); rows with the same household, year and measure are combined
(amounts summed) and reported as a warning.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from evalkit.core.errors import EvalkitError
from evalkit.core.panel import MEASURE_COLUMNS
from evalkit.io.accounting import (
    MAX_PRINTED_PROBLEMS,
    IngestResult,
    accepted_rows,
    file_summary,
    format_accounting,
    write_rejections,
)
from evalkit.io.checks import KINDS
from evalkit.io.chunked import DEFAULT_CHUNK_ROWS, STAGING_MEMORY_LIMIT, ChunkedIngest
from evalkit.io.file_checks import FileState, check_file, check_measure_keys, reject_duplicates
from evalkit.io.headers import (
    alias_index,
    lookup,
    map_header,
    measure_aliases,
    normalise_header,
)
from evalkit.io.keys import KeyLog
from evalkit.io.plan import (
    DEFAULT_MIN_YEAR,
    IngestPlan,
    Job,
    combined_warning,
    empty_measures,
    households_table,
    unreadable,
)
from evalkit.io.readers import ROW, iter_csv_blocks, read_export

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "DEFAULT_MIN_YEAR",
    "MAX_PRINTED_PROBLEMS",
    "ROW",
    "STAGING_MEMORY_LIMIT",
    "ChunkedIngest",
    "JobOutcome",
    "IngestResult",
    "assemble",
    "check_job",
    "format_accounting",
    "ingest",
    "iter_csv_blocks",
    "map_header",
    "measure_aliases",
    "normalise_header",
    "read_export",
    "write_rejections",
]


def ingest(
    paths,
    measures=(),
    strict: bool = False,
    key: str | bytes | None = None,
    key_file: str | Path | None = None,
    min_year: int = DEFAULT_MIN_YEAR,
    max_year: int | None = None,
) -> IngestResult:
    """Read, validate and pseudonymise household exports ``paths`` and long measure files ``measures``.

    Every source is read in full (CSV in UTF-8 or GB18030, XLSX sheet by sheet — every visible
    sheet with a header row, named ``file.xlsx [sheet]`` —, Parquet), its headers mapped to
    evalkit's columns, its values checked, its identifiers replaced by keyed pseudonyms; the row
    accounting holds for every source (rows read = accepted + rejected + excluded).

    Parameters
    ----------
    paths : str, Path or sequence of them
        Household exports (household- or person-level; CSV, XLSX or Parquet).
    measures : sequence of str or Path, default ()
        Long measure files (household, year, measure); wide measure columns in ``paths`` are
        read from the household files themselves.
    strict : bool, default False
        Raise :class:`DataValidationError` (``E-INGEST-VALIDATION``) at the first error;
        otherwise every problem is collected.
    key, key_file : str, bytes or Path, optional
        The pseudonymisation key, resolved by :func:`evalkit.io.pseudonymise.resolve_key`
        (``key``, then the environment, then ``key_file``; else the public demo key with a
        :class:`DemoKeyWarning`).
    min_year, max_year : int, optional
        Accepted years (default :data:`DEFAULT_MIN_YEAR` to the current year); others are errors.

    Returns
    -------
    IngestResult
        The panel of accepted rows, the accounting per source, the problems (errors and
        warnings with file, physical row, the user's header and the masked value), the rejected
        rows without raw identifiers and the counts by reason.

    Raises
    ------
    DataValidationError
        With ``strict``, at the first problem.
    EvalkitError
        A source that is not a file evalkit reads (``E-INPUT``), or with ``strict`` a file that
        cannot be read.
    """
    plan = IngestPlan.build(paths, measures, strict, key, key_file, (min_year, max_year))
    return assemble(plan, [check_job(plan, job) for job in plan.jobs])


#: What :func:`check_job` gives for one file: its checked state, or (accounting row, problem) of a
#: file that could not be read.
JobOutcome = FileState | tuple[dict, pd.DataFrame]


def check_job(plan: IngestPlan, job: Job) -> JobOutcome:
    """Read and check one source of ``plan`` (a file, or one sheet of a workbook: the per-source
    part of :func:`ingest`, independent of the others: it runs anywhere, e.g. as a cluster task,
    :mod:`evalkit.io.parallel`)."""
    try:
        raw = job.read()
    except EvalkitError as exc:
        if plan.strict:
            raise
        return unreadable(job, exc)
    return check_file(raw, job.table, plan.secret, plan.strict, plan.years)


def assemble(plan: IngestPlan, outcomes: list[JobOutcome]) -> IngestResult:
    """The checks across files (duplicate household-years, measures without households) and the
    panel, accounting and problems of :func:`ingest`, from the outcomes of :func:`check_job` in
    ``plan.jobs`` order (the unreadable files' accounting first, as :func:`ingest` lists them)."""
    states: list[FileState] = []
    accounting, found = [], []
    for outcome in outcomes:
        if isinstance(outcome, FileState):
            states.append(outcome)
        else:
            row, problem = outcome
            accounting.append(row)
            found.append(problem)
    _duplicates([s for s in states if s.table == "households"])
    _measures_without_households(states)

    households, measure_parts, rejections, reasons = [], [], [], []
    for s in states:
        row, why, rej = file_summary(s)
        accounting.append(row)
        found.append(s.checks.table())
        reasons.extend(why)
        if rej is not None:
            rejections.append(rej)
        accepted, measure_part = accepted_rows(s)
        if s.table == "households":
            households.append(accepted)
        if measure_part is not None:
            measure_parts.append(measure_part)

    measures_table = _combine_measures(measure_parts, states, found)
    hh = households_table(pd.concat(households, ignore_index=True)) if households else pd.DataFrame()
    return plan.result(hh, measures_table, accounting, found, rejections, reasons)


def _duplicates(states: list[FileState]) -> None:
    """Reject every copy of a household-year key found more than once (across all household files)."""
    keyed = [s for s in states if {"household_id", "year"} <= set(s.data.columns)]
    if not keyed:
        return
    log = KeyLog()
    for i, s in enumerate(keyed):
        log.add(s.data["household_id"], s.data["year"], i, s.data[ROW])
    dup = log.duplicates([s.file for s in keyed])
    for i, s in enumerate(keyed):
        reject_duplicates(s, dup[dup["state"].eq(i)])


def _measures_without_households(states: list[FileState]) -> None:
    """Reject measure rows whose household-year has no row, or only rejected rows, in the household files.

    Checked when at least one household file was read; measure files given alone are kept as they are.
    """
    households = [s for s in states if s.table == "households" and {"household_id", "year"} <= set(s.data.columns)]
    if not any(s.table == "households" for s in states):
        return
    listed_log, accepted_log = KeyLog(where=False), KeyLog(where=False)
    for s in households:
        listed_log.add(s.data["household_id"], s.data["year"])
        kept = s.data[~s.checks.rejected]
        accepted_log.add(kept["household_id"], kept["year"])
    listed, accepted = listed_log.key_set(), accepted_log.key_set()
    for s in states:
        if s.table != "measures" or not {"household_id", "year"} <= set(s.data.columns):
            continue
        check_measure_keys(
            s,
            listed.contains(s.data["household_id"], s.data["year"]),
            accepted.contains(s.data["household_id"], s.data["year"]),
        )


def _combine_measures(parts: list[pd.DataFrame], states: list[FileState], found: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per household, year and measure; rows of a long file repeated for one key are summed (warned)."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_measures()
    frame = pd.concat(parts, ignore_index=True)
    frame["year"] = frame["year"].astype("int64")
    frame["amount"] = frame["amount"].astype("float64")
    repeated = frame.duplicated(["household_id", "year", "measure"], keep="first")
    if repeated.any():
        found.append(combined_warning(int(repeated.sum()), [(s.file, s.table) for s in states]))
    out = frame.groupby(["household_id", "year", "measure"], as_index=False, sort=True)["amount"].sum(min_count=1)
    out["household_id"] = out["household_id"].astype("str")
    out["measure"] = out["measure"].astype("str")
    return pd.DataFrame(out[MEASURE_COLUMNS])


# ---------------------------------------------------------------------------------------------
# Command line


#: ``evalkit validate`` prints this many rows of each kind of problem (``--all``: every row).
ROWS_PER_KIND = 20


def problem_lines(problems: pd.DataFrame, per_kind: int | None = ROWS_PER_KIND) -> list[str]:
    """The problems as ``evalkit validate`` prints them: grouped by kind (errors first, then
    warnings, each kind in order of first appearance) under a heading with the kind's count, the
    first ``per_kind`` rows of each (None: every row), each problem once on one line (Chinese, then
    English), identical problems (same file, row, column, kind and message) once."""
    problems = problems.drop_duplicates(["file", "row", "column", "kind", "message_zh"])
    problems = problems.assign(_error=problems["severity"] != "error").sort_values("_error", kind="stable")
    lines = []
    for (kind, severity), group in problems.groupby(["kind", "severity"], sort=False):
        tag = "错误/error" if severity == "error" else "警告/warning"
        reason = KINDS.get(str(kind), (str(kind), str(kind)))[:2]
        lines.append(f"{reason[0]} / {reason[1]} ({kind}): {len(group)} 处 / rows")
        shown = group if per_kind is None else group.head(per_kind)
        lines += [f"  [{tag}] {p.message_zh} / {p.message_en}" for p in shown.itertuples(index=False)]
        if len(group) > len(shown):
            more = len(group) - len(shown)
            lines.append(
                f"  ... 另有 {more} 处, 用 --all 全部列出, 或见 --rejections 目录下的 problems.csv / "
                f"{more} more: --all prints every row, problems.csv in the --rejections folder lists them"
            )
    return lines


def column_mapping(path: str | Path, table: str = "households") -> list[tuple[str, str]]:
    """Each header of an export and the field it maps to (``measure:<code>`` for a wide measure
    column, ``""`` when not used), as :func:`ingest` will read it."""
    try:
        raw = read_export(path)
    except EvalkitError:
        return []  # the accounting reports why the file cannot be read
    index = alias_index(table)
    out = []
    for header in raw.columns:
        if header == ROW:
            continue
        field = lookup(header, index)
        if field is None and table == "households" and lookup(header, measure_aliases()) is not None:
            field = f"measure:{lookup(header, measure_aliases())}"
        out.append((header, field or ""))
    return out


def format_column_mapping(path: str | Path, table: str = "households") -> str:
    """``evalkit validate``'s list of the mapping used: ``header → field`` or ``→ 未使用 / not used``."""
    pairs = column_mapping(path, table)
    lines = [f"列对应 / column mapping: {Path(path).name}"]
    lines += [f"  {h} → {f}" if f else f"  {h} → 未使用 / not used" for h, f in pairs]
    return "\n".join(lines)
