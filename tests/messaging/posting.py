"""Posting as the services and the socket's frames do, for the messaging tests."""

from __future__ import annotations

import uuid

from messaging.services import timeline as timeline_services
from messaging.socket import clean_directive, clean_send


def post(world, who="budi", body="Selamat pagi", client_id=None, **kwargs):
    """Post in `world`'s room as `who`; returns (message, created)."""
    if isinstance(kwargs.get("directive"), dict):  # as the socket's frame carries it
        kwargs["directive"] = clean_directive(kwargs["directive"])
    return timeline_services.message_post(
        author=world[who],
        room_id=world["room"].pk,
        body=body,
        client_id=client_id or uuid.uuid4(),
        **kwargs,
    )


def sent(world, frame, who="budi"):
    """A `send` frame as the socket cleans it, then stored."""
    content = {"room": world["room"].pk, "client_id": str(uuid.uuid4()), **frame}
    return timeline_services.message_post(author=world[who], **clean_send(content))
