"""What the benchmarks share: scratch stacks (a database of their own, the demo data, server
processes pinned to a core), percentiles, and the results every script records for
bench/report.py to gather into bench/results/<date>.json, its Markdown table and its plots.

A benchmark never runs in the test suite and never asserts a timing; it measures, prints and
records. The send and socket rate limits are lifted for the bench only (the settings named
below), so that it measures the server, not the policy.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
RESULTS = Path(os.environ.get("BENCH_RESULTS", BASE_DIR / "bench" / "results"))
PARTS = RESULTS / "parts"
BIN = Path(sys.executable).parent

# The per-official and per-IP limits, lifted for the bench only.
UNLIMITED = {"RAKOR_SEND_RATE_PER_SECOND": "100000"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(samples: list[float], fraction: float) -> float:
    """The `fraction` percentile of `samples` (seconds), in milliseconds (nan when empty)."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000


def cores() -> tuple[str, str]:
    """The core a server is pinned to, and the one left to PostgreSQL, Redis and the load
    generator (on a one-core machine both are 0)."""
    count = os.cpu_count() or 1
    return ("0", "1") if count > 1 else ("0", "0")


def services_configured() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def postgres_admin(url: str, statement: str) -> str:
    """Run `statement` on the server of `url`; return `url` pointing at the database the
    statement names last (CREATE/DROP DATABASE x)."""
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(statement)
    return urlunsplit(parts._replace(path=f"/{statement.split()[-1]}"))


class Stack:
    """A scratch installation of a tree: its own database (a temporary SQLite file, or a
    temporary PostgreSQL database beside DATABASE_URL's, dropped by `close`), its own Redis
    prefixes and database number when `redis` is set, migrated, with the demo data.

    `layer` picks the channel layer on Redis: "core" (RedisChannelLayer) or "pubsub"
    (RedisPubSubChannelLayer)."""

    def __init__(
        self,
        tree: Path = BASE_DIR,
        *,
        postgres: bool = False,
        redis: bool = False,
        layer: str = "core",
        extra: dict[str, str] | None = None,
        seed: bool = True,
    ) -> None:
        self.tree = tree
        self.scratch = Path(tempfile.mkdtemp(prefix="rakor-bench-"))
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL") and not key.startswith("RAKOR_")
        }
        self.env.update(
            RAKOR_VAR_DIR=str(self.scratch), RAKOR_INPROCESS_JOBS="0", **UNLIMITED, **(extra or {})
        )
        self.database = None
        self.processes: list[subprocess.Popen] = []
        if postgres:
            url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
            self.database = f"rakor_bench_{os.getpid()}_{id(self) % 100000}"
            self.env["DATABASE_URL"] = postgres_admin(url, f"CREATE DATABASE {self.database}")
            self._admin_url = url
        if redis:
            base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
            self.env["REDIS_URL"] = urlunsplit(urlsplit(base)._replace(path="/9"))
            tag = self.scratch.name.replace("rakor-bench-", "")
            self.env["RAKOR_CHANNEL_PREFIX"] = f"bench{tag}"
            self.env["RAKOR_CACHE_PREFIX"] = f"bench{tag}"
            self.env["RAKOR_CHANNEL_LAYER"] = layer
        self.manage("migrate", "--noinput")
        if seed:
            self.manage("seed_demo")

    @property
    def label(self) -> str:
        if "REDIS_URL" not in self.env:
            return "embedded"
        pubsub = self.env.get("RAKOR_CHANNEL_LAYER") == "pubsub"
        return "PostgreSQL + " + ("RedisPubSubChannelLayer" if pubsub else "RedisChannelLayer")

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.tree,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def token(self, username: str) -> str:
        return self.manage("create_token", username, "--name", "bench").strip()

    def serve(self, *, server: str = "daphne", core: str | None = None) -> Server:
        """One server process on a free port, pinned to `core` (taskset) when given.

        `server`: "daphne" (what `make run` and the deployment start: daphne with Rakor's
        WebSocket protocol, coordination.platform.serve), "daphne-stock" (daphne's own
        command, for comparison) or "uvicorn"."""
        port = free_port()
        if server == "daphne":
            command = [sys.executable, "-m", "coordination.platform.serve"]
            command += ["-b", "127.0.0.1", "-p", str(port), "coordination.asgi:application"]
        elif server == "daphne-stock":
            command = [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port)]
            command += ["coordination.asgi:application"]
        elif server == "uvicorn":
            command = [str(BIN / "uvicorn"), "--host", "127.0.0.1", "--port", str(port)]
            command += ["--ws", "websockets", "--ws-per-message-deflate", "false"]
            command += ["--no-access-log", "--log-level", "warning"]
            command += ["coordination.asgi:application"]
        else:
            raise ValueError(server)
        if core is not None and shutil.which("taskset"):
            command = ["taskset", "-c", core, *command]
        process = subprocess.Popen(
            command,
            cwd=self.tree,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.scratch / f"{server}-{port}.log", "w"),  # noqa: SIM115
        )
        self.processes.append(process)
        served = Server(process, port, server)
        served.wait_ready()
        return served

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if self.database:
            postgres_admin(self._admin_url, f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
        shutil.rmtree(self.scratch, ignore_errors=True)


class Server:
    """A running server process and where it listens."""

    def __init__(self, process: subprocess.Popen, port: int, kind: str) -> None:
        self.process, self.port, self.kind = process, port, kind

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} on port {self.port} exited")
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.kind} on port {self.port} did not start")

    def pid(self) -> int:
        """The server's own pid (under taskset the child of the same pid: taskset execs)."""
        return self.process.pid


class Usage:
    """CPU seconds and resident memory of a process (from /proc), between two readings."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.start_cpu = self.cpu()
        self.start_wall = time.monotonic()

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def share(self) -> float:
        """CPU used since the start, as a fraction of one core."""
        wall = time.monotonic() - self.start_wall
        return (self.cpu() - self.start_cpu) / wall if wall > 0 else float("nan")


def record(section: str, data: dict) -> Path:
    """Keep one benchmark's figures for bench/report.py (bench/results/parts/<section>.json).

    `data` holds at least "title" and "rows" (a list of flat dicts, one per line of the
    table); "notes" (a list of strings) is printed under the table."""
    PARTS.mkdir(parents=True, exist_ok=True)
    path = PARTS / f"{section}.json"
    path.write_text(json.dumps({"section": section, **data}, indent=1, default=str))
    return path
