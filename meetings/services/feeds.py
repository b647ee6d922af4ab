"""Calendar subscription URLs: issued on first use, renewed (the old one stops working at once,
the generation rises), revoked; each audited. A fetch is noted at most every ten minutes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coordination.organisation.audit import audit_record
from coordination.organisation.models import Official
from meetings.feeds import FETCH_NOTE_EVERY, feed_url_of
from meetings.models import CalendarFeed


def calendar_feed_issue(*, official: Official) -> str:
    """The official's subscription URL, made on first use."""
    feed = CalendarFeed.objects.filter(official=official, active=True).first()
    return feed_url_of(feed) if feed is not None else calendar_feed_renew(official=official)


def calendar_feed_renew(*, official: Official) -> str:
    """A new URL: the generation rises, so the old URL stops working."""
    with transaction.atomic():
        feed, made = CalendarFeed.objects.select_for_update().get_or_create(official=official)
        if not made:
            feed.generation += 1
            feed.active = True
            feed.save(update_fields=["generation", "active"])
        audit_record("calendar_feed_issued", actor=official, target=official)
    return feed_url_of(feed)


def calendar_feed_revoke(*, official: Official) -> None:
    """Switch the feed off: its URL stops working."""
    with transaction.atomic():
        changed = CalendarFeed.objects.filter(official=official, active=True).update(active=False)
        if changed:
            audit_record("calendar_feed_revoked", actor=official, target=official)


def calendar_feed_note_fetched(*, feed: CalendarFeed) -> None:
    """Remember when a calendar last fetched the feed (at most every FETCH_NOTE_EVERY)."""
    now = timezone.now()
    if feed.last_fetched_at is None or now - feed.last_fetched_at > FETCH_NOTE_EVERY:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
