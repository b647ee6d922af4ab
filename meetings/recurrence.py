"""Recurring meetings: the RRULE subset Rakor accepts and the expansion of a series into its
occurrences.

The subset (RFC 5545 §3.3.10): FREQ=DAILY; FREQ=WEEKLY with BYDAY of chosen days;
FREQ=MONTHLY by date (BYMONTHDAY) or by the nth weekday (BYDAY=2TU, -1FR); INTERVAL; COUNT or
UNTIL (or neither: a series without end); plus EXDATE. Rules are computed in the meeting's own
zone, so 09:00 WIB stays 09:00 WIB. The expansion is recurring-ical-events' (over the VEVENT
the series would be in an invitation); occurrences with rows of their own (moved, cancelled,
answered alone...) take the place of the computed ones with their RECURRENCE-ID.
"""

from __future__ import annotations

import copy
import datetime
import zoneinfo
from collections.abc import Iterable

import recurring_ical_events
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from icalendar import Calendar, Event, vRecur

from coordination.platform.errors import InvalidInput
from meetings.models import Meeting, occurrence_key

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
PARTS = ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "COUNT", "UNTIL", "WKST")
MAX_INTERVAL = 99
# Without an end, a series is expanded this far ahead of a range's start at most.
OPEN_HORIZON = datetime.timedelta(days=366)


def _bad(message: str) -> InvalidInput:
    return InvalidInput(message, fields={"rrule": [message]})


def _max_count() -> int:
    return settings.RAKOR_RECURRENCE_MAX_COUNT


def _max_span() -> datetime.timedelta:
    return datetime.timedelta(days=366 * settings.RAKOR_RECURRENCE_MAX_YEARS)


def rule_clean(value: str, *, start: datetime.datetime, zone_name: str) -> str:
    """The rule in its canonical form (FREQ first, UNTIL in UTC), or InvalidInput saying what
    is outside the subset. `start` is the first occurrence's start, `zone_name` the meeting's
    zone (an UNTIL given as a date or a local time is read in it)."""
    text = value.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text:
        return ""
    if len(text) > 300 or "\n" in text or "\r" in text:
        raise _bad(_("The repeat rule is too long."))
    try:
        parts = vRecur.from_ical(text)
    except (ValueError, TypeError, KeyError):
        raise _bad(_("The repeat rule is not an iCalendar RRULE.")) from None
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise _bad(
            _("Rakor repeats by FREQ, INTERVAL, BYDAY, BYMONTHDAY, COUNT and UNTIL; not by %(p)s.")
            % {"p": ", ".join(unknown)}
        )
    freq = _single(parts, "FREQ")
    if freq not in FREQUENCIES:
        raise _bad(_("A meeting repeats daily, weekly or monthly."))
    interval = _single(parts, "INTERVAL", 1)
    if not isinstance(interval, int) or not 1 <= interval <= MAX_INTERVAL:
        raise _bad(_("INTERVAL is a whole number from 1 to %(n)d.") % {"n": MAX_INTERVAL})
    days = [str(d).upper() for d in parts.get("BYDAY", [])]
    month_days = list(parts.get("BYMONTHDAY", []))
    zone = zoneinfo.ZoneInfo(zone_name)
    local_start = start.astimezone(zone)
    canonical = [f"FREQ={freq}"]
    if interval != 1:
        canonical.append(f"INTERVAL={interval}")
    if freq == "DAILY" and (days or month_days):
        raise _bad(_("A daily rule takes no BYDAY or BYMONTHDAY."))
    if freq == "WEEKLY":
        if month_days:
            raise _bad(_("A weekly rule takes BYDAY, not BYMONTHDAY."))
        if any(d not in DAYS for d in days):
            raise _bad(_("A weekly rule's BYDAY lists days: MO, TU, WE, TH, FR, SA, SU."))
        if days:
            ordered = [d for d in DAYS if d in days]
            if len(ordered) != len(days):
                raise _bad(_("A day is listed twice in BYDAY."))
            if DAYS[local_start.weekday()] not in ordered:
                raise _bad(_("The first meeting must fall on one of the chosen days."))
            canonical.append("BYDAY=" + ",".join(ordered))
    if freq == "MONTHLY":
        if days and month_days:
            raise _bad(_("A monthly rule repeats by date (BYMONTHDAY) or by weekday (BYDAY)."))
        if days:
            if len(days) != 1 or days[0][-2:] not in DAYS or days[0][:-2] in ("", "+", "-"):
                raise _bad(_("A monthly rule by weekday names one, with its place: 2TU, -1FR."))
            try:
                nth = int(days[0][:-2])
            except ValueError:
                raise _bad(
                    _("A monthly rule by weekday names one, with its place: 2TU, -1FR.")
                ) from None
            if nth not in (1, 2, 3, 4, 5, -1):
                raise _bad(_("The weekday's place is 1 to 5, or -1 for the last."))
            canonical.append(f"BYDAY={nth}{days[0][-2:]}")
        elif month_days:
            if len(month_days) != 1 or month_days[0] not in [*range(1, 32), -1]:
                raise _bad(_("A monthly rule by date names one day: 1 to 31, or -1 for the last."))
            canonical.append(f"BYMONTHDAY={month_days[0]}")
        else:
            canonical.append(f"BYMONTHDAY={local_start.day}")
    count = _single(parts, "COUNT")
    until = _single(parts, "UNTIL")
    if count is not None and until is not None:
        raise _bad(_("A rule ends by COUNT or by UNTIL, not both."))
    if count is not None:
        if not isinstance(count, int) or not 1 <= count <= _max_count():
            raise _bad(_("COUNT is a whole number from 1 to %(n)d.") % {"n": _max_count()})
        canonical.append(f"COUNT={count}")
    if until is not None:
        if isinstance(until, datetime.datetime):
            until = until if until.tzinfo else until.replace(tzinfo=zone)
        elif isinstance(until, datetime.date):
            until = datetime.datetime.combine(until, datetime.time(23, 59, 59), tzinfo=zone)
        else:
            raise _bad(_("UNTIL is a date or a time."))
        until = until.astimezone(datetime.UTC)
        if until < start:
            raise _bad(_("The rule ends (UNTIL) before the first meeting."))
        if until - start > _max_span():
            raise _bad(
                _("A series runs %(n)d years at most.") % {"n": settings.RAKOR_RECURRENCE_MAX_YEARS}
            )
        canonical.append("UNTIL=" + until.strftime("%Y%m%dT%H%M%SZ"))
    wkst = _single(parts, "WKST")
    if wkst is not None and str(wkst).upper() not in DAYS:
        raise _bad(_("WKST is a day: MO to SU."))
    if wkst is not None and str(wkst).upper() != "MO":
        canonical.append(f"WKST={str(wkst).upper()}")
    rule = ";".join(canonical)
    if not _starts(rule, start, zone_name, [], start, start + datetime.timedelta(seconds=1)):
        raise _bad(_("The first meeting is not one of the rule's days."))
    return rule


