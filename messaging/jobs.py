"""Messaging's worker jobs."""

from __future__ import annotations

from datetime import timedelta

from coordination.jobqueue import registry
from messaging.services import agency_rooms_sync_all


@registry.periodic("messaging.agency_rooms", every=timedelta(minutes=5))
def keep_agency_rooms_in_step() -> None:
    """Every agency room holds exactly its agency's officials, whatever path changed them
    (the admin and the services also sync at once; this catches everything else)."""
    agency_rooms_sync_all()
