"""`manage.py run_mail_inbox`: real SMTP and LMTP sessions (smtplib) deliver calendar replies
the way clients mail them; the listener runs in-process (aiosmtpd's Controller with the
command's handler) and, for the end-to-end cases, as the real command in a subprocess sharing
the test database."""

from __future__ import annotations

import logging
import signal
import smtplib
import sys
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import OperationalError

from meetings.management.commands.run_mail_inbox import InboxHandler, make_protocol
from meetings.models import Meeting, Participant
from meetings.services import scheduling
from tests.conftest import free_port, wait_for
from tests.processes import Process, port_open, same_stack_env

# The listener applies replies in its own thread (and process): the test's data must be
# committed for it to see them.
pytestmark = pytest.mark.django_db(transaction=True)

FILES = Path(__file__).parent / "files"
MAILBOX = "jadwal@rakor.go.id"
ANDI = "Andi Prasetyo <andi@example.test>"
# Text that appears only in the mails' bodies: it must never reach the log.
SECRET = "Catatan-rahasia-7f3a"
SMTP_POLICY = policy.default.clone(linesep="\r\n")  # on the wire, lines end in CRLF


def client_reply(name: str, meeting: Meeting, attendee: str = "andi@example.test") -> bytes:
    raw = (FILES / name).read_bytes()
    return (
        raw.replace(b"{{UID}}", meeting.uid.encode())
        .replace(b"{{SEQUENCE}}", str(meeting.sequence).encode())
        .replace(b"{{ATTENDEE}}", attendee.encode())
    )


def reply_mail(calendar: bytes | None, *, client: str = "outlook", sender: str = ANDI) -> bytes:
    """A reply as the client mails it. Outlook: multipart/alternative with text/plain and a
    base64 text/calendar; method=REPLY. Google: the same plus text/html, and the calendar
    again as an invite.ics attachment. Thunderbird: multipart/mixed with the calendar inline
    in quoted-printable."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = f"Rakor <{MAILBOX}>"
    message["Subject"] = "Diterima: Rakor pengendalian inflasi daerah"
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="example.test")
    message.set_content(f"Saya hadir. {SECRET}\n")
    if calendar is None:
        return message.as_bytes(policy=SMTP_POLICY)
    params = {"method": "REPLY", "charset": "utf-8"}
    if client == "outlook":
        message["Thread-Topic"] = "Rakor pengendalian inflasi daerah"
        message["X-MS-Has-Attach"] = ""
        message["X-MS-TNEF-Correlator"] = ""
        message.add_alternative(
            calendar, maintype="text", subtype="calendar", cte="base64", params=params
        )
    elif client == "google":
        message.add_alternative(f"<p>Saya hadir. {SECRET}</p>", subtype="html")
        message.add_alternative(
            calendar, maintype="text", subtype="calendar", cte="quoted-printable", params=params
        )
        message.add_attachment(
            calendar, maintype="application", subtype="ics", filename="invite.ics"
        )
    elif client == "thunderbird":
        message.add_attachment(
            calendar,
            maintype="text",
            subtype="calendar",
            cte="quoted-printable",
            params=params,
            disposition="inline",
        )
    else:
        raise AssertionError(client)
    return message.as_bytes(policy=SMTP_POLICY)


class InboxController(Controller):
    """aiosmtpd's threaded controller, serving sessions exactly as the command makes them."""

    def __init__(self, port: int, *, lmtp: bool) -> None:
        self.lmtp = lmtp
        super().__init__(InboxHandler(lmtp=lmtp), hostname="127.0.0.1", port=port)

    def factory(self):
        return make_protocol(self.handler, lmtp=self.lmtp)


@pytest.fixture(params=["smtp", "lmtp"])
def inbox(request):
    """The listener in-process on a free port; `send(mail)` returns smtplib's answer."""
    lmtp = request.param == "lmtp"
    controller = InboxController(free_port(), lmtp=lmtp)
    controller.start()

    def connect():
        if lmtp:
            return smtplib.LMTP("127.0.0.1", controller.port, timeout=30)
        return smtplib.SMTP("127.0.0.1", controller.port, timeout=30)

    def send(mail: bytes, *, envelope_from: str = "andi@example.test"):
        """(code, text) of the answer to DATA (or to the command that refused the mail)."""
        with connect() as session:
            try:
                refused = session.sendmail(envelope_from, [MAILBOX], mail)
            except smtplib.SMTPDataError as error:
                return error.smtp_code, error.smtp_error.decode()
            except smtplib.SMTPSenderRefused as error:
                return error.smtp_code, error.smtp_error.decode()
            assert refused == {}
            return 250, ""

    send.protocol = request.param
    send.connect = connect
    yield send
    controller.stop()


