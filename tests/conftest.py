"""Shared test set-up: service markers, fast hashing, an SMTP server, helpers.

Markers (pyproject.toml): `needs_postgres` and `needs_redis` skip when the service is not
configured, and fail instead under RAKOR_REQUIRE_SERVICES=1 (CI's services run), so a missing
service can never turn a green run into an empty one. `sqlite_only` tests are deselected on
other databases.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from messaging.services import rooms as room_services

REQUIRE_SERVICES = os.environ.get("RAKOR_REQUIRE_SERVICES") == "1"
SERVICE_MARKERS = ("needs_postgres", "needs_redis", "browser", "needs_node")
CHROMIUM = "/usr/bin/chromium"
ICALJS = Path(__file__).resolve().parent / "meetings" / "icaljs" / "node_modules" / "ical.js"


def db_vendor() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    return "postgresql" if "postgresql" in engine else "sqlite" if "sqlite" in engine else engine


def missing_service(item: pytest.Item) -> str | None:
    if item.get_closest_marker("needs_postgres") and db_vendor() != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if item.get_closest_marker("needs_redis") and not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://..."
    if item.get_closest_marker("browser") and not os.access(CHROMIUM, os.X_OK):
        return f"needs chromium at {CHROMIUM} (apt-get install chromium)"
    if item.get_closest_marker("needs_node") and not (shutil.which("node") and ICALJS.exists()):
        return "needs node and ical.js (apt-get install nodejs npm; make test runs npm ci)"
    return None


def pytest_configure(config: pytest.Config) -> None:
    # The suite drives the worker itself; the in-process loop would race with it.
    settings.RAKOR_INPROCESS_JOBS = False
    # Password hashing at production strength would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if db_vendor() == "sqlite":
        return
    kept, deselected = [], []
    for item in items:
        (deselected if item.get_closest_marker("sqlite_only") else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def pytest_runtest_setup(item: pytest.Item) -> None:
    reason = missing_service(item)
    if reason is None:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"RAKOR_REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    # Under RAKOR_REQUIRE_SERVICES=1 a service test may not skip for any reason.
    if (
        REQUIRE_SERVICES
        and report.skipped
        and any(item.get_closest_marker(m) for m in SERVICE_MARKERS)
    ):
        report.outcome = "failed"
        report.longrepr = f"skipped under RAKOR_REQUIRE_SERVICES=1: {report.longrepr}"
    return report


@pytest.fixture(autouse=True)
def fresh_channel_layers():
    """Each test gets channel layers of its own: a Redis layer's receive lock and buffers
    belong to the event loop that first received, and each test runs in a loop of its own
    (a process's fan-out keeps receiving while its sockets are connected)."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def fresh_cache_namespace(settings):
    """Each test sees an empty cache (rate limits, lockouts) without flushing a shared Redis:
    its keys live under a prefix of their own and expire by themselves."""
    import uuid

    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}
        for name, config in settings.CACHES.items()
    }


# --- helpers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float = 10.0, interval: float = 0.05, what: str = "condition"):
    """Poll `predicate` until it returns a truthy value; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


# --- SMTP -------------------------------------------------------------------------------


class SmtpServer:
    """A real SMTP server (aiosmtpd) on a local port, collecting what it accepts."""

    def __init__(self, port: int) -> None:
        from aiosmtpd.controller import Controller

        self.port = port
        self.messages: list = []
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp_settings(settings, smtp_port):
    """Mail goes over real SMTP to 127.0.0.1:`smtp_port` (up or not, as the test decides)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    return settings


@pytest.fixture
def smtp_server(smtp_settings, smtp_port) -> Iterator[SmtpServer]:
    server = SmtpServer(smtp_port).start()
    yield server
    server.stop()


# --- a small cross-agency world, with a coordination room ----------------------------------


@pytest.fixture
def world(db):
    """A ministry and a province below it, five officials, and a coordination room created
    by budi (its room admin) with sari, andi and nurul; "outsider" is in no room."""
    from coordination.organisation.models import Role
    from tests.factories import AgencyFactory, OfficialFactory

    ministry = AgencyFactory(code="kemendagri", name="Kementerian Dalam Negeri")
    sulsel = AgencyFactory(
        code="sulsel", name="Provinsi Sulawesi Selatan", parent=ministry, timezone="Asia/Makassar"
    )
    people = {
        "budi": OfficialFactory(username="budi", agency=ministry, role=Role.COORDINATOR),
        "sari": OfficialFactory(username="sari", agency=ministry),
        "andi": OfficialFactory(username="andi", agency=sulsel, role=Role.COORDINATOR),
        "nurul": OfficialFactory(username="nurul", agency=sulsel),
        "outsider": OfficialFactory(username="outsider", agency=sulsel),
    }
    room = room_services.room_create_coordination(
        by=people["budi"], name="Rakor inflasi daerah", members=["sari", "andi", "nurul"]
    )
    return {"room": room, "ministry": ministry, "sulsel": sulsel, **people}
