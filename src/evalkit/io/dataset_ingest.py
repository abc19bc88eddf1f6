"""``evalkit ingest``: exports → a validated, pseudonymised Parquet dataset (:mod:`evalkit.io.dataset`).

The whole call is checked before any work (output writable, not a symbolic link, the dataset's
lock, the pseudonym key against the dataset's and the sources' key check values); the new
dataset is written beside the old one and swapped in, so a failure leaves the previous dataset.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evalkit.core.column_uses import skipped_lines
from evalkit.core.errors import EvalkitError
from evalkit.core.outputs import (
    check_output_folder,
    dataset_lock,
    output_error,
    refuse_symlink,
    swap_directory,
)
from evalkit.io.accounting import IngestResult, format_accounting, format_skipped, write_rejections
from evalkit.io.chunked import DEFAULT_CHUNK_ROWS, ChunkedIngest
from evalkit.io.dataset import (
    VALIDATION_DIR,
    check_replaceable,
    is_dataset,
    open_dataset,
    read_dataset_meta,
    write_dataset_files,
    write_record,
)
from evalkit.io.headers import read_column_map, use_column_map
from evalkit.io.ingest import ingest
from evalkit.io.plan import IngestPlan
from evalkit.io.pseudonymise import KEY_ENV, KEY_FILE_ENV, DemoKeyWarning

#: Above this total size of the CSV sources (MB), ``evalkit ingest`` reads them in blocks
#: (:class:`evalkit.ingest.ChunkedIngest`); ``--chunk-rows`` decides explicitly.
CHUNKED_INGEST_MB = 200.0


def ingest_dataset(
    sources: Sequence[str],
    out: str,
    measures: Sequence[str] = (),
    strict: bool = False,
    chunk_rows: int | None = None,
    chunk_threshold_mb: float | None = None,
    wait: bool = False,
    force_demo_key: bool = False,
    new_key: bool = False,
    client=None,
    column_map: str | None = None,
) -> DatasetIngest:
    """Validate and pseudonymise the exports (:func:`evalkit.io.ingest.ingest`) and write the
    accepted rows as a dataset at ``out`` (``evalkit ingest SRC... --out DATASET``, which prints
    what this returns: :func:`evalkit.cli.commands.ingest_command`).

    The accounting (rows read = accepted + rejected + excluded, per file) and the counts by reason
    are recorded in ``dataset.json``; the rejected rows (without raw identifiers) and the problem
    list go to ``DATASET/validation/``. Exit code 0 when the files had no error, 1 when rows
    were rejected (the dataset of accepted rows is still written), as ``evalkit validate``.

    Large exports are ingested in blocks (:class:`evalkit.ingest.ChunkedIngest`: same checks,
    accounting, rejections and pseudonyms; memory bounded by the block): with ``chunk_rows`` lines
    per block, or automatically (:data:`evalkit.ingest.DEFAULT_CHUNK_ROWS`) when the CSV sources
    together exceed ``chunk_threshold_mb`` (default :data:`CHUNKED_INGEST_MB`); ``chunk_rows=0``
    always reads whole files. With a Dask ``client`` (``--scheduler``), the files are read and
    checked as cluster tasks, one per file (:func:`evalkit.io.parallel.ingest_parallel`: the same
    accounting as serial ingest; each file whole, no blocks).

    Safe under faults: the output is checked before any work (not a symbolic link, its folder
    writable, an existing folder an evalkit dataset); one ingest at a time per dataset (a lock
    beside it; ``wait`` waits for another run instead of refusing); the whole new dataset —
    files, ``dataset.json``, ``validation/`` — is written beside the old one and swapped in only
    when complete, so a failure leaves the previous dataset intact.

    Keys (:func:`evalkit.io.pseudonymise.key_check`): ``dataset.json`` records the key's check
    value; the built-in demo key is refused for data not labelled synthetic unless
    ``force_demo_key``, and an existing dataset built with another key is not replaced unless
    ``new_key`` (its household ids would not match those of data ingested with the old key).

    ``column_map``: the user's mapping file (export header → evalkit field,
    :func:`evalkit.io.headers.read_column_map`); not with a cluster ``client``.
    """
    if column_map and client is not None:  # the map is this process's state: cluster workers would not see it
        raise EvalkitError(
            "--columns 暂不能与 --scheduler 同用 / --columns cannot be combined with --scheduler yet: "
            "ingest mapped files without a cluster",
            code="E-COLUMNS-CLUSTER",
        )
    use_column_map(read_column_map(column_map) if column_map else None)
    out_path = refuse_symlink(Path(out))
    check_replaceable(out_path, overwrite=True)
    check_output_folder(out_path.parent)
    _check_key(sources, measures, out_path, force_demo_key, new_key)
    if client is not None:
        chunk_rows = 0
    if chunk_rows is None:
        csv_bytes = sum(
            Path(p).stat().st_size
            for p in [*sources, *measures]
            if Path(p).suffix.lower() in (".csv", ".txt") and Path(p).exists()
        )
        threshold = CHUNKED_INGEST_MB if chunk_threshold_mb is None else chunk_threshold_mb
        chunk_rows = DEFAULT_CHUNK_ROWS if csv_bytes > threshold * 2**20 else 0
    with dataset_lock(out_path, wait=wait):
        work = Path(tempfile.mkdtemp(prefix=f".{out_path.name}.partial-", dir=out_path.parent))
        try:
            staged = work / "dataset"
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", DemoKeyWarning)
                if chunk_rows:
                    result = _ingest_chunked(sources, staged, work, measures, strict, chunk_rows)
                elif client is not None:
                    from evalkit.io.parallel import ingest_parallel  # Dask only when asked for

                    result = ingest_parallel(client, IngestPlan.build(list(sources), tuple(measures), strict))
                else:
                    result = ingest(list(sources), measures=tuple(measures), strict=strict)
            notes = [str(w.message) for w in caught if issubclass(w.category, DemoKeyWarning)]
            if not chunk_rows and not len(result.panel.households):
                raise _no_rows(result)
            if not chunk_rows:
                write_dataset_files(result.panel, staged, result.accounting)
            record = read_dataset_meta(staged)
            record["reasons"] = result.reasons.to_dict(orient="records")
            record["accounting"] = result.accounting.to_dict(orient="records")
            record["meta"]["accounting"] = record["accounting"]
            write_record(staged, record)
            written = write_rejections(result, staged / VALIDATION_DIR) if len(result.problems) else []
            swap_directory(staged, out_path)
        except OSError as exc:
            raise output_error(out_path, exc) from exc
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return DatasetIngest(
        result=result,
        record=record,
        written=[out_path / path.relative_to(staged) for path in written],
        skipped=format_skipped(result) if not chunk_rows else _skipped_in_dataset(out_path),
        notes=notes,
    )


@dataclass
class DatasetIngest:
    """What :func:`ingest_dataset` did.

    Attributes
    ----------
    result : IngestResult
        The accounting, problems, rejections and counts by reason (its panel: the accepted rows).
    record : dict
        The dataset's ``dataset.json`` (rows, partitions, fingerprint, meta with the key check value).
    written : list of Path
        The files of ``DATASET/validation/`` (rejected rows, problems).
    skipped : str
        The analyses that absent optional columns will skip ("" when none).
    notes : list of str
        Warnings to show the user (the demo key in use).
    """

    result: IngestResult
    record: dict
    written: list[Path]
    skipped: str
    notes: list[str]


def _no_rows(result: IngestResult) -> EvalkitError:
    """The error of an ingest that accepted no household row; its message holds the accounting
    (which files were read, and why every row was rejected or excluded)."""
    return EvalkitError(
        f"{format_accounting(result)}\n"
        "没有被接受的农户行, 未写出数据集 / no household rows accepted: no dataset written",
        code="E-INGEST-NO-ROWS",
    )


def _skipped_in_dataset(path: str | Path) -> str:
    """:func:`evalkit.io.accounting.format_skipped` for a dataset written in blocks (its columns:
    a column blank in every row is not detected here)."""
    lines = skipped_lines(open_dataset(path).schema.names)
    head = "缺少可选列, 以下分析将跳过 / optional columns absent, these analyses will be skipped:"
    return "\n".join([head, *(f"  {line}" for line in lines)]) if lines else ""


def _check_key(sources, measures, out: Path, force_demo_key: bool, new_key: bool) -> None:
    """Before any work: the demo key only on synthetic data (or forced), and the same key as the
    dataset being replaced (or ``new_key``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DemoKeyWarning)
        plan = IngestPlan.build(list(sources), tuple(measures))
    meta = plan.meta()
    if plan.demo_key and not meta["synthetic"] and not force_demo_key:
        raise EvalkitError(
            "这些数据未标记为合成数据, 不能用公开的演示密钥假名化 (假名可被任何人还原): 请设置 "
            f"{KEY_ENV} 或 {KEY_FILE_ENV}; 仅用于测试时可加 --force-demo-key / these data are not labelled "
            "synthetic and would be pseudonymised with the public demo key (anyone can reverse its pseudonyms): set "
            f"{KEY_ENV} or {KEY_FILE_ENV}; for a test only, pass --force-demo-key",
            code="E-KEY-DEMO",
        )
    if is_dataset(out) and not new_key:
        old = (read_dataset_meta(out).get("meta") or {}).get("pseudonym_key_check")
        now = meta["pseudonym_key_check"]
        if old and old != now:
            raise EvalkitError(
                f"{out}: 现有数据集使用另一个假名化密钥生成 (校验值 {old}, 当前 {now}), 两者的户编号无法对应; "
                "请使用原密钥, 或确认后加 --new-key 替换 / the existing dataset was pseudonymised with another key "
                f"(check value {old}, now {now}): household ids would not match; use the original key, or pass "
                "--new-key to replace it deliberately",
                code="E-KEY-MISMATCH",
            )


def _ingest_chunked(
    sources: Sequence[str], staged: Path, work: Path, measures: Sequence[str], strict: bool, chunk_rows: int
):
    """Ingest in blocks into the new folder ``staged`` (swapped in by the caller when complete)."""
    run = ChunkedIngest(list(sources), measures=tuple(measures), chunk_rows=chunk_rows, workdir=work, strict=strict)
    try:
        write_dataset_files(run.panels(), staged, None)
    except EvalkitError:
        if not run.finished or run.result().accounting.query("table == 'households'")["rows_accepted"].sum():
            raise
        raise _no_rows(run.result()) from None
    return run.result()
