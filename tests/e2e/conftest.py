"""Fixtures that start real processes: daphne servers and workers."""

from __future__ import annotations

import pytest

from tests.conftest import free_port
from tests.processes import start_daphne


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