def answers(meeting: Meeting) -> dict[str, str]:
    return dict(
        Participant.objects.filter(meeting=meeting).values_list("official__username", "rsvp")
    )


def rsvp(meeting: Meeting, who: str = "andi") -> str:
    return Participant.objects.get(meeting=meeting, official__username=who).rsvp


def inbox_log(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "rakor.mail_inbox"]


# --- replies that are applied ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client", "name", "expected"),
    [
        ("outlook", "outlook-accepted.ics", "accepted"),
        ("google", "google-declined.ics", "declined"),
        ("thunderbird", "thunderbird-tentative.ics", "tentative"),
    ],
)
def test_a_reply_mailed_by_each_client_updates_the_rsvp(
    inbox, schedule, caplog, client, name, expected
):
    caplog.set_level(logging.INFO, logger="rakor.mail_inbox")
    meeting = schedule()
    before = answers(meeting)
    attendee = "ANDI@EXAMPLE.TEST" if client == "outlook" else "andi@example.test"
    code, _text = inbox(reply_mail(client_reply(name, meeting, attendee), client=client))
    assert code == 250
    after = answers(meeting)
    assert after.pop("andi") == expected
    before.pop("andi")
    assert after == before
    [line] = inbox_log(caplog)
    assert "reply applied" in line and "andi answered " + expected in line
    assert f"meeting {meeting.pk}" in line


def test_the_from_header_is_read_as_clients_write_it(inbox, schedule):
    meeting = schedule()
    calendar = client_reply("thunderbird-tentative.ics", meeting)
    for sender in (
        '"Prasetyo, Andi" <ANDI@Example.Test>',
        "=?utf-8?q?Andi_Prasetyo_=E2=80=94_Biro_Ekonomi?= <andi@example.test>",
        "andi@example.test (Andi Prasetyo)",
    ):
        mail = reply_mail(calendar, client="thunderbird").replace(ANDI.encode(), sender.encode(), 1)
        assert sender.encode() in mail
        assert inbox(mail)[0] == 250, sender
    assert rsvp(meeting) == "tentative"
    for sender in ("", "<>", "not an address", "andi"):
        mail = reply_mail(client_reply("google-declined.ics", meeting)).replace(
            f"From: {ANDI}".encode(), f"From: {sender}".encode(), 1
        )
        code, text = inbox(mail)
        assert code == 550 and "5.7.1" in text, (sender, text)
    assert rsvp(meeting) == "tentative"


def test_the_organiser_may_forward_an_attendees_reply(inbox, schedule):
    meeting = schedule()
    mail = reply_mail(client_reply("google-declined.ics", meeting), sender="budi@example.test")
    assert inbox(mail, envelope_from="budi@example.test")[0] == 250
    assert rsvp(meeting) == "declined"


def test_a_reply_in_another_charset_is_read_in_it(inbox, schedule):
    meeting = schedule()
    calendar = (
        client_reply("thunderbird-tentative.ics", meeting)
        .replace(b"SUMMARY:Rakor", "SUMMARY:Réunion Rakor".encode("latin-1"))
        .replace(b"X-MOZ-GENERATION", "COMMENT:Peut-être".encode("latin-1") + b"\r\nX-MOZ-GEN")
    )
    message = EmailMessage()
    message["From"] = ANDI
    message["To"] = MAILBOX
    message["Subject"] = "Tentative"
    message.add_attachment(
        calendar,
        maintype="text",
        subtype="calendar",
        cte="base64",
        params={"method": "REPLY", "charset": "iso-8859-1"},
    )
    assert inbox(message.as_bytes(policy=SMTP_POLICY))[0] == 250
    assert rsvp(meeting) == "tentative"


# --- replies that are refused --------------------------------------------------------------------


def test_a_hostile_calendar_gets_a_5xx_and_changes_nothing(inbox, schedule, caplog):
    caplog.set_level(logging.INFO, logger="rakor.mail_inbox")
    meeting = schedule()
    before = answers(meeting)
    good = client_reply("outlook-accepted.ics", meeting, "ANDI@EXAMPLE.TEST")
    hostile = [
        good.replace(b'\r\n N">', b'\r\nN">'),  # broken folding
        good.replace(b"METHOD:REPLY", b"METHOD:REQUEST"),
        good.replace(
            b"ATTENDEE;PARTSTAT=ACCEPTED", b"ATTENDEE;PARTSTAT=DECLINED;PARTSTAT=ACCEPTED"
        ),
        good.replace(b"END:VCALENDAR\r\n", b""),
        good.replace(b"CLASS:PUBLIC\r\n", b"CLASS:PUBLIC\rX-A:b\r\n"),
        good.replace(b"Diterima", b"Diterima \xff\xfe"),
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        b"",
    ]
    for body in hostile:
        code, text = inbox(reply_mail(body))
        assert code == 550, text
        assert text.startswith("5.6.0 invalid:"), text
        assert text.isascii() and "\n" not in text
    assert answers(meeting) == before
    log = "\n".join(inbox_log(caplog))
    assert log.count("refused: invalid") == len(hostile)
    assert SECRET not in log and "HTML" not in log and "X-MICROSOFT" not in log


