"""The embedded default's channel layer (coordination.platform.layers): channels' in-memory
layer with a sweep once a second and group messages put in the members' queues at once."""

from __future__ import annotations

import asyncio

from coordination.platform.layers import SweptInMemoryChannelLayer


async def test_the_embedded_layer_still_expires_messages_and_sweeps_at_most_once_a_second():
    """The in-memory layer's sweep, run on every receive, was most of a broadcast's cost;
    run once a second it still drops what waited past the expiry."""
    layer = SweptInMemoryChannelLayer(expiry=60)
    channel = await layer.new_channel()
    await layer.group_add("room.1", channel)
    await layer.send(channel, {"type": "old"})
    queue = layer.channels[channel]
    deadline, message = queue._queue[0]
    queue._queue[0] = (deadline - 120, message)  # waited past the expiry
    layer._swept_at = 0.0
    await layer.send(channel, {"type": "new"})  # the sweep runs: the old one goes
    assert (await layer.receive(channel))["type"] == "new"
    # Its channel left its groups with it, as channels' own layer does.
    assert channel not in layer.groups.get("room.1", {})
    swept = layer._swept_at
    await layer.send(channel, {"type": "next"})
    assert layer._swept_at == swept  # not again within the second


async def test_a_group_message_reaches_every_member_and_a_full_channel_misses_only_its_own():
    layer = SweptInMemoryChannelLayer(capacity=2)
    members = [await layer.new_channel() for _ in range(3)]
    outsider = await layer.new_channel()
    for channel in members:
        await layer.group_add("room.1", channel)
    await layer.send(members[0], {"type": "a"})
    await layer.send(members[0], {"type": "b"})  # members[0] is now full
    await layer.group_send("room.1", {"type": "room.event", "frame": {"seq": 1}})
    for channel in members[1:]:
        assert await layer.receive(channel) == {"type": "room.event", "frame": {"seq": 1}}
    assert [(await layer.receive(members[0]))["type"] for _ in range(2)] == ["a", "b"]
    for channel in [members[0], outsider]:
        try:
            await asyncio.wait_for(layer.receive(channel), 0.05)
        except TimeoutError:
            pass
        else:
            raise AssertionError(f"{channel} got a message it should not have")
    await layer.group_send("room.empty", {"type": "x"})  # a group without members: nothing
