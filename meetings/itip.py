"""iTIP REPLY (RFC 5546 §3.2.3): reading an attendee's answer, handed in through the API, an
upload on the meeting page or the mail inbox (`manage.py run_mail_inbox`). This module parses
only; meetings.services.answers.reply_apply matches the reply to a meeting and a participant
and records it.

icalendar's parser is lenient (it repairs broken folding, accepts unbalanced components and
stray lines), so a reply is first checked strictly against RFC 5545's content-line grammar
and component structure here; only then are the event's lines a reply is read for (UID,
SEQUENCE, ATTENDEE, RECURRENCE-ID) handed to the library. A reply that is malformed, hostile
or does not match a meeting and one of its participants is refused with a clear error and
changes nothing. Limits (1 MB, 2000 lines, short ATTENDEE lines) keep a hostile reply from
costing more than a fraction of a second.

Tolerated, as calendar clients write them: bare LF line ends, Outlook's Windows zone names
(TZID=SE Asia Standard Time), X- properties and components, VTIMEZONE blocks, a VALARM,
`MAILTO:` in any case, Google's unquoted `COMMENT;X-COMMENTER=mailto:…` and a charset other
than UTF-8 when the Content-Type names it. Addresses are compared case-insensitively.

Who may hand a reply in: through the API or the page, the attendee, those who may edit the
meeting and administrators (`permissions.may_hand_in_reply`); by mail, a From that is the
attendee's address or the address of an official who may hand it in (the organiser
forwarding an answer, say). SENT-BY in the reply grants nothing by itself: anyone can write
it. SEQUENCE and the cancellation are checked with the meeting locked, so a reply cannot slip
in beside a change that asks everyone to answer again.
"""

from __future__ import annotations

import codecs
import datetime
import email.utils
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from icalendar import Calendar

from coordination.platform.errors import (
    InvalidInput,
    TooLarge,
    UnsupportedType,
)
from meetings.models import Participant

MAX_BYTES = 1024 * 1024
CONTENT_TYPES = ("text/calendar", "application/ics", "text/x-vcalendar")
ANSWERS = {
    "ACCEPTED": Participant.Rsvp.ACCEPTED,
    "DECLINED": Participant.Rsvp.DECLINED,
    "TENTATIVE": Participant.Rsvp.TENTATIVE,
}

# RFC 5545 §3.1: contentline = name *(";" param ) ":" value CRLF
_NAME = r"[A-Za-z0-9-]+"
_PARAMTEXT = r'[^\x00-\x08\x0a-\x1f\x7f";:,]*'
_QUOTED = r'"[^\x00-\x08\x0a-\x1f\x7f"]*"'
_PVALUE = rf"(?:{_QUOTED}|{_PARAMTEXT})"
_PARAM = rf"{_NAME}={_PVALUE}(?:,{_PVALUE})*"
PARAMETER = re.compile(rf";({_NAME})=({_PVALUE}(?:,{_PVALUE})*)")
CONTENT_LINE = re.compile(rf"^({_NAME})((?:;{_PARAM})*):([^\x00-\x08\x0a-\x1f\x7f]*)$")
FOLD = re.compile(rb"\r?\n[ \t]")
# Where each component may appear (X- components may appear anywhere and are ignored).
CHILDREN = {
    None: {"VCALENDAR"},
    "VCALENDAR": {"VEVENT", "VTIMEZONE"},
    "VTIMEZONE": {"STANDARD", "DAYLIGHT"},
    "VEVENT": {"VALARM"},
    "STANDARD": set(),
    "DAYLIGHT": set(),
    "VALARM": set(),
}
MAX_DEPTH = 8
# A client's reply has tens of lines (Outlook's, with its VTIMEZONE, about eighty); the cap
# keeps a hostile megabyte of tiny lines from costing seconds of parsing.
MAX_LINES = 2000
MAX_PARAMETERS = 50  # on the ATTENDEE line (Google writes six)
MAX_READ_LINE = 4096  # characters of a UID, SEQUENCE, ATTENDEE or RECURRENCE-ID line
# The event's properties a reply is read for.
READ = ("UID", "SEQUENCE", "ATTENDEE", "RECURRENCE-ID")


@dataclass(frozen=True)
class Reply:
    uid: str
    sequence: int
    attendee: str  # the address, lower case, without mailto:
    sent_by: str  # SENT-BY's address, lower case, or ""
    answer: str
    # The occurrence answered (its original start, as written: an instant, a local time
    # without zone, or a date), or None for the whole meeting or series.
    recurrence_id: datetime.datetime | datetime.date | None = None


