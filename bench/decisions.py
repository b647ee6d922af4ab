"""Decision log benchmark (not part of the test suite): how long the decision log's pages,
lists, exports and its verification take when an installation has a year of decisions.

    python bench/decisions.py

A scratch SQLite database (or DATABASE_URL, when set) with the demo data and
BENCH_DECISION_MEETINGS past meetings, each with BENCH_DECISIONS_PER_MEETING decisions of two
follow-up actions owed by the demo's regions (half reported on, a quarter done), all
written through the services, so the decision log holds every entry. Then, in process with
Django's test client, each page and endpoint is fetched BENCH_DECISION_RUNS times as the
Ministry's coordinator (who sees everything through oversight) and as a regency's official:
p50 and max in milliseconds; and the decision log's check at each depth (the page's, the
status endpoint's, the worker's and `verify_decision_log`'s).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

MEETINGS = int(os.environ.get("BENCH_DECISION_MEETINGS", "200"))
PER_MEETING = int(os.environ.get("BENCH_DECISIONS_PER_MEETING", "5"))
RUNS = int(os.environ.get("BENCH_DECISION_RUNS", "7"))
OWING = ("kab-gowa", "kota-makassar", "kab-bogor", "kota-bandung", "kab-jayapura", "papua")


def setup() -> None:
    scratch = tempfile.mkdtemp(prefix="rakor-bench-decisions-")
    os.environ.setdefault("RAKOR_VAR_DIR", scratch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed() -> int:
    import datetime
    import logging

    from django.utils import timezone

    from coordination.organisation.demo import seed_demo
    from coordination.organisation.models import Official
    from meetings.models import Meeting
    from meetings.services import decisions, scheduling
    from meetings.services.scheduling import Invitee

    logging.disable(logging.INFO)
    seed_demo()
    budi = Official.objects.get(username="budi")
    start = (timezone.now() + datetime.timedelta(days=1)).replace(second=0, microsecond=0)
    today = timezone.localdate()
    made = 0
    for n in range(MEETINGS):
        meeting, _busy = scheduling.meeting_create(
            by=budi,
            title=f"Rakor evaluasi {n}",
            start=start + datetime.timedelta(hours=n),
            end=start + datetime.timedelta(hours=n, minutes=45),
            timezone_name="Asia/Jakarta",
            participants=[Invitee("andi", "chair"), Invitee("sari", "note_taker")],
        )
        for d in range(PER_MEETING):
            decision = decisions.decision_record(
                by=budi, meeting_id=meeting.pk, text=f"Keputusan {n}.{d}", tags=["bench"]
            )
            for a in range(2):
                action = decisions.action_assign(
                    by=budi,
                    decision_id=decision.pk,
                    description=f"Tindak lanjut {n}.{d}.{a}",
                    agency_code=OWING[(n + d + a) % len(OWING)],
                    due=today + datetime.timedelta(days=(n % 60) - 20),
                )
                made += 1
                if (n + d + a) % 2 == 0:
                    status = "done" if (n + d + a) % 4 == 0 else "in_progress"
                    decisions.action_update(
                        by=budi, action_id=action.pk, status=status, comment="Laporan"
                    )
    # They took place last month (the service schedules ahead only).
    month = datetime.timedelta(days=30)
    for meeting in Meeting.objects.filter(title__startswith="Rakor evaluasi "):
        Meeting.objects.filter(pk=meeting.pk).update(
            start=meeting.start - month, end=meeting.end - month
        )
    return made


def timed(fn) -> tuple[float, float]:
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    setup()
    from django.test import Client

    from coordination.organisation.models import Official
    from meetings import decision_log
    from meetings.models import DecisionLogEntry, FollowUpAction

    began = time.perf_counter()
    actions = seed()
    print(
        f"seeded {MEETINGS} meetings, {MEETINGS * PER_MEETING} decisions, {actions} actions, "
        f"{DecisionLogEntry.objects.count()} log entries in {time.perf_counter() - began:.0f} s"
    )
    rows = []
    for username in ("budi", "rina"):
        client = Client()
        client.force_login(Official.objects.get(username=username))
        for path in (
            "/",
            "/decisions/",
            "/actions/",
            "/actions/?province=papua&overdue=1",
            "/actions/export.csv",
            "/api/v1/actions?province=jabar&limit=200",
            "/api/v1/actions/summary",
            "/api/v1/decision-log/status",
        ):

            def get(path=path, client=client):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)

            rows.append((username, path, *timed(get)))
    rows.append(
        (
            "-",
            "verify(): chain, head, anchors",
            *timed(lambda: decision_log.verify(check_rows=False)),
        )
    )
    rows.append(
        (
            "-",
            "verify(): everything but files' bytes",
            *timed(lambda: decision_log.verify(check_files=False)),
        )
    )
    rows.append(("-", "verify(): everything", *timed(decision_log.verify)))
    print(f"{FollowUpAction.objects.count()} actions; {RUNS} runs each")
    print(f"{'as':<6} {'what':<44} {'p50 ms':>8} {'max ms':>8}")
    for who, what, p50, most in rows:
        print(f"{who:<6} {what:<44} {p50:8.1f} {most:8.1f}")


if __name__ == "__main__":
    main()
