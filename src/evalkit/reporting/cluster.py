"""Reports as tasks on a Dask distributed cluster: ``evalkit batch --scheduler ADDRESS``.

Each report is one task (one papermill run in the worker's process, as in the local pool), so a
failing or crashing report is one failed outcome, never the batch. ``--scheduler local``
starts a :class:`distributed.LocalCluster` on this machine (``--jobs`` worker processes, one
thread each: papermill is not thread-safe); any other value is a scheduler address such as
``tcp://10.0.0.5:8786``.

On a real cluster the workers must see the same ``--data`` and ``--out`` paths (a shared file
system: NFS, a mounted object store), because each report reads its region's partitions and
writes its files itself; the index and ``comparison.csv`` are then written by the batch from the
outcomes gathered back. Progress shows in the terminal (tqdm) and on the Dask dashboard
(``client.dashboard_link``, printed when the batch starts).

Dask is the optional extra ``pip install evalkit[cluster]``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from evalkit.core.errors import EvalkitError

#: How long to wait for a remote scheduler before giving up.
CONNECT_TIMEOUT = "20s"
#: Longest wait (seconds) for the next report to come back from the cluster. When none does
#: within it (workers lost, a task hung), the reports still out become failed outcomes and the
#: batch ends, instead of waiting for ever.
TASK_TIMEOUT = 3600.0


def dask_client(scheduler: str, jobs: int = 2):
    """A :class:`distributed.Client` for ``scheduler`` (``"local"``: a new LocalCluster with
    ``jobs`` single-threaded worker processes)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise EvalkitError(
            "--scheduler 需要 Dask: pip install 'evalkit[cluster]' / --scheduler needs Dask: "
            "pip install 'evalkit[cluster]'"
        ) from None
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
        )
        return Client(cluster)
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT)
    except OSError as exc:
        raise EvalkitError(
            f"无法连接 Dask 调度器 {scheduler} / cannot reach the Dask scheduler {scheduler}: {exc}",
            code="E-DASK-UNREACHABLE",
        ) from None


def run_on_cluster(
    tasks: list[dict],
    run_one: Callable[[dict], dict],
    failed: Callable[[dict, str], dict],
    scheduler: str,
    jobs: int = 2,
    progress: bool = True,
    desc: str = "reports",
    timeout: float | None = None,
) -> dict[str, dict]:
    """Run ``run_one(task)`` for every task on the cluster; returns ``{task["region"]: outcome}``.

    ``run_one`` catches the report's own errors; a task that dies on the cluster (worker lost,
    out of memory) becomes ``failed(task, message)``, and so does every task still out when none
    has come back for ``timeout`` seconds (default :data:`TASK_TIMEOUT`). The client (and a
    LocalCluster it started) is closed before returning.
    """
    from distributed import wait
    from tqdm import tqdm

    timeout = TASK_TIMEOUT if timeout is None else float(timeout)

    client = dask_client(scheduler, jobs)
    try:
        if progress:
            print(f"Dask dashboard / 仪表板: {client.dashboard_link}", file=sys.stderr)
        futures = {
            client.submit(run_one, task, key=f"report-{task['region']}-{task['year']}", pure=False): task
            for task in tasks
        }
        results: dict[str, dict] = {}
        with tqdm(total=len(tasks), desc=desc, unit="report", disable=not progress, file=sys.stderr) as bar:
            order = {future: i for i, future in enumerate(futures)}
            pending = set(futures)
            while pending:
                try:
                    done, pending = wait(pending, timeout=timeout, return_when="FIRST_COMPLETED")
                except TimeoutError:  # nothing came back in time: the reports still out have failed
                    done, pending = pending, set()
                    client.cancel(list(done))
                for future in sorted(done, key=order.__getitem__):
                    task = futures[future]
                    if future.status not in ("finished", "error"):
                        message = (
                            f"超过 {timeout:g} 秒无结果 / no result within {timeout:g} s (worker lost or task hung)"
                        )
                        results[task["region"]] = failed(task, message)
                    else:
                        try:
                            results[task["region"]] = future.result()
                        except Exception as exc:  # the task itself died on the cluster: one failed report
                            results[task["region"]] = failed(task, f"{type(exc).__name__}: {exc}")
                    bar.set_postfix_str(f"{task['region']}: {results[task['region']].get('status')}")
                    bar.update()
        return results
    finally:
        cluster = client.cluster
        client.close()
        if cluster is not None:
            cluster.close()
