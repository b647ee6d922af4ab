"""Calendar subscription feeds: /calendar/<token>.ics, one per official (reads and rendering;
issuing, renewing, revoking and noting a fetch are meetings.services.feeds).

The token is `<official id>.<generation>.<HMAC>`: nothing secret is stored, a new URL raises
the generation (the old one stops working at once) and revoking switches the feed off. The
feed holds the official's meetings from 90 days back onward, cancelled ones included (so
subscribed calendars remove them), without METHOD (RFC 5545 §3.7.2: a feed is not iTIP).
Rahasia meetings show as busy time only: a subscription may be fetched by a calendar
service outside the government.

Its DTSTAMP is the newest change among its meetings and participants, so an unchanged feed
is byte-identical. Calendars ask every few minutes, and a feed holds up to 2,000 meetings, so
it is assembled rather than rendered: one query reads each meeting's change stamps (the
snapshot), each meeting's VEVENT comes from the cache as icalendar wrote it (rendered once,
keyed by everything its text depends on, shared by every official whose feed holds it), and
the body is the calendar's own lines around those blocks. The ETag is a digest of the same
snapshot, so it changes exactly when the body may, and a calendar asking again about an
unchanged feed gets a 304 for the query that finds the feed and the snapshot's.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import time
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import icalendar
from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import connection
from django.db.models import (
    CharField,
    Count,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from icalendar import vDDDTypes

from coordination.organisation.models import Official
from meetings import ical, recurrence, vtimezone
from meetings.models import CalendarFeed, Meeting, Participant

HISTORY = datetime.timedelta(days=90)
TOKEN = re.compile(r"^(\d{1,18})\.(\d{1,9})\.([0-9a-f]{40})$")
SALT = "rakor.meetings.feed"
FETCH_NOTE_EVERY = datetime.timedelta(minutes=10)
LIMIT = 2000
EVENT_TIMEOUT = 7 * 24 * 60 * 60
NAMES_TIMEOUT = 30 * 24 * 60 * 60  # longer than any event's; when it ends, all are new
# An official's fields that events show: the organiser's CN, each attendee's CN and address.
NAME_FIELDS = frozenset({"first_name", "last_name", "username", "email"})
NAMES_KEY = "rakor:feed:names"
END = b"END:VCALENDAR\r\n"
DTSTAMP = b"\r\nDTSTAMP:"
# What the snapshot reads of each meeting row (besides the stamps of its participants and
# cancelled occurrences, _snapshot_rows): its own stamps (every saved change raises `version`
# and moves `updated_at`, an agenda change included: meetings.services.agenda._changed), what
# decides how it shows (status, classification), and what the calendar around its event
# needs (its times and zone, whether it is a series or one of a series' rows).
SNAPSHOT = (
    "pk",
    "uid",
    "version",
    "sequence",
    "status",
    "classification",
    "organiser_id",
    "timezone",
    "rrule",
    "series_id",
)


def _mac(official_id: int, generation: int) -> str:
    return salted_hmac(SALT, f"{official_id}.{generation}", algorithm="sha256").hexdigest()[:40]


def _token(feed: CalendarFeed) -> str:
    return f"{feed.official_id}.{feed.generation}.{_mac(feed.official_id, feed.generation)}"


def _url(feed: CalendarFeed) -> str:
    return ical.site_url(reverse("calendar_feed", args=[_token(feed)]))


def feed_url_of(feed: CalendarFeed) -> str:
    """The subscription URL of a feed (its current generation)."""
    return _url(feed)


def feed_url(official: Official) -> str | None:
    """The official's active subscription URL, or None when they have none."""
    feed = CalendarFeed.objects.filter(official=official, active=True).first()
    return None if feed is None else _url(feed)


def actions_feed_url(official: Official) -> str | None:
    """The official's follow-up actions feed (meetings.exports): the same token."""
    feed = CalendarFeed.objects.filter(official=official, active=True).first()
    if feed is None:
        return None
    return ical.site_url(reverse("actions_feed", args=[_token(feed)]))


def feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed a token opens, or None (forged, renewed, revoked, official gone)."""
    match = TOKEN.match(token)
    if not match:
        return None
    official_id, generation = int(match[1]), int(match[2])
    if not constant_time_compare(match[3], _mac(official_id, generation)):
        return None
    feed = (
        CalendarFeed.objects.select_related("official")
        .filter(official_id=official_id, generation=generation, active=True)
        .first()
    )
    if feed is None or not feed.official.is_active:
        return None
    return feed


# --- the snapshot: what the body is made of, in one query --------------------------------


def _feed_queryset(official: Official) -> QuerySet[Meeting]:
    """The official's meetings from HISTORY back onward (organised or attended)."""
    since = timezone.now() - HISTORY
    # IN (their participations) rather than a join: no DISTINCT over whole meeting rows.
    theirs = Participant.objects.filter(official=official).values("meeting_id")
    return (
        Meeting.objects.filter(recurrence.overlapping(since))
        .filter(Q(pk__in=theirs) | Q(organiser=official))
        .order_by("start", "id")
    )


class Snapshot(NamedTuple):
    rows: list  # one named row per meeting (SNAPSHOT and the stamps below), in feed order
    lines: list[str]  # each row as text: what its event's cache key is made of
    context: str  # what every event's text depends on besides its meeting
    stamp: datetime.datetime  # the feed's DTSTAMP: its newest change
    tag: str  # the ETag


def _per_meeting(model, link: str, aggregate, **match) -> Subquery:
    """An aggregate over the rows of `model` pointing at each meeting through `link`."""
    rows = model.objects.filter(**{link: OuterRef("pk")}, **match).order_by().values(link)
    return Subquery(rows.annotate(value=aggregate).values("value"))


def _stored(field: str) -> ExpressionWrapper:
    """A datetime column as the database driver hands it over, without Django's conversion to
    an aware datetime: for a large feed that conversion was half the snapshot's time, for
    values that are mostly only hashed (_instant converts the few that are compared)."""
    return ExpressionWrapper(F(field), output_field=CharField())


