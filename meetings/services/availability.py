"""The scheduling assistant: when can these officials and agencies meet?

Reads only (nothing is written): the rules of who may ask and what a request may be live
here; the computation is meetings.availability's, busy time meetings.selectors.availability's
and non-working days coordination.organisation.workdays'.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.models import Agency, Official
from coordination.organisation.workdays import DaysOff
from coordination.platform.errors import Forbidden, InvalidInput, NotFound
from meetings import availability
from meetings.selectors.availability import busy_intervals
from meetings.services.scheduling import MAX_PARTICIPANTS

MIN_MINUTES = 15
# A working day is never longer: no proposal could last more.
DAY_MINUTES = 24 * 60
MAX_DAYS = 62
MAX_AGENCIES = 200
# How far ahead a search may start.
MAX_AHEAD_DAYS = 366
MAX_PROPOSALS = 50


@dataclass(frozen=True)
class Wanted:
    """Someone the meeting needs: an official (by username) or an agency (by code)."""

    key: str
    required: bool = True


def _unique(items: Sequence[Wanted], field: str) -> list[Wanted]:
    seen: dict[str, Wanted] = {}
    for item in items:
        if item.key in seen:
            raise InvalidInput(
                _("%(name)s is listed twice.") % {"name": item.key}, fields={field: [item.key]}
            )
        seen[item.key] = item
    return list(seen.values())


def max_minutes() -> int:
    return min(DAY_MINUTES, settings.RAKOR_MEETING_MAX_HOURS * 60)


def _check_request(
    by: Official,
    participants: list[Wanted],
    agencies: list[Wanted],
    duration_minutes: int,
    start_date: datetime.date,
    end_date: datetime.date,
) -> None:
    if not participants and not agencies:
        raise InvalidInput(
            _("Name at least one participant or agency."),
            fields={"participants": [_("Nobody named.")]},
        )
    if len(participants) > MAX_PARTICIPANTS:
        raise InvalidInput(_("Too many participants."), fields={"participants": [_("Too many.")]})
    if len(agencies) > MAX_AGENCIES:
        raise InvalidInput(_("Too many agencies."), fields={"agencies": [_("Too many.")]})
    longest = max_minutes()
    if not MIN_MINUTES <= duration_minutes <= longest:
        raise InvalidInput(
            _("A meeting lasts %(min)d to %(max)d minutes.") % {"min": MIN_MINUTES, "max": longest},
            fields={"duration_minutes": [_("Out of range.")]},
        )
    if end_date < start_date:
        raise InvalidInput(
            _("The search ends before it starts."), fields={"end_date": [_("Before the start.")]}
        )
    if (end_date - start_date).days + 1 > MAX_DAYS:
        raise InvalidInput(
            _("Search at most %(days)d days at a time.") % {"days": MAX_DAYS},
            fields={"end_date": [_("Too far from the start.")]},
        )
    today = timezone.now().astimezone(by.zone).date()
    # A day of slack: the requester's idea of today may be a zone behind.
    if start_date < today - datetime.timedelta(days=1):
        raise InvalidInput(
            _("The search cannot start in the past."), fields={"start_date": [_("In the past.")]}
        )
    if start_date > today + datetime.timedelta(days=MAX_AHEAD_DAYS):
        raise InvalidInput(
            _("The search starts at most a year ahead."),
            fields={"start_date": [_("Too far ahead.")]},
        )


def _friday_prayer() -> tuple[datetime.time, datetime.time] | None:
    return availability.parse_window(settings.RAKOR_FRIDAY_PRAYER)


def availability_propose(
    *,
    by: Official,
    participants: Sequence[Wanted] = (),
    agencies: Sequence[Wanted] = (),
    duration_minutes: int,
    start_date: datetime.date,
    end_date: datetime.date,
    limit: int = 20,
) -> availability.Result:
    """Times for a meeting of `duration_minutes` between `start_date` and `end_date` (dates
    in `by`'s zone, both included) that suit the participants and agencies named, earliest
    first (meetings.availability.propose). Only those who may schedule meetings ask; unknown
    usernames and agency codes are NotFound, naming them. Tells busy, never what the other
    meeting is. A constant number of queries, whatever the number of officials."""
    if not permissions.may_schedule_meeting(by):
        permissions.permission_denied(official=by, action="find a time for a meeting")
        raise Forbidden(_("Only coordinators schedule meetings."))
    participants = _unique(participants, "participants")
    agencies = _unique(agencies, "agencies")
    _check_request(by, participants, agencies, duration_minutes, start_date, end_date)
    limit = max(1, min(limit, MAX_PROPOSALS))

    officials = {
        o.username: o
        for o in Official.objects.filter(
            username__in=[p.key for p in participants], is_active=True
        ).select_related("agency")
    }
    found_agencies = {a.code: a for a in Agency.objects.filter(code__in=[a.key for a in agencies])}
    missing_people = sorted({p.key for p in participants} - set(officials))
    missing_agencies = sorted({a.key for a in agencies} - set(found_agencies))
    if missing_people or missing_agencies:
        fields = {}
        if missing_people:
            fields["participants"] = missing_people
        if missing_agencies:
            fields["agencies"] = missing_agencies
        raise NotFound(
            _("Unknown: %(names)s") % {"names": ", ".join(missing_people + missing_agencies)},
            fields=fields,
        )
    members: dict[int, list[Official]] = {found_agencies[a.key].pk: [] for a in agencies}
    if members:
        for official in Official.objects.filter(
            agency_id__in=list(members), is_active=True
        ).select_related("agency"):
            members[official.agency_id].append(official)

    zone = by.zone
    range_start = datetime.datetime.combine(start_date, datetime.time(0), tzinfo=zone)
    range_end = datetime.datetime.combine(
        end_date + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone
    )
    everyone = {o.pk: o for o in officials.values()}
    for people in members.values():
        everyone.update((o.pk, o) for o in people)
    # Each official's own dates may be a day off the requester's (another zone).
    days_off = DaysOff(
        start_date - datetime.timedelta(days=1), end_date + datetime.timedelta(days=1)
    )
    busy = busy_intervals(everyone, range_start, range_end)
    people = {
        pk: availability.Person(
            id=pk,
            username=o.username,
            name=o.display_name,
            zone=o.zone_name,
            work_start=o.work_start,
            work_end=o.work_end,
            work_days=frozenset(o.work_days or ()),
            days_off=days_off.dates_for(o),
            busy=busy[pk],
        )
        for pk, o in everyone.items()
    }
    seats = [
        availability.Seat(
            "official",
            p.key,
            officials[p.key].display_name,
            p.required,
            [people[officials[p.key].pk]],
        )
        for p in participants
    ]
    for wanted in agencies:
        agency = found_agencies[wanted.key]
        seats.append(
            availability.Seat(
                "agency",
                agency.code,
                agency.name,
                wanted.required,
                [people[o.pk] for o in members[agency.pk]],
            )
        )
    return availability.propose(
        seats,
        duration=datetime.timedelta(minutes=duration_minutes),
        start=max(range_start, timezone.now()),
        end=range_end,
        friday_prayer=_friday_prayer(),
        limit=limit,
    )
