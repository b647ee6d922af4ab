"""The base of the one WebSocket, /ws/ (CONTRACT.md, docs/protocol.md): everything a socket
does whatever app a frame belongs to.

An official's socket is authenticated at the handshake (socket_auth) and re-checked every
RECHECK_SECONDS; it reads frames (JSON text up to RAKOR_WS_MAX_FRAME_BYTES), answers each
with the frame's `ref`, turns refusals into `error` frames (the socket stays open), and
dispatches each frame by its type to the app that owns it. It joins the official's own
channel (credentials revoked, notifications) and retries a slow channel layer instead of
ending with 1011 (platform.realtime).

Apps plug in with a `SocketModule`: a class whose methods are marked `@frame("join")` for the
client frames it owns and `@event("room.event")` for the channel-layer events it forwards,
with hooks when the socket connects, is re-checked or goes. The project wiring composes the
one socket from the apps' modules (coordination.wiring.socket); an app adds a module, never
lines in another app's.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any, ClassVar

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied

from coordination.organisation import socket_auth
from coordination.platform import realtime
from coordination.platform.errors import DomainError
from coordination.platform.realtime import CLOSE_REVOKED, CLOSE_UNAVAILABLE, official_group

logger = logging.getLogger("rakor.ws")

CLOSE_TOO_LARGE = 4009
CLOSE_NOT_FOUND = 4404


class FrameError(DomainError):
    """A frame refused before any service is called."""

    code = "invalid_frame"


def frame(frame_type: str) -> Callable:
    """Mark a SocketModule method as the handler of client frames of `frame_type`."""

    def mark(method: Callable) -> Callable:
        method.socket_frame = frame_type
        return method

    return mark


def event(event_type: str) -> Callable:
    """Mark a SocketModule method as the handler of channel-layer events of `event_type`
    (the `type` of what services broadcast, such as "room.event")."""

    def mark(method: Callable) -> Callable:
        method.socket_event = event_type
        return method

    return mark


class SocketModule:
    """One app's part of an official's socket: its frames, its layer events, its state.

    Handlers take the frame or the event (a dict) and reply through `self.socket`. Hooks:
    `connected` (before the handshake is accepted: read state, join groups), `accepted`,
    `rechecked` (every RECHECK_SECONDS, after the credentials were found still valid: repair
    what a dropped event left wrong), `pong` (fields the app adds to `pong`), and
    `disconnected`.
    """

    frames: ClassVar[dict[str, str]] = {}
    events: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.frames, cls.events = {}, {}
        for name in dir(cls):
            member = getattr(cls, name)
            if hasattr(member, "socket_frame"):
                cls.frames[member.socket_frame] = name
            if hasattr(member, "socket_event"):
                cls.events[member.socket_event] = name

    def __init__(self, socket: BaseSocket) -> None:
        self.socket = socket

    @property
    def official(self):
        return self.socket.official

    async def connected(self) -> None:
        pass

    async def accepted(self) -> None:
        pass

    async def rechecked(self) -> None:
        pass

    async def pong(self) -> dict[str, Any]:
        return {}

    async def disconnected(self) -> None:
        pass


class BaseSocket(AsyncWebsocketConsumer):
    """One socket of one official, composed of `modules` (SocketModule classes)."""

    modules: ClassVar[tuple[type[SocketModule], ...]] = ()
    frame_routes: ClassVar[dict[str, tuple[int, str]]] = {}
    event_routes: ClassVar[dict[str, tuple[int, str]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.frame_routes, cls.event_routes = {"ping": (-1, "frame_ping")}, {}
        for index, module in enumerate(cls.modules):
            for routes, owned in (
                (cls.frame_routes, module.frames),
                (cls.event_routes, module.events),
            ):
                for kind, method in owned.items():
                    if kind in routes:
                        raise TypeError(
                            f"{module.__name__} and another module both handle {kind!r}"
                        )
                    routes[kind] = (index, method)

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

    # --- the socket's life ----------------------------------------------------------------

    async def connect(self) -> None:
        self.official = self.scope.get("user")
        if self.official is None or not self.official.is_authenticated:
            await self.close(code=CLOSE_REVOKED)
            return
        self.groups_joined: set[str] = set()
        self.checked_at = time.monotonic()
        self.throttles: dict[str, float] = {}
        self.parts = [module(self) for module in self.modules]
        await self.group_add(official_group(self.official.pk))
        for part in self.parts:
            await part.connected()
        await self.accept()
        for part in self.parts:
            await part.accepted()

    async def disconnect(self, code: int) -> None:
        for part in getattr(self, "parts", ()):
            try:
                await part.disconnected()
            except Exception:
                logger.warning(
                    "%s did not finish on disconnect", type(part).__name__, exc_info=True
                )
        for group in getattr(self, "groups_joined", ()):
            try:
                await realtime.layer_call(
                    self.channel_layer.group_discard, group, self.channel_name, attempts=2
                )
            except realtime.LayerUnavailable:
                break  # the groups expire by themselves (group_expiry)

    async def group_add(self, group: str) -> None:
        await realtime.layer_call(self.channel_layer.group_add, group, self.channel_name)
        self.groups_joined.add(group)

    async def group_discard(self, group: str) -> None:
        await realtime.layer_call(self.channel_layer.group_discard, group, self.channel_name)
        self.groups_joined.discard(group)

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

    def throttle(self, key: str, seconds: float) -> bool:
        """True at most once every `seconds` for `key` on this socket (typing, presence)."""
        now = time.monotonic()
        if now - self.throttles.get(key, 0.0) < seconds:
            return False
        self.throttles[key] = now
        return True

    # --- frames in --------------------------------------------------------------------------

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
            content = parse_frame(text_data)
        except ValueError:
            await self.send_error(code="invalid_json", message="The frame is not JSON.", frame=None)
            return
        if not isinstance(content, dict):
            await self.send_error(
                code="invalid_frame", message="A frame is a JSON object with a type.", frame=None
            )
            return
        await self.dispatch_frame(content)

    async def dispatch_frame(self, content: dict[str, Any]) -> None:
        if time.monotonic() - self.checked_at > socket_auth.RECHECK_SECONDS:
            if not await socket_auth.still_authorised(self.scope):
                await self.close(code=CLOSE_REVOKED)
                return
            for part in self.parts:
                await part.rechecked()
            self.checked_at = time.monotonic()
        frame_type = content.get("type")
        if not isinstance(frame_type, str):
            await self.send_error(
                code="invalid_frame", message="The frame has no type.", frame=content
            )
            return
        route = self.frame_routes.get(frame_type)
        if route is None:
            await self.send_error(
                code="unknown_type",
                message=f"Unknown frame type {frame_type[:50]!r}.",
                frame=content,
            )
            return
        index, method = route
        handler = getattr(self if index < 0 else self.parts[index], method)
        try:
            await handler(content)
        except DomainError as exc:
            # A service's "invalid" is the socket's "invalid_frame".
            code = "invalid_frame" if exc.code == "invalid" else exc.code
            await self.send_error(
                code=code, message=exc.message, frame=content, current=exc.current
            )
        except PermissionDenied:
            await self.send_error(code="forbidden", message="Not allowed.", frame=content)
        except Exception:
            logger.exception("frame %s from %s failed", frame_type, self.official.username)
            await self.send_error(
                code="unavailable",
                message="The server could not handle this frame now.",
                frame=content,
            )

    async def frame_ping(self, content: dict[str, Any]) -> None:
        """`pong`, with what each module adds (the heads of the rooms joined, say)."""
        fields: dict[str, Any] = {}
        for part in self.parts:
            fields |= await part.pong()
        await self.reply(content, {"type": "pong", **fields})

    # --- layer events -----------------------------------------------------------------------

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Layer events go to the module that owns their type. Neither they nor the
        handshake end the socket with an unhandled error: a layer that stays away closes it
        with CLOSE_UNAVAILABLE (the client resumes); any other failure of a layer event is
        logged and the event dropped (room events are refilled from the database)."""
        kind = message.get("type", "")
        try:
            route = self.event_routes.get(kind)
            if route is None:
                await super().dispatch(message)
                return
            # No aclose_old_connections() here (channels' dispatch calls it on every event,
            # a thread hop each: a broadcast to a thousand sockets made a thousand): every
            # database call of a handler goes through database_sync_to_async, which closes
            # stale connections itself.
            index, method = route
            await getattr(self.parts[index], method)(message)
        except (realtime.LayerUnavailable, *realtime.transient_layer_errors()):
            logger.warning("channel layer unavailable while handling %s", kind)
            await self._layer_lost()
        except StopConsumer:
            raise
        except Exception:
            if kind.startswith("websocket."):
                raise
            logger.exception("layer event %s failed", kind)

    async def auth_revoked(self, message: dict[str, Any]) -> None:
        """Credentials this socket was opened with were revoked: close it."""
        method = self.scope.get("auth_method")
        if (
            message.get("everything")
            or (method == "token" and message.get("token_id") == self.scope.get("token_id"))
            or (
                method == "session"
                and (
                    message.get("all_sessions")
                    or message.get("session_key") == self.scope.get("session_key")
                )
            )
        ):
            await self.close(code=CLOSE_REVOKED)

    async def notification_created(self, message: dict[str, Any]) -> None:
        await self.send_json(message["frame"])

    async def notification_read(self, message: dict[str, Any]) -> None:
        """Notifications read elsewhere (another tab, the API): the new unread count."""
        await self.send_json(message["frame"])

    # --- frames out -------------------------------------------------------------------------

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=realtime.frame_text(content))

    async def reply(self, request: dict[str, Any] | None, content: dict[str, Any]) -> None:
        """Send `content` as the answer to the frame `request`, carrying its `ref`."""
        if request is not None and "ref" in request:
            content = {**content, "ref": request["ref"]}
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


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_frame(text: str) -> Any:
    """Strict JSON: no NaN or Infinity, and nesting too deep for the parser is an error, not
    a crash."""
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


class NoSuchSocket(AsyncWebsocketConsumer):
    """Any path other than /ws/: refused cleanly instead of an error in the router."""

    async def connect(self) -> None:
        await self.close(code=CLOSE_NOT_FOUND)
