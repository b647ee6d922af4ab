"""Fan-out benchmark (not part of the test suite): one room, many sockets, one daphne.

    python bench/fanout.py                       # this tree, embedded default
    python bench/fanout.py --tree /tmp/before .  # two trees, alternating, in one run

Each tree gets its own scratch SQLite database with the demo data and its own daphne process
on the in-memory channel layer. SOCKETS sockets of one official (sari) join her agency's room;
another official (budi) sends MESSAGES messages over his socket, one at a time, each after the
previous one reached every socket. For each message the time from the send to its arrival on
every socket is recorded: p50 and p99 over all deliveries, and the time until the last socket
had it. With several trees, the rounds alternate (A B A B ...), so that both meet the same
machine, and the per-tree figures are medians over their rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SOCKETS = int(os.environ.get("BENCH_SOCKETS", "300"))
MESSAGES = int(os.environ.get("BENCH_FANOUT_MESSAGES", "40"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A scratch database with the demo data, and one daphne process, for one tree."""

    def __init__(self, tree: Path) -> None:
        self.tree = tree
        self.scratch = Path(tempfile.mkdtemp(prefix="rakor-fanout-"))
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL") and not key.startswith("RAKOR_")
        }
        self.env.update(
            RAKOR_VAR_DIR=str(self.scratch),
            RAKOR_INPROCESS_JOBS="0",
            RAKOR_SEND_RATE_PER_SECOND="100000",
        )
        self.manage("migrate", "--noinput")
        self.manage("seed_demo")
        self.sender = self.manage("create_token", "budi", "--name", "bench").strip()
        self.reader = self.manage("create_token", "sari", "--name", "bench").strip()
        self.port = free_port()
        # The tree's production entry; a tree from before it had one runs stock daphne.
        has_serve = (tree / "coordination" / "platform" / "serve.py").exists()
        entry = ["-m", "coordination.platform.serve"] if has_serve else ["-m", "daphne"]
        self.process = subprocess.Popen(
            [
                sys.executable,
                *entry,
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "coordination.asgi:application",
            ],
            cwd=tree,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        rooms = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/v1/rooms",
            headers={"Authorization": f"Bearer {self.sender}"},
        )
        self.room = next(
            r["id"]
            for r in json.load(urllib.request.urlopen(rooms))["items"]
            if r["kind"] == "agency"
        )

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.tree,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


async def arrival(ws, body: str) -> float:
    """When the message with `body` reached this socket."""
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("type") == "message" and frame.get("body") == body:
            return time.perf_counter()


async def one_round(server: Server) -> tuple[list[float], list[float]]:
    """Every delivery's latency, and for each message the time until the last socket had it."""
    import websockets

    url = f"ws://127.0.0.1:{server.port}/ws/"

    def connect(token: str):
        return websockets.connect(
            url,
            additional_headers={"Authorization": f"Bearer {token}"},
            open_timeout=60,
            ping_interval=None,
            max_queue=None,
        )

    async def join(ws) -> None:
        await ws.send(json.dumps({"type": "join", "room": server.room}))
        while json.loads(await ws.recv())["type"] != "joined":
            pass

    readers = []
    for _ in range(SOCKETS):
        ws = await connect(server.reader).__aenter__()
        readers.append(ws)
    await asyncio.gather(*(join(ws) for ws in readers))
    deliveries: list[float] = []
    last: list[float] = []
    async with connect(server.sender) as sender:
        await join(sender)
        for n in range(MESSAGES):
            body = f"fanout {n} {uuid.uuid4()}"

            waiting = [asyncio.ensure_future(arrival(ws, body)) for ws in readers]
            start = time.perf_counter()
            await sender.send(
                json.dumps(
                    {
                        "type": "send",
                        "room": server.room,
                        "body": body,
                        "client_id": str(uuid.uuid4()),
                    }
                )
            )
            arrived = await asyncio.wait_for(asyncio.gather(*waiting), 120)
            deliveries.extend(t - start for t in arrived)
            last.append(max(arrived) - start)
    for ws in readers:
        await ws.close()
    return deliveries, last


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", action="append", type=Path, help="a checkout to measure")
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "3")))
    args = parser.parse_args()
    trees = [t.resolve() for t in (args.tree or [BASE_DIR])]
    servers = [Server(tree) for tree in trees]
    figures: dict[Path, list[tuple[float, float, float]]] = {tree: [] for tree in trees}
    try:
        for _repeat in range(args.repeat):
            for server in servers:  # alternating: A B A B ...
                deliveries, last = asyncio.run(one_round(server))
                figures[server.tree].append(
                    (
                        percentile(deliveries, 0.50),
                        percentile(deliveries, 0.99),
                        statistics.median(last) * 1000,
                    )
                )
    finally:
        for server in servers:
            server.stop()
    print(
        f"Fan-out: one room, {SOCKETS} sockets of one official, {MESSAGES} messages a round, "
        f"one daphne, in-memory layer; {args.repeat} rounds per tree, alternating"
    )
    print(f"{'tree':<40} {'p50 ms':>9} {'p99 ms':>9} {'all had it ms':>14}   rounds (p50/p99)")
    for tree, rounds in figures.items():
        p50 = statistics.median(r[0] for r in rounds)
        p99 = statistics.median(r[1] for r in rounds)
        everyone = statistics.median(r[2] for r in rounds)
        each = " ".join(f"{r[0]:.0f}/{r[1]:.0f}" for r in rounds)
        print(f"{tree!s:<40} {p50:>9.1f} {p99:>9.1f} {everyone:>14.1f}   {each}")


if __name__ == "__main__":
    main()
