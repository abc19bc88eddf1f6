"""Ingest of many export files in parallel on a Dask cluster, with the accounting of serial ingest.

Reading and checking a file (:func:`evalkit.io.ingest.check_job`: encoding and header detection,
header mapping, pseudonymisation, every value checked) depends on that file only, so each file is
one cluster task. The checks across files (a household-year in two files, measure rows without a
household row) and the assembly of the panel run on the client, from the outcomes gathered back
in the plan's order, with :func:`evalkit.io.ingest.assemble` — the code serial ingest runs — so
the panel, the row accounting (rows read = accepted + rejected + excluded, per file), the
problems and the rejections are those of :func:`evalkit.io.ingest.ingest` on the same files.

The workers must see the files' paths (a shared file system) and receive the pseudonym key with
the task (use a cluster with TLS between client and workers for real data); the tasks send back
pseudonymised rows only. ``client`` is a :class:`distributed.Client`
(:func:`evalkit.reporting.cluster.dask_client` makes one; Dask is the extra ``evalkit[cluster]``).
"""

from __future__ import annotations

from evalkit.io.accounting import IngestResult
from evalkit.io.ingest import JobOutcome, assemble, check_job
from evalkit.io.plan import IngestPlan


def ingest_parallel(client, plan: IngestPlan) -> IngestResult:
    """:func:`evalkit.io.ingest.ingest` of ``plan`` (:meth:`evalkit.io.plan.IngestPlan.build`, with
    the arguments of ``ingest``) with one task per file on ``client``'s cluster. With
    ``plan.strict``, the first error raised by a task is raised here."""
    futures = [
        client.submit(check_job, plan, job._replace(path=job.path.resolve()), key=f"ingest-{i}-{job.label}", pure=False)
        for i, job in enumerate(plan.jobs)
    ]
    outcomes: list[JobOutcome] = client.gather(futures)
    return assemble(plan, outcomes)


__all__ = ["ingest_parallel"]
