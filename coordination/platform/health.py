"""Health checks behind GET /healthz: each answers "ok" or "error" and logs why."""

from __future__ import annotations

import asyncio
import logging
import uuid

from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger("rakor.health")

OK, ERROR = "ok", "error"
LAYER_TIMEOUT_SECONDS = 3.0


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("health: database check failed")
        return ERROR
    return OK


def check_cache() -> str:
    key = f"rakor:health:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=10)
        value = cache.get(key)
        cache.delete(key)
    except Exception:
        logger.exception("health: cache check failed")
        return ERROR
    return OK if value == "1" else ERROR


async def check_channel_layer() -> str:
    """A real round trip: send a message to a fresh channel and receive it back."""
    layer = get_channel_layer()
    if layer is None:
        return ERROR
    token = uuid.uuid4().hex
    try:
        async with asyncio.timeout(LAYER_TIMEOUT_SECONDS):
            channel = await layer.new_channel(prefix="health.")
            await layer.send(channel, {"type": "health.check", "token": token})
            message = await layer.receive(channel)
    except Exception:
        logger.exception("health: channel layer check failed")
        return ERROR
    return OK if message.get("token") == token else ERROR
