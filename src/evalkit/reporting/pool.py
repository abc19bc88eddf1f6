"""The local process pool of ``evalkit batch``: spawned workers (papermill is not thread-safe;
each report starts its own kernel) that die with the batch — ``prctl(PR_SET_PDEATHSIG)`` on
Linux and a parent watchdog thread — so a ``kill -9`` of the batch leaves no worker running."""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed


def worker_init(parent_pid: int) -> None:
    """Pool worker set-up: the worker dies with the batch.

    On Linux the kernel sends the worker SIGKILL when the batch process dies (``prctl
    PR_SET_PDEATHSIG``); as a fallback (other systems, a parent-death signal missed) a daemon
    thread exits the worker when its parent changes. The worker's report kernel follows it
    (ipykernel polls its parent, ``JPY_PARENT_PID``)."""
    import signal
    import threading
    import time

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl: the watchdog remains
            pass
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)

    def watchdog() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watchdog, name="evalkit-parent-watchdog", daemon=True).start()


def run_pool(tasks: list[dict], work, jobs: int, progress: bool, desc: str, on_done=None) -> dict[str, dict]:
    """``work(task)`` for every task (keyed by ``task["region"]``) in a local process pool of
    ``jobs`` spawned workers, which die with this process (:func:`worker_init`);
    ``on_done(results)`` after each finished task."""
    from tqdm import tqdm

    results: dict[str, dict] = {}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)), mp_context=context, initializer=worker_init, initargs=(os.getpid(),)
    ) as pool:
        futures = {pool.submit(work, task): task["region"] for task in tasks}
        with tqdm(total=len(tasks), desc=desc, unit="report", disable=not progress, file=sys.stderr) as bar:
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if on_done is not None:
                    on_done(results)
                bar.set_postfix_str(f"{futures[future]}: {results[futures[future]]['status']}")
                bar.update()
    return results


__all__ = ["run_pool", "worker_init"]
