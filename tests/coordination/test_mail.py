"""The mail outbox against a real SMTP server (aiosmtpd): order per recipient, retries, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db.models.functions import Now
from django.utils import timezone

from coordination.platform.mail import mail_queue, outbox_deliver, outbox_retry_failed
from coordination.platform.models import OutboundMail
from tests.threads import run_together

pytestmark = pytest.mark.django_db


def queue(subject, to="dewi@example.test", **kwargs):
    message = EmailMultiAlternatives(subject, "Isi", to=[to] if isinstance(to, str) else to)
    return mail_queue(message, **kwargs)


def test_each_recipient_gets_its_own_row_and_message_id(smtp_server):
    rows = queue("Undangan", to=["a@example.test", "B@Example.test"], topic="meeting:1")
    assert [r.recipient for r in rows] == ["a@example.test", "b@example.test"]
    assert len({r.message_id for r in rows}) == 2
    assert outbox_deliver() == 2
    assert sorted(m["To"] for m in smtp_server.messages) == ["B@Example.test", "a@example.test"]
    assert {m["Message-ID"] for m in smtp_server.messages} == {r.message_id for r in rows}
    assert set(OutboundMail.objects.values_list("state", flat=True)) == {"sent"}


def test_a_later_mail_never_overtakes_an_earlier_one_to_the_same_recipient(smtp_server):
    [first] = queue("Undangan")
    [update] = queue("Perubahan")
    [other] = queue("Undangan lain", to="sari@example.test")
    # The first is backing off (a failure earlier): the update waits for it; others do not.
    OutboundMail.objects.filter(pk=first.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert outbox_deliver() == 1
    assert [m["Subject"] for m in smtp_server.messages] == ["Undangan lain"]
    OutboundMail.objects.filter(pk=first.pk).update(next_attempt_at=Now())
    assert outbox_deliver() == 2  # the first, then the update behind it
    assert [m["Subject"] for m in smtp_server.messages] == [
        "Undangan lain",
        "Undangan",
        "Perubahan",
    ]
    assert OutboundMail.objects.get(pk=update.pk).state == "sent"
    assert OutboundMail.objects.get(pk=other.pk).state == "sent"


def test_a_mail_is_due_by_the_databases_clock_the_moment_it_is_queued(smtp_server):
    from unittest import mock

    ahead = timezone.now() + timedelta(seconds=30)
    with mock.patch("django.utils.timezone.now", return_value=ahead):
        [mail] = queue("Undangan")
    assert OutboundMail.objects.filter(pk=mail.pk, next_attempt_at__lte=Now()).exists()
    assert outbox_deliver() == 1


def test_nothing_is_lost_while_smtp_is_down(smtp_settings, smtp_port):
    from tests.conftest import SmtpServer

    [mail] = queue("Undangan")
    assert outbox_deliver() == 0  # nobody listens
    mail.refresh_from_db()
    assert mail.state == "queued" and mail.attempts == 1 and "Connection" in mail.last_error
    assert mail.next_attempt_at > timezone.now()
    assert outbox_deliver() == 0  # backing off: not tried again yet
    assert OutboundMail.objects.get(pk=mail.pk).attempts == 1
    server = SmtpServer(smtp_port).start()
    try:
        OutboundMail.objects.filter(pk=mail.pk).update(next_attempt_at=Now())
        assert outbox_deliver() == 1
        assert [m["Message-ID"] for m in server.messages] == [mail.message_id]
    finally:
        server.stop()


class RefusingServer:
    """A real SMTP server that refuses every recipient for good (550)."""

    def __init__(self, port: int) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        return "550 5.1.1 No such mailbox here"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def test_a_mail_refused_for_good_fails_after_its_attempts_and_an_operator_can_resend_it(
    smtp_settings, smtp_port
):
    from tests.conftest import SmtpServer

    [mail] = queue("Undangan")
    OutboundMail.objects.filter(pk=mail.pk).update(max_attempts=2)
    with RefusingServer(smtp_port):
        outbox_deliver()
        mail.refresh_from_db()
        assert mail.state == "queued" and "550" in mail.last_error
        OutboundMail.objects.filter(pk=mail.pk).update(next_attempt_at=Now())
        outbox_deliver()
    mail.refresh_from_db()
    assert mail.state == "failed" and mail.attempts == 2
    [later] = queue("Perubahan")  # a failed head no longer holds the recipient's queue
    server = SmtpServer(smtp_port).start()
    try:
        assert outbox_deliver() == 1
        assert [m["Subject"] for m in server.messages] == ["Perubahan"]
        assert outbox_retry_failed([mail.pk, later.pk]) == 1
        assert outbox_deliver() == 1
        assert [m["Subject"] for m in server.messages] == ["Perubahan", "Undangan"]
    finally:
        server.stop()


def test_a_long_outage_loses_nothing_until_the_mail_is_days_old(settings, smtp_settings):
    settings.RAKOR_MAIL_KEEP_TRYING_DAYS = 5
    [recent, old] = queue("Undangan"), queue("Pengingat")
    # Many attempts while the server was away, over four days: still waiting.
    OutboundMail.objects.filter(pk=recent[0].pk).update(
        attempts=80, max_attempts=12, created_at=timezone.now() - timedelta(days=4)
    )
    OutboundMail.objects.filter(pk=old[0].pk).update(
        recipient="other@example.test", created_at=timezone.now() - timedelta(days=6)
    )
    outbox_deliver()
    assert OutboundMail.objects.get(pk=recent[0].pk).state == "queued"
    assert OutboundMail.objects.get(pk=old[0].pk).state == "failed"


def test_a_mail_whose_worker_died_is_sent_again_with_the_same_message_id(smtp_server):
    [mail] = queue("Undangan")
    # A worker claimed it and died before recording the outcome; its lease has run out.
    OutboundMail.objects.filter(pk=mail.pk).update(
        state="sending",
        locked_by="dead-worker",
        locked_until=timezone.now() - timedelta(seconds=1),
        attempts=1,
    )
    assert outbox_deliver() == 1
    assert smtp_server.messages[0]["Message-ID"] == mail.message_id
    assert OutboundMail.objects.get(pk=mail.pk).attempts == 2


def test_a_mail_being_sent_by_another_worker_is_left_alone(smtp_server):
    [mail] = queue("Undangan")
    [update] = queue("Perubahan")
    OutboundMail.objects.filter(pk=mail.pk).update(
        state="sending", locked_by="other", locked_until=timezone.now() + timedelta(minutes=1)
    )
    assert outbox_deliver() == 0  # neither the one in flight nor the one behind it
    assert smtp_server.messages == []
    assert OutboundMail.objects.get(pk=update.pk).state == "queued"


def test_sensitive_mail_is_forgotten_once_sent(smtp_server):
    [mail] = queue("Atur ulang sandi", sensitive=True)
    outbox_deliver()
    mail.refresh_from_db()
    assert mail.state == "sent" and mail.payload == {}


@pytest.mark.needs_postgres  # SQLite runs one writer at a time; PostgreSQL shows the race
@pytest.mark.django_db(transaction=True)
def test_two_deliverers_at_once_send_each_mail_once(smtp_server):
    for n in range(30):
        queue(f"Undangan {n}", to=f"o{n % 10}@example.test")

    def run():
        while outbox_deliver(limit=5):
            pass

    run_together(run, times=2)
    while outbox_deliver():
        pass
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert sorted(subjects) == sorted(f"Undangan {n}" for n in range(30))
    for n in range(10):  # and in order for each recipient
        mine = [m["Subject"] for m in smtp_server.messages if m["To"] == f"o{n}@example.test"]
        assert mine == [f"Undangan {k}" for k in range(n, 30, 10)]
