"""meetings.services.meeting_mode: opening and closing, the item under discussion, the
speakers' queue in order (a place kept when asked again), limits, attendance, and who may."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from coordination.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from meetings import selectors
from meetings.models import AgendaItem
from meetings.services import agenda, meeting_mode, scheduling
from meetings.services.attendance import meeting_join

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(schedule):
    """budi organises; andi chairs; nurul takes part; sari (budi's agency) only follows."""
    return schedule(
        participants=[
            {"username": "andi", "role": "chair"},
            {"username": "nurul", "role": "required"},
        ]
    )


@pytest.fixture
def items(world, meeting):
    return [
        agenda.agenda_item_add(by=world["budi"], meeting_id=meeting.pk, title=title)
        for title in ("Pembukaan", "Laporan provinsi", "Penutup")
    ]


def state(official, meeting):
    return selectors.live_state_visible(official, meeting.pk, now=timezone.now())


def queue(official, meeting):
    speakers = state(official, meeting)["speakers"]
    return (
        speakers["speaking"]["username"] if speakers["speaking"] else None,
        [turn["username"] for turn in speakers["queue"]],
    )


def test_the_chair_opens_runs_items_and_closes(world, meeting, items):
    with pytest.raises(Conflict):  # not opened yet
        meeting_mode.meeting_current_item_set(
            by=world["andi"], meeting_id=meeting.pk, item_id=items[0].pk
        )
    meeting_mode.meeting_open(by=world["andi"], meeting_id=meeting.pk)
    opened = meeting_mode.meeting_open(by=world["andi"], meeting_id=meeting.pk)  # again: same
    assert state(world["sari"], meeting)["mode"]["opened_at"] == opened.opened_at.isoformat()
    meeting_mode.meeting_current_item_set(
        by=world["andi"], meeting_id=meeting.pk, item_id=items[0].pk
    )
    mode = state(world["nurul"], meeting)["mode"]
    assert mode["state"] == "running" and mode["current_item"] == items[0].pk
    assert mode["current_item_planned_minutes"] == 10
    # The server's clock: a page opened later still computes the time since the item began.
    since = datetime.datetime.fromisoformat(mode["current_item_since"])
    assert datetime.datetime.fromisoformat(mode["server_time"]) >= since
    meeting_mode.meeting_current_item_set(
        by=world["budi"], meeting_id=meeting.pk, item_id=items[1].pk
    )
    statuses = {i.title: i.status for i in AgendaItem.objects.filter(meeting=meeting)}
    assert statuses == {
        "Pembukaan": "done",
        "Laporan provinsi": "in_discussion",
        "Penutup": "pending",
    }
    meeting_mode.meeting_close(by=world["andi"], meeting_id=meeting.pk)
    mode = state(world["andi"], meeting)["mode"]
    assert mode["state"] == "ended" and mode["current_item"] is None
    assert AgendaItem.objects.get(pk=items[1].pk).status == "done"
    with pytest.raises(Conflict):  # an ended meeting is not opened again
        meeting_mode.meeting_open(by=world["andi"], meeting_id=meeting.pk)


def test_who_may_run_take_part_and_follow(world, meeting, items):
    for who in ("nurul", "sari"):
        with pytest.raises(Forbidden):
            meeting_mode.meeting_open(by=world[who], meeting_id=meeting.pk)
    with pytest.raises(NotFound):
        meeting_mode.meeting_open(by=world["outsider"], meeting_id=meeting.pk)
    with pytest.raises(NotFound):
        selectors.live_state_visible(world["outsider"], meeting.pk, now=timezone.now())
    meeting_mode.meeting_open(by=world["budi"], meeting_id=meeting.pk)
    with pytest.raises(Forbidden):  # sari follows but takes no part
        meeting_mode.speaker_ask(by=world["sari"], meeting_id=meeting.pk)
    with pytest.raises(Forbidden):
        meeting_mode.speaker_call_next(by=world["nurul"], meeting_id=meeting.pk)
    assert state(world["sari"], meeting)["may_take_part"] is False
    assert state(world["nurul"], meeting)["may_take_part"] is True
    assert state(world["andi"], meeting)["may_run"] is True
    assert state(world["nurul"], meeting)["may_run"] is False
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    with pytest.raises(Conflict):
        meeting_mode.speaker_ask(by=world["nurul"], meeting_id=meeting.pk)


def test_the_queue_is_in_order_and_a_speaker_keeps_their_place(world, meeting, items):
    meeting_mode.meeting_open(by=world["andi"], meeting_id=meeting.pk)
    meeting_mode.meeting_current_item_set(
        by=world["andi"], meeting_id=meeting.pk, item_id=items[1].pk
    )
    for who in ("nurul", "budi", "andi"):
        meeting_mode.speaker_ask(by=world[who], meeting_id=meeting.pk)
    # nurul asks again (a page reconnecting, say): she keeps her place, first.
    meeting_mode.speaker_ask(by=world["nurul"], meeting_id=meeting.pk)
    assert queue(world["sari"], meeting) == (None, ["nurul", "budi", "andi"])
    turn = meeting_mode.speaker_call_next(
        by=world["andi"], meeting_id=meeting.pk, limit_seconds=180
    )
    assert turn.official == world["nurul"] and turn.limit_seconds == 180
    speakers = state(world["sari"], meeting)["speakers"]
    assert speakers["speaking"]["agency"] == "Provinsi Sulawesi Selatan"
    assert speakers["speaking"]["limit_seconds"] == 180
    meeting_mode.speaker_withdraw(by=world["budi"], meeting_id=meeting.pk)
    assert queue(world["sari"], meeting) == ("nurul", ["andi"])
    meeting_mode.speaker_call_next(by=world["andi"], meeting_id=meeting.pk)
    assert queue(world["sari"], meeting) == ("andi", [])
    assert state(world["sari"], meeting)["speakers"]["spoken"] == 1
    meeting_mode.speaker_finish(by=world["andi"], meeting_id=meeting.pk)
    assert meeting_mode.speaker_call_next(by=world["andi"], meeting_id=meeting.pk) is None
    # A new item opens a new queue.
    meeting_mode.speaker_ask(by=world["nurul"], meeting_id=meeting.pk)
    meeting_mode.meeting_current_item_set(
        by=world["andi"], meeting_id=meeting.pk, item_id=items[2].pk
    )
    assert queue(world["sari"], meeting) == (None, [])
    for limit in (5, 3601):
        with pytest.raises(InvalidInput):
            meeting_mode.speaker_call_next(
                by=world["andi"], meeting_id=meeting.pk, limit_seconds=limit
            )


def test_attendance_from_the_join_page_and_the_chairs_marks(world, meeting, about_to_start):
    about_to_start(meeting)
    meeting_join(official=world["nurul"], meeting_id=meeting.pk)
    ten_ago = timezone.now() - datetime.timedelta(minutes=10)
    meeting_mode.attendance_mark(
        by=world["andi"], meeting_id=meeting.pk, username="budi", status="present", at=ten_ago
    )
    rows = {row["username"]: row for row in selectors.attendance_out(meeting)["attendance"]}
    assert rows["nurul"]["joined_at"] is not None and rows["nurul"]["present"] is True
    assert rows["budi"]["mark"] == {"status": "present", "at": ten_ago.isoformat()}
    assert rows["andi"]["present"] is False
    meeting_mode.attendance_mark(
        by=world["andi"], meeting_id=meeting.pk, username="nurul", status="gone"
    )
    rows = {row["username"]: row for row in selectors.attendance_out(meeting)["attendance"]}
    assert rows["nurul"]["present"] is False and rows["nurul"]["mark"]["status"] == "gone"
    with pytest.raises(NotFound):
        meeting_mode.attendance_mark(
            by=world["andi"], meeting_id=meeting.pk, username="sari", status="present"
        )
    with pytest.raises(InvalidInput):
        meeting_mode.attendance_mark(
            by=world["andi"],
            meeting_id=meeting.pk,
            username="budi",
            status="present",
            at=timezone.now() + datetime.timedelta(hours=1),
        )
    with pytest.raises(Forbidden):
        meeting_mode.attendance_mark(
            by=world["nurul"], meeting_id=meeting.pk, username="budi", status="present"
        )
