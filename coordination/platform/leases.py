"""Claim and lease: how a worker takes a row of work (a queued job, an outgoing e-mail), so that
each is done once even with several workers, and nothing is lost when a worker dies.

A claim is a compare-and-set UPDATE: `… SET state = working, locked_by = me, locked_until =
now + timeout, attempts = attempts + 1 WHERE id = … AND state = waiting AND due <= now`. The
UPDATE takes the row lock (PostgreSQL re-checks the WHERE clause after waiting for a concurrent
claimer; SQLite admits one writer at a time), so of several workers exactly one sees "1 row
changed". "Due" and every lease use the database's clock (`Now()`), so workers on machines
whose clocks disagree still agree.

The claimer then ends the claim with its outcome (`done`, `retry`, `fail`); each of those
only touches a row still locked by that worker. A claim is a lease until `locked_until`,
renewed while the work runs (`Lease`); a worker that dies stops renewing, and once the lease
has passed `release_abandoned` hands the row back. The job queue (`jobqueue`, `worker`) and
the mail outbox (`mail`) both work this way; what each adds on top (the outbox's order per
recipient, its days of retrying) stays with them.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connections
from django.db.models import F, Model, QuerySet
from django.db.models.functions import Now

logger = logging.getLogger("rakor.worker")


@dataclass(frozen=True)
class Claims:
    """The claim-and-lease rules of one table: which field holds a row's state, the states
    of work waiting, in progress, finished and failed, and the field saying when it is due."""

    model: type[Model]
    state_field: str
    waiting: str
    working: str
    finished: str
    failed: str
    due_field: str

    def rows(self) -> QuerySet:
        return self.model.objects.all()

    def due(self) -> QuerySet:
        """The rows waiting whose time has come (by the database's clock)."""
        return self.rows().filter(
            **{self.state_field: self.waiting, f"{self.due_field}__lte": Now()}
        )

    def claim(self, row_id: Any, *, worker_id: str, timeout: timedelta) -> bool:
        """Take the row when it is still waiting and due, counting the attempt; True when
        this worker has it."""
        claimed = (
            self.due()
            .filter(pk=row_id)
            .update(
                **{self.state_field: self.working},
                locked_by=worker_id,
                locked_until=Now() + timeout,
                attempts=F("attempts") + 1,
            )
        )
        return claimed == 1

    def mine(self, row_id: Any, worker_id: str) -> QuerySet:
        """The row, while this worker holds it (an outcome reported late changes nothing)."""
        return self.rows().filter(pk=row_id, locked_by=worker_id)

    def done(self, row_id: Any, *, worker_id: str, **changes: Any) -> int:
        return self.mine(row_id, worker_id).update(
            **{self.state_field: self.finished},
            locked_by="",
            locked_until=None,
            last_error="",
            **changes,
        )

    def retry(self, row_id: Any, *, worker_id: str, delay: timedelta, error: str) -> int:
        """Back to waiting, due again after `delay`."""
        return self.mine(row_id, worker_id).update(
            **{self.state_field: self.waiting, self.due_field: Now() + delay},
            locked_by="",
            locked_until=None,
            last_error=error,
        )

    def fail(self, row_id: Any, *, worker_id: str, error: str, **changes: Any) -> int:
        return self.mine(row_id, worker_id).update(
            **{self.state_field: self.failed},
            locked_by="",
            locked_until=None,
            last_error=error,
            **changes,
        )

    def abandoned(self) -> QuerySet:
        """Rows in progress whose lease has passed: their worker died."""
        return self.rows().filter(**{self.state_field: self.working}, locked_until__lt=Now())

    def release_abandoned(self, **changes: Any) -> int:
        """Hand abandoned rows back to waiting, due at once; returns how many."""
        return self.abandoned().update(
            **{self.state_field: self.waiting, self.due_field: Now()},
            locked_by="",
            locked_until=None,
            **changes,
        )


class Lease:
    """Renews a claim (`locked_until`) while its work runs, so that work which outlives its
    timeout is not taken by another worker while this one is alive.

    Renewal happens on its own thread (with its own database connection) every third of the
    timeout; `rows` is the claimed row, filtered by this worker's id, so a lost claim is
    never renewed.
    """

    def __init__(self, rows: QuerySet, timeout: timedelta) -> None:
        self.rows = rows
        self.timeout = timeout
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._renew, name="rakor-lease", daemon=True)

    def __enter__(self) -> Lease:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopped.set()
        self.thread.join()

    def _renew(self) -> None:
        interval = max(self.timeout.total_seconds() / 3, 1.0)
        try:
            while not self.stopped.wait(interval):
                try:
                    self.rows.update(locked_until=Now() + self.timeout)
                except Exception:
                    logger.exception("could not renew a lease")
        finally:
            connections.close_all()
