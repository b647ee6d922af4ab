"""The scheduling assistant's computation (meetings.availability), without a database: given
each person's hours, days off and meetings, which times it proposes."""

from __future__ import annotations

import datetime
import itertools
import time
import zoneinfo

import pytest

from meetings import availability
from meetings.availability import Person, Reason, Seat, parse_window, propose

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
MAKASSAR = zoneinfo.ZoneInfo("Asia/Makassar")
JAYAPURA = zoneinfo.ZoneInfo("Asia/Jayapura")
MONDAY = datetime.date(2026, 12, 7)
HOUR = datetime.timedelta(hours=1)


def at(day: datetime.date, hh: int, mm: int = 0, zone=JAKARTA) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hh, mm), tzinfo=zone)


def person(pk: int, zone: str = "Asia/Jakarta", **kwargs) -> Person:
    return Person(pk, f"user{pk}", f"User {pk}", zone, **kwargs)


def official(p: Person, required: bool = True) -> Seat:
    return Seat("official", p.username, p.name, required, [p])


def search(seats, *, days=1, first=MONDAY, duration=HOUR, **kwargs):
    start = at(first, 0)
    return propose(
        seats, duration=duration, start=start, end=start + datetime.timedelta(days=days), **kwargs
    )


def local_starts(result, zone=JAKARTA) -> list[str]:
    return [p.start.astimezone(zone).strftime("%a %H:%M") for p in result.proposals]


def test_a_wib_and_a_wit_official_overlap_from_8_to_14_wib_which_is_10_to_16_wit():
    jakarta, jayapura = person(1), person(2, "Asia/Jayapura")
    result = search([official(jakarta), official(jayapura)])
    assert result.everyone
    assert local_starts(result) == [f"Mon {h:02d}:00" for h in range(8, 14)]
    first, last = result.proposals[0], result.proposals[-1]
    assert first.local()["wib"]["start"] == "2026-12-07T08:00:00+07:00"
    assert first.local()["wit"]["start"] == "2026-12-07T10:00:00+09:00"
    assert first.local()["wita"]["start"] == "2026-12-07T09:00:00+08:00"
    assert last.local()["wib"]["end"] == "2026-12-07T14:00:00+07:00"
    assert last.local()["wit"]["end"] == "2026-12-07T16:00:00+09:00"
    assert first.start == datetime.datetime(2026, 12, 7, 1, 0, tzinfo=datetime.UTC)


def test_all_three_zones_share_9_to_14_wib():
    seats = [official(person(1)), official(person(2, "Asia/Makassar"))]
    seats.append(official(person(3, "Asia/Jayapura")))
    result = search(seats, duration=datetime.timedelta(minutes=90))
    starts = [p.start.astimezone(JAKARTA).time() for p in result.proposals]
    assert starts == [
        datetime.time(8),
        datetime.time(9, 30),
        datetime.time(11),
        datetime.time(12, 30),
    ]
    assert all(p.end.astimezone(JAYAPURA).time() <= datetime.time(16) for p in result.proposals)


def test_proposals_are_earliest_first_none_overlapping_the_one_before_and_capped():
    result = search([official(person(1))], days=14, limit=5)
    starts = [p.start for p in result.proposals]
    assert starts == sorted(starts) and len(starts) == 5
    assert all(b >= a + HOUR for a, b in itertools.pairwise(starts))


def test_each_persons_own_working_hours_and_days_count_in_their_own_zone():
    early = person(1, work_start=datetime.time(7), work_end=datetime.time(12))
    saturday_worker = person(2, "Asia/Makassar", work_days=frozenset({5}))
    assert local_starts(search([official(early)]))[:2] == ["Mon 07:00", "Mon 08:00"]
    # Saturday 12 December: 08:00-16:00 WITA is 07:00-15:00 WIB.
    result = search([official(saturday_worker)], days=7)
    assert local_starts(result)[0] == "Sat 07:00"
    assert local_starts(result, MAKASSAR)[0] == "Sat 08:00"


def test_a_meeting_is_busy_and_a_tick_it_touches_is_too():
    busy = [(at(MONDAY, 8), at(MONDAY, 10, 10))]
    result = search([official(person(1, busy=busy)), official(person(2))])
    assert local_starts(result)[0] == "Mon 10:15"


def test_days_off_are_not_proposed():
    off = person(1, days_off=frozenset({MONDAY}))
    result = search([official(off)], days=2)
    assert local_starts(result)[0] == "Tue 08:00"
    assert not search([official(off)]).proposals


def test_no_meeting_during_the_friday_prayer_in_each_persons_own_zone():
    friday = datetime.date(2026, 12, 11)
    prayer = parse_window("11:30-13:00")
    wita = person(1, "Asia/Makassar")
    result = search([official(wita)], first=friday, duration=datetime.timedelta(hours=2))
    # WITA 08-10, 10-12 would touch the prayer (11:30 WITA) without the window...
    assert local_starts(result, MAKASSAR) == ["Fri 08:00", "Fri 10:00", "Fri 12:00", "Fri 14:00"]
    result = search(
        [official(wita)], first=friday, duration=datetime.timedelta(hours=2), friday_prayer=prayer
    )
    assert local_starts(result, MAKASSAR) == ["Fri 08:00", "Fri 13:00"]
    # ...and on other days the window does not apply.
    assert len(search([official(wita)], friday_prayer=prayer).proposals) == 8


