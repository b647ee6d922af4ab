"""The worker's job registry: periodic jobs and queued jobs.

Apps register jobs in their own ``jobs.py`` (imported at start-up by autodiscovery)::

    from coordination.platform.jobqueue import registry

    @registry.periodic("reminders.send_due", every=timedelta(minutes=1))
    def send_due_reminders() -> None: ...

    @registry.queued("mail.send", max_attempts=8)
    def send_mail(payload: dict) -> None: ...

and queue work with ``enqueue("mail.send", {...})`` inside the transaction that makes it
necessary, so the job exists exactly when the change does (an outbox).

Each periodic run and each queued job runs once even with several workers: a worker claims
it with a conditional UPDATE (compare-and-set on the row, which takes the row lock), and only
the worker whose UPDATE changed the row runs it. See coordination/platform/worker.py and
coordination/platform/leases.py.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models.functions import Now

from coordination.platform.leases import Claims
from coordination.platform.models import Job

logger = logging.getLogger("rakor.worker")

PeriodicHandler = Callable[[], Any]
QueuedHandler = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    handler: PeriodicHandler
    every: timedelta
    # A run that takes longer than this is presumed dead and may be claimed again.
    timeout: timedelta


@dataclass(frozen=True)
class QueuedJob:
    name: str
    handler: QueuedHandler
    max_attempts: int
    timeout: timedelta
    backoff_base: timedelta
    backoff_max: timedelta
    # Blank the payload once the job is done (it may hold secrets, such as a reset link).
    forget_payload: bool = False

    def retry_delay(self, attempts: int) -> timedelta:
        """Exponential backoff: base, 2x, 4x, … capped at `backoff_max`."""
        seconds = self.backoff_base.total_seconds() * (2 ** max(attempts - 1, 0))
        return timedelta(seconds=min(seconds, self.backoff_max.total_seconds()))


class JobRegistry:
    def __init__(self) -> None:
        self.periodic_jobs: dict[str, PeriodicJob] = {}
        self.queued_jobs: dict[str, QueuedJob] = {}

    def periodic(
        self, name: str, *, every: timedelta, timeout: timedelta = timedelta(minutes=5)
    ) -> Callable[[PeriodicHandler], PeriodicHandler]:
        if every <= timedelta(0):
            raise ValueError(f"periodic job {name}: `every` must be positive")

        def register(handler: PeriodicHandler) -> PeriodicHandler:
            self._check_free(name)
            self.periodic_jobs[name] = PeriodicJob(name, handler, every, timeout)
            return handler

        return register

    def queued(
        self,
        name: str,
        *,
        max_attempts: int = 8,
        timeout: timedelta = timedelta(minutes=5),
        backoff_base: timedelta = timedelta(seconds=15),
        backoff_max: timedelta = timedelta(hours=1),
        forget_payload: bool = False,
    ) -> Callable[[QueuedHandler], QueuedHandler]:
        if max_attempts < 1:
            raise ValueError(f"queued job {name}: max_attempts must be at least 1")

        def register(handler: QueuedHandler) -> QueuedHandler:
            self._check_free(name)
            self.queued_jobs[name] = QueuedJob(
                name, handler, max_attempts, timeout, backoff_base, backoff_max, forget_payload
            )
            return handler

        return register

    def unregister(self, name: str) -> None:
        """Remove a job (tests register throwaway jobs)."""
        self.periodic_jobs.pop(name, None)
        self.queued_jobs.pop(name, None)

    def _check_free(self, name: str) -> None:
        if name in self.periodic_jobs or name in self.queued_jobs:
            raise ValueError(f"a job named {name!r} is already registered")


registry = JobRegistry()


# How workers claim queued jobs, lease them while they run, and end them (platform.leases).
JOB_CLAIMS = Claims(
    model=Job,
    state_field="status",
    waiting=Job.Status.PENDING,
    working=Job.Status.RUNNING,
    finished=Job.Status.DONE,
    failed=Job.Status.FAILED,
    due_field="run_at",
)


def enqueue(
    name: str, payload: dict[str, Any] | None = None, *, run_at: datetime | None = None
) -> Job:
    """Queue the registered job `name` with a JSON payload; returns the stored Job.

    Call it inside the transaction of the change that needs the job: if the change rolls
    back, so does the job.
    """
    job = registry.queued_jobs.get(name)
    if job is None:
        raise LookupError(f"no queued job named {name!r} is registered")
    payload = payload or {}
    # Fail here, in the caller, rather than in the worker: the payload must be plain JSON.
    json.dumps(payload)
    return Job.objects.create(
        name=name,
        payload=payload,
        max_attempts=job.max_attempts,
        **({"run_at": run_at} if run_at is not None else {}),  # else the database's now
    )


def jobs_retry_failed(job_ids: list[int]) -> int:
    """Queue failed jobs again from their first attempt (an operator's decision, from the
    admin); returns how many were failed and are now pending."""
    return Job.objects.filter(pk__in=job_ids, status=Job.Status.FAILED).update(
        status=Job.Status.PENDING,
        attempts=0,
        run_at=Now(),
        finished_at=None,
        last_error="",
    )
