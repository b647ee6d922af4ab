"""Presence (online, away): ephemeral, kept in the cache (messaging.presence), never stored,
announced when it changes to the open sockets of the official's rooms that are small enough
for it (selectors.rooms_with_live_presence)."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from coordination.organisation.models import Official
from messaging import events, presence, selectors


async def presence_set(*, official: Official, channel: str, state: str, rooms: set[int]) -> None:
    """A socket is online or away (and alive); the official's rooms hear of a change."""
    before, after = await sync_to_async(presence.socket_set)(official.pk, channel, state)
    if before != after:
        await _announce(official, rooms, after)


async def presence_gone(*, official: Official, channel: str, rooms: set[int]) -> None:
    """A socket is gone; the official's rooms hear of it when their state changes."""
    before, after = await sync_to_async(presence.socket_gone)(official.pk, channel)
    if before != after:
        await _announce(official, rooms, after)


async def _announce(official: Official, rooms: set[int], state: str) -> None:
    live = await database_sync_to_async(selectors.rooms_with_live_presence)(set(rooms))
    await events.presence_announce(official, live, state)
