"""Recurring meetings: the rule subset, the expansion of a series (across a month boundary,
with EXDATE), occurrences that gain rows of their own (moved, cancelled, answered alone, a
write below their path), what the invitations carry (RRULE on the series, RECURRENCE-ID and
SEQUENCE on one occurrence), and replies to one occurrence, the sabre/vobject sample
included."""

from __future__ import annotations

import datetime
import json
import zoneinfo
from pathlib import Path

import pytest
import recurring_ical_events
from django.utils import timezone, translation
from icalendar import Calendar

from coordination.platform.errors import InvalidInput, NotFound
from coordination.platform.models import OutboundMail
from meetings import recurrence
from meetings.models import AgendaItem, Meeting, Participant, occurrence_key
from meetings.services import answers as answer_services
from meetings.services import occurrences

pytestmark = pytest.mark.django_db

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "interop-samples"
    / "reply"
    / "sabre-recurrence-id-accepted.ics"
)


@pytest.fixture
def monday():
    """09:00 WIB on a Monday five to six weeks ahead: six weekly occurrences from it span
    35 days, so they always cross a month boundary."""
    day = timezone.now().astimezone(WIB).date() + datetime.timedelta(days=36)
    day -= datetime.timedelta(days=day.weekday())
    return datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=WIB).astimezone(datetime.UTC)


@pytest.fixture
def weekly(schedule, monday):
    """A weekly coordination meeting on Mondays 09:00-10:00 WIB, six times, with the
    second week left out (EXDATE)."""
    return schedule(
        start=monday,
        end=monday + datetime.timedelta(hours=1),
        rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=6",
        exdates=[monday + datetime.timedelta(weeks=1)],
    )


def week(monday, n):
    return monday + datetime.timedelta(weeks=n)


def calendar_of(mail) -> Calendar:
    """The iTIP object an outbox row carries (its text/calendar alternative)."""
    [body] = [c for c, m in mail.payload["alternatives"] if m.startswith("text/calendar")]
    return Calendar.from_ical(body)


# --- the rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10", "FREQ=WEEKLY;BYDAY=MO;COUNT=10"),
        ("freq=weekly;byday=we,mo", "FREQ=WEEKLY;BYDAY=MO,WE"),
        ("FREQ=DAILY;INTERVAL=2", "FREQ=DAILY;INTERVAL=2"),
        ("FREQ=MONTHLY", "FREQ=MONTHLY;BYMONTHDAY={day}"),
        ("FREQ=MONTHLY;BYDAY={nth}MO;COUNT=3", "FREQ=MONTHLY;BYDAY={nth}MO;COUNT=3"),
        ("FREQ=WEEKLY;UNTIL={until}", "FREQ=WEEKLY;UNTIL={until_utc}"),
    ],
)
def test_rules_of_the_subset_are_kept_in_their_canonical_form(monday, given, canonical):
    local = monday.astimezone(WIB)
    nth = (local.day - 1) // 7 + 1
    until = (local + datetime.timedelta(days=60)).strftime("%Y%m%d")
    values = {
        "day": local.day,
        "nth": nth,
        "until": until,
        # a date UNTIL is the end of that day in the meeting's zone, written in UTC
        "until_utc": datetime.datetime.strptime(until + "235959", "%Y%m%d%H%M%S")
        .replace(tzinfo=WIB)
        .astimezone(datetime.UTC)
        .strftime("%Y%m%dT%H%M%SZ"),
    }
    rule = recurrence.rule_clean(given.format(**values), start=monday, zone_name="Asia/Jakarta")
    assert rule == canonical.format(**values)


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("FREQ=YEARLY", "daily, weekly or monthly"),
        ("FREQ=HOURLY", "daily, weekly or monthly"),
        ("FREQ=DAILY;BYHOUR=9", "not by BYHOUR"),
        ("FREQ=WEEKLY;BYDAY=TU", "must fall on one of the chosen days"),
        ("FREQ=WEEKLY;BYDAY=MO;COUNT=2;UNTIL=20300101", "not both"),
        ("FREQ=WEEKLY;COUNT=0", "COUNT"),
        ("FREQ=WEEKLY;COUNT=100000", "COUNT"),
        ("FREQ=MONTHLY;BYDAY=MO", "with its place"),
        ("FREQ=MONTHLY;BYDAY=1MO,3MO", "with its place"),
        ("FREQ=MONTHLY;BYMONTHDAY=1;BYDAY=1MO", "by date (BYMONTHDAY) or by weekday"),
        ("FREQ=WEEKLY;UNTIL=20200101", "before the first meeting"),
        ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL"),
        ("this is not a rule", "daily, weekly or monthly"),
    ],
)
def test_rules_outside_the_subset_are_refused_with_the_reason(monday, rule, problem):
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        recurrence.rule_clean(rule, start=monday, zone_name="Asia/Jakarta")
    assert problem in str(refused.value)
    assert "rrule" in refused.value.fields


