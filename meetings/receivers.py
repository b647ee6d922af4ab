"""Receivers: thin adapters from other apps' signals to meetings' services."""

from __future__ import annotations

from django.dispatch import receiver

from coordination.organisation.hooks import official_agency_changed
from meetings.services.agencies import agency_participants_move


@receiver(official_agency_changed, dispatch_uid="meetings-agency-participants")
def follow_agency_moves(sender, official_id, old_agency_id, new_agency_id, **kwargs) -> None:
    agency_participants_move(
        official_id=official_id, old_agency_id=old_agency_id, new_agency_id=new_agency_id
    )
