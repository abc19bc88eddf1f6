"""Shared helpers of the benchmark scripts: sizes, data locations, and the measurement of one
command's wall time and peak memory (whole process, GNU ``/usr/bin/time -v``).

Every benchmark script does one thing on one panel size and prints, as its last stdout line,
a JSON object of its own phase timings (``{"load_s": ..., "compute_s": ...}``); :func:`measure`
runs it in a fresh process under ``/usr/bin/time -v`` and returns wall seconds, peak resident
set size (maximum RSS of the process, in MB) and those phases.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = Path(os.environ.get("EVALKIT_BENCH_OUT", HERE / "out"))  # git-ignored
RESULTS = HERE / "results"
PYTHON = sys.executable
SEED = 20240101
#: Panel sizes (households; six years each) by label.
SIZES = {"20k": 20_000, "200k": 200_000, "1M": 1_000_000, "500k": 500_000, "2M": 2_000_000, "20M": 20_000_000}


def dataset_path(size: str) -> Path:
    return OUT / f"panel_{size}"


def export_path(size: str) -> Path:
    return OUT / f"export_{size}.csv"


def _communicate_wait4(proc: subprocess.Popen, timeout: float | None) -> tuple[str, str]:
    """Without GNU time: collect the output, reap the child with ``os.wait4`` (the kernel
    accounting GNU time reads) and append its figures to stderr in GNU time's words."""
    import threading

    out: dict[str, str] = {}
    readers = [
        threading.Thread(target=lambda k=k, f=f: out.__setitem__(k, f.read()))
        for k, f in (("stdout", proc.stdout), ("stderr", proc.stderr))
    ]
    for reader in readers:
        reader.start()
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(proc.args, timeout)
        time.sleep(0.05)
    for reader in readers:
        reader.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    figures = (
        f"\n\tUser time (seconds): {usage.ru_utime:.2f}\n\tSystem time (seconds): {usage.ru_stime:.2f}"
        f"\n\tMaximum resident set size (kbytes): {usage.ru_maxrss}\n"
    )
    return out.get("stdout", ""), out.get("stderr", "") + figures


def measure(args: list[str], timeout: float | None = None, env: dict | None = None) -> dict:
    """Run ``python args...`` under ``/usr/bin/time -v``; wall time, peak RSS and phases.

    Where GNU time is not installed (Debian package ``time``) the same figures come from
    ``os.wait4`` on the child (maximum RSS and CPU time of the process and its waited-for
    children)."""
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    cmd = [gnu_time, "-v", PYTHON, *args] if gnu_time else [PYTHON, *args]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    # own process group, so that a timeout ends the measured process too, not only GNU time
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    try:
        if gnu_time:
            stdout, stderr = proc.communicate(timeout=timeout)
        else:
            stdout, stderr = _communicate_wait4(proc, timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.communicate()
        return {
            "command": " ".join(["python", *args]),
            "status": f"stopped at the {timeout:.0f} s limit",
            "wall_s": round(time.perf_counter() - started, 2),
            "load_before": round(load_before, 1),
            "load_after": round(os.getloadavg()[0], 1),
        }
    proc = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
    wall = time.perf_counter() - started
    rss_kb = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    user = re.search(r"User time \(seconds\): ([\d.]+)", proc.stderr)
    system = re.search(r"System time \(seconds\): ([\d.]+)", proc.stderr)
    result = {
        "command": " ".join(["python", *args]),
        "status": "ok" if proc.returncode == 0 else f"failed ({proc.returncode})",
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(int(rss_kb.group(1)) / 1024, 1) if rss_kb else None,
        # CPU seconds (user + system) of the process and its children: unlike wall time, hardly
        # inflated when other processes compete for the cores
        "cpu_s": round(float(user.group(1)) + float(system.group(1)), 1) if user and system else None,
        # the machine's 1-minute load average before and after: above ~2 (two cores) other
        # processes were competing and the wall time is inflated
        "load_before": round(load_before, 1),
        "load_after": round(os.getloadavg()[0], 1),
    }
    lines = [line for line in proc.stdout.strip().splitlines() if line.startswith("{")]
    if lines:
        result.update(json.loads(lines[-1]))
    if proc.returncode != 0:
        tail = [line for line in proc.stderr.splitlines() if not line.startswith("\t")][-5:]
        result["error"] = " | ".join(tail)[-400:]
    return result


class Phases:
    """Phase timer for a benchmark script: ``with phases("load"): ...``; ``phases.emit(**extra)``."""

    def __init__(self):
        self.values: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        start = time.perf_counter()
        yield
        self.values[f"{name}_s"] = round(self.values.get(f"{name}_s", 0.0) + time.perf_counter() - start, 3)

    def emit(self, **extra) -> None:
        print(json.dumps({**self.values, **extra}, ensure_ascii=False), flush=True)