def reply_read(*, body: bytes, content_type: str) -> Reply:
    """Parse a REPLY as it arrived (its Content-Type names the media type and the charset):
    refused unless text/calendar, at most MAX_BYTES, and strictly well formed."""
    media, charset = _media_type(content_type)
    if media not in CONTENT_TYPES:
        raise UnsupportedType(_("Send the reply as text/calendar."))
    if len(body) > MAX_BYTES:
        raise TooLarge(_("An iTIP reply may not be larger than 1 MB."))
    return reply_parse(_to_utf8(body, charset))


def address_of(value: str) -> str:
    """The lower-case address of a mailto: URI or a From header; "" when there is none."""
    return _address(value)


def _media_type(content_type: str) -> tuple[str, str]:
    """("text/calendar", "utf-8") from `text/calendar; charset="UTF-8"; method=REPLY`."""
    media, *params = content_type.split(";")
    charset = ""
    for param in params:
        name, _sep, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def _to_utf8(body: bytes, charset: str) -> bytes:
    """The body in UTF-8: RFC 5545's default, and what the strict check reads. A charset that
    Python does not know is refused; UTF-8 and its US-ASCII subset pass unchanged."""
    if not charset:
        return body
    unsupported = UnsupportedType(
        _("The charset %(charset)s is not supported; send UTF-8.") % {"charset": charset[:40]}
    )
    try:
        codec = codecs.lookup(charset)
    except LookupError:
        raise unsupported from None
    # Only text encodings: "base64", "rot13" or "zlib" are codecs too, but not charsets.
    if not getattr(codec, "_is_text_encoding", True):
        raise unsupported
    if codec.name in ("utf-8", "ascii", "utf-8-sig"):
        return body
    try:
        return body.decode(codec.name).encode("utf-8")
    except LookupError:
        raise unsupported from None
    except (UnicodeError, ValueError):
        raise _bad(_("The calendar is not valid %(charset)s.") % {"charset": codec.name}) from None


def reply_parse(body: bytes) -> Reply:
    """Check a REPLY strictly, then read it with icalendar. InvalidInput names the problem."""
    if len(body) > MAX_BYTES:
        raise TooLarge(_("An iTIP reply may not be larger than 1 MB."))
    lines = _content_lines(body)
    read = _check_structure(lines)
    # Only the lines a reply is read for go to the library: its parsing of the rest (an
    # Outlook HTML description, a hostile megabyte of CATEGORIES) would cost time for nothing.
    text = "\r\n".join(
        ["BEGIN:VCALENDAR", "METHOD:REPLY", "BEGIN:VEVENT", *read, "END:VEVENT", "END:VCALENDAR"]
    )
    try:
        cal = Calendar.from_ical(text + "\r\n")
    except Exception as exc:  # the library's own complaints, after ours
        message = _("The calendar could not be read: %(problem)s") % {"problem": exc}
        raise InvalidInput(message) from None
    events = [c for c in cal.walk("VEVENT")]
    event = events[0]
    uid = str(event.get("UID", "")).strip()
    if not uid:
        raise _bad(_("The event has no UID."))
    recurrence_id = None
    if event.get("RECURRENCE-ID") is not None:
        try:
            recurrence_id = event.decoded("RECURRENCE-ID")
        except (ValueError, TypeError, KeyError):
            raise _bad(_("RECURRENCE-ID is not a date or a time.")) from None
        if not isinstance(recurrence_id, datetime.date):
            raise _bad(_("RECURRENCE-ID is not a date or a time."))
        if not 1971 <= recurrence_id.year <= 9998:
            raise _bad(_("RECURRENCE-ID is out of range."))
    try:
        sequence = int(str(event.get("SEQUENCE", "0")).strip())
    except ValueError:
        raise _bad(_("SEQUENCE is not a number.")) from None
    if not 0 <= sequence < 2**31:
        raise _bad(_("SEQUENCE is out of range."))
    attendee = event.get("ATTENDEE")
    address = _address(str(attendee))
    if not address:
        raise _bad(_("ATTENDEE is not a mailto: address."))
    partstat = attendee.params.get("PARTSTAT", "")
    if not isinstance(partstat, str):
        raise _bad(_("PARTSTAT must have one value."))
    answer = partstat.upper()
    if answer not in ANSWERS:
        raise _bad(
            _("PARTSTAT must be ACCEPTED, DECLINED or TENTATIVE (it is %(value)s).")
            % {"value": answer or "—"}
        )
    sent_by = _address(str(attendee.params.get("SENT-BY", "")))
    return Reply(uid, sequence, address, sent_by, ANSWERS[answer], recurrence_id)


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message)


def _address(value: str) -> str:
    """The lower-case address of a mailto: URI or a From header; "" when there is none."""
    value = value.strip().strip('"')
    if value.lower().startswith("mailto:"):
        value = value[7:]
    else:
        # Exactly one address: a From naming several senders names none.
        found = email.utils.getaddresses([value])
        value = found[0][1] if len(found) == 1 else ""
    value = value.strip().lower()
    return value if re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+", value) else ""


