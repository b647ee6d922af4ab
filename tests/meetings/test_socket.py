"""Meetings on /ws/: subscribe to a meeting, the live tally (rsvp_updated) and changes
(meeting_updated), each frame once per socket, and no tally for those who may not see it."""

from __future__ import annotations

import datetime

import pytest
from channels.db import database_sync_to_async

from meetings.services import answers, scheduling
from meetings.services.scheduling import Invitee
from tests.messaging import test_rooms_socket
from tests.messaging.test_rooms_socket import connect

pytestmark = pytest.mark.django_db(transaction=True)

# The official's own notifications (an invitation changed, an answer for the organiser) share
# the socket; they are tested in tests/coordination/test_notifications.py and
# tests/meetings/test_notification_sources.py. Here only the meeting's frames count.
NOTIFICATION = "notification"


async def frames_until(socket, frame_type: str) -> list[dict]:
    """The meeting frames up to and including the first of `frame_type`."""
    frames = await test_rooms_socket.frames_until(socket, frame_type)
    return [frame for frame in frames if frame["type"] != NOTIFICATION]


async def quiet(socket, *, within: float = 0.3) -> bool:
    """True when no meeting frame arrives on the socket (without cancelling the consumer)."""
    while not await socket.receive_nothing(timeout=within):
        if (await socket.receive_json_from())["type"] != NOTIFICATION:
            return False
    return True


@pytest.fixture
def meeting(world, schedule):
    return schedule()


async def test_the_organiser_sees_answers_live(world, meeting):
    socket = await connect(world["budi"])
    await socket.send_json_to({"type": "subscribe", "meeting": meeting.pk, "ref": 1})
    [subscribed] = await frames_until(socket, "subscribed")
    assert subscribed == {
        "type": "subscribed",
        "meeting": meeting.pk,
        "sequence": 0,
        "status": "scheduled",
        "tally": {"needs_action": 2, "accepted": 1, "declined": 0, "tentative": 0},
        "ref": 1,
    }
    await database_sync_to_async(answers.meeting_rsvp)(
        official=world["andi"], meeting_id=meeting.pk, response="declined"
    )
    [frame] = await frames_until(socket, "rsvp_updated")
    assert frame["username"] == "andi" and frame["response"] == "declined"
    assert frame["role"] == "required"  # the organiser's page warns when a chair declines
    assert frame["tally"] == {"needs_action": 1, "accepted": 1, "declined": 1, "tentative": 0}
    # The same answer again changes nothing and says nothing.
    await database_sync_to_async(answers.meeting_rsvp)(
        official=world["andi"], meeting_id=meeting.pk, response="declined"
    )
    assert await quiet(socket)
    await socket.disconnect()


async def test_a_participant_who_subscribed_gets_a_change_once(world, meeting, soon):
    socket = await connect(world["andi"])
    await socket.send_json_to({"type": "subscribe", "meeting": meeting.pk})
    await frames_until(socket, "subscribed")
    later = soon + datetime.timedelta(hours=3)
    await database_sync_to_async(scheduling.meeting_update)(
        by=world["budi"],
        meeting_id=meeting.pk,
        changes={"start": later, "end": later + datetime.timedelta(hours=1)},
    )
    [frame] = await frames_until(socket, "meeting_updated")
    assert frame["meeting"]["id"] == meeting.pk and frame["meeting"]["sequence"] == 1
    assert await quiet(socket)
    await socket.disconnect()


async def test_participants_get_changes_without_subscribing(world, meeting):
    socket = await connect(world["nurul"])
    await database_sync_to_async(scheduling.meeting_cancel)(by=world["budi"], meeting_id=meeting.pk)
    frame = (await frames_until(socket, "meeting_updated"))[-1]
    assert frame["meeting"]["status"] == "cancelled"
    await socket.disconnect()


async def test_nobody_follows_a_meeting_they_may_not_see(world, schedule):
    secret = await database_sync_to_async(schedule)(classification="rahasia")
    socket = await connect(world["sari"])  # the organiser's agency, not named
    for meeting_id in (secret.pk, 999_999):
        await socket.send_json_to({"type": "subscribe", "meeting": meeting_id})
        [error] = await frames_until(socket, "error")
        assert error["code"] == "not_found"
    for bad in ("12", None, 0, -1, True, 2**70):
        await socket.send_json_to({"type": "subscribe", "meeting": bad})
        [error] = await frames_until(socket, "error")
        assert error["code"] == "invalid_frame"
    await database_sync_to_async(answers.meeting_rsvp)(
        official=world["andi"], meeting_id=secret.pk, response="accepted"
    )
    assert await quiet(socket)
    await socket.disconnect()


async def test_a_participant_removed_stops_following(world, meeting):
    socket = await connect(world["nurul"])
    await socket.send_json_to({"type": "subscribe", "meeting": meeting.pk})
    await frames_until(socket, "subscribed")
    await database_sync_to_async(scheduling.meeting_update)(
        by=world["budi"],
        meeting_id=meeting.pk,
        changes={},
        participants=[Invitee("andi", "required")],
    )
    frames = [f["type"] for f in await frames_until(socket, "unsubscribed")]
    # Its meeting room goes, and the subscriber's copy of the change, which it may no
    # longer see, ends the subscription. Its personal copy (as a participant just removed)
    # is dropped while it is subscribed, or comes once after.
    if "meeting_updated" not in frames and not await socket.receive_nothing(timeout=0.3):
        frames.append((await socket.receive_json_from())["type"])
    assert "room_removed" in frames and frames.count("meeting_updated") <= 1
    await database_sync_to_async(answers.meeting_rsvp)(
        official=world["andi"], meeting_id=meeting.pk, response="accepted"
    )
    assert await quiet(socket)
    await socket.disconnect()


async def test_unsubscribe_ends_the_live_tally(world, meeting):
    socket = await connect(world["budi"])
    await socket.send_json_to({"type": "subscribe", "meeting": meeting.pk})
    await frames_until(socket, "subscribed")
    await socket.send_json_to({"type": "unsubscribe", "meeting": meeting.pk, "ref": "u"})
    [frame] = await frames_until(socket, "unsubscribed")
    assert frame == {"type": "unsubscribed", "meeting": meeting.pk, "ref": "u"}
    await database_sync_to_async(answers.meeting_rsvp)(
        official=world["andi"], meeting_id=meeting.pk, response="accepted"
    )
    assert await quiet(socket)
    await socket.disconnect()