def _single(parts: vRecur, name: str, default=None):
    values = parts.get(name)
    if not values:
        return default
    if len(values) != 1:
        raise _bad(_("%(p)s is given more than once.") % {"p": name})
    value = values[0]
    return value.upper() if isinstance(value, str) else value


def exdates_clean(values: Iterable[datetime.datetime]) -> list[str]:
    """EXDATE instants as stored: UTC ISO keys, each once, in order."""
    keys = set()
    for value in values:
        if value.tzinfo is None:
            raise InvalidInput(
                _("An excluded date is an instant with its UTC offset."),
                fields={"exdates": [_("Not an instant.")]},
            )
        keys.add(occurrence_key(value))
    return sorted(keys)


def zone(meeting: Meeting) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(meeting.timezone)


def key_parse(key: str) -> datetime.datetime | None:
    """An occurrence key (2026-12-07T02:00:00Z, or another ISO 8601 instant) as a UTC instant,
    or None when it is not one."""
    try:
        value = datetime.datetime.fromisoformat(key.replace("z", "Z"))
    except ValueError:
        return None
    if value.tzinfo is None or value.year < 1971 or value.year > 9998:
        return None
    return value.astimezone(datetime.UTC)


def _vevent(
    rule: str, start: datetime.datetime, end: datetime.datetime, zone_name: str, exdates: list[str]
) -> Calendar:
    zone = zoneinfo.ZoneInfo(zone_name)
    calendar = Calendar()
    event = Event()
    event.add("uid", "expansion")
    event.add("dtstart", start.astimezone(zone))
    event.add("dtend", end.astimezone(zone))
    event.add("rrule", vRecur.from_ical(rule))
    for key in exdates:
        event.add("exdate", datetime.datetime.fromisoformat(key).astimezone(zone))
    calendar.add_component(event)
    return calendar


def _starts(
    rule: str,
    start: datetime.datetime,
    zone_name: str,
    exdates: list[str],
    since: datetime.datetime,
    until: datetime.datetime,
    *,
    duration: datetime.timedelta = datetime.timedelta(seconds=1),
) -> list[datetime.datetime]:
    """The original starts (UTC) of the rule's occurrences overlapping [since, until)."""
    calendar = _vevent(rule, start, start + duration, zone_name, exdates)
    zone = zoneinfo.ZoneInfo(zone_name)
    found = recurring_ical_events.of(calendar).between(
        (since - duration).astimezone(zone), until.astimezone(zone)
    )
    starts = set()
    for event in found:
        begins = event["DTSTART"].dt.astimezone(datetime.UTC)
        if begins < until and begins + duration > since:
            starts.add(begins)
    return sorted(starts)


def occurrence_starts(
    series: Meeting, since: datetime.datetime | None, until: datetime.datetime | None
) -> list[datetime.datetime]:
    """The original starts (UTC) of the series' occurrences overlapping [since, until), EXDATE
    removed; a series without end is expanded OPEN_HORIZON past `since` at most."""
    since = max(since or series.start, series.start)
    until = until or since + OPEN_HORIZON
    if series.span_end is not None:
        until = min(until, series.span_end)
    else:
        until = min(until, since + OPEN_HORIZON)
    if until <= since:
        return []
    return _starts(
        series.rrule,
        series.start,
        series.timezone,
        series.exdates,
        since,
        until,
        duration=series.end - series.start,
    )


