"""Two real `run_worker` processes share the queue: each job runs once; SIGTERM is clean."""

from __future__ import annotations

import sys
import time

import pytest
from django.core.mail import EmailMultiAlternatives

from coordination.platform.mail import mail_queue
from coordination.platform.models import OutboundMail
from tests.conftest import SmtpServer, free_port, wait_for
from tests.processes import Process, same_stack_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.needs_redis]


def test_two_workers_deliver_each_mail_exactly_once(tmp_path):
    smtp = SmtpServer(free_port()).start()
    total = 40
    for n in range(total):
        mail_queue(EmailMultiAlternatives(f"Undangan {n}", "Isi", to=[f"o{n}@example.test"]))
    # Two more to one recipient: they arrive in the order they were queued.
    for n in (1, 2):
        mail_queue(EmailMultiAlternatives(f"Perubahan {n}", "Isi", to=["o0@example.test"]))
    total += 2
    env = same_stack_env(EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}", RAKOR_WORKER_POLL_SECONDS="0.1")
    workers = [
        Process([sys.executable, "manage.py", "run_worker"], env, tmp_path / f"worker-{n}.log")
        for n in range(2)
    ]
    try:
        wait_for(lambda: len(smtp.messages) >= total, timeout=60, what="all mail delivered")
        wait_for(
            lambda: OutboundMail.objects.filter(state="sent").count() == total,
            what="all mail marked sent",
        )
        time.sleep(1)  # a duplicate delivery would show up here
        subjects = sorted(m["Subject"] for m in smtp.messages)
        assert subjects == sorted(
            [f"Undangan {n}" for n in range(total - 2)] + ["Perubahan 1", "Perubahan 2"]
        )
        assert len({m["Message-ID"] for m in smtp.messages}) == total
        to_first = [m["Subject"] for m in smtp.messages if m["To"] == "o0@example.test"]
        assert to_first == ["Undangan 0", "Perubahan 1", "Perubahan 2"]
        outputs = [w.output() for w in workers]
        # Each mail is logged once, by the one worker that sent it.
        sent = [o.count(" sent to o") for o in outputs]
        assert sum(sent) == total, outputs
    finally:
        codes = [w.terminate() for w in workers]
        smtp.stop()
    assert codes == [0, 0]
    for worker in workers:
        assert "stopped" in worker.output()


def test_two_workers_and_a_restart_send_each_meeting_reminder_once(world, tmp_path):
    import datetime
    import os
    import signal

    from django.utils import timezone

    from coordination.platform.models import PeriodicJobState
    from meetings.models import Reminder
    from meetings.services import scheduling
    from meetings.services.scheduling import Invitee

    smtp = SmtpServer(free_port()).start()
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(minutes=20)
    scheduling.meeting_create(
        by=world["budi"],
        title="Rakor kesiapan bencana",
        start=start,
        end=start + datetime.timedelta(hours=1),
        timezone_name="Asia/Jakarta",
        participants=[Invitee("andi"), Invitee("nurul")],
    )
    env = same_stack_env(EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}", RAKOR_WORKER_POLL_SECONDS="0.1")

    def worker(n):
        args = [sys.executable, "manage.py", "run_worker"]
        return Process(args, env, tmp_path / f"worker-{n}.log")

    workers = [worker(0), worker(1)]
    try:

        def reminders():
            return sorted(m["To"] for m in smtp.messages if m["Subject"].startswith("Pengingat"))

        everyone = sorted(world[u].email for u in ("budi", "andi", "nurul"))
        wait_for(lambda: reminders() == everyone, timeout=60, what="one reminder each")
        # A worker killed outright, another started, and the job run again at once.
        os.killpg(workers[0].popen.pid, signal.SIGKILL)
        workers[0].popen.wait(5)
        workers.append(worker(2))
        runs = PeriodicJobState.objects.get(name="meetings.remind").runs
        PeriodicJobState.objects.filter(name="meetings.remind").update(
            next_run_at=timezone.now() - datetime.timedelta(minutes=1)
        )
        wait_for(
            lambda: PeriodicJobState.objects.get(name="meetings.remind").runs > runs,
            timeout=30,
            what="the reminder job run again",
        )
        time.sleep(1)  # a second reminder's mail would show up here
        assert reminders() == everyone
        assert Reminder.objects.count() == 3
    finally:
        for w in workers:
            w.terminate()
        smtp.stop()


def test_two_workers_and_a_restart_send_each_daily_digest_once(world, tmp_path):
    import datetime
    import os
    import signal
    import zoneinfo

    from django.utils import timezone

    from coordination.organisation import notifications
    from coordination.organisation.models import Notification
    from coordination.platform.models import PeriodicJobState

    smtp = SmtpServer(free_port()).start()
    now = timezone.now()
    people = [world[u] for u in ("andi", "nurul", "sari")]
    for official in people:
        # The digest was due a few minutes ago in each one's zone; what waits is older.
        local = now.astimezone(zoneinfo.ZoneInfo(official.zone_name))
        official.digest_time = (
            (local - datetime.timedelta(minutes=3)).time().replace(second=0, microsecond=0)
        )
        official.save()
        for n in range(3):
            notifications.notify(official, "action_assigned", f"Aksi {n}", "/actions/")
    Notification.objects.update(created_at=now - datetime.timedelta(minutes=10))
    env = same_stack_env(EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}", RAKOR_WORKER_POLL_SECONDS="0.1")

    def worker(n):
        return Process([sys.executable, "manage.py", "run_worker"], env, tmp_path / f"w{n}.log")

    def digests():
        return sorted(m["To"] for m in smtp.messages if "ringkasan harian" in m["Subject"])

    everyone = sorted(o.email for o in people)
    workers = [worker(0), worker(1)]
    try:
        wait_for(lambda: digests() == everyone, timeout=60, what="one digest each")
        os.killpg(workers[0].popen.pid, signal.SIGKILL)
        workers[0].popen.wait(5)
        workers.append(worker(2))
        runs = PeriodicJobState.objects.get(name="notifications.mail").runs
        PeriodicJobState.objects.filter(name="notifications.mail").update(
            next_run_at=timezone.now() - datetime.timedelta(minutes=1)
        )
        wait_for(
            lambda: PeriodicJobState.objects.get(name="notifications.mail").runs > runs,
            timeout=30,
            what="the digest job run again",
        )
        time.sleep(1)  # a second digest would show up here
        assert digests() == everyone
        assert not Notification.objects.filter(mail_state="digest").exists()
    finally:
        for w in workers:
            w.terminate()
        smtp.stop()
