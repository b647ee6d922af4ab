"""The live meeting over the API and the socket: frames in order to those following, the
queue kept across a reconnect, the timer for a page that joins late, 403 and 404."""

from __future__ import annotations

import datetime

import pytest
from channels.db import database_sync_to_async

from meetings.services import agenda, meeting_mode
from tests.messaging.test_rooms_socket import connect, frames_until

JSON = "application/json"


@pytest.fixture
def meeting(schedule):
    return schedule(
        participants=[
            {"username": "andi", "role": "chair"},
            {"username": "nurul", "role": "required"},
        ]
    )


@pytest.mark.django_db
def test_the_meeting_runs_over_the_api(world, meeting, api):
    item = agenda.agenda_item_add(by=world["budi"], meeting_id=meeting.pk, title="Laporan")
    base = f"/api/v1/meetings/{meeting.pk}"
    assert api("nurul").post(f"{base}/start").status_code == 403
    assert api("outsider").post(f"{base}/start").status_code == 404
    assert api("outsider").get(f"{base}/speakers").status_code == 404
    not_yet = api("nurul").post(f"{base}/speakers", {"action": "ask"}, content_type=JSON)
    assert not_yet.status_code == 409 and not_yet.json()["current"] == {"state": "not_started"}
    started = api("andi").post(f"{base}/start")
    assert started.status_code == 200 and started.json()["state"] == "running"
    current = api("andi").post(f"{base}/current-item", {"item": item.pk}, content_type=JSON)
    assert current.json()["current_item"] == item.pk
    assert current.json()["current_item_planned_minutes"] == 10
    asked = api("nurul").post(f"{base}/speakers", {"action": "ask"}, content_type=JSON)
    assert [turn["username"] for turn in asked.json()["queue"]] == ["nurul"]
    assert (
        api("sari").post(f"{base}/speakers", {"action": "ask"}, content_type=JSON).status_code
        == 403
    )
    called = api("andi").post(
        f"{base}/speakers", {"action": "call_next", "limit_seconds": 120}, content_type=JSON
    )
    assert called.json()["speaking"]["username"] == "nurul"
    assert called.json()["speaking"]["limit_seconds"] == 120
    bad = api("andi").post(f"{base}/speakers", {"action": "shout"}, content_type=JSON)
    assert bad.status_code == 400
    marked = api("andi").post(
        f"{base}/attendance", {"username": "nurul", "status": "present"}, content_type=JSON
    )
    assert marked.status_code == 200 and marked.json()["present"] == 1
    seen = api("sari").get(f"{base}/attendance").json()
    assert {row["username"]: row["present"] for row in seen["attendance"]} == {
        "andi": False,
        "budi": False,
        "nurul": True,
    }
    live = api("sari").get(f"{base}/live").json()
    assert live["may_run"] is False and live["may_take_part"] is False
    assert live["mode"]["current_item"] == item.pk
    assert api("andi").post(f"{base}/end").json()["state"] == "ended"


@pytest.mark.django_db(transaction=True)
async def test_frames_in_order_a_late_page_and_a_place_kept_across_a_reconnect(world, meeting):
    item = await database_sync_to_async(agenda.agenda_item_add)(
        by=world["budi"], meeting_id=meeting.pk, title="Laporan provinsi", planned_minutes=20
    )
    follower = await connect(world["sari"])
    await follower.send_json_to({"type": "subscribe", "meeting": meeting.pk})
    await frames_until(follower, "subscribed")
    run = database_sync_to_async
    await run(meeting_mode.meeting_open)(by=world["andi"], meeting_id=meeting.pk)
    await run(meeting_mode.meeting_current_item_set)(
        by=world["andi"], meeting_id=meeting.pk, item_id=item.pk
    )
    await run(meeting_mode.speaker_ask)(by=world["nurul"], meeting_id=meeting.pk)
    await run(meeting_mode.speaker_ask)(by=world["budi"], meeting_id=meeting.pk)
    wanted = {"meeting_mode", "speakers", "agenda_item"}
    received = []
    while len(received) < 6:
        frame = await follower.receive_json_from(5)
        if frame["type"] in wanted:
            received.append(frame)
    assert [f["type"] for f in received] == [
        "meeting_mode",  # opened
        "agenda_item",  # the item is in discussion
        "meeting_mode",  # the current item
        "speakers",
        "speakers",  # nurul asks
        "speakers",  # budi asks
    ]
    assert received[2]["current_item"] == item.pk
    assert received[1]["item"]["status"] == "in_discussion"
    assert [t["username"] for t in received[-1]["queue"]] == ["nurul", "budi"]

    # nurul's page (a weak link) drops and comes back: she is still first in the queue, and
    # her late page computes the item's timer from the server's clock.
    nurul = await connect(world["nurul"])
    await nurul.disconnect()
    nurul = await connect(world["nurul"])
    await nurul.send_json_to({"type": "meeting_state", "meeting": meeting.pk, "ref": 3})
    [state] = [f for f in await frames_until(nurul, "meeting_state")]
    assert state["ref"] == 3 and state["may_take_part"] is True
    assert [t["username"] for t in state["speakers"]["queue"]] == ["nurul", "budi"]
    mode = state["mode"]
    since = datetime.datetime.fromisoformat(mode["current_item_since"])
    assert since == datetime.datetime.fromisoformat(received[2]["current_item_since"])
    assert datetime.datetime.fromisoformat(mode["server_time"]) >= since
    assert mode["current_item_planned_minutes"] == 20
    outsider = await connect(world["outsider"])
    await outsider.send_json_to({"type": "meeting_state", "meeting": meeting.pk})
    [error] = await frames_until(outsider, "error")
    assert error["code"] == "not_found"
    for socket in (follower, nurul, outsider):
        await socket.disconnect()
