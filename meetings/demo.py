"""Demo meetings for `seed_demo`: two upcoming coordination meetings across the three
zones, scheduled through the same service as the form (so their invitations sit in the
outbox and, in the embedded default, land as files under var/mail/)."""

from __future__ import annotations

import datetime
import zoneinfo

from django.utils import timezone

from coordination.organisation.models import Official
from meetings.models import Meeting
from meetings.services import scheduling
from meetings.services.scheduling import Invitee

DEMO_MEETINGS = [
    {
        "organiser": "budi",
        "title": "Rakor pengendalian inflasi daerah",
        "description": "1. Perkembangan harga bahan pokok\n2. Laporan tiap provinsi\n"
        "3. Tindak lanjut",
        "zone": "Asia/Jakarta",
        "days": 1,
        "hour": 9,
        "minutes": 90,
        "participants": [
            ("andi", "required"),
            ("yohanes", "required"),
            ("sari", "note_taker"),
            ("nurul", "optional"),
        ],
    },
    {
        "organiser": "andi",
        "title": "Persiapan kunjungan kerja ke Papua",
        "description": "Agenda dan logistik kunjungan kerja.",
        "zone": "Asia/Makassar",
        "days": 3,
        "hour": 14,
        "minutes": 60,
        "participants": [("nurul", "required"), ("yohanes", "required"), ("maria", "optional")],
    },
]


def seed_demo_meetings() -> int:
    """Create the demo meetings that do not exist yet (by title); returns how many."""
    made = 0
    for item in DEMO_MEETINGS:
        if Meeting.objects.filter(title=item["title"]).exists():
            continue
        organiser = Official.objects.filter(username=item["organiser"]).first()
        if organiser is None:
            continue
        zone = zoneinfo.ZoneInfo(item["zone"])
        day = timezone.now().astimezone(zone).date() + datetime.timedelta(days=item["days"])
        start = datetime.datetime.combine(day, datetime.time(item["hour"]), tzinfo=zone)
        scheduling.meeting_create(
            by=organiser,
            title=item["title"],
            description=item["description"],
            start=start,
            end=start + datetime.timedelta(minutes=item["minutes"]),
            timezone_name=item["zone"],
            participants=[Invitee(u, r) for u, r in item["participants"]],
        )
        made += 1
    return made
