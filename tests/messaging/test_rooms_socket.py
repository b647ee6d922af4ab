"""The room protocol on /ws/ (CONTRACT.md): join and replay, send and ack, edit, delete,
read, typing, ping heads, membership changes, and the per-socket ordering guarantee."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from coordination.asgi import application
from coordination.organisation.services import token_create
from coordination.platform import realtime
from messaging import events
from messaging.services import rooms as room_services
from messaging.services import timeline as timeline_services
from messaging.services.directives import Directive
from tests.threads import in_background

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def generous_send_rate(settings):
    settings.RAKOR_SEND_RATE_PER_SECOND = 10_000


async def connect(official) -> WebsocketCommunicator:
    raw = await database_sync_to_async(lambda: token_create(official=official, name="t")[1])()
    socket = WebsocketCommunicator(
        application, "/ws/", headers=[(b"authorization", f"Bearer {raw}".encode())]
    )
    connected, _ = await socket.connect()
    assert connected
    return socket


async def frames_until(socket, frame_type: str, *, timeout: float = 5) -> list[dict]:  # noqa: ASYNC109
    """Every frame received up to and including the first of `frame_type`."""
    received = []
    while True:
        frame = await socket.receive_json_from(timeout)
        received.append(frame)
        if frame["type"] == frame_type:
            return received


def post(world, who="budi", body="pesan", client_id=None):
    return timeline_services.message_post(
        author=world[who], room_id=world["room"].pk, body=body, client_id=client_id or uuid.uuid4()
    )[0]


@pytest.fixture
def room(world):
    return world["room"].pk


async def test_join_replays_after_the_cursor_then_says_joined(world, room):
    for n in range(5):
        await database_sync_to_async(post)(world, body=f"m{n}")
    socket = await connect(world["andi"])
    await socket.send_json_to({"type": "join", "room": room, "after": 2, "ref": "j"})
    received = await frames_until(socket, "joined")
    assert [f["seq"] for f in received[:-1]] == [3, 4, 5]
    assert [f["body"] for f in received[:-1]] == ["m2", "m3", "m4"]
    assert received[-1] == {"type": "joined", "room": room, "head": 5, "ref": "j"}
    await socket.disconnect()


async def test_join_without_after_sends_the_last_fifty(world, room):
    for n in range(60):
        await database_sync_to_async(post)(world, body=f"m{n}")
    socket = await connect(world["andi"])
    await socket.send_json_to({"type": "join", "room": room})
    received = await frames_until(socket, "joined")
    assert [f["seq"] for f in received[:-1]] == list(range(11, 61))
    await socket.disconnect()


async def test_replay_comes_in_chunks_and_misses_nothing(world, room, monkeypatch):
    from messaging import selectors

    monkeypatch.setattr(selectors, "REPLAY_CHUNK", 7)
    for n in range(20):
        await database_sync_to_async(post)(world, body=f"m{n}")
    socket = await connect(world["andi"])
    await socket.send_json_to({"type": "join", "room": room, "after": 0})
    received = await frames_until(socket, "joined")
    assert [f["seq"] for f in received[:-1]] == list(range(1, 21))
    await socket.disconnect()


async def test_send_acks_and_reaches_the_other_members(world, room):
    sender, reader = await connect(world["budi"]), await connect(world["andi"])
    client_id = str(uuid.uuid4())
    await sender.send_json_to(
        {"type": "send", "room": room, "body": "Halo _semua_", "client_id": client_id, "ref": 1}
    )
    ack = (await frames_until(sender, "ack"))[-1]
    assert ack["client_id"] == client_id and ack["room"] == room and ack["seq"] == 1
    assert ack["ref"] == 1
    message = await reader.receive_json_from(5)
    assert message["type"] == "message" and message["id"] == ack["id"]
    assert message["html"] == "<p>Halo <em>semua</em></p>" and message["client_id"] == client_id
    # A repeated client_id acks the stored message and stores nothing.
    await sender.send_json_to(
        {"type": "send", "room": room, "body": "lagi", "client_id": client_id}
    )
    again = (await frames_until(sender, "ack"))[-1]
    assert again["id"] == ack["id"] and again["seq"] == 1
    assert await reader.receive_nothing(0.3)
    await sender.disconnect()
    await reader.disconnect()


async def test_a_message_posted_over_http_reaches_sockets(world, room, client):
    reader = await connect(world["andi"])
    await database_sync_to_async(client.force_login)(world["budi"])
    response = await database_sync_to_async(client.post)(
        f"/api/v1/rooms/{room}/messages",
        {"body": "lewat API", "client_id": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    frame = await reader.receive_json_from(5)
    assert frame["body"] == "lewat API" and frame["seq"] == 1
    await reader.disconnect()


async def test_edit_and_delete_ack_with_their_own_seqs(world, room):
    socket, reader = await connect(world["budi"]), await connect(world["andi"])
    message = await database_sync_to_async(post)(world, body="asli")
    assert (await reader.receive_json_from(5))["seq"] == 1
    await socket.send_json_to({"type": "edit", "message": message.pk, "body": "diubah"})
    edited_ack = (await frames_until(socket, "ack"))[-1]
    assert edited_ack["seq"] == 2
    edited = await reader.receive_json_from(5)
    assert edited == {**edited, "type": "message_edited", "seq": 2, "body": "diubah"}
    await socket.send_json_to({"type": "delete", "message": message.pk})
    assert (await frames_until(socket, "ack"))[-1]["seq"] == 3
    deleted = await reader.receive_json_from(5)
    assert deleted == {"type": "message_deleted", "room": room, "seq": 3, "id": message.pk}
    await socket.disconnect()
    await reader.disconnect()


async def test_replayed_events_come_in_their_current_form(world, room):
    message = await database_sync_to_async(post)(world, body="asli")
    await database_sync_to_async(timeline_services.message_edit)(
        by=world["budi"], message_id=message.pk, body="diubah"
    )
    await database_sync_to_async(timeline_services.message_delete)(
        by=world["budi"], message_id=message.pk
    )
    socket = await connect(world["andi"])
    await socket.send_json_to({"type": "join", "room": room, "after": 0})
    created, edited, deleted, joined = await frames_until(socket, "joined")
    assert created["seq"] == 1 and created["deleted"] and created["body"] is None
    assert edited["seq"] == 2 and edited["type"] == "message_edited" and edited["body"] is None
    assert deleted == {"type": "message_deleted", "room": room, "seq": 3, "id": message.pk}
    assert joined["head"] == 3
    await socket.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "join", "room": "7"}, "invalid_frame"),
        ({"type": "join", "room": True}, "invalid_frame"),
        ({"type": "join", "room": 1, "after": -1}, "invalid_frame"),
        ({"type": "join", "room": 999999}, "not_found"),
        (
            {"type": "send", "room": 999999, "body": "x", "client_id": str(uuid.uuid4())},
            "not_found",
        ),
        ({"type": "send", "room": "ROOM", "body": "", "client_id": "x"}, "invalid_frame"),
        (
            {"type": "send", "room": "ROOM", "body": "", "client_id": str(uuid.uuid4())},
            "invalid_frame",
        ),
        ({"type": "send", "room": "ROOM", "body": "x", "client_id": "nope"}, "invalid_frame"),
        (
            {"type": "send", "room": "ROOM", "body": "x" * 10_001, "client_id": str(uuid.uuid4())},
            "body_too_long",
        ),
        (
            {
                "type": "send",
                "room": "ROOM",
                "body": "x",
                "client_id": str(uuid.uuid4()),
                "attachments": [1],
            },
            "not_found",
        ),
        ({"type": "edit", "message": 999999, "body": "x"}, "not_found"),
        ({"type": "delete", "message": "1"}, "invalid_frame"),
        ({"type": "read", "room": "ROOM", "seq": "x"}, "invalid_frame"),
        ({"type": "typing", "room": 999999}, "forbidden"),
    ],
)
async def test_bad_frames_get_their_error_code_and_change_nothing(world, room, frame, code):
    socket = await connect(world["andi"])
    frame = {k: (room if v == "ROOM" else v) for k, v in frame.items()}
    await socket.send_json_to({**frame, "ref": "r"})
    error = await socket.receive_json_from(5)
    assert error["type"] == "error" and error["code"] == code and error["ref"] == "r"
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(5))["type"] == "pong"
    assert (await database_sync_to_async(lambda: world["room"].messages.count())()) == 0
    await socket.disconnect()


async def test_non_members_are_forbidden(world, room):
    socket = await connect(world["outsider"])
    await socket.send_json_to({"type": "join", "room": room})
    assert (await socket.receive_json_from(5))["code"] == "forbidden"
    await socket.send_json_to(
        {"type": "send", "room": room, "body": "x", "client_id": str(uuid.uuid4())}
    )
    assert (await socket.receive_json_from(5))["code"] == "forbidden"
    await socket.disconnect()


async def test_sending_too_fast_is_rate_limited_but_typing_and_ping_are_not(world, room, settings):
    settings.RAKOR_SEND_RATE_PER_SECOND = 2
    socket = await connect(world["budi"])
    codes = []
    for n in range(3):
        await socket.send_json_to(
            {"type": "send", "room": room, "body": "x", "client_id": str(uuid.uuid4()), "ref": n}
        )
        while (frame := await socket.receive_json_from(5)).get("ref") != n:
            pass  # the broadcast of an earlier message
        codes.append(frame.get("code", frame["type"]))
    assert codes == ["ack", "ack", "rate_limited"]
    await socket.send_json_to({"type": "ping"})
    while (frame := await socket.receive_json_from(5))["type"] != "pong":
        pass
    await socket.disconnect()


async def test_read_state_reaches_the_officials_other_sockets(world, room):
    phone, laptop = await connect(world["andi"]), await connect(world["andi"])
    for _ in range(3):
        await database_sync_to_async(post)(world)
    for socket in (phone, laptop):
        for _ in range(3):
            await socket.receive_json_from(5)
    await phone.send_json_to({"type": "read", "room": room, "seq": 2, "ref": 9})
    assert await phone.receive_json_from(5) == {
        "type": "read_state",
        "room": room,
        "seq": 2,
        "ref": 9,
    }
    assert await laptop.receive_json_from(5) == {"type": "read_state", "room": room, "seq": 2}
    assert await phone.receive_nothing(0.3)
    await phone.disconnect()
    await laptop.disconnect()


async def test_typing_reaches_others_with_the_room_open_only(world, room):
    typist, watcher, elsewhere = (
        await connect(world["budi"]),
        await connect(world["andi"]),
        await connect(world["nurul"]),
    )
    await watcher.send_json_to({"type": "join", "room": room, "after": 0})
    await frames_until(watcher, "joined")
    await typist.send_json_to({"type": "typing", "room": room})
    typing = (await frames_until(watcher, "typing"))[-1]
    assert typing == {
        "type": "typing",
        "room": room,
        "author": {"username": "budi", "name": world["budi"].display_name},
    }
    assert await elsewhere.receive_nothing(0.3)  # nurul has not joined the room
    assert await typist.receive_nothing(0.1)  # not echoed to the typist
    await watcher.send_json_to({"type": "leave", "room": room})
    assert (await watcher.receive_json_from(5))["type"] == "left"
    await asyncio.sleep(2.1)  # typing announcements are spaced
    await typist.send_json_to({"type": "typing", "room": room})
    assert await watcher.receive_nothing(0.3)
    for socket in (typist, watcher, elsewhere):
        await socket.disconnect()


async def test_pong_carries_the_heads_of_joined_rooms(world, room):
    socket = await connect(world["andi"])
    await socket.send_json_to({"type": "join", "room": room, "after": 0})
    await frames_until(socket, "joined")
    await database_sync_to_async(post)(world)
    await socket.receive_json_from(5)
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(5) == {"type": "pong", "heads": {str(room): 1}}
    await socket.disconnect()


async def test_membership_changes_take_effect_on_open_sockets_at_once(world, room):
    socket = await connect(world["outsider"])
    await database_sync_to_async(room_services.room_members_add)(
        by=world["budi"], room_id=room, members=["outsider"]
    )
    added = await socket.receive_json_from(5)
    assert added["type"] == "room_added" and added["room"]["id"] == room
    await database_sync_to_async(post)(world, body="sekarang terlihat")
    assert (await socket.receive_json_from(5))["body"] == "sekarang terlihat"
    await database_sync_to_async(room_services.room_member_remove)(
        by=world["budi"], room_id=room, username="outsider"
    )
    assert await socket.receive_json_from(5) == {"type": "room_removed", "room": room}
    await database_sync_to_async(post)(world, body="tidak lagi")
    assert await socket.receive_nothing(0.3)
    await socket.disconnect()


async def test_an_archived_room_is_announced(world, room):
    socket = await connect(world["andi"])
    await database_sync_to_async(room_services.room_archive)(by=world["budi"], room_id=room)
    frame = await socket.receive_json_from(5)
    assert frame["type"] == "room_updated" and frame["room"]["archived"] is True
    await socket.disconnect()


async def test_a_dropped_broadcast_is_filled_from_the_database(world, room, monkeypatch):
    socket = await connect(world["andi"])
    await database_sync_to_async(post)(world, body="satu")
    assert (await socket.receive_json_from(5))["seq"] == 1
    real_send = realtime._group_send
    monkeypatch.setattr(realtime, "_group_send", lambda group, event: None)  # seq 2 dropped
    await database_sync_to_async(post)(world, body="dua")
    monkeypatch.setattr(realtime, "_group_send", real_send)
    assert await socket.receive_nothing(0.3)
    await database_sync_to_async(post)(world, body="tiga")
    two, three = await socket.receive_json_from(5), await socket.receive_json_from(5)
    assert (two["seq"], two["body"]) == (2, "dua") and (three["seq"], three["body"]) == (3, "tiga")
    await socket.disconnect()


async def test_a_live_event_already_sent_is_dropped(world, room):
    socket = await connect(world["andi"])
    message = await database_sync_to_async(post)(world)
    frame = await socket.receive_json_from(5)
    # The layer delivers the same event again (a retry, a second process): not repeated.
    layer = get_channel_layer()
    await layer.group_send(
        events.room_group(room),
        {"type": "room.event", "group": events.room_group(room), "frame": frame},
    )
    assert await socket.receive_nothing(0.3)
    assert frame["id"] == message.pk
    await socket.disconnect()


async def test_resume_after_a_gap_delivers_each_event_once_in_order(world, room):
    socket = await connect(world["andi"])
    await socket.send_json_to({"type": "join", "room": room, "after": 0})
    await frames_until(socket, "joined")
    for n in range(3):
        await database_sync_to_async(post)(world, body=f"a{n}")
    seen = [(await socket.receive_json_from(5))["seq"] for _ in range(3)]
    await socket.disconnect()
    for n in range(4):  # while offline
        await database_sync_to_async(post)(world, body=f"b{n}")
    socket = await connect(world["andi"])
    await socket.send_json_to({"type": "join", "room": room, "after": seen[-1]})
    replayed = await frames_until(socket, "joined")
    assert [f["seq"] for f in replayed[:-1]] == [4, 5, 6, 7]
    await socket.disconnect()


async def test_rejoins_racing_with_sends_give_a_gapless_repeat_free_stream(world, room):
    """The seam: while another official sends a steady stream, a socket keeps rejoining from
    the last seq it has; between two joins (a join resets the cursor), every seq it receives
    follows the previous one exactly, and in the end it has them all."""
    sends = 120
    total = sends + sends // 4  # every fourth message is edited once

    def writer():
        for n in range(sends):
            message = post(world, who="budi", body=f"s{n}")
            if n % 4 == 0:  # edits take seqs too, from the other table
                timeline_services.message_edit(by=world["budi"], message_id=message.pk, body="e")

    socket = await connect(world["andi"])
    thread = in_background(writer)
    stream: list[int] = []  # every seq, in the order the socket sent them
    resets: list[int] = []  # the `after` of each join, in order
    last = 0
    while not (thread.done.is_set() and last == total):
        thread.check()  # the writer failed: say why, rather than wait for seqs never sent
        resets.append(last)
        await socket.send_json_to({"type": "join", "room": room, "after": last})
        for frame in await frames_until(socket, "joined", timeout=20):
            if frame["type"] != "joined":
                stream.append(frame["seq"])
                last = max(last, frame["seq"])
        # Some live events too before rejoining (receive_nothing peeks without the
        # communicator's timeout, which would cancel the application).
        for _ in range(3):
            if await socket.receive_nothing(0.02):
                break
            frame = await socket.receive_json_from(5)
            stream.append(frame["seq"])
            last = max(last, frame["seq"])
    thread.join(30)
    await socket.disconnect()

    pending_resets = list(resets)
    previous = 0
    for seq in stream:
        if seq == previous + 1:
            previous = seq
            continue
        # Anything else must be the restart of a replay after a later join's `after`.
        while pending_resets and pending_resets[0] + 1 != seq:
            pending_resets.pop(0)
        assert pending_resets, f"{seq} after {previous} is neither next nor a replay start"
        pending_resets.pop(0)
        previous = seq
    assert set(stream) == set(range(1, total + 1)) and stream[-1] == total


async def test_join_resets_the_cursor_to_after(world, room):
    socket = await connect(world["andi"])
    for _ in range(4):
        await database_sync_to_async(post)(world)
    assert [(await socket.receive_json_from(5))["seq"] for _ in range(4)] == [1, 2, 3, 4]
    await socket.send_json_to({"type": "join", "room": room, "after": 2})
    replayed = await frames_until(socket, "joined")
    assert [f["seq"] for f in replayed[:-1]] == [3, 4]  # sent again: the client asked for them
    await database_sync_to_async(post)(world)
    assert (await socket.receive_json_from(5))["seq"] == 5
    await socket.disconnect()


async def test_forwarding_live_events_in_order_asks_the_database_nothing(world, room, monkeypatch):
    from messaging import socket as messaging_socket

    socket = await connect(world["andi"])
    message = await database_sync_to_async(post)(world)
    first = await socket.receive_json_from(5)

    def no_database(*args, **kwargs):
        raise AssertionError("the consumer asked the database while forwarding")

    monkeypatch.setattr(messaging_socket, "database_sync_to_async", no_database)
    layer = get_channel_layer()
    for seq in (2, 3, 4):
        frame = {**first, "seq": seq, "id": message.pk}
        await layer.group_send(
            events.room_group(room),
            {"type": "room.event", "group": events.room_group(room), "frame": frame},
        )
    assert [(await socket.receive_json_from(5))["seq"] for _ in range(3)] == [2, 3, 4]
    await socket.disconnect()


async def test_a_failing_service_answers_unavailable_and_the_socket_lives(world, room, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(timeline_services, "message_post", broken)
    socket = await connect(world["andi"])
    await socket.send_json_to(
        {"type": "send", "room": room, "body": "x", "client_id": str(uuid.uuid4()), "ref": 2}
    )
    error = await socket.receive_json_from(5)
    assert error["code"] == "unavailable" and error["ref"] == 2
    assert "fire" not in error["message"]  # internals stay on the server
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(5))["type"] == "pong"
    await socket.disconnect()


async def test_a_dropped_membership_event_is_repaired_on_the_next_recheck(world, room, monkeypatch):
    from coordination.organisation import socket_auth as ws_auth

    socket = await connect(world["outsider"])
    monkeypatch.setattr(realtime, "_group_send", lambda group, event: None)  # dropped
    await database_sync_to_async(room_services.room_members_add)(
        by=world["budi"], room_id=room, members=["outsider"]
    )
    monkeypatch.undo()
    assert await socket.receive_nothing(0.3)
    monkeypatch.setattr(ws_auth, "RECHECK_SECONDS", -1)
    await socket.send_json_to({"type": "ping"})
    added = await socket.receive_json_from(5)
    assert added["type"] == "room_added" and added["room"]["id"] == room
    assert (await socket.receive_json_from(5))["type"] == "pong"
    await database_sync_to_async(post)(world, body="kini sampai")
    assert (await socket.receive_json_from(5))["body"] == "kini sampai"
    await socket.disconnect()


async def test_presence_reaches_sockets_with_the_room_open(world, room):
    watcher = await connect(world["andi"])
    await watcher.send_json_to({"type": "join", "room": room, "after": 0})
    await frames_until(watcher, "joined")
    budi = await connect(world["budi"])
    assert (await watcher.receive_json_from(5)) == {
        "type": "presence",
        "room": room,
        "username": "budi",
        "state": "online",
    }
    await budi.send_json_to({"type": "presence", "state": "away"})
    assert (await watcher.receive_json_from(5))["state"] == "away"
    # A page flipping between shown and hidden does not flood the room: quick changes wait
    # for the next ping, which announces the last one.
    for state in ("online", "away", "online"):
        await budi.send_json_to({"type": "presence", "state": state})
    assert await watcher.receive_nothing(0.3)
    await budi.send_json_to({"type": "ping"})
    assert (await watcher.receive_json_from(5))["state"] == "online"
    assert (await budi.receive_json_from(5))["type"] == "pong"
    await budi.send_json_to({"type": "presence", "state": "sleeping"})
    assert (await budi.receive_json_from(5))["code"] == "invalid_frame"
    await budi.disconnect()
    assert (await watcher.receive_json_from(5))["state"] == "offline"
    # A socket that has not opened the room hears nothing of presence.
    other = await connect(world["nurul"])
    budi = await connect(world["budi"])
    assert await other.receive_nothing(0.3)
    for socket in (watcher, other, budi):
        await socket.disconnect()


async def test_joining_shows_who_is_here(world, room):
    budi = await connect(world["budi"])
    sari = await connect(world["sari"])
    await sari.send_json_to({"type": "presence", "state": "away"})
    await asyncio.sleep(0.1)
    andi = await connect(world["andi"])
    await andi.send_json_to({"type": "join", "room": room, "after": 0})
    await frames_until(andi, "joined")
    here = {}
    while not await andi.receive_nothing(0.3):
        frame = await andi.receive_json_from(5)
        here[frame["username"]] = frame["state"]
    assert here == {"budi": "online", "sari": "away"}  # nurul is offline: not listed
    for socket in (budi, sari, andi):
        await socket.disconnect()


async def test_acknowledging_over_the_socket_updates_the_sender_live(world, room):
    message, _ = await database_sync_to_async(timeline_services.message_post)(
        author=world["budi"],
        room_id=room,
        body="Kirim data",
        client_id=uuid.uuid4(),
        directive=Directive(ack_by="agency"),
    )
    sender = await connect(world["budi"])
    member = await connect(world["nurul"])
    await member.send_json_to({"type": "acknowledge", "message": message.pk, "ref": "a"})
    reply = (await frames_until(member, "acknowledged"))[-1]
    assert reply["acknowledged_by_me"] and reply["ref"] == "a" and not reply["complete"]
    state = (await frames_until(sender, "directive_state"))[-1]
    assert state["message"] == message.pk
    assert [a["username"] for a in state["acknowledged"]] == ["nurul"]
    assert [p["agency"] for p in state["pending"]] == ["kemendagri"]
    await member.send_json_to({"type": "acknowledge", "message": 999999})
    assert (await frames_until(member, "error"))[-1]["code"] == "not_found"
    await sender.disconnect()
    await member.disconnect()


async def test_a_mention_arrives_as_a_notification(world, room):
    andi = await connect(world["andi"])
    await database_sync_to_async(post)(world, body="@andi mohon tanggapan")
    frames = await frames_until(andi, "notification")
    note = frames[-1]
    assert note["kind"] == "mention" and note["link"].startswith(f"/messages/{room}?seq=")
    await andi.disconnect()


async def test_an_official_in_many_rooms_connecting_costs_no_one_a_message(world):
    """Connecting announces presence to each of the official's rooms; for two officials who
    share 150 rooms those announcements must not fill the other's channel and push out the
    first message posted after (the in-memory layer drops what does not fit)."""

    @database_sync_to_async
    def many_rooms():
        for n in range(150):
            room_services.room_create_coordination(
                by=world["budi"], name=f"Rakor {n}", members=["sari"]
            )

    await many_rooms()
    sari = await connect(world["sari"])
    budi = await connect(world["budi"])
    try:
        await database_sync_to_async(post)(world, body="yang pertama")
        frames = await frames_until(sari, "message")
        assert frames[-1]["body"] == "yang pertama"
    finally:
        await sari.disconnect()
        await budi.disconnect()
