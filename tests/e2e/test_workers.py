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
