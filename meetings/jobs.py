"""Meetings' worker jobs."""

from __future__ import annotations

from datetime import timedelta

from coordination.platform.jobqueue import registry
from meetings.services.agenda import agenda_updates_send


@registry.periodic("meetings.agenda_updates", every=timedelta(minutes=1))
def send_agenda_updates() -> None:
    """The invitation update for agenda changes, once per burst of changes
    (RAKOR_AGENDA_RESEND_MINUTES after the first of them)."""
    agenda_updates_send()
