"""meetings.services.scheduling: each rule of scheduling, changing and cancelling, proven at
its one home (each test fails when that rule is taken out of the service)."""

from __future__ import annotations

import datetime

import pytest

from coordination.organisation.models import AuditEntry
from coordination.platform.errors import Conflict, Forbidden, InvalidInput
from coordination.platform.models import OutboundMail
from meetings.models import Meeting
from meetings.services import scheduling
from meetings.services.scheduling import Invitee

pytestmark = pytest.mark.django_db


def roles(meeting) -> dict[str, str]:
    return dict(meeting.participants.values_list("official__username", "role"))


def test_only_coordinators_schedule_whatever_the_entry_point(world, api, soon):
    """The page shows the form to coordinators only, but the refusal is the service's: the
    API (which has no form) is refused the same way."""
    with pytest.raises(Forbidden):
        scheduling.meeting_create(
            by=world["nurul"], title="Rapat", start=soon, end=soon + datetime.timedelta(hours=1)
        )
    response = api("nurul").post(
        "/api/v1/meetings",
        {
            "title": "Rapat",
            "start": soon.isoformat(),
            "end": (soon + datetime.timedelta(hours=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not Meeting.objects.exists()


def test_a_cancelled_meeting_is_not_changed_through_the_form_either(client, world, schedule):
    from tests.meetings.test_pages import form_data

    meeting = schedule()
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    mails = OutboundMail.objects.count()
    client.force_login(world["budi"])
    response = client.post(
        f"/meetings/{meeting.pk}/edit",
        form_data(meeting.start.date() + datetime.timedelta(days=1), title="Diubah"),
    )
    assert response.status_code == 200
    assert "dibatalkan" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.title == "Rakor pengendalian inflasi daerah" and meeting.is_cancelled
    assert OutboundMail.objects.count() == mails
    with pytest.raises(Conflict):
        scheduling.meeting_update(by=world["budi"], meeting_id=meeting.pk, changes={"title": "x"})


def test_a_rahasia_meeting_invites_by_name_only_when_made_and_when_changed(world, schedule):
    with pytest.raises(InvalidInput) as refused:
        schedule(classification="rahasia", agencies=["sulsel"])
    assert "agencies" in refused.value.fields
    meeting = schedule(agencies=["sulsel"])
    with pytest.raises(InvalidInput):
        scheduling.meeting_update(
            by=world["budi"], meeting_id=meeting.pk, changes={"classification": "rahasia"}
        )
    secret = schedule(classification="rahasia")
    with pytest.raises(InvalidInput):
        scheduling.meeting_update(
            by=world["budi"], meeting_id=secret.pk, changes={}, agencies=["sulsel"]
        )
    assert not secret.agencies.exists()


def test_every_change_raises_the_version_and_a_significant_one_the_sequence(world, schedule):
    meeting = schedule()
    assert (meeting.version, meeting.sequence, meeting.answers_sequence) == (1, 0, 0)
    meeting, _ = scheduling.meeting_update(
        by=world["budi"], meeting_id=meeting.pk, changes={"description": "Agenda baru"}
    )
    assert (meeting.version, meeting.sequence, meeting.answers_sequence) == (2, 0, 0)
    meeting, _ = scheduling.meeting_update(
        by=world["budi"], meeting_id=meeting.pk, changes={"location": "Ruang 2"}
    )
    assert (meeting.version, meeting.sequence, meeting.answers_sequence) == (3, 1, 1)
    meeting, _ = scheduling.meeting_update(
        by=world["budi"], meeting_id=meeting.pk, changes={}, participants=[Invitee("andi")]
    )  # nurul removed: her CANCEL takes a new SEQUENCE, the others' answers stay current
    assert (meeting.version, meeting.sequence, meeting.answers_sequence) == (4, 2, 1)
    meeting = scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    assert (meeting.version, meeting.sequence, meeting.answers_sequence) == (5, 3, 3)


def test_times_are_checked_once_for_every_caller(world, soon):
    for start, end in (
        (soon, soon),
        (soon, soon - datetime.timedelta(minutes=1)),
        (soon, soon + datetime.timedelta(hours=25)),
        (soon - datetime.timedelta(days=3), soon - datetime.timedelta(days=3, hours=-1)),
    ):
        with pytest.raises(InvalidInput):
            scheduling.meeting_create(by=world["budi"], title="Rapat", start=start, end=end)
    assert not Meeting.objects.exists()


def test_a_change_of_roles_alone_is_sent(world, schedule):
    meeting = schedule()
    sent = OutboundMail.objects.count()
    scheduling.meeting_update(
        by=world["budi"],
        meeting_id=meeting.pk,
        changes={},
        participants=[Invitee("andi", "note_taker"), Invitee("nurul")],
    )
    assert roles(meeting)["andi"] == "note_taker"
    assert OutboundMail.objects.count() == sent + 3  # budi, andi, nurul: an update
    assert AuditEntry.objects.filter(event="meeting_changed").count() == 1


def test_times_come_back_in_utc_and_naive_or_too_long_ones_are_refused(settings, soon):
    makassar = datetime.timezone(datetime.timedelta(hours=8))
    start = soon.astimezone(makassar)
    utc_start, utc_end = scheduling.check_times(
        start, start + datetime.timedelta(hours=2), must_be_future=True
    )
    assert utc_start == start and utc_start.utcoffset() == datetime.timedelta(0)
    assert utc_end - utc_start == datetime.timedelta(hours=2)
    naive = start.replace(tzinfo=None)
    with pytest.raises(InvalidInput) as refused:
        scheduling.check_times(naive, naive + datetime.timedelta(hours=1), must_be_future=False)
    assert "start" in refused.value.fields
    longest = datetime.timedelta(hours=settings.RAKOR_MEETING_MAX_HOURS)
    assert scheduling.check_times(start, start + longest, must_be_future=True)
    with pytest.raises(InvalidInput) as refused:
        scheduling.check_times(
            start, start + longest + datetime.timedelta(minutes=1), must_be_future=True
        )
    assert "end" in refused.value.fields
    # A meeting under way keeps its start: only a new one must lie ahead.
    past = soon - datetime.timedelta(days=3)
    assert scheduling.check_times(past, past + datetime.timedelta(hours=1), must_be_future=False)


def test_invitees_are_listed_once_each_in_a_known_role():
    invited = scheduling.check_invitees([Invitee("andi", "chair"), Invitee("nurul")])
    assert invited == [Invitee("andi", "chair"), Invitee("nurul", "required")]
    with pytest.raises(InvalidInput) as refused:
        scheduling.check_invitees([Invitee("andi"), Invitee("andi", "optional")])
    assert refused.value.fields == {"participants": ["andi"]}
    with pytest.raises(InvalidInput):
        scheduling.check_invitees([Invitee("andi", "emperor")])
    many = [Invitee(f"orang{n}") for n in range(scheduling.MAX_PARTICIPANTS)]
    assert len(scheduling.check_invitees(many)) == scheduling.MAX_PARTICIPANTS
    with pytest.raises(InvalidInput):
        scheduling.check_invitees([*many, Invitee("satu-lagi")])


def test_a_bump_raises_the_version_and_a_significant_one_the_sequence_too(schedule):
    meeting = schedule()
    scheduling.meeting_bump(meeting, significant=False, resend=False)
    assert (meeting.version, meeting.sequence, meeting.answers_sequence) == (2, 0, 0)
    scheduling.meeting_bump(meeting, significant=False, resend=True)
    assert (meeting.version, meeting.sequence, meeting.answers_sequence) == (3, 1, 0)
    scheduling.meeting_bump(meeting, significant=True, resend=False)
    assert (meeting.version, meeting.sequence, meeting.answers_sequence) == (4, 2, 2)
    meeting.refresh_from_db()
    assert meeting.version == 1  # recorded on the meeting; its caller saves it
