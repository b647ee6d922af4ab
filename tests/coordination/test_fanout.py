"""coordination.platform.fanout: a group's events reach a process once, and each local member
in turn; the layer's outage is survived and the groups joined again."""

from __future__ import annotations

import asyncio

from coordination.platform.fanout import fanout_for
from coordination.platform.layers import SweptInMemoryChannelLayer


class Member:
    def __init__(self) -> None:
        self.got: list[dict] = []
        self.arrived = asyncio.Event()

    async def fanout_deliver(self, message: dict) -> None:
        self.got.append(message)
        self.arrived.set()


async def delivered(*members: Member) -> None:
    await asyncio.wait_for(asyncio.gather(*(m.arrived.wait() for m in members)), 2)
    for member in members:
        member.arrived.clear()


async def test_a_group_message_is_one_layer_message_for_every_local_member():
    layer = SweptInMemoryChannelLayer()
    fanout = fanout_for(layer)
    here, there, elsewhere = Member(), Member(), Member()
    await fanout.subscribe("room.1", here)
    await fanout.subscribe("room.1", there)
    await fanout.subscribe("room.2", elsewhere)
    assert list(layer.groups["room.1"]) == [fanout.channel]  # the process, not each socket
    event = {"type": "room.event", "group": "room.1", "frame": {"seq": 1}}
    await layer.group_send("room.1", event)
    await delivered(here, there)
    assert here.got == there.got == [event] and elsewhere.got == []
    # The last member of a group gone: the process leaves it; the last of all: it stops.
    await fanout.unsubscribe("room.1", here)
    await fanout.unsubscribe("room.1", there)
    assert "room.1" not in layer.groups
    await fanout.unsubscribe("room.2", elsewhere)
    assert fanout.task is None


async def test_after_the_layer_failed_every_group_is_joined_again():
    layer = SweptInMemoryChannelLayer()
    fanout = fanout_for(layer)
    member = Member()
    real_receive = layer.receive
    failures = 2

    async def flaky_receive(channel):
        nonlocal failures
        if failures:
            failures -= 1
            layer.groups.clear()  # a restarted Redis forgot every group
            raise ConnectionError("layer away")
        return await real_receive(channel)

    layer.receive = flaky_receive
    await fanout.subscribe("room.7", member)
    for _ in range(100):
        if not failures and fanout.channel in layer.groups.get("room.7", {}):
            break
        await asyncio.sleep(0.05)
    event = {"type": "room.event", "group": "room.7", "frame": {"seq": 3}}
    await layer.group_send("room.7", event)
    await delivered(member)
    assert member.got == [event]
    await fanout.unsubscribe("room.7", member)


async def test_a_member_that_fails_costs_the_others_nothing():
    layer = SweptInMemoryChannelLayer()
    fanout = fanout_for(layer)

    class Broken(Member):
        async def fanout_deliver(self, message):
            raise RuntimeError("socket gone")

    broken, fine = Broken(), Member()
    await fanout.subscribe("room.3", broken)
    await fanout.subscribe("room.3", fine)
    for seq in (1, 2):
        await layer.group_send("room.3", {"type": "room.event", "group": "room.3", "seq": seq})
    for _ in range(40):
        if len(fine.got) == 2:
            break
        await asyncio.sleep(0.05)
    assert [m["seq"] for m in fine.got] == [1, 2]
    for member in (broken, fine):
        await fanout.unsubscribe("room.3", member)


async def test_a_member_subscribing_again_renews_a_subscription_a_minute_old():
    """Sockets subscribe again on each re-check: a group the layer forgot (a Redis restart
    the receive did not notice) is joined again within about a minute."""
    from coordination.platform import fanout as fanout_module

    layer = SweptInMemoryChannelLayer()
    fanout = fanout_for(layer)
    member = Member()
    await fanout.subscribe("room.9", member)
    layer.groups.clear()  # forgotten
    await fanout.subscribe("room.9", member)
    assert "room.9" not in layer.groups  # renewed at most once a minute
    fanout.joined_at["room.9"] -= fanout_module.RENEW_SECONDS
    await fanout.subscribe("room.9", member)
    assert fanout.channel in layer.groups["room.9"]
    await fanout.unsubscribe("room.9", member)
