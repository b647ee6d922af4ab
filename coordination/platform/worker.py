"""The worker: runs due periodic jobs and queued jobs, each exactly once across workers.

Claiming is a compare-and-set on the job's row: ``UPDATE … SET locked_by = me … WHERE
<still due and unclaimed>``. The UPDATE takes the row lock (PostgreSQL re-checks the WHERE
clause after waiting for a concurrent claimer; SQLite admits one writer at a time), so of
several workers exactly one sees "1 row changed" and runs the job. "Due" and every lease are
computed with the database's clock (``Now()``), so workers on machines whose clocks disagree
still agree on it.

A claim is a lease until `locked_until`, renewed while the job runs (`Lease`). A worker that
dies mid-job stops renewing; after the lease ends another worker takes the job again. A queued
job can therefore run twice only when a worker dies after the job's effect and before
recording it: handlers are written to tolerate that (mail carries a stable Message-ID).

Two ways to run it:

* ``manage.py run_worker``: its own process, for production (needs REDIS_URL);
* in the embedded default, `start_embedded()` runs the same loop as a task on daphne's event
  loop, because the in-memory channel layer reaches only its own process's sockets.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connections
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

from coordination.platform.jobqueue import JOB_CLAIMS, JobRegistry, PeriodicJob, registry
from coordination.platform.leases import Lease
from coordination.platform.models import Job, PeriodicJobState

logger = logging.getLogger("rakor.worker")

ERROR_TEXT_MAX = 2000


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    def __init__(
        self,
        *,
        jobs: JobRegistry = registry,
        worker_id: str | None = None,
        batch_size: int = 20,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.jobs = jobs
        self.id = worker_id or new_worker_id()
        self.batch_size = batch_size
        self.should_stop = should_stop

    def tick(self) -> int:
        """Run every job that is due now; return how many ran."""
        return self.run_due_periodic() + self.run_due_queued()

    def tick_and_close(self) -> int:
        """`tick`, then close this thread's database connections: the loops below run ticks
        on pool threads or for days, and no connection may outlive the tick that opened it."""
        try:
            return self.tick()
        finally:
            connections.close_all()

    # --- periodic jobs ------------------------------------------------------------------

    def run_due_periodic(self) -> int:
        ran = 0
        for job in list(self.jobs.periodic_jobs.values()):
            if self.should_stop():
                break
            if self._claim_periodic(job):
                self._run_periodic(job)
                ran += 1
        return ran

    def _claim_periodic(self, job: PeriodicJob) -> bool:
        PeriodicJobState.objects.get_or_create(
            name=job.name, defaults={"next_run_at": timezone.now() - job.every}
        )
        claimed = (
            PeriodicJobState.objects.filter(name=job.name, next_run_at__lte=Now())
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=Now()))
            .update(
                next_run_at=Now() + job.every,
                locked_by=self.id,
                locked_until=Now() + job.timeout,
                last_started_at=Now(),
            )
        )
        return claimed == 1

    def _run_periodic(self, job: PeriodicJob) -> None:
        started = time.monotonic()
        status, error = "ok", ""
        lease = Lease(
            PeriodicJobState.objects.filter(name=job.name, locked_by=self.id), job.timeout
        )
        try:
            with lease:
                job.handler()
        except Exception as exc:
            status, error = "error", _describe(exc)
            logger.exception("job %s failed after %d ms", job.name, _ms_since(started))
        else:
            logger.info("job %s ok in %d ms", job.name, _ms_since(started))
        PeriodicJobState.objects.filter(name=job.name, locked_by=self.id).update(
            locked_by="",
            locked_until=None,
            last_finished_at=Now(),
            last_status=status,
            last_error=error,
            runs=F("runs") + 1,
        )

    # --- queued jobs --------------------------------------------------------------------

    def run_due_queued(self) -> int:
        self._release_abandoned()
        names = list(self.jobs.queued_jobs)
        if not names:
            return 0
        due = list(
            JOB_CLAIMS.due()
            .filter(name__in=names)
            .order_by("run_at", "id")
            .values_list("id", "name")[: self.batch_size]
        )
        ran = 0
        for job_id, name in due:
            if self.should_stop():
                break
            spec = self.jobs.queued_jobs[name]
            # Still pending and still due: another worker may have run it and put it back
            # with a backoff delay since the list was read.
            if JOB_CLAIMS.claim(job_id, worker_id=self.id, timeout=spec.timeout):
                self._run_queued(job_id)
                ran += 1
        return ran

    def _run_queued(self, job_id: int) -> None:
        job = Job.objects.get(pk=job_id)
        spec = self.jobs.queued_jobs[job.name]
        label = f"{job.name} #{job.pk}"
        started = time.monotonic()
        try:
            with Lease(JOB_CLAIMS.mine(job.pk, self.id), spec.timeout):
                spec.handler(job.payload)
        except Exception as exc:
            error = _describe(exc)
            if job.attempts >= job.max_attempts:
                JOB_CLAIMS.fail(job.pk, worker_id=self.id, error=error, finished_at=Now())
                logger.error(
                    "job %s failed for good after %d attempts: %s", label, job.attempts, error
                )
            else:
                delay = spec.retry_delay(job.attempts)
                JOB_CLAIMS.retry(job.pk, worker_id=self.id, delay=delay, error=error)
                logger.warning(
                    "job %s failed (attempt %d of %d), retry in %d s: %s",
                    label,
                    job.attempts,
                    job.max_attempts,
                    delay.total_seconds(),
                    error,
                )
            return
        done = {"payload": {}} if spec.forget_payload else {}
        JOB_CLAIMS.done(job.pk, worker_id=self.id, finished_at=Now(), **done)
        logger.info("job %s ok in %d ms", label, _ms_since(started))

    def _release_abandoned(self) -> None:
        """Hand back jobs whose worker died: past their lock, they are pending again (or
        failed, when that was their last attempt)."""
        exhausted = (
            JOB_CLAIMS.abandoned()
            .filter(attempts__gte=F("max_attempts"))
            .update(
                status=Job.Status.FAILED,
                locked_by="",
                locked_until=None,
                last_error="worker stopped during the last attempt",
                finished_at=Now(),
            )
        )
        released = JOB_CLAIMS.release_abandoned()
        if exhausted or released:
            logger.warning("released %d abandoned jobs, %d failed for good", released, exhausted)

    # --- loops --------------------------------------------------------------------------

    def run_forever(self, stop: threading.Event, *, poll_seconds: float) -> None:
        """Tick until `stop` is set; the job in progress always finishes first."""
        self.should_stop = stop.is_set
        logger.info("worker %s started: %s", self.id, self._describe_jobs())
        while not stop.is_set():
            try:
                self.tick_and_close()
            except Exception:
                # The database may be restarting: keep going, the next tick retries.
                logger.exception("worker tick failed")
            stop.wait(poll_seconds)
        logger.info("worker %s stopped", self.id)

    def _describe_jobs(self) -> str:
        periodic = ", ".join(sorted(self.jobs.periodic_jobs)) or "none"
        queued = ", ".join(sorted(self.jobs.queued_jobs)) or "none"
        return f"periodic [{periodic}], queued [{queued}]"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_TEXT_MAX]


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


# --- the embedded default: jobs inside the daphne process ----------------------------------

_embedded: dict[str, object] = {}


def start_embedded() -> asyncio.Task | None:
    """Start the in-process worker on the running event loop, once per process.

    Does nothing unless RAKOR_INPROCESS_JOBS (on by default without REDIS_URL).
    """
    if not settings.RAKOR_INPROCESS_JOBS:
        return None
    task = _embedded.get("task")
    if isinstance(task, asyncio.Task) and not task.done():
        return task
    stop = asyncio.Event()
    task = asyncio.get_running_loop().create_task(
        run_embedded(stop, poll_seconds=settings.RAKOR_WORKER_POLL_SECONDS),
        name="rakor-inprocess-worker",
    )
    _embedded.update(task=task, stop=stop)
    return task


async def stop_embedded() -> None:
    stop, task = _embedded.get("stop"), _embedded.get("task")
    if isinstance(stop, asyncio.Event):
        stop.set()
    if isinstance(task, asyncio.Task):
        await asyncio.wait([task], timeout=30)
    _embedded.clear()


async def run_embedded(stop: asyncio.Event, *, poll_seconds: float) -> None:
    worker = Worker(should_stop=stop.is_set)
    logger.info("in-process worker %s started: %s", worker.id, worker._describe_jobs())
    # Each tick runs on a pool thread so that jobs never block the event loop.
    tick = sync_to_async(worker.tick_and_close, thread_sensitive=False)
    while not stop.is_set():
        try:
            await tick()
        except Exception:
            logger.exception("in-process worker tick failed")
        try:
            await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
        except TimeoutError:
            pass
    logger.info("in-process worker %s stopped", worker.id)
