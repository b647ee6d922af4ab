"""The subscription feed assembled from cached events (meetings.feeds): byte for byte what the
uncached rendering wrote, a new body and a new ETag after every change that shows in it, and
a constant number of queries however many meetings it holds. (What the feed holds, and how a
calendar fetches it, is tests/meetings/test_feeds.py.)"""

from __future__ import annotations

import datetime
import zoneinfo
from urllib.parse import urlsplit

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.db.models import Max, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar

from coordination.organisation.models import Classification
from coordination.organisation.services import official_update_preferences
from meetings import feeds, ical, recurrence
from meetings.models import AgendaItem, CalendarFeed, Meeting, Participant, occurrence_key
from meetings.services import agenda, answers, occurrences, scheduling
from meetings.services.scheduling import Invitee
from tests.factories import MeetingFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
FEED_API = "/api/v1/me/calendar-feed"


@pytest.fixture(autouse=True)
def no_cached_events():
    """Each test starts with no event cached (the embedded default keeps them in a
    local-memory cache of the feeds' own, which the per-test cache prefix does not reach)."""
    feeds._store().clear()
    yield
    feeds._store().clear()


def uncached_body(feed: CalendarFeed) -> bytes:
    """The feed as meetings.feeds rendered it before events were cached: every meeting
    through ical.calendar, each time (its code, unchanged but for its name)."""
    official = feed.official
    since = timezone.now() - feeds.HISTORY
    meetings = list(
        Meeting.objects.filter(recurrence.overlapping(since))
        .filter(Q(participants__official=official) | Q(organiser=official))
        .distinct()
        .select_related("organiser", "agency")
        .order_by("start", "id")
        .prefetch_related("agenda_items")[:2000]
    )
    ids = [m.pk for m in meetings]
    people: dict[int, list[Participant]] = {pk: [] for pk in ids}
    for participant in Participant.objects.filter(meeting_id__in=ids).select_related("official"):
        people[participant.meeting_id].append(participant)
    newest = max(
        [m.updated_at for m in meetings]
        + [
            Participant.objects.filter(meeting_id__in=ids).aggregate(t=Max("rsvp_at"))["t"]
            or feed.created_at,
            feed.created_at,
        ]
    )
    with translation.override(official.language):
        name = _("Rakor: %(name)s") % {"name": official.display_name}
    cal = ical.calendar(
        [(m, people[m.pk]) for m in meetings],
        method=None,
        name=name,
        stamp=newest,
        redact=ical.is_secret,
    )
    cal.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    return cal.to_ical()


@pytest.fixture
def rendered(monkeypatch) -> list[int]:
    """The meetings whose VEVENT is rendered from now on (busy time included), in order."""
    pks: list[int] = []
    for name in ("event", "busy_event"):
        original = getattr(ical, name)

        def spy(meeting, *args, _original=original, **kwargs):
            pks.append(meeting.pk)
            return _original(meeting, *args, **kwargs)

        monkeypatch.setattr(ical, name, spy)
    return pks


def feed_of(official) -> CalendarFeed:
    """The official's feed as a fetch finds it (a fresh object, as each request has)."""
    return CalendarFeed.objects.select_related("official").get(official=official)


def body_of(official) -> bytes:
    return feeds.feed_body(feed_of(official))


@pytest.fixture
def monday():
    """09:00 WIB on a Monday three to four weeks ahead."""
    day = timezone.now().astimezone(WIB).date() + datetime.timedelta(days=22)
    day -= datetime.timedelta(days=day.weekday())
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=WIB).astimezone(datetime.UTC)


