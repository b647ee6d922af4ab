"""messaging.services.presence: a socket online, away or gone; the official's rooms hear of it
when the official's state (the best of their sockets') changes, and only then. Nothing is
stored in the database."""

from __future__ import annotations

import asyncio

import pytest
from channels.layers import channel_layers, get_channel_layer

from messaging import events, presence
from messaging.services import presence as presence_services
from tests.factories import OfficialFactory

ROOMS = {101, 102}


@pytest.fixture(autouse=True)
def fresh_channel_layer():
    """A channel layer of each test's own: a Redis layer's receive buffers belong to the event
    loop that first listened, and these tests listen from several (pytest-asyncio's for an
    async test, async_to_sync's for a sync one)."""
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def official(db):
    return OfficialFactory(username="adi")


async def listening(rooms):
    """A channel in each room's group, as the room's open sockets are."""
    layer = get_channel_layer()
    channels = {}
    for room_id in rooms:
        channels[room_id] = await layer.new_channel()
        await layer.group_add(events.room_open_group(room_id), channels[room_id])
    return layer, channels


async def heard(layer, channels) -> dict[int, list[dict]]:
    """The presence frames each room's group received (waiting briefly for each)."""
    got: dict[int, list[dict]] = {}
    for room_id, channel in channels.items():
        got[room_id] = []
        while True:
            try:
                event = await asyncio.wait_for(layer.receive(channel), 0.2)
            except TimeoutError:
                break
            assert event["type"] == "room.presence"
            got[room_id].append(event["frame"])
    return got


def frame(room_id, state):
    return {"type": "presence", "room": room_id, "username": "adi", "state": state}


@pytest.mark.django_db(transaction=True)
async def test_the_first_socket_online_is_announced_to_every_room(official):
    layer, channels = await listening(ROOMS | {999})
    await presence_services.presence_set(
        official=official, channel="socket-1", state=presence.ONLINE, rooms=ROOMS
    )
    got = await heard(layer, channels)
    assert got == {101: [frame(101, "online")], 102: [frame(102, "online")], 999: []}
    assert presence.state_of(official.pk) == presence.ONLINE


@pytest.mark.django_db(transaction=True)
async def test_sockets_of_members_without_the_room_open_are_not_sent_presence(official):
    """A member's socket is in the room's group for its events, but only a socket that has
    the room open shows presence: the others are not sent it at all."""
    layer = get_channel_layer()
    member = await layer.new_channel()
    await layer.group_add(events.room_group(101), member)
    _layer, open_socket = await listening({101})
    await presence_services.presence_set(
        official=official, channel="socket-1", state=presence.ONLINE, rooms={101}
    )
    assert await heard(layer, open_socket) == {101: [frame(101, "online")]}
    assert await heard(layer, {101: member}) == {101: []}


@pytest.mark.django_db(transaction=True)
async def test_only_a_change_of_the_officials_state_is_announced(official):
    await presence_services.presence_set(
        official=official, channel="socket-1", state=presence.ONLINE, rooms=ROOMS
    )
    layer, channels = await listening(ROOMS)
    # A second socket online, then away: the official stays online (the best of the two).
    for state in (presence.ONLINE, presence.AWAY):
        await presence_services.presence_set(
            official=official, channel="socket-2", state=state, rooms=ROOMS
        )
    # The same state again (a socket's ping): nothing either.
    await presence_services.presence_set(
        official=official, channel="socket-1", state=presence.ONLINE, rooms=ROOMS
    )
    assert await heard(layer, channels) == {101: [], 102: []}
    # The online socket goes away: now the official is away.
    await presence_services.presence_set(
        official=official, channel="socket-1", state=presence.AWAY, rooms=ROOMS
    )
    assert await heard(layer, channels) == {101: [frame(101, "away")], 102: [frame(102, "away")]}


@pytest.mark.django_db(transaction=True)
async def test_the_last_socket_gone_is_announced_as_offline(official):
    for channel in ("socket-1", "socket-2"):
        await presence_services.presence_set(
            official=official, channel=channel, state=presence.ONLINE, rooms=ROOMS
        )
    layer, channels = await listening(ROOMS)
    await presence_services.presence_gone(official=official, channel="socket-1", rooms=ROOMS)
    assert await heard(layer, channels) == {101: [], 102: []}  # socket-2 is still online
    await presence_services.presence_gone(official=official, channel="socket-2", rooms=ROOMS)
    got = await heard(layer, channels)
    assert got == {101: [frame(101, "offline")], 102: [frame(102, "offline")]}
    assert presence.state_of(official.pk) == presence.OFFLINE
    # A socket gone twice (a retried disconnect) announces nothing more.
    await presence_services.presence_gone(official=official, channel="socket-2", rooms=ROOMS)
    assert await heard(layer, channels) == {101: [], 102: []}


@pytest.mark.django_db(transaction=True)
async def test_presence_is_not_announced_live_in_rooms_above_the_limit(official, settings):
    """Every arrival in a large room would be told to every open socket of it; there the
    members present are listed on join instead."""
    from asgiref.sync import sync_to_async

    from messaging.models import Membership
    from tests.factories import RoomFactory

    settings.RAKOR_PRESENCE_LIVE_MAX_MEMBERS = 2

    @sync_to_async
    def rooms():
        small, large = RoomFactory(), RoomFactory()
        for room, size in ((small, 2), (large, 3)):
            members = [official, *(OfficialFactory() for _ in range(size - 1))]
            Membership.objects.bulk_create(Membership(room=room, official=o) for o in members)
        return small.pk, large.pk

    small, large = await rooms()
    layer, channels = await listening({small, large})
    await presence_services.presence_set(
        official=official, channel="socket-1", state=presence.ONLINE, rooms={small, large}
    )
    assert await heard(layer, channels) == {small: [frame(small, "online")], large: []}
