"""Benchmarks (not part of the test suite): latency of a real daphne process.

    make bench                      # embedded default
    DATABASE_URL=... REDIS_URL=... make bench

Starts one daphne process on a scratch database (a temporary SQLite file, or a temporary
database created beside DATABASE_URL's and dropped after) with the demo data, and measures,
over many sequential requests from one client: GET /healthz, GET /api/v1/me with a Bearer
token, and a WebSocket handshake followed by ping/pong, messages, scheduling meetings and
the calendar feed. Prints median, p95 and throughput.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "300"))
# Scheduling writes a meeting, its room and its mail: fewer rounds, and a feed that size.
MEETING_ROUNDS = int(os.environ.get("BENCH_MEETING_ROUNDS", "100"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def summarise(name: str, samples: list[float]) -> str:
    samples = sorted(samples)
    p50 = statistics.median(samples) * 1000
    p95 = samples[int(len(samples) * 0.95) - 1] * 1000
    rate = len(samples) / sum(samples)
    return f"{name:<34} {len(samples):>5} {p50:>9.2f} {p95:>9.2f} {rate:>9.0f}"


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="rakor-bench-"))
    # The send rate limit is lifted: this measures the server, not the policy.
    env = {
        **os.environ,
        "RAKOR_VAR_DIR": str(scratch),
        "RAKOR_INPROCESS_JOBS": "0",
        "RAKOR_SEND_RATE_PER_SECOND": "100000",
    }
    scratch_db = None
    if env.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        scratch_db = f"rakor_bench_{os.getpid()}"
        env["DATABASE_URL"] = postgres_admin(env["DATABASE_URL"], f"CREATE DATABASE {scratch_db}")
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    run("migrate", "--noinput")
    run("seed_demo")
    token = run("create_token", "budi", "--name", "bench").stdout.strip()
    reader = run("create_token", "sari", "--name", "bench").stdout.strip()
    port = free_port()
    daphne = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coordination.platform.serve",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "coordination.asgi:application",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        results = [
            summarise("GET /healthz", timed_http(f"{base}/healthz", {})),
            summarise(
                "GET /api/v1/me (Bearer)",
                timed_http(f"{base}/api/v1/me", {"Authorization": f"Bearer {token}"}),
            ),
        ]
        handshake, ping = asyncio.run(timed_socket(port, token))
        results.append(summarise("WebSocket handshake (Bearer)", handshake))
        results.append(summarise("WebSocket ping -> pong", ping))
        room = next(
            r["id"]
            for r in json.load(
                urllib.request.urlopen(
                    urllib.request.Request(
                        f"{base}/api/v1/rooms", headers={"Authorization": f"Bearer {token}"}
                    )
                )
            )["items"]
            if r["kind"] == "agency"
        )
        created, feed, unchanged = timed_meetings(base, token)
        results.append(summarise("POST /api/v1/meetings (4 invited)", created))
        results.append(summarise(f"GET feed .ics ({len(created) + 2} meetings)", feed))
        results.append(summarise("GET feed .ics, unchanged (304)", unchanged))
        acks, deliveries, burst = asyncio.run(timed_messages(port, token, reader, room))
        results.append(summarise("send -> ack", acks))
        results.append(summarise("send -> other member receives", deliveries))
        results.append(
            f"{'burst of ' + str(len(burst)) + ' sends, all received':<34} "
            f"{len(burst):>5} {'':>9} {'':>9} {len(burst) / sum(burst):>9.0f}"
        )
    finally:
        daphne.terminate()
        daphne.wait(10)
        if scratch_db:
            postgres_admin(os.environ["DATABASE_URL"], f"DROP DATABASE {scratch_db}")
    stack = "PostgreSQL + Redis" if os.environ.get("DATABASE_URL") else "embedded (SQLite)"
    print(f"Rakor benchmarks, one daphne process, {stack}, {ROUNDS} rounds each")
    print(f"{'what':<34} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'per s':>9}")
    print("\n".join(results))


def postgres_admin(url: str, statement: str) -> str:
    """Run `statement` on the server of `url`; return `url` pointing at the scratch database."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(statement)
    return urlunsplit(parts._replace(path=f"/{statement.split()[-1]}"))