@pytest.fixture
def rich(api, world, regions, schedule, soon, monday):
    """andi's feed with one of everything a feed shows: a meeting with an agenda and every
    answer (WIB), a cancelled one (WITA), a rahasia one (WIT), a weekly series with an
    occurrence moved and one cancelled, a meeting without video."""
    assert api("andi").get(FEED_API).status_code == 200  # issues andi's feed
    people = [
        {"username": "andi", "role": "required"},
        {"username": "nurul", "role": "optional"},
        {"username": "sari", "role": "required"},
        {"username": "wulan", "role": "required"},
    ]
    day = datetime.timedelta(days=1)
    hour = datetime.timedelta(hours=1)
    plain = schedule(
        title="Rakor pengendalian inflasi",
        description="Bahan: data harga\nmingguan",
        location="Ruang Garuda",
        participants=people,
    )
    for title, minutes in (("Laporan harga pangan", 20), ("Rencana operasi pasar", 30)):
        agenda.agenda_item_add(
            by=world["budi"], meeting_id=plain.pk, title=title, planned_minutes=minutes
        )
    for who, response in (("andi", "accepted"), ("nurul", "tentative"), ("sari", "declined")):
        answers.meeting_rsvp(official=world[who], meeting_id=plain.pk, response=response)
    cancelled = schedule(
        title="Rapat Sulsel",
        start=soon + day,
        end=soon + day + hour,
        timezone_name="Asia/Makassar",
    )
    scheduling.meeting_cancel(by=world["budi"], meeting_id=cancelled.pk)
    secret = schedule(
        title="Rapat pemekaran wilayah",
        description="Peta batas sementara",
        location="Ruang tertutup",
        classification=Classification.RAHASIA,
        start=soon + 2 * day,
        end=soon + 2 * day + hour,
        timezone_name="Asia/Jayapura",
    )
    series = schedule(
        title="Rakor mingguan",
        start=monday,
        end=monday + hour,
        rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=6",
        exdates=[monday + datetime.timedelta(weeks=1)],
    )
    moved = monday + datetime.timedelta(weeks=2, hours=2)
    occurrences.occurrence_update(
        by=world["budi"],
        series_id=series.pk,
        key=occurrence_key(monday + datetime.timedelta(weeks=2)),
        changes={"start": moved, "end": moved + hour},
    )
    occurrences.occurrence_cancel(
        by=world["budi"],
        series_id=series.pk,
        key=occurrence_key(monday + datetime.timedelta(weeks=3)),
    )
    quiet = schedule(
        title="Rapat tanpa video", video="none", start=soon + 3 * day, end=soon + 3 * day + hour
    )
    return {
        "plain": plain,
        "cancelled": cancelled,
        "secret": secret,
        "series": series,
        "quiet": quiet,
        "andi": world["andi"],
    }


def test_the_rich_feed_holds_what_the_comparisons_rely_on(rich):
    """The byte comparisons below are only worth what the feed holds."""
    body = uncached_body(feed_of(rich["andi"]))
    calendar = Calendar.from_ical(body)
    assert {str(z["TZID"]) for z in calendar.walk("VTIMEZONE")} == {
        "Asia/Jakarta",
        "Asia/Makassar",
        "Asia/Jayapura",
    }
    events = calendar.walk("VEVENT")
    assert len(events) == 6  # the cancelled occurrence is the series' EXDATE
    assert sum("RRULE" in e for e in events) == 1 and b"\r\nEXDATE;TZID=" in body
    assert b"RECURRENCE-ID" in body and b"STATUS:CANCELLED" in body
    assert b"CLASS:CONFIDENTIAL" in body and b"pemekaran" not in body
    plain = next(e for e in events if e["UID"] == rich["plain"].uid)
    assert "Laporan harga pangan" in str(plain["DESCRIPTION"])  # the agenda
    for partstat in (b"ACCEPTED", b"TENTATIVE", b"DECLINED", b"NEEDS-ACTION"):
        assert b"PARTSTAT=" + partstat in body
    assert b"BEGIN:VALARM" in body and b"CONFERENCE" in body


def test_the_cached_feed_is_byte_for_byte_the_uncached_one(rich, rendered):
    expected = uncached_body(feed_of(rich["andi"]))
    rendered.clear()
    assert body_of(rich["andi"]) == expected  # cold: every event rendered, once
    moved = Meeting.objects.get(series=rich["series"], status=Meeting.Status.SCHEDULED)
    names = ("plain", "cancelled", "secret", "series", "quiet")
    assert sorted(rendered) == sorted([moved.pk, *(rich[name].pk for name in names)])
    rendered.clear()
    assert body_of(rich["andi"]) == expected  # warm: every event from the cache
    assert rendered == []
    # One meeting changed: it alone is rendered again.
    answers.meeting_rsvp(official=rich["andi"], meeting_id=rich["quiet"].pk, response="declined")
    body = body_of(rich["andi"])
    assert rendered == [rich["quiet"].pk]
    assert body == uncached_body(feed_of(rich["andi"]))


def test_officials_share_the_events_of_their_common_meetings(rich, world, api, rendered):
    """An event's text does not depend on whose feed shows it (rahasia ones are busy time in
    every feed), so a meeting is rendered once for all."""
    body_of(rich["andi"])
    assert api("nurul").get(FEED_API).status_code == 200
    rendered.clear()
    body = body_of(world["nurul"])
    assert rendered == []  # nurul is in no meeting andi is not in
    assert body == uncached_body(feed_of(world["nurul"]))


