"""meetings.services.attendance and the rule it shares with the meeting page: who may join
the video room, and when (selectors.join_refusal, its one home; the window itself is
meetings.video.join_window_refusal)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from coordination.organisation.timefmt import format_in_zone
from coordination.platform.errors import Conflict, Forbidden
from coordination.platform.mail import outbox_deliver
from coordination.platform.models import OutboundMail
from meetings import selectors
from meetings.models import Attendance, Meeting
from meetings.services import attendance, scheduling

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


def test_only_participants_join_and_the_page_offers_the_room_to_them_alone(
    client, world, schedule, starting
):
    from tests.factories import OfficialFactory

    meeting = schedule(start=starting, end=starting + 90 * MINUTE)  # budi, andi and nurul
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


def test_a_cancelled_meeting_or_one_without_video_has_no_room_to_join(world, schedule, starting):
    plain = schedule(video="none", start=starting, end=starting + 90 * MINUTE)
    refusal = selectors.join_refusal(
        world["andi"], selectors.meeting_get_visible(world["andi"], plain.pk)
    )
    assert isinstance(refusal, Conflict)
    meeting = schedule(start=starting, end=starting + 90 * MINUTE)
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    with pytest.raises(Conflict) as refused:
        attendance.meeting_join(official=world["andi"], meeting_id=meeting.pk)
    assert refused.value.current == {"status": "cancelled"}
    assert not Attendance.objects.exists()


def test_the_room_opens_fifteen_minutes_before_the_start_until_the_end(world, schedule, soon):
    meeting = schedule()  # two days ahead
    andi = world["andi"]
    seen = selectors.meeting_get_visible(andi, meeting.pk)
    early = selectors.join_refusal(andi, seen, now=meeting.start - 16 * MINUTE)
    assert early is not None and early.code == "not_open_yet"
    opens = meeting.start - 15 * MINUTE
    assert format_in_zone(opens, "Asia/Makassar") in early.message  # andi's zone: WITA
    assert selectors.join_refusal(andi, seen, now=meeting.start - 14 * MINUTE) is None
    assert selectors.join_refusal(andi, seen, now=meeting.end - MINUTE) is None
    late = selectors.join_refusal(andi, seen, now=meeting.end)
    assert late is not None and late.code == "ended"
    # Now, two days ahead: the service refuses too, and records nothing.
    with pytest.raises(Conflict) as refused:
        attendance.meeting_join(official=andi, meeting_id=meeting.pk)
    assert refused.value.code == "not_open_yet"
    assert not Attendance.objects.exists()


def test_the_join_page_says_when_to_come_back_in_the_officials_zone_and_language(
    client, world, schedule
):
    meeting = schedule()  # two days ahead
    andi = world["andi"]
    andi.language = "id"
    andi.save(update_fields=["language"])
    client.force_login(andi)
    response = client.get(f"/meetings/{meeting.pk}/join")
    assert response.status_code == 409
    page = response.content.decode()
    opens = format_in_zone(meeting.start - 15 * MINUTE, "Asia/Makassar", language="id")
    assert opens in page and "WITA" in page
    assert f'href="/meetings/{meeting.pk}"' in page  # back to the meeting
    assert meeting.video_room not in page
    assert not Attendance.objects.exists()

    nurul = world["nurul"]
    nurul.language = "en"
    nurul.save(update_fields=["language"])
    client.force_login(nurul)
    page = client.get(f"/meetings/{meeting.pk}/join").content.decode()
    opens = format_in_zone(meeting.start - 15 * MINUTE, "Asia/Makassar", language="en")
    assert f"The video room opens at {opens}, 15 minutes before the start." in page


def test_the_meeting_page_says_when_the_room_opens_and_when_it_ended(client, world, schedule):
    meeting = schedule()  # two days ahead
    client.force_login(world["andi"])
    page = client.get(f"/meetings/{meeting.pk}").content.decode()
    assert f'href="/meetings/{meeting.pk}/join"' not in page
    assert 'disabled aria-describedby="join-closed"' in page
    assert format_in_zone(meeting.start - 15 * MINUTE, "Asia/Makassar") in page

    # The same meeting, held yesterday: no button, and when it ended.
    yesterday = meeting.start - datetime.timedelta(days=3)
    Meeting.objects.filter(pk=meeting.pk).update(start=yesterday, end=yesterday + 90 * MINUTE)
    page = client.get(f"/meetings/{meeting.pk}").content.decode()
    assert f'href="/meetings/{meeting.pk}/join"' not in page
    assert 'disabled aria-describedby="join-closed"' not in page
    assert format_in_zone(yesterday + 90 * MINUTE, "Asia/Makassar") in page
    assert client.get(f"/meetings/{meeting.pk}/join").status_code == 409


def test_no_mail_carries_a_token_or_the_room(world, schedule, starting, settings):
    settings.RAKOR_JITSI_APP_ID = "rakor"
    settings.RAKOR_JITSI_APP_SECRET = "a-long-random-secret-known-only-to-rakor-and-prosody"
    meeting = schedule(start=starting, end=starting + 90 * MINUTE)
    for who in ("budi", "andi", "nurul"):
        assert "jwt=" in attendance.meeting_join(official=world[who], meeting_id=meeting.pk)
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    rows = list(OutboundMail.objects.all())
    assert rows  # invitations and cancellations
    outbox_deliver()
    assert len(mail.outbox) == len(rows)
    for sent in mail.outbox:
        raw = sent.message().as_bytes()
        assert b"jwt" not in raw.lower() and meeting.video_room.encode() not in raw
    for row in rows:
        assert "jwt" not in str(row.payload).lower() and meeting.video_room not in str(row.payload)
