"""One process of the delivery benchmark's load generator (bench/sockets.py starts two).

Reads its orders as JSON lines on stdin and answers each with one JSON line on stdout:

    {"url": ..., "clients": [{"token": ..., "room": ...}, ...]}   -> {"ready": seconds}
    {"cmd": "count", "phase": "p3"}    -> {"count": deliveries of that phase so far}
    {"cmd": "report", "phase": "p3"}   -> latencies, per-message last arrival, completeness
    {"cmd": "cpu"}                     -> {"cpu": this process's CPU seconds}
    {"cmd": "quit"}

Each client authenticates for real (its own official's Bearer token), joins its room and
then only reads, recording when each benchmark message arrived. A message's body carries its
phase, its number and the time it was due to be sent (time.monotonic, which every process of
the machine shares): the latency is counted from that time, so a sender running late shows
as latency, not as a slower rate (no coordinated omission). Frames are matched by text, not
parsed, so that the generator spends its time on the sockets.
"""

from __future__ import annotations

import asyncio
import json
import re
import resource
import sys
import time
from collections import defaultdict

MARK = re.compile(r"bench\|p=(\w+)\|n=(\d+)\|t=([\d.]+)\|")


class Phase:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.last: dict[int, float] = defaultdict(float)
        self.seen: dict[int, set[int]] = defaultdict(set)  # client -> message numbers
        self.repeats = 0


phases: dict[str, Phase] = defaultdict(Phase)
retries = 0  # handshakes tried again


async def client(index: int, url: str, token: str, room: int, ready: asyncio.Event, gate):
    import websockets

    global retries
    async with gate:
        for attempt in range(10):
            try:
                ws = await websockets.connect(
                    url,
                    additional_headers={"Authorization": f"Bearer {token}"},
                    compression=None,
                    max_queue=None,
                    ping_interval=None,
                    open_timeout=300,
                    close_timeout=1,
                )
                break
            except (OSError, websockets.InvalidHandshake):
                # daphne drops a handshake its application has not accepted in 5 seconds
                # (a connect burst on a busy core): a client tries again, as browsers do.
                if attempt == 9:
                    raise
                retries += 1
                await asyncio.sleep(0.2 * (attempt + 1))
        await ws.send(json.dumps({"type": "join", "room": room, "ref": "j"}))
        while '"joined"' not in (await ws.recv()):
            pass
    ready.set()
    try:
        async for text in ws:
            if '"message"' not in text:
                continue
            found = MARK.search(text)
            if found is None:
                continue
            now = time.monotonic()
            phase = phases[found[1]]
            number = int(found[2])
            latency = now - float(found[3])
            seen = phase.seen[index]
            if number in seen:
                phase.repeats += 1
                continue
            seen.add(number)
            phase.latencies.append(latency)
            if latency > phase.last[number]:
                phase.last[number] = latency
    except websockets.ConnectionClosed:
        pass
    finally:
        await ws.close()


def report(name: str) -> dict:
    phase = phases.pop(name, Phase())
    return {
        "latencies": [round(x, 6) for x in phase.latencies],
        "last": {str(k): round(v, 6) for k, v in phase.last.items()},
        "seen": {str(k): len(v) for k, v in phase.seen.items()},
        "repeats": phase.repeats,
    }


def answer(data: dict) -> None:
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


async def main() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    orders = json.loads(await reader.readline())
    gate = asyncio.Semaphore(orders.get("concurrency", 50))
    started = time.monotonic()
    readies = []
    tasks = []
    for index, spec in enumerate(orders["clients"]):
        ready = asyncio.Event()
        readies.append(ready)
        tasks.append(
            asyncio.ensure_future(
                client(index, orders["url"], spec["token"], spec["room"], ready, gate)
            )
        )
    waiting = asyncio.ensure_future(asyncio.gather(*(r.wait() for r in readies)))
    done, _pending = await asyncio.wait(
        [waiting, *tasks], return_when=asyncio.FIRST_COMPLETED, timeout=600
    )
    if waiting not in done:
        failed = [t for t in tasks if t.done() and t.exception()]
        answer({"error": repr(failed[0].exception()) if failed else "connect timed out"})
        return
    answer({"ready": time.monotonic() - started, "retries": retries})
    while line := await reader.readline():
        order = json.loads(line)
        if order["cmd"] == "count":
            phase = phases.get(order["phase"])
            answer({"count": len(phase.latencies) if phase else 0})
        elif order["cmd"] == "report":
            answer(report(order["phase"]))
        elif order["cmd"] == "cpu":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            answer({"cpu": usage.ru_utime + usage.ru_stime})
        elif order["cmd"] == "quit":
            break
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