def test_events_stay_out_of_the_default_local_memory_cache(rich):
    """The embedded default's cache holds 300 entries beside the rate limits: a large feed
    must not push those out."""
    if not isinstance(caches["default"], LocMemCache):
        pytest.skip("the default cache is not the local-memory one")
    caches["default"].set("rl:probe", 1)
    body_of(rich["andi"])
    snapshot = feeds.feed_snapshot(feed_of(rich["andi"]))
    keys = [
        feeds._event_key(snapshot.context, line, row.pk)
        for row, line in zip(snapshot.rows, snapshot.lines, strict=True)
    ]
    assert len(feeds._store().get_many(keys)) == 6
    assert caches["default"].get_many(keys) == {}
    assert caches["default"].get("rl:probe") == 1


# --- every change that shows in the feed changes its body and its ETag ------------------------


def rsvp(rich, world):
    answers.meeting_rsvp(official=world["nurul"], meeting_id=rich["plain"].pk, response="accepted")


def edit(rich, world):
    later = rich["plain"].start + datetime.timedelta(hours=3)
    scheduling.meeting_update(
        by=world["budi"],
        meeting_id=rich["plain"].pk,
        changes={
            "title": "Rakor inflasi (diundur)",
            "start": later,
            "end": later + datetime.timedelta(hours=1),
        },
    )


def agenda_edit(rich, world):
    item = AgendaItem.objects.filter(meeting=rich["plain"]).first()
    agenda.agenda_item_update(
        by=world["budi"], item_id=item.pk, version=item.version, changes={"planned_minutes": 45}
    )


def agenda_add(rich, world):
    agenda.agenda_item_add(by=world["budi"], meeting_id=rich["quiet"].pk, title="Lain-lain")


def cancel(rich, world):
    scheduling.meeting_cancel(by=world["budi"], meeting_id=rich["plain"].pk)


def occurrence_cancelled(rich, world):
    fifth = rich["series"].start + datetime.timedelta(weeks=4)
    occurrences.occurrence_cancel(
        by=world["budi"], series_id=rich["series"].pk, key=occurrence_key(fifth)
    )


def becomes_rahasia(rich, world):
    scheduling.meeting_update(
        by=world["budi"],
        meeting_id=rich["quiet"].pk,
        changes={"classification": Classification.RAHASIA},
    )


def participant_renamed(rich, world):
    """As the admin site saves an official: every field."""
    nurul = world["nurul"]
    nurul.first_name, nurul.email = "Nurul Aini", "nurul.aini@example.test"
    nurul.save()


def participant_added(rich, world):
    scheduling.meeting_update(
        by=world["budi"],
        meeting_id=rich["quiet"].pk,
        changes={},
        participants=[Invitee(name, "required") for name in ("andi", "nurul", "sari")],
    )


def participant_added_directly(rich, world):
    """Not through a service (which would raise the meeting's version): the feed sees it."""
    ParticipantFactory(meeting=rich["quiet"], official=world["sari"])