def timed_http(url: str, headers: dict[str, str], *, rounds: int = ROUNDS) -> list[float]:
    samples = []
    for _ in range(rounds):
        request = urllib.request.Request(url, headers=headers)
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            assert response.status == 200
        samples.append(time.perf_counter() - start)
    return samples


def timed_meetings(base: str, token: str) -> tuple[list[float], list[float], list[float]]:
    """Schedule MEETING_ROUNDS meetings (each on its own day, 4 officials invited: their
    invitations go to the outbox), then fetch budi's subscription feed holding them all, in
    full and answered 304 by its ETag, MEETING_ROUNDS times each."""
    from datetime import UTC, datetime, timedelta

    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    first = datetime.now(UTC).replace(hour=2, minute=0, second=0, microsecond=0)
    created = []
    for n in range(MEETING_ROUNDS):
        start = first + timedelta(days=n + 1)
        body = {
            "title": f"Rakor bench {n}",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
            "participants": [
                {"username": u, "role": "required"} for u in ("sari", "andi", "nurul", "yohanes")
            ],
        }
        request = urllib.request.Request(
            f"{base}/api/v1/meetings", data=json.dumps(body).encode(), headers=auth
        )
        begin = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            assert response.status == 201
        created.append(time.perf_counter() - begin)
    request = urllib.request.Request(f"{base}/api/v1/me/calendar-feed", headers=auth)
    feed_url = json.load(urllib.request.urlopen(request))["url"]
    path = feed_url[feed_url.index("/calendar/") :]
    feed = timed_http(f"{base}{path}", {}, rounds=MEETING_ROUNDS)
    etag = urllib.request.urlopen(f"{base}{path}").headers["ETag"]
    unchanged = []
    for _ in range(MEETING_ROUNDS):
        request = urllib.request.Request(f"{base}{path}", headers={"If-None-Match": etag})
        begin = time.perf_counter()
        try:
            urllib.request.urlopen(request, timeout=10)
        except urllib.error.HTTPError as exc:
            assert exc.code == 304
        unchanged.append(time.perf_counter() - begin)
    return created, feed, unchanged


async def timed_socket(port: int, token: str) -> tuple[list[float], list[float]]:
    import websockets

    handshakes, pings = [], []
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(max(ROUNDS // 3, 20)):
        start = time.perf_counter()
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/", additional_headers=headers):
            handshakes.append(time.perf_counter() - start)
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws/", additional_headers=headers) as ws:
        for n in range(ROUNDS):
            start = time.perf_counter()
            await ws.send(json.dumps({"type": "ping", "ref": n}))
            await ws.recv()
            pings.append(time.perf_counter() - start)
    return handshakes, pings


async def timed_messages(port: int, sender: str, reader: str, room: int):
    """Send one message at a time (ack and delivery latency), then a burst."""
    import uuid

    import websockets

    url = f"ws://127.0.0.1:{port}/ws/"
    acks, deliveries = [], []
    async with (
        websockets.connect(url, additional_headers={"Authorization": f"Bearer {sender}"}) as a,
        websockets.connect(url, additional_headers={"Authorization": f"Bearer {reader}"}) as b,
    ):
        for n in range(ROUNDS):
            start = time.perf_counter()
            await a.send(
                json.dumps(
                    {
                        "type": "send",
                        "room": room,
                        "body": f"bench {n}",
                        "client_id": str(uuid.uuid4()),
                    }
                )
            )
            while json.loads(await a.recv())["type"] != "ack":
                pass
            acks.append(time.perf_counter() - start)
            while json.loads(await b.recv()).get("body") != f"bench {n}":
                pass
            deliveries.append(time.perf_counter() - start)
        count = ROUNDS
        start = time.perf_counter()
        for n in range(count):
            await a.send(
                json.dumps(
                    {
                        "type": "send",
                        "room": room,
                        "body": f"burst {n}",
                        "client_id": str(uuid.uuid4()),
                    }
                )
            )
        received = 0
        while received < count:
            frame = json.loads(await b.recv())
            if frame.get("type") == "message" and frame["body"].startswith("burst"):
                received += 1
        elapsed = time.perf_counter() - start
    return acks, deliveries, [elapsed / count] * count


if __name__ == "__main__":
    main()
