"""The job registry and the worker: once-only claims, retries, backoff, abandoned jobs,
shutdown, and the in-process jobs of the embedded default."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connections
from django.db.models.functions import Now
from django.utils import timezone

from coordination.platform import jobqueue, worker
from coordination.platform.jobqueue import JobRegistry, enqueue
from coordination.platform.models import Job, PeriodicJobState
from coordination.platform.worker import Worker
from tests.threads import in_background, run_together


@pytest.fixture
def calls():
    return Counter()


@pytest.fixture
def jobs(calls):
    """A registry of throwaway jobs, registered in the global registry for `enqueue`."""
    registry = JobRegistry()

    def record(payload):
        calls[payload["n"]] += 1

    def fail(payload):
        calls["fail"] += 1
        raise RuntimeError("the far end said no")

    def tick():
        calls["periodic"] += 1

    for name, handler in (("test.record", record), ("test.fail", fail)):
        registry.queued(name, max_attempts=3, backoff_base=timedelta(seconds=10))(handler)
        jobqueue.registry.queued(name, max_attempts=3)(handler)
    registry.periodic("test.periodic", every=timedelta(minutes=5))(tick)
    yield registry
    for name in ("test.record", "test.fail"):
        jobqueue.registry.unregister(name)


@pytest.mark.django_db
def test_a_queued_job_runs_once_and_is_marked_done(jobs, calls):
    job = enqueue("test.record", {"n": 1})
    assert Worker(jobs=jobs).run_due_queued() == 1
    assert Worker(jobs=jobs).run_due_queued() == 0
    job.refresh_from_db()
    assert calls[1] == 1
    assert job.status == Job.Status.DONE and job.attempts == 1 and job.finished_at


@pytest.mark.django_db
def test_a_job_queued_by_a_process_whose_clock_runs_ahead_is_due_at_once(jobs, calls):
    """ "Due" is the database's clock on both sides: a job queued by a process whose own clock
    is ahead (another machine, or the same millisecond as SQLite's Now()) is not held back."""
    from unittest import mock

    ahead = timezone.now() + timedelta(seconds=30)
    with mock.patch("django.utils.timezone.now", return_value=ahead):
        job = enqueue("test.record", {"n": 1})
    assert Worker(jobs=jobs).run_due_queued() == 1
    job.refresh_from_db()
    assert calls[1] == 1 and job.status == Job.Status.DONE


@pytest.mark.django_db
def test_enqueue_refuses_unknown_jobs_and_non_json_payloads(jobs):
    with pytest.raises(LookupError):
        enqueue("no.such.job", {})
    with pytest.raises(TypeError):
        enqueue("test.record", {"n": object()})
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_job_in_the_future_waits(jobs, calls):
    enqueue("test.record", {"n": 1}, run_at=timezone.now() + timedelta(minutes=1))
    Worker(jobs=jobs).tick()
    assert calls[1] == 0


@pytest.mark.django_db
def test_a_failing_job_is_retried_with_backoff_then_fails_for_good(jobs, calls):
    job = enqueue("test.fail", {})
    delays = []
    for attempt in (1, 2, 3):
        before = timezone.now()
        Worker(jobs=jobs).tick()
        job.refresh_from_db()
        assert job.attempts == attempt
        assert "the far end said no" in job.last_error
        if attempt < 3:
            assert job.status == Job.Status.PENDING
            delays.append(round((job.run_at - before).total_seconds()))
            Job.objects.filter(pk=job.pk).update(run_at=Now())
    assert job.status == Job.Status.FAILED and job.finished_at
    assert delays == [10, 20]
    Worker(jobs=jobs).tick()
    assert calls["fail"] == 3


@pytest.mark.django_db
def test_failed_jobs_can_be_retried_by_an_operator(jobs, calls):
    failed = enqueue("test.record", {"n": 3})
    done = enqueue("test.record", {"n": 4})
    Job.objects.filter(pk=failed.pk).update(status=Job.Status.FAILED, attempts=3)
    Job.objects.filter(pk=done.pk).update(status=Job.Status.DONE)
    assert jobqueue.jobs_retry_failed([failed.pk, done.pk]) == 1
    Worker(jobs=jobs).tick()
    assert calls[3] == 1 and calls[4] == 0
    failed.refresh_from_db()
    assert failed.status == Job.Status.DONE and failed.attempts == 1


@pytest.mark.django_db
def test_a_job_abandoned_by_a_dead_worker_runs_again(jobs, calls):
    job = enqueue("test.record", {"n": 7})
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        attempts=1,
        locked_by="dead",
        locked_until=timezone.now() + timedelta(minutes=1),
    )
    Worker(jobs=jobs).tick()
    assert calls[7] == 0  # still within its lock
    Job.objects.filter(pk=job.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    Worker(jobs=jobs).tick()
    job.refresh_from_db()
    assert calls[7] == 1 and job.status == Job.Status.DONE and job.attempts == 2


@pytest.mark.django_db
def test_a_periodic_job_runs_once_per_period(jobs, calls):
    Worker(jobs=jobs).tick()
    Worker(jobs=jobs).tick()
    assert calls["periodic"] == 1
    state = PeriodicJobState.objects.get(name="test.periodic")
    assert state.runs == 1 and state.last_status == "ok" and not state.locked_by
    PeriodicJobState.objects.update(next_run_at=timezone.now() - timedelta(seconds=1))
    Worker(jobs=jobs).tick()
    assert calls["periodic"] == 2


@pytest.mark.django_db
def test_a_failing_periodic_job_is_recorded_and_runs_next_period(calls):
    registry = JobRegistry()

    @registry.periodic("test.broken", every=timedelta(minutes=1))
    def broken():
        calls["broken"] += 1
        raise ValueError("boom")

    Worker(jobs=registry).tick()
    state = PeriodicJobState.objects.get(name="test.broken")
    assert state.last_status == "error" and "boom" in state.last_error
    assert state.next_run_at > timezone.now()


def test_registry_refuses_duplicate_names_and_nonsense():
    registry = JobRegistry()
    registry.queued("a")(lambda payload: None)
    with pytest.raises(ValueError):
        registry.periodic("a", every=timedelta(seconds=1))(lambda: None)
    with pytest.raises(ValueError):
        registry.periodic("b", every=timedelta(0))
    with pytest.raises(ValueError):
        registry.queued("c", max_attempts=0)


@pytest.mark.django_db(transaction=True)
def test_two_workers_run_each_job_exactly_once(jobs, calls):
    total = 60
    for n in range(total):
        enqueue("test.record", {"n": n})
    lock = threading.Lock()
    original = jobs.queued_jobs["test.record"].handler

    def counted(payload):
        with lock:
            original(payload)

    jobs.queued_jobs["test.record"] = jobs.queued_jobs["test.record"].__class__(
        **{**jobs.queued_jobs["test.record"].__dict__, "handler": counted}
    )

    def run():
        w = Worker(jobs=jobs, batch_size=total)
        for _ in range(4):
            w.tick()

    run_together(run, times=2)  # a worker's exception is raised here
    assert sorted(k for k in calls if isinstance(k, int)) == list(range(total))
    assert all(calls[n] == 1 for n in range(total))
    assert calls["periodic"] == 1
    assert Job.objects.filter(status=Job.Status.DONE).count() == total


@pytest.mark.django_db(transaction=True)
def test_run_forever_finishes_the_current_job_and_stops(jobs, calls):
    stop = threading.Event()
    release = threading.Event()

    def slow(payload):
        calls["slow"] += 1
        stop.set()  # SIGTERM arrives while the job runs
        release.wait(5)

    jobs.queued("test.slow")(slow)
    jobqueue.registry.queued("test.slow")(slow)
    try:
        enqueue("test.slow", {})
        enqueue("test.slow", {})
        thread = in_background(Worker(jobs=jobs).run_forever, stop, poll_seconds=0.05)
        release.set()
        thread.join(10)
        assert not thread.is_alive()
        assert calls["slow"] == 1  # the second job waits for the next worker
        statuses = sorted(Job.objects.values_list("status", flat=True))
        assert statuses == [Job.Status.DONE, Job.Status.PENDING]
    finally:
        jobqueue.registry.unregister("test.slow")


@pytest.mark.django_db(transaction=True)
async def test_embedded_jobs_start_with_the_asgi_application(settings, jobs, calls):
    from channels.db import database_sync_to_async as sync_to_async
    from channels.testing import ApplicationCommunicator

    from coordination.asgi import application

    settings.RAKOR_INPROCESS_JOBS = True
    settings.RAKOR_WORKER_POLL_SECONDS = 0.05
    await sync_to_async(enqueue)("test.record", {"n": 42})
    lifespan = ApplicationCommunicator(application, {"type": "lifespan"})
    await lifespan.send_input({"type": "lifespan.startup"})
    assert (await lifespan.receive_output(5))["type"] == "lifespan.startup.complete"
    try:
        for _ in range(100):
            done = await sync_to_async(
                lambda: Job.objects.filter(status=Job.Status.DONE).exists()
            )()
            if done:
                break
            await asyncio.sleep(0.05)
        assert calls[42] == 1
        assert worker.start_embedded() is worker._embedded["task"]  # one per process
    finally:
        await lifespan.send_input({"type": "lifespan.shutdown"})
        assert (await lifespan.receive_output(10))["type"] == "lifespan.shutdown.complete"
    assert "task" not in worker._embedded


@pytest.mark.django_db
def test_start_embedded_does_nothing_when_the_jobs_belong_to_run_worker(settings):
    settings.RAKOR_INPROCESS_JOBS = False
    assert worker.start_embedded() is None
    assert "task" not in worker._embedded


@pytest.mark.django_db
def test_a_job_backed_off_since_the_due_list_was_read_is_not_claimed(jobs, calls):
    first = enqueue("test.record", {"n": 1})
    second = enqueue("test.record", {"n": 2})
    original = jobs.queued_jobs["test.record"]

    def first_pushes_back_second(payload):
        # Meanwhile another worker ran the second job, failed, and set a backoff.
        if payload["n"] == 1:
            Job.objects.filter(pk=second.pk).update(run_at=timezone.now() + timedelta(minutes=5))
        original.handler(payload)

    jobs.queued_jobs["test.record"] = original.__class__(
        **{**original.__dict__, "handler": first_pushes_back_second}
    )
    assert Worker(jobs=jobs).run_due_queued() == 1
    assert calls[1] == 1 and calls[2] == 0
    assert Job.objects.get(pk=first.pk).status == Job.Status.DONE
    assert Job.objects.get(pk=second.pk).status == Job.Status.PENDING


@pytest.mark.django_db(transaction=True)
def test_a_long_job_keeps_its_lease_while_it_runs(calls):
    registry = JobRegistry()
    running, release = threading.Event(), threading.Event()

    @registry.queued("test.long", timeout=timedelta(seconds=1.5))
    def long_job(payload):
        calls["long"] += 1
        running.set()
        release.wait(10)

    jobqueue.registry.queued("test.long")(long_job)
    try:
        enqueue("test.long", {})
        thread = in_background(Worker(jobs=registry).tick_and_close)
        assert running.wait(5)
        other = Worker(jobs=registry)
        deadline = time.monotonic() + 4  # well past the 1.5 s timeout
        while time.monotonic() < deadline:
            other.tick()
            time.sleep(0.2)
        connections.close_all()
        release.set()
        thread.join(10)
        assert calls["long"] == 1
        assert Job.objects.get().status == Job.Status.DONE
    finally:
        release.set()
        jobqueue.registry.unregister("test.long")
