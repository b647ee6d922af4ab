"""Messaging's worker jobs."""

from __future__ import annotations

from datetime import timedelta

from coordination.platform.jobqueue import registry
from messaging.services.attachments import attachments_purge_unsent
from messaging.services.directives import directives_overdue_tell
from messaging.services.rooms import agency_rooms_sync_all


@registry.periodic("messaging.agency_rooms", every=timedelta(minutes=5))
def keep_agency_rooms_in_step() -> None:
    """Every agency room holds exactly its agency's officials, whatever path changed them
    (the admin and the services also sync at once; this catches everything else)."""
    agency_rooms_sync_all()


@registry.periodic("messaging.purge_unsent_uploads", every=timedelta(hours=1))
def purge_unsent_uploads() -> None:
    """Files uploaded but never sent with a message are deleted after a day."""
    attachments_purge_unsent()


@registry.periodic("messaging.directives_overdue", every=timedelta(minutes=15))
def tell_overdue_directives() -> None:
    """Senders of directives past their due date with acknowledgements missing, once each."""
    directives_overdue_tell()
