"""meetings.services.agencies: meetings that invited an agency whole follow its officials,
as they leave it (removed, with a CANCEL) or join it (invited)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from coordination.platform.models import OutboundMail
from meetings.models import Meeting
from meetings.services import agencies, scheduling
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db


def roles(meeting) -> dict[str, str]:
    return dict(meeting.participants.values_list("official__username", "role"))


def test_meetings_that_invited_an_agency_follow_its_members(
    world, schedule, django_capture_on_commit_callbacks
):
    from coordination.organisation.services import official_apply_access
    from tests.factories import OfficialFactory

    meeting = schedule(participants=[], agencies=["sulsel"])
    assert {"andi", "nurul", "outsider"} <= set(roles(meeting))
    # nurul moves to the ministry: no longer invited through South Sulawesi.
    nurul = world["nurul"]
    previous = {"agency_id": nurul.agency_id}
    nurul.agency = world["ministry"]
    nurul.save()
    with django_capture_on_commit_callbacks(execute=True):
        official_apply_access(official=nurul, previous=previous)
    meeting.refresh_from_db()
    assert "nurul" not in roles(meeting) and meeting.sequence == 1
    assert OutboundMail.objects.filter(recipient=nurul.email, kind="removal").count() == 1
    # A newcomer to South Sulawesi is invited to its upcoming meetings.
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = OfficialFactory(username="baru", agency=world["sulsel"])
        official_apply_access(official=newcomer, previous=None)
    assert roles(meeting)["baru"] == "required"
    joined = meeting.participants.get(official=newcomer)
    assert not joined.named and joined.via_agency_id == world["sulsel"].pk
    assert OutboundMail.objects.filter(recipient=newcomer.email, kind="invitation").count() == 1
    # Invited by name, an official stays whatever their agency.
    named = schedule(participants=[{"username": "andi"}], agencies=["sulsel"])
    andi = world["andi"]
    previous = {"agency_id": andi.agency_id}
    andi.agency = world["ministry"]
    andi.save()
    with django_capture_on_commit_callbacks(execute=True):
        official_apply_access(official=andi, previous=previous)
    assert "andi" in roles(named)


def test_only_upcoming_scheduled_meetings_follow_and_an_unknown_official_moves_nothing(
    world, schedule
):
    upcoming = schedule(participants=[], agencies=["sulsel"])
    cancelled = schedule(participants=[], agencies=["sulsel"])
    scheduling.meeting_cancel(by=world["budi"], meeting_id=cancelled.pk)
    past = schedule(participants=[], agencies=["sulsel"])
    now = timezone.now()
    Meeting.objects.filter(pk=past.pk).update(
        start=now - datetime.timedelta(hours=3), end=now - datetime.timedelta(hours=2)
    )
    agencies.agency_participants_move(
        official_id=world["nurul"].pk,
        old_agency_id=world["sulsel"].pk,
        new_agency_id=world["ministry"].pk,
    )
    assert "nurul" not in roles(upcoming)
    assert "nurul" in roles(cancelled) and "nurul" in roles(past)  # those stay as they were
    removals = OutboundMail.objects.filter(recipient=world["nurul"].email, kind="removal")
    assert removals.count() == 1
    agencies.agency_participants_move(
        official_id=999_999, old_agency_id=world["sulsel"].pk, new_agency_id=None
    )
    assert {"andi", "outsider"} <= set(roles(upcoming))


def test_an_inactive_official_joining_an_agency_is_not_invited(world, schedule):
    meeting = schedule(participants=[], agencies=["sulsel"])
    retired = OfficialFactory(username="pensiun", agency=world["sulsel"], is_active=False)
    agencies.agency_participants_move(
        official_id=retired.pk, old_agency_id=None, new_agency_id=world["sulsel"].pk
    )
    assert "pensiun" not in roles(meeting)
    newcomer = OfficialFactory(username="baru", agency=world["sulsel"])
    agencies.agency_participants_move(
        official_id=newcomer.pk, old_agency_id=None, new_agency_id=world["sulsel"].pk
    )
    agencies.agency_participants_move(  # told twice (a signal and the periodic job): once
        official_id=newcomer.pk, old_agency_id=None, new_agency_id=world["sulsel"].pk
    )
    assert roles(meeting)["baru"] == "required"
    assert OutboundMail.objects.filter(recipient=newcomer.email, kind="invitation").count() == 1
