"""Page latency benchmark (not part of the test suite): the pages that grow with the data, on a
seeded installation, at fixed request rates.

    python bench/pages.py                      # embedded default (SQLite)
    DATABASE_URL=postgres://... REDIS_URL=... python bench/pages.py

A scratch installation (bench.common.Stack: its own database, the demo data) is filled by
bench/seed.py, run with the stack's environment: 50 rooms, 100,000 messages, 1,000 meetings
and 5,000 follow-up actions (BENCH_PAGES_SEED passes other sizes, e.g. "--messages 20000").
One daphne process, pinned to a core, serves it; demo user budi signs in through the login
form (a session cookie, with its CSRF token) and holds a Bearer token (manage.py
create_token) for the API. Each page is then requested at each rate of BENCH_PAGES_RATES
(requests per second, default 10,25,50) for BENCH_PAGES_SECONDS (default 10) by an open-loop
client on the other core: requests leave at fixed intervals whether or not the earlier ones
were answered (keep-alive connections, a new one when all are busy), and each latency runs
from the time its request was due, not from when it left, so a server falling behind shows
as latency (no coordinated omission).

The SQL queries of each page are counted in this process, with Django's test client on the
same database (django.test.utils.CaptureQueriesContext), after a first load: the total and
what the page adds to the fixed cost of being signed in (5 queries for a page: session,
official, their agency, second factor, the bell's count; 1 for the API: the token).

Last, bench/availability.py's scheduling assistant (50 officials over four weeks) runs on
the same database, and its figures are recorded beside the pages'.

Every row (page, rate, p50_ms, p99_ms, queries, ...) is recorded as section "pages" for
bench/report.py, which can draw page latency against the rate from them.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from common import (  # noqa: E402
    BASE_DIR,
    Stack,
    Usage,
    cores,
    percentile,
    record,
    services_configured,
)

RATES = [float(r) for r in os.environ.get("BENCH_PAGES_RATES", "10,25,50").split(",")]
SECONDS = float(os.environ.get("BENCH_PAGES_SECONDS", "10"))
SEED_ARGS = os.environ.get("BENCH_PAGES_SEED", "").split()
READER = "budi"
PAGE_OVERHEAD, API_OVERHEAD = 5, 1
TIMEOUT = 30.0
MAX_CONNECTIONS = 256


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    api: bool = False

    @property
    def overhead(self) -> int:
        return API_OVERHEAD if self.api else PAGE_OVERHEAD


# --- this process on the stack's database -----------------------------------------------


def django_setup(stack: Stack) -> None:
    sys.path.insert(0, str(BASE_DIR))
    os.environ.update(stack.env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "coordination.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def pages() -> list[Page]:
    """The pages measured, on the seeded data: the room with the longest history, and the
    latest past meeting budi organised that took decisions (its agenda, its decisions and
    their actions on one page)."""
    from django.utils import timezone

    from meetings.models import Decision, Meeting
    from messaging.models import Membership

    room = (
        Membership.objects.filter(official__username=READER)
        .order_by("-room__last_seq")
        .values_list("room_id", flat=True)
        .first()
    )
    decided = Decision.objects.values("meeting_id")
    meeting = (
        Meeting.objects.filter(
            organiser__username=READER, pk__in=decided, end__lt=timezone.now(), rrule=""
        )
        .order_by("-start")
        .values_list("pk", flat=True)
        .first()
    )
    return [
        Page("meeting list", "/meetings/"),
        Page("calendar week", "/meetings/week/"),
        Page("meeting page (agenda)", f"/meetings/{meeting}"),
        Page("agenda (API)", f"/api/v1/meetings/{meeting}/agenda", api=True),
        Page("room list", "/messages/"),
        Page("room list (API)", "/api/v1/rooms", api=True),
        Page("room history, 50 messages (API)", f"/api/v1/rooms/{room}/messages?limit=50", True),
        Page("follow-up actions", "/actions/"),
    ]


def count_queries(measured: list[Page], token: str) -> dict[str, int]:
    """The SQL queries of each page, loaded a second time (the session, the token's last
    use and the caches warm), in this process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from coordination.organisation.models import Official

    browser = Client()
    browser.force_login(Official.objects.get(username=READER))
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    counts = {}
    for page in measured:
        client = api if page.api else browser
        client.get(page.path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.path)
        assert response.status_code == 200, (page.path, response.status_code)
        counts[page.path] = len(captured)
    return counts


