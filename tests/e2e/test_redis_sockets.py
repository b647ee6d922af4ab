"""Sockets on the Redis stack, with real daphne processes and real Redis servers.

- 300 sockets of one official, opened in one burst, then a minute of one message a second:
  every socket stays open and receives every message once, in order.
- A slow Redis (a server of the test's own, paused with DEBUG SLEEP longer than the
  connections' read timeout) costs retries, never a socket.
- A Redis that stays down closes sockets with 4503, the code the page reconnects from.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import time
import urllib.request
import uuid

import pytest
import websockets

from coordination.organisation.services import token_create
from tests.conftest import free_port, wait_for
from tests.processes import same_stack_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.needs_redis]

CRASH = "Exception inside application"


class RedisServer:
    """A redis-server of the test's own on a free port, that the test may pause or kill."""

    def __init__(self, tmp_path) -> None:
        self.port = free_port()
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp_path),
                "--enable-debug-command",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, timeout=10, what=f"redis-server on {self.port}")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_timeout=1).ping()
        except redis.exceptions.RedisError:
            return False

    def sleep(self, seconds: float) -> None:
        """The whole server stops answering for `seconds` (from another thread)."""
        import redis

        redis.Redis(port=self.port, socket_timeout=seconds + 5).execute_command(
            "DEBUG", "SLEEP", seconds
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


def connect(address: str, token: str):
    return websockets.connect(
        f"ws://{address}/ws/",
        additional_headers={"Authorization": f"Bearer {token}"},
        open_timeout=60,
        ping_interval=None,
        max_queue=None,
    )


async def joined(ws, room: int) -> int:
    await ws.send(json.dumps({"type": "join", "room": room}))
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if frame["type"] == "joined":
            return frame["head"]


def post(address: str, token: str, room: int, body: str) -> int:
    request = urllib.request.Request(
        f"http://{address}/api/v1/rooms/{room}/messages",
        data=json.dumps({"body": body, "client_id": str(uuid.uuid4())}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["seq"]


# A minute of traffic by design, after two daphne processes start and 300 sockets connect:
# 107 s alone on this 2-core machine, so the suite's 120 s default is no bound for it.
@pytest.mark.timeout(360)
def test_three_hundred_sockets_through_a_connect_burst_and_a_minute_of_traffic(
    daphne_server, world
):
    room = world["room"].pk
    address = daphne_server(same_stack_env())
    [daphne] = daphne_server.processes
    reader = token_create(official=world["sari"], name="sockets")[1]
    writer = token_create(official=world["budi"], name="writer")[1]
    count, minute = 300, 60

    async def one_socket(ready: asyncio.Event, done: asyncio.Event, results: list):
        async with connect(address, reader) as ws:
            head = await joined(ws, room)
            ready.set()
            seqs = []
            while not done.is_set() or len(seqs) < minute:
                try:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 20))
                except TimeoutError:
                    break
                if frame["type"] == "message" and frame["seq"] > head:
                    seqs.append(frame["seq"])
                if done.is_set() and len(seqs) >= minute:
                    break
            results.append((seqs, ws.close_code))

    async def scenario():
        results: list = []
        done = asyncio.Event()
        readies = [asyncio.Event() for _ in range(count)]
        # The burst: every socket at once.
        tasks = [asyncio.create_task(one_socket(r, done, results)) for r in readies]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
        sent = []
        for n in range(minute):
            sent.append(await asyncio.to_thread(post, address, writer, room, f"Pesan {n}"))
            await asyncio.sleep(1)
        done.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
        return sent, results

    sent, results = asyncio.run(scenario())
    assert len(results) == count
    closed = [code for _seqs, code in results if code is not None]
    assert closed == [], f"{len(closed)} sockets were closed: {set(closed)}"
    for seqs, _code in results:
        assert seqs == sent  # each message once, in order, on every socket
    assert CRASH not in daphne.output()


def test_a_slow_redis_costs_retries_not_sockets(daphne_server, world, own_redis):
    """Each pause is longer than the connections' read timeout (1 s here): the socket's
    blocking read fails, is retried, and the socket goes on."""
    room = world["room"].pk
    env = same_stack_env(
        REDIS_URL=own_redis.url, RAKOR_REDIS_SOCKET_TIMEOUT="1", RAKOR_LAYER_OUTAGE_SECONDS="30"
    )
    address = daphne_server(env)
    [daphne] = daphne_server.processes
    reader = token_create(official=world["sari"], name="sockets")[1]
    writer = token_create(official=world["budi"], name="writer")[1]

    async def scenario():
        async with connect(address, reader) as ws:
            head = await joined(ws, room)
            seqs = []
            for n in range(3):
                await asyncio.to_thread(own_redis.sleep, 2.5)
                seqs.append(await asyncio.to_thread(post, address, writer, room, f"Lambat {n}"))
            got = []
            while len(got) < len(seqs):
                frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                if frame["type"] == "message" and frame["seq"] > head:
                    got.append(frame["seq"])
            await ws.send(json.dumps({"type": "ping"}))
            while json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] != "pong":
                pass
            return seqs, got, ws.close_code

    seqs, got, close_code = asyncio.run(scenario())
    assert got == seqs and close_code is None
    log = daphne.output()
    assert CRASH not in log
    assert "channel layer receive failed" in log  # the pauses were felt, and retried


def test_a_redis_that_stays_down_closes_sockets_with_the_reconnect_code(
    daphne_server, world, own_redis
):
    env = same_stack_env(REDIS_URL=own_redis.url, RAKOR_LAYER_OUTAGE_SECONDS="3")
    address = daphne_server(env)
    [daphne] = daphne_server.processes
    reader = token_create(official=world["sari"], name="sockets")[1]

    async def scenario():
        async with connect(address, reader) as ws:
            await joined(ws, world["room"].pk)
            started = time.monotonic()
            own_redis.stop()
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 60)
            except websockets.ConnectionClosed:
                pass
            return ws.close_code, time.monotonic() - started

    code, after = asyncio.run(scenario())
    assert code == 4503, code
    assert after < 30
    assert CRASH not in daphne.output()
