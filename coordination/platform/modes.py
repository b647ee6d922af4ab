"""The two run modes' building blocks, kept pure so settings stay declarative and testable."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

EMBEDDED = "embedded"
PRODUCTION = "production"

# Production runs several daphne processes and workers: they must share one database and
# one channel layer, and none may fall back to a generated secret.
PRODUCTION_REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL")

SQLITE_BUSY_TIMEOUT_SECONDS = 20


def embedded_secret_key(var_dir: Path) -> str:
    """Return the embedded mode's secret key, generating it under `var_dir` the first time.

    The file is created with mode 0600 and exclusively, so two processes starting at once
    agree on one key.
    """
    path = var_dir / "secret_key"
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if len(key) < 40:
        raise ValueError(f"{path} holds no usable secret key; delete it to generate a new one.")
    return key


LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}


def _url_host(host: str) -> str:
    host = host.strip()
    if host in WILDCARD_HOSTS:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def embedded_site_url(host: str, port: int) -> str:
    """The embedded default's address for links (mail, feeds): where daphne listens, with a
    listen-everywhere address read as this machine's loopback."""
    return f"http://{_url_host(host)}:{port}"


def embedded_allowed_hosts(host: str) -> list[str]:
    """The loopback names, and the address daphne was told to listen on when it is one."""
    hosts = list(LOOPBACK_HOSTS)
    named = _url_host(host)
    if named not in hosts:
        hosts.append(named)
    return hosts


def embedded_database(var_dir: Path) -> dict[str, Any]:
    var_dir.mkdir(parents=True, exist_ok=True)
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(var_dir / "rakor.sqlite3")}


def tune_database(
    db: dict[str, Any], *, pool_min: int, pool_max: int, var_dir: Path
) -> dict[str, Any]:
    """Apply the per-engine settings both modes need.

    SQLite: WAL, a busy timeout and IMMEDIATE transactions (a writer takes the lock when its
    transaction begins, so two writers queue instead of failing with "database is locked"
    halfway through). The test database is a file, so that real daphne and worker processes
    started by the tests see the same data.

    PostgreSQL: psycopg's connection pool instead of persistent connections, which do not
    suit ASGI (every request may run on another thread).
    """
    db = {**db}
    options = {**db.get("OPTIONS", {})}
    engine = db.get("ENGINE", "")
    if engine.endswith("sqlite3"):
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", SQLITE_BUSY_TIMEOUT_SECONDS)
        options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        db.setdefault("TEST", {}).setdefault("NAME", str(var_dir / "test-rakor.sqlite3"))
    elif "postgresql" in engine:
        options.setdefault("pool", {"min_size": pool_min, "max_size": pool_max, "timeout": 10})
    db["OPTIONS"] = options
    db["CONN_MAX_AGE"] = 0
    return db
