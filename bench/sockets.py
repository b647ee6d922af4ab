"""Real-time delivery benchmark (not part of the test suite): the same load against each rung,
in one run, in alternating order, repeated.

    python bench/sockets.py                  # every rung the machine can run
    BENCH_RUNGS=bare,embedded BENCH_CLIENTS=100,500 python bench/sockets.py

Rungs: `bare` (bench/bare_server.py, a `websockets` broadcast server: the Python limit here),
`embedded` (daphne as Rakor starts it, `python -m coordination.platform.serve`, on SQLite
and the in-memory layer), `stock` (the same on daphne as shipped, `bin/daphne`: what Rakor's
entry saves), `redis` (daphne, PostgreSQL, RedisChannelLayer),
`pubsub` (daphne, PostgreSQL, RedisPubSubChannelLayer), `uvicorn` (uvicorn with websockets on
PostgreSQL + RedisChannelLayer), and `scaleout` (two daphne processes on one Redis, the
clients split between them). The PostgreSQL rungs need DATABASE_URL and REDIS_URL (or the
local servers). Each server is one process pinned to core 0 (`taskset`); the load generator
(two processes of bench/loadgen.py, uvloop), the sender, PostgreSQL and Redis are pinned to
core 1 for the run and given both cores back after it. Compression is off everywhere.

For each rung and N in BENCH_CLIENTS (100, 500, 1000): N clients, each an official of their
own with a token, connect, authenticate and join one room; one sender posts ~100-byte
messages at 1 a second (BENCH_MESSAGES of them); every client records arrivals. Reported:
delivery latency p50/p95/p99, the last recipient's latency (median over messages, and the
worst), completeness (every client got every message once), server CPU and RSS, the
generator's CPU and whether its core saturated. Then 10 rooms x 100 clients, the idle CPU of
1,000 connected clients (over BENCH_IDLE_SECONDS, from BENCH_IDLE_SETTLE_SECONDS after the last
joined), and saturation: the send rate rises (to 500 clients, in steps of
1.5x and 2x in turn) until p95 passes 500 ms, and a run at half the best rate must lose
nothing. BENCH_CASES picks the cases (clients, rooms, saturation; all by default). Ratios are
to `bare` of the same round. The per-official send limit is lifted for the bench
(RAKOR_SEND_RATE_PER_SECOND).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BASE_DIR, Server, Stack, Usage, cores, free_port, percentile, record

CLIENTS = [int(n) for n in os.environ.get("BENCH_CLIENTS", "100,500,1000").split(",")]
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "15"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "2"))
SATURATION_CLIENTS = int(os.environ.get("BENCH_SATURATION_CLIENTS", "500"))
IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "20"))
# Idle is measured this long after the last client joined: the tail of the connect burst
# (on Redis about two core-seconds for 1,000 sockets) is not idleness.
IDLE_SETTLE_SECONDS = float(os.environ.get("BENCH_IDLE_SETTLE_SECONDS", "5"))
# Which cases each round runs: "clients" (1 room at each N, and idle), "rooms", "saturation".
CASES = set(os.environ.get("BENCH_CASES", "clients,rooms,saturation").split(","))
# Saturation rates (messages/s): steps of 1.5x and 2x in turn, fine enough near the limit.
SATURATION_RATES = [
    float(r)
    for r in os.environ.get(
        "BENCH_SATURATION_RATES", "5,10,20,30,40,60,80,120,160,240,320,480,640,960,1280"
    ).split(",")
]
ROOMS, PER_ROOM = 10, 100
SERVER_CORE, OTHER_CORE = cores()
PAD = "x" * 60


def all_rungs() -> list[str]:
    rungs = ["bare", "embedded", "stock"]
    if os.environ.get("DATABASE_URL") or os.environ.get("REDIS_URL") or _local_services():
        rungs += ["redis", "pubsub", "uvicorn", "scaleout"]
    return rungs


def _local_services() -> bool:
    import socket

    for port in (5432, 6379):
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)):
                return False
    return True


class Rung:
    """One rung's server(s), started once and measured in every round."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.stack = None
        self.bare = None
        self.servers = []
        clients = max(max(CLIENTS), ROOMS * PER_ROOM, SATURATION_CLIENTS)
        if name == "bare":
            port = free_port()
            command = [sys.executable, str(BASE_DIR / "bench" / "bare_server.py"), str(port)]
            self.bare = subprocess.Popen(pinned(SERVER_CORE, command))
            self.ports = [port]
            Server(self.bare, port, "bare").wait_ready()
            self.seed = {
                "sender": "bare",
                "all": 1,
                "rooms": list(range(2, ROOMS + 2)),
                "tokens": ["bare"] * clients,
            }
            return
        self.stack = Stack(
            postgres=name not in ("embedded", "stock"),
            redis=name not in ("embedded", "stock"),
            layer="pubsub" if name == "pubsub" else "core",
        )
        out = subprocess.run(
            [sys.executable, "bench/socket_seed.py", str(clients), str(ROOMS), str(PER_ROOM)],
            cwd=BASE_DIR,
            env=self.stack.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        self.seed = json.loads(out.strip().splitlines()[-1])
        if name == "scaleout":
            self.servers = [self.stack.serve(), self.stack.serve()]
        else:
            kind = {"uvicorn": "uvicorn", "stock": "daphne-stock"}.get(name, "daphne")
            self.servers = [self.stack.serve(server=kind, core=SERVER_CORE)]
        self.ports = [s.port for s in self.servers]

    def pids(self) -> list[int]:
        if self.bare is not None:
            return [self.bare.pid]
        return [s.pid() for s in self.servers]

    def close(self) -> None:
        if self.bare is not None:
            self.bare.terminate()
            self.bare.wait(10)
        if self.stack is not None:
            self.stack.close()


def pinned(core: str, command: list[str]) -> list[str]:
    return ["taskset", "-c", core, *command] if os.cpu_count() and os.cpu_count() > 1 else command


class Generator:
    """The load generator's two processes, each holding half of the clients."""

    def __init__(self, rung: Rung, clients: list[dict]) -> None:
        self.procs = []
        halves = [clients[0::2], clients[1::2]]
        for index, half in enumerate(halves):
            port = rung.ports[index % len(rung.ports)]
            proc = subprocess.Popen(
                pinned(OTHER_CORE, [sys.executable, str(BASE_DIR / "bench" / "loadgen.py")]),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                bufsize=1,
            )
            proc.stdin.write(
                json.dumps({"url": f"ws://127.0.0.1:{port}/ws/", "clients": half}) + "\n"
            )
            proc.stdin.flush()
            self.procs.append(proc)
        self.ready = [json.loads(p.stdout.readline()) for p in self.procs]
        errors = [r["error"] for r in self.ready if "error" in r]
        if errors:
            self.close()
            raise RuntimeError(f"clients did not connect: {errors[0]}")

    def ask(self, order: dict) -> list[dict]:
        for proc in self.procs:
            proc.stdin.write(json.dumps(order) + "\n")
            proc.stdin.flush()
        return [json.loads(proc.stdout.readline()) for proc in self.procs]

    def cpu(self) -> float:
        return sum(r["cpu"] for r in self.ask({"cmd": "cpu"}))

    def count(self, phase: str) -> int:
        return sum(r["count"] for r in self.ask({"cmd": "count", "phase": phase}))

    def report(self, phase: str) -> dict:
        parts = self.ask({"cmd": "report", "phase": phase})
        latencies = [x for p in parts for x in p["latencies"]]
        last: dict[str, float] = {}
        for part in parts:
            for number, value in part["last"].items():
                last[number] = max(last.get(number, 0.0), value)
        seen = [n for p in parts for n in p["seen"].values()]
        return {
            "latencies": latencies,
            "last": list(last.values()),
            "seen": seen,
            "repeats": sum(p["repeats"] for p in parts),
        }

    def close(self) -> None:
        for proc in self.procs:
            try:
                proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                proc.stdin.flush()
            except BrokenPipeError:
                pass
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


class CoreBusy:
    """How busy the generator's core was (from /proc/stat)."""

    def __init__(self, core: str) -> None:
        self.core = f"cpu{core}"
        self.start = self.read()

    def read(self) -> tuple[int, int]:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith(self.core + " "):
                values = [int(v) for v in line.split()[1:]]
                idle = values[3] + values[4]
                return sum(values), idle
        return 0, 0

    def share(self) -> float:
        total, idle = self.read()
        spent = total - self.start[0]
        return 1 - (idle - self.start[1]) / spent if spent else float("nan")


async def send_at_rate(
    port: int, token: str, rooms: list[int], phase: str, rate: float, count: int
) -> float:
    """Send `count` messages at `rate` a second, over the rooms in turn; return when the last
    one was due. Each body names its phase, its number and when it was due."""
    import websockets

    async with websockets.connect(
        f"ws://127.0.0.1:{port}/ws/",
        additional_headers={"Authorization": f"Bearer {token}"},
        compression=None,
        max_queue=None,
        ping_interval=None,
    ) as ws:
        acked = 0
        all_acked = asyncio.Event()

        async def drain() -> None:
            nonlocal acked
            async for text in ws:
                if '"ack"' in text:
                    acked += 1
                    if acked == count:
                        all_acked.set()

        reading = asyncio.ensure_future(drain())
        start = time.monotonic() + 0.2
        for n in range(count):
            due = start + n / rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            body = f"bench|p={phase}|n={n}|t={due:.6f}|{PAD}"
            await ws.send(
                json.dumps(
                    {
                        "type": "send",
                        "room": rooms[n % len(rooms)],
                        "body": body,
                        "client_id": str(uuid.uuid4()),
                    }
                )
            )
        # Closing before the last sends are answered could cancel them on the server.
        try:
            await asyncio.wait_for(all_acked.wait(), 60)
        finally:
            reading.cancel()
        return start + (count - 1) / rate


def measure(
    rung: Rung,
    generator: Generator,
    *,
    phase: str,
    rooms: list[int],
    rate: float,
    count: int,
    expected_each: int,
    clients: int,
) -> dict:
    """One phase: send, wait for the deliveries to drain, and gather the figures."""
    usages = [Usage(pid) for pid in rung.pids()]
    busy = CoreBusy(OTHER_CORE)
    cpu_before = generator.cpu()
    wall = time.monotonic()
    last_due = asyncio.run(
        send_at_rate(rung.ports[0], rung.seed["sender"], rooms, phase, rate, count)
    )
    expected = expected_each * clients
    deadline = max(time.monotonic(), last_due) + 10
    while time.monotonic() < deadline and generator.count(phase) < expected:
        time.sleep(0.1)
    elapsed = time.monotonic() - wall
    result = generator.report(phase)
    latencies = result["latencies"]
    complete = (
        len(result["seen"]) == clients
        and all(n == expected_each for n in result["seen"])
        and result["repeats"] == 0
    )
    return {
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "last_p50": statistics.median(result["last"]) * 1000 if result["last"] else float("nan"),
        "last_max": max(result["last"]) * 1000 if result["last"] else float("nan"),
        "delivered": len(latencies),
        "expected": expected,
        "repeats": result["repeats"],
        "complete": complete,
        "server_cpu": sum(u.share() for u in usages),
        "server_rss_mb": sum(u.rss_mb() for u in usages),
        "generator_cpu": (generator.cpu() - cpu_before) / elapsed,
        "generator_core_busy": busy.share(),
    }


def clients_for(rung: Rung, rooms: list[int]) -> list[dict]:
    """The i-th client (official) joins rooms[i]."""
    return [{"token": rung.seed["tokens"][i], "room": room} for i, room in enumerate(rooms)]


def run_round(rung: Rung, round_no: int, *, saturation: bool) -> list[dict]:
    rows = []
    seed = rung.seed
    tag = f"{rung.name[:3]}{round_no}"
    for clients in CLIENTS if "clients" in CASES else []:
        generator = Generator(rung, clients_for(rung, [seed["all"]] * clients))
        try:
            connect = max(r["ready"] for r in generator.ready)
            time.sleep(1)
            if clients == max(CLIENTS):
                time.sleep(IDLE_SETTLE_SECONDS)
                usages = [Usage(pid) for pid in rung.pids()]
                time.sleep(IDLE_SECONDS)
                rows.append(
                    {
                        "rung": rung.name,
                        "round": round_no,
                        "case": "idle",
                        "clients": clients,
                        "server_cpu": sum(u.share() for u in usages),
                        "server_rss_mb": sum(u.rss_mb() for u in usages),
                    }
                )
            figures = measure(
                rung,
                generator,
                phase=f"{tag}n{clients}",
                rooms=[seed["all"]],
                rate=1.0,
                count=MESSAGES,
                expected_each=MESSAGES,
                clients=clients,
            )
            rows.append(
                {
                    "rung": rung.name,
                    "round": round_no,
                    "case": "1 room",
                    "clients": clients,
                    "connect_s": connect,
                    "rate": 1.0,
                    **figures,
                }
            )
        finally:
            generator.close()
    if "rooms" in CASES:
        rows += rooms_case(rung, round_no, tag)
    if saturation and "saturation" in CASES:
        rows += saturate(rung, round_no, tag)
    return rows


def rooms_case(rung: Rung, round_no: int, tag: str) -> list[dict]:
    """10 rooms x 100 clients, one message a second in each room."""
    seed = rung.seed
    rows = []
    total = ROOMS * PER_ROOM
    generator = Generator(
        rung, clients_for(rung, [seed["rooms"][i // PER_ROOM] for i in range(total)])
    )
    try:
        time.sleep(1)
        figures = measure(
            rung,
            generator,
            phase=f"{tag}rooms",
            rooms=seed["rooms"],
            rate=float(ROOMS),
            count=MESSAGES * ROOMS,
            expected_each=MESSAGES,
            clients=total,
        )
        rows.append(
            {
                "rung": rung.name,
                "round": round_no,
                "case": f"{ROOMS} rooms x {PER_ROOM}",
                "clients": total,
                "rate": float(ROOMS),
                **figures,
            }
        )
    finally:
        generator.close()
    return rows


def saturate(rung: Rung, round_no: int, tag: str) -> list[dict]:
    """Raise the send rate until p95 passes 500 ms; then half the best rate loses nothing?"""
    clients = SATURATION_CLIENTS
    seed = rung.seed
    generator = Generator(rung, clients_for(rung, [seed["all"]] * clients))
    rows = []
    try:
        time.sleep(1)
        best = None
        for rate in SATURATION_RATES:
            count = int(rate * 4)
            figures = measure(
                rung,
                generator,
                phase=f"{tag}s{int(rate)}",
                rooms=[seed["all"]],
                rate=rate,
                count=count,
                expected_each=count,
                clients=clients,
            )
            deliveries = figures["delivered"] / (count / rate)
            row = {
                "rung": rung.name,
                "round": round_no,
                "case": "saturation",
                "clients": clients,
                "rate": rate,
                "deliveries_per_s": deliveries,
                **figures,
            }
            rows.append(row)
            if figures["p95"] > 500 or not figures["complete"]:
                break
            best = row
        if best is not None:
            half = best["rate"] / 2
            count = int(half * 8)
            figures = measure(
                rung,
                generator,
                phase=f"{tag}h",
                rooms=[seed["all"]],
                rate=half,
                count=count,
                expected_each=count,
                clients=clients,
            )
            rows.append(
                {
                    "rung": rung.name,
                    "round": round_no,
                    "case": "half saturation",
                    "clients": clients,
                    "rate": half,
                    "deliveries_per_s": figures["delivered"] / (count / half),
                    **figures,
                }
            )
    finally:
        generator.close()
    return rows


class Pinning:
    """PostgreSQL and Redis on the generator's core for the run; both cores back after."""

    def __init__(self) -> None:
        self.pids = [
            int(pid)
            for name in ("postgres", "redis-server")
            for pid in subprocess.run(
                ["pgrep", "-x", name], capture_output=True, text=True
            ).stdout.split()
        ]

    def __enter__(self):
        os.sched_setaffinity(0, {int(OTHER_CORE)})
        for pid in self.pids:
            subprocess.run(["taskset", "-a", "-p", "-c", OTHER_CORE, str(pid)], capture_output=True)
        return self

    def __exit__(self, *exc) -> None:
        every = ",".join(str(c) for c in range(os.cpu_count() or 1))
        for pid in self.pids:
            subprocess.run(["taskset", "-a", "-p", "-c", every, str(pid)], capture_output=True)
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))


def summary(rows: list[dict]) -> list[dict]:
    """Medians over rounds, with ratios to `bare` for the same case and clients."""
    keyed: dict[tuple, list[dict]] = {}
    for row in rows:
        key = (
            row["rung"],
            row["case"],
            row["clients"],
            row.get("rate") if row["case"] == "saturation" else None,
        )
        keyed.setdefault(key, []).append(row)
    merged = []
    for (rung, case, clients, rate), group in keyed.items():
        out = {"rung": rung, "case": case, "clients": clients, "rounds": len(group)}
        if rate is not None:
            out["rate"] = rate
        for field in group[0]:
            values = [
                g[field]
                for g in group
                if isinstance(g.get(field), (int, float)) and not isinstance(g.get(field), bool)
            ]
            if field not in ("round", "clients") and values and len(values) == len(group):
                out[field] = statistics.median(values)
        if "complete" in group[0]:
            out["complete"] = all(g["complete"] for g in group)
        merged.append(out)
    bare = {(m["case"], m["clients"]): m for m in merged if m["rung"] == "bare"}
    for m in merged:
        base = bare.get((m["case"], m["clients"]))
        if base and m["case"] not in ("idle", "saturation", "half saturation"):
            m["ratio_p50"] = m["p50"] / base["p50"] if base["p50"] else None
            m["ratio_p99"] = m["p99"] / base["p99"] if base["p99"] else None
    return merged


def main() -> None:
    rungs_wanted = [r for r in os.environ.get("BENCH_RUNGS", ",".join(all_rungs())).split(",") if r]
    rungs = []
    rows: list[dict] = []
    failures: list[str] = []
    with Pinning():
        try:
            for name in rungs_wanted:
                print(f"starting {name} ...", flush=True)
                rungs.append(Rung(name))
            for round_no in range(REPEAT):
                order = rungs if round_no % 2 == 0 else list(reversed(rungs))
                for rung in order:
                    print(f"round {round_no + 1}: {rung.name}", flush=True)
                    try:
                        rows += run_round(rung, round_no, saturation=round_no == 0)
                    except Exception as exc:  # a rung that fails is reported, not fatal
                        print(f"{rung.name} failed: {exc!r}", flush=True)
                        failures.append(f"{rung.name}, round {round_no + 1}: {exc!r}"[:300])
                    save(rows, failures)
        finally:
            for rung in rungs:
                rung.close()
    part = save(rows, failures)
    from bench.report import table

    print(table(part))
    print("\n".join(part["notes"]))


def save(rows: list[dict], failures: list[str]) -> dict:
    """Record what was measured so far (a later failure keeps it)."""
    merged = summary(rows)
    part = {
        "title": "Real-time delivery (one server process on core 0; generator, sender, "
        "PostgreSQL and Redis on core 1; medians over rounds; latency in ms)",
        "columns": COLUMNS,
        "rows": merged,
        "raw": rows,
        "notes": notes(merged) + [f"failed: {f}" for f in failures],
    }
    record("sockets", part)
    return part


COLUMNS = [
    ["rung", "rung", None],
    ["case", "case", None],
    ["clients", "clients", None],
    ["rate", "msg/s", 0],
    ["p50", "p50", 1],
    ["p95", "p95", 1],
    ["p99", "p99", 1],
    ["last_p50", "last recipient", 1],
    ["ratio_p50", "× bare p50", 2],
    ["ratio_p99", "× bare p99", 2],
    ["complete", "all got all", None],
    ["deliveries_per_s", "deliveries/s", 0],
    ["server_cpu", "server CPU (cores)", 2],
    ["server_rss_mb", "server RSS MB", 0],
    ["generator_cpu", "generator CPU", 2],
    ["generator_core_busy", "core 1 busy", 2],
]


def notes(merged: list[dict]) -> list[str]:
    out = []
    for m in merged:
        if m.get("generator_core_busy", 0) > 0.9:
            out.append(
                f"{m['rung']} {m['case']} {m['clients']} clients: the generator's core was "
                f"{m['generator_core_busy']:.0%} busy; the figure is the generator's limit, "
                "not the server's."
            )
    return out


if __name__ == "__main__":
    main()
