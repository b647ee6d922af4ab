"""Demo meetings for `seed_demo`: two upcoming coordination meetings across the three
zones and a weekly one repeating for three months (one occurrence moved), scheduled through
the same service as the form (so their invitations sit in the outbox and, in the embedded
default, land as files under var/mail/), the first with its agenda; and last week's
evaluation meeting with its decisions and the follow-up actions the regions owe (one
overdue, one in progress, one done), all in the decision log."""

from __future__ import annotations

import datetime
import zoneinfo

from django.utils import timezone

from coordination.organisation.models import Official
from coordination.platform.models import OutboundMail
from meetings.models import Meeting, occurrence_key
from meetings.services import agenda, occurrences, scheduling
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
        "agenda": [
            ("Perkembangan harga bahan pokok", 20),
            ("Laporan Provinsi Sulawesi Selatan", 15),
            ("Laporan Provinsi Papua", 15),
            ("Tindak lanjut dan penutup", 10),
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
    {
        "organiser": "budi",
        "title": "Rakor mingguan percepatan penurunan stunting",
        "description": "Rapat koordinasi rutin pusat dan daerah setiap minggu.",
        "zone": "Asia/Jakarta",
        "days": 2,
        "hour": 10,
        "minutes": 60,
        "participants": [("andi", "required"), ("yohanes", "required"), ("maria", "required")],
        # weekly on the first meeting's weekday, twelve times; the third one an hour later
        "repeat": 12,
        "agenda": [("Capaian tiap provinsi", 30), ("Kendala dan tindak lanjut", 20)],
    },
]


PAST_MEETING = "Evaluasi penyaluran bantuan pangan"
PAST_DECISIONS = [
    (
        "Penyaluran bantuan pangan tahap II dipercepat; setiap daerah melaporkan realisasi "
        "mingguan.",
        ["pangan", "bansos"],
        [
            ("Laporan realisasi penyaluran minggu pertama", "kab-gowa", None, -2, None),
            ("Verifikasi data penerima di tiap kelurahan", "kota-makassar", "nurul", 5, None),
            ("Rekap realisasi tingkat provinsi", "papua", "yohanes", 7, "in_progress"),
        ],
    ),
    (
        "Gudang Bulog cadangan dibuka untuk daerah dengan stok di bawah dua minggu.",
        ["pangan", "logistik"],
        [("Usulan kebutuhan stok beras", "kab-bogor", None, 3, "done")],
    ),
]


def seed_demo_decisions() -> int:
    """Last week's evaluation meeting, its decisions and follow-up actions (once)."""
    from meetings.services import decisions

    if Meeting.objects.filter(title=PAST_MEETING).exists():
        return 0
    budi = Official.objects.filter(username="budi").first()
    if budi is None:
        return 0
    zone = zoneinfo.ZoneInfo("Asia/Jakarta")
    day = timezone.now().astimezone(zone).date() + datetime.timedelta(days=1)
    start = datetime.datetime.combine(day, datetime.time(10), tzinfo=zone)
    meeting, _busy = scheduling.meeting_create(
        by=budi,
        title=PAST_MEETING,
        description="Evaluasi penyaluran bantuan pangan tahap I dan rencana tahap II.",
        start=start,
        end=start + datetime.timedelta(hours=1),
        timezone_name="Asia/Jakarta",
        participants=[
            Invitee("andi", "chair"),
            Invitee("sari", "note_taker"),
            Invitee("yohanes", "required"),
            Invitee("dewi", "required"),
        ],
    )
    item = agenda.agenda_item_add(by=budi, meeting_id=meeting.pk, title="Realisasi tahap I")
    # Demo data only: the meeting took place a week ago (the service schedules ahead only),
    # so its invitations, written for the day it was first put on, are not sent.
    week = datetime.timedelta(days=8)
    Meeting.objects.filter(pk=meeting.pk).update(
        start=start - week,
        end=start - week + datetime.timedelta(hours=1),
        agenda_resend_due=None,
    )
    OutboundMail.objects.filter(
        topic=f"meeting:{meeting.pk}", state=OutboundMail.State.QUEUED
    ).delete()
    today = timezone.now().astimezone(zone).date()
    for text, tags, actions in PAST_DECISIONS:
        decision = decisions.decision_record(
            by=budi, meeting_id=meeting.pk, text=text, tags=tags, agenda_item_id=item.pk
        )
        for description, agency, assignee, days, status in actions:
            action = decisions.action_assign(
                by=budi,
                decision_id=decision.pk,
                description=description,
                agency_code=agency,
                assignee_username=assignee,
                due=today + datetime.timedelta(days=days),
            )
            if status:
                comment = "Sudah dikirim ke Kemendagri." if status == "done" else "Sedang disusun."
                decisions.action_update(
                    by=budi, action_id=action.pk, status=status, comment=comment
                )
    return 1


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
        rule = ""
        if item.get("repeat"):
            day_code = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[start.weekday()]
            rule = f"FREQ=WEEKLY;BYDAY={day_code};COUNT={item['repeat']}"
        meeting, _busy = scheduling.meeting_create(
            by=organiser,
            title=item["title"],
            description=item["description"],
            start=start,
            end=start + datetime.timedelta(minutes=item["minutes"]),
            timezone_name=item["zone"],
            participants=[Invitee(u, r) for u, r in item["participants"]],
            rrule=rule,
        )
        for title, minutes in item.get("agenda", ()):
            agenda.agenda_item_add(
                by=organiser, meeting_id=meeting.pk, title=title, planned_minutes=minutes
            )
        if rule:
            third = meeting.start + datetime.timedelta(weeks=2)
            occurrences.occurrence_update(
                by=organiser,
                series_id=meeting.pk,
                key=occurrence_key(third),
                changes={
                    "start": third + datetime.timedelta(hours=1),
                    "end": third + datetime.timedelta(hours=1, minutes=item["minutes"]),
                },
            )
        made += 1
    return made + seed_demo_decisions()
