"""The one way anything reaches an official: `notify`. It stores a Notification and, after
commit, sends a `notification` frame to the official's sockets. The notifications issue builds
the centre, digests and preferences on it."""

from __future__ import annotations

from django.db import transaction

from coordination.organisation.models import Notification, Official
from coordination.platform import realtime


def notification_frame(notification: Notification) -> dict:
    """A notification as the `notification` frame carries it."""
    return {
        "type": "notification",
        "id": notification.pk,
        "kind": notification.kind,
        "text": notification.text,
        "link": notification.link,
        "created_at": notification.created_at.isoformat(),
    }


def notify(official: Official | int, kind: str, text: str, link: str = "") -> Notification:
    """Tell one official of something: stored, then sent to their sockets after commit."""
    official_id = official if isinstance(official, int) else official.pk
    with transaction.atomic():
        notification = Notification.objects.create(
            official_id=official_id, kind=kind[:40], text=text[:500], link=link[:500]
        )
        realtime.official_broadcast_on_commit(
            official_id,
            {"type": "notification.created", "frame": notification_frame(notification)},
        )
    return notification


def notify_many(official_ids: list[int], kind: str, text: str, link: str = "") -> None:
    """The same notification for several officials, in one insert."""
    if not official_ids:
        return
    with transaction.atomic():
        rows = Notification.objects.bulk_create(
            Notification(official_id=pk, kind=kind[:40], text=text[:500], link=link[:500])
            for pk in official_ids
        )
        for notification in rows:
            realtime.official_broadcast_on_commit(
                notification.official_id,
                {"type": "notification.created", "frame": notification_frame(notification)},
            )
