"""`manage.py run_mail_inbox`: an SMTP (or LMTP) listener for the scheduling mailbox.

Invitations name `RAKOR_SCHEDULING_MAILBOX` as ORGANIZER, so calendar clients mail their
answers (iTIP REPLY, RFC 6047 iMIP) there; the site's mail server forwards that mailbox to
this listener. Each message is parsed with Python's e-mail package; every calendar part in it
(text/calendar, application/ics, or a file named *.ics) is handed to
`meetings.services.answers.reply_receive` with the message's From as the sender, and the
answer to the mail server says how it went:

- 250 2.0.0: every reply in the message was applied (a reply that changes nothing, such as
  the same answer twice, counts as applied). Parts are applied in order; when one is
  refused, those before it stay applied (each is a whole answer), and the refusal is sent.
- 550 5.6.0 `<code>: <message>`: refused for good; the mail server bounces it to the sender,
  who learns why (a stale or cancelled meeting, an unknown attendee, a malformed calendar).
  A message without any calendar part is refused the same way ("no iTIP reply found"):
  someone who answered an invitation with a written reply learns that nobody reads this
  mailbox, instead of waiting for an answer that never comes.
- 550 5.7.1: the From is not the attendee (nor an official who may hand the reply in).
- 552 5.3.4: the message is over 2 MB (or a calendar part over 1 MB).
- 451 4.3.0: the database (or another part of Rakor) failed; the mail server keeps the
  message and tries again later, and applying a reply twice is harmless.

Replies are applied in a worker thread (the SMTP side is asyncio); database connections are
closed around each message, as a request would. Each outcome is logged to `rakor.mail_inbox`
with the Message-ID, the sender and the outcome, never a message body. SIGTERM or SIGINT stops
the listener after the messages in progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import unicodedata
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from urllib.parse import urlsplit

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections
from django.utils import translation

from coordination.platform.errors import DomainError
from meetings import itip
from meetings.services import answers

logger = logging.getLogger("rakor.mail_inbox")

MAX_MESSAGE_BYTES = 2 * 1024 * 1024
MAX_PARTS = 5  # distinct calendar parts per message
CALENDAR_TYPES = (*itip.CONTENT_TYPES, "application/x-ics")
STOP_WAIT_SECONDS = 30


class InboxHandler:
    """aiosmtpd handler: one iTIP outcome per message (per recipient, for LMTP)."""

    def __init__(self, *, lmtp: bool = False) -> None:
        self.lmtp = lmtp
        self.in_progress: set[asyncio.Task] = set()

    async def handle_DATA(  # noqa: N802 (aiosmtpd's name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        task = asyncio.ensure_future(self.deliver(content))
        self.in_progress.add(task)
        try:
            status = await asyncio.shield(task)
        finally:
            self.in_progress.discard(task)
        # LMTP answers DATA once per accepted recipient (RFC 2033 §4.2).
        count = max(len(envelope.rcpt_tos), 1) if self.lmtp else 1
        return "\r\n".join([status] * count)

    async def deliver(self, content: bytes) -> str:
        if len(content) > MAX_MESSAGE_BYTES:
            logger.warning("message refused: %s bytes, over the 2 MB limit", len(content))
            return "552 5.3.4 Message too big for the scheduling mailbox (2 MB at most)"
        return await sync_to_async(process_message, thread_sensitive=True)(content)

    async def handle_exception(self, error: Exception) -> str:
        """An error of ours in a session: temporary (aiosmtpd's default answer is 500)."""
        logger.error("mail inbox session failed", exc_info=error)
        return "451 4.3.0 Temporary failure in Rakor, try again later"

    async def wait_for_deliveries(self, seconds: float) -> None:
        if self.in_progress:
            await asyncio.wait(set(self.in_progress), timeout=seconds)


def process_message(content: bytes) -> str:
    """Apply every iTIP reply in one mail message; return the SMTP reply line."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(content)
        message_id = _header(message, "Message-ID") or "(no Message-ID)"
        sender = _sender(message)
        parts = calendar_parts(message)
    except Exception:  # the e-mail package is lenient; this is a message it cannot read
        logger.warning("message refused: not readable as MIME")
        return "550 5.6.0 The message could not be read as MIME"
    shown = _one_line(sender, 200) if sender else "(no single From address)"
    if not parts:
        logger.info("message %s from %s refused: no iTIP reply found", message_id, shown)
        return (
            "550 5.6.0 No iTIP reply found: this mailbox reads only calendar answers "
            "(text/calendar; method=REPLY)"
        )
    if len(parts) > MAX_PARTS:
        logger.info("message %s from %s refused: %s calendar parts", message_id, shown, len(parts))
        return f"550 5.6.0 Too many calendar parts (at most {MAX_PARTS})"
    close_old_connections()
    try:
        with translation.override("en"):
            for body, content_type in parts:
                participant = answers.reply_receive(
                    by=None, body=body, content_type=content_type, mail_from=sender
                )
                logger.info(
                    "message %s from %s: reply applied, meeting %s, %s answered %s",
                    message_id,
                    shown,
                    participant.meeting_id,
                    participant.official.username,
                    participant.rsvp,
                )
    except DomainError as error:
        return _refusal(error, message_id, shown)
    except DatabaseError:
        logger.exception("message %s from %s deferred: database error", message_id, shown)
        return "451 4.3.0 Temporary failure in Rakor's database, try again later"
    except Exception:
        # A failure of ours: the mail server keeps the message and tries again, which gives
        # the operator time to look at the log instead of losing the answer.
        logger.exception("message %s from %s deferred: unexpected error", message_id, shown)
        return "451 4.3.0 Temporary failure in Rakor, try again later"
    finally:
        try:
            close_old_connections()
        except DatabaseError:
            logger.warning("closing the database connection failed", exc_info=True)
    return "250 2.0.0 Reply applied"


def calendar_parts(message: EmailMessage) -> list[tuple[bytes, str]]:
    """The calendar parts of a message, inline or attached, each once (clients often send the
    same reply inline and as invite.ics): (bytes, the Content-Type to hand to itip)."""
    found: list[tuple[bytes, str]] = []
    seen: set[bytes] = set()
    for part in message.walk():
        if part.is_multipart():
            continue
        media = part.get_content_type()
        filename = (part.get_filename() or "").lower()
        if media not in CALENDAR_TYPES and not filename.endswith(".ics"):
            continue
        body = part.get_payload(decode=True) or b""
        key = body.replace(b"\r\n", b"\n").strip()
        if key in seen:
            continue
        seen.add(key)
        charset = part.get_content_charset()
        content_type = f"text/calendar; charset={charset}" if charset else "text/calendar"
        found.append((body, content_type))
    return found


def _sender(message: EmailMessage) -> str:
    """The one From address, or "" (no From, several From headers or addresses, or one the
    e-mail package cannot read)."""
    try:
        headers = message.get_all("From") or []
        if len(headers) != 1:
            return ""
        addresses = getattr(headers[0], "addresses", ())
        if len(addresses) != 1:
            return ""
        return str(addresses[0].addr_spec)
    except Exception:
        return ""


def _header(message: EmailMessage, name: str) -> str:
    try:
        return _one_line(str(message.get(name, "") or ""), 200)
    except Exception:
        return ""


def _refusal(error: DomainError, message_id: str, sender: str) -> str:
    text = _one_line(f"{error.code}: {error.message}", 300)
    logger.info("message %s from %s refused: %s", message_id, sender, text)
    if error.status == 429 or error.status >= 500:
        return f"451 4.3.0 {text}"
    if error.status == 413:
        return f"552 5.3.4 {text}"
    if error.status == 403:
        return f"550 5.7.1 {text}"
    return f"550 5.6.0 {text}"


def _one_line(text: str, limit: int) -> str:
    """ASCII, printable, one line, at most `limit` characters: safe in an SMTP reply."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\x20-\x7e]+", " ", text).strip()
    return text[:limit] or "-"


