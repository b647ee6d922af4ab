"""Fixtures that start real processes: daphne servers and workers."""

from __future__ import annotations

import pytest

from tests.conftest import free_port
from tests.processes import same_stack_env, start_daphne


@pytest.fixture
def daphne_server(tmp_path):
    """Start a daphne process sharing this test's database; returns a starter.

    `start(**env)` returns the base URL; every process is stopped after the test.
    """
    processes = []

    def start(env: dict[str, str], *, probe_http: bool = True) -> str:
        port = free_port()
        processes.append(
            start_daphne(port, env, tmp_path / f"daphne-{port}.log", probe_http=probe_http)
        )
        return f"127.0.0.1:{port}"

    start.processes = processes
    yield start
    for process in processes:
        process.terminate()


CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def site(daphne_server) -> str:
    """A daphne process serving the demo data. Set up before the browser, because Django
    refuses database calls once Playwright's event loop runs in this thread."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from coordination.organisation.demo import DEMO_PASSWORD, seed_demo
    from coordination.organisation.models import Official

    seed_demo()
    # The suite hashes with MD5 for speed; the server knows only production hashers.
    hasher = PBKDF2PasswordHasher()
    encoded = hasher.encode(DEMO_PASSWORD, hasher.salt())
    Official.objects.update(password=encoded)
    return "http://" + daphne_server(same_stack_env())


@pytest.fixture
def browser(site):
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def screenshots(tmp_path):
    import os
    from pathlib import Path

    folder = Path(os.environ.get("RAKOR_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
