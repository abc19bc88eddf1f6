"""Fault suite (issue 18): what a report run, a batch, an export and a dataset do under faults —
a full disk (an injected ENOSPC), a kill -9 of the batch, two batches into one folder, a read-only
folder, symbolic links in the output folders, an interrupted rerun.

Reports here run a tiny notebook (same parameters cell as notebooks/report.ipynb, one cell
writing the results file), so a kernel start is the whole cost; the tiny panel has 200
households. ``EVALKIT_TEST_DELAY`` makes its kernel sleep, ``EVALKIT_TEST_FAIL`` makes a region fail.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from evalkit.core.errors import EvalkitError
from evalkit.core.outputs import folder_lock
from evalkit.core.panel import save_panel
from evalkit.demo import generate_panel
from evalkit.reporting import batch, report

REGIONS = "shangyou,mile"

TINY_SOURCE = """
import os, time
from evalkit.reporting.report import emit_results
time.sleep(float(os.environ.get("EVALKIT_TEST_DELAY", "0")))
if region in os.environ.get("EVALKIT_TEST_FAIL", "").split(","):
    raise RuntimeError("injected failure of " + region)
_ = emit_results(
    {"region": region, "title": f"{region} {year}", "key_numbers": {"n_households": 200},
     "suppressed_keys": [], "data_fingerprint": os.environ.get("EVALKIT_TEST_FINGERPRINT", "fp-one"),
     "synthetic": True, "scorecard_counts": {"met": 1}},
    output_dir,
)
print("tiny report of", region)
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """(panel folder, tiny notebook) for fast report runs."""
    base = tmp_path_factory.mktemp("tiny")
    save_panel(generate_panel(households=200), base / "panel")
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(
        'region = "shangyou"\nyear = 2025\ndata = ""\nbase_year = None\nlang = "zh"\noutput_dir = None\nseed = 1'
    )
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(TINY_SOURCE.strip())]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(base / "tiny.ipynb"))
    return base / "panel", base / "tiny.ipynb"


def _run(tiny, out, region="shangyou", **kwargs):
    panel, notebook = tiny
    kwargs.setdefault("formats", "html")
    return report.run_report(region, 2025, data=str(panel), out=str(out), notebook=str(notebook), **kwargs)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------------------------
# A full disk: nothing previously good is removed
# ---------------------------------------------------------------------------------------------


def test_full_disk_keeps_the_previous_report_and_leaves_no_truncated_file(tiny, tmp_path, monkeypatch):
    first = _run(tiny, tmp_path)
    assert first.ok, first.error
    year = tmp_path / "2025"
    before = {name: (year / name).read_bytes() for name in ("shangyou.html", "shangyou.ipynb", "shangyou.json")}

    from evalkit.reporting import runner

    real_export = runner.export_html

    def export_then_full_disk(*args, **kwargs):
        real_export(*args, **kwargs)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runner, "export_html", export_then_full_disk)
    failed = _run(tiny, tmp_path)
    assert not failed.ok and "No space left" in failed.error
    for name, data in before.items():  # the previous report is intact
        assert (year / name).read_bytes() == data, name
    log = (year / "logs" / "shangyou.log").read_text(encoding="utf-8")
    assert "previous report is kept" in log
    assert not list(year.rglob("*.tmp")) and not (year / ".staging").exists()