def test_a_sender_who_is_not_the_attendee_gets_550(inbox, schedule):
    meeting = schedule()
    before = answers(meeting)
    calendar = client_reply("outlook-accepted.ics", meeting, "ANDI@EXAMPLE.TEST")
    for sender in (
        "Nurul <nurul@example.test>",  # another participant
        "Andi <andi@example.test.evil.example>",
        "andi@example.test, nurul@example.test",  # two senders
    ):
        code, text = inbox(reply_mail(calendar, sender=sender))
        assert (code, text.split(" ", 2)[:2]) == (550, ["5.7.1", "forbidden:"]), text
    # SENT-BY naming the sender grants nothing.
    sent_by = calendar.replace(b"ATTENDEE;", b'ATTENDEE;SENT-BY="mailto:nurul@example.test";')
    code, text = inbox(reply_mail(sent_by, sender="nurul@example.test"))
    assert code == 550 and "5.7.1" in text
    # Nor does a second From header.
    mail = reply_mail(calendar, sender="nurul@example.test").replace(
        b"From: nurul@example.test", b"From: nurul@example.test\r\nFrom: andi@example.test"
    )
    assert inbox(mail)[0] == 550
    assert answers(meeting) == before


def test_a_message_without_a_reply_is_refused(inbox, schedule, caplog):
    caplog.set_level(logging.INFO, logger="rakor.mail_inbox")
    meeting = schedule()
    before = answers(meeting)
    code, text = inbox(reply_mail(None))
    assert code == 550 and "No iTIP reply found" in text
    assert "no iTIP reply found" in inbox_log(caplog)[-1]
    assert answers(meeting) == before


def test_a_stale_or_cancelled_reply_gets_550_conflict(inbox, schedule, world):
    meeting = schedule()
    old = client_reply("thunderbird-tentative.ics", meeting)
    scheduling.meeting_update(
        by=world["budi"],
        meeting_id=meeting.pk,
        changes={"location": "Ruang Rapat 2"},
    )
    before = answers(meeting)
    code, text = inbox(reply_mail(old, client="thunderbird"))
    assert code == 550 and text.startswith("5.6.0 conflict:"), text
    meeting.refresh_from_db()
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    code, text = inbox(reply_mail(client_reply("thunderbird-tentative.ics", meeting)))
    assert code == 550 and "conflict" in text
    assert answers(meeting) == before


def test_an_unknown_meeting_or_attendee_gets_550(inbox, schedule):
    meeting = schedule()
    calendar = client_reply("google-declined.ics", meeting)
    code, text = inbox(reply_mail(calendar.replace(meeting.uid.encode(), b"nope@elsewhere")))
    assert code == 550 and "not_found" in text
    stranger = client_reply("google-declined.ics", meeting, "stranger@example.test")
    code, text = inbox(reply_mail(stranger, sender="stranger@example.test"))
    assert code == 550 and "not_found" in text
    assert rsvp(meeting) == "needs_action"


def test_a_message_over_2_mb_is_refused_with_552(inbox, schedule):
    meeting = schedule()
    calendar = client_reply("outlook-accepted.ics", meeting, "ANDI@EXAMPLE.TEST")
    mail = reply_mail(calendar).replace(
        b"Saya hadir.", b"Saya hadir. " + b"x" * 76 + (b"\r\n" + b"x" * 76) * 28_000
    )
    assert len(mail) > 2 * 1024 * 1024
    assert inbox(mail)[0] == 552  # refused at MAIL FROM (SIZE=) by smtplib's session
    with inbox.connect() as session:  # and at the end of DATA when the size is not announced
        session.ehlo()  # LHLO, over LMTP
        assert session.mail("andi@example.test")[0] == 250
        assert session.rcpt(MAILBOX)[0] == 250
        assert session.data(mail)[0] == 552
    assert rsvp(meeting) == "needs_action"


def test_a_calendar_part_over_1_mb_is_refused_with_552(inbox, schedule):
    meeting = schedule()
    calendar = client_reply("google-declined.ics", meeting).replace(
        b"END:VEVENT", b"X-PAD:" + b"a" * (1024 * 1024) + b"\r\nEND:VEVENT"
    )
    code, text = inbox(reply_mail(calendar, client="thunderbird"))
    assert code == 552 and "too_large" in text
    assert rsvp(meeting) == "needs_action"