def test_parse_window():
    assert parse_window("") is None
    assert parse_window(" 11:30 - 13:00 ") == (datetime.time(11, 30), datetime.time(13))
    for bad in ("11:30", "13:00-11:30", "25:00-26:00", "noon"):
        with pytest.raises(ValueError):
            parse_window(bad)


def test_a_fully_busy_participant_gets_the_best_slots_naming_them():
    whole_week = [(at(MONDAY, 0), at(MONDAY, 0) + datetime.timedelta(days=7))]
    free_a, free_b, busy = person(1), person(2, "Asia/Jayapura"), person(3, busy=whole_week)
    result = search([official(free_a), official(free_b), official(busy)], days=7)
    assert not result.everyone
    assert local_starts(result)[:2] == ["Mon 08:00", "Mon 09:00"]
    proposal = result.proposals[0]
    assert (proposal.required_free, proposal.required_total) == (2, 3)
    missing = [(a.seat.key, a.reason) for a in proposal.answers if not a.free]
    assert missing == [("user3", Reason.BUSY)]
    out = availability.proposal_as_dict(proposal)
    assert out["everyone"] is False
    assert [p["username"] for p in out["participants"] if not p["free"]] == ["user3"]


def test_when_nobody_can_the_reasons_say_why():
    holiday, busy = person(1, days_off=frozenset({MONDAY})), person(2)
    # Monday 07:00-08:00 WIB: user1 has the day off, user2 starts at 08:00.
    start = at(MONDAY, 7)
    result = propose(
        [official(holiday), official(busy)], duration=HOUR, start=start, end=start + HOUR
    )
    assert result.proposals == []
    outside = person(3, work_start=datetime.time(7), work_end=datetime.time(8))
    result = propose(
        [official(outside), official(holiday), official(busy)],
        duration=HOUR,
        start=start,
        end=start + HOUR,
    )
    reasons = {a.seat.key: a.reason for a in result.proposals[0].answers}
    assert reasons == {
        "user3": None,
        "user1": Reason.NON_WORKING_DAY,
        "user2": Reason.OUTSIDE_HOURS,
    }


def test_an_agency_is_free_when_one_of_its_officials_is_and_the_proposal_names_who():
    morning = [(at(MONDAY, 8), at(MONDAY, 12))]
    afternoon = [(at(MONDAY, 12), at(MONDAY, 16))]
    a, b = person(1, busy=morning), person(2, busy=afternoon)
    agency = Seat("agency", "jabar", "Provinsi Jawa Barat", True, [a, b])
    result = search([agency])
    assert len(result.proposals) == 8 and result.everyone
    who = [[p.username for p in r.answers[0].who] for r in result.proposals]
    assert who[0] == ["user2"] and who[-1] == ["user1"]
    everyone_busy = Seat("agency", "jabar", "Jabar", True, [person(3, busy=morning + afternoon)])
    empty = Seat("agency", "kosong", "Kosong", False, [])
    result = search([official(person(4)), everyone_busy, empty])
    answers = {a.seat.key: a.reason for a in result.proposals[0].answers}
    assert answers == {"user4": None, "jabar": Reason.BUSY, "kosong": Reason.NO_OFFICIALS}
    assert (result.proposals[0].required_free, result.proposals[0].required_total) == (1, 2)


def test_optional_participants_never_block_but_are_reported():
    busy = [(at(MONDAY, 8), at(MONDAY, 16))]
    result = search([official(person(1)), official(person(2, busy=busy), required=False)])
    assert result.everyone and local_starts(result)[0] == "Mon 08:00"
    optional = result.proposals[0].answers[1]
    assert (optional.free, optional.reason) == (False, Reason.BUSY)


def test_a_duration_not_a_multiple_of_the_tick_ends_exactly():
    result = search([official(person(1))], duration=datetime.timedelta(minutes=50))
    first = result.proposals[0]
    assert first.end - first.start == datetime.timedelta(minutes=50)
    assert local_starts(result)[1] == "Mon 09:00"


def test_fifty_participants_over_four_weeks_take_well_under_100_ms():
    zones = ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]
    start = at(MONDAY, 0)
    people = []
    for pk in range(50):
        busy = [
            (start + datetime.timedelta(hours=h), start + datetime.timedelta(hours=h + 1))
            for h in range(pk % 7, 24 * 28, 11)
        ]
        people.append(person(pk, zones[pk % 3], busy=busy))
    seats = [official(p) for p in people]
    times = []
    for _ in range(5):
        began = time.perf_counter()
        result = propose(
            seats,
            duration=HOUR,
            start=start,
            end=start + datetime.timedelta(days=28),
            friday_prayer=parse_window("11:30-13:00"),
        )
        times.append(time.perf_counter() - began)
    assert result.proposals
    assert min(times) < 0.1, times
