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

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied

from coordination import ws_auth
from coordination.errors import DomainError
from coordination.realtime import CLOSE_REVOKED, official_group

logger = logging.getLogger("rakor.ws")

CLOSE_TOO_LARGE = 4009
CLOSE_NOT_FOUND = 4404


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
    # Frame type -> handler. Later features add their frames here.
    handlers: dict[str, str] = {
        "ping": "frame_ping",
    }

    async def connect(self) -> None:
        self.official = self.scope.get("user")
        if self.official is None or not self.official.is_authenticated:
            await self.close(code=CLOSE_REVOKED)
            return
        self.groups_joined: set[str] = set()
        self.checked_at = time.monotonic()
        await self._group_add(official_group(self.official.pk))
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _group_add(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.add(group)

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
            await self.send_error(
                code=exc.code, message=exc.message, frame=frame, current=exc.current
            )
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
        await self.reply(frame, {"type": "pong", "heads": {}})

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