def test_a_database_failure_is_temporary(inbox, schedule, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="rakor.mail_inbox")
    meeting = schedule()
    calendar = client_reply("outlook-accepted.ics", meeting, "ANDI@EXAMPLE.TEST")

    def failing(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("meetings.services.answers.reply_receive", failing)
    code, text = inbox(reply_mail(calendar))
    assert code == 451 and text.startswith("4.3.0"), text
    assert any("database error" in line for line in inbox_log(caplog))
    # A failure of ours is temporary too: the answer is kept by the mail server, not lost.
    monkeypatch.setattr("meetings.services.answers.reply_receive", lambda **kwargs: 1 / 0)
    code, text = inbox(reply_mail(calendar))
    assert code == 451 and text.startswith("4.3.0"), text
    assert any("unexpected error" in line for line in inbox_log(caplog))
    monkeypatch.undo()
    # The mail server tries again later, and then the reply is applied.
    assert inbox(reply_mail(calendar))[0] == 250
    assert rsvp(meeting) == "accepted"


def test_lmtp_answers_once_per_recipient(schedule):
    meeting = schedule()
    controller = InboxController(free_port(), lmtp=True)
    controller.start()
    try:
        with smtplib.LMTP("127.0.0.1", controller.port, timeout=30) as session:
            session.ehlo()
            assert session.mail("andi@example.test")[0] == 250
            assert session.rcpt(MAILBOX)[0] == 250
            assert session.rcpt("rakor-jadwal@rakor.go.id")[0] == 250
            calendar = client_reply("outlook-accepted.ics", meeting, "ANDI@EXAMPLE.TEST")
            assert session.data(reply_mail(calendar))[0] == 250
            assert session.getreply()[0] == 250  # the second recipient's answer
            assert session.noop()[0] == 250  # nothing left over in the stream
    finally:
        controller.stop()
    assert rsvp(meeting) == "accepted"


# --- the real command ------------------------------------------------------------------------


@pytest.fixture
def mail_inbox_process(tmp_path):
    """Start `manage.py run_mail_inbox` on the test database; returns (process, port)."""
    processes = []

    def start(*extra: str):
        port = free_port()
        process = Process(
            [sys.executable, "manage.py", "run_mail_inbox", "--port", str(port), *extra],
            same_stack_env(),
            tmp_path / f"mail-inbox-{port}.log",
        )
        processes.append(process)
        wait_for(
            lambda: port_open(port) or process.popen.poll() is not None,
            timeout=30,
            what="run_mail_inbox to listen",
        )
        assert process.popen.poll() is None, process.output()
        return process, port

    yield start
    for process in processes:
        process.terminate()


@pytest.mark.slow
@pytest.mark.parametrize("protocol", ["smtp", "lmtp"])
def test_the_command_applies_replies_and_stops_on_a_signal(
    mail_inbox_process, schedule, world, protocol
):
    meeting = schedule()
    process, port = mail_inbox_process(*(["--lmtp"] if protocol == "lmtp" else []))
    session_class = smtplib.LMTP if protocol == "lmtp" else smtplib.SMTP
    calendar = client_reply("outlook-accepted.ics", meeting, "ANDI@EXAMPLE.TEST")
    with session_class("127.0.0.1", port, timeout=30) as session:
        assert session.sendmail("andi@example.test", [MAILBOX], reply_mail(calendar)) == {}
        # A hostile one and one from somebody else are refused, and change nothing.
        nurul = client_reply("google-declined.ics", meeting, "nurul@example.test")
        with pytest.raises(smtplib.SMTPDataError) as refused:
            session.sendmail("andi@example.test", [MAILBOX], reply_mail(nurul))
        assert refused.value.smtp_code == 550 and b"5.7.1" in refused.value.smtp_error
        broken = calendar.replace(b'\r\n N">', b'\r\nN">')
        with pytest.raises(smtplib.SMTPDataError) as refused:
            session.sendmail("andi@example.test", [MAILBOX], reply_mail(broken))
        assert refused.value.smtp_code == 550 and b"invalid" in refused.value.smtp_error
    assert rsvp(meeting) == "accepted"
    assert rsvp(meeting, "nurul") == "needs_action"
    # SIGTERM (systemd) or SIGINT (Ctrl+C) stops it cleanly.
    stop = signal.SIGINT if protocol == "smtp" else signal.SIGTERM
    process.popen.send_signal(stop)
    assert process.popen.wait(20) == 0
    process.terminate()
    output = process.output()
    assert f"mail inbox listening on 127.0.0.1:{port} ({protocol.upper()})" in output
    assert "reply applied" in output and "refused: forbidden" in output
    assert f"received {stop.name}" in output and "mail inbox stopped" in output
    assert "Traceback" not in output
    assert SECRET not in output and "X-MICROSOFT" not in output
