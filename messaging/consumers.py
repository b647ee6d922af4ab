"""The one WebSocket endpoint, /ws/ (CONTRACT.md, docs/protocol.md).

The consumer parses a frame, checks it, calls a service and replies. It never broadcasts
itself: services do, after commit, so HTTP and socket paths behave the same.

Every bad frame gets an `error` frame and the socket stays open; only a frame over
RAKOR_WS_MAX_FRAME_BYTES closes it (code 4009, since daphne cannot send 1009).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied

from coordination.organisation import socket_auth as ws_auth
from coordination.platform import realtime
from coordination.platform.errors import DomainError
from coordination.platform.realtime import CLOSE_REVOKED, CLOSE_UNAVAILABLE, official_group
from messaging import directives, events, presence, selectors, services
from messaging.ordering import Cursors, Verdict

logger = logging.getLogger("rakor.ws")

CLOSE_TOO_LARGE = 4009
CLOSE_NOT_FOUND = 4404
TYPING_INTERVAL_SECONDS = 2.0
PRESENCE_INTERVAL_SECONDS = 2.0
MAX_MEETING_SUBSCRIPTIONS = 50


class FrameError(DomainError):
    """A frame the consumer refuses before any service is called."""


def _is_int(value: object, *, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and minimum <= value < 2**63


def _id(frame: dict[str, Any], name: str) -> int:
    value = frame.get(name)
    if not _is_int(value, minimum=1):
        raise FrameError(f"{name} is an id (a whole number from 1).", code="invalid_frame")
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_frame(text: str) -> Any:
    """Strict JSON: no NaN or Infinity, and nesting too deep for the parser is an error, not
    a crash."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