def _content_lines(body: bytes) -> list[str]:
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    if b"\r" in body.replace(b"\r\n", b""):
        raise _bad(_("The calendar has a bare carriage return (lines end with CRLF)."))
    unfolded = FOLD.sub(b"", body)
    try:
        text = unfolded.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _bad(_("The calendar is not UTF-8 (byte %(at)s).") % {"at": exc.start}) from None
    lines = re.split(r"\r?\n", text)
    while lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise _bad(_("The calendar is empty."))
    if len(lines) > MAX_LINES:
        raise _bad(_("A reply may not have more than %(n)s lines.") % {"n": MAX_LINES})
    for number, line in enumerate(lines, start=1):
        if not CONTENT_LINE.match(line):
            # The line itself goes into `fields` only, so that logs of the message (the
            # mail inbox's) never carry the calendar's text.
            raise InvalidInput(
                _(
                    "Line %(number)s is not an iCalendar content line (broken folding or a "
                    "stray character)."
                )
                % {"number": number},
                fields={
                    "body": [_("Line %(number)s: %(line)s") % {"number": number, "line": line[:60]}]
                },
            )
    return lines


def _check_structure(lines: list[str]) -> list[str]:
    """Check the component structure; return the event's lines that a reply is read for."""
    stack: list[str] = []
    read: list[str] = []
    seen_calendar = False
    events = 0
    counts: dict[tuple[str, str], int] = {}
    method = ""
    for line in lines:
        name, params, value = CONTENT_LINE.match(line).groups()  # type: ignore[union-attr]
        name = name.upper()
        if name in ("BEGIN", "END"):
            component = value.strip().upper()
            if not re.fullmatch(r"[A-Z0-9-]+", component):
                raise _bad(_("A component has no valid name."))
        if name == "BEGIN":
            if not stack and seen_calendar:
                raise _bad(_("The file holds more than one calendar."))
            if len(stack) >= MAX_DEPTH:
                raise _bad(_("Components are nested too deeply."))
            parent = stack[-1] if stack else None
            if not component.startswith("X-") and component not in CHILDREN.get(parent, set()):
                raise _bad(
                    _("%(component)s is not allowed in a reply here.") % {"component": component}
                )
            stack.append(component)
            seen_calendar = True
            if component == "VEVENT":
                events += 1
            continue
        if name == "END":
            if not stack or stack[-1] != component:
                raise _bad(
                    _("END:%(component)s does not close the open component.")
                    % {"component": component}
                )
            stack.pop()
            continue
        if not stack:
            raise _bad(_("Properties outside BEGIN:VCALENDAR … END:VCALENDAR."))
        where = stack[-1]
        counts[(where, name)] = counts.get((where, name), 0) + 1
        if where == "VEVENT" and name in READ:
            if len(line) > MAX_READ_LINE:
                raise _bad(_("The event's %(name)s is too long.") % {"name": name})
            read.append(line)
        if where == "VEVENT" and name == "ATTENDEE":
            _check_attendee_parameters(params)
        if where == "VCALENDAR" and name == "METHOD":
            method = value.strip().upper()
    if stack:
        raise _bad(_("%(component)s is not closed.") % {"component": stack[-1]})
    if not seen_calendar:
        raise _bad(_("There is no VCALENDAR."))
    if counts.get(("VCALENDAR", "METHOD"), 0) != 1 or method != "REPLY":
        raise _bad(_("This is not an iTIP reply (METHOD:REPLY)."))
    if events != 1:
        raise _bad(_("A reply must hold exactly one VEVENT (it holds %(n)s).") % {"n": events})
    for name in ("UID", "ATTENDEE"):
        if counts.get(("VEVENT", name), 0) != 1:
            raise _bad(
                _("The event must have exactly one %(name)s (it has %(n)s).")
                % {"name": name, "n": counts.get(("VEVENT", name), 0)}
            )
    if counts.get(("VEVENT", "SEQUENCE"), 0) > 1:
        raise _bad(_("The event has more than one SEQUENCE."))
    return read


def _check_attendee_parameters(params: str) -> None:
    seen: set[str] = set()
    for number, found in enumerate(PARAMETER.finditer(params), start=1):
        if number > MAX_PARAMETERS:
            raise _bad(_("ATTENDEE has too many parameters."))
        name = found.group(1).upper()
        if name in seen:
            # icalendar would keep the last one; a client never writes one twice.
            raise _bad(_("ATTENDEE has the parameter %(name)s more than once.") % {"name": name})
        seen.add(name)
