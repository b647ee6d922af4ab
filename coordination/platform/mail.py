"""Mail leaves through an outbox: `mail_queue` writes one OutboundMail row per recipient in
the caller's transaction; the worker delivers them (`outbox_deliver`).

- Nothing is lost while SMTP is down: a row stays queued and is retried with backoff.
- In order per recipient: only the oldest unfinished row of a recipient is ever sent, so an
  update never overtakes the invitation it updates.
- Once, even with several workers: a row is claimed with a compare-and-set UPDATE before it
  is sent. A worker that dies between the SMTP server's acceptance and its commit leaves the
  row to be sent again when its lease runs out, with the same Message-ID (fixed when queued),
  so mail clients drop the duplicate.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.db import transaction
from django.db.models import Min
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.http import http_date

from coordination.platform import jobqueue
from coordination.platform.leases import Claims
from coordination.platform.models import Job, OutboundMail

logger = logging.getLogger("rakor.mail")

# The worker job that delivers the outbox; queued with the rows, so delivery starts at once.
MAIL_JOB = "mail.send"
SEND_TIMEOUT = timedelta(minutes=2)
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)


# How workers claim outgoing mail, lease it while sending and record the outcome
# (platform.leases); the outbox adds its order per recipient and its days of retrying.
MAIL_CLAIMS = Claims(
    model=OutboundMail,
    state_field="state",
    waiting=OutboundMail.State.QUEUED,
    working=OutboundMail.State.SENDING,
    finished=OutboundMail.State.SENT,
    failed=OutboundMail.State.FAILED,
    due_field="next_attempt_at",
)


def mail_queue(
    message: EmailMultiAlternatives,
    *,
    official_id: int | None = None,
    kind: str = "",
    topic: str = "",
    sensitive: bool = False,
) -> list[OutboundMail]:
    """Queue `message` for delivery: one row per recipient, each with its own Message-ID.
    `official_id` names the official it is for, so that the sender can see how delivery went.
    Call it inside the transaction of the change that needs the mail."""
    recipients = [*message.to, *message.cc, *message.bcc]
    if not recipients:
        raise ValueError("a message needs a recipient")
    rows = []
    with transaction.atomic():
        for recipient in recipients:
            headers = dict(message.extra_headers)
            headers["Message-ID"] = make_msgid(domain=_mail_domain())
            headers.setdefault("Date", http_date())  # fixed, like the Message-ID
            payload: dict[str, Any] = {
                "subject": message.subject,
                "body": message.body,
                "from_email": message.from_email or settings.DEFAULT_FROM_EMAIL,
                "to": [recipient],
                "reply_to": list(message.reply_to),
                "headers": headers,
                "alternatives": [[content, mimetype] for content, mimetype in message.alternatives],
                "attachments": [
                    [name, base64.b64encode(_bytes(content)).decode("ascii"), mimetype]
                    for name, content, mimetype in message.attachments
                ],
            }
            rows.append(
                OutboundMail.objects.create(
                    recipient=recipient.lower(),
                    official_id=official_id,
                    kind=kind[:40],
                    topic=topic[:100],
                    subject=message.subject[:300],
                    message_id=headers["Message-ID"],
                    payload=payload,
                    sensitive=sensitive,
                )
            )
        # One delivery run for the whole change (a meeting of 1,000 people queues 1,000 rows
        # but one job); the periodic `mail.outbox` job catches anything a run misses.
        waiting = Job.objects.filter(name=MAIL_JOB, status=Job.Status.PENDING, run_at__lte=Now())
        if not waiting.exists():
            jobqueue.enqueue(MAIL_JOB)
    return rows


def outbox_deliver(*, worker_id: str | None = None, limit: int = 200) -> int:
    """Send what is due, in rounds of the oldest unfinished mail of each recipient, until
    nothing is due or `limit` were tried; returns how many were sent. Safe to run in several
    workers at once."""
    worker_id = worker_id or f"mail-{uuid.uuid4().hex[:8]}"
    _release_abandoned()
    sent = tried = 0
    while tried < limit:
        due = _due_heads(limit - tried)
        if not due:
            break
        progress = 0
        for mail_id in due:
            if MAIL_CLAIMS.claim(mail_id, worker_id=worker_id, timeout=SEND_TIMEOUT):
                tried += 1
                ok = _send_one(mail_id, worker_id)
                sent += ok
                progress += ok
        if not progress:  # all failed or were taken by another worker: stop this run
            break
    return sent


def _due_heads(limit: int) -> list[int]:
    """The oldest unfinished mail of each recipient, when it is due."""
    unfinished = [OutboundMail.State.QUEUED, OutboundMail.State.SENDING]
    heads = (
        OutboundMail.objects.filter(state__in=unfinished)
        .values("recipient")
        .annotate(first=Min("id"))
        .values_list("first", flat=True)
    )
    return list(
        MAIL_CLAIMS.due()
        .filter(pk__in=list(heads))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def _send_one(mail_id: int, worker_id: str) -> int:
    mail = OutboundMail.objects.get(pk=mail_id)
    try:
        mail_deliver(mail.payload)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if _gives_up(mail, exc):
            MAIL_CLAIMS.fail(mail.pk, worker_id=worker_id, error=error)
            logger.error("mail %s to %s failed for good: %s", mail.pk, mail.recipient, error)
        else:
            delay = _backoff(mail.attempts)
            MAIL_CLAIMS.retry(mail.pk, worker_id=worker_id, delay=delay, error=error)
            logger.warning(
                "mail %s to %s failed (attempt %d), retry in %d s: %s",
                mail.pk,
                mail.recipient,
                mail.attempts,
                delay.total_seconds(),
                error,
            )
        return 0
    done = {"payload": {}} if mail.sensitive else {}
    MAIL_CLAIMS.done(mail.pk, worker_id=worker_id, sent_at=Now(), **done)
    logger.info("mail %s sent to %s", mail.pk, mail.recipient)
    return 1


def _is_permanent(exc: Exception) -> bool:
    """A refusal the mail server means for good (5xx: unknown mailbox, message refused), or
    a mail that cannot be built. Everything else (connection refused, timeouts, 4xx) is
    temporary: the server is down or busy, and the mail waits for it."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return isinstance(exc, (ValueError, TypeError, KeyError, UnicodeError))