def test_a_notebook_cut_short_by_a_full_disk_is_not_kept_as_failed_notebook(tiny, tmp_path, monkeypatch):
    import papermill

    def truncated_then_enospc(notebook, output, **kwargs):
        Path(output).write_text('{"cells": [{"cell_type": "code", "sour', encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(papermill, "execute_notebook", truncated_then_enospc)
    outcome = _run(tiny, tmp_path)
    assert not outcome.ok
    assert not list((tmp_path / "2025").rglob("*.failed.ipynb"))


def test_atomic_write_failing_mid_write_keeps_the_old_file(tmp_path, monkeypatch):
    from evalkit.core import outputs
    from evalkit.core.errors import OutputError

    target = tmp_path / "comparison.csv"
    outputs.atomic_write_text(target, "old\n")
    real_fsync = os.fsync

    def enospc(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs.os, "fsync", enospc)
    with pytest.raises(OutputError, match="disk is full"):
        outputs.atomic_write_text(target, "new\n" * 1000)
    monkeypatch.setattr(outputs.os, "fsync", real_fsync)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["comparison.csv"]


# ---------------------------------------------------------------------------------------------
# Read-only folders, symbolic links, bad regions: messages before any work
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def no_papermill(monkeypatch):
    import papermill

    def refuse(*args, **kwargs):
        raise AssertionError("papermill ran before the output folder was checked")

    monkeypatch.setattr(papermill, "execute_notebook", refuse)


def test_read_only_output_folder_is_a_message_before_any_work(tiny, tmp_path, monkeypatch, no_papermill):
    from evalkit.core import outputs

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(outputs.tempfile, "mkstemp", read_only)
    with pytest.raises(EvalkitError) as info:
        _run(tiny, tmp_path)
    assert info.value.code == "E-OUTPUT-FOLDER"
    with pytest.raises(EvalkitError) as info:
        batch.run_batch(
            2025, regions=REGIONS, data=str(tiny[0]), out=str(tmp_path), notebook=str(tiny[1]), formats="html"
        )
    assert info.value.code == "E-OUTPUT-FOLDER"


def test_a_symlinked_log_file_is_refused_and_its_target_untouched(tiny, tmp_path, no_papermill):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    logs = tmp_path / "out" / "2025" / "logs"
    logs.mkdir(parents=True)
    (logs / "shangyou.log").symlink_to(victim)
    with pytest.raises(EvalkitError) as info:
        _run(tiny, tmp_path / "out")
    assert info.value.code == "E-OUTPUT-SYMLINK"
    assert victim.read_text() == "precious"


def test_a_symlinked_staging_folder_is_refused_and_its_target_kept(tiny, tmp_path, no_papermill):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "shangyou").mkdir(parents=True)
    (elsewhere / "shangyou" / "keep.txt").write_text("keep")
    year = tmp_path / "out" / "2025"
    year.mkdir(parents=True)
    (year / ".staging").symlink_to(elsewhere)
    with pytest.raises(EvalkitError) as info:
        _run(tiny, tmp_path / "out")
    assert info.value.code == "E-OUTPUT-SYMLINK"
    with pytest.raises(EvalkitError) as info:
        batch.run_batch(
            2025, regions=REGIONS, data=str(tiny[0]), out=str(tmp_path / "out"), notebook=str(tiny[1]), formats="html"
        )
    assert info.value.code == "E-OUTPUT-SYMLINK"
    assert (elsewhere / "shangyou" / "keep.txt").read_text() == "keep"


def test_symlinked_report_or_index_file_is_refused(tiny, tmp_path, no_papermill):
    victim = tmp_path / "victim.html"
    victim.write_text("precious")
    year = tmp_path / "out" / "2025"
    year.mkdir(parents=True)
    (year / "index.html").symlink_to(victim)
    with pytest.raises(EvalkitError) as info:
        batch.run_batch(
            2025, regions=REGIONS, data=str(tiny[0]), out=str(tmp_path / "out"), notebook=str(tiny[1]), formats="html"
        )
    assert info.value.code == "E-OUTPUT-SYMLINK"
    (year / "index.html").unlink()
    (year / "shangyou.html").symlink_to(victim)
    with pytest.raises(EvalkitError) as info:
        _run(tiny, tmp_path / "out")
    assert info.value.code == "E-OUTPUT-SYMLINK"
    assert victim.read_text() == "precious"


