"""What messaging broadcasts over the channel layer, built from committed data.

Frames are plain JSON-able dicts exactly as clients receive them (docs/protocol.md). A room's
events go to the group `room_group(id)`, joined by the sockets of its members; events for one
official (membership changes, read state) go to that official's group.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from coordination.platform import realtime
from messaging.models import Attachment, Message, Room, RoomEvent


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def room_open_group(room_id: int) -> str:
    """The sockets that have the room open (joined): only they show typing and presence, so
    only they are sent it. An official in a hundred rooms who connects would otherwise
    announce it to every connected member of each, to be dropped by all but a few."""
    return f"room.{room_id}.open"


def author_frame(official) -> dict[str, str]:
    return {"username": official.username, "name": official.display_name}


def message_frame(
    message: Message,
    *,
    attachments: list | None = None,
    mentions: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """A message as the `message` frame carries it, in its current form: edited messages carry
    their current body and `edited_at`; a deleted one is a tombstone without body, files or
    mentions. `attachments` and `mentions` default to the message's own (prefetch them)."""
    deleted = message.deleted_at is not None
    if attachments is None:
        attachments = list(message.attachments.all())
    if mentions is None:
        rows = list(message.mentions.all())
        mentions = {
            "usernames": sorted({m.official.username for m in rows if m.agency_id is None}),
            "agencies": sorted({m.agency.code for m in rows if m.agency_id is not None}),
        }
    directive = (
        {
            "ack_by": message.directive_ack_by,
            "due": message.directive_due.isoformat() if message.directive_due else None,
        }
        if message.directive_ack_by
        else None
    )
    return {
        "type": "message",
        "room": message.room_id,
        "seq": message.seq,
        "id": message.pk,
        "author": author_frame(message.author),
        "body": None if deleted else message.body,
        "html": None if deleted else message.html,
        "client_id": str(message.client_id),
        "reply_to": message.reply_to_id,
        "attachments": [] if deleted else [attachment_frame(a) for a in attachments],
        "mentions": {"usernames": [], "agencies": []} if deleted else mentions,
        "directive": directive,
        "sent_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": deleted,
    }


def attachment_frame(attachment: Attachment) -> dict[str, Any]:
    """A file as messages and the upload's answer carry it."""
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "url": reverse("api:attachment_download", args=[attachment.pk]),
        "thumbnail_url": reverse("api:attachment_thumbnail", args=[attachment.pk])
        if attachment.thumbnail
        else None,
    }


def event_frame(event: RoomEvent) -> dict[str, Any]:
    """An edit or a deletion, with its own seq; an edit carries the message's current text
    (none, when the message was deleted since)."""
    message = event.message
    if event.kind == RoomEvent.Kind.DELETED:
        return {
            "type": "message_deleted",
            "room": event.room_id,
            "seq": event.seq,
            "id": message.pk,
        }
    deleted = message.deleted_at is not None
    return {
        "type": "message_edited",
        "room": event.room_id,
        "seq": event.seq,
        "id": message.pk,
        "body": None if deleted else message.body,
        "html": None if deleted else message.html,
        "edited_at": event.at.isoformat(),
    }


def room_frame(room: Room) -> dict[str, Any]:
    return {
        "id": room.pk,
        "kind": room.kind,
        "name": room.name,
        "classification": room.classification,
        "archived": room.archived_at is not None,
        "head": room.last_seq,
    }


def room_broadcast_on_commit(room_id: int, frame: dict[str, Any]) -> None:
    """Send a room event to the room's sockets once the transaction commits (best effort:
    sockets fill any gap from the database on the next event or ping)."""
    realtime.group_broadcast_on_commit(
        room_group(room_id),
        {
            "type": "room.event",
            "group": room_group(room_id),  # which of the process's fan-out groups
            "frame": frame,
            "text": realtime.frame_text(frame),
        },
    )


def membership_changed_on_commit(official_id: int, room: Room, change: str) -> None:
    """Tell the official's sockets that they were added to, removed from, or that an archive
    touched a room, so that they subscribe, unsubscribe or update at once."""
    realtime.official_broadcast_on_commit(
        official_id,
        {"type": "membership.changed", "change": change, "room": room_frame(room)},
    )


def official_event_on_commit(
    official_id: int, handler: str, frame: dict[str, Any], *, origin: str = ""
) -> None:
    """A frame for all of one official's sockets but `origin` (the socket that caused it)."""
    realtime.official_broadcast_on_commit(
        official_id, {"type": handler, "frame": frame, "origin": origin}
    )


async def typing_announce(room_id: int, official) -> None:
    """Ephemeral: tell the sockets that have the room open that `official` is typing. Never
    stored."""
    frame = {"type": "typing", "room": room_id, "author": author_frame(official)}
    await realtime.group_send_now(room_open_group(room_id), {"type": "room.typing", "frame": frame})


async def presence_announce(official, rooms: set[int], state: str) -> None:
    """An official's presence changed: the sockets that have one of their rooms open hear of
    it."""
    for room_id in rooms:
        frame = {"type": "presence", "room": room_id, "username": official.username, "state": state}
        await realtime.group_send_now(
            room_open_group(room_id), {"type": "room.presence", "frame": frame}
        )