def is_occurrence(series: Meeting, instant: datetime.datetime) -> bool:
    """Whether `instant` is the original start of one of the series' occurrences."""
    return instant in occurrence_starts(series, instant, instant + datetime.timedelta(seconds=1))


def span_end(
    rule: str, start: datetime.datetime, end: datetime.datetime, zone_name: str
) -> datetime.datetime | None:
    """When the series' last occurrence ends (EXDATE aside), or None for a series without end."""
    if not rule:
        return end
    if "COUNT=" not in rule and "UNTIL=" not in rule:
        return None
    calendar = _vevent(rule, start, end, zone_name, [])
    last = None
    for last in recurring_ical_events.of(calendar).all():  # noqa: B007 (the last is wanted)
        pass
    if last is None:
        return end
    return last["DTEND"].dt.astimezone(datetime.UTC)


def overlapping(since: datetime.datetime) -> Q:
    """Meetings that end after `since`: single meetings and occurrence rows by their end, a
    series by its last occurrence's (a series without end always)."""
    series = ~Q(rrule="")
    return (~series & Q(end__gt=since)) | (
        series & (Q(span_end__gt=since) | Q(span_end__isnull=True))
    )


def virtual(series: Meeting, original_start: datetime.datetime) -> Meeting:
    """An unsaved copy of the series standing for its occurrence at `original_start` (which
    has no row of its own): the series' values at that time, its pk (so it reads the series'
    participants, agencies and agenda). Never saved."""
    occurrence = copy.copy(series)
    occurrence.start = original_start
    occurrence.end = original_start + (series.end - series.start)
    occurrence.span_end = occurrence.end
    occurrence.virtual_recurrence_id = original_start
    return occurrence


def expand(
    meetings: list[Meeting], since: datetime.datetime | None, until: datetime.datetime | None
) -> list[Meeting]:
    """Meetings as calendars list them: single meetings and occurrence rows as they are, each
    series as its occurrences in [since, until) that have no row of their own, in order of
    start. One query (the series' occurrence rows) when there is a series."""
    series = [m for m in meetings if m.rrule]
    listed = [m for m in meetings if not m.rrule]
    if series:
        taken = set(
            Meeting.objects.filter(series__in=series).values_list("series_id", "recurrence_id")
        )
        for one in series:
            for original in occurrence_starts(one, since, until):
                if (one.pk, original) not in taken:
                    listed.append(virtual(one, original))
    listed.sort(key=lambda m: (m.start, m.pk))
    return listed


WEEKDAY_NAMES = {
    "MO": gettext_lazy("Monday"),
    "TU": gettext_lazy("Tuesday"),
    "WE": gettext_lazy("Wednesday"),
    "TH": gettext_lazy("Thursday"),
    "FR": gettext_lazy("Friday"),
    "SA": gettext_lazy("Saturday"),
    "SU": gettext_lazy("Sunday"),
}


def describe(rule: str) -> str:
    """The rule in words, in the active language ("Every week on Monday, 10 times")."""
    if not rule:
        return ""
    parts = dict(p.split("=", 1) for p in rule.split(";"))
    interval = int(parts.get("INTERVAL", "1"))
    freq = parts["FREQ"]
    if freq == "DAILY":
        text = _("Every day") if interval == 1 else _("Every %(n)d days") % {"n": interval}
    elif freq == "WEEKLY":
        text = _("Every week") if interval == 1 else _("Every %(n)d weeks") % {"n": interval}
        if "BYDAY" in parts:
            names = [str(WEEKDAY_NAMES[d]) for d in parts["BYDAY"].split(",")]
            text += " " + _("on %(days)s") % {"days": ", ".join(names)}
    else:
        text = _("Every month") if interval == 1 else _("Every %(n)d months") % {"n": interval}
        if "BYMONTHDAY" in parts:
            day = int(parts["BYMONTHDAY"])
            text += " " + (_("on the last day") if day == -1 else _("on day %(d)d") % {"d": day})
        elif "BYDAY" in parts:
            nth, day = int(parts["BYDAY"][:-2]), parts["BYDAY"][-2:]
            place = {
                1: _("first"),
                2: _("second"),
                3: _("third"),
                4: _("fourth"),
                5: _("fifth"),
                -1: _("last"),
            }[nth]
            text += " " + _("on the %(place)s %(day)s") % {
                "place": place,
                "day": str(WEEKDAY_NAMES[day]),
            }
    if "COUNT" in parts:
        count = int(parts["COUNT"])
        text += ", " + (_("once") if count == 1 else _("%(n)d times") % {"n": count})
    elif "UNTIL" in parts:
        until = datetime.datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%SZ").date()
        text += ", " + _("until %(date)s") % {"date": until.isoformat()}
    return text
