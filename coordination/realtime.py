"""Broadcasts to an official's own sockets, sent after commit (never from views or consumers).

Every socket of an official joins the group `official_group(id)`; later features send
notifications and membership changes there. Events are plain values (the Redis layer
serialises them with msgpack); `group_send` is best effort, so nothing that must not be lost
travels only this way.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger("rakor.realtime")

# Close code of a socket whose credentials were revoked (token, session, or the official).
CLOSE_REVOKED = 4401


def official_group(official_id: int) -> str:
    return f"official.{official_id}"


def official_broadcast_on_commit(official_id: int, event: dict[str, Any]) -> None:
    """Send `event` to every socket of the official once the current transaction commits."""
    group = official_group(official_id)
    transaction.on_commit(lambda: _group_send(group, event), robust=True)


def group_broadcast_on_commit(group: str, event: dict[str, Any]) -> None:
    """Send `event` to a channel-layer group once the current transaction commits."""
    transaction.on_commit(lambda: _group_send(group, event), robust=True)


def _group_send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        # The layer being down must not undo a committed change; sockets re-check on reconnect.
        logger.exception("broadcast to %s failed", group)


def revoke_sockets_on_commit(
    official_id: int,
    *,
    token_id: int | None = None,
    session_key: str | None = None,
    all_sessions: bool = False,
    everything: bool = False,
) -> None:
    """Close the official's open sockets that the revoked credentials opened."""
    official_broadcast_on_commit(
        official_id,
        {
            "type": "auth.revoked",
            "token_id": token_id,
            "session_key": session_key,
            "all_sessions": all_sessions,
            "everything": everything,
        },
    )
