"""Calendar feed benchmark (not part of the test suite): how long one official's subscription
feed (/calendar/<token>.ics) of BENCH_FEED_MEETINGS meetings takes over HTTP.

    python bench/feed.py                     # this tree
    python bench/feed.py --compare ../before  # another checkout first, both in the table

A scratch installation (bench.common.Stack: its own SQLite file, the demo data) gets
BENCH_FEED_MEETINGS meetings of andi's, written in bulk through the ORM: three zones (WIB,
WITA, WIT), a video room on half of them, three agenda items each, eight participants with
all four answers, every tenth rahasia, every fifteenth cancelled, and weekly series with an
occurrence moved and one cancelled. One daphne process (pinned to a core) serves it; a client
on the other core GETs the feed:

- cold: the first GET after daphne started (nothing rendered yet);
- warm: BENCH_FEED_ROUNDS GETs without If-None-Match, p50/p95/p99;
- 304: BENCH_FEED_ROUNDS GETs with the feed's ETag, p50/p99.

The SQL queries of each path are counted in this process (Django's test client on the same
database, django.test.utils.CaptureQueriesContext): cold (nothing cached), warm and 304. The
targets: warm p50 under 50 ms for 1,000 meetings, at most 3 queries, a 304 in 2.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from common import BASE_DIR, Stack, cores, percentile, record  # noqa: E402

MEETINGS = int(os.environ.get("BENCH_FEED_MEETINGS", "1000"))
ROUNDS = int(os.environ.get("BENCH_FEED_ROUNDS", "200"))
VIEWER = "andi"
PEOPLE = ("budi", "sari", "hendra", "dewi", "nurul", "yohanes", "maria")
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
SERIES_EVERY = 50  # one weekly series (ten weeks) in fifty rows, with two rows of its own


def django_setup(stack: Stack, tree: Path) -> None:
    """This process on the stack's database, with the tree's code (so that the query
    counts are of the code measured)."""
    sys.path.insert(0, str(tree))
    os.environ.update(stack.env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "coordination.settings"
    import django

    django.setup()


def seed(count: int) -> str:
    """`count` meeting rows of VIEWER's; the path of VIEWER's feed."""
    import uuid
    from urllib.parse import urlsplit

    from django.db import transaction
    from django.utils import timezone

    from coordination.organisation.models import Classification, Official
    from meetings.models import AgendaItem, Meeting, Participant
    from meetings.services.feeds import calendar_feed_issue

    officials = {o.username: o for o in Official.objects.filter(username__in=(VIEWER, *PEOPLE))}
    organiser = officials["budi"]
    answers = list(Participant.Rsvp)
    Role = Participant.Role  # noqa: N806
    now = timezone.now().replace(second=0, microsecond=0)
    first = now - datetime.timedelta(days=60)
    step = datetime.timedelta(days=420) / count
    meetings: list[Meeting] = []
    occurrences: list[tuple[int, Meeting]] = []  # (index of the series, the occurrence row)
    n = 0
    while len(meetings) + len(occurrences) < count:
        start = (first + n * step).replace(minute=0)
        zone = ZONES[n % 3]
        # A series with its two rows of its own, while there is room for them.
        series = n % SERIES_EVERY == 7 and len(meetings) + len(occurrences) + 3 <= count
        meeting = Meeting(
            uid=f"{uuid.uuid4()}@rakor.localhost",
            title=f"Rapat koordinasi {n}: pengendalian inflasi daerah",
            description="Bahan rapat dan tindak lanjut.\nMohon hadir tepat waktu." * (n % 3),
            organiser=organiser,
            agency_id=organiser.agency_id,
            start=start,
            end=start + datetime.timedelta(hours=1, minutes=30),
            timezone=zone,
            location="Ruang rapat utama" if n % 2 else "",
            language="id" if n % 4 else "en",
            classification=Classification.RAHASIA if n % 10 == 3 else Classification.BIASA,
            status=Meeting.Status.CANCELLED if n % 15 == 4 else Meeting.Status.SCHEDULED,
            sequence=1 if n % 15 == 4 else 0,
            video=Meeting.Video.JITSI if n % 2 else Meeting.Video.NONE,
            video_room=f"rakor-bench-{n}" if n % 2 else "",
            created_at=now - datetime.timedelta(days=90),
            updated_at=now - datetime.timedelta(days=1, minutes=n),
        )
        meeting.span_end = meeting.end
        if series:
            meeting.rrule = "FREQ=WEEKLY;COUNT=10"
            meeting.exdates = [(start + datetime.timedelta(weeks=5)).isoformat()]
            meeting.span_end = meeting.end + datetime.timedelta(weeks=9)
            for week, cancelled in ((2, False), (3, True)):
                original = start + datetime.timedelta(weeks=week)
                moved = original + datetime.timedelta(hours=0 if cancelled else 2)
                row = Meeting(
                    uid=meeting.uid,
                    title=meeting.title,
                    organiser=organiser,
                    agency_id=organiser.agency_id,
                    start=moved,
                    end=moved + (meeting.end - meeting.start),
                    span_end=moved + (meeting.end - meeting.start),
                    timezone=zone,
                    language=meeting.language,
                    status=Meeting.Status.CANCELLED if cancelled else Meeting.Status.SCHEDULED,
                    sequence=1,
                    video=meeting.video,
                    recurrence_id=original,
                    created_at=meeting.created_at,
                    updated_at=meeting.updated_at,
                )
                occurrences.append((len(meetings), row))
        meetings.append(meeting)
        n += 1
    with transaction.atomic():
        Meeting.objects.bulk_create(meetings, batch_size=500)
        for index, row in occurrences:
            row.series = meetings[index]
        rows = meetings + [row for _index, row in occurrences]
        Meeting.objects.bulk_create([row for _index, row in occurrences], batch_size=500)
        people = [officials[VIEWER], *(officials[name] for name in PEOPLE)]
        Participant.objects.bulk_create(
            (
                Participant(
                    meeting=row,
                    official=person,
                    role=Role.CHAIR if person is organiser else Role.REQUIRED,
                    rsvp=answers[(n + k) % len(answers)],
                    rsvp_at=None if (n + k) % 4 == 0 else now - datetime.timedelta(hours=n % 90),
                )
                for n, row in enumerate(rows)
                for k, person in enumerate(people)
            ),
            batch_size=1000,
        )
        AgendaItem.objects.bulk_create(
            (
                AgendaItem(
                    meeting=row,
                    position=p,
                    title=f"Agenda {p + 1}: laporan daerah",
                    planned_minutes=15,
                )
                for row in rows
                for p in range(3)
            ),
            batch_size=1000,
        )
    url = calendar_feed_issue(official=officials[VIEWER])
    return urlsplit(url).path


def get(base: str, path: str, etag: str | None = None) -> tuple[float, int, bytes, str]:
    request = urllib.request.Request(base + path)
    if etag:
        request.add_header("If-None-Match", etag)
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            status, tag = response.status, response.headers.get("ETag", "")
    except urllib.error.HTTPError as error:  # urllib raises on 304
        body, status, tag = error.read(), error.code, error.headers.get("ETag", "")
    return time.perf_counter() - began, status, body, tag


def count_queries(path: str) -> dict[str, int]:
    """The SQL queries of a cold GET (nothing cached), a warm one and a 304, in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from meetings import feeds

    client = Client()
    client.get(path)  # the first fetch is noted (an UPDATE every ten minutes at most)
    if hasattr(feeds, "feed_names_changed"):  # a tree that caches events: retire them all
        feeds.feed_names_changed()
    counts = {}
    with CaptureQueriesContext(connection) as cold:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    counts["cold"] = len(cold)
    with CaptureQueriesContext(connection) as warm:
        response = client.get(path)
    counts["warm"] = len(warm)
    with CaptureQueriesContext(connection) as unchanged:
        again = client.get(path, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304, again.status_code
    counts["304"] = len(unchanged)
    return counts


def measure(tree: Path, label: str) -> dict:
    """One row of the table: a scratch stack of `tree`, seeded, its feed fetched."""
    server_core, client_core = cores()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {int(client_core)})
    stack = Stack(tree)
    try:
        django_setup(stack, tree)
        began = time.perf_counter()
        path = seed(MEETINGS)
        from meetings.models import Meeting

        rows = Meeting.objects.count()
        print(f"{label}: {rows} meetings seeded in {time.perf_counter() - began:.1f} s")
        queries = count_queries(path)
        server = stack.serve(core=server_core)
        cold, status, body, tag = get(server.base, path)
        assert status == 200 and b"BEGIN:VEVENT" in body, status
        warm = []
        for _ in range(ROUNDS):
            seconds, status, again, tag = get(server.base, path)
            assert status == 200 and again == body, "the feed changed between fetches"
            warm.append(seconds)
        unchanged = []
        for _ in range(ROUNDS):
            seconds, status, _body, _tag = get(server.base, path, etag=tag)
            assert status == 304, status
            unchanged.append(seconds)
    finally:
        stack.close()
    return {
        "tree": label,
        "meetings": rows,
        "events": body.count(b"BEGIN:VEVENT"),
        "kB": round(len(body) / 1024),
        "cold ms": round(cold * 1000, 1),
        "warm p50 ms": round(statistics.median(warm) * 1000, 1),
        "warm p95 ms": round(percentile(warm, 0.95), 1),
        "warm p99 ms": round(percentile(warm, 0.99), 1),
        "304 p50 ms": round(statistics.median(unchanged) * 1000, 1),
        "304 p99 ms": round(percentile(unchanged, 0.99), 1),
        "queries cold": queries["cold"],
        "queries warm": queries["warm"],
        "queries 304": queries["304"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", type=Path, default=BASE_DIR, help="the checkout to measure")
    parser.add_argument("--label", default="", help="its name in the table")
    parser.add_argument(
        "--compare", type=Path, help="another checkout to measure first (its own process)"
    )
    parser.add_argument("--row", action="store_true", help="print the row as JSON, record none")
    args = parser.parse_args()
    tree = args.tree.resolve()
    label = args.label or ("this tree" if tree == BASE_DIR else tree.name)
    rows = []
    if args.compare:
        # Django is set up once a process, with one tree's code: the other runs on its own.
        other = subprocess.run(
            [sys.executable, __file__, "--tree", str(args.compare), "--label", "before", "--row"],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(other.stdout.strip().splitlines()[-1]))
    row = measure(tree, label)
    if args.row:
        print(json.dumps(row))
        return
    rows.append(row)
    print(f"\nCalendar feed of {VIEWER} over HTTP (daphne), {ROUNDS} GETs a path")
    print("  ".join(f"{key:>12}" for key in rows[0]))
    for line in rows:
        print("  ".join(f"{value!s:>12}" for value in line.values()))
    record(
        "feed",
        {
            "title": f"Calendar feed of {MEETINGS} meetings (GET /calendar/<token>.ics, daphne)",
            "rows": rows,
            "notes": [
                f"{ROUNDS} sequential GETs each for warm (no If-None-Match) and 304; cold is "
                "the first GET after daphne started, nothing rendered yet.",
                "Queries counted in process (CaptureQueriesContext) for the whole request, the "
                "feed's lookup by its token included; cold is with no event cached.",
                "Meeting rows: the demo data's five and the bench's, in three zones, half with "
                "video, three agenda items and eight participants each, every tenth rahasia, "
                "every fifteenth cancelled, weekly series with a moved and a cancelled "
                "occurrence.",
            ],
        },
    )


if __name__ == "__main__":
    main()
