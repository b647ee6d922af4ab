"""iCalendar (RFC 5545) for meetings, as iTIP (RFC 5546) REQUEST and CANCEL and as feeds.

Written with the icalendar library, which does CRLF line ends, 75-octet folding and TEXT
escaping. Text from users goes through `_text` (control characters out) and `_param`
(parameter values: no control characters, no double quotes), so nobody can add a line or a
property to an invitation.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Callable, Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event, vCalAddress, vRecur, vText, vUri

from coordination.organisation.models import Classification
from coordination.platform.mail import site_url as platform_site_url
from meetings.models import Meeting, Participant
from meetings.vtimezone import vtimezone

PRODID = "-//Rakor//Rakor coordination hub//ID"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
ROLES = {
    Participant.Role.CHAIR: "CHAIR",
    Participant.Role.NOTE_TAKER: "REQ-PARTICIPANT",
    Participant.Role.REQUIRED: "REQ-PARTICIPANT",
    Participant.Role.OPTIONAL: "OPT-PARTICIPANT",
}
PARTSTATS = {
    Participant.Rsvp.NEEDS_ACTION: "NEEDS-ACTION",
    Participant.Rsvp.ACCEPTED: "ACCEPTED",
    Participant.Rsvp.DECLINED: "DECLINED",
    Participant.Rsvp.TENTATIVE: "TENTATIVE",
}
CLASSES = {"biasa": "PUBLIC", "terbatas": "PRIVATE", "rahasia": "CONFIDENTIAL"}


def _text(value: str) -> str:
    """TEXT values: line breaks are kept (the library escapes them), other controls go."""
    return CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _param(value: str) -> str:
    """Parameter values (CN, LABEL) may hold no control characters and no DQUOTE."""
    return CONTROL.sub(" ", value).replace("\n", " ").replace("\r", " ").replace('"', "'")


def uid_domain() -> str:
    """The domain of every UID Rakor writes (the site's host name)."""
    from urllib.parse import urlsplit

    return urlsplit(settings.RAKOR_SITE_URL).hostname or "rakor.localhost"


site_url = platform_site_url


def join_url(meeting: Meeting) -> str:
    """Rakor's own join page: it checks the participant, then sends them to the video room."""
    return site_url(reverse("meetings:join", args=[meeting.pk]))


def meeting_url(meeting: Meeting) -> str:
    return site_url(meeting.get_absolute_url())


def organizer(meeting: Meeting) -> vCalAddress:
    address = vCalAddress(f"mailto:{settings.RAKOR_SCHEDULING_MAILBOX}")
    address.params["CN"] = vText(_param(meeting.organiser.display_name))
    return address


def attendee(participant: Participant, *, rsvp: bool = True) -> vCalAddress:
    address = vCalAddress(f"mailto:{participant.official.email}")
    address.params["CN"] = vText(_param(participant.official.display_name))
    address.params["CUTYPE"] = "INDIVIDUAL"
    address.params["ROLE"] = ROLES[participant.role]
    address.params["PARTSTAT"] = PARTSTATS[participant.rsvp]
    address.params["RSVP"] = "TRUE" if rsvp else "FALSE"
    return address


def is_secret(meeting: Meeting) -> bool:
    return meeting.classification == Classification.RAHASIA


def public_title(meeting: Meeting, *, in_active_language: bool = False) -> str:
    """The title as it may leave Rakor: a rahasia meeting's is replaced by a neutral one, in
    the meeting's language (for its invitations) or, `in_active_language`, the reader's."""
    if not is_secret(meeting):
        return meeting.title
    if in_active_language:
        return _("Rahasia meeting (details in Rakor)")
    with translation.override(meeting.language):
        return _("Rahasia meeting (details in Rakor)")


def description(meeting: Meeting) -> str:
    """The event's DESCRIPTION, in the meeting's language: the description and the agenda
    (not for a rahasia meeting), the join link, the meeting page."""
    with translation.override(meeting.language):
        text = "" if is_secret(meeting) else meeting.description.strip()
        parts = [text] if text else []
        items = [] if is_secret(meeting) else list(meeting.agenda_items.all())
        if items:
            lines = [_("Agenda:")]
            for number, item in enumerate(items, start=1):
                lines.append(
                    _("%(number)d. %(title)s (%(minutes)d min)")
                    % {"number": number, "title": item.title, "minutes": item.planned_minutes}
                )
            parts.append("\n".join(lines))
        if meeting.video != Meeting.Video.NONE:
            parts.append(_("Join the video meeting: %(url)s") % {"url": join_url(meeting)})
        parts.append(_("Meeting page: %(url)s") % {"url": meeting_url(meeting)})
    return "\n\n".join(parts)


def event(
    meeting: Meeting,
    participants: Iterable[Participant],
    *,
    stamp: datetime.datetime,
    alarm: bool = True,
    uninvite: bool = False,
) -> Event:
    """The VEVENT of a meeting. `uninvite` is the CANCEL sent to participants removed from a
    meeting that still takes place (RFC 5546 §3.2.5): no STATUS, no alarm, no RSVP asked.

    A rahasia meeting's words (title, description, place) never leave Rakor: mail and
    calendars outside the government hold a neutral title and the links to Rakor."""
    secret = is_secret(meeting)
    zone = zoneinfo.ZoneInfo(meeting.timezone)
    item = Event()
    item.add("uid", meeting.uid)
    item.add("dtstamp", stamp.astimezone(datetime.UTC))
    item.add("sequence", meeting.sequence)
    item.add("created", meeting.created_at.astimezone(datetime.UTC))
    item.add("last-modified", meeting.updated_at.astimezone(datetime.UTC))
    item.add("dtstart", meeting.start.astimezone(zone))
    item.add("dtend", meeting.end.astimezone(zone))
    _recurrence(item, meeting, zone)
    item.add("summary", _text(public_title(meeting)))
    item.add("description", _text(description(meeting)))
    location = "" if secret else meeting.location.strip()
    if not location and meeting.video != Meeting.Video.NONE:
        location = join_url(meeting)
    if location:
        item.add("location", _text(location))
    item.add("url", vUri(meeting_url(meeting)))
    if not uninvite:
        item.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    item.add("transp", "OPAQUE")
    item.add("class", CLASSES.get(meeting.classification, "PUBLIC"))
    item.add("organizer", organizer(meeting))
    for participant in participants:
        if participant.official.email:
            item.add("attendee", attendee(participant, rsvp=not uninvite))
    if meeting.video != Meeting.Video.NONE:
        conference = vUri(join_url(meeting))
        conference.params["VALUE"] = "URI"
        conference.params["FEATURE"] = ["AUDIO", "VIDEO"]
        with translation.override(meeting.language):
            conference.params["LABEL"] = _param(_("Rakor video meeting"))
        item.add("conference", conference)
    if alarm and not meeting.is_cancelled and not uninvite:
        reminder = Alarm()
        reminder.add("action", "DISPLAY")
        reminder.add("description", _text(public_title(meeting)))
        reminder.add("trigger", datetime.timedelta(minutes=-15))
        item.add_component(reminder)
    return item


def _recurrence(item: Event, meeting: Meeting, zone: zoneinfo.ZoneInfo) -> None:
    """A series' RRULE and EXDATE (its excluded dates and its cancelled occurrences); an
    occurrence's RECURRENCE-ID (its original start, in the meeting's zone as DTSTART is)."""
    if meeting.rrule:
        item.add("rrule", vRecur.from_ical(meeting.rrule))
        excluded = {datetime.datetime.fromisoformat(k) for k in meeting.exdates}
        # A feed prefetches them for all its series at once (meetings.feeds).
        cancelled = getattr(meeting, "cancelled_occurrences", None)
        if cancelled is None:
            cancelled = Meeting.objects.filter(series=meeting, status=Meeting.Status.CANCELLED)
        excluded |= {row.recurrence_id for row in cancelled}
        if excluded:
            item.add("exdate", [e.astimezone(zone) for e in sorted(excluded)])
    if meeting.occurrence_start is not None:
        item.add("recurrence-id", meeting.occurrence_start.astimezone(zone))


def busy_event(meeting: Meeting, *, stamp: datetime.datetime) -> Event:
    """A meeting as busy time only: its times and status, no words (a rahasia meeting in a
    feed that a subscription service outside the government will fetch)."""
    zone = zoneinfo.ZoneInfo(meeting.timezone)
    item = Event()
    item.add("uid", meeting.uid)
    item.add("dtstamp", stamp.astimezone(datetime.UTC))
    item.add("sequence", meeting.sequence)
    item.add("dtstart", meeting.start.astimezone(zone))
    item.add("dtend", meeting.end.astimezone(zone))
    _recurrence(item, meeting, zone)
    item.add("summary", public_title(meeting) if is_secret(meeting) else _("Busy"))
    item.add("url", vUri(meeting_url(meeting)))
    item.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    item.add("transp", "OPAQUE")
    item.add("class", "CONFIDENTIAL")
    return item


def calendar(
    meetings: Iterable[tuple[Meeting, Iterable[Participant]]],
    *,
    method: str | None,
    name: str = "",
    stamp: datetime.datetime | None = None,
    redact: Callable[[Meeting], bool] = lambda meeting: False,
) -> Calendar:
    """A VCALENDAR with one VEVENT per meeting and each zone's VTIMEZONE once. `method` is
    REQUEST or CANCEL for iTIP, None for a feed or a download. A feed passes its own `stamp`
    (so an unchanged feed is byte-identical) and `redact` for meetings it shows as busy time
    only."""
    meetings = list(meetings)
    # An occurrence cancelled while its series is in the same calendar is the series' EXDATE.
    series_here = {m.pk for m, _p in meetings if m.rrule}
    meetings = [(m, p) for m, p in meetings if not (m.series_id in series_here and m.is_cancelled)]
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", _text(name))
        cal.add("name", _text(name))
    stamp = stamp or timezone.now()
    spans: dict[str, tuple[datetime.datetime, datetime.datetime]] = {}
    for meeting, _participants in meetings:
        first, last = spans.get(meeting.timezone, (meeting.start, meeting.end))
        spans[meeting.timezone] = (min(first, meeting.start), max(last, meeting.end))
    for tzid, (first, last) in spans.items():
        cal.add_component(vtimezone(tzid, first, last))
    for meeting, participants in meetings:
        if redact(meeting):
            cal.add_component(busy_event(meeting, stamp=stamp))
        else:
            cal.add_component(
                event(
                    meeting,
                    participants,
                    stamp=stamp,
                    alarm=method != "CANCEL",
                    uninvite=method == "CANCEL" and not meeting.is_cancelled,
                )
            )
    return cal


def invitation(meeting: Meeting, participants: Iterable[Participant], *, method: str) -> bytes:
    """The iTIP object for one REQUEST or CANCEL of a meeting. A series' REQUEST carries its
    occurrences with rows of their own as overrides (same UID, their RECURRENCE-ID); an
    occurrence's REQUEST or CANCEL is that occurrence alone."""
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported iTIP method {method}")
    entries = [(meeting, participants)]
    if meeting.rrule and method == "REQUEST":
        rows = Meeting.objects.filter(series=meeting, status=Meeting.Status.SCHEDULED)
        rows = rows.select_related("organiser").prefetch_related(
            "agenda_items", "participants__official"
        )
        entries += [(row, list(row.participants.all())) for row in rows.order_by("recurrence_id")]
    return calendar(entries, method=method).to_ical()


def download(meeting: Meeting, participants: list[Participant], *, viewer) -> tuple[bytes, str]:
    """The meeting as a .ics download for `viewer`, and its media type. An attendee gets the
    invitation itself (REQUEST, or CANCEL once cancelled: their calendar offers to answer or
    remove it); anyone else who may see the meeting gets it without METHOD, as an event to
    keep."""
    attendee = any(p.official_id == viewer.pk for p in participants)
    if not attendee:
        body = calendar([(meeting, participants)], method=None).to_ical()
        return body, "text/calendar; charset=utf-8"
    method = "CANCEL" if meeting.is_cancelled else "REQUEST"
    return invitation(meeting, participants, method=method), (
        f"text/calendar; charset=utf-8; method={method}"
    )