CHANGES = [
    rsvp,
    edit,
    agenda_edit,
    agenda_add,
    cancel,
    occurrence_cancelled,
    becomes_rahasia,
    participant_renamed,
    participant_added,
    participant_added_directly,
]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
def test_a_change_gives_the_feed_a_new_body_and_a_new_etag(
    change, rich, world, django_capture_on_commit_callbacks
):
    client = Client()
    path = urlsplit(feeds.feed_url_of(feed_of(rich["andi"]))).path
    before = client.get(path)
    assert before.status_code == 200
    assert client.get(path, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304

    with django_capture_on_commit_callbacks(execute=True):
        change(rich, world)

    after = client.get(path, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.content != before.content
    assert after.content == uncached_body(feed_of(rich["andi"]))
    assert client.get(path, HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 304


def test_the_officials_language_changes_the_etag_and_the_body_stays_exact(rich, world):
    """Events are written in their meeting's language; the official's names the calendar
    (the same words in both languages today), so the ETag follows it all the same."""
    client = Client()
    path = urlsplit(feeds.feed_url_of(feed_of(rich["andi"]))).path
    before = client.get(path)
    official_update_preferences(official=world["andi"], by=world["andi"], language="en")
    after = client.get(path, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert after.content == uncached_body(feed_of(rich["andi"]))


def test_a_save_that_shows_nothing_keeps_every_event_cached(rich, world, rendered):
    """A login or a preference changes no name or address: nothing is rendered again."""
    body_of(rich["andi"])
    rendered.clear()
    world["nurul"].last_login = timezone.now()
    world["nurul"].save(update_fields=["last_login"])
    official_update_preferences(official=world["sari"], by=world["sari"], phone="0811")
    body = body_of(rich["andi"])
    assert rendered == []
    assert body == uncached_body(feed_of(rich["andi"]))


def test_a_lost_names_generation_renders_everything_again(rich, rendered):
    """The cache may drop any entry: without the generation every event is rendered anew,
    never one written under an older generation."""
    body_of(rich["andi"])
    feeds._store().delete(feeds.NAMES_KEY)
    rendered.clear()
    body = body_of(rich["andi"])
    assert len(rendered) == 6
    assert body == uncached_body(feed_of(rich["andi"]))


# --- queries -----------------------------------------------------------------------------------


def add_meetings(world, count: int, *, first: int) -> None:
    """`count` meetings of andi's (and nurul's) in bulk: three zones, an agenda, answers, every
    fifth rahasia, every seventh cancelled, every tenth a weekly series with a cancelled
    occurrence of its own, so that each kind of query the rendering needs is made."""
    soon = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    zones = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
    for n in range(first, first + count):
        start = soon + datetime.timedelta(hours=5 * n)
        meeting = MeetingFactory(
            organiser=world["budi"],
            start=start,
            end=start + datetime.timedelta(hours=1),
            span_end=start + datetime.timedelta(hours=1),
            timezone=zones[n % 3],
            video=Meeting.Video.JITSI if n % 2 else Meeting.Video.NONE,
            classification=Classification.RAHASIA if n % 5 == 0 else Classification.BIASA,
            status=Meeting.Status.CANCELLED if n % 7 == 0 else Meeting.Status.SCHEDULED,
        )
        for who, rsvp_ in (("andi", "accepted"), ("nurul", "tentative"), ("budi", "accepted")):
            ParticipantFactory(
                meeting=meeting, official=world[who], rsvp=rsvp_, rsvp_at=timezone.now()
            )
        AgendaItem.objects.create(meeting=meeting, position=0, title=f"Agenda {n}")
        if n % 10 == 3:
            Meeting.objects.filter(pk=meeting.pk).update(
                rrule="FREQ=DAILY;COUNT=3", span_end=start + datetime.timedelta(days=2, hours=1)
            )
            MeetingFactory(
                uid=meeting.uid,
                organiser=world["budi"],
                series=meeting,
                recurrence_id=start + datetime.timedelta(days=1),
                start=start + datetime.timedelta(days=1),
                end=start + datetime.timedelta(days=1, hours=1),
                status=Meeting.Status.CANCELLED,
            )


def counts(client: Client, path: str) -> dict[str, int]:
    """The queries of a cold fetch (nothing cached), a warm one and a 304."""
    feeds.feed_names_changed()  # retires every cached event, in any cache
    with CaptureQueriesContext(connection) as cold:
        response = client.get(path)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as warm:
        again = client.get(path)
    assert again.content == response.content
    with CaptureQueriesContext(connection) as unchanged:
        assert client.get(path, HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304
    return {"cold": len(cold), "warm": len(warm), "304": len(unchanged)}


def test_the_feed_costs_the_same_few_queries_for_10_and_for_100_meetings(
    api, world, django_assert_max_num_queries
):
    """The feed by its token, then one query for the snapshot (a 304 ends there, so does a
    body all cached), then four for the meetings to render (them, their participants, agenda
    items and cancelled occurrences)."""
    url = api("andi").get(FEED_API).json()["url"]
    path = urlsplit(url).path
    client = Client()
    add_meetings(world, 10, first=0)
    client.get(path)  # the first fetch is noted (an UPDATE, every ten minutes at most)
    feeds.feed_names_changed()
    with django_assert_max_num_queries(6):
        client.get(path)
    with django_assert_max_num_queries(2):
        response = client.get(path)
    with django_assert_max_num_queries(2):
        assert client.get(path, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    small = counts(client, path)
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 10

    add_meetings(world, 90, first=10)
    large = counts(client, path)
    response = client.get(path)
    assert len(Calendar.from_ical(response.content).walk("VEVENT")) == 100
    assert response.content == uncached_body(feed_of(world["andi"]))
    assert large == small == {"cold": 6, "warm": 2, "304": 2}
