"""Messaging's frames on the one socket (docs/protocol.md): join, leave, send, edit, delete,
read, typing, presence and acknowledge; and the layer events it forwards: room events in seq
order, typing, presence, membership changes, read state, directive tallies.

Each frame handler parses and bounds the frame with the shared cleaners, calls a service or
a selector, and replies. It never broadcasts: services do, after commit, so the API and the
socket behave the same. What the socket keeps without asking the database: the rooms the
official is a member of (updated by membership events, repaired on each re-check), the rooms
open on this socket (joined), and the per-room cursors of the ordering guarantee.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from coordination.organisation.socket import FrameError, SocketModule, event, frame
from coordination.platform import cleaners, realtime
from coordination.platform.fanout import fanout_for
from messaging import events, presence, selectors
from messaging.models import Message
from messaging.ordering import Cursors, Verdict
from messaging.services import directives, timeline
from messaging.services import presence as presence_services
from messaging.services.directives import Directive

TYPING_INTERVAL_SECONDS = 2.0
PRESENCE_INTERVAL_SECONDS = 2.0


def clean_directive(value: object) -> Directive | None:
    """`{"ack_by": "member" | "agency", "due": "YYYY-MM-DD"?}` (or null): a Directive."""
    if value is None:
        return None
    value = cleaners.clean_object(value, "directive", keys=("ack_by", "due"))
    ack_by = cleaners.clean_choice(value.get("ack_by"), "ack_by", Message.AckBy.values)
    due = value.get("due")
    return Directive(ack_by=ack_by, due=None if due is None else cleaners.clean_date(due, "due"))


def clean_send(content: dict[str, Any]) -> dict[str, Any]:
    """A `send` frame as message_post's arguments: the room, a UUID client_id, a body that
    shows something (unless files are attached) and has at most RAKOR_MESSAGE_MAX_CHARS
    characters (else `body_too_long`), at most RAKOR_ATTACHMENTS_PER_MESSAGE attachment ids,
    the message replied to, a directive."""
    attachments = cleaners.clean_ids(
        content.get("attachments"),
        "attachments",
        max_items=settings.RAKOR_ATTACHMENTS_PER_MESSAGE,
    )
    body = content.get("body")
    return {
        "room_id": cleaners.clean_id(content.get("room"), "room"),
        "client_id": cleaners.clean_uuid(content.get("client_id"), "client_id"),
        "body": cleaners.clean_text(
            "" if body is None and attachments else body,
            "body",
            max_length=settings.RAKOR_MESSAGE_MAX_CHARS,
            required=not attachments,
            too_long_code="body_too_long",
        ),
        "reply_to": cleaners.clean_optional_id(content.get("reply_to"), "reply_to"),
        "attachments": attachments,
        "directive": clean_directive(content.get("directive")),
    }


class MessagingSocket(SocketModule):
    async def connected(self) -> None:
        self.rooms: set[int] = await database_sync_to_async(selectors.room_ids_of_member)(
            self.official
        )
        self.open_rooms: set[int] = set()
        self.cursors = Cursors()
        self.presence_state = presence.ONLINE
        # Room events come through the process's fan-out (coordination.platform.fanout): one
        # layer message per process, not per socket. `forwarded` counts the events handed to
        # this socket's own channel (the slow path), `replaying` the rooms a join is reading
        # from the database: while either holds, live events take the slow path too, in order.
        self.fanout = fanout_for(self.socket.channel_layer)
        self.forwarded = 0
        self.replaying: set[int] = set()

    async def accepted(self) -> None:
        # Subscribed once accepted: the fan-out sends from its own task, and nothing may be
        # sent before the handshake is answered.
        for room in self.rooms:
            await self.fanout.subscribe(events.room_group(room), self)
        try:
            await presence_services.presence_set(
                official=self.official,
                channel=self.socket.channel_name,
                state=presence.ONLINE,
                rooms=self.rooms,
            )
        except Exception:  # presence is ephemeral: a busy cache must not cost the socket
            self._presence_failed("recorded")

    async def disconnected(self) -> None:
        fanout = getattr(self, "fanout", None)
        for room_id in list(getattr(self, "rooms", ()) if fanout else ()):
            await fanout.unsubscribe(events.room_group(room_id), self)
        try:
            await presence_services.presence_gone(
                official=self.official, channel=self.socket.channel_name, rooms=self.rooms
            )
        except Exception:
            self._presence_failed("cleared")

    def _presence_failed(self, what: str) -> None:
        from coordination.organisation.socket import logger

        logger.warning("presence of %s not %s", self.official.username, what, exc_info=True)

    async def rechecked(self) -> None:
        """Repair what a dropped membership event may have left wrong, and renew the groups
        (the layer expires them): the rooms are read again from the database."""
        rooms = await database_sync_to_async(selectors.room_ids_of_member)(self.official)
        for room_id in self.rooms - rooms:
            await self._forget(room_id)
            await self.socket.send_json({"type": "room_removed", "room": room_id})
        found = rooms - self.rooms
        self.rooms |= rooms
        for group in map(events.room_group, self.rooms):
            await self.fanout.subscribe(group, self)
        for group in map(events.room_open_group, self.open_rooms):
            await self.socket.group_add(group)
        for room in await database_sync_to_async(selectors.room_frames)(found):
            await self.socket.send_json({"type": "room_added", "room": room})

    async def _forget(self, room_id: int) -> None:
        """No longer a member: the room's events, typing and presence stop."""
        self.rooms.discard(room_id)
        await self._close_room(room_id)
        self.cursors.forget(room_id)
        await self.fanout.unsubscribe(events.room_group(room_id), self)

    async def _close_room(self, room_id: int) -> None:
        if room_id in self.open_rooms:
            self.open_rooms.discard(room_id)
            await self.socket.group_discard(events.room_open_group(room_id))

    async def pong(self) -> dict[str, Any]:
        # A ping also keeps this socket's presence alive.
        await presence_services.presence_set(
            official=self.official,
            channel=self.socket.channel_name,
            state=self.presence_state,
            rooms=self.rooms,
        )
        heads = await database_sync_to_async(selectors.room_heads)(set(self.open_rooms))
        return {"heads": {str(room): head for room, head in heads.items()}}

    # --- frames ----------------------------------------------------------------------------

    @frame("join")
    async def join(self, content: dict[str, Any]) -> None:
        room_id = cleaners.clean_id(content.get("room"), "room")
        after = content.get("after")
        after = None if after is None else cleaners.clean_seq(after, "after")
        room, _membership = await database_sync_to_async(selectors.room_get_for_member)(
            self.official, room_id
        )
        if room_id not in self.rooms:  # joined before the membership event arrived
            self.rooms.add(room_id)
            await self.fanout.subscribe(events.room_group(room_id), self)
        if after is None:
            after = selectors.backlog_start(room.last_seq)
        self.replaying.add(room_id)
        try:
            self.cursors.reset(room_id, min(after, room.last_seq))
            await self._replay(room_id, until=None)
        finally:
            self.replaying.discard(room_id)
        if room_id not in self.open_rooms:
            self.open_rooms.add(room_id)
            await self.socket.group_add(events.room_open_group(room_id))
        head = max(self.cursors.get(room_id) or 0, room.last_seq)
        await self.socket.reply(content, {"type": "joined", "room": room_id, "head": head})
        # Who of the room's members is here now (offline members are not listed).
        for item in await selectors.presence_in_room(room_id=room_id, viewer=self.official):
            await self.socket.send_json(item)

    async def _replay(self, room_id: int, *, until: int | None) -> None:
        """Send the room's events after the cursor (up to `until`, exclusive), in chunks."""
        while True:
            cursor = self.cursors.get(room_id) or 0
            items = await database_sync_to_async(selectors.timeline)(
                room_id, after=cursor, before=until, limit=selectors.REPLAY_CHUNK
            )
            for item in items:
                if item["seq"] <= (self.cursors.get(room_id) or 0):
                    continue  # sent live meanwhile
                await self.socket.send_json(item)
                self.cursors.advance(room_id, item["seq"])
            if len(items) < selectors.REPLAY_CHUNK:
                return

    @frame("leave")
    async def leave(self, content: dict[str, Any]) -> None:
        room_id = cleaners.clean_id(content.get("room"), "room")
        await self._close_room(room_id)
        await self.socket.reply(content, {"type": "left", "room": room_id})

    @frame("send")
    async def send(self, content: dict[str, Any]) -> None:
        message, _created = await database_sync_to_async(timeline.message_post)(
            author=self.official, **clean_send(content)
        )
        await self.socket.reply(
            content,
            {
                "type": "ack",
                "client_id": str(message.client_id),
                "room": message.room_id,
                "seq": message.seq,
                "id": message.pk,
            },
        )

    @frame("edit")
    async def edit(self, content: dict[str, Any]) -> None:
        change = await database_sync_to_async(timeline.message_edit)(
            by=self.official,
            message_id=cleaners.clean_id(content.get("message"), "message"),
            body=cleaners.clean_text(
                content.get("body"),
                "body",
                max_length=settings.RAKOR_MESSAGE_MAX_CHARS,
                required=True,
                too_long_code="body_too_long",
            ),
        )
        await self._ack_change(content, change)

    @frame("delete")
    async def delete(self, content: dict[str, Any]) -> None:
        change = await database_sync_to_async(timeline.message_delete)(
            by=self.official, message_id=cleaners.clean_id(content.get("message"), "message")
        )
        await self._ack_change(content, change)

    async def _ack_change(self, content: dict[str, Any], change) -> None:
        await self.socket.reply(
            content,
            {"type": "ack", "room": change.room_id, "seq": change.seq, "id": change.message_id},
        )

    @frame("read")
    async def read(self, content: dict[str, Any]) -> None:
        membership = await database_sync_to_async(timeline.room_mark_read)(
            official=self.official,
            room_id=cleaners.clean_id(content.get("room"), "room"),
            seq=cleaners.clean_seq(content.get("seq"), "seq"),
            origin=self.socket.channel_name,
        )
        await self.socket.reply(
            content,
            {"type": "read_state", "room": membership.room_id, "seq": membership.last_read_seq},
        )

    @frame("typing")
    async def typing(self, content: dict[str, Any]) -> None:
        room_id = cleaners.clean_id(content.get("room"), "room")
        # Typing is ephemeral: at most one announcement per room every two seconds.
        if self.socket.throttle(f"typing:{room_id}", TYPING_INTERVAL_SECONDS):
            await timeline.room_typing(official=self.official, room_id=room_id)

    @frame("presence")
    async def presence(self, content: dict[str, Any]) -> None:
        state = content.get("state")
        if state not in presence.STATES:
            raise FrameError('state is "online" or "away".')
        if state == self.presence_state:
            return
        self.presence_state = state
        # A page flipping between visible and hidden must not flood the rooms: changes are
        # announced at most once per interval; a later one waits for the next ping.
        if not self.socket.throttle("presence", PRESENCE_INTERVAL_SECONDS):
            return
        await presence_services.presence_set(
            official=self.official, channel=self.socket.channel_name, state=state, rooms=self.rooms
        )

    @frame("acknowledge")
    async def acknowledge(self, content: dict[str, Any]) -> None:
        tally = await database_sync_to_async(directives.directive_acknowledge)(
            official=self.official, message_id=cleaners.clean_id(content.get("message"), "message")
        )
        await self.socket.reply(
            content,
            {
                "type": "acknowledged",
                "message": tally["message"],
                "room": tally["room"],
                "complete": tally["complete"],
                "acknowledged_by_me": any(
                    a["username"] == self.official.username for a in tally["acknowledged"]
                ),
            },
        )

    # --- layer events ----------------------------------------------------------------------

    async def fanout_deliver(self, message: dict[str, Any]) -> None:
        """A room event from the process's fan-out: sent at once when it is the next one and
        nothing is pending; otherwise handed to this socket's own channel (room_event below),
        behind what is pending, so that the order holds."""
        content = message["frame"]
        room_id, seq = content["room"], content["seq"]
        if room_id not in self.rooms:
            return
        if not self.forwarded and room_id not in self.replaying:
            verdict = self.cursors.judge(room_id, seq)
            if verdict is Verdict.DROP:
                return
            if verdict is Verdict.SEND:
                text = message.get("text") or realtime.frame_text(content)
                await self.socket.send(text_data=text)
                self.cursors.advance(room_id, seq)
                return
        self.forwarded += 1
        try:
            await self.socket.channel_layer.send(
                self.socket.channel_name, {**message, "forwarded": True}
            )
        except Exception:  # full or away: the gap is filled on the next event or ping
            self.forwarded -= 1
            raise

    @event("room.event")
    async def room_event(self, message: dict[str, Any]) -> None:
        """A message, edit or deletion (from the fan-out's slow path, or sent to this socket
        alone): forwarded in seq order, gaps filled from the database, repeats dropped."""
        try:
            await self._room_event(message)
        finally:
            if message.get("forwarded"):
                self.forwarded -= 1

    async def _room_event(self, message: dict[str, Any]) -> None:
        content = message["frame"]
        room_id, seq = content["room"], content["seq"]
        if room_id not in self.rooms:
            return
        verdict = self.cursors.judge(room_id, seq)
        if verdict is Verdict.DROP:
            return
        if verdict is Verdict.FILL_THEN_SEND:
            await self._replay(room_id, until=seq)
            if self.cursors.judge(room_id, seq) is Verdict.DROP:
                return
        text = message.get("text")  # serialised once for every socket
        if text is None:
            await self.socket.send_json(content)
        else:
            await self.socket.send(text_data=text)
        self.cursors.advance(room_id, seq)

    @event("room.typing")
    async def room_typing(self, message: dict[str, Any]) -> None:
        content = message["frame"]
        if content["room"] in self.open_rooms and content["author"]["username"] != (
            self.official.username
        ):
            await self.socket.send_json(content)

    @event("room.presence")
    async def room_presence(self, message: dict[str, Any]) -> None:
        content = message["frame"]
        if content["room"] in self.open_rooms and content["username"] != self.official.username:
            await self.socket.send_json(content)

    @event("membership.changed")
    async def membership_changed(self, message: dict[str, Any]) -> None:
        """Added to, removed from, or an archived room: takes effect on this socket at once."""
        room = message["room"]
        room_id = room["id"]
        if message["change"] == "added":
            if room_id not in self.rooms:
                self.rooms.add(room_id)
                await self.fanout.subscribe(events.room_group(room_id), self)
            await self.socket.send_json({"type": "room_added", "room": room})
        elif message["change"] == "removed":
            await self._forget(room_id)
            await self.socket.send_json({"type": "room_removed", "room": room_id})
        elif message["change"] == "updated":  # archived, renamed, reclassified
            await self.socket.send_json({"type": "room_updated", "room": room})

    @event("directive.state")
    async def directive_state(self, message: dict[str, Any]) -> None:
        await self.socket.send_json(message["frame"])

    @event("read.state")
    async def read_state(self, message: dict[str, Any]) -> None:
        if message.get("origin") != self.socket.channel_name:
            await self.socket.send_json(message["frame"])
