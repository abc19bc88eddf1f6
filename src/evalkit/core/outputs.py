"""Files evalkit writes: atomic, never through a symbolic link, one writer per folder, formula-safe.

* :func:`atomic_write_bytes` / :func:`atomic_write_text` / :func:`atomic_write_with`: a file is
  written to a temporary file beside it, flushed to disk, then moved over the old one with
  :func:`os.replace` (the old file stays whole until its replacement is complete; a failed write
  — a full disk, a kill — leaves the old file and removes the temporary one).
* :func:`refuse_symlink` / :func:`check_output_folder`: evalkit never writes through a symbolic
  link inside an output folder (a symlinked log file or ``.staging`` folder would make it
  overwrite or delete files elsewhere); the folder must be writable before any work starts.
* :class:`OutputLock`: one run at a time per reports folder or dataset (``fcntl.flock`` on a
  lock file); a second run refuses with a bilingual message, or waits when asked to.
* :func:`swap_directory`: a new folder replaces an old one by renames (old moved aside, new
  moved in, old deleted), never delete-then-write.

Spreadsheets (formula-safe CSV/XLSX) are written by :mod:`evalkit.io.spreadsheet` on top of
:func:`atomic_write_with`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from evalkit.core.errors import EvalkitError, OutputError

LOCK_NAME = ".evalkit.lock"


# ---------------------------------------------------------------------------------------------
# Symbolic links and writability
# ---------------------------------------------------------------------------------------------


def refuse_symlink(path: str | Path) -> Path:
    """Raise :class:`EvalkitError` when ``path`` is a symbolic link (evalkit never writes through one)."""
    path = Path(path)
    if path.is_symlink():
        raise EvalkitError(
            f"{path}: 是符号链接, evalkit 不会通过符号链接写入或删除文件, 请删除该链接 / is a symbolic link; "
            "evalkit does not write or delete through symbolic links in its output folders: remove the link",
            code="E-OUTPUT-SYMLINK",
        )
    return path


def _os_message(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_output_folder(folder: str | Path, create: bool = True) -> Path:
    """The output ``folder`` (created when missing), checked before any work starts: not a
    symbolic link, a folder, and writable (a file is created and removed in it).

    Raises :class:`EvalkitError` with a bilingual message otherwise (a read-only folder gives a
    message up front, not ``OSError`` after the work is done)."""
    folder = Path(folder)
    refuse_symlink(folder)
    if folder.exists() and not folder.is_dir():
        raise EvalkitError(f"{folder}: 不是目录 / is not a folder", code="E-OUTPUT-FOLDER")
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".evalkit-write-test-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise EvalkitError(
            f"{folder}: 无法写入输出目录 ({_os_message(exc)}), 请检查权限或磁盘空间 / cannot write to the output "
            f"folder ({_os_message(exc)}): check its permissions and free space",
            code="E-OUTPUT-FOLDER",
        ) from None
    return folder


def check_output_file(path: str | Path, suffixes: tuple[str, ...] | None = None) -> Path:
    """Check, before any work, that ``path`` can be written: a known suffix, not a symbolic link,
    its folder writable (:func:`check_output_folder`)."""
    path = Path(path)
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise EvalkitError(
            f"{path}: 只支持 {' 或 '.join(suffixes)} / only {' or '.join(suffixes)} are supported",
            code="E-OUTPUT-SUFFIX",
        )
    refuse_symlink(path)
    if path.is_dir():
        raise EvalkitError(f"{path}: 是目录, 应为文件 / is a folder, a file name is expected", code="E-OUTPUT-FOLDER")
    check_output_folder(path.parent if str(path.parent) else Path("."))
    return path


def output_error(path: str | Path, exc: OSError) -> OutputError:
    """A bilingual :class:`~evalkit.core.errors.OutputError` (an :class:`EvalkitError` and an
    :class:`OSError`) for an operating-system error writing ``path``."""
    full = exc.errno == errno.ENOSPC
    hint_zh = "磁盘已满" if full else _os_message(exc)
    hint_en = "the disk is full" if full else _os_message(exc)
    return OutputError(
        f"{path}: 写入失败 ({hint_zh}), 原有文件未改动 / could not be written ({hint_en}); the previous file is "
        "left as it was"
    )


# ---------------------------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_with(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` to write a temporary file beside ``path``, then move it over ``path``.

    ``path`` must not be a symbolic link. On any failure the temporary file is removed and the
    previous ``path`` (if any) is left untouched; an :class:`OSError` becomes a bilingual
    :class:`EvalkitError` naming the file."""
    path = refuse_symlink(Path(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise output_error(path, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (:func:`atomic_write_with`)."""

    def write(tmp: Path) -> None:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()

    return atomic_write_with(path, write)


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    return atomic_write_bytes(path, text.encode(encoding))


def open_log(path: str | Path, mode: str = "w"):
    """Open a log file for writing without following a symbolic link (refused with a message)."""
    path = refuse_symlink(Path(path))
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            refuse_symlink(path)
        raise output_error(path, exc) from exc
    return os.fdopen(fd, mode, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# Folders replaced by swap
# ---------------------------------------------------------------------------------------------


def swap_directory(new: str | Path, target: str | Path) -> Path:
    """Move the complete folder ``new`` to ``target``: an existing ``target`` is first renamed
    aside (``.<name>.old-xxxx``), ``new`` renamed in, then the old folder deleted. If the second
    rename fails the old folder is renamed back, so ``target`` is never lost. Both must be on the
    same filesystem (``new`` is created beside ``target``)."""
    new, target = Path(new), refuse_symlink(Path(target))
    aside = None
    if target.exists():
        aside = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
        os.rename(target, aside)
    try:
        os.rename(new, target)
    except BaseException:
        if aside is not None:
            os.rename(aside, target)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    return target


# ---------------------------------------------------------------------------------------------
# One writer at a time
# ---------------------------------------------------------------------------------------------


class OutputLock:
    """An exclusive ``fcntl.flock`` on ``lock_file`` for the lifetime of a run (a context manager).

    A second process asking for the same lock raises :class:`EvalkitError` naming the folder
    (``wait=False``), or waits until the first one ends (``wait=True``; ``timeout`` seconds at
    most, ``None`` = for ever). The lock goes with the process: a killed run leaves no stale lock.
    """

    def __init__(self, lock_file: str | Path, what: str, wait: bool = False, timeout: float | None = None):
        self.path, self.what, self.wait, self.timeout = Path(lock_file), what, wait, timeout
        self._fd: int | None = None

    def acquire(self) -> OutputLock:
        import fcntl

        refuse_symlink(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
        except OSError as exc:
            raise output_error(self.path, exc) from exc
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not self.wait or (deadline is not None and time.monotonic() > deadline):
                    os.close(fd)
                    holder = self._holder()
                    raise EvalkitError(
                        f"{self.what}: 另一个 evalkit 进程{holder}正在写入, 请等待其结束或使用 --wait / "
                        f"another evalkit run{holder} is writing to it; wait for it to finish or pass --wait",
                        code="E-OUTPUT-LOCKED",
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def _holder(self) -> str:
        try:
            pid = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""
        return f" (pid {pid})" if pid.isdigit() else ""

    def release(self) -> None:
        if self._fd is not None:
            import fcntl

            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def folder_lock(folder: str | Path, wait: bool = False, timeout: float | None = None) -> OutputLock:
    """The lock of an output folder (``FOLDER/.evalkit.lock``)."""
    folder = Path(folder)
    return OutputLock(folder / LOCK_NAME, str(folder), wait=wait, timeout=timeout)


def dataset_lock(dataset: str | Path, wait: bool = False, timeout: float | None = None) -> OutputLock:
    """The lock of a dataset folder: ``.<name>.lock`` beside it (the folder itself is swapped)."""
    dataset = Path(dataset)
    return OutputLock(dataset.parent / f".{dataset.name}.lock", str(dataset), wait=wait, timeout=timeout)