# --- the listener ----------------------------------------------------------------------------


def make_protocol(handler: InboxHandler, *, lmtp: bool) -> SMTP:
    """One SMTP (or LMTP) session, as the command and the tests run it."""
    server_class = LMTP if lmtp else SMTP
    return server_class(
        handler,
        hostname=urlsplit(settings.RAKOR_SITE_URL).hostname or "localhost",
        ident="Rakor scheduling mailbox",
        data_size_limit=MAX_MESSAGE_BYTES,
        enable_SMTPUTF8=True,
        decode_data=False,
    )


async def serve(host: str, port: int, *, lmtp: bool) -> None:
    loop = asyncio.get_running_loop()
    handler = InboxHandler(lmtp=lmtp)
    server = await loop.create_server(lambda: make_protocol(handler, lmtp=lmtp), host, port)
    stop = asyncio.Event()

    def request_stop(signum: int) -> None:
        logger.info("mail inbox received %s, stopping", signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, request_stop, signum)
    protocol = "LMTP" if lmtp else "SMTP"
    logger.info("mail inbox listening on %s:%s (%s)", host, port, protocol)
    try:
        await stop.wait()
    finally:
        server.close()  # no new sessions; replies being applied are finished
        await handler.wait_for_deliveries(STOP_WAIT_SECONDS)
        with contextlib.suppress(TimeoutError):
            # From Python 3.12 this waits for idle sessions too, which need not end soon.
            await asyncio.wait_for(server.wait_closed(), 1)
        logger.info("mail inbox stopped")


class Command(BaseCommand):
    help = (
        "Listen for mail to the scheduling mailbox (RAKOR_SCHEDULING_MAILBOX), forwarded by "
        "the site's mail server over SMTP or LMTP, and apply the iTIP replies (RSVPs) in it. "
        "Stops cleanly on SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8025, help="port (default 8025)")
        parser.add_argument(
            "--lmtp", action="store_true", help="speak LMTP (RFC 2033) instead of SMTP"
        )

    def handle(self, *args, host: str, port: int, lmtp: bool, **options):
        asyncio.run(serve(host, port, lmtp=lmtp))