def _instant(value: str | datetime.datetime, zone: datetime.tzinfo) -> datetime.datetime:
    """A datetime read with _stored, or an aggregate of one read as text, made aware as
    Django would, in `zone`, the connection's (SQLite gives naive UTC datetimes for columns and
    text for aggregates, which compare as SQLite's own MAX compares them)."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _snapshot_rows(official: Official) -> list:
    cancelled = {"status": Meeting.Status.CANCELLED}
    text = CharField()
    meetings = _feed_queryset(official).annotate(
        starts=_stored("start"),
        ends=_stored("end"),
        changed=_stored("updated_at"),
        # Its participants: who (any addition or removal changes the count or the newest
        # id; a role changes only with the meeting's version) and the newest answer (each
        # answer stamps rsvp_at; being asked again changes the meeting's version).
        people=_per_meeting(Participant, "meeting", Count("id")),
        newest_person=_per_meeting(Participant, "meeting", Max("id")),
        answered=_per_meeting(Participant, "meeting", Max("rsvp_at", output_field=text)),
        # A series' EXDATEs include its cancelled occurrences' rows, whose cancellation
        # changes their own row, not the series'.
        cancelled=_per_meeting(Meeting, "series", Count("id"), **cancelled),
        cancelled_at=_per_meeting(
            Meeting, "series", Max("updated_at", output_field=text), **cancelled
        ),
    )
    fields = (*SNAPSHOT, "starts", "ends", "changed", "people", "newest_person", "answered")
    fields += ("cancelled", "cancelled_at")
    return list(meetings.values_list(*fields, named=True)[:LIMIT])


def _store() -> BaseCache:
    """The rendered events' cache (settings CACHES["feeds"]): in the embedded default a
    local-memory cache of its own, large enough for every meeting (the default one holds 300
    entries, shared with the rate limits, which one large feed would push out); with Redis the
    shared one, so each meeting is rendered once for every daphne process and every official."""
    return caches["feeds"]


@lru_cache(maxsize=1)
def _code() -> str:
    """A digest of the code and the translations events are written with, so that a new
    release never serves text an older one cached (in Redis, across restarts)."""
    digest = hashlib.sha256(icalendar.__version__.encode())
    for source in (ical.__file__, vtimezone.__file__, __file__):
        try:
            digest.update(Path(source).read_bytes())
        except OSError:  # bytecode only: icalendar's version and the catalogues must do
            digest.update(source.encode())
    for base in settings.LOCALE_PATHS:
        for catalogue in sorted(Path(base).glob("*/LC_MESSAGES/*.mo")):
            digest.update(catalogue.read_bytes())
    return digest.hexdigest()[:16]


def _names_epoch(store: BaseCache) -> str:
    """The current generation of officials' names and addresses (feed_names_changed); a new
    one when the cache lost it, which only makes every event be rendered again."""
    epoch = store.get(NAMES_KEY)
    if epoch is None:
        fresh = time.time_ns()
        store.add(NAMES_KEY, fresh, timeout=NAMES_TIMEOUT)
        epoch = store.get(NAMES_KEY, fresh)
    return str(epoch)


def feed_names_changed() -> None:
    """An official's name or address changed (meetings.receivers): cached events show them
    as organiser and attendees, so none written before is used again."""
    _store().set(NAMES_KEY, time.time_ns(), timeout=NAMES_TIMEOUT)


def _context() -> str:
    """Everything an event's text depends on besides its meeting: the code, the site's
    address and path prefix (links, the scheduling mailbox), the language active while it is
    rendered (what is not in the meeting's own language), the officials' names."""
    return "\x1f".join(
        [
            _code(),
            settings.RAKOR_SITE_URL,
            settings.RAKOR_SCHEDULING_MAILBOX,
            get_script_prefix(),
            translation.get_language() or "",
            _names_epoch(_store()),
        ]
    )


def feed_snapshot(feed: CalendarFeed) -> Snapshot:
    """What the feed's body is made of, read in one query: each meeting's stamps, the
    newest change (its DTSTAMP), and the ETag, a digest of all of it."""
    official = feed.official
    rows = _snapshot_rows(official)
    lines = ["\x1f".join(map(str, row)) for row in rows]
    context = _context()
    changed = [row.changed for row in rows]
    answered = [row.answered for row in rows if row.answered is not None]
    newest = [
        _instant(max(values), connection.timezone) for values in (changed, answered) if values
    ]
    stamp = max([feed.created_at, *newest])
    digest = hashlib.sha256()
    for part in (str(feed.generation), official.display_name, official.language):
        digest.update(part.encode() + b"\x1e")
    digest.update(f"{stamp.isoformat()}\x1e{context}\x1e".encode())
    digest.update("\x1e".join(lines).encode())
    tag = '"' + digest.hexdigest()[:32] + '"'
    return Snapshot(rows, lines, context, stamp, tag)


# --- the body ------------------------------------------------------------------------------


def _event_key(context: str, line: str, pk: int) -> str:
    digest = hashlib.blake2b(f"{context}\x1e{line}".encode(), digest_size=16).hexdigest()
    return f"rakor:feed:event:{pk}:{digest}"


def _split(event: bytes) -> tuple[bytes, bytes]:
    """An event's text around its DTSTAMP value, which is the feed's (not the meeting's):
    cached without it, so that a change elsewhere in the feed leaves every event cached."""
    start = event.index(DTSTAMP) + len(DTSTAMP)
    return event[:start], event[event.index(b"\r\n", start) :]


def _render(pks: list[int], *, stamp: datetime.datetime) -> dict[int, tuple[bytes, bytes]]:
    """The events of these meetings as a feed shows them (ical.calendar with method None and
    rahasia ones redacted), in four queries however many there are."""
    cancelled = Meeting.objects.filter(status=Meeting.Status.CANCELLED)
    meetings = (
        Meeting.objects.filter(pk__in=pks)
        .select_related("organiser")
        .prefetch_related(
            "agenda_items",
            Prefetch(
                "occurrences",
                queryset=cancelled.only("id", "series_id", "recurrence_id"),
                to_attr="cancelled_occurrences",
            ),
        )
    )
    people: dict[int, list[Participant]] = {pk: [] for pk in pks}
    for participant in Participant.objects.filter(meeting_id__in=pks).select_related("official"):
        people[participant.meeting_id].append(participant)
    events = {}
    for meeting in meetings:
        if ical.is_secret(meeting):
            item = ical.busy_event(meeting, stamp=stamp)
        else:
            item = ical.event(meeting, people[meeting.pk], stamp=stamp)
        events[meeting.pk] = _split(item.to_ical())
    return events


def _events(snapshot: Snapshot, shown: list[int]) -> dict[int, tuple[bytes, bytes]]:
    """The events of the meetings `shown` (indexes into the snapshot): from the cache in one
    round trip, the missing ones rendered and stored in a second. They are rendered from rows
    read after the snapshot, so no entry holds text older than what its key names (a change
    in between is a newer key on the next fetch)."""
    store = _store()
    keys = {}
    for index in shown:
        pk = snapshot.rows[index].pk
        keys[pk] = _event_key(snapshot.context, snapshot.lines[index], pk)
    found = store.get_many(list(keys.values()))
    events = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [pk for pk in keys if pk not in events]
    if missing:
        made = _render(missing, stamp=snapshot.stamp)
        store.set_many({keys[pk]: made[pk] for pk in made}, timeout=EVENT_TIMEOUT)
        events.update(made)
    return events


@lru_cache(maxsize=256)
def _vtimezone_block(tzid: str, first_year: int, last_year: int) -> bytes:
    """A VTIMEZONE as ical.calendar writes it. Kept in this process only: it depends on the
    zone database of the process that writes it, not only on the code."""
    first = datetime.datetime(first_year, 1, 1, tzinfo=datetime.UTC)
    last = datetime.datetime(last_year, 1, 1, tzinfo=datetime.UTC)
    return vtimezone.vtimezone(tzid, first, last).to_ical()


def _head(official: Official, stamp: datetime.datetime) -> bytes:
    """The VCALENDAR's own lines (without its END): the calendar's name, its refresh hints."""
    with translation.override(official.language):
        name = _("Rakor: %(name)s") % {"name": official.display_name}
    cal = ical.calendar([], method=None, name=name, stamp=stamp)
    cal.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    text = cal.to_ical()
    assert text.endswith(END)
    return text[: -len(END)]


def feed_body(feed: CalendarFeed) -> bytes:
    """The feed, byte for byte what ical.calendar writes for its meetings: the calendar's
    lines, each zone's VTIMEZONE once, each meeting's VEVENT (from the cache) with the feed's
    DTSTAMP. The body of a response whose ETag feed_etag just gave is made from the same
    snapshot (the same meetings, the same DTSTAMP), and its meetings are read once."""
    snapshot = feed.__dict__.pop("_snapshot", None) or feed_snapshot(feed)
    rows = snapshot.rows
    # An occurrence cancelled while its series is in the feed is the series' EXDATE.
    series_here = {row.pk for row in rows if row.rrule}
    shown = [
        index
        for index, row in enumerate(rows)
        if not (row.series_id in series_here and row.status == Meeting.Status.CANCELLED)
    ]
    spans: dict[str, tuple] = {}
    for index in shown:
        row = rows[index]
        first, last = spans.get(row.timezone, (row.starts, row.ends))
        spans[row.timezone] = (min(first, row.starts), max(last, row.ends))
    zone = connection.timezone
    events = _events(snapshot, shown)
    stamp = vDDDTypes(snapshot.stamp.astimezone(datetime.UTC)).to_ical()
    parts = [_head(feed.official, snapshot.stamp)]
    for tzid, (first, last) in spans.items():
        parts.append(_vtimezone_block(tzid, _instant(first, zone).year, _instant(last, zone).year))
    for index in shown:
        event = events.get(rows[index].pk)
        if event is not None:  # None: deleted since the snapshot
            parts += [event[0], stamp, event[1]]
    parts.append(END)
    return b"".join(parts)


def feed_etag(feed: CalendarFeed) -> str:
    """The feed's ETag, from its snapshot (each meeting's stamps, its participants' and
    cancelled occurrences', the official's name and language, what every event depends on),
    without rendering: a calendar asking every few minutes about an unchanged feed costs the
    query that finds the feed and this one. The snapshot stays on `feed` for the body of the
    same response (feed_body takes it once)."""
    snapshot = feed_snapshot(feed)
    feed.__dict__["_snapshot"] = snapshot
    return snapshot.tag
