"""Broadcasts to an official's own sockets, sent after commit (never from views or consumers).

Every socket of an official joins the group `official_group(id)`; later features send
notifications and membership changes there. Events are plain values (the Redis layer
serialises them with msgpack); `group_send` is best effort, so nothing that must not be lost
travels only this way.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

logger = logging.getLogger("rakor.realtime")

# Close code of a socket whose credentials were revoked (token, session, or the official).
CLOSE_REVOKED = 4401
# Close code of a socket whose channel layer stayed unreachable (Redis down or restarting):
# the client reconnects with backoff and resumes each room from its last seq.
CLOSE_UNAVAILABLE = 4503


def transient_layer_errors() -> tuple[type[BaseException], ...]:
    """What a channel layer raises while its server is slow, restarting or away."""
    errors: list[type[BaseException]] = [OSError, asyncio.TimeoutError]
    try:
        from redis import exceptions
    except ImportError:  # the embedded default has no Redis client to fail
        return tuple(errors)
    return (*errors, exceptions.ConnectionError, exceptions.TimeoutError)


class LayerUnavailable(Exception):
    """The channel layer stayed unreachable through every retry."""


async def layer_call(call: Callable[..., Awaitable[Any]], *args: Any, attempts: int = 5) -> Any:
    """Await a channel-layer call (group_add, group_discard), retrying transient errors with
    a short backoff; LayerUnavailable when they all fail."""
    transient = transient_layer_errors()
    delay = 0.05
    for attempt in range(1, attempts + 1):
        try:
            return await call(*args)
        except transient as exc:
            if attempt == attempts:
                raise LayerUnavailable(str(exc)) from exc
            logger.warning("channel layer %s failed (%s), retrying", call.__name__, exc)
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 3, 2.0)
    raise AssertionError("unreachable")


def retrying_receive(
    receive: Callable[[], Awaitable[dict[str, Any]]],
    *,
    on_recovered: Callable[[], Awaitable[None]],
    on_outage: Callable[[], Awaitable[None]],
) -> Callable[[], Awaitable[dict[str, Any]]]:
    """Wrap a socket's channel-layer receive so a transient error is retried instead of
    ending the socket (daphne would close it with 1011). After a failure, `on_recovered` runs
    once the layer answers again (the socket renews its groups, which a restarted Redis lost);
    after RAKOR_LAYER_OUTAGE_SECONDS of failures `on_outage` runs once (the socket closes with
    CLOSE_UNAVAILABLE) and the receive waits quietly until the socket stops. A slow Redis (a
    busy moment, a connect burst) costs retries, not sockets."""
    transient = transient_layer_errors()
    outage = settings.RAKOR_LAYER_OUTAGE_SECONDS
    state = {"since": None, "delay": 0.05, "closed": False}

    async def receive_retrying() -> dict[str, Any]:
        while True:
            try:
                message = await receive()
            except transient as exc:
                now = time.monotonic()
                if state["since"] is None:
                    state["since"] = now
                    logger.warning("channel layer receive failed (%s); retrying", exc)
                if now - state["since"] > outage:
                    if not state["closed"]:
                        state["closed"] = True
                        logger.error("channel layer unreachable for %.0f s: closing", outage)
                        await on_outage()
                    await asyncio.sleep(5)
                    continue
                await asyncio.sleep(state["delay"] * (0.5 + random.random()))
                state["delay"] = min(state["delay"] * 2, 2.0)
                continue
            if state["since"] is not None:
                state["since"], state["delay"] = None, 0.05
                logger.info("channel layer receive works again")
                await on_recovered()
            return message

    return receive_retrying


def frame_text(content: dict[str, Any]) -> str:
    """A frame as the socket sends it (compact JSON). A broadcast carries it serialised
    once, beside the frame, so that a thousand sockets do not serialise it a thousand
    times."""
    return json.dumps(content, separators=(",", ":"), allow_nan=False)


def official_group(official_id: int) -> str:
    return f"official.{official_id}"


def official_broadcast_on_commit(official_id: int, event: dict[str, Any]) -> None:
    """Send `event` to every socket of the official once the current transaction commits."""
    group = official_group(official_id)
    transaction.on_commit(lambda: _group_send(group, event), robust=True)


def official_send(official_id: int, event: dict[str, Any]) -> None:
    """Send `event` to every socket of the official now (from an on-commit callback that
    reads what was committed first)."""
    _group_send(official_group(official_id), event)


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
        # The layer being down must not undo a committed change; sockets fill any gap from
        # the database on the next event, ping or reconnect.
        logger.exception("broadcast to %s failed", group)


async def group_send_now(group: str, event: dict[str, Any]) -> None:
    """Send an ephemeral event (typing, presence) to a group at once, best effort: such
    events are never stored and may be lost."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        await layer.group_send(group, event)
    except Exception:
        logger.warning("ephemeral event to %s not sent", group, exc_info=True)


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
