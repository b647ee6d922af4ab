from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.test import Client
from django.utils import timezone

from meetings.services import scheduling
from meetings.services.scheduling import Invitee


def invitees(items):
    """Participants as the API and the form hand them to the services: {"username", "role"}
    dicts (the API's JSON) become Invitees."""
    return [
        item
        if isinstance(item, Invitee)
        else Invitee(item["username"], item.get("role", "required"))
        for item in items
    ]


@pytest.fixture
def soon():
    """09:00 WIB two days ahead: a fixed hour, so a meeting from it (and a few hours after it)
    stays on one day in every Indonesian zone whatever the time the suite runs (the form
    takes one date with a start and an end time)."""
    jakarta = zoneinfo.ZoneInfo("Asia/Jakarta")
    day = timezone.now().astimezone(jakarta).date() + datetime.timedelta(days=2)
    return datetime.datetime.combine(day, datetime.time(9), jakarta).astimezone(datetime.UTC)


@pytest.fixture
def starting():
    """A start ten minutes ahead, on the minute: inside the video room's join window, which
    opens 15 minutes before the start."""
    return (timezone.now() + datetime.timedelta(minutes=10)).replace(second=0, microsecond=0)


@pytest.fixture
def about_to_start(starting):
    """Move a meeting to start in ten minutes, keeping its length, so that its participants
    may join its video room now: `about_to_start(meeting)`."""
    from meetings.models import Meeting

    def move(meeting):
        length = meeting.end - meeting.start
        Meeting.objects.filter(pk=meeting.pk).update(start=starting, end=starting + length)
        meeting.refresh_from_db()
        return meeting

    return move


@pytest.fixture
def schedule(world, soon):
    """Schedule a meeting as budi (coordinator, Kemendagri) with andi and nurul by name."""

    def make(**kwargs):
        fields = {
            "by": world["budi"],
            "title": "Rakor pengendalian inflasi daerah",
            "start": soon,
            "end": soon + datetime.timedelta(hours=1, minutes=30),
            "timezone_name": "Asia/Jakarta",
            "participants": [
                {"username": "andi", "role": "required"},
                {"username": "nurul", "role": "optional"},
            ],
        }
        fields.update(kwargs)
        fields["participants"] = invitees(fields["participants"])
        return scheduling.meeting_create(**fields)[0]

    return make


@pytest.fixture
def api(world):
    """A client per official of `world`, each with its own Bearer token: api("budi")."""
    from coordination.organisation.services import token_create

    clients: dict[str, Client] = {}

    def as_(who: str) -> Client:
        if who not in clients:
            raw = token_create(official=world[who], name="api")[1]
            clients[who] = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return clients[who]

    return as_


@pytest.fixture
def regions(world):
    """Below world's ministry and Sulawesi Selatan: the regency of Gowa (WITA) with its
    coordinator and a member, and the province of Papua (WIT) with the regency of Jayapura
    and their coordinators: an agency tree across the three zones. The officials join
    `world` too."""
    from coordination.organisation.models import Agency, Role
    from tests.factories import AgencyFactory, OfficialFactory

    regency = Agency.Level.REGENCY
    gowa = AgencyFactory(
        code="gowa",
        name="Kabupaten Gowa",
        parent=world["sulsel"],
        timezone="Asia/Makassar",
        level=regency,
    )
    papua = AgencyFactory(
        code="papua", name="Provinsi Papua", parent=world["ministry"], timezone="Asia/Jayapura"
    )
    jayapura = AgencyFactory(
        code="jayapura",
        name="Kabupaten Jayapura",
        parent=papua,
        timezone="Asia/Jayapura",
        level=regency,
    )
    people = {
        "rahmat": OfficialFactory(username="rahmat", agency=gowa, role=Role.COORDINATOR),
        "wulan": OfficialFactory(username="wulan", agency=gowa),
        "yohanes": OfficialFactory(username="yohanes", agency=papua, role=Role.COORDINATOR),
        "maria": OfficialFactory(username="maria", agency=jayapura, role=Role.COORDINATOR),
    }
    world.update(people)  # so that api("wulan") and the like work
    return {"gowa": gowa, "papua": papua, "jayapura": jayapura, **people}


@pytest.fixture
def decided(world, regions, schedule):
    """A meeting budi organises with andi as chair and nurul as note taker, and a decision
    recorded by nurul: what most decision tests start from."""
    from meetings.services import decisions

    meeting = schedule(
        participants=[
            {"username": "andi", "role": "chair"},
            {"username": "nurul", "role": "note_taker"},
        ]
    )
    decision = decisions.decision_record(
        by=world["nurul"],
        meeting_id=meeting.pk,
        text="Pemda menyalurkan bantuan pangan sebelum akhir bulan.",
        tags=["Pangan", "inflasi"],
    )
    return {"meeting": meeting, "decision": decision}
