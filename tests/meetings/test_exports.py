"""The follow-up actions calendar feed (/calendar/actions/<token>.ics, the token the API
hands out), read back by independent parsers: each action a VTODO with its DUE and STATUS,
and an all-day VEVENT on its due date (Google and Outlook ignore VTODO in subscriptions)."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import pytest
import vobject
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from meetings import decision_log
from meetings.services import decisions

pytestmark = pytest.mark.django_db


@pytest.fixture
def actions_feed(api):
    def get(who: str) -> str:
        answer = api(who).get("/api/v1/me/calendar-feed")
        assert answer.status_code == 200, answer.content
        return urlsplit(answer.json()["actions_url"]).path

    return get


@pytest.fixture
def owed(world, regions, decided):
    today = timezone.localdate()
    open_one = decisions.action_assign(
        by=world["budi"],
        decision_id=decided["decision"].pk,
        description="Laporan stok beras",
        agency_code="gowa",
        assignee_username="wulan",
        due=today + datetime.timedelta(days=4),
    )
    done = decisions.action_assign(
        by=world["budi"],
        decision_id=decided["decision"].pk,
        description="Rapat koordinasi kabupaten",
        agency_code="gowa",
        due=today - datetime.timedelta(days=1),
    )
    decisions.action_update(
        by=regions["rahmat"], action_id=done.pk, status="done", comment="Sudah rapat"
    )
    decisions.action_assign(  # Jayapura's: not in Gowa's feed
        by=world["budi"],
        decision_id=decided["decision"].pk,
        description="Data Jayapura",
        agency_code="jayapura",
        due=today,
    )
    return {"open": open_one, "done": done}


def test_the_feed_holds_each_action_as_a_todo_and_an_all_day_event(owed, actions_feed):
    path = actions_feed("wulan")
    answer = Client().get(path)
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(answer.content)
    todos = {str(t["summary"]): t for t in calendar.walk("VTODO")}
    assert set(todos) == {"GOWA: Laporan stok beras", "GOWA: Rapat koordinasi kabupaten"}
    todo = todos["GOWA: Laporan stok beras"]
    assert todo.decoded("due") == owed["open"].due and str(todo["status"]) == "NEEDS-ACTION"
    assert str(todos["GOWA: Rapat koordinasi kabupaten"]["status"]) == "COMPLETED"
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 2
    event = next(e for e in events if "Laporan stok beras" in str(e["summary"]))
    assert event.decoded("dtstart") == owed["open"].due
    assert event.decoded("dtend") == owed["open"].due + datetime.timedelta(days=1)
    assert str(calendar["x-rakor-decision-log-head"]).split()[1] == decision_log.head()[1]
    # vobject, another parser, reads the same.
    parsed = vobject.readOne(answer.content.decode())
    assert sorted(str(t.due.value) for t in parsed.vtodo_list) == sorted(
        str(a.due) for a in owed.values()
    )
    again = Client().get(path, HTTP_IF_NONE_MATCH=answer["ETag"])
    assert again.status_code == 304


def test_the_feed_changes_when_an_action_does(owed, regions, actions_feed):
    path = actions_feed("wulan")
    first = Client().get(path)
    decisions.action_update(
        by=regions["wulan"], action_id=owed["open"].pk, status="in_progress", comment="Mulai"
    )
    second = Client().get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    todo = next(
        t
        for t in Calendar.from_ical(second.content).walk("VTODO")
        if "Laporan" in str(t["summary"])
    )
    assert str(todo["status"]) == "IN-PROCESS"


def test_a_rahasia_action_shows_no_details(world, regions, schedule, actions_feed):
    meeting = schedule(
        classification="rahasia",
        participants=[{"username": "andi", "role": "chair"}, {"username": "wulan"}],
    )
    decision = decisions.decision_record(by=world["andi"], meeting_id=meeting.pk, text="Rahasia")
    decisions.action_assign(
        by=world["andi"],
        decision_id=decision.pk,
        description="Pengadaan rahasia",
        agency_code="gowa",
        assignee_username="wulan",
        due=timezone.localdate(),
    )
    body = Client().get(actions_feed("wulan")).content.decode()
    assert "Pengadaan rahasia" not in body and "Rahasia" not in body.replace("RAHASIA", "")


def test_a_forged_or_renewed_token_gets_nothing(owed, api, actions_feed):
    path = actions_feed("wulan")
    api("wulan").post("/api/v1/me/calendar-feed")  # a new link: the old one stops working
    assert Client().get(path).status_code == 404
    assert Client().get("/calendar/actions/1.1.deadbeef.ics").status_code == 404
