"""meetings.services.feeds: the calendar subscription URL issued on first use, renewed (the old
one stops at once), revoked, each audited; a fetch noted at most every ten minutes. (The feed
as a calendar fetches it is tests/meetings/test_feeds.py.)"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from coordination.organisation.models import AuditEntry
from meetings.feeds import FETCH_NOTE_EVERY, feed_for_token, feed_url
from meetings.models import CalendarFeed
from meetings.services import feeds as feed_services
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[-1].removesuffix(".ics")


def test_the_url_is_made_on_first_use_and_the_same_afterwards():
    official = OfficialFactory()
    url = feed_services.calendar_feed_issue(official=official)
    assert feed_for_token(token_of(url)).official == official
    assert feed_services.calendar_feed_issue(official=official) == url
    assert CalendarFeed.objects.get(official=official).generation == 1
    assert AuditEntry.objects.filter(event="calendar_feed_issued").count() == 1  # once


def test_each_official_has_a_url_of_their_own():
    first, second = OfficialFactory(), OfficialFactory()
    urls = {feed_services.calendar_feed_issue(official=o) for o in (first, second)}
    assert len(urls) == 2
    assert {feed_for_token(token_of(u)).official for u in urls} == {first, second}


def test_renewing_raises_the_generation_and_ends_the_old_url():
    official = OfficialFactory()
    old = feed_services.calendar_feed_issue(official=official)
    new = feed_services.calendar_feed_renew(official=official)
    assert new != old and feed_services.calendar_feed_issue(official=official) == new
    assert feed_for_token(token_of(old)) is None
    assert feed_for_token(token_of(new)).generation == 2
    entries = AuditEntry.objects.filter(event="calendar_feed_issued", actor=official)
    assert entries.count() == 2


def test_revoking_switches_the_feed_off_and_renewing_switches_it_on_again():
    official = OfficialFactory()
    url = feed_services.calendar_feed_issue(official=official)
    feed_services.calendar_feed_revoke(official=official)
    assert feed_for_token(token_of(url)) is None and feed_url(official) is None
    assert AuditEntry.objects.filter(event="calendar_feed_revoked", actor=official).count() == 1
    feed_services.calendar_feed_revoke(official=official)  # nothing to revoke: not audited
    assert AuditEntry.objects.filter(event="calendar_feed_revoked").count() == 1
    # Issuing after a revocation makes a new URL; the revoked one stays dead.
    again = feed_services.calendar_feed_issue(official=official)
    assert again != url and feed_for_token(token_of(url)) is None
    assert feed_for_token(token_of(again)).active


def test_a_fetch_is_noted_at_most_every_ten_minutes(monkeypatch):
    official = OfficialFactory()
    feed_services.calendar_feed_issue(official=official)
    feed = CalendarFeed.objects.get(official=official)
    start = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: start)
    feed_services.calendar_feed_note_fetched(feed=feed)
    feed.refresh_from_db()
    assert feed.last_fetched_at == start
    later = start + FETCH_NOTE_EVERY - datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    feed_services.calendar_feed_note_fetched(feed=feed)
    feed.refresh_from_db()
    assert feed.last_fetched_at == start  # too soon: not written
    much_later = start + FETCH_NOTE_EVERY + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: much_later)
    feed_services.calendar_feed_note_fetched(feed=feed)
    feed.refresh_from_db()
    assert feed.last_fetched_at == much_later
