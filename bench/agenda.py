"""Agenda benchmark (not part of the test suite): how soon an agenda change made over the API
shows on the other pages following the meeting.

    python bench/agenda.py

A scratch SQLite database with the demo data and one daphne process on the in-memory channel
layer (as bench/fanout.py). BENCH_AGENDA_SOCKETS sockets of the demo meeting's participants
subscribe to it; its organiser (budi) changes one agenda item CHANGES times over the API
(PATCH /api/v1/agenda-items/{id}, each with the version it edits), one at a time, each after
the previous change reached every socket. For each change the time from sending the request
to the `agenda_item` frame on each socket is recorded: p50 and p99 over all deliveries, and
the time until the last socket had it. The target: well under a second.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fanout import BASE_DIR, Server, percentile

SOCKETS = int(os.environ.get("BENCH_AGENDA_SOCKETS", "60"))
CHANGES = int(os.environ.get("BENCH_AGENDA_CHANGES", "40"))
FOLLOWERS = ("andi", "yohanes", "sari", "nurul")


def call(server: Server, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/api/v1{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {server.sender}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


async def arrival(ws, item: int, version: int) -> float:
    while True:
        frame = json.loads(await ws.recv())
        if (
            frame.get("type") == "agenda_item"
            and frame["item"]["id"] == item
            and frame["item"]["version"] == version
        ):
            return time.perf_counter()


async def measure(server: Server) -> tuple[list[float], list[float]]:
    import websockets

    meetings = call(server, "GET", "/meetings")["items"]
    meeting = next(m for m in meetings if m["organiser"]["username"] == "budi")["id"]
    item = call(server, "POST", f"/meetings/{meeting}/agenda", {"title": "Laporan provinsi"})
    tokens = [
        server.manage("create_token", name, "--name", "bench-agenda").strip() for name in FOLLOWERS
    ]
    followers = []
    for n in range(SOCKETS):
        ws = await websockets.connect(
            f"ws://127.0.0.1:{server.port}/ws/",
            additional_headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}"},
            open_timeout=60,
            ping_interval=None,
            max_queue=None,
        )
        await ws.send(json.dumps({"type": "subscribe", "meeting": meeting}))
        while json.loads(await ws.recv())["type"] != "subscribed":
            pass
        followers.append(ws)
    deliveries: list[float] = []
    last: list[float] = []
    version = item["version"]
    for n in range(CHANGES):
        waiting = [asyncio.ensure_future(arrival(ws, item["id"], version + 1)) for ws in followers]
        start = time.perf_counter()
        changed = await asyncio.to_thread(
            call,
            server,
            "PATCH",
            f"/agenda-items/{item['id']}",
            {"description": f"Perubahan ke-{n}", "version": version},
        )
        arrived = await asyncio.wait_for(asyncio.gather(*waiting), 60)
        version = changed["version"]
        deliveries.extend(t - start for t in arrived)
        last.append(max(arrived) - start)
    for ws in followers:
        await ws.close()
    return deliveries, last


def main() -> None:
    server = Server(BASE_DIR)
    try:
        deliveries, last = asyncio.run(measure(server))
    finally:
        server.stop()
    print(
        f"Agenda change to the pages: {SOCKETS} sockets following one meeting, {CHANGES} "
        "changes over the API, one daphne, in-memory layer"
    )
    print(
        f"  from the request to each page: p50 {percentile(deliveries, 0.50):.0f} ms, "
        f"p99 {percentile(deliveries, 0.99):.0f} ms; until the last page had it: median "
        f"{statistics.median(last) * 1000:.0f} ms, worst {max(last) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
