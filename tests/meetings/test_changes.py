"""Changing a meeting through the form and the API: who is invited how, what a change tells
whom in mail and on the socket, edits on an older version, a meeting under way, rahasia
meetings in mail, dates no calendar holds. (The services' own rules are in
tests/meetings/services/: scheduling, answers after a change, agencies.)"""

from __future__ import annotations

import datetime

import pytest
from icalendar import Calendar

from coordination.organisation.models import AuditEntry, Role
from coordination.platform.mail import outbox_deliver
from coordination.platform.models import OutboundMail
from meetings.models import Meeting
from meetings.services import scheduling
from meetings.services.scheduling import Invitee

pytestmark = pytest.mark.django_db

JSON = "application/json"


def calendar_of(message) -> Calendar:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return Calendar.from_ical(part.get_content())


def roles(meeting) -> dict[str, str]:
    return dict(meeting.participants.values_list("official__username", "role"))


def test_a_coordinator_editing_anothers_meeting_is_not_added_to_it(client, world, schedule):
    world["sari"].role = Role.COORDINATOR  # a coordinator of the organising agency
    world["sari"].save(update_fields=["role"])
    meeting = schedule()
    before = roles(meeting)
    client.force_login(world["sari"])
    form = client.get(f"/meetings/{meeting.pk}/edit").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["date"] = data["date"].isoformat()
    data["title"] = "Judul yang dibetulkan"
    response = client.post(f"/meetings/{meeting.pk}/edit", data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    meeting.refresh_from_db()
    assert meeting.title == "Judul yang dibetulkan" and meeting.sequence == 0
    assert roles(meeting) == before  # budi still the chair, sari not invited


def test_saving_the_form_keeps_every_chair_and_note_taker(client, world, schedule):
    meeting = schedule(
        participants=[
            {"username": "andi", "role": "chair"},
            {"username": "sari", "role": "note_taker"},
            {"username": "nurul", "role": "note_taker"},
        ]
    )
    before = roles(meeting)
    assert before["budi"] == before["andi"] == "chair"
    client.force_login(world["budi"])
    form = client.get(f"/meetings/{meeting.pk}/edit").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["date"] = data["date"].isoformat()
    data["description"] = "Agenda baru"
    assert client.post(f"/meetings/{meeting.pk}/edit", data).status_code == 302
    assert roles(meeting) == before
    assert not OutboundMail.objects.filter(kind="removal").exists()


def test_a_meeting_under_way_can_still_be_changed(api, world, schedule):
    meeting = schedule()
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    Meeting.objects.filter(pk=meeting.pk).update(
        start=now - datetime.timedelta(minutes=30), end=now + datetime.timedelta(hours=1)
    )
    meeting.refresh_from_db()
    # Its people and its end change; its start stays.
    response = api("budi").patch(
        f"/api/v1/meetings/{meeting.pk}",
        {
            "start": meeting.start.isoformat(),
            "end": (meeting.end + datetime.timedelta(minutes=30)).isoformat(),
            "participants": [{"username": "andi"}, {"username": "nurul"}, {"username": "sari"}],
        },
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    assert "sari" in roles(meeting)
    # A new start must still lie ahead.
    response = api("budi").patch(
        f"/api/v1/meetings/{meeting.pk}",
        {"start": (meeting.start - datetime.timedelta(hours=1)).isoformat()},
        content_type=JSON,
    )
    assert response.status_code == 400 and response.json()["fields"]["start"]


def test_an_edit_made_on_an_older_version_is_a_conflict_and_saves_nothing(api, schedule):
    meeting = schedule()
    seen = api("budi").get(f"/api/v1/meetings/{meeting.pk}").json()["version"]
    assert (
        api("budi")
        .patch(
            f"/api/v1/meetings/{meeting.pk}",
            {"title": "Pertama", "version": seen},
            content_type=JSON,
        )
        .json()["version"]
        == seen + 1
    )
    mails = OutboundMail.objects.count()
    response = api("budi").patch(
        f"/api/v1/meetings/{meeting.pk}", {"title": "Kedua", "version": seen}, content_type=JSON
    )
    assert response.status_code == 409
    assert response.json()["current"]["version"] == seen + 1
    meeting.refresh_from_db()
    assert meeting.title == "Pertama" and OutboundMail.objects.count() == mails


def test_the_form_refuses_a_change_made_on_an_older_version(client, world, schedule):
    meeting = schedule()
    client.force_login(world["budi"])
    form = client.get(f"/meetings/{meeting.pk}/edit").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["date"] = data["date"].isoformat()
    scheduling.meeting_update(by=world["budi"], meeting_id=meeting.pk, changes={"title": "Lain"})
    response = client.post(f"/meetings/{meeting.pk}/edit", {**data, "title": "Basi"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    meeting.refresh_from_db()
    assert meeting.title == "Lain"


def test_newcomers_get_an_invitation_others_an_update_and_the_removed_a_bare_cancel(
    world, schedule, smtp_server
):
    meeting = schedule()
    outbox_deliver()
    smtp_server.messages.clear()
    scheduling.meeting_update(
        by=world["budi"],
        meeting_id=meeting.pk,
        changes={},
        participants=[Invitee("andi"), Invitee("sari")],
    )
    kinds = dict(OutboundMail.objects.filter(sent_at__isnull=True).values_list("recipient", "kind"))
    assert kinds == {
        "sari@example.test": "invitation",
        "andi@example.test": "update",
        "budi@example.test": "update",
        "nurul@example.test": "removal",
    }
    outbox_deliver()
    removal = next(m for m in smtp_server.messages if m["To"] == "nurul@example.test")
    [event] = calendar_of(removal).walk("VEVENT")
    # RFC 5546 §3.2.5: a CANCEL uninviting someone has no STATUS and asks no answer.
    assert "STATUS" not in event and not event.walk("VALARM")
    assert event["ATTENDEE"].params["RSVP"] == "FALSE"


def test_a_rahasia_meetings_words_never_leave_rakor(world, schedule, smtp_server):
    meeting = schedule(
        classification="rahasia",
        title="Operasi penertiban tambang ilegal",
        description="Lokasi sasaran: desa X",
        location="Ruang Situasi Lt. 9",
    )
    outbox_deliver()
    assert smtp_server.messages
    for message in smtp_server.messages:
        raw = message.as_string()
        for word in ("penertiban", "desa X", "Situasi"):
            assert word not in raw and word not in message["Subject"]
        [event] = calendar_of(message).walk("VEVENT")
        assert "rahasia" in str(event["SUMMARY"]).lower()
        assert f"/meetings/{meeting.pk}" in str(event["DESCRIPTION"])
    # Nor do the outbox rows administrators see, nor the audit log.
    assert not OutboundMail.objects.filter(subject__contains="penertiban").exists()
    assert not AuditEntry.objects.filter(target_repr__contains="penertiban").exists()


def test_a_person_replying_to_the_invitation_writes_to_the_organiser(world, schedule):
    schedule()
    mail = OutboundMail.objects.filter(recipient="andi@example.test").get()
    assert mail.payload["reply_to"] == [world["budi"].email]


def test_dates_no_calendar_can_hold_are_refused_not_crashed_on(api, client, world):
    client.force_login(world["andi"])
    for date in ("0001-01-01", "9999-12-31", "0001-01-05"):
        for view in ("week", "month"):
            assert client.get(f"/meetings/{view}/?date={date}").status_code == 200
    for query in (
        "start=0001-01-01T00:00%2B09:00",
        "end=9999-12-31T23:00-09:00",
        "start=2026-01-01T00:00%2B21:49",
        "start=0",
    ):
        response = api("andi").get(f"/api/v1/meetings?{query}")
        assert response.status_code == 400, query


@pytest.fixture
def memory_layer(settings):
    """A fresh in-memory channel layer for this test only."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield channel_layers["default"]
    channel_layers.backends.clear()


def test_a_participant_removed_is_told_only_that(
    world, schedule, memory_layer, django_capture_on_commit_callbacks
):
    import asyncio

    from asgiref.sync import async_to_sync

    from coordination.platform.realtime import official_group

    layer = memory_layer
    meeting = schedule()

    async def frames_for(official) -> list[dict]:
        channel = await layer.new_channel()
        await layer.group_add(official_group(official.pk), channel)
        return channel

    nurul = async_to_sync(frames_for)(world["nurul"])
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.meeting_update(
            by=world["budi"],
            meeting_id=meeting.pk,
            changes={"title": "Judul baru yang tidak untuk nurul"},
            participants=[Invitee("andi")],
        )

    async def drain(channel) -> list[dict]:
        got = []
        while True:
            try:
                event = await asyncio.wait_for(layer.receive(channel), 0.2)
            except TimeoutError:
                return got
            if "frame" in event:
                got.append(event["frame"])

    frames = [f for f in async_to_sync(drain)(nurul) if f["type"] == "meeting_updated"]
    assert frames == [{"type": "meeting_updated", "meeting": {"id": meeting.pk, "removed": True}}]
