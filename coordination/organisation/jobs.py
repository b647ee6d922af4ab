"""The organisation domain's worker jobs."""

from __future__ import annotations

from datetime import timedelta

from coordination.organisation.notifications import notifications_mail
from coordination.platform.jobqueue import registry


@registry.periodic("notifications.mail", every=timedelta(minutes=1))
def mail_notifications() -> None:
    """Notification mail held back by quiet hours that have ended, and the daily digests that
    are due, each once."""
    notifications_mail()
