"""The calendar subscription feed (/calendar/<token>.ics), fetched without signing in as a
calendar service would, from the URL the API hands out."""

from __future__ import annotations

import datetime
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from meetings.models import CalendarFeed, Meeting, Participant
from meetings.services import answers, scheduling

pytestmark = pytest.mark.django_db

FEED_API = "/api/v1/me/calendar-feed"


@pytest.fixture
def feed_of(api):
    """The path of an official's feed, as GET /api/v1/me/calendar-feed hands it out."""

    def get(who: str) -> str:
        response = api(who).get(FEED_API)
        assert response.status_code == 200, response.content
        return urlsplit(response.json()["url"]).path

    return get


@pytest.fixture
def anonymous():
    return Client()


def fetch(client: Client, path: str, **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("text/calendar")
    return response


def events(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def age(meeting: Meeting, days: int) -> None:
    """Move a meeting `days` into the past (the services refuse to schedule it there)."""
    start = timezone.now() - datetime.timedelta(days=days)
    Meeting.objects.filter(pk=meeting.pk).update(
        start=start, end=start + datetime.timedelta(hours=1)
    )


def test_the_feed_holds_the_officials_meetings_without_signing_in(
    feed_of, anonymous, schedule, world, soon
):
    coming = schedule(title="Rakor inflasi")
    cancelled = schedule(
        title="Rakor dibatalkan",
        start=soon + datetime.timedelta(days=1),
        end=soon + datetime.timedelta(days=1, hours=1),
    )
    scheduling.meeting_cancel(by=world["budi"], meeting_id=cancelled.pk)
    recent = schedule(title="Rakor bulan lalu")
    age(recent, 80)
    old = schedule(title="Rakor lama sekali")
    age(old, 100)
    # Meetings andi is not in: sari's (which andi cannot see) and one nurul alone attends.
    others = schedule(title="Rapat Kemendagri", participants=[{"username": "sari"}])
    nurul_only = schedule(title="Rapat Nurul", participants=[{"username": "nurul"}])

    response = fetch(anonymous, feed_of("andi"))
    calendar = Calendar.from_ical(response.content)
    assert "METHOD" not in calendar  # a feed is not iTIP
    assert b"METHOD" not in response.content
    assert calendar["VERSION"] == "2.0"
    found = events(response.content)
    assert set(found) == {coming.uid, cancelled.uid, recent.uid}
    assert old.uid not in found and others.uid not in found and nurul_only.uid not in found
    assert found[coming.uid]["SUMMARY"] == "Rakor inflasi"
    assert found[coming.uid]["STATUS"] == "CONFIRMED"
    assert found[coming.uid].decoded("DTSTART") == coming.start
    assert found[cancelled.uid]["STATUS"] == "CANCELLED"
    assert found[cancelled.uid]["SEQUENCE"] == 1
    attendees = {str(a) for a in found[coming.uid]["ATTENDEE"]}
    assert "mailto:andi@example.test" in attendees
    # The organiser's feed has what he organises; sari's has nothing she merely may see.
    organiser = events(fetch(anonymous, feed_of("budi")).content)
    assert {coming.uid, cancelled.uid, recent.uid, others.uid, nurul_only.uid} == set(organiser)
    assert set(events(fetch(anonymous, feed_of("sari")).content)) == {others.uid}
    assert events(fetch(anonymous, feed_of("outsider")).content) == {}


def test_an_agency_invitation_puts_the_meeting_in_its_officials_feeds(feed_of, anonymous, schedule):
    meeting = schedule(participants=[], agencies=["sulsel"])
    assert meeting.uid in events(fetch(anonymous, feed_of("outsider")).content)


def test_rahasia_meetings_are_busy_time_only(feed_of, anonymous, schedule, world):
    meeting = schedule(
        title="Rapat pemekaran wilayah",
        description="Bahan: peta batas sementara",
        location="Ruang tertutup lantai 9",
        classification="rahasia",
        participants=[{"username": "andi", "role": "required"}],
    )
    response = fetch(anonymous, feed_of("andi"))
    [event] = events(response.content).values()
    assert event["UID"] == meeting.uid
    assert event.decoded("DTSTART") == meeting.start and event.decoded("DTEND") == meeting.end
    assert event["CLASS"] == "CONFIDENTIAL" and event["TRANSP"] == "OPAQUE"
    assert "pemekaran" not in str(event["SUMMARY"])
    for name in ("DESCRIPTION", "LOCATION", "ATTENDEE", "ORGANIZER", "CONFERENCE"):
        assert name not in event, name
    raw = response.content.decode()
    for secret in ("pemekaran", "peta batas", "Ruang tertutup", "@example.test"):
        assert secret not in raw, secret
    assert world["budi"].display_name not in raw
    assert "/join" not in raw


def test_an_unchanged_feed_answers_304_and_a_changed_one_a_new_etag(
    feed_of, anonymous, schedule, world, soon
):
    meeting = schedule()
    path = feed_of("andi")
    first = fetch(anonymous, path)
    tag = first["ETag"]
    assert tag and tag.startswith('"') and tag.endswith('"')
    again = fetch(anonymous, path)
    assert again["ETag"] == tag and again.content == first.content  # byte-identical
    unchanged = anonymous.get(path, HTTP_IF_NONE_MATCH=tag)
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged["ETag"] == tag
    also = anonymous.get(path, HTTP_IF_NONE_MATCH=f'"something-else", {tag}')
    assert also.status_code == 304

    answers.meeting_rsvp(official=world["nurul"], meeting_id=meeting.pk, response="tentative")
    answered = anonymous.get(path, HTTP_IF_NONE_MATCH=tag)
    assert answered.status_code == 200 and answered["ETag"] != tag
    [event] = events(answered.content).values()
    partstat = {str(a): a.params["PARTSTAT"] for a in event["ATTENDEE"]}
    assert partstat["mailto:nurul@example.test"] == "TENTATIVE"

    later = soon + datetime.timedelta(days=3)
    scheduling.meeting_update(
        by=world["budi"],
        meeting_id=meeting.pk,
        changes={"start": later, "end": later + datetime.timedelta(hours=1)},
    )
    moved = anonymous.get(path, HTTP_IF_NONE_MATCH=answered["ETag"])
    assert moved.status_code == 200
    assert moved["ETag"] not in (tag, answered["ETag"])
    [event] = events(moved.content).values()
    assert event.decoded("DTSTART") == later and event["SEQUENCE"] == 1


def test_the_feeds_dtstamp_is_its_newest_change_not_the_fetch_time(
    feed_of, anonymous, schedule, world
):
    """So that an unchanged feed stays byte-identical however long apart it is fetched."""
    meeting = schedule()
    path = feed_of("andi")
    changed = (timezone.now() - datetime.timedelta(hours=5)).replace(microsecond=0)
    Meeting.objects.update(created_at=changed, updated_at=changed)
    Participant.objects.exclude(rsvp_at=None).update(
        rsvp_at=changed - datetime.timedelta(minutes=1)
    )
    CalendarFeed.objects.update(created_at=changed - datetime.timedelta(days=1))
    [event] = events(fetch(anonymous, path).content).values()
    assert event.decoded("DTSTAMP") == changed
    answers.meeting_rsvp(official=world["andi"], meeting_id=meeting.pk, response="accepted")
    answered_at = Participant.objects.get(meeting=meeting, official=world["andi"]).rsvp_at
    [event] = events(fetch(anonymous, path).content).values()
    assert event.decoded("DTSTAMP") == answered_at.replace(microsecond=0)


def test_renewing_ends_the_old_url(api, feed_of, anonymous, schedule):
    schedule()
    old = feed_of("andi")
    fetch(anonymous, old)
    renewed = api("andi").post(FEED_API)
    assert renewed.status_code == 200
    new = urlsplit(renewed.json()["url"]).path
    assert new != old
    assert anonymous.get(old).status_code == 404
    assert len(events(fetch(anonymous, new).content)) == 1


def test_revoking_switches_the_feed_off(api, feed_of, anonymous, schedule):
    schedule()
    path = feed_of("andi")
    fetch(anonymous, path)
    assert api("andi").delete(FEED_API).status_code == 204
    gone = anonymous.get(path)
    assert gone.status_code == 404
    assert b"BEGIN:VCALENDAR" not in gone.content
    # A new URL may be asked for; the revoked one stays dead.
    fresh = feed_of("andi")
    assert fresh != path
    fetch(anonymous, fresh)
    assert anonymous.get(path).status_code == 404


def test_forged_tokens_open_nothing(feed_of, anonymous, schedule, world):
    schedule()
    path = feed_of("andi")
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    official_id, generation, mac = token.split(".")
    nurul_token = feed_of("nurul").removeprefix("/calendar/").removesuffix(".ics")
    forged = [
        f"{official_id}.{generation}.{mac[:-1]}{'0' if mac[-1] != '0' else '1'}",
        f"{official_id}.{int(generation) + 1}.{mac}",
        f"{world['budi'].pk}.{generation}.{mac}",  # andi's MAC on budi's feed
        f"{official_id}.{generation}.{nurul_token.split('.')[2]}",
        f"{official_id}.{generation}.{mac.upper()}",
        f"{official_id}.{generation}",
        "nonsense",
        f"{official_id}.{generation}.{mac}x",
    ]
    for bad in forged:
        response = anonymous.get(f"/calendar/{bad}.ics")
        assert response.status_code == 404, bad
        assert b"VEVENT" not in response.content


def test_an_inactive_officials_feed_is_gone(feed_of, anonymous, schedule, world):
    schedule()
    path = feed_of("andi")
    fetch(anonymous, path)
    world["andi"].is_active = False
    world["andi"].save()
    assert anonymous.get(path).status_code == 404


def test_the_feed_costs_the_same_queries_for_more_meetings(
    feed_of, anonymous, schedule, soon, django_assert_max_num_queries
):
    schedule()
    path = feed_of("andi")
    fetch(anonymous, path)  # notes the first fetch
    with django_assert_max_num_queries(7):
        fetch(anonymous, path)
    for n in range(1, 8):
        schedule(
            start=soon + datetime.timedelta(days=n),
            end=soon + datetime.timedelta(days=n, hours=1),
            timezone_name="Asia/Makassar" if n % 2 else "Asia/Jakarta",
        )
    with django_assert_max_num_queries(7):
        response = fetch(anonymous, path)
        assert len(events(response.content)) == 8
    # Unchanged, asked again with its ETag: answered without rendering (the feed, its
    # meetings, the latest answer).
    with django_assert_max_num_queries(3):
        again = anonymous.get(path, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
