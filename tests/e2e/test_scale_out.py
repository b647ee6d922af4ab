"""Two daphne processes on one Redis behave as one server."""

from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid

import pytest
import websockets

from coordination.organisation.services import token_create
from tests.processes import same_stack_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.needs_redis]


async def join(ws, room: int) -> None:
    await ws.send(json.dumps({"type": "join", "room": room, "after": 0}))
    while json.loads(await ws.recv())["type"] != "joined":
        pass


async def messages(ws, count: int) -> list[dict]:
    received = []
    while len(received) < count:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == "message":
            received.append(frame)
    return received


def test_clients_on_two_processes_see_each_others_messages_in_order(daphne_server, world):
    room = world["room"].pk
    first = daphne_server(same_stack_env())
    second = daphne_server(same_stack_env())
    budi = token_create(official=world["budi"], name="e2e")[1]
    andi = token_create(official=world["andi"], name="e2e")[1]

    async def scenario():
        async with (
            websockets.connect(
                f"ws://{first}/ws/", additional_headers={"Authorization": f"Bearer {budi}"}
            ) as a,
            websockets.connect(
                f"ws://{second}/ws/", additional_headers={"Authorization": f"Bearer {andi}"}
            ) as b,
        ):
            await join(a, room)
            await join(b, room)
            for n in range(20):
                await a.send(
                    json.dumps(
                        {
                            "type": "send",
                            "room": room,
                            "body": f"dari 1: {n}",
                            "client_id": str(uuid.uuid4()),
                        }
                    )
                )
            from_first = await messages(b, 20)
            await b.send(
                json.dumps(
                    {"type": "send", "room": room, "body": "dari 2", "client_id": str(uuid.uuid4())}
                )
            )
            (reply,) = [m for m in await messages(a, 21) if m["body"] == "dari 2"]
            # A message posted over HTTP to one process reaches a socket on the other.
            request = urllib.request.Request(
                f"http://{second}/api/v1/rooms/{room}/messages",
                data=json.dumps({"body": "lewat HTTP", "client_id": str(uuid.uuid4())}).encode(),
                headers={"Authorization": f"Bearer {andi}", "Content-Type": "application/json"},
                method="POST",
            )
            status = await asyncio.to_thread(
                lambda: urllib.request.urlopen(request, timeout=10).status
            )
            assert status == 201
            (over_http,) = await messages(a, 1)
            return from_first, reply, over_http

    from_first, reply, over_http = asyncio.run(scenario())
    assert [m["body"] for m in from_first] == [f"dari 1: {n}" for n in range(20)]
    assert [m["seq"] for m in from_first] == list(range(1, 21))
    assert reply["seq"] == 21 and over_http["seq"] == 22 and over_http["body"] == "lewat HTTP"
