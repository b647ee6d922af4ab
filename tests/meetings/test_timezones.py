"""Three independent iCalendar parsers read Rakor's time zones as zoneinfo does.

icalendar (Python), vobject (Radicale and other CalDAV software) and ical.js (Thunderbird's
parser, run by node from tests/meetings/icaljs/) each read the VTIMEZONE of a mailed
invitation and of a calendar feed; for every day from the meeting's start to two years after,
the UTC offset each gives for the meeting's local time must be the one zoneinfo gives. The
zones: three with summer time (Amsterdam, New York, Sydney's southern summer) and the three
Indonesian ones. The real invitations under tests/interop-samples/request/ are read by the
same three parsers, which must agree on each event's instant, so the harness itself is sound.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import vobject
from django.test import Client
from icalendar import Calendar

from coordination.platform.mail import outbox_deliver
from meetings.services import feeds as feed_services

pytestmark = [pytest.mark.django_db, pytest.mark.needs_node]

ZONES = [
    "Europe/Amsterdam",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Jakarta",
    "Asia/Makassar",
    "Asia/Jayapura",
]
PROBE = Path(__file__).resolve().parent / "icaljs" / "probe.mjs"
# A copy of ../shared/interop-samples, byte for byte (SOURCE.txt says where each came from),
# so the test needs nothing outside the repository.
SAMPLES = Path(__file__).resolve().parents[1] / "interop-samples" / "request"


def local_times(start: datetime.datetime, zone: str) -> list[datetime.datetime]:
    """The meeting's wall-clock time on every day from its start to two years after."""
    local = start.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
    days = (local.replace(year=local.year + 2) - local).days
    return [local + datetime.timedelta(days=n) for n in range(days + 1)]