class RakorConsumer(AsyncWebsocketConsumer):
    """One socket of one official. Keeps, without asking the database: the rooms the official
    is a member of (updated by membership events), the rooms open on this socket (joined),
    and the per-room cursors of the ordering guarantee."""

    # Frame type -> handler.
    handlers: dict[str, str] = {
        "ping": "frame_ping",
        "join": "frame_join",
        "leave": "frame_leave",
        "send": "frame_send",
        "edit": "frame_edit",
        "delete": "frame_delete",
        "read": "frame_read",
        "typing": "frame_typing",
        "presence": "frame_presence",
        "acknowledge": "frame_acknowledge",
        "subscribe": "frame_subscribe",
        "unsubscribe": "frame_unsubscribe",
    }

    # channels sets this once per socket, before its receive loop starts; every receive then
    # retries a slow or restarting channel layer instead of ending the socket with 1011.
    @property
    def channel_receive(self):
        return self._channel_receive

    @channel_receive.setter
    def channel_receive(self, receive) -> None:
        self._channel_receive = realtime.retrying_receive(
            receive, on_recovered=self._renew_groups, on_outage=self._layer_lost
        )

    async def _renew_groups(self) -> None:
        """After the layer failed: join every group again (a restarted Redis forgot them)."""
        try:
            for group in list(getattr(self, "groups_joined", ())):
                await realtime.layer_call(self.channel_layer.group_add, group, self.channel_name)
        except realtime.LayerUnavailable:
            await self._layer_lost()

    async def _layer_lost(self) -> None:
        """The layer stayed away: the client reconnects and resumes from its seqs."""
        await self.close(code=CLOSE_UNAVAILABLE)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Layer events and the handshake never end the socket with an unhandled error: a
        layer that stays away closes it with CLOSE_UNAVAILABLE (the client resumes), any
        other failure is logged and the event dropped (the ordering guarantee refills
        room events from the database)."""
        try:
            await super().dispatch(message)
        except (realtime.LayerUnavailable, *realtime.transient_layer_errors()):
            logger.warning("channel layer unavailable while handling %s", message.get("type"))
            await self._layer_lost()
        except StopConsumer:
            raise
        except Exception:
            if message.get("type", "").startswith("websocket."):
                raise
            logger.exception("layer event %s failed", message.get("type"))

    async def connect(self) -> None:
        self.official = self.scope.get("user")
        if self.official is None or not self.official.is_authenticated:
            await self.close(code=CLOSE_REVOKED)
            return
        self.groups_joined: set[str] = set()
        self.checked_at = time.monotonic()
        self.rooms: set[int] = await database_sync_to_async(selectors.member_room_ids)(
            self.official
        )
        self.open_rooms: set[int] = set()
        self.meetings: set[int] = set()  # meetings this socket subscribed to
        self.cursors = Cursors()
        self.typing_sent: dict[int, float] = {}
        self.presence_state = presence.ONLINE
        self.presence_sent = 0.0
        await self._group_add(official_group(self.official.pk))
        for room in self.rooms:
            await self._group_add(events.room_group(room))
        await self.accept()
        try:
            await services.presence_set(
                official=self.official,
                channel=self.channel_name,
                state=presence.ONLINE,
                rooms=self.rooms,
            )
        except Exception:  # presence is ephemeral: a busy cache must not cost the socket
            logger.warning("presence of %s not recorded", self.official.username, exc_info=True)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "presence_state"):
            try:
                await services.presence_gone(
                    official=self.official, channel=self.channel_name, rooms=self.rooms
                )
            except Exception:
                logger.warning("presence of %s not cleared", self.official.username, exc_info=True)
        for group in getattr(self, "groups_joined", ()):
            try:
                await realtime.layer_call(
                    self.channel_layer.group_discard, group, self.channel_name, attempts=2
                )
            except realtime.LayerUnavailable:
                break  # the groups expire by themselves (group_expiry)

    async def _group_add(self, group: str) -> None:
        await realtime.layer_call(self.channel_layer.group_add, group, self.channel_name)
        self.groups_joined.add(group)

    async def _reconcile_rooms(self) -> None:
        """Repair what a dropped membership event may have left wrong, and renew the groups
        (the layer expires them): the rooms are read again from the database."""
        rooms = await database_sync_to_async(selectors.member_room_ids)(self.official)
        for room_id in self.rooms - rooms:
            self.rooms.discard(room_id)
            self.open_rooms.discard(room_id)
            self.cursors.forget(room_id)
            await self._group_discard(events.room_group(room_id))
            await self.send_json({"type": "room_removed", "room": room_id})
        found = rooms - self.rooms
        self.rooms |= rooms
        for group in [official_group(self.official.pk), *map(events.room_group, self.rooms)]:
            await self._group_add(group)
        for room in await database_sync_to_async(selectors.room_frames)(found):
            await self.send_json({"type": "room_added", "room": room})

    async def _group_discard(self, group: str) -> None:
        await realtime.layer_call(self.channel_layer.group_discard, group, self.channel_name)
        self.groups_joined.discard(group)

    # --- frames in ----------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        # Not AsyncJsonWebsocketConsumer: its decoder drops the connection on bad JSON.
        if text_data is None:
            await self.send_error(
                code="invalid_frame", message="Frames are JSON text, not binary.", frame=None
            )
            return
        limit = settings.RAKOR_WS_MAX_FRAME_BYTES
        if len(text_data) > limit or len(text_data.encode("utf-8", "surrogatepass")) > limit:
            await self.send_error(
                code="too_large",
                message=f"A frame may have at most {limit} bytes; this socket is closed.",
                frame=None,
            )
            await self.close(code=CLOSE_TOO_LARGE)
            return
        try:
            frame = parse_frame(text_data)
        except ValueError:
            await self.send_error(code="invalid_json", message="The frame is not JSON.", frame=None)
            return
        if not isinstance(frame, dict):
            await self.send_error(
                code="invalid_frame", message="A frame is a JSON object with a type.", frame=None
            )
            return
        await self.dispatch_frame(frame)

    async def dispatch_frame(self, frame: dict[str, Any]) -> None:
        if time.monotonic() - self.checked_at > ws_auth.RECHECK_SECONDS:
            if not await ws_auth.still_authorised(self.scope):
                await self.close(code=CLOSE_REVOKED)
                return
            await self._reconcile_rooms()
            self.checked_at = time.monotonic()
        frame_type = frame.get("type")
        if not isinstance(frame_type, str):
            await self.send_error(
                code="invalid_frame", message="The frame has no type.", frame=frame
            )
            return
        handler_name = self.handlers.get(frame_type)
        if handler_name is None:
            await self.send_error(
                code="unknown_type", message=f"Unknown frame type {frame_type[:50]!r}.", frame=frame
            )
            return
        try:
            await getattr(self, handler_name)(frame)
        except DomainError as exc:
            # A service's "invalid" is the socket's "invalid_frame".
            code = "invalid_frame" if exc.code == "invalid" else exc.code
            await self.send_error(code=code, message=exc.message, frame=frame, current=exc.current)
        except PermissionDenied:
            await self.send_error(code="forbidden", message="Not allowed.", frame=frame)
        except Exception:
            logger.exception("frame %s from %s failed", frame_type, self.official.username)
            await self.send_error(
                code="unavailable",
                message="The server could not handle this frame now.",
                frame=frame,
            )

    async def frame_ping(self, frame: dict[str, Any]) -> None:
        # A ping also keeps this socket's presence alive.
        await services.presence_set(
            official=self.official,
            channel=self.channel_name,
            state=self.presence_state,
            rooms=self.rooms,
        )
        heads = await database_sync_to_async(selectors.room_heads)(set(self.open_rooms))
        await self.reply(frame, {"type": "pong", "heads": {str(r): h for r, h in heads.items()}})

    async def frame_join(self, frame: dict[str, Any]) -> None:
        room_id = _id(frame, "room")
        after = frame.get("after")
        if after is not None and not _is_int(after, minimum=0):
            raise FrameError("after is a seq (a whole number from 0).", code="invalid_frame")
        room, _membership = await database_sync_to_async(services.member_room)(
            self.official, room_id
        )
        if room_id not in self.rooms:  # joined before the membership event arrived
            self.rooms.add(room_id)
            await self._group_add(events.room_group(room_id))
        if after is None:
            after = selectors.backlog_start(room.last_seq)
        self.cursors.reset(room_id, min(after, room.last_seq))
        await self._replay(room_id, until=None)
        self.open_rooms.add(room_id)
        head = max(self.cursors.get(room_id) or 0, room.last_seq)
        await self.reply(frame, {"type": "joined", "room": room_id, "head": head})
        # Who of the room's members is here now (offline members are not listed).
        for item in await services.presence_in_room(room_id=room_id, viewer=self.official):
            await self.send_json(item)

    async def _replay(self, room_id: int, *, until: int | None) -> None:
        """Send the room's events after the cursor (up to `until`, exclusive), in chunks."""
        while True:
            cursor = self.cursors.get(room_id) or 0
            frames = await database_sync_to_async(selectors.timeline)(
                room_id, after=cursor, before=until, limit=selectors.REPLAY_CHUNK
            )
            for item in frames:
                await self.send_json(item)
                self.cursors.advance(room_id, item["seq"])
            if len(frames) < selectors.REPLAY_CHUNK:
                return

    async def frame_subscribe(self, frame: dict[str, Any]) -> None:
        """Follow a meeting the official may see: its answers (rsvp_updated) and changes
        (meeting_updated) arrive live."""
        from meetings import events as meeting_events
        from meetings import services as meeting_services

        meeting_id = _id(frame, "meeting")
        if meeting_id not in self.meetings and len(self.meetings) >= MAX_MEETING_SUBSCRIPTIONS:
            raise FrameError(
                f"A socket follows at most {MAX_MEETING_SUBSCRIPTIONS} meetings; "
                "unsubscribe first.",
                code="rate_limited",
            )
        meeting = await database_sync_to_async(meeting_services.meeting_visible)(
            self.official, meeting_id
        )
        await self._group_add(meeting_events.meeting_group(meeting_id))
        self.meetings.add(meeting_id)
        tally = await database_sync_to_async(meeting_events.tally)(meeting_id)
        await self.reply(
            frame,
            {
                "type": "subscribed",
                "meeting": meeting_id,
                "sequence": meeting.sequence,
                "status": meeting.status,
                "tally": tally,
            },
        )

    async def frame_unsubscribe(self, frame: dict[str, Any]) -> None:
        from meetings import events as meeting_events

        meeting_id = _id(frame, "meeting")
        if meeting_id in self.meetings:
            self.meetings.discard(meeting_id)
            await self._group_discard(meeting_events.meeting_group(meeting_id))
        await self.reply(frame, {"type": "unsubscribed", "meeting": meeting_id})

    async def frame_leave(self, frame: dict[str, Any]) -> None:
        room_id = _id(frame, "room")
        self.open_rooms.discard(room_id)
        await self.reply(frame, {"type": "left", "room": room_id})

    async def frame_send(self, frame: dict[str, Any]) -> None:
        room_id = _id(frame, "room")
        reply_to = frame.get("reply_to")
        if reply_to is not None and not _is_int(reply_to, minimum=1):
            raise FrameError("reply_to is a message id.", code="invalid_frame")
        message, _created = await database_sync_to_async(services.message_post)(
            author=self.official,
            room_id=room_id,
            body=frame.get("body"),
            client_id=frame.get("client_id"),
            reply_to=reply_to,
            attachments=frame.get("attachments"),
            directive=frame.get("directive"),
        )
        await self.reply(
            frame,
            {
                "type": "ack",
                "client_id": str(message.client_id),
                "room": message.room_id,
                "seq": message.seq,
                "id": message.pk,
            },
        )

    async def frame_edit(self, frame: dict[str, Any]) -> None:
        event = await database_sync_to_async(services.message_edit)(
            by=self.official, message_id=frame.get("message"), body=frame.get("body")
        )
        await self._ack_change(frame, event)

    async def frame_delete(self, frame: dict[str, Any]) -> None:
        event = await database_sync_to_async(services.message_delete)(
            by=self.official, message_id=frame.get("message")
        )
        await self._ack_change(frame, event)

    async def _ack_change(self, frame: dict[str, Any], event) -> None:
        await self.reply(
            frame,
            {"type": "ack", "room": event.room_id, "seq": event.seq, "id": event.message_id},
        )

    async def frame_read(self, frame: dict[str, Any]) -> None:
        membership = await database_sync_to_async(services.room_mark_read)(
            official=self.official,
            room_id=frame.get("room"),
            seq=frame.get("seq"),
            origin=self.channel_name,
        )
        await self.reply(
            frame,
            {"type": "read_state", "room": membership.room_id, "seq": membership.last_read_seq},
        )

    async def frame_typing(self, frame: dict[str, Any]) -> None:
        room_id = _id(frame, "room")
        if room_id not in self.rooms:
            raise FrameError("You are not a member of this room.", code="forbidden")
        # Typing is ephemeral: at most one announcement per room every two seconds.
        now = time.monotonic()
        if now - self.typing_sent.get(room_id, 0.0) >= TYPING_INTERVAL_SECONDS:
            self.typing_sent[room_id] = now
            await services.room_typing(official=self.official, room_id=room_id)

    async def frame_presence(self, frame: dict[str, Any]) -> None:
        state = frame.get("state")
        if state not in presence.STATES:
            raise FrameError('state is "online" or "away".', code="invalid_frame")
        if state == self.presence_state:
            return
        self.presence_state = state
        # A page flipping between visible and hidden must not flood the rooms: changes are
        # announced at most once per interval; a later one waits for the next ping.
        now = time.monotonic()
        if now - self.presence_sent < PRESENCE_INTERVAL_SECONDS:
            return
        self.presence_sent = now
        await services.presence_set(
            official=self.official, channel=self.channel_name, state=state, rooms=self.rooms
        )

    async def frame_acknowledge(self, frame: dict[str, Any]) -> None:
        tally = await database_sync_to_async(directives.directive_acknowledge)(
            official=self.official, message_id=frame.get("message")
        )
        mine = {"username": self.official.username}
        await self.reply(
            frame,
            {
                "type": "acknowledged",
                "message": tally["message"],
                "room": tally["room"],
                "complete": tally["complete"],
                "acknowledged_by_me": any(
                    a["username"] == mine["username"] for a in tally["acknowledged"]
                ),
            },
        )

    # --- frames out ---------------------------------------------------------------------

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content, separators=(",", ":"), allow_nan=False))

    async def reply(self, frame: dict[str, Any] | None, content: dict[str, Any]) -> None:
        """Send `content` as the answer to `frame`, carrying its `ref` when it had one."""
        if frame is not None and "ref" in frame:
            content = {**content, "ref": frame["ref"]}
        await self.send_json(content)

    async def send_error(
        self,
        *,
        code: str,
        message: str,
        frame: dict[str, Any] | None,
        current: dict[str, Any] | None = None,
    ) -> None:
        content: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if current is not None:
            content["current"] = current
        await self.reply(frame, content)

    # --- layer events -------------------------------------------------------------------

    async def room_event(self, event: dict[str, Any]) -> None:
        """A message, edit or deletion: forwarded in seq order, gaps filled from the
        database, repeats dropped."""
        frame = event["frame"]
        room_id, seq = frame["room"], frame["seq"]
        if room_id not in self.rooms:
            return
        verdict = self.cursors.judge(room_id, seq)
        if verdict is Verdict.DROP:
            return
        if verdict is Verdict.FILL_THEN_SEND:
            await self._replay(room_id, until=seq)
            if self.cursors.judge(room_id, seq) is Verdict.DROP:
                return
        await self.send_json(frame)
        self.cursors.advance(room_id, seq)

    async def room_typing(self, event: dict[str, Any]) -> None:
        frame = event["frame"]
        if frame["room"] in self.open_rooms and frame["author"]["username"] != (
            self.official.username
        ):
            await self.send_json(frame)

    async def membership_changed(self, event: dict[str, Any]) -> None:
        """Added to, removed from, or an archived room: takes effect on this socket at once."""
        room = event["room"]
        room_id = room["id"]
        if event["change"] == "added":
            if room_id not in self.rooms:
                self.rooms.add(room_id)
                await self._group_add(events.room_group(room_id))
            await self.send_json({"type": "room_added", "room": room})
        elif event["change"] == "removed":
            self.rooms.discard(room_id)
            self.open_rooms.discard(room_id)
            self.cursors.forget(room_id)
            await self._group_discard(events.room_group(room_id))
            await self.send_json({"type": "room_removed", "room": room_id})
        elif event["change"] == "updated":  # archived, renamed, reclassified
            await self.send_json({"type": "room_updated", "room": room})

    async def room_presence(self, event: dict[str, Any]) -> None:
        frame = event["frame"]
        if frame["room"] in self.open_rooms and frame["username"] != self.official.username:
            await self.send_json(frame)

    async def directive_state(self, event: dict[str, Any]) -> None:
        await self.send_json(event["frame"])

    async def notification_created(self, event: dict[str, Any]) -> None:
        await self.send_json(event["frame"])

    async def read_state(self, event: dict[str, Any]) -> None:
        if event.get("origin") != self.channel_name:
            await self.send_json(event["frame"])

    async def meeting_event(self, event: dict[str, Any]) -> None:
        """meeting_updated and rsvp_updated (meetings.events). A frame reaching this socket
        both as a participant's and as a subscriber's is sent once; a subscriber who may no
        longer see the meeting is unsubscribed."""
        from meetings import events as meeting_events
        from meetings import services as meeting_services

        meeting_id = event["meeting"]
        if event.get("via") == "official" and meeting_id in self.meetings:
            return
        if event.get("via") == "meeting" and event["frame"]["type"] == "meeting_updated":
            try:
                await database_sync_to_async(meeting_services.meeting_visible)(
                    self.official, meeting_id
                )
            except DomainError:
                self.meetings.discard(meeting_id)
                await self._group_discard(meeting_events.meeting_group(meeting_id))
                await self.send_json({"type": "unsubscribed", "meeting": meeting_id})
                return
        await self.send_json(event["frame"])

    async def auth_revoked(self, event: dict[str, Any]) -> None:
        """Credentials this socket was opened with were revoked: close it."""
        method = self.scope.get("auth_method")
        if (
            event.get("everything")
            or (method == "token" and event.get("token_id") == self.scope.get("token_id"))
            or (
                method == "session"
                and (
                    event.get("all_sessions")
                    or event.get("session_key") == self.scope.get("session_key")
                )
            )
        ):
            await self.close(code=CLOSE_REVOKED)


class NoSuchSocket(AsyncWebsocketConsumer):
    """Any path other than /ws/: refused cleanly instead of an error in the router."""

    async def connect(self) -> None:
        await self.close(code=CLOSE_NOT_FOUND)
