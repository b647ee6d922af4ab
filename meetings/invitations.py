"""Invitation mail (iMIP, RFC 6047): one e-mail per participant, in their language, holding
the iTIP object twice: as the text/calendar alternative (method equal to the calendar's
METHOD) and as an invite.ics attachment. Queued in the outbox in the caller's transaction.

Each mail carries the participant's own one-click answer links: signed, bound to the
participant and the meeting, expiring after the meeting; they open a page whose button
confirms with a POST (mail scanners follow GET links).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coordination.organisation.notifications import Notice, notify_all
from coordination.organisation.timefmt import format_in_zone
from coordination.platform.mail import RakorEmail, mail_queue, templated_mail
from meetings import ical
from meetings.models import Meeting, Participant

RSVP_SALT = "rakor.meetings.rsvp"


def rsvp_token(participant: Participant, meeting: Meeting) -> str:
    # A series' links work until its last occurrence is over (for one without end, as long
    # as a series may run).
    last = meeting.end
    if meeting.rrule:
        last = meeting.span_end or meeting.start + datetime.timedelta(
            days=366 * settings.RAKOR_RECURRENCE_MAX_YEARS
        )
    expires = last + datetime.timedelta(days=settings.RAKOR_RSVP_LINK_DAYS)
    return signing.dumps(
        {
            "m": meeting.pk,
            "p": participant.pk,
            "o": participant.official_id,
            "e": int(expires.timestamp()),
        },
        salt=RSVP_SALT,
        compress=True,
    )


class BadLink(Exception):
    """The answer link is forged, damaged or expired."""


def rsvp_token_read(token: str) -> dict[str, int]:
    try:
        data = signing.loads(token, salt=RSVP_SALT)
    except signing.BadSignature as exc:
        raise BadLink("forged or damaged") from exc
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in "mpoe"):
        raise BadLink("damaged")
    if timezone.now().timestamp() > data["e"]:
        raise BadLink("expired")
    return data


SUBJECTS = {
    "invitation": lambda: _("Invitation: %(title)s"),
    "update": lambda: _("Updated: %(title)s"),
    "cancellation": lambda: _("Cancelled: %(title)s"),
    "removal": lambda: _("Cancelled: %(title)s"),
}


def invitation_queue(
    meeting: Meeting,
    attendees: list[Participant],
    *,
    recipients: Iterable[Participant],
    method: str,
    kind: str,
    by_id: int | None = None,
    about: str = "",
) -> int:
    """Queue the REQUEST or CANCEL of `meeting` (listing `attendees`) to each recipient with
    an e-mail address, and tell each recipient in Rakor too (but `by_id`, who made the change;
    by default the organiser); returns how many mails were queued. The mail is the calendar
    invitation itself, so the notification adds no mail of its own. `about` "agenda": an
    update for agenda changes only."""
    calendar = ical.invitation(meeting, attendees, method=method).decode("utf-8")
    queued = 0
    actor = meeting.organiser_id if by_id is None else by_id
    notices = []
    for participant in recipients:
        official = participant.official
        if not official.is_active:
            continue
        with translation.override(official.language or meeting.language):
            if official.pk != actor:
                kind_of, text = _notice(meeting, official, kind, about)
                link = "" if kind == "removal" else meeting.get_absolute_url()
                notices.append(Notice(official, kind_of, text, link))
            if not official.email:
                continue
            message = _message(meeting, participant, calendar, method=method, kind=kind)
        mail_queue(message, official_id=official.pk, kind=kind, topic=f"meeting:{meeting.pk}")
        queued += 1
    notify_all(notices)
    return queued


def _notice(meeting: Meeting, official, kind: str, about: str = "") -> tuple[str, str]:
    """The notification of an invitation, update, cancellation or removal, in the active
    language. One no longer invited reads only the title that may leave Rakor."""
    when = format_in_zone(meeting.start, official.zone_name, beside=meeting.timezone)
    title = meeting.title[:200]
    if kind == "invitation":
        return "meeting_invited", _("%(name)s invites you to %(title)s, %(when)s") % {
            "name": meeting.organiser.display_name,
            "title": title,
            "when": when,
        }
    if kind == "update" and about == "agenda":
        return "meeting_changed", _("The agenda of %(title)s, %(when)s, has changed") % {
            "title": title,
            "when": when,
        }
    if kind == "update":
        return "meeting_changed", _("%(title)s has changed: now %(when)s") % {
            "title": title,
            "when": when,
        }
    if kind == "cancellation":
        return "meeting_cancelled", _("%(title)s, %(when)s, is cancelled") % {
            "title": title,
            "when": when,
        }
    return "meeting_cancelled", _("You are no longer invited to %(title)s, %(when)s") % {
        "title": ical.public_title(meeting, in_active_language=True)[:200],
        "when": when,
    }


def _message(
    meeting: Meeting, participant: Participant, calendar: str, *, method: str, kind: str
) -> RakorEmail:
    official = participant.official
    zone = official.zone_name
    token = rsvp_token(participant, meeting) if method == "REQUEST" else ""
    context = {
        "official": official,
        "meeting": meeting,
        "title": ical.public_title(meeting),
        "details": not ical.is_secret(meeting),
        "kind": kind,
        "when": format_in_zone(meeting.start, zone, beside=meeting.timezone),
        "until": format_in_zone(meeting.end, zone, kind="time", beside=meeting.timezone),
        "role": participant.get_role_display(),
        "meeting_url": ical.meeting_url(meeting),
        "join_url": ical.join_url(meeting) if meeting.video != Meeting.Video.NONE else "",
        "answers": [
            (label, ical.site_url(f"{reverse('meetings:answer', args=[token])}?response={value}"))
            for value, label in (
                ("accepted", _("Accept")),
                ("tentative", _("Maybe")),
                ("declined", _("Decline")),
            )
        ]
        if token
        else [],
    }
    subject = SUBJECTS[kind]() % {"title": ical.public_title(meeting)}
    message = templated_mail(
        subject,
        "meetings/email/invitation",
        context,
        official.email,
        # A person's reply reaches the organiser; calendar clients answer ORGANIZER (the
        # scheduling mailbox) whatever Reply-To says.
        reply_to=[meeting.organiser.email or settings.RAKOR_SCHEDULING_MAILBOX],
    )
    message.attach_alternative(calendar, f"text/calendar; method={method}")
    message.attach("invite.ics", calendar.encode("utf-8"), "application/ics")
    return message