def test_national_report_is_a_clear_message(tiny, tmp_path, no_papermill, capsys):
    from evalkit.cli.main import main

    code = main(["report", "--region", "全国", "--year", "2025", "--data", str(tiny[0]), "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "不生成全国报告" in err and "no national report" in err and "Traceback" not in err


# ---------------------------------------------------------------------------------------------
# Locks: two batches into one folder
# ---------------------------------------------------------------------------------------------


def _batch_process(tiny, out, env_extra: dict, regions=REGIONS, jobs=1) -> subprocess.Popen:
    panel, notebook = tiny
    code = textwrap.dedent(
        f"""
        from evalkit.reporting.batch import run_batch
        run_batch(2025, regions={regions!r}, jobs={jobs}, data={str(panel)!r}, out={str(out)!r},
                  progress=False, notebook={str(notebook)!r}, formats="html")
        """
    )
    env = dict(os.environ, **env_extra)
    return subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True)


def _wait_locked(folder: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with folder_lock(folder):
                pass
        except EvalkitError:
            return
        time.sleep(0.1)
    raise AssertionError("the batch never took the folder's lock")


def test_second_batch_refuses_while_the_first_writes_then_waits_for_it(tiny, tmp_path):
    year = tmp_path / "2025"
    first = _batch_process(tiny, tmp_path, {"EVALKIT_TEST_DELAY": "2"}, regions="shangyou")
    try:
        _wait_locked(year)
        with pytest.raises(EvalkitError) as info:
            batch.run_batch(
                2025, regions=REGIONS, data=str(tiny[0]), out=str(tmp_path), notebook=str(tiny[1]), formats="html"
            )
        assert info.value.code == "E-OUTPUT-LOCKED"
        with pytest.raises(EvalkitError) as info:
            _run(tiny, tmp_path)
        assert info.value.code == "E-OUTPUT-LOCKED"
        second = batch.run_batch(
            2025,
            regions="mile",
            data=str(tiny[0]),
            out=str(tmp_path),
            notebook=str(tiny[1]),
            wait=True,
            progress=False,
            formats="html",
        )
        assert first.wait(timeout=120) == 0
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    assert all(o.ok for o in second)
    for code in ("shangyou", "mile"):
        for ext in ("html", "ipynb", "json"):
            assert (year / f"{code}.{ext}").exists()
    assert 'href="mile.html"' in (year / "index.html").read_text(encoding="utf-8")
    assert not (year / ".staging").exists()


# ---------------------------------------------------------------------------------------------
# kill -9 of the batch: workers and their kernels die with it; the index matches the disk
# ---------------------------------------------------------------------------------------------


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for k in map(int, kids):
                if k not in found:
                    found.add(k)
                    todo.append(k)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_the_batch_takes_its_workers_and_kernels_with_it(tiny, tmp_path):
    proc = _batch_process(tiny, tmp_path, {"EVALKIT_TEST_DELAY": "60"}, regions="shangyou")
    try:
        deadline = time.monotonic() + 60
        kernels: set[int] = set()
        while time.monotonic() < deadline:
            family = _descendants(proc.pid)
            kernels = {p for p in family if b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes()}
            if kernels:
                break
            time.sleep(0.2)
        assert kernels, "the kernel never started"
        family = _descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(p) for p in family):
            time.sleep(0.2)
        assert not [p for p in family if _alive(p)], "workers or kernels outlived the batch"
    finally:
        for p in _descendants(proc.pid) | {proc.pid}:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass


def _fake_report(year: Path, code: str, fingerprint: str) -> report.ReportOutcome:
    """Report files of ``code`` as a finished run leaves them (no kernel: the index is the subject)."""
    results = {"region": code, "key_numbers": {"n_households": 200}, "data_fingerprint": fingerprint}
    (year / "logs").mkdir(parents=True, exist_ok=True)
    for ext in ("html", "ipynb"):
        (year / f"{code}.{ext}").write_text(f"{code} {fingerprint}", encoding="utf-8")
    (year / f"{code}.json").write_text(json.dumps(results), encoding="utf-8")
    (year / "logs" / f"{code}.log").write_text("ok", encoding="utf-8")
    return report.ReportOutcome(region=code, year=2025, status="ok", results=results)


def test_an_interrupted_rerun_leaves_an_index_that_describes_the_files_on_disk(tmp_path):
    year = tmp_path / "2025"
    chosen = batch.resolve_regions(REGIONS)
    batch.write_batch_summary({c.code: _fake_report(year, c.code, "fp-old") for c in chosen}, chosen, year, 2025, "zh")
    # a rerun on new data redoes 上犹县 and dies: its index was rewritten when 上犹县 finished
    redone = _fake_report(year, "shangyou", "fp-new")
    batch.write_batch_summary({"shangyou": redone}, chosen, year, 2025, "zh")
    rows = {r["region"]: r for r in csv.DictReader((year / "comparison.csv").open(encoding="utf-8"))}
    assert rows["shangyou"]["status"] == "ok" and rows["shangyou"]["data_fingerprint"] == "fp-new"
    assert rows["mile"]["status"] == "previous" and rows["mile"]["data_fingerprint"] == "fp-old"
    index = (year / "index.html").read_text(encoding="utf-8")
    assert "本次运行尚未完成 1 个" in index and "fp-old" in index and "fp-new" in index


def test_index_never_links_to_a_missing_file(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("EVALKIT_TEST_FAIL", "mile")
    outcomes = batch.run_batch(
        2025,
        regions=REGIONS,
        data=str(tiny[0]),
        out=str(tmp_path),
        notebook=str(tiny[1]),
        jobs=2,
        progress=False,
        formats="html",
    )
    assert [o.status for o in outcomes] == ["ok", "failed"]
    year = tmp_path / "2025"
    index = (year / "index.html").read_text(encoding="utf-8")
    assert "injected failure of mile" in index and 'href="shangyou.html"' in index
    (year / "shangyou.ipynb").unlink()  # a file removed by hand
    batch.write_batch_summary({o.region: o for o in outcomes}, batch.resolve_regions(REGIONS), year, 2025, "zh")
    index = (year / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'href="([^"]+)"', index)
    assert links and all((year / link).exists() for link in links), links
    assert "shangyou.ipynb" not in index
