"""Receivers: thin adapters from other apps' signals to meetings' services (and to the
feeds' cache of rendered events)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from coordination.organisation.hooks import official_agency_changed
from meetings import feeds
from meetings.services.agencies import agency_participants_move


@receiver(official_agency_changed, dispatch_uid="meetings-agency-participants")
def follow_agency_moves(sender, official_id, old_agency_id, new_agency_id, **kwargs) -> None:
    agency_participants_move(
        official_id=official_id, old_agency_id=old_agency_id, new_agency_id=new_agency_id
    )


# Connected from MeetingsConfig.ready(), when settings are loaded.
@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="meetings-feed-names")
def follow_official_names(sender, instance, created, update_fields=None, **kwargs) -> None:
    """Feeds cache events with their organiser's and attendees' names and addresses: a save
    that may change them (the admin site saves every field) retires every cached event, after
    commit, so that none is rendered again from the old ones. A new official is in no meeting;
    a save of other fields only (a login, preferences) changes nothing shown."""
    if created or (update_fields is not None and not feeds.NAME_FIELDS & set(update_fields)):
        return
    transaction.on_commit(feeds.feed_names_changed)