def icaljs(ics: str, tzid: str | None = None, times=()) -> dict:
    result = subprocess.run(
        ["node", str(PROBE)],
        input=json.dumps(
            {"ics": ics, "tzid": tzid, "times": [t.isoformat(timespec="seconds") for t in times]}
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def offsets_by_parser(ics: str, tzid: str, times: list[datetime.datetime]) -> dict[str, list]:
    """The UTC offset (seconds) of each local time, by each parser, from the VTIMEZONE alone
    (never from the parser's own copy of the zone)."""
    [component] = [c for c in Calendar.from_ical(ics).walk("VTIMEZONE") if c["TZID"] == tzid]
    icalendar_zone = component.to_tz(lookup_tzid=False)
    [vobject_zone] = [
        z.gettzinfo() for z in vobject.readOne(ics).vtimezone_list if z.tzid.value == tzid
    ]
    return {
        "zoneinfo": [
            t.replace(tzinfo=zoneinfo.ZoneInfo(tzid)).utcoffset().total_seconds() for t in times
        ],
        "icalendar": [t.replace(tzinfo=icalendar_zone).utcoffset().total_seconds() for t in times],
        "vobject": [t.replace(tzinfo=vobject_zone).utcoffset().total_seconds() for t in times],
        "ical.js": [float(s) for s in icaljs(ics, tzid, times)["offsets"]],
    }


def assert_all_agree(ics: str, tzid: str, times: list[datetime.datetime]) -> None:
    found = offsets_by_parser(ics, tzid, times)
    truth = found.pop("zoneinfo")
    assert len(set(truth)) == (1 if tzid.startswith("Asia/") else 2)  # summer time is tested
    for parser, offsets in found.items():
        wrong = [
            (t.date().isoformat(), o, z)
            for t, o, z in zip(times, offsets, truth, strict=True)
            if o != z
        ]
        assert not wrong, f"{parser} reads {tzid} wrongly on {len(wrong)} days: {wrong[:3]}"


def meeting_in(schedule, zone: str):
    """A meeting at 10.00 local, three weeks ahead, in `zone`."""
    tz = zoneinfo.ZoneInfo(zone)
    day = (datetime.datetime.now(tz) + datetime.timedelta(days=21)).date()
    start = datetime.datetime.combine(day, datetime.time(10), tzinfo=tz)
    return schedule(timezone_name=zone, start=start, end=start + datetime.timedelta(hours=1))


# Casablanca leaves summer time for Ramadan, on no yearly rule: each change is an observance.
@pytest.mark.parametrize("zone", [*ZONES, "Africa/Casablanca"])
def test_the_mailed_invitation_reads_the_same_in_every_parser_for_two_years(
    schedule, world, smtp_server, zone
):
    meeting = meeting_in(schedule, zone)
    outbox_deliver()
    message = next(m for m in smtp_server.messages if m["To"].endswith(world["andi"].email))
    ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_content()
    assert "RDATE" not in ics  # one RDATE list is what ical.js and vobject misread
    assert_all_agree(ics, zone, local_times(meeting.start, zone))
    # And the event itself lands at the same instant in ical.js.
    [event] = icaljs(ics)["events"]
    assert event["uid"] == meeting.uid
    assert datetime.datetime.fromisoformat(event["start"]) == meeting.start


def test_the_feed_reads_the_same_in_every_parser_for_two_years(schedule, world):
    meetings = {zone: meeting_in(schedule, zone) for zone in ZONES}
    url = feed_services.calendar_feed_renew(official=world["budi"])
    response = Client().get(urlsplit(url).path)
    assert response.status_code == 200, response.content[:300]
    ics = response.content.decode()
    assert "RDATE" not in ics
    for zone, meeting in meetings.items():
        assert_all_agree(ics, zone, local_times(meeting.start, zone))
    starts = {e["uid"]: e["start"] for e in icaljs(ics)["events"]}
    for meeting in meetings.values():
        assert datetime.datetime.fromisoformat(starts[meeting.uid]) == meeting.start


def test_a_feed_spanning_years_covers_every_summer_in_it(schedule, world):
    """Meetings years apart in one zone: one VTIMEZONE whose yearly rules hold throughout."""
    zone = "Europe/Amsterdam"
    first = meeting_in(schedule, zone)
    later_start = first.start + datetime.timedelta(days=3 * 365)
    schedule(timezone_name=zone, start=later_start, end=later_start + datetime.timedelta(hours=1))
    url = feed_services.calendar_feed_renew(official=world["budi"])
    ics = Client().get(urlsplit(url).path).content.decode()
    assert ics.count("BEGIN:VTIMEZONE") == 1
    times = local_times(first.start, zone) + local_times(later_start, zone)
    assert_all_agree(ics, zone, times)


def test_the_real_invitations_are_in_the_repository():
    """The samples the next test reads are here, so it can never pass by reading none."""
    assert len(list(SAMPLES.glob("*.ics"))) == 6


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.ics")))
def test_real_invitations_from_other_clients_read_the_same_in_all_three_parsers(sample):
    """The harness is sound: Outlook's, Exchange's, Google's and Lotus Notes' invitations,
    their own VTIMEZONEs included, give the same instant in each parser."""
    ics = (SAMPLES / sample).read_bytes().decode("utf-8")
    by_icalendar = {}
    for event in Calendar.from_ical(ics).walk("VEVENT"):
        start = event.decoded("DTSTART")
        by_icalendar[str(event["UID"])] = start
    assert by_icalendar
    by_vobject = {}
    for event in vobject.readOne(ics).vevent_list:
        by_vobject[event.uid.value] = event.dtstart.value
    by_icaljs = {
        e["uid"]: datetime.datetime.fromisoformat(e["start"]) for e in icaljs(ics)["events"]
    }
    assert set(by_icalendar) == set(by_vobject) == set(by_icaljs)
    for uid, start in by_icalendar.items():
        if not isinstance(start, datetime.datetime):  # an all-day event
            continue
        assert start == by_vobject[uid] == by_icaljs[uid], (sample, uid)