def test_a_refused_rule_schedules_nothing(api, world, monday):
    before = Meeting.objects.count()
    response = api("budi").post(
        "/api/v1/meetings",
        {
            "title": "Rakor mingguan",
            "start": monday.isoformat(),
            "end": (monday + datetime.timedelta(hours=1)).isoformat(),
            "rrule": "FREQ=YEARLY;COUNT=3",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "rrule" in response.json()["fields"]
    assert Meeting.objects.count() == before
    assert not OutboundMail.objects.exists()


# --- the expansion ----------------------------------------------------------------------


def test_a_series_expands_across_a_month_boundary_without_its_exdate(weekly, monday):
    starts = recurrence.occurrence_starts(weekly, monday - datetime.timedelta(days=3), None)
    assert starts == [week(monday, n) for n in (0, 2, 3, 4, 5)]
    assert len({s.astimezone(WIB).month for s in starts}) == 2  # a month boundary inside
    # each one at 09:00 WIB, the series' hour in its own zone
    assert {s.astimezone(WIB).time() for s in starts} == {datetime.time(9, 0)}
    # the last occurrence's end is the series' span, used by range queries
    assert weekly.span_end == week(monday, 5) + datetime.timedelta(hours=1)


def test_the_api_lists_each_occurrence_in_a_range_with_its_key(api, weekly, monday):
    response = api("andi").get(
        "/api/v1/meetings",
        {"start": week(monday, 1).isoformat(), "end": week(monday, 4).isoformat()},
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["recurrence_id"] for i in items] == [occurrence_key(week(monday, n)) for n in (2, 3)]
    for item in items:
        assert item["id"] is None and item["series"] == weekly.pk
        assert item["start"] == datetime.datetime.fromisoformat(item["recurrence_id"]).isoformat()
        assert item["link"] == f"/meetings/{weekly.pk}/occurrences/{item['recurrence_id']}"
    # the key is the instant in UTC, as the example writes it
    assert items[0]["recurrence_id"].endswith("Z") and "+" not in items[0]["recurrence_id"]
    # without a range, the series itself with its rule
    [series] = [i for i in api("andi").get("/api/v1/meetings").json()["items"]]
    assert series["id"] == weekly.pk and series["rrule"] == "FREQ=WEEKLY;BYDAY=MO;COUNT=6"
    assert series["exdates"] == [occurrence_key(week(monday, 1))]


def test_an_occurrence_without_a_row_reads_as_the_series(api, weekly, monday):
    key = occurrence_key(week(monday, 3))
    response = api("andi").get(f"/api/v1/meetings/{weekly.pk}/occurrences/{key}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] is None and body["series"] == weekly.pk and body["recurrence_id"] == key
    assert body["title"] == weekly.title
    assert body["start"] == week(monday, 3).isoformat()
    assert not Meeting.objects.filter(series=weekly).exists()  # a read makes no row
    for missing in (
        occurrence_key(week(monday, 1)),  # left out by EXDATE
        occurrence_key(week(monday, 3) + datetime.timedelta(hours=1)),  # not its hour
        occurrence_key(week(monday, 6)),  # after COUNT
        "not-a-time",
    ):
        answer = api("andi").get(f"/api/v1/meetings/{weekly.pk}/occurrences/{missing}")
        assert answer.status_code in (400, 404), missing
    # nor may someone outside it see it
    outsider = api("outsider").get(f"/api/v1/meetings/{weekly.pk}/occurrences/{key}")
    assert outsider.status_code == 404


# --- one occurrence changes -------------------------------------------------------------


def test_moving_one_occurrence_makes_its_row_and_sends_a_request_with_its_recurrence_id(
    api, weekly, monday
):
    key = occurrence_key(week(monday, 2))
    OutboundMail.objects.all().delete()
    moved_to = week(monday, 2) + datetime.timedelta(hours=2)
    response = api("budi").patch(
        f"/api/v1/meetings/{weekly.pk}/occurrences/{key}",
        {
            "start": moved_to.isoformat(),
            "end": (moved_to + datetime.timedelta(hours=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    row = Meeting.objects.get(series=weekly, recurrence_id=week(monday, 2))
    assert body["id"] == row.pk and body["series"] == weekly.pk and body["recurrence_id"] == key
    assert row.uid == weekly.uid and row.start == moved_to
    assert row.sequence == weekly.sequence + 1
    # its REQUEST: the series' UID, its RECURRENCE-ID (the original start), a higher SEQUENCE
    mails = list(OutboundMail.objects.filter(kind="update"))
    assert {"andi", "nurul"} <= {m.official.username for m in mails}
    assert {m.topic for m in mails} == {f"meeting:{row.pk}"}
    event = next(iter(calendar_of(mails[0]).walk("VEVENT")))
    assert calendar_of(mails[0])["METHOD"] == "REQUEST"
    assert str(event["UID"]) == weekly.uid
    assert event.decoded("RECURRENCE-ID").astimezone(datetime.UTC) == week(monday, 2)
    assert event.decoded("DTSTART").astimezone(datetime.UTC) == moved_to
    assert int(event["SEQUENCE"]) == row.sequence
    assert "RRULE" not in event
    # the list shows the row at its new time in place of the computed occurrence
    listed = (
        api("andi")
        .get(
            "/api/v1/meetings",
            {"start": week(monday, 2).isoformat(), "end": week(monday, 3).isoformat()},
        )
        .json()["items"]
    )
    assert [(i["id"], i["start"]) for i in listed] == [(row.pk, moved_to.isoformat())]
    # every per-meeting path takes the row's id from now on
    assert api("andi").get(f"/api/v1/meetings/{row.pk}").json()["recurrence_id"] == key
    again = api("andi").get(f"/api/v1/meetings/{weekly.pk}/occurrences/{key}").json()
    assert again["id"] == row.pk


def test_cancelling_one_occurrence_sends_a_cancel_for_it_and_the_series_goes_on(
    api, weekly, monday
):
    key = occurrence_key(week(monday, 3))
    OutboundMail.objects.all().delete()
    response = api("budi").post(f"/api/v1/meetings/{weekly.pk}/occurrences/{key}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled" and response.json()["id"] is not None
    [mail, *_others] = OutboundMail.objects.filter(kind="cancellation")
    cal = calendar_of(mail)
    [event] = cal.walk("VEVENT")
    assert cal["METHOD"] == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("RECURRENCE-ID").astimezone(datetime.UTC) == week(monday, 3)
    weekly.refresh_from_db()
    assert weekly.status == "scheduled"
    # the series' next REQUEST lists it in EXDATE beside the excluded week, and carries the
    # moved occurrence as an override
    OutboundMail.objects.all().delete()
    api("budi").patch(
        f"/api/v1/meetings/{weekly.pk}",
        {"title": "Rakor mingguan inflasi"},
        content_type="application/json",
    )
    cal = calendar_of(OutboundMail.objects.filter(kind="update").first())
    [master] = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e]
    assert str(master["RRULE"].to_ical().decode()) == "FREQ=WEEKLY;COUNT=6;BYDAY=MO"
    excluded = {
        d.dt.astimezone(datetime.UTC)
        for line in (master["EXDATE"] if isinstance(master["EXDATE"], list) else [master["EXDATE"]])
        for d in line.dts
    }
    assert excluded == {week(monday, 1), week(monday, 3)}
    # an independent expander (recurring-ical-events) reads four occurrences from it
    found = recurring_ical_events.of(cal).between(
        monday - datetime.timedelta(days=1), week(monday, 7)
    )
    assert sorted(e.decoded("DTSTART").astimezone(datetime.UTC) for e in found) == [
        week(monday, n) for n in (0, 2, 4, 5)
    ]


def test_a_cancelled_series_cancels_its_occurrence_rows(api, weekly, monday):
    key = occurrence_key(week(monday, 2))
    api("budi").post(
        f"/api/v1/meetings/{weekly.pk}/occurrences/{key}/rsvp",
        {"response": "accepted"},
        content_type="application/json",
    )
    assert api("budi").post(f"/api/v1/meetings/{weekly.pk}/cancel").status_code == 200
    assert set(Meeting.objects.filter(series=weekly).values_list("status", flat=True)) == {
        "cancelled"
    }
    refused = api("budi").patch(
        f"/api/v1/meetings/{weekly.pk}/occurrences/{occurrence_key(week(monday, 4))}",
        {"title": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 409
    assert Meeting.objects.filter(series=weekly).count() == 1


def test_a_refused_change_to_an_occurrence_leaves_no_row(api, weekly, monday):
    key = occurrence_key(week(monday, 2))
    # andi may see it but not change it; an end before the start is invalid
    assert (
        api("andi")
        .patch(
            f"/api/v1/meetings/{weekly.pk}/occurrences/{key}",
            {"title": "x"},
            content_type="application/json",
        )
        .status_code
        == 403
    )
    bad = api("budi").patch(
        f"/api/v1/meetings/{weekly.pk}/occurrences/{key}",
        {"end": (week(monday, 2) - datetime.timedelta(hours=1)).isoformat()},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert not Meeting.objects.filter(series=weekly).exists()
    assert not OutboundMail.objects.filter(kind="update").exists()


# --- answers ----------------------------------------------------------------------------


def test_an_answer_for_one_occurrence_stays_when_the_series_is_answered(api, weekly, monday):
    key = occurrence_key(week(monday, 2))
    alone = api("andi").post(
        f"/api/v1/meetings/{weekly.pk}/occurrences/{key}/rsvp",
        {"response": "declined"},
        content_type="application/json",
    )
    assert alone.status_code == 200
    row = Meeting.objects.get(series=weekly, recurrence_id=week(monday, 2))
    assert alone.json()["meeting"] == row.pk
    # another occurrence gets a row through its agenda (not an answer of andi's)
    other = week(monday, 4)
    made = api("budi").post(
        f"/api/v1/meetings/{weekly.pk}/occurrences/{occurrence_key(other)}/agenda",
        {"title": "Evaluasi harga beras"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    other_row = Meeting.objects.get(series=weekly, recurrence_id=other)
    # the series' answer stands for the occurrences not answered alone
    assert (
        api("andi")
        .post(
            f"/api/v1/meetings/{weekly.pk}/rsvp",
            {"response": "accepted"},
            content_type="application/json",
        )
        .status_code
        == 200
    )
    answers = dict(
        Participant.objects.filter(official__username="andi").values_list("meeting_id", "rsvp")
    )
    assert answers == {weekly.pk: "accepted", row.pk: "declined", other_row.pk: "accepted"}


def test_a_write_below_an_occurrences_path_copies_the_series_agenda(api, weekly, monday):
    AgendaItem.objects.create(meeting=weekly, position=0, title="Laporan tiap provinsi")
    key = occurrence_key(week(monday, 3))
    # a read below the path reads the series' agenda and makes nothing
    read = api("andi").get(f"/api/v1/meetings/{weekly.pk}/occurrences/{key}/agenda")
    assert read.status_code == 200
    assert [i["title"] for i in read.json()["items"]] == ["Laporan tiap provinsi"]
    assert not Meeting.objects.filter(series=weekly).exists()
    # a refused write makes nothing either
    refused = api("outsider").post(
        f"/api/v1/meetings/{weekly.pk}/occurrences/{key}/agenda",
        {"title": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 404
    bad = api("budi").post(
        f"/api/v1/meetings/{weekly.pk}/occurrences/{key}/agenda",
        {"title": ""},
        content_type="application/json",
    )
    assert bad.status_code in (400, 422)
    assert not Meeting.objects.filter(series=weekly).exists()
    # the first accepted write makes the row, with the series' agenda copied
    made = api("budi").post(
        f"/api/v1/meetings/{weekly.pk}/occurrences/{key}/agenda",
        {"title": "Stok pangan menjelang Natal"},
        content_type="application/json",
    )
    assert made.status_code == 201
    row = Meeting.objects.get(series=weekly, recurrence_id=week(monday, 3))
    assert [i.title for i in row.agenda_items.order_by("position")] == [
        "Laporan tiap provinsi",
        "Stok pangan menjelang Natal",
    ]
    assert [i.title for i in weekly.agenda_items.all()] == ["Laporan tiap provinsi"]
    assert set(row.participants.values_list("official__username", flat=True)) == set(
        weekly.participants.values_list("official__username", flat=True)
    )


def itip_reply(meeting, local: datetime.datetime, *, sequence=None) -> bytes:
    """The sabre/vobject sample (tests/interop-samples/reply/), its UID, attendee and
    RECURRENCE-ID set for `meeting`'s occurrence at `local` (WIB)."""
    raw = SAMPLE.read_bytes()
    return (
        raw.replace(b"UID:foobar", f"UID:{meeting.uid}".encode())
        .replace(b"mailto:foo@example.org", b"mailto:andi@example.test")
        .replace(
            b"SEQUENCE:2", f"SEQUENCE:{meeting.sequence if sequence is None else sequence}".encode()
        )
        .replace(
            b"RECURRENCE-ID;TZID=Asia/Ho_Chi_Minh:20140725T110000",
            f"RECURRENCE-ID;TZID=Asia/Jakarta:{local.strftime('%Y%m%dT%H%M%S')}".encode(),
        )
    )


def test_a_reply_with_recurrence_id_answers_that_occurrence(world, weekly, monday):
    world["andi"].email = "andi@example.test"
    world["andi"].save()
    local = week(monday, 4).astimezone(WIB)
    participant = answer_services.reply_receive(
        by=world["budi"], body=itip_reply(weekly, local), content_type="text/calendar"
    )
    row = Meeting.objects.get(series=weekly, recurrence_id=week(monday, 4))
    assert participant.meeting_id == row.pk and participant.rsvp == "accepted"
    assert Participant.objects.get(meeting=weekly, official=world["andi"]).rsvp == "needs_action"
    # an occurrence the series does not have is a clear error and makes nothing
    with pytest.raises(NotFound):
        answer_services.reply_receive(
            by=world["budi"],
            body=itip_reply(weekly, week(monday, 1).astimezone(WIB)),  # its EXDATE
            content_type="text/calendar",
        )
    assert Meeting.objects.filter(series=weekly).count() == 1


def test_the_sabre_sample_itself_is_read_and_refused_only_for_its_unknown_uid(api):
    response = api("budi").post("/api/v1/itip", SAMPLE.read_bytes(), content_type="text/calendar")
    assert response.status_code == 404
    assert response.json()["fields"] == {"UID": ["Unknown to Rakor."]} or "UID" in json.dumps(
        response.json()
    )


def test_occurrence_rows_are_made_once(weekly, monday):
    first = occurrences.occurrence_row(series=weekly, original_start=week(monday, 2))
    second = occurrences.occurrence_row(series=weekly, original_start=week(monday, 2))
    assert first.pk == second.pk
    assert Meeting.objects.filter(series=weekly).count() == 1


# --- the pages --------------------------------------------------------------------------


def test_the_occurrence_page_answers_moves_and_cancels_one_occurrence(
    client, world, weekly, monday
):
    key = occurrence_key(week(monday, 2))
    path = f"/meetings/{weekly.pk}/occurrences/{key}"
    client.force_login(world["andi"])  # Indonesian by default
    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert weekly.title in text and "Setiap minggu pada Senin, 6 kali" in text
    assert f"/occurrences/{key}/edit" not in text  # andi may not change it
    # an answer for this occurrence alone makes its row and leads to its page
    answered = client.post(path + "/rsvp", {"response": "declined", "scope": "one"})
    row = Meeting.objects.get(series=weekly, recurrence_id=week(monday, 2))
    assert answered.status_code == 302 and answered["Location"] == f"/meetings/{row.pk}"
    assert client.get(path)["Location"] == f"/meetings/{row.pk}"  # from now on, its own page
    # the organiser moves another occurrence an hour later from its page
    client.force_login(world["budi"])
    other = occurrence_key(week(monday, 3))
    form = client.get(f"/meetings/{weekly.pk}/occurrences/{other}")
    assert f"/occurrences/{other}/edit" in form.content.decode()
    local = week(monday, 3).astimezone(WIB)
    bad = client.post(
        f"/meetings/{weekly.pk}/occurrences/{other}/edit",
        {"title": "", "date": local.date().isoformat(), "start_time": "10:00", "end_time": "11:00"},
    )
    assert bad.status_code == 400
    assert not Meeting.objects.filter(recurrence_id=week(monday, 3)).exists()
    moved = client.post(
        f"/meetings/{weekly.pk}/occurrences/{other}/edit",
        {
            "title": weekly.title,
            "date": local.date().isoformat(),
            "start_time": "10:00",
            "end_time": "11:00",
            "location": "Ruang Rapat Garuda",
        },
    )
    row = Meeting.objects.get(series=weekly, recurrence_id=week(monday, 3))
    assert moved["Location"] == f"/meetings/{row.pk}"
    assert row.start == week(monday, 3) + datetime.timedelta(hours=1)
    assert row.location == "Ruang Rapat Garuda"
    # and cancels a third one
    third = occurrence_key(week(monday, 4))
    client.post(f"/meetings/{weekly.pk}/occurrences/{third}/cancel")
    assert Meeting.objects.get(series=weekly, recurrence_id=week(monday, 4)).is_cancelled


def test_the_feed_holds_the_series_with_its_rule_and_its_moved_occurrence(
    api, world, weekly, monday
):
    from meetings import feeds

    key = occurrence_key(week(monday, 2))
    moved_to = week(monday, 2) + datetime.timedelta(hours=3)
    api("budi").patch(
        f"/api/v1/meetings/{weekly.pk}/occurrences/{key}",
        {
            "start": moved_to.isoformat(),
            "end": (moved_to + datetime.timedelta(hours=1)).isoformat(),
        },
        content_type="application/json",
    )
    api("budi").post(
        f"/api/v1/meetings/{weekly.pk}/occurrences/{occurrence_key(week(monday, 4))}/cancel"
    )
    url = api("andi").get("/api/v1/me/calendar-feed").json()["url"]
    feed = feeds.feed_for_token(url.rsplit("/", 1)[1].removesuffix(".ics"))
    cal = Calendar.from_ical(feeds.feed_body(feed))
    events = cal.walk("VEVENT")
    assert {str(e["UID"]) for e in events} == {weekly.uid}
    assert sum("RRULE" in e for e in events) == 1
    # an independent expander reads the series as Rakor lists it
    found = recurring_ical_events.of(cal).between(
        monday - datetime.timedelta(days=1), week(monday, 7)
    )
    assert sorted(e.decoded("DTSTART").astimezone(datetime.UTC) for e in found) == [
        week(monday, 0),
        moved_to,
        week(monday, 3),
        week(monday, 5),
    ]


def test_the_answer_link_of_a_series_answers_it_whole_or_one_occurrence(
    client, world, weekly, monday
):
    from meetings import invitations

    series_row = Participant.objects.get(meeting=weekly, official=world["andi"])
    token = invitations.rsvp_token(series_row, weekly)
    page = client.get(f"/meetings/answer/{token}?response=accepted")
    assert page.status_code == 200
    keys = [o["key"] for o in page.context["occurrences"]]
    assert keys[:3] == [occurrence_key(week(monday, n)) for n in (0, 2, 3)]
    # one occurrence alone
    one = client.post(
        f"/meetings/answer/{token}",
        {"response": "declined", "occurrence": occurrence_key(week(monday, 3))},
    )
    assert one.status_code == 200 and one.context["done"]
    row = Meeting.objects.get(series=weekly, recurrence_id=week(monday, 3))
    assert Participant.objects.get(meeting=row, official=world["andi"]).rsvp == "declined"
    # the whole series
    client.post(f"/meetings/answer/{token}", {"response": "accepted"})
    series_row.refresh_from_db()
    assert series_row.rsvp == "accepted"
    assert Participant.objects.get(meeting=row, official=world["andi"]).rsvp == "declined"
    # a key the series does not have changes nothing
    bad = client.post(
        f"/meetings/answer/{token}",
        {"response": "declined", "occurrence": occurrence_key(week(monday, 1))},
    )
    assert bad.status_code == 404
    assert Meeting.objects.filter(series=weekly).count() == 1


def test_the_series_page_lists_its_coming_occurrences(client, world, weekly, monday):
    client.force_login(world["andi"])
    page = client.get(f"/meetings/{weekly.pk}")
    assert page.status_code == 200
    links = [o["url"] for o in page.context["occurrences"]]
    assert links[0] == f"/meetings/{weekly.pk}/occurrences/{occurrence_key(monday)}"
    assert len(links) == 5


def test_the_form_schedules_a_weekly_series_and_edits_one_occurrence_alone(client, world, monday):
    from tests.meetings.test_pages import form_data

    client.force_login(world["budi"])
    day = monday.astimezone(WIB).date()
    data = form_data(
        day,
        timezone="Asia/Jakarta",
        start_time="09:00",
        end_time="10:00",
        repeat="weekly",
        interval="1",
        weekdays=["MO", "TH"],
        ends="count",
        count="8",
    )
    response = client.post("/meetings/new/", data)
    series = Meeting.objects.get(title="Rapat koordinasi stunting")
    assert response.status_code == 302
    assert series.rrule == "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=8"
    # a rule the first date does not fit is shown on the form, and nothing is scheduled
    wrong = client.post(
        "/meetings/new/",
        form_data(
            day,
            title="x",
            timezone="Asia/Jakarta",
            repeat="weekly",
            weekdays=["TU"],
            ends="count",
            count="4",
        ),
    )
    assert wrong.status_code == 200 and wrong.context["form"].errors["repeat"]
    assert not Meeting.objects.filter(title="x").exists()
    # the series' own form reads its rule back
    edit = client.get(f"/meetings/{series.pk}/edit")
    assert edit.context["form"].initial["weekdays"] == ["MO", "TH"]
    assert edit.context["form"].initial["count"] == 8
    # an occurrence's row has a form without the series' fields, and saves alone
    row = occurrences.occurrence_row(series=series, original_start=week(monday, 1))
    page = client.get(f"/meetings/{row.pk}/edit")
    assert "repeat" not in page.context["form"].fields
    assert "required" not in page.context["form"].fields
    saved = client.post(
        f"/meetings/{row.pk}/edit",
        {
            "title": "Rapat koordinasi stunting (lokasi khusus)",
            "description": "",
            "date": week(monday, 1).astimezone(WIB).date().isoformat(),
            "start_time": "09:00",
            "end_time": "10:00",
            "location": "Aula Kantor Gubernur",
            "video": "jitsi",
            "version": row.version,
        },
    )
    assert saved.status_code == 302, saved.context["form"].errors if saved.context else ""
    row.refresh_from_db()
    series.refresh_from_db()
    assert row.location == "Aula Kantor Gubernur" and series.location == "Ruang Rapat Lt. 3"
    assert row.participants.count() == series.participants.count()


def test_vobject_expands_the_mailed_series_as_rakor_does(world, weekly, monday, smtp_server):
    """A second iCalendar implementation (vobject, behind Radicale and other CalDAV software)
    reads the series' invitation after a real SMTP server received it."""
    import vobject

    from coordination.platform.mail import outbox_deliver

    outbox_deliver()
    message = next(m for m in smtp_server.messages if m["To"].endswith(world["andi"].email))
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    parsed = vobject.readOne(part.get_content())
    assert parsed.method.value == "REQUEST"
    starts = sorted(s.astimezone(datetime.UTC) for s in parsed.vevent.getrruleset(addRDate=True))
    assert starts == recurrence.occurrence_starts(weekly, None, None)
    assert [s.astimezone(WIB).time() for s in starts] == [datetime.time(9, 0)] * 5


def test_occurrence_rows_follow_the_series_except_where_they_changed(api, world, weekly, monday):
    moved = occurrences.occurrence_row(series=weekly, original_start=week(monday, 2))
    own = occurrences.occurrence_row(series=weekly, original_start=week(monday, 3))
    api("budi").patch(
        f"/api/v1/meetings/{own.pk}", {"location": "Aula Gowa"}, content_type="application/json"
    )
    response = api("budi").patch(
        f"/api/v1/meetings/{weekly.pk}",
        {
            "title": "Rakor mingguan inflasi",
            "location": "Ruang Sasana Bhakti",
            "participants": [{"username": "andi"}, {"username": "sari"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    moved.refresh_from_db()
    own.refresh_from_db()
    assert moved.title == own.title == "Rakor mingguan inflasi"
    assert moved.location == "Ruang Sasana Bhakti" and own.location == "Aula Gowa"
    for row in (moved, own):
        names = set(row.participants.values_list("official__username", flat=True))
        assert names == {"budi", "andi", "sari"}


def test_a_series_is_joined_at_its_occurrence_under_way_or_next(schedule, world, starting):
    from meetings import selectors
    from meetings.models import Attendance
    from meetings.services import attendance

    daily = schedule(
        start=starting,
        end=starting + datetime.timedelta(hours=1),
        rrule="FREQ=DAILY;COUNT=3",
    )
    andi = world["andi"]
    day = datetime.timedelta(days=1)
    # after the first occurrence, the series' link opens the second one's room in time
    after_first = starting + datetime.timedelta(hours=2)
    refusal = selectors.join_refusal(andi, daily, now=after_first)
    assert refusal is not None and refusal.code == "not_open_yet"
    assert (
        selectors.join_refusal(andi, daily, now=starting + day - datetime.timedelta(minutes=10))
        is None
    )
    # after the last one, it is over
    over = selectors.join_refusal(andi, daily, now=starting + 2 * day + datetime.timedelta(hours=2))
    assert over is not None and over.code == "ended"
    # joining now (the first occurrence opens in ten minutes) records attendance on its row
    url = attendance.meeting_join(official=andi, meeting_id=daily.pk)
    assert daily.video_room in url
    row = Meeting.objects.get(series=daily, recurrence_id=starting)
    assert list(Attendance.objects.values_list("meeting_id", flat=True)) == [row.pk]


def test_an_occurrence_change_naming_the_series_people_is_refused_not_ignored(api, weekly, monday):
    key = occurrence_key(week(monday, 2))
    response = api("budi").patch(
        f"/api/v1/meetings/{weekly.pk}/occurrences/{key}",
        {"location": "Aula", "participants": [{"username": "sari"}]},
        content_type="application/json",
    )
    assert response.status_code in (400, 422)
    assert not Meeting.objects.filter(series=weekly).exists()
