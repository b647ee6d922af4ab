"""Presence (online, away, offline): ephemeral, kept in the cache with a short life, never in
the database, and sent only to sockets that have one of the official's rooms open.

Each socket has a cache entry (its state, renewed by its pings); the official's state is the
best of their sockets' states. An index entry per official lists their sockets. Both expire by
themselves, so a process that dies leaves no one "online" for more than a few minutes.
"""

from __future__ import annotations

from django.core.cache import cache

ONLINE, AWAY, OFFLINE = "online", "away", "offline"
STATES = (ONLINE, AWAY)
SOCKET_TTL = 120  # clients ping about every 25 seconds


def _socket_key(official_id: int, channel: str) -> str:
    return f"presence:{official_id}:{channel}"


def _index_key(official_id: int) -> str:
    return f"presence:{official_id}:sockets"


def state_of(official_id: int) -> str:
    channels = cache.get(_index_key(official_id)) or []
    if not channels:
        return OFFLINE
    states = cache.get_many([_socket_key(official_id, c) for c in channels]).values()
    if ONLINE in states:
        return ONLINE
    return AWAY if AWAY in states else OFFLINE


def states_of(official_ids: list[int]) -> dict[int, str]:
    """Several officials' states in two cache round trips."""
    indexes = cache.get_many([_index_key(pk) for pk in official_ids])
    keys = {
        _socket_key(pk, channel): pk
        for pk in official_ids
        for channel in indexes.get(_index_key(pk)) or []
    }
    states = {pk: OFFLINE for pk in official_ids}
    for key, state in cache.get_many(list(keys)).items():
        pk = keys[key]
        if state == ONLINE or (state == AWAY and states[pk] == OFFLINE):
            states[pk] = state
    return states


def socket_set(official_id: int, channel: str, state: str) -> tuple[str, str]:
    """Record a socket's state; returns the official's state before and after."""
    before = state_of(official_id)
    index = set(cache.get(_index_key(official_id)) or [])
    index.add(channel)
    cache.set(_socket_key(official_id, channel), state, timeout=SOCKET_TTL)
    cache.set(_index_key(official_id), sorted(index), timeout=SOCKET_TTL * 2)
    return before, state_of(official_id)


def socket_gone(official_id: int, channel: str) -> tuple[str, str]:
    before = state_of(official_id)
    index = set(cache.get(_index_key(official_id)) or [])
    index.discard(channel)
    cache.delete(_socket_key(official_id, channel))
    if index:
        cache.set(_index_key(official_id), sorted(index), timeout=SOCKET_TTL * 2)
    else:
        cache.delete(_index_key(official_id))
    return before, state_of(official_id)
