"""The scheduling assistant's computation: when can these people meet?

Pure: it takes each person's busy intervals, working hours, working days, zone and days off
(already read from the database by the caller) and answers proposals. No ORM, no settings.

Time is a grid of TICK_MINUTES ticks from the range's start (aligned to the tick in UTC, so
every Indonesian zone, whole hours off UTC, sees them aligned too). Each person is a Python
int used as a bitmask over the ticks (bit i: tick i), built once per person; "free for d
ticks from tick i" is an AND of shifted masks, and an agency is the OR of its officials. 50
people over 4 weeks are ~2,700 ticks each: a few big-int operations per person.

A tick counts as free only when it lies entirely inside working time and touches no busy
interval, so a meeting ending at 10:10 keeps 10:00-10:15 busy (never a proposal that
overlaps).
"""

from __future__ import annotations

import datetime
import re
import sys
import zoneinfo
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

UTC = datetime.UTC
TICK_MINUTES = 15
TICK = datetime.timedelta(minutes=TICK_MINUTES)
# The three zones every proposal is shown in, as the API names them.
INDONESIAN_ZONES = (
    ("wib", "Asia/Jakarta"),
    ("wita", "Asia/Makassar"),
    ("wit", "Asia/Jayapura"),
)
FRIDAY = 4


class Reason:
    """Why someone cannot come at a proposed time (the first that applies, in this order)."""

    NON_WORKING_DAY = "non_working_day"  # a weekend, a holiday, a cuti bersama day
    OUTSIDE_HOURS = "outside_hours"  # before or after their working hours
    FRIDAY_PRAYER = "friday_prayer"
    BUSY = "busy"  # in another meeting
    NO_OFFICIALS = "no_officials"  # an agency without an active official
    NOBODY_FREE = "nobody_free"  # an agency whose officials are unavailable for mixed reasons


@dataclass(frozen=True)
class Person:
    """One official as the assistant sees them. `days_off` are dates in their own zone;
    `busy` are aware instants (any zone)."""

    id: int
    username: str
    name: str
    zone: str = "Asia/Jakarta"
    work_start: datetime.time = datetime.time(8, 0)
    work_end: datetime.time = datetime.time(16, 0)
    work_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    days_off: frozenset[datetime.date] = frozenset()
    busy: Sequence[tuple[datetime.datetime, datetime.datetime]] = ()


@dataclass(frozen=True)
class Seat:
    """What must be satisfied: an official (`people` is them alone) or an agency (`people`
    are its active officials; one of them free is enough)."""

    kind: str  # "official" or "agency"
    key: str  # username or agency code
    name: str
    required: bool
    people: Sequence[Person]


@dataclass
class SeatAnswer:
    seat: Seat
    free: bool
    reason: str | None
    # The officials of the seat free then (for an agency: who could come for it).
    who: list[Person] = field(default_factory=list)


@dataclass
class Proposal:
    start: datetime.datetime  # UTC
    end: datetime.datetime
    answers: list[SeatAnswer]

    @property
    def required_free(self) -> int:
        return sum(1 for a in self.answers if a.seat.required and a.free)

    @property
    def required_total(self) -> int:
        return sum(1 for a in self.answers if a.seat.required)

    def local(self) -> dict[str, dict[str, str]]:
        """The start and end in WIB, WITA and WIT (ISO 8601 with the zone's offset)."""
        times = {}
        for label, zone_name in INDONESIAN_ZONES:
            zone = zoneinfo.ZoneInfo(zone_name)
            times[label] = {
                "start": self.start.astimezone(zone).isoformat(),
                "end": self.end.astimezone(zone).isoformat(),
            }
        return times


@dataclass
class Result:
    proposals: list[Proposal]
    # True when every required participant and agency can come to each proposal; False when
    # the proposals are the best there is (the most required seats).
    everyone: bool
    range_start: datetime.datetime
    range_end: datetime.datetime


_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_window(text: str) -> tuple[datetime.time, datetime.time] | None:
    """ "11:30-13:00" as two times; "" as None (no window). ValueError when malformed."""
    if not text.strip():
        return None
    match = _WINDOW.match(text)
    if not match:
        raise ValueError(f"not a window of local times HH:MM-HH:MM: {text!r}")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    start, end = datetime.time(h1, m1), datetime.time(h2, m2)
    if start >= end:
        raise ValueError(f"the window must end after it starts: {text!r}")
    return start, end


