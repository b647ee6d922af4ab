"""The meetings API (/api/v1/meetings, /api/v1/me/calendar-feed), authenticated with Bearer
tokens as a script would be: what it answers, what it writes, and what it refuses to write."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from icalendar import Calendar

from coordination.platform.models import OutboundMail
from meetings.models import Meeting, MeetingAgency, Participant
from meetings.services import answers, scheduling

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def payload(soon):
    def make(**changes):
        body = {
            "title": "Rakor percepatan penurunan stunting",
            "start": soon.isoformat(),
            "end": (soon + datetime.timedelta(hours=2)).isoformat(),
            "timezone": "Asia/Jakarta",
            "participants": [
                {"username": "andi", "role": "required"},
                {"username": "nurul", "role": "optional"},
            ],
        }
        body.update(changes)
        return body

    return make


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and isinstance(body["message"], str) and body["message"]
    if field is not None:
        assert field in body["fields"], body
        assert all(isinstance(p, str) for p in body["fields"][field])
    return body


def last_mail_id() -> int:
    latest = OutboundMail.objects.order_by("-id").first()
    return latest.pk if latest else 0


def mails_after(mail_id: int) -> list[OutboundMail]:
    return list(OutboundMail.objects.filter(pk__gt=mail_id).order_by("id"))


def calendar_of(mail: OutboundMail) -> tuple[str, Calendar]:
    """The MIME type of the mail's text/calendar alternative and the calendar it holds."""
    [(content, mimetype)] = [
        (c, m) for c, m in mail.payload["alternatives"] if m.startswith("text/calendar")
    ]
    return mimetype, Calendar.from_ical(content)


def method_and_sequence(mail: OutboundMail) -> tuple[str, int]:
    mimetype, calendar = calendar_of(mail)
    assert f"method={calendar['METHOD']}" in mimetype
    [event] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), int(event["SEQUENCE"])


def people(body: dict) -> dict[str, dict]:
    return {p["username"]: p for p in body["participants"]}


# --- scheduling ---------------------------------------------------------------------------


def test_scheduling_answers_201_with_the_meeting_and_invites_everyone(api, payload, world):
    response = api("budi").post(
        "/api/v1/meetings", payload(location="Ruang Rapat Utama"), content_type=JSON
    )
    assert response.status_code == 201, response.content
    body = response.json()
    meeting = Meeting.objects.get()
    assert body["id"] == meeting.pk and body["uid"] == meeting.uid and "@" in body["uid"]
    assert body["sequence"] == 0 and body["status"] == "scheduled"
    assert body["organiser"]["username"] == "budi" and body["agency"]["code"] == "kemendagri"
    assert body["timezone"] == "Asia/Jakarta" and body["location"] == "Ruang Rapat Utama"
    assert datetime.datetime.fromisoformat(body["start"]) == meeting.start
    assert body["busy"] == [] and body["my_rsvp"] == "accepted" and body["may_edit"] is True
    assert body["ics_url"] == f"/api/v1/meetings/{meeting.pk}/invite.ics"
    got = people(body)
    assert set(got) == {"budi", "andi", "nurul"}
    assert got["budi"]["role"] == "chair" and got["budi"]["rsvp"] == "accepted"
    assert got["andi"]["role"] == "required" and got["andi"]["rsvp"] == "needs_action"
    assert got["nurul"]["role"] == "optional" and got["nurul"]["named"] is True
    assert body["tally"]["accepted"] == 1 and body["tally"]["needs_action"] == 2
    # The organiser sees how delivery goes; one REQUEST per participant is queued.
    assert got["andi"]["delivery"]["state"] == "queued"
    mails = OutboundMail.objects.filter(topic=f"meeting:{meeting.pk}")
    assert sorted(m.recipient for m in mails) == [
        "andi@example.test",
        "budi@example.test",
        "nurul@example.test",
    ]
    assert all(method_and_sequence(m) == ("REQUEST", 0) for m in mails)
    assert {m.kind for m in mails} == {"invitation"}