# --- signing in -------------------------------------------------------------------------


def sign_in(port: int, username: str, password: str) -> str:
    """The Cookie header of a session signed in through the login form (with its CSRF
    token), as a browser gets it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/accounts/login/")
    response = connection.getresponse()
    form = response.read().decode()
    cookies = _cookies(response, {})
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
    body = urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
    connection.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        },
    )
    response = connection.getresponse()
    response.read()
    cookies = _cookies(response, cookies)
    if response.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"signing in as {username} failed: {response.status}")
    connection.close()
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> dict[str, str]:
    jar = dict(jar)
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _eq, rest = value.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]
    return jar


# --- the open-loop client ---------------------------------------------------------------


class Pool:
    """Keep-alive HTTP/1.1 connections to one port: an idle one when there is one, else a
    new one (up to MAX_CONNECTIONS, then the request waits for one, which counts in its
    latency)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.open = 0
        self.freed = asyncio.Condition()

    async def acquire(self):
        async with self.freed:
            while not self.idle and self.open >= MAX_CONNECTIONS:
                await self.freed.wait()
            if self.idle:
                return self.idle.pop()
            self.open += 1
        try:
            return await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            await self.lost()
            raise

    async def release(self, connection) -> None:
        async with self.freed:
            self.idle.append(connection)
            self.freed.notify()

    async def lost(self, connection=None) -> None:
        if connection is not None:
            connection[1].close()
        async with self.freed:
            self.open -= 1
            self.freed.notify()

    def close(self) -> None:
        for _reader, writer in self.idle:
            writer.close()
        self.idle.clear()


async def exchange(connection, request: bytes) -> tuple[int, int, bool]:
    """Send one request and read its response: (status, body bytes, keep-alive)."""
    reader, writer = connection
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        size = int(headers["content-length"])
        await reader.readexactly(size)
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        size = 0
        while True:
            chunk = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(chunk + 2)
            size += chunk
            if chunk == 0:
                break
    else:
        size = len(await reader.read())
        return status, size, False
    return status, size, headers.get("connection", "").lower() != "close"


async def constant_rate(port: int, request: bytes, rate: float, seconds: float) -> dict:
    """Requests due every 1/rate seconds for `seconds`; latencies from each due time."""
    loop = asyncio.get_running_loop()
    pool = Pool(port)
    latencies: list[float] = []
    errors: dict[str, int] = {}

    async def one(due: float) -> None:
        connection = None
        try:
            async with asyncio.timeout(TIMEOUT):
                connection = await pool.acquire()
                status, _size, keep = await exchange(connection, request)
            if status != 200:
                errors[str(status)] = errors.get(str(status), 0) + 1
            latencies.append(loop.time() - due)
            if keep:
                await pool.release(connection)
            else:
                await pool.lost(connection)
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            if connection is not None:
                await pool.lost(connection)

    count = int(rate * seconds)
    start = loop.time() + 0.05
    tasks = []
    for n in range(count):
        due = start + n / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due)))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - start
    pool.close()
    return {
        "latencies": latencies,
        "errors": errors,
        "sent": count,
        "elapsed": elapsed,
        "connections": pool.open,
    }


def request_bytes(port: int, page: Page, cookie: str, token: str) -> bytes:
    auth = f"Authorization: Bearer {token}" if page.api else f"Cookie: {cookie}"
    return (
        f"GET {page.path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}\r\n"
        "Accept: */*\r\nAccept-Encoding: identity\r\n\r\n"
    ).encode()


# --- the scheduling assistant -----------------------------------------------------------


