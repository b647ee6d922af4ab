"""Meeting reminders: before each meeting, and each occurrence of a series, every participant
who has not declined is reminded in the app (`notify`) and by mail (the outbox), at the lead
times set on their profile (`Official.reminder_minutes`, by default a day and half an hour).

Each reminder goes out once, whichever worker sends it and however often the job runs: a
`Reminder` row with a unique key is written in the transaction of its notification and mail,
and a second writer's insert fails. When several lead times are due at once (a meeting
scheduled two hours ahead is already inside its one-day lead; a worker was stopped for a
while) only the nearest is sent: an official is not reminded twice in the same minute, nor
told "tomorrow" of a meeting that starts in half an hour. Nothing is sent once a meeting has
started, for a cancelled meeting or occurrence, or to an official who declined it.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coordination.organisation.models import Official
from coordination.organisation.notifications import notify
from coordination.organisation.timefmt import format_in_zone
from coordination.platform.mail import RakorEmail, templated_mail
from meetings import ical, recurrence
from meetings.models import Meeting, Participant, Reminder

logger = logging.getLogger("rakor.meetings")

KIND = "meeting_reminder"


def _horizon() -> datetime.timedelta:
    """How far ahead any active official wants to be reminded."""
    longest = 0
    for leads in (
        Official.objects.filter(is_active=True)
        .values_list("reminder_minutes", flat=True)
        .distinct()
    ):
        longest = max([longest, *(m for m in leads or () if isinstance(m, int))])
    return datetime.timedelta(minutes=longest)


def upcoming(now: datetime.datetime, until: datetime.datetime) -> list[Meeting]:
    """Meetings and occurrences (rows of their own or expanded) starting in (now, until],
    not cancelled."""
    scheduled = Meeting.objects.exclude(status=Meeting.Status.CANCELLED).select_related(
        "organiser", "agency"
    )
    single = list(scheduled.filter(rrule="", start__gt=now, start__lte=until))
    series = list(scheduled.exclude(rrule="").filter(recurrence.overlapping(now), start__lte=until))
    expanded = recurrence.expand(series, now, until + datetime.timedelta(seconds=1))
    occurrences = [m for m in expanded if now < m.start <= until]
    return sorted([*single, *occurrences], key=lambda m: (m.start, m.pk))


def _key(meeting: Meeting) -> tuple[int, datetime.datetime]:
    """The reminder key of a meeting or occurrence: (series or meeting, original start)."""
    if meeting.virtual_recurrence_id is not None:
        return meeting.pk, meeting.virtual_recurrence_id
    if meeting.series_id is not None:
        return meeting.series_id, meeting.recurrence_id
    return meeting.pk, meeting.start


def nearest_due(leads: list[int], starts: datetime.datetime, now: datetime.datetime) -> int | None:
    """Of an official's lead times, the one to send now: the shortest whose time has come."""
    due = [m for m in leads if starts - datetime.timedelta(minutes=m) <= now < starts]
    return min(due) if due else None


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Send every reminder that is due; returns how many were sent."""
    now = now or timezone.now()
    horizon = _horizon()
    if not horizon:
        return 0
    meetings = upcoming(now, now + horizon)
    if not meetings:
        return 0
    participants: dict[int, list[Participant]] = defaultdict(list)
    for participant in (
        Participant.objects.filter(
            meeting_id__in={m.pk for m in meetings}, official__is_active=True
        )
        .exclude(rsvp=Participant.Rsvp.DECLINED)
        .select_related("official", "official__agency")
    ):
        participants[participant.meeting_id].append(participant)
    keys = {_key(m) for m in meetings}
    sent = set(
        Reminder.objects.filter(
            meeting_id__in={pk for pk, _start in keys},
            occurrence__in={start for _pk, start in keys},
        ).values_list("meeting_id", "occurrence", "starts_at", "official_id", "minutes_before")
    )
    count = 0
    for meeting in meetings:
        series_pk, original = _key(meeting)
        for participant in participants[meeting.pk]:
            official = participant.official
            lead = nearest_due(official.reminder_minutes or [], meeting.start, now)
            if lead is None:
                continue
            if (series_pk, original, meeting.start, official.pk, lead) in sent:
                continue
            if _send(meeting, participant, series_pk, original, lead, now):
                count += 1
    if count:
        logger.info("sent %d meeting reminders", count)
    return count


def _send(
    meeting: Meeting,
    participant: Participant,
    series_pk: int,
    original: datetime.datetime,
    lead: int,
    now: datetime.datetime,
) -> bool:
    """One reminder: its row, the notification and the mail, together or not at all."""
    official = participant.official
    try:
        with transaction.atomic():
            Reminder.objects.create(
                official=official,
                meeting_id=series_pk,
                occurrence=original,
                starts_at=meeting.start,
                minutes_before=lead,
                sent_at=now,
            )
            with translation.override(official.language or settings.LANGUAGE_CODE):
                # In the app the official, a participant, reads the title; mail gets the
                # title that may leave Rakor.
                mail_text = _text(
                    meeting, ical.public_title(meeting, in_active_language=True), official, now
                )
                notify(
                    official,
                    KIND,
                    _text(meeting, meeting.title, official, now),
                    meeting.get_absolute_url(),
                    mail_text=mail_text,
                    mail=lambda: _mail(meeting, participant, mail_text),
                    mail_topic=f"meeting:{series_pk}",
                    sensitive=ical.is_secret(meeting),
                    mail_until=meeting.start,  # held by quiet hours past it: not sent
                )
    except IntegrityError:
        return False  # another worker sent it
    return True


def _in_words(left: datetime.timedelta) -> str:
    minutes = max(1, round(left.total_seconds() / 60))
    if minutes < 60:
        return _("in %(n)d min") % {"n": minutes}
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        if rest >= 30:
            hours += 1
        return _("in %(n)d h") % {"n": hours}
    return _("in %(n)d days") % {"n": round(minutes / (24 * 60))}


def _text(meeting: Meeting, title: str, official: Official, now: datetime.datetime) -> str:
    when = format_in_zone(meeting.start, official.zone_name, beside=meeting.timezone)
    return _("%(title)s starts %(left)s: %(when)s") % {
        "title": title[:200],
        "left": _in_words(meeting.start - now),
        "when": when,
    }


def _mail(meeting: Meeting, participant: Participant, text: str) -> RakorEmail:
    official = participant.official
    zone = official.zone_name
    context = {
        "official": official,
        "meeting": meeting,
        "title": ical.public_title(meeting, in_active_language=True),
        "details": not ical.is_secret(meeting),
        "message": text,
        "when": format_in_zone(meeting.start, zone, beside=meeting.timezone),
        "until": format_in_zone(meeting.end, zone, kind="time", beside=meeting.timezone),
        "role": participant.get_role_display(),
        "answered": participant.rsvp != Participant.Rsvp.NEEDS_ACTION,
        "meeting_url": ical.meeting_url(meeting),
        "join_url": ical.join_url(meeting) if meeting.video != Meeting.Video.NONE else "",
        "profile_url": ical.site_url(reverse("profile")),
    }
    subject = _("Reminder: %(title)s") % {
        "title": ical.public_title(meeting, in_active_language=True)
    }
    return templated_mail(subject, "meetings/email/reminder", context, official.email)
