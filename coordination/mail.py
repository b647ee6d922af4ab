"""Mail that leaves through the worker: queued in the caller's transaction, sent with retries.

SMTP being down loses nothing: the job stays queued and is retried with backoff. Each message
gets its Message-ID when queued, so a retry after a crash between the SMTP server's
acceptance and the job's completion repeats the same message, which mail clients drop.
"""

from __future__ import annotations

import base64
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid

from coordination import jobqueue
from coordination.models import Job

MAIL_JOB = "mail.send"


def mail_queue(message: EmailMultiAlternatives) -> Job:
    """Queue `message` for delivery by the worker; returns the queued job."""
    headers = dict(message.extra_headers)
    headers.setdefault("Message-ID", make_msgid(domain=_mail_domain()))
    payload: dict[str, Any] = {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email or settings.DEFAULT_FROM_EMAIL,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": headers,
        "alternatives": [[content, mimetype] for content, mimetype in message.alternatives],
        "attachments": [
            [name, base64.b64encode(_bytes(content)).decode("ascii"), mimetype]
            for name, content, mimetype in message.attachments
        ],
    }
    return jobqueue.enqueue(MAIL_JOB, payload)


def mail_deliver(payload: dict[str, Any]) -> None:
    """Send one queued message now; raises when the SMTP server does not accept it."""
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        cc=payload.get("cc") or None,
        bcc=payload.get("bcc") or None,
        reply_to=payload.get("reply_to") or None,
        headers=payload.get("headers") or {},
    )
    for content, mimetype in payload.get("alternatives", []):
        message.attach_alternative(content, mimetype)
    for name, content, mimetype in payload.get("attachments", []):
        message.attach(name, base64.b64decode(content), mimetype)
    with get_connection(fail_silently=False) as connection:
        sent = connection.send_messages([message])
    if not sent and (message.to or message.cc or message.bcc):
        raise RuntimeError("the mail backend accepted no message")


def _mail_domain() -> str:
    address = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)
    return address[1].strip(" >") if len(address) == 2 else "rakor.localhost"


def _bytes(content: str | bytes) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content
