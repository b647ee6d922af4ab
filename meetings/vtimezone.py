"""VTIMEZONE components (RFC 5545 §3.6.5) that every calendar client reads the same way.

A zone's transitions are read from zoneinfo over the span its meetings need. Transitions that
recur every year on the same rule (the last Sunday of March at 01:00 UTC, the second Sunday of
March at 02:00 local) become one observance with a yearly RRULE, as Outlook and Exchange write
them; a rule still in force at the end of the span has no end, so clients place any later day
correctly too. A transition that follows no yearly rule is an observance of its own, with its
DTSTART alone. No observance ever carries an RDATE list: ical.js (Thunderbird) reads only the
first value of one and vobject drops the rest, which put summer meetings an hour off.

Zones without daylight saving (WIB, WITA, WIT) have one observance.
"""

from __future__ import annotations

import calendar
import datetime
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
UTC = datetime.UTC


@dataclass(frozen=True)
class Transition:
    at: datetime.datetime  # the instant, in UTC
    offset_from: datetime.timedelta
    offset_to: datetime.timedelta
    name: str  # the abbreviation after it (CET, CEST, AEDT)
    daylight: bool

    @property
    def wall(self) -> datetime.datetime:
        """The local time of the onset, as RFC 5545 writes DTSTART: in the offset before."""
        return (self.at + self.offset_from).replace(tzinfo=None)

    @property
    def kind(self) -> tuple:
        return (self.offset_from, self.offset_to, self.name, self.daylight)


def _state(zone: zoneinfo.ZoneInfo, at: datetime.datetime) -> tuple:
    local = at.astimezone(zone)
    return local.utcoffset(), local.tzname() or "", bool(local.dst())


def transitions(tzid: str, start: datetime.datetime, end: datetime.datetime) -> list[Transition]:
    """Every change of offset or abbreviation of `tzid` in [start, end), to the second."""
    zone = zoneinfo.ZoneInfo(tzid)
    found = []
    step = datetime.timedelta(hours=6)  # no zone changes twice within six hours
    at = start
    before = _state(zone, at)
    while at < end:
        later = min(at + step, end)
        after = _state(zone, later)
        if after != before:
            low, high = at, later  # the change lies in (low, high]
            while high - low > datetime.timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _state(zone, middle) == before:
                    low = middle
                else:
                    high = middle
            high = high.replace(microsecond=0)
            if _state(zone, high) == before:
                high += datetime.timedelta(seconds=1)
            found.append(Transition(high, before[0], after[0], after[1], after[2]))
            before = after
        at = later
    return found


def _yearly_rule(group: list[Transition]) -> vRecur | None:
    """The RRULE that yields exactly these onsets, one a year on consecutive years, when
    they share a month, a weekday and a wall-clock time; None when they do not."""
    walls = [t.wall for t in group]
    first = walls[0]
    if any(w.year != first.year + n for n, w in enumerate(walls)):
        return None
    if any(
        (w.month, w.time(), w.weekday()) != (first.month, first.time(), first.weekday())
        for w in walls
    ):
        return None
    weekday = WEEKDAYS[first.weekday()]
    last_week = all(w.day + 7 > calendar.monthrange(w.year, w.month)[1] for w in walls)
    nth = {(w.day - 1) // 7 + 1 for w in walls}
    if last_week:
        byday = f"-1{weekday}"
    elif len(nth) == 1:
        byday = f"{nth.pop()}{weekday}"
    else:
        return None
    return vRecur({"FREQ": "YEARLY", "BYMONTH": first.month, "BYDAY": byday})


def _observance(
    transition: Transition, *, rule: vRecur | None = None, until: datetime.datetime | None = None
):
    part = TimezoneDaylight() if transition.daylight else TimezoneStandard()
    part.add("dtstart", transition.wall)
    if rule is not None:
        if until is not None:
            rule = vRecur({**rule, "UNTIL": until})
        part.add("rrule", rule)
    part.add("tzoffsetfrom", transition.offset_from)
    part.add("tzoffsetto", transition.offset_to)
    if transition.name:
        part.add("tzname", transition.name)
    return part


@lru_cache(maxsize=256)
def vtimezone_ical(tzid: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE of `tzid` for meetings from `first_year` to `last_year`, as bytes (so the
    cache holds no mutable component)."""
    start = datetime.datetime(first_year - 1, 1, 1, tzinfo=UTC)
    end = datetime.datetime(last_year + 3, 1, 1, tzinfo=UTC)
    zone = zoneinfo.ZoneInfo(tzid)
    offset, name, daylight = _state(zone, start)
    component = Timezone()
    component.add("tzid", tzid)
    # What holds at the start of the span, before any transition in it.
    opening = Transition(start, offset, offset, name, daylight)
    component.add_component(_observance(opening))
    changes = transitions(tzid, start, end)
    groups: dict[tuple, list[Transition]] = {}
    for change in changes:
        groups.setdefault(change.kind, []).append(change)
    for group in groups.values():
        rule = _yearly_rule(group) if len(group) > 1 else None
        if rule is None:
            for change in group:
                component.add_component(_observance(change))
            continue
        # A rule still followed in the span's last year goes on; one that stopped ends.
        ongoing = group[-1].at.year >= end.year - 1
        until = None if ongoing else group[-1].at.replace(tzinfo=UTC)
        component.add_component(_observance(group[0], rule=rule, until=until))
    return component.to_ical()


def vtimezone(tzid: str, first: datetime.datetime, last: datetime.datetime) -> Timezone:
    """The VTIMEZONE for meetings of `tzid` between `first` and `last`: their years, a year
    before and two after, and for any later day the yearly rules still in force."""
    return Timezone.from_ical(vtimezone_ical(tzid, first.year, last.year))
