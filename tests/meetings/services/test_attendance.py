"""meetings.services.attendance and the rule it shares with the meeting page: who may join
the video room (selectors.join_refusal, its one home)."""

from __future__ import annotations

import pytest

from coordination.platform.errors import Conflict, Forbidden
from meetings import selectors
from meetings.models import Attendance
from meetings.services import attendance, scheduling

pytestmark = pytest.mark.django_db


def test_only_participants_join_and_the_page_offers_the_room_to_them_alone(client, world, schedule):
    from tests.factories import OfficialFactory

    meeting = schedule()  # budi organises, andi and nurul take part
    colleague = OfficialFactory(username="rina", agency=world["ministry"])  # sees it, not in it
    with pytest.raises(Forbidden):
        attendance.meeting_join(official=colleague, meeting_id=meeting.pk)
    assert attendance.meeting_join(official=world["andi"], meeting_id=meeting.pk)
    assert Attendance.objects.filter(meeting=meeting).count() == 1
    for who, offered in ((world["andi"], True), (colleague, False)):
        client.force_login(who)
        html = client.get(f"/meetings/{meeting.pk}").content.decode()
        assert (f'href="/meetings/{meeting.pk}/join"' in html) is offered, who.username
    assert client.get(f"/meetings/{meeting.pk}/join").status_code == 403


def test_a_cancelled_meeting_or_one_without_video_has_no_room_to_join(world, schedule):
    plain = schedule(video="none")
    refusal = selectors.join_refusal(
        world["andi"], selectors.meeting_get_visible(world["andi"], plain.pk)
    )
    assert isinstance(refusal, Conflict)
    meeting = schedule()
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    with pytest.raises(Conflict):
        attendance.meeting_join(official=world["andi"], meeting_id=meeting.pk)
    assert not Attendance.objects.exists()