def test_an_invited_agency_brings_its_officials_in(api, payload, world):
    response = api("budi").post(
        "/api/v1/meetings",
        payload(participants=[{"username": "andi", "role": "note_taker"}], agencies=["sulsel"]),
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["agencies"] == ["sulsel"]
    got = people(body)
    assert set(got) == {"budi", "andi", "nurul", "outsider"}
    # Named stays named (with its role); the rest of the agency come through it.
    assert got["andi"]["named"] is True and got["andi"]["role"] == "note_taker"
    assert got["andi"]["via_agency"] is None
    for who in ("nurul", "outsider"):
        assert got[who]["named"] is False and got[who]["via_agency"] == "sulsel"
        assert got[who]["role"] == "required"
    assert MeetingAgency.objects.filter(meeting_id=body["id"], agency=world["sulsel"]).exists()
    recipients = set(OutboundMail.objects.values_list("recipient", flat=True))
    assert "outsider@example.test" in recipients and len(recipients) == 4
    # Through the agency, the outsider now sees the meeting.
    assert api("outsider").get(f"/api/v1/meetings/{body['id']}").status_code == 200
    listed = api("outsider").get("/api/v1/meetings").json()["items"]
    assert [m["id"] for m in listed] == [body["id"]] and listed[0]["my_rsvp"] == "needs_action"


@pytest.mark.parametrize(
    ("who", "change", "status", "code", "field"),
    [
        ("budi", "end_before_start", 400, "invalid", "end"),
        ("budi", "end_equals_start", 400, "invalid", "end"),
        ("budi", "naive_start", 400, "invalid", "start"),
        ("budi", "unknown_username", 404, "not_found", "participants"),
        ("budi", "unknown_agency", 404, "not_found", "agencies"),
        ("budi", "unknown_zone", 400, "invalid", "timezone"),
        ("budi", "start_in_the_past", 400, "invalid", "start"),
        ("budi", "longer_than_a_day", 400, "invalid", "end"),
        ("budi", "blank_title", 400, "invalid", "title"),
        ("budi", "participant_twice", 400, "invalid", "participants"),
        ("budi", "unknown_role", 400, "invalid", None),
        ("budi", "rahasia_with_agencies", 400, "invalid", "agencies"),
        ("nurul", None, 403, "forbidden", None),
        ("sari", None, 403, "forbidden", None),
    ],
)
def test_bad_input_is_refused_in_the_error_shape_and_changes_nothing(
    api, payload, soon, who, change, status, code, field
):
    body = payload()
    if change == "end_before_start":
        body["end"] = (soon - datetime.timedelta(hours=1)).isoformat()
    elif change == "end_equals_start":
        body["end"] = body["start"]
    elif change == "naive_start":
        body["start"] = soon.replace(tzinfo=None).isoformat()
    elif change == "unknown_username":
        body["participants"].append({"username": "nobody", "role": "required"})
    elif change == "unknown_agency":
        body["agencies"] = ["atlantis"]
    elif change == "unknown_zone":
        body["timezone"] = "Mars/Olympus_Mons"
    elif change == "start_in_the_past":
        past = timezone.now() - datetime.timedelta(days=1)
        body["start"] = past.isoformat()
        body["end"] = (past + datetime.timedelta(hours=1)).isoformat()
    elif change == "longer_than_a_day":
        body["end"] = (soon + datetime.timedelta(hours=25)).isoformat()
    elif change == "blank_title":
        body["title"] = "   "
    elif change == "participant_twice":
        body["participants"].append({"username": "andi", "role": "optional"})
    elif change == "unknown_role":
        body["participants"] = [{"username": "andi", "role": "boss"}]
    elif change == "rahasia_with_agencies":
        body["classification"] = "rahasia"
        body["agencies"] = ["sulsel"]
    response = api(who).post("/api/v1/meetings", body, content_type=JSON)
    error = assert_error(response, status, code, field)
    if change == "unknown_username":
        assert error["fields"]["participants"] == ["nobody"]
    assert Meeting.objects.count() == 0
    assert Participant.objects.count() == 0
    assert MeetingAgency.objects.count() == 0
    assert OutboundMail.objects.count() == 0


def test_anonymous_requests_are_refused(client, schedule):
    meeting = schedule()
    assert_error(client.get("/api/v1/meetings"), 401, "unauthenticated")
    assert_error(client.get(f"/api/v1/meetings/{meeting.pk}"), 401, "unauthenticated")
    assert_error(
        client.post(
            f"/api/v1/meetings/{meeting.pk}/rsvp", {"response": "accepted"}, content_type=JSON
        ),
        401,
        "unauthenticated",
    )
    assert_error(client.get("/api/v1/me/calendar-feed"), 401, "unauthenticated")
    assert Participant.objects.get(meeting=meeting, official__username="andi").rsvp == (
        "needs_action"
    )


# --- listing and reading ------------------------------------------------------------------


def test_the_list_holds_the_meetings_overlapping_the_window(api, schedule, soon):
    hour = datetime.timedelta(hours=1)
    first = schedule(title="Pertama", start=soon, end=soon + hour)
    second = schedule(title="Kedua", start=soon + 3 * hour, end=soon + 4 * hour)
    schedule(title="Besok", start=soon + 24 * hour, end=soon + 25 * hour)
    client = api("andi")

    def titles(start, end):
        response = client.get(
            "/api/v1/meetings", {"start": start.isoformat(), "end": end.isoformat()}
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["next"] is None
        return [item["title"] for item in body["items"]]

    # [start, end): a meeting ending at the window's start, or starting at its end, is out.
    assert titles(soon + hour, soon + 3 * hour) == []
    assert titles(soon + 30 * datetime.timedelta(minutes=1), soon + 3 * hour) == ["Pertama"]
    assert titles(soon + hour, soon + 3 * hour + datetime.timedelta(minutes=1)) == ["Kedua"]
    assert titles(soon - hour, soon + 5 * hour) == ["Pertama", "Kedua"]
    everything = client.get("/api/v1/meetings").json()["items"]
    assert [m["title"] for m in everything] == ["Pertama", "Kedua", "Besok"]
    item = next(m for m in everything if m["id"] == first.pk)
    assert item["my_rsvp"] == "needs_action" and item["uid"] == first.uid
    assert item["link"] == f"/meetings/{first.pk}"
    # Another offset, the same instants.
    wita = datetime.timezone(datetime.timedelta(hours=8))
    assert titles((soon + hour).astimezone(wita), (soon + 4 * hour).astimezone(wita)) == ["Kedua"]
    assert second.pk in {m["id"] for m in everything}


def test_the_list_shows_only_what_the_viewer_may_see(api, schedule, world):
    biasa = schedule(title="Rapat biasa")
    terbatas = schedule(title="Rapat terbatas", classification="terbatas")
    rahasia = schedule(
        title="Rapat rahasia", classification="rahasia", participants=[{"username": "andi"}]
    )

    def ids(who):
        response = api(who).get("/api/v1/meetings")
        assert response.status_code == 200
        return {item["id"] for item in response.json()["items"]}

    assert ids("budi") == {biasa.pk, terbatas.pk, rahasia.pk}
    assert ids("andi") == {biasa.pk, terbatas.pk, rahasia.pk}
    assert ids("nurul") == {biasa.pk, terbatas.pk}
    # sari is of the organising agency: a biasa meeting only (she is no coordinator).
    assert ids("sari") == {biasa.pk}
    assert ids("outsider") == set()
    assert api("sari").get("/api/v1/meetings").json()["items"][0]["my_rsvp"] is None
    for meeting in (biasa, terbatas, rahasia):
        assert_error(api("outsider").get(f"/api/v1/meetings/{meeting.pk}"), 404, "not_found")
    assert_error(api("nurul").get(f"/api/v1/meetings/{rahasia.pk}"), 404, "not_found")
    assert_error(api("sari").get(f"/api/v1/meetings/{terbatas.pk}"), 404, "not_found")


def test_the_list_costs_the_same_queries_for_more_meetings(
    api, schedule, soon, django_assert_max_num_queries
):
    client = api("andi")
    schedule()
    client.get("/api/v1/meetings")  # warm up: the token's first use
    with django_assert_max_num_queries(5):
        one = client.get("/api/v1/meetings").json()["items"]
    for n in range(1, 8):
        schedule(
            start=soon + datetime.timedelta(days=n), end=soon + datetime.timedelta(days=n, hours=1)
        )
    with django_assert_max_num_queries(5):
        many = client.get("/api/v1/meetings").json()["items"]
    assert len(one) == 1 and len(many) == 8


def test_reading_a_meeting(api, schedule, world):
    meeting = schedule(description="Bahan: data BPS", location="Aula")
    body = api("andi").get(f"/api/v1/meetings/{meeting.pk}").json()
    assert body["id"] == meeting.pk and body["description"] == "Bahan: data BPS"
    assert body["may_edit"] is False and body["my_rsvp"] == "needs_action"
    # Delivery states are for those who edit the meeting.
    assert all(p["delivery"] is None for p in body["participants"])
    assert body["join_url"].endswith(f"/meetings/{meeting.pk}/join")
    assert meeting.video_room not in str(body)
    organiser_view = api("budi").get(f"/api/v1/meetings/{meeting.pk}").json()
    assert organiser_view["may_edit"] is True
    assert people(organiser_view)["nurul"]["delivery"]["kind"] == "invitation"
    assert_error(api("andi").get("/api/v1/meetings/999999"), 404, "not_found")


# --- changing -----------------------------------------------------------------------------


def test_a_significant_change_raises_the_sequence_and_asks_everyone_again(
    api, schedule, world, soon
):
    meeting = schedule()
    answers.meeting_rsvp(official=world["andi"], meeting_id=meeting.pk, response="accepted")
    before = last_mail_id()
    later = soon + datetime.timedelta(days=1)
    response = api("budi").patch(
        f"/api/v1/meetings/{meeting.pk}",
        {"start": later.isoformat(), "end": (later + datetime.timedelta(hours=1)).isoformat()},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sequence"] == 1
    assert datetime.datetime.fromisoformat(body["start"]) == later
    assert people(body)["andi"]["rsvp"] == "needs_action"  # answers again
    assert people(body)["budi"]["rsvp"] == "accepted"  # the organiser keeps his
    mails = mails_after(before)
    assert sorted(m.recipient for m in mails) == [
        "andi@example.test",
        "budi@example.test",
        "nurul@example.test",
    ]
    assert all(method_and_sequence(m) == ("REQUEST", 1) for m in mails)
    assert {m.kind for m in mails} == {"update"}
    meeting.refresh_from_db()
    assert meeting.sequence == 1 and meeting.start == later


def test_a_location_change_is_significant_too(api, schedule):
    meeting = schedule()
    body = (
        api("budi")
        .patch(f"/api/v1/meetings/{meeting.pk}", {"location": "Aula Kemendagri"}, content_type=JSON)
        .json()
    )
    assert body["sequence"] == 1 and body["location"] == "Aula Kemendagri"


def test_a_description_change_keeps_the_sequence_and_the_answers(api, schedule, world):
    meeting = schedule()
    answers.meeting_rsvp(official=world["andi"], meeting_id=meeting.pk, response="accepted")
    before = last_mail_id()
    response = api("budi").patch(
        f"/api/v1/meetings/{meeting.pk}",
        {"description": "Agenda: evaluasi harga beras"},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["sequence"] == 0 and body["description"] == "Agenda: evaluasi harga beras"
    assert people(body)["andi"]["rsvp"] == "accepted"
    mails = mails_after(before)
    assert len(mails) == 3
    assert all(method_and_sequence(m) == ("REQUEST", 0) for m in mails)
    [event] = calendar_of(mails[0])[1].walk("VEVENT")
    assert "Agenda: evaluasi harga beras" in str(event["DESCRIPTION"])
    meeting.refresh_from_db()
    assert meeting.sequence == 0


def test_an_unchanged_patch_sends_nothing(api, schedule):
    meeting = schedule()
    before = last_mail_id()
    response = api("budi").patch(
        f"/api/v1/meetings/{meeting.pk}",
        {"title": meeting.title, "location": None},
        content_type=JSON,
    )
    assert response.status_code == 200 and response.json()["sequence"] == 0
    assert mails_after(before) == []


def test_a_removed_participant_receives_a_cancel(api, schedule):
    meeting = schedule()
    before = last_mail_id()
    response = api("budi").patch(
        f"/api/v1/meetings/{meeting.pk}",
        {"participants": [{"username": "andi", "role": "required"}]},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(people(body)) == {"budi", "andi"}
    assert body["sequence"] == 1
    by_recipient = {m.recipient: m for m in mails_after(before)}
    assert set(by_recipient) == {"budi@example.test", "andi@example.test", "nurul@example.test"}
    assert method_and_sequence(by_recipient["nurul@example.test"]) == ("CANCEL", 1)
    assert by_recipient["nurul@example.test"].kind == "removal"
    [event] = calendar_of(by_recipient["nurul@example.test"])[1].walk("VEVENT")
    assert event["UID"] == meeting.uid
    assert method_and_sequence(by_recipient["andi@example.test"]) == ("REQUEST", 1)
    assert not Participant.objects.filter(meeting=meeting, official__username="nurul").exists()
    # Nurul no longer sees it.
    assert_error(api("nurul").get(f"/api/v1/meetings/{meeting.pk}"), 404, "not_found")


@pytest.mark.parametrize(
    ("who", "change", "status", "code"),
    [
        ("andi", {"title": "Diubah"}, 403, "forbidden"),  # participant, not an editor
        ("nurul", {"title": "Diubah"}, 403, "forbidden"),
        ("outsider", {"title": "Diubah"}, 404, "not_found"),
        ("budi", {"end": "START"}, 400, "invalid"),
        ("budi", {"timezone": "Mars/Olympus_Mons"}, 400, "invalid"),
        ("budi", {"start": "2020-01-01T10:00:00"}, 400, "invalid"),
        ("budi", {"participants": [{"username": "nobody"}]}, 404, "not_found"),
        ("budi", {"classification": "rahasia", "agencies": ["sulsel"]}, 400, "invalid"),
    ],
)
def test_refused_changes_change_nothing(api, schedule, who, change, status, code):
    meeting = schedule()
    if change.get("end") == "START":
        change = {"end": meeting.start.isoformat()}
    before = last_mail_id()
    response = api(who).patch(f"/api/v1/meetings/{meeting.pk}", change, content_type=JSON)
    assert_error(response, status, code)
    fresh = Meeting.objects.get(pk=meeting.pk)
    assert (fresh.title, fresh.start, fresh.end, fresh.timezone, fresh.sequence) == (
        meeting.title,
        meeting.start,
        meeting.end,
        meeting.timezone,
        0,
    )
    assert fresh.classification == "biasa" and not MeetingAgency.objects.exists()
    assert Participant.objects.filter(meeting=meeting).count() == 3
    assert mails_after(before) == []


# --- cancelling ---------------------------------------------------------------------------


def test_cancelling_sends_cancel_to_everyone(api, schedule):
    meeting = schedule()
    before = last_mail_id()
    response = api("budi").post(f"/api/v1/meetings/{meeting.pk}/cancel")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "cancelled" and body["sequence"] == 1
    mails = mails_after(before)
    assert sorted(m.recipient for m in mails) == [
        "andi@example.test",
        "budi@example.test",
        "nurul@example.test",
    ]
    assert all(method_and_sequence(m) == ("CANCEL", 1) for m in mails)
    assert {m.kind for m in mails} == {"cancellation"}
    meeting.refresh_from_db()
    assert meeting.status == "cancelled" and meeting.sequence == 1
    # A cancelled meeting is no longer changed.
    body = assert_error(
        api("budi").patch(f"/api/v1/meetings/{meeting.pk}", {"title": "x"}, content_type=JSON),
        409,
        "conflict",
    )
    assert body["current"]["status"] == "cancelled"


def test_only_editors_cancel(api, schedule):
    meeting = schedule()
    assert_error(api("andi").post(f"/api/v1/meetings/{meeting.pk}/cancel"), 403, "forbidden")
    assert_error(api("outsider").post(f"/api/v1/meetings/{meeting.pk}/cancel"), 404, "not_found")
    meeting.refresh_from_db()
    assert meeting.status == "scheduled" and meeting.sequence == 0
    assert OutboundMail.objects.filter(kind="cancellation").count() == 0


# --- answering ----------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["accepted", "declined", "tentative"])
def test_a_participant_answers(api, schedule, answer):
    meeting = schedule()
    response = api("andi").post(
        f"/api/v1/meetings/{meeting.pk}/rsvp", {"response": answer}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"meeting": meeting.pk, "username": "andi", "response": answer}
    participant = Participant.objects.get(meeting=meeting, official__username="andi")
    assert participant.rsvp == answer and participant.rsvp_at is not None
    # Only andi's answer changed.
    assert Participant.objects.get(meeting=meeting, official__username="nurul").rsvp == (
        "needs_action"
    )
    detail = api("andi").get(f"/api/v1/meetings/{meeting.pk}").json()
    assert detail["my_rsvp"] == answer and detail["tally"][answer] >= 1


def test_answers_from_non_participants_are_refused(api, schedule):
    meeting = schedule()
    url = f"/api/v1/meetings/{meeting.pk}/rsvp"
    # outsider cannot even see it; sari sees it (her agency organises) but is not invited.
    assert_error(
        api("outsider").post(url, {"response": "accepted"}, content_type=JSON), 404, "not_found"
    )
    assert_error(
        api("sari").post(url, {"response": "accepted"}, content_type=JSON), 403, "forbidden"
    )
    assert not Participant.objects.filter(
        meeting=meeting, official__username__in=["sari", "outsider"]
    ).exists()


@pytest.mark.parametrize("value", ["maybe", "needs_action", "", None, 1])
def test_an_unknown_answer_is_refused(api, schedule, value):
    meeting = schedule()
    response = api("andi").post(
        f"/api/v1/meetings/{meeting.pk}/rsvp", {"response": value}, content_type=JSON
    )
    assert_error(response, 400, "invalid", "response")
    assert Participant.objects.get(meeting=meeting, official__username="andi").rsvp == (
        "needs_action"
    )


def test_a_cancelled_meeting_takes_no_answers(api, schedule, world):
    meeting = schedule()
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    response = api("andi").post(
        f"/api/v1/meetings/{meeting.pk}/rsvp", {"response": "accepted"}, content_type=JSON
    )
    body = assert_error(response, 409, "conflict")
    assert body["current"]["status"] == "cancelled"
    assert Participant.objects.get(meeting=meeting, official__username="andi").rsvp == (
        "needs_action"
    )


# --- the .ics download --------------------------------------------------------------------


def test_the_invitation_downloads_as_icalendar(api, schedule, world):
    meeting = schedule()
    response = api("andi").get(f"/api/v1/meetings/{meeting.pk}/invite.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert event["UID"] == meeting.uid and event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == meeting.start
    assert len(event["ATTENDEE"]) == 3
    assert_error(api("outsider").get(f"/api/v1/meetings/{meeting.pk}/invite.ics"), 404, "not_found")
    # A colleague who may see the meeting but is not invited gets it without METHOD: an
    # event to keep, not an invitation to answer.
    colleague = Calendar.from_ical(
        api("sari").get(f"/api/v1/meetings/{meeting.pk}/invite.ics").content
    )
    assert "METHOD" not in colleague and colleague.walk("VEVENT")[0]["UID"] == meeting.uid
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    cancelled = Calendar.from_ical(
        api("andi").get(f"/api/v1/meetings/{meeting.pk}/invite.ics").content
    )
    assert cancelled["METHOD"] == "CANCEL"
    [event] = cancelled.walk("VEVENT")
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1


# --- the calendar subscription URL --------------------------------------------------------

FEED_PATH = re.compile(r"^https?://[^/]+/calendar/[^/]+\.ics$")


def test_the_feed_url_is_made_once_renewed_and_revoked(api):
    client = api("andi")
    first = client.get("/api/v1/me/calendar-feed")
    assert first.status_code == 200
    url = first.json()["url"]
    assert FEED_PATH.match(url), url
    assert client.get("/api/v1/me/calendar-feed").json()["url"] == url  # the same, kept
    renewed = client.post("/api/v1/me/calendar-feed")
    assert renewed.status_code == 200
    new_url = renewed.json()["url"]
    assert FEED_PATH.match(new_url) and new_url != url
    assert client.get("/api/v1/me/calendar-feed").json()["url"] == new_url
    revoked = client.delete("/api/v1/me/calendar-feed")
    assert revoked.status_code == 204 and revoked.content == b""
    # Asking again after revoking gives a fresh URL, neither of the old ones.
    again = client.get("/api/v1/me/calendar-feed").json()["url"]
    assert again not in (url, new_url)
    # Each official has their own.
    assert api("nurul").get("/api/v1/me/calendar-feed").json()["url"] not in (url, new_url, again)


# --- busy warnings ------------------------------------------------------------------------


def test_scheduling_over_another_meeting_names_who_is_busy(api, schedule, payload, soon):
    first = schedule(title="Rakor inflasi")
    response = api("budi").post(
        "/api/v1/meetings",
        payload(
            title="Rakor stunting",
            start=(soon + datetime.timedelta(minutes=30)).isoformat(),
            end=(soon + datetime.timedelta(hours=3)).isoformat(),
            participants=[{"username": "andi"}, {"username": "sari"}],
        ),
        content_type=JSON,
    )
    assert response.status_code == 201, response.content  # a warning, not a refusal
    [clash] = response.json()["busy"]
    assert clash["username"] == "andi" and clash["meeting"] == "Rakor inflasi"
    assert datetime.datetime.fromisoformat(clash["start"]) == first.start
    assert datetime.datetime.fromisoformat(clash["end"]) == first.end
    assert clash["name"]
    assert Meeting.objects.count() == 2


def test_back_to_back_meetings_do_not_clash(api, schedule, payload, soon):
    first = schedule()
    response = api("budi").post(
        "/api/v1/meetings",
        payload(
            start=first.end.isoformat(),
            end=(first.end + datetime.timedelta(hours=1)).isoformat(),
        ),
        content_type=JSON,
    )
    assert response.status_code == 201 and response.json()["busy"] == []


def test_a_declined_or_cancelled_meeting_is_no_clash(api, schedule, payload, world, soon):
    declined = schedule(title="Ditolak", participants=[{"username": "andi"}])
    answers.meeting_rsvp(official=world["andi"], meeting_id=declined.pk, response="declined")
    cancelled = schedule(title="Batal", participants=[{"username": "andi"}])
    scheduling.meeting_cancel(by=world["budi"], meeting_id=cancelled.pk)
    response = api("budi").post(
        "/api/v1/meetings", payload(participants=[{"username": "andi"}]), content_type=JSON
    )
    assert response.status_code == 201 and response.json()["busy"] == []


def test_the_other_meetings_title_is_withheld_from_who_cannot_see_it(api, schedule, payload, soon):
    # budi's meeting has nurul only: andi (a coordinator of another agency) cannot see it.
    schedule(title="Rapat internal Kemendagri", participants=[{"username": "nurul"}])
    response = api("andi").post(
        "/api/v1/meetings",
        payload(participants=[{"username": "nurul"}], timezone="Asia/Makassar"),
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    [clash] = response.json()["busy"]
    assert clash["username"] == "nurul" and clash["meeting"] is None
    assert "Rapat internal Kemendagri" not in response.content.decode()


def test_moving_a_meeting_onto_another_warns_too(api, schedule, soon):
    schedule(title="Pagi", start=soon, end=soon + datetime.timedelta(hours=1))
    later = schedule(
        title="Siang",
        start=soon + datetime.timedelta(hours=4),
        end=soon + datetime.timedelta(hours=5),
    )
    assert api("budi").get(f"/api/v1/meetings/{later.pk}").json()["busy"] == []
    response = api("budi").patch(
        f"/api/v1/meetings/{later.pk}",
        {
            "start": (soon + datetime.timedelta(minutes=30)).isoformat(),
            "end": (soon + datetime.timedelta(hours=2)).isoformat(),
        },
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    busy = response.json()["busy"]
    assert {c["username"] for c in busy} == {"andi", "nurul"}
    assert {c["meeting"] for c in busy} == {"Pagi"}


# --- the schema ---------------------------------------------------------------------------


def test_the_schema_lists_the_meeting_paths(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/meetings": {"get", "post"},
        "/api/v1/meetings/{meeting_id}": {"get", "patch"},
        "/api/v1/meetings/{meeting_id}/cancel": {"post"},
        "/api/v1/meetings/{meeting_id}/rsvp": {"post"},
        "/api/v1/meetings/{meeting_id}/invite.ics": {"get"},
        "/api/v1/me/calendar-feed": {"get", "post", "delete"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
    create = paths["/api/v1/meetings"]["post"]["responses"]
    assert {"201", "400", "401", "403", "404"} <= set(create)
    assert "409" in paths["/api/v1/meetings/{meeting_id}/rsvp"]["post"]["responses"]
    ics = paths["/api/v1/meetings/{meeting_id}/invite.ics"]["get"]["responses"]["200"]
    assert "text/calendar" in ics["content"]
    assert "204" in paths["/api/v1/me/calendar-feed"]["delete"]["responses"]


def test_a_json_body_that_is_not_an_object_is_refused_and_changes_nothing(world, schedule, api):
    """`false` is not an empty change (PATCH takes only optional fields): every JSON body
    is an object."""
    meeting = schedule()
    for body in ("false", "[]", "7", '"text"', "null"):
        response = api("budi").patch(
            f"/api/v1/meetings/{meeting.pk}", body, content_type="application/json"
        )
        assert response.status_code == 400, body
        assert response.json()["code"] == "bad_request"
    meeting.refresh_from_db()
    assert meeting.version == 1