class Grid:
    """Ticks [start, start + n * TICK). Converts instants to tick indices."""

    def __init__(self, start: datetime.datetime, end: datetime.datetime) -> None:
        start = start.astimezone(UTC)
        # Align up to a whole tick (in UTC), so proposals start on the quarter hour.
        excess = (start - start.replace(minute=0, second=0, microsecond=0)) % TICK
        if excess:
            start += TICK - excess
        self.start = start
        self.n = max(0, int((end.astimezone(UTC) - start) // TICK))
        self.all = (1 << self.n) - 1

    def floor(self, moment: datetime.datetime) -> int:
        return (moment - self.start) // TICK

    def ceil(self, moment: datetime.datetime) -> int:
        return -((self.start - moment) // TICK)

    def span(self, a: int, b: int) -> int:
        """Bits a..b-1, clipped to the grid."""
        a, b = max(a, 0), min(b, self.n)
        return ((1 << (b - a)) - 1) << a if b > a else 0

    def at(self, index: int) -> datetime.datetime:
        return self.start + index * TICK


@dataclass
class _Masks:
    working_day: int  # ticks on their working days that are not days off
    hours: int  # ticks inside their working hours (any day)
    prayer: int  # ticks inside the Friday prayer window (Fridays only)
    busy: int  # ticks touching one of their meetings
    free: int


def _local_days(grid: Grid, zone: zoneinfo.ZoneInfo) -> Iterable[datetime.date]:
    day = grid.start.astimezone(zone).date()
    last = grid.at(grid.n).astimezone(zone).date()
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def _masks(person: Person, grid: Grid, prayer: tuple[datetime.time, datetime.time] | None):
    zone = zoneinfo.ZoneInfo(person.zone)
    working_day = hours = prayer_mask = busy = 0
    for day in _local_days(grid, zone):
        first = grid.floor(datetime.datetime.combine(day, datetime.time(0), tzinfo=zone))
        following = day + datetime.timedelta(days=1)
        after = grid.floor(datetime.datetime.combine(following, datetime.time(0), tzinfo=zone))
        if day.weekday() in person.work_days and day not in person.days_off:
            working_day |= grid.span(first, after)
        hours |= grid.span(
            grid.ceil(datetime.datetime.combine(day, person.work_start, tzinfo=zone)),
            grid.floor(datetime.datetime.combine(day, person.work_end, tzinfo=zone)),
        )
        if prayer is not None and day.weekday() == FRIDAY:
            prayer_mask |= grid.span(
                grid.floor(datetime.datetime.combine(day, prayer[0], tzinfo=zone)),
                grid.ceil(datetime.datetime.combine(day, prayer[1], tzinfo=zone)),
            )
    for start, end in person.busy:
        busy |= grid.span(grid.floor(start), grid.ceil(end))
    free = working_day & hours & ~prayer_mask & ~busy & grid.all
    return _Masks(working_day, hours, prayer_mask, busy, free)


def _fits(free: int, ticks: int) -> int:
    """Bit i set when bits i..i+ticks-1 of `free` are all set (doubling: log2(ticks) steps)."""
    result, width = free, 1
    while width * 2 <= ticks:
        result &= result >> width
        width *= 2
    if width < ticks:
        result &= result >> (ticks - width)
    return result


def _reason(masks: _Masks, window: int) -> str:
    if window & ~masks.working_day:
        return Reason.NON_WORKING_DAY
    if window & ~masks.hours:
        return Reason.OUTSIDE_HOURS
    if window & masks.prayer:
        return Reason.FRIDAY_PRAYER
    return Reason.BUSY


_LANE = 16  # bits per counter lane: up to 65,535 seats


def _counts(masks: Sequence[int], n: int) -> array:
    """Per tick, how many of `masks` have it set: each mask spread into 16-bit lanes (in C,
    through the text of its binary digits) and the lanes summed as one big int."""
    spread = str.maketrans({"0": "0" * _LANE, "1": "0" * (_LANE - 1) + "1"})
    total = 0
    for mask in masks:
        total += int(format(mask, f"0{n}b").translate(spread), 2)
    lanes = array("H")
    lanes.frombytes(total.to_bytes(n * _LANE // 8, "little"))
    if sys.byteorder == "big":
        lanes.byteswap()
    return lanes


def _most(masks: Sequence[int], n: int, starts: int) -> int:
    """The start ticks that the most of `masks` fit (none when no mask fits anywhere)."""
    counts = _counts([mask & starts for mask in masks], n)
    best = max(counts, default=0)
    chosen = 0
    if best:
        for i, count in enumerate(counts):
            if count == best:
                chosen |= 1 << i
    return chosen


def propose(
    seats: Sequence[Seat],
    *,
    duration: datetime.timedelta,
    start: datetime.datetime,
    end: datetime.datetime,
    friday_prayer: tuple[datetime.time, datetime.time] | None = None,
    limit: int = 20,
) -> Result:
    """Proposals for a meeting of `duration` within [start, end), earliest first, at most
    `limit`, none overlapping the one before.

    Each proposal lies inside every required seat's working time, on their working days and
    outside their meetings (an agency: one of its officials is enough). When no time suits
    every required seat, the proposals are the times that suit the most of them, each naming
    who cannot come and why. Optional seats never block; each proposal says whether they can
    come.
    """
    grid = Grid(start, end)
    ticks = max(1, -(-duration // TICK))
    masks: dict[int, _Masks] = {}
    for seat in seats:
        for person in seat.people:
            if person.id not in masks:
                masks[person.id] = _masks(person, grid, friday_prayer)
    # Start ticks from which the whole meeting stays inside the grid.
    starts = grid.span(0, grid.n - ticks + 1)
    fits = {pid: _fits(m.free, ticks) & starts for pid, m in masks.items()}
    seat_fits = []
    for seat in seats:
        mask = 0
        for person in seat.people:
            mask |= fits[person.id]
        seat_fits.append(mask)
    required = [mask for seat, mask in zip(seats, seat_fits, strict=True) if seat.required]
    candidates = starts
    for mask in required:
        candidates &= mask
    everyone = bool(candidates) and bool(required)
    if not required:
        # Only optional seats: the times that suit the most of them; nobody is missed.
        candidates = _most(seat_fits, grid.n, starts) if seat_fits else 0
        everyone = True
    elif not everyone:
        candidates = _most(required, grid.n, starts)
    proposals: list[Proposal] = []
    while candidates and len(proposals) < limit:
        i = (candidates & -candidates).bit_length() - 1
        proposals.append(_proposal(seats, seat_fits, masks, fits, grid, i, ticks, duration))
        # The next proposal starts once this one ends.
        candidates &= ~((1 << (i + ticks)) - 1)
    return Result(proposals, everyone, grid.start, grid.at(grid.n))


def _proposal(seats, seat_fits, masks, fits, grid, i, ticks, duration) -> Proposal:
    bit = 1 << i
    window = grid.span(i, i + ticks)
    answers = []
    for seat, mask in zip(seats, seat_fits, strict=True):
        if mask & bit:
            who = [p for p in seat.people if fits[p.id] & bit]
            answers.append(SeatAnswer(seat, True, None, who))
            continue
        if not seat.people:
            answers.append(SeatAnswer(seat, False, Reason.NO_OFFICIALS))
            continue
        reasons = {_reason(masks[p.id], window) for p in seat.people}
        reason = reasons.pop() if len(reasons) == 1 else Reason.NOBODY_FREE
        answers.append(SeatAnswer(seat, False, reason))
    start = grid.at(i)
    return Proposal(start, start + duration, answers)


def _person_out(person: Person) -> dict[str, str]:
    return {"username": person.username, "name": person.name}


def proposal_as_dict(proposal: Proposal) -> dict:
    """A proposal as the API answers it: the instants in UTC, the same in WIB, WITA and
    WIT, and for each official and agency named whether they can come (an agency: who of
    its officials could), or why not."""
    participants, agencies = [], []
    for answer in proposal.answers:
        seat = answer.seat
        common = {
            "name": seat.name,
            "required": seat.required,
            "free": answer.free,
            "reason": answer.reason,
        }
        if seat.kind == "agency":
            officials = [_person_out(p) for p in answer.who]
            agencies.append({"code": seat.key, **common, "officials": officials})
        else:
            participants.append({"username": seat.key, **common})
    return {
        "start": proposal.start.astimezone(UTC).isoformat(),
        "end": proposal.end.astimezone(UTC).isoformat(),
        **proposal.local(),
        "everyone": proposal.required_free == proposal.required_total,
        "required_free": proposal.required_free,
        "required_total": proposal.required_total,
        "participants": participants,
        "agencies": agencies,
    }


def result_as_dict(result: Result) -> dict:
    return {
        "everyone": result.everyone,
        "searched_from": result.range_start.astimezone(UTC).isoformat(),
        "searched_until": result.range_end.astimezone(UTC).isoformat(),
        "proposals": [proposal_as_dict(p) for p in result.proposals],
    }