def _gives_up(mail: OutboundMail, exc: Exception) -> bool:
    """Permanent refusals fail after `max_attempts`; while the server is merely away, a mail
    is kept for RAKOR_MAIL_KEEP_TRYING_DAYS (as mail servers do), so an outage over a long
    weekend loses nothing and keeps each recipient's order."""
    if _is_permanent(exc):
        return mail.attempts >= mail.max_attempts
    keep_trying = timedelta(days=settings.RAKOR_MAIL_KEEP_TRYING_DAYS)
    return timezone.now() - mail.created_at > keep_trying


def _release_abandoned() -> None:
    """Rows whose worker died while sending: queued again (or failed, when out of attempts)."""
    # A worker that died mid-send is not the mail's fault: it is queued again, whatever its
    # attempts (the stable Message-ID lets clients drop a duplicate).
    MAIL_CLAIMS.release_abandoned()


def _backoff(attempts: int) -> timedelta:
    seconds = BACKOFF_BASE.total_seconds() * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, BACKOFF_MAX.total_seconds()))


def outbox_retry_failed(mail_ids: list[int]) -> int:
    """Queue failed mail again from its first attempt (an operator's decision)."""
    return OutboundMail.objects.filter(pk__in=mail_ids, state=OutboundMail.State.FAILED).update(
        state=OutboundMail.State.QUEUED, attempts=0, next_attempt_at=Now(), last_error=""
    )


class RakorEmail(EmailMultiAlternatives):
    """An e-mail whose alternatives may carry MIME parameters, as iMIP needs:
    `text/calendar; method=REQUEST` (RFC 6047 §2.4)."""

    def _create_mime_attachment(self, content, mimetype):
        base, *params = (part.strip() for part in mimetype.split(";"))
        part = super()._create_mime_attachment(content, base)
        for param in params:
            name, _, value = param.partition("=")
            if name.lower() != "charset":  # set by Django from the content
                part.set_param(name, value.strip('"'))
        return part


def templated_mail(
    subject: str,
    template: str,
    context: dict[str, Any],
    to: str,
    *,
    reply_to: list[str] | None = None,
) -> RakorEmail:
    """A mail in text and HTML from the template pair `template`.txt and `template`.html,
    in the active language; the subject is one line whatever the user text in it."""
    from django.template import loader

    message = RakorEmail(
        subject=" ".join(str(subject).split()),
        body=loader.render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=reply_to,
    )
    message.attach_alternative(loader.render_to_string(f"{template}.html", context), "text/html")
    return message


def mail_deliver(payload: dict[str, Any]) -> None:
    """Send one message now; raises when the SMTP server does not accept it."""
    message = RakorEmail(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        reply_to=payload.get("reply_to") or None,
        headers=payload.get("headers") or {},
    )
    for content, mimetype in payload.get("alternatives", []):
        message.attach_alternative(content, mimetype)
    for name, content, mimetype in payload.get("attachments", []):
        message.attach(name, base64.b64decode(content), mimetype)
    with get_connection(fail_silently=False) as connection:
        sent = connection.send_messages([message])
    if not sent:
        raise RuntimeError("the mail backend accepted no message")


def site_url(path: str) -> str:
    """`path` as an address that works from a mail client (RAKOR_SITE_URL in front)."""
    return f"{settings.RAKOR_SITE_URL.rstrip('/')}{path}"


def _mail_domain() -> str:
    address = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)
    return address[1].strip(" >") if len(address) == 2 else "rakor.localhost"


def _bytes(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content
