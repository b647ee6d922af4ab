"""Scheduling assistant benchmark (not part of the test suite): how long finding a time for
BENCH_AVAILABILITY_PEOPLE officials over four weeks takes.

    python bench/availability.py

A scratch SQLite database (or DATABASE_URL, when set) with the demo data and
BENCH_AVAILABILITY_PEOPLE officials spread over agencies in WIB, WITA and WIT, each in
BENCH_AVAILABILITY_MEETINGS meetings a day (an hour each, on working days, at hours that
differ from one official to the next), a regional holiday in one province and the national
calendar. Each is measured BENCH_AVAILABILITY_RUNS times, p50 and p95 in milliseconds:

- the computation alone (meetings.availability.propose, the data already read);
- the service (meetings.services.availability.availability_propose: reads and computation);
- POST /api/v1/availability, in process with Django's test client and a Bearer token.

The target: well under 100 ms for the computation, 50 people over 4 weeks.
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PEOPLE = int(os.environ.get("BENCH_AVAILABILITY_PEOPLE", "50"))
PER_DAY = int(os.environ.get("BENCH_AVAILABILITY_MEETINGS", "2"))
RUNS = int(os.environ.get("BENCH_AVAILABILITY_RUNS", "30"))
DAYS = 28
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")


def setup() -> None:
    scratch = tempfile.mkdtemp(prefix="rakor-bench-availability-")
    os.environ.setdefault("RAKOR_VAR_DIR", scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def next_monday() -> datetime.date:
    from django.utils import timezone

    day = timezone.now().date() + datetime.timedelta(days=1)
    while day.weekday() != 0:
        day += datetime.timedelta(days=1)
    return day


def seed(first: datetime.date) -> list[str]:
    import logging
    import uuid
    import zoneinfo

    from coordination.organisation.demo import seed_demo
    from coordination.organisation.models import Agency, Holiday, Official, Role
    from meetings.models import Meeting, Participant

    logging.disable(logging.INFO)
    seed_demo()
    organiser = Official.objects.get(username="budi")
    agencies = []
    for n, zone in enumerate(ZONES):
        agency, _new = Agency.objects.get_or_create(
            code=f"bench-{n}",
            defaults={"name": f"Bench {zone}", "level": Agency.Level.PROVINCE, "timezone": zone},
        )
        agencies.append(agency)
    Holiday.objects.get_or_create(
        date=first + datetime.timedelta(days=9),
        kind=Holiday.Kind.REGIONAL,
        region=agencies[1],
        defaults={"name": "Hari jadi provinsi"},
    )
    people = []
    for n in range(PEOPLE):
        official, _new = Official.objects.get_or_create(
            username=f"bench{n}",
            defaults={"agency": agencies[n % 3], "role": Role.MEMBER, "first_name": f"Bench {n}"},
        )
        people.append(official)
    meetings, rows = [], []
    for n, official in enumerate(people):
        zone = zoneinfo.ZoneInfo(official.zone_name)
        for d in range(DAYS):
            day = first + datetime.timedelta(days=d)
            if day.weekday() >= 5:
                continue
            for m in range(PER_DAY):
                hour = 8 + (n + d + 3 * m) % 8
                start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone)
                meeting = Meeting(
                    uid=f"{uuid.uuid4()}@bench",
                    title="Bench",
                    organiser=organiser,
                    agency_id=organiser.agency_id,
                    start=start,
                    end=start + datetime.timedelta(hours=1),
                    span_end=start + datetime.timedelta(hours=1),
                    timezone=official.zone_name,
                    video=Meeting.Video.NONE,
                )
                meetings.append(meeting)
                rows.append((meeting, official))
    Meeting.objects.bulk_create(meetings, batch_size=500)
    Participant.objects.bulk_create(
        (Participant(meeting=m, official=o) for m, o in rows), batch_size=500
    )
    return [p.username for p in people]


def timed(fn, runs: int = RUNS) -> list[float]:
    fn()  # warm: imports, caches, the holiday calendar
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return times


def report(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"  {name}: p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms, "
        f"max {ordered[-1]:.1f} ms ({len(ordered)} runs)"
    )


def main() -> None:
    setup()
    from django.test import Client

    from coordination.organisation.models import Official
    from coordination.organisation.services import token_create
    from meetings import availability
    from meetings.services import availability as assistant

    first = next_monday()
    usernames = seed(first)
    budi = Official.objects.get(username="budi")
    last = first + datetime.timedelta(days=DAYS - 1)
    wanted = [assistant.Wanted(name) for name in usernames]

    def service():
        return assistant.availability_propose(
            by=budi, participants=wanted, duration_minutes=60, start_date=first, end_date=last
        )

    result = service()
    # The computation alone, on the people as the service read them.
    seats = result.proposals[0].answers if result.proposals else []
    prepared = [answer.seat for answer in seats]

    def compute():
        return availability.propose(
            prepared,
            duration=datetime.timedelta(minutes=60),
            start=result.range_start,
            end=result.range_end,
            friday_prayer=availability.parse_window("11:30-13:00"),
        )

    raw = token_create(official=budi, name="bench")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = {
        "participants": [{"username": name} for name in usernames],
        "duration_minutes": 60,
        "start_date": first.isoformat(),
        "end_date": last.isoformat(),
    }

    def endpoint():
        response = client.post("/api/v1/availability", body, content_type="application/json")
        assert response.status_code == 200, response.content

    busy = sum(len(p.busy) for seat in prepared for p in seat.people)
    print(
        f"Scheduling assistant: {len(usernames)} officials over {DAYS} days from {first} "
        f"({busy} meetings), {len(result.proposals)} proposals, everyone: {result.everyone}"
    )
    report("computation (meetings.availability.propose)", timed(compute))
    report("service (reads and computation)", timed(service))
    report("POST /api/v1/availability", timed(endpoint))


if __name__ == "__main__":
    main()
