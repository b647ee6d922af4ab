"""The scheduling assistant over the API (POST /api/v1/availability) and its service: real
officials, their meetings and holidays, across WIB, WITA and WIT."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from coordination.organisation.models import AuditEntry, Holiday
from coordination.organisation.workdays import national_calendar
from meetings.models import Meeting, Participant
from meetings.selectors.availability import busy_intervals
from meetings.services import answers
from meetings.services.availability import Wanted, availability_propose
from tests.factories import MeetingFactory, OfficialFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"
JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")


def next_working_monday() -> datetime.date:
    """A Monday at least two days ahead that is no holiday, in Jakarta."""
    day = timezone.now().astimezone(JAKARTA).date() + datetime.timedelta(days=2)
    calendar = national_calendar([day.year, day.year + 1])
    while day.weekday() != 0 or day in calendar:
        day += datetime.timedelta(days=1)
    return day


def at(day, hh, mm=0, zone=JAKARTA):
    return datetime.datetime.combine(day, datetime.time(hh, mm), tzinfo=zone)


def find(api, who="budi", **body):
    body.setdefault("duration_minutes", 60)
    day = body.pop("day", None)
    if day is not None:
        body.setdefault("start_date", day.isoformat())
        body.setdefault("end_date", day.isoformat())
    return api(who).post("/api/v1/availability", body, content_type=JSON)


def wib_starts(body) -> list[str]:
    return [p["wib"]["start"][11:16] for p in body["proposals"]]


def test_a_wib_and_a_wit_official_meet_from_8_to_14_wib(api, world, regions):
    day = next_working_monday()
    response = find(
        api,
        day=day,
        participants=[{"username": "budi"}, {"username": "yohanes", "required": True}],
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["everyone"] is True
    assert wib_starts(body) == ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00"]
    first, last = body["proposals"][0], body["proposals"][-1]
    assert first["start"] == at(day, 8).astimezone(datetime.UTC).isoformat()
    assert first["wit"] == {
        "start": f"{day.isoformat()}T10:00:00+09:00",
        "end": f"{day.isoformat()}T11:00:00+09:00",
    }
    assert first["wita"]["start"] == f"{day.isoformat()}T09:00:00+08:00"
    assert last["wib"]["end"].endswith("T14:00:00+07:00")
    assert last["wit"]["end"].endswith("T16:00:00+09:00")
    assert [p["username"] for p in first["participants"]] == ["budi", "yohanes"]
    assert all(p["free"] and p["reason"] is None for p in first["participants"])


def test_meetings_are_busy_unless_declined_and_their_titles_are_not_told(api, world, regions):
    day = next_working_monday()
    morning = MeetingFactory(
        title="Rahasia negara", start=at(day, 8), end=at(day, 10), participants=[world["andi"]]
    )
    declined = MeetingFactory(start=at(day, 10), end=at(day, 12), participants=[world["andi"]])
    Participant.objects.filter(meeting=declined).update(rsvp=Participant.Rsvp.DECLINED)
    MeetingFactory(
        start=at(day, 12), end=at(day, 13), participants=[world["andi"]], status="cancelled"
    )
    assert busy_intervals([world["andi"].pk, world["sari"].pk], at(day, 0), at(day, 23)) == {
        world["andi"].pk: [(morning.start, morning.end)],
        world["sari"].pk: [],
    }
    response = find(api, day=day, participants=[{"username": "andi"}])
    body = response.json()
    # andi works 08:00-16:00 WITA (07:00-15:00 WIB), busy 08:00-10:00 WIB.
    assert wib_starts(body) == ["07:00", "10:00", "11:00", "12:00", "13:00", "14:00"]
    assert "Rahasia" not in response.content.decode()


def test_a_fully_busy_participant_is_named_in_the_best_slots(api, world, regions):
    day = next_working_monday()
    MeetingFactory(
        start=at(day, 0), end=at(day + datetime.timedelta(days=5), 0), participants=[world["sari"]]
    )
    body = find(
        api,
        day=day,
        end_date=(day + datetime.timedelta(days=4)).isoformat(),
        participants=[{"username": "sari"}, {"username": "yohanes"}, {"username": "nurul"}],
    ).json()
    assert body["everyone"] is False
    first = body["proposals"][0]
    # yohanes (WIT) and nurul (WITA) share 07:00-14:00 WIB.
    assert first["start"] == at(day, 7).astimezone(datetime.UTC).isoformat()
    assert (first["required_free"], first["required_total"], first["everyone"]) == (2, 3, False)
    cannot = [(p["username"], p["reason"]) for p in first["participants"] if not p["free"]]
    assert cannot == [("sari", "outside_hours")]  # before her day starts, and busy anyway
    second = body["proposals"][1]
    assert second["start"] == at(day, 8).astimezone(datetime.UTC).isoformat()
    cannot = [(p["username"], p["reason"]) for p in second["participants"] if not p["free"]]
    assert cannot == [("sari", "busy")]


def test_holidays_national_and_regional(api, world, regions):
    calendar = national_calendar([timezone.now().year, timezone.now().year + 1])
    today = timezone.now().astimezone(JAKARTA).date()
    national = min(
        d for d in calendar if d > today + datetime.timedelta(days=1) and d.weekday() < 5
    )
    body = find(api, day=national, participants=[{"username": "budi"}]).json()
    assert body["proposals"] == []
    # A regional holiday in Sulawesi Selatan: andi (its official) is off, budi is not.
    day = next_working_monday()
    Holiday.objects.create(date=day, name="Hari jadi", kind="regional", region=world["sulsel"])
    assert find(api, day=day, participants=[{"username": "budi"}]).json()["everyone"] is True
    body = find(api, day=day, participants=[{"username": "budi"}, {"username": "andi"}]).json()
    assert body["everyone"] is False
    andi = body["proposals"][0]["participants"][1]
    assert (andi["username"], andi["free"], andi["reason"]) == ("andi", False, "non_working_day")
    # A cuti bersama row applies to everyone.
    Holiday.objects.create(
        date=day + datetime.timedelta(days=1), name="Cuti bersama", kind="cuti_bersama"
    )
    body = find(api, day=day + datetime.timedelta(days=1), participants=[{"username": "budi"}])
    assert body.json()["proposals"] == []


def test_an_agency_is_free_when_one_official_is_and_the_proposal_names_who(api, world, regions):
    day = next_working_monday()
    # Kabupaten Gowa (WITA): rahmat is busy all morning, wulan all afternoon.
    MeetingFactory(start=at(day, 7), end=at(day, 11), participants=[regions["rahmat"]])
    MeetingFactory(start=at(day, 11), end=at(day, 15), participants=[regions["wulan"]])
    body = find(
        api, day=day, participants=[{"username": "budi"}], agencies=[{"code": "gowa"}]
    ).json()
    assert body["everyone"] is True
    assert wib_starts(body) == [f"{h:02d}:00" for h in range(8, 15)]
    gowa = [p["agencies"][0] for p in body["proposals"]]
    assert gowa[0]["code"] == "gowa" and gowa[0]["free"] is True
    assert [o["username"] for o in gowa[0]["officials"]] == ["wulan"]
    assert [o["username"] for o in gowa[-1]["officials"]] == ["rahmat"]


def test_optional_participants_never_block(api, world, regions):
    day = next_working_monday()
    MeetingFactory(start=at(day, 0), end=at(day, 23), participants=[world["nurul"]])
    body = find(
        api,
        day=day,
        participants=[{"username": "budi"}, {"username": "nurul", "required": False}],
    ).json()
    assert body["everyone"] is True and wib_starts(body)[0] == "08:00"
    nurul = body["proposals"][0]["participants"][1]
    assert (nurul["free"], nurul["reason"], nurul["required"]) == (False, "busy", False)


def test_each_officials_own_working_hours_count(api, world, regions):
    day = next_working_monday()
    yohanes = regions["yohanes"]
    yohanes.work_start, yohanes.work_end = datetime.time(12), datetime.time(15)
    yohanes.save()
    body = find(api, day=day, participants=[{"username": "budi"}, {"username": "yohanes"}]).json()
    # 12:00-15:00 WIT is 10:00-13:00 WIB.
    assert wib_starts(body) == ["10:00", "11:00", "12:00"]


def counts():
    return (Meeting.objects.count(), Participant.objects.count(), Holiday.objects.count())


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_minutes": 10}, "duration_minutes"),
        ({"duration_minutes": 24 * 60 + 1}, "duration_minutes"),
        ({"duration_minutes": "sixty"}, "duration_minutes"),
        ({"end_date": "2026-01-01"}, "end_date"),
        ({"start_date": "2026-13-01"}, "start_date"),
        ({"start_date": 20261207}, "start_date"),
        ({"participants": []}, "participants"),
        ({"participants": [{"username": "budi"}, {"username": "budi"}]}, "participants"),
        ({"participants": [{"username": "budi", "required": "yes"}]}, "participants.0.required"),
        ({"agencies": [{"code": "Not A Code"}]}, "agencies.0.code"),
    ],
)
def test_bad_requests_are_400_naming_the_field_and_change_nothing(api, world, changes, field):
    day = next_working_monday()
    body = {"day": day, "participants": [{"username": "budi"}], **changes}
    before = counts()
    response = find(api, **body)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"], response.json()
    assert counts() == before


def test_ranges_are_bounded(api, world):
    today = timezone.now().astimezone(JAKARTA).date()
    people = [{"username": "budi"}]
    too_long = find(
        api,
        participants=people,
        start_date=today.isoformat(),
        end_date=(today + datetime.timedelta(days=62)).isoformat(),
    )
    assert too_long.status_code == 400 and "end_date" in too_long.json()["fields"]
    past = find(api, participants=people, day=today - datetime.timedelta(days=7))
    assert past.status_code == 400 and "start_date" in past.json()["fields"]
    far = find(api, participants=people, day=today + datetime.timedelta(days=400))
    assert far.status_code == 400 and "start_date" in far.json()["fields"]
    # Today is fine: only the times still ahead are proposed.
    now = timezone.now()
    body = find(api, participants=people, day=today).json()
    assert all(datetime.datetime.fromisoformat(p["start"]) >= now for p in body["proposals"])


def test_unknown_names_and_codes_are_404_naming_them(api, world):
    response = find(
        api,
        day=next_working_monday(),
        participants=[{"username": "budi"}, {"username": "hantu"}],
        agencies=[{"code": "atlantis"}, {"code": "sulsel"}],
    )
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found"
    assert body["fields"] == {"participants": ["hantu"], "agencies": ["atlantis"]}


def test_only_those_who_schedule_meetings_may_ask(api, world):
    before = counts()
    response = find(api, who="sari", day=next_working_monday(), participants=[{"username": "budi"}])
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert counts() == before
    assert AuditEntry.objects.filter(event="permission_denied", actor_username="sari").exists()
    anonymous = (
        api("budi")
        .__class__()
        .post("/api/v1/availability", {"duration_minutes": 60}, content_type=JSON)
    )
    assert anonymous.status_code == 401


def test_the_schema_documents_the_endpoint(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/availability"]["post"]
    assert set(operation["responses"]) >= {"200", "400", "401", "403", "404"}


def test_fifty_participants_over_four_weeks_take_a_constant_number_of_queries(
    world, django_assert_max_num_queries
):
    day = next_working_monday()
    people = [
        OfficialFactory(agency=world["sulsel"] if i % 2 else world["ministry"]) for i in range(50)
    ]
    for i, official in enumerate(people):
        for week in range(4):
            start = at(day + datetime.timedelta(days=7 * week + i % 5), 8 + i % 7)
            meeting = MeetingFactory(start=start, end=start + datetime.timedelta(hours=1))
            ParticipantFactory(meeting=meeting, official=official)
    Holiday.objects.create(date=day, name="Hari jadi", kind="regional", region=world["sulsel"])
    with django_assert_max_num_queries(6):
        result = availability_propose(
            by=world["budi"],
            participants=[Wanted(o.username) for o in people],
            agencies=[Wanted("sulsel", required=False)],
            duration_minutes=60,
            start_date=day,
            end_date=day + datetime.timedelta(days=27),
        )
    assert result.proposals


def test_an_answer_changes_what_is_busy(world, schedule, soon):
    meeting = schedule()
    day = soon.astimezone(JAKARTA).date()
    span = (at(day, 0), at(day + datetime.timedelta(days=1), 0))
    assert busy_intervals([world["andi"].pk], *span)[world["andi"].pk] == [
        (meeting.start, meeting.end)
    ]
    answers.meeting_rsvp(official=world["andi"], meeting_id=meeting.pk, response="declined")
    assert busy_intervals([world["andi"].pk], *span)[world["andi"].pk] == []


def test_every_occurrence_of_a_recurring_meeting_is_busy(api, world, regions, schedule):
    day = next_working_monday()
    series = schedule(
        start=at(day, 9),
        end=at(day, 10),
        rrule="FREQ=WEEKLY;COUNT=4",
        participants=[{"username": "andi"}],
    )
    weeks = [day + datetime.timedelta(days=7 * n) for n in range(4)]
    busy = busy_intervals([world["andi"].pk], at(day, 0), at(day + datetime.timedelta(days=28), 0))
    assert busy[world["andi"].pk] == [(at(w, 9), at(w, 10)) for w in weeks]
    third = weeks[2]
    body = find(api, day=third, participants=[{"username": "andi"}]).json()
    assert "09:00" not in wib_starts(body) and wib_starts(body)[:2] == ["07:00", "08:00"]
    assert series.rrule


def test_the_meeting_form_offers_the_assistant_in_the_readers_language(client, world):
    client.force_login(world["budi"])
    html = client.get("/meetings/new/").content.decode()
    assert 'data-find-time data-organiser="budi"' in html
    assert 'data-zone="Asia/Jakarta"' in html and "js/meetings/find-time" in html
    assert 'data-catalogue="findTime"' in html and "findTime.reason.busy" in html