def scheduling_assistant(stack: Stack) -> list[dict]:
    """bench/availability.py on the stack's database (after the pages: its officials and
    meetings are its own): p50 and p95 of each of its three measurements."""
    done = subprocess.run(
        [sys.executable, "bench/availability.py"],
        cwd=BASE_DIR,
        env=stack.env,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    pattern = re.compile(
        r"^\s+(.+): p50 ([\d.]+) ms, p95 ([\d.]+) ms, max ([\d.]+) ms \((\d+) runs"
    )
    for line in done.stdout.splitlines():
        found = pattern.match(line)
        if found:
            rows.append(
                {
                    "page": f"scheduling assistant, 50 people over 4 weeks: {found[1]}",
                    "rate": "sequential",
                    "p50_ms": float(found[2]),
                    "p95_ms": float(found[3]),
                    "max_ms": float(found[4]),
                    "runs": int(found[5]),
                }
            )
    return rows


# --- the run ----------------------------------------------------------------------------


def main() -> None:
    server_core, client_core = cores()
    postgres = services_configured()
    stack = Stack(postgres=postgres, redis=postgres)
    rows: list[dict] = []
    try:
        began = time.perf_counter()
        seeded = subprocess.run(
            [sys.executable, "bench/seed.py", *SEED_ARGS],
            cwd=BASE_DIR,
            env=stack.env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"{stack.label}: {seeded} (with the stack: {time.perf_counter() - began:.0f} s)")
        token = stack.token(READER)
        django_setup(stack)
        measured = pages()
        queries = count_queries(measured, token)
        from django.db import connections

        connections.close_all()  # this process's connection stays out of the server's way
        from coordination.organisation.demo import DEMO_PASSWORD

        server = stack.serve(core=server_core)
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {int(client_core)})
        cookie = sign_in(server.port, READER, DEMO_PASSWORD)
        for page in measured:
            request = request_bytes(server.port, page, cookie, token)
            asyncio.run(constant_rate(server.port, request, 5, 2))  # warm: caches, templates
            for rate in RATES:
                usage = Usage(server.pid())
                result = asyncio.run(constant_rate(server.port, request, rate, SECONDS))
                samples = result["latencies"]
                row = {
                    "stack": stack.label,
                    "page": page.name,
                    "path": page.path,
                    "rate": rate,
                    "p50_ms": round(statistics.median(samples) * 1000, 1) if samples else None,
                    "p99_ms": round(percentile(samples, 0.99), 1),
                    "max_ms": round(max(samples) * 1000, 1) if samples else None,
                    "achieved_rps": round(len(samples) / result["elapsed"], 1),
                    "errors": sum(result["errors"].values()),
                    "queries": queries[page.path],
                    "page_queries": queries[page.path] - page.overhead,
                    # The server's CPU as a share of one core (1.0: saturated), and the
                    # machine's load then (others' processes show there).
                    "server_cpu": round(usage.share(), 2),
                    "load_1min": round(os.getloadavg()[0], 2),
                }
                rows.append(row)
                print(
                    f"  {page.name:<34} {rate:>5.0f}/s  p50 {row['p50_ms']:>7} ms  "
                    f"p99 {row['p99_ms']:>7} ms  queries {row['queries']:>2} "
                    f"({page.overhead} + {row['page_queries']})  cpu {row['server_cpu']:.2f}  "
                    f"load {row['load_1min']}"
                    + (f"  errors {result['errors']}" if result["errors"] else ""),
                    flush=True,
                )
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
        assistant = scheduling_assistant(stack)
    finally:
        stack.close()
    print()
    print(f"{'page':<36} {'rate':>6} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8}")
    for row in rows:
        print(
            f"{row['page']:<36} {row['rate']:>6.0f} {row['p50_ms']:>8} {row['p99_ms']:>8} "
            f"{row['queries']:>8}"
        )
    for row in assistant:
        print(f"{row['page']}: p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms")
    record(
        "pages" if not postgres else "pages-postgres",
        {
            "title": f"Pages on seeded data at fixed request rates ({stack.label}, one daphne)",
            "rows": rows + assistant,
            "notes": [
                f"Seeded by bench/seed.py: {seeded}",
                f"Open loop: each rate for {SECONDS:.0f} s, latency from each request's due "
                "time; one daphne process pinned to a core, the client on the other.",
                f"queries: SQL per load in process (CaptureQueriesContext); page_queries: "
                f"beyond the fixed {PAGE_OVERHEAD} of a signed-in page (session, official, "
                f"agency, second factor, bell) or {API_OVERHEAD} of an API request (token).",
                "Scheduling assistant: bench/availability.py on the same database after the "
                "pages (sequential runs, p50 and p95).",
                "server_cpu: the daphne process's CPU over the run, as a share of one core "
                "(near 1.0 it is saturated and latency grows without bound); load_1min: the "
                "machine's load average at the end of the run (other processes included).",
                "Plot: page latency (p50_ms, p99_ms) against rate, one line per page.",
            ],
        },
    )


if __name__ == "__main__":
    main()
