"""Real processes for tests: manage.py commands, daphne servers and workers.

Subprocesses get a clean environment (no inherited DATABASE_URL, REDIS_URL, RAKOR_*) plus
what the test passes, so a test says exactly which mode it runs in.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")


def clean_env(**extra: str) -> dict[str, str]:
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env["PYTHONUNBUFFERED"] = "1"
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def probe_settings(expression: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Evaluate `expression` (with `settings`, `connection` in scope) in a fresh process and
    print its JSON."""
    code = (
        "import json, os, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'coordination.settings')\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "from django.db import connection\n"
        f"print(json.dumps({expression}, default=str))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def probe_json(expression: str, env: dict[str, str]):
    result = probe_settings(expression, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_database_url() -> str:
    """A URL for the database the test process is using (the test database)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def same_stack_env(**extra: str) -> dict[str, str]:
    """The environment of a process that shares this test's database, Redis and secret."""
    env = {
        "DATABASE_URL": test_database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "RAKOR_VAR_DIR": str(settings.VAR_DIR),
    }
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    env.update(extra)
    return clean_env(**env)


class Process:
    """A long-running child process whose output is kept in a file for diagnosis."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115 (closed in stop)
        self.popen = subprocess.Popen(
            args,
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text()

    def terminate(self, timeout: float = 20) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        self.log.close()
        return self.popen.returncode


def port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_daphne(
    port: int, env: dict[str, str], log_path: Path, *, probe_http: bool = True
) -> Process:
    """Start daphne as production does (`python -m coordination.platform.serve`) and wait
    until it answers /healthz (or, with `probe_http=False`, until its port accepts
    connections, so that no request reaches the application)."""
    serve = ["-m", "coordination.platform.serve", "-b", "127.0.0.1", "-p", str(port)]
    process = Process(
        [sys.executable, *serve, "coordination.asgi:application"],
        env,
        log_path,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"daphne exited early:\n{process.output()}")
        if not probe_http:
            if port_open(port):
                return process
            time.sleep(0.1)
            continue
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"daphne did not answer on port {port}:\n{process.output()}")
