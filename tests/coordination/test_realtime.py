"""The channel-layer retries of coordination.realtime, step by step (the real thing, a slow
and a stopped Redis under daphne, is tests/e2e/test_redis_sockets.py)."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from coordination.platform import realtime


def failing(*errors, then):
    calls = {"n": 0}

    async def receive():
        calls["n"] += 1
        if calls["n"] <= len(errors):
            raise errors[calls["n"] - 1]
        return then

    return receive, calls


async def test_a_receive_that_times_out_is_retried_and_the_groups_renewed():
    receive, calls = failing(
        RedisTimeoutError("slow"), RedisConnectionError("reset"), then={"type": "room.event"}
    )
    renewed, lost = [], []

    async def on_recovered():
        renewed.append(True)

    async def on_outage():
        lost.append(True)

    wrapped = realtime.retrying_receive(receive, on_recovered=on_recovered, on_outage=on_outage)
    assert await wrapped() == {"type": "room.event"}
    assert calls["n"] == 3 and renewed == [True] and lost == []
    # The next receive works at once and renews nothing.
    receive2, _ = failing(then={"type": "next"})
    assert await realtime.retrying_receive(
        receive2, on_recovered=on_recovered, on_outage=on_outage
    )() == {"type": "next"}
    assert renewed == [True]


async def test_a_layer_that_stays_away_closes_once_then_waits(settings):
    settings.RAKOR_LAYER_OUTAGE_SECONDS = 0.3

    async def receive():
        raise RedisConnectionError("refused")

    lost = []

    async def on_outage():
        lost.append(True)

    async def nothing():
        pass

    wrapped = realtime.retrying_receive(receive, on_recovered=nothing, on_outage=on_outage)
    task = asyncio.ensure_future(wrapped())
    await asyncio.sleep(1.5)
    assert lost == [True] and not task.done()  # closed once; no error ends the loop
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_layer_calls_retry_then_give_up_with_layer_unavailable():
    attempts = []

    async def group_add(group, channel):
        attempts.append(group)
        if len(attempts) < 3:
            raise RedisTimeoutError("slow")
        return "ok"

    assert await realtime.layer_call(group_add, "room.1", "specific.x") == "ok"
    assert len(attempts) == 3

    async def never(group, channel):
        raise RedisConnectionError("down")

    with pytest.raises(realtime.LayerUnavailable):
        await realtime.layer_call(never, "room.1", "specific.x", attempts=2)


async def test_programming_errors_are_not_retried():
    async def broken():
        raise KeyError("a bug")

    async def nothing():
        pass

    wrapped = realtime.retrying_receive(broken, on_recovered=nothing, on_outage=nothing)
    with pytest.raises(KeyError):
        await wrapped()
