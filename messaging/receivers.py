"""Receivers: thin adapters from other apps' signals to messaging's services."""

from __future__ import annotations

from django.dispatch import receiver

from coordination.organisation.hooks import official_agency_changed
from coordination.organisation.models import Agency
from messaging.services.rooms import agency_room_sync


@receiver(official_agency_changed, dispatch_uid="messaging-agency-rooms")
def sync_agency_rooms(sender, official_id, old_agency_id, new_agency_id, **kwargs) -> None:
    for agency in Agency.objects.filter(pk__in=[old_agency_id, new_agency_id], is_active=True):
        agency_room_sync(agency=agency)
