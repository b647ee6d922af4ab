"""Calendar subscription feeds: /calendar/<token>.ics, one per official (reads and rendering;
issuing, renewing, revoking and noting a fetch are meetings.services.feeds).

The token is `<official id>.<generation>.<HMAC>`: nothing secret is stored, a new URL raises
the generation (the old one stops working at once) and revoking switches the feed off. The
feed holds the official's meetings from 90 days back onward, cancelled ones included (so
subscribed calendars remove them), without METHOD (RFC 5545 §3.7.2: a feed is not iTIP).
Rahasia meetings show as busy time only: a subscription may be fetched by a calendar
service outside the government.

Its DTSTAMP is the newest change among its meetings and participants, so an unchanged feed
is byte-identical. Its ETag is a digest of what the body is made of, computed without
rendering it, so a calendar asking again about an unchanged feed gets a cheap 304.
"""

from __future__ import annotations

import datetime
import hashlib
import re

from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from coordination.organisation.models import Official
from meetings import ical, recurrence
from meetings.models import CalendarFeed, Meeting, Participant

HISTORY = datetime.timedelta(days=90)
TOKEN = re.compile(r"^(\d{1,18})\.(\d{1,9})\.([0-9a-f]{40})$")
SALT = "rakor.meetings.feed"
FETCH_NOTE_EVERY = datetime.timedelta(minutes=10)


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


def feed_meetings(
    official: Official, *, now: datetime.datetime | None = None, agendas: bool = False
) -> list[Meeting]:
    """The meetings of an official's feed; with their agenda items when `agendas` (the body
    lists them, the ETag needs only each meeting's last change)."""
    since = (now or timezone.now()) - HISTORY
    meetings = (
        Meeting.objects.filter(recurrence.overlapping(since))
        .filter(Q(participants__official=official) | Q(organiser=official))
        .distinct()
        .select_related("organiser", "agency")
        .order_by("start", "id")
    )
    if agendas:
        meetings = meetings.prefetch_related("agenda_items")
    return list(meetings[:2000])


def feed_body(feed: CalendarFeed) -> bytes:
    official = feed.official
    meetings = feed_meetings(official, agendas=True)
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


def feed_etag(feed: CalendarFeed) -> str:
    """The feed's ETag from what its body is made of (each meeting's version, sequence and
    last change, the latest answer, the official's name and language), without rendering
    it: a calendar asking every few minutes about an unchanged feed costs two queries."""
    official = feed.official
    meetings = feed_meetings(official)
    ids = [m.pk for m in meetings]
    answered = Participant.objects.filter(meeting_id__in=ids).aggregate(t=Max("rsvp_at"))["t"]
    parts = [
        str(feed.generation),
        official.display_name,
        official.language,
        str(answered),
        *(f"{m.pk}:{m.version}:{m.sequence}:{m.updated_at.isoformat()}" for m in meetings),
    ]
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'
