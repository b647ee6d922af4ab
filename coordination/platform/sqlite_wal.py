"""A server process on SQLite keeps its database's write-ahead log open.

Django closes its database connection after every request and every database call from a
socket (`CONN_MAX_AGE = 0`, which ASGI needs: each request may run on another thread). The
last connection to a WAL database that closes checkpoints the log into the database and
deletes it, so a daphne process storing messages paid a checkpoint, and a new log, on
every call: 7 % of its time at 50 messages a second, and the difference between 30,000
and 45,000 deliveries a second (docs/performance.md).

`hold_open()`, called by the server entry (coordination.platform.serve) before it serves,
makes each SQLite database's first connection in the process open one more connection of
its own, read once (which opens the log and takes the shared lock every WAL reader holds)
and then left idle until the process exits. It holds no transaction, so it never holds
back a checkpoint: SQLite still checkpoints as it goes, every 1,000 pages, and the log
stays that size. Only server processes do this: a process that deletes or recreates its
database file while holding the log (the test runner making its test database) would leave
the old log beside the new file.
"""

from __future__ import annotations

import atexit
import sqlite3
import threading

from django.db.backends.signals import connection_created

_held: dict[str, sqlite3.Connection] = {}
_lock = threading.Lock()


def hold_open() -> None:
    connection_created.connect(_hold, weak=False, dispatch_uid="rakor-sqlite-wal-hold")


def release() -> None:
    """Close what `hold_open` holds (at exit; the last close checkpoints the log)."""
    connection_created.disconnect(dispatch_uid="rakor-sqlite-wal-hold")
    with _lock:
        while _held:
            _held.popitem()[1].close()


atexit.register(release)


def _hold(sender, connection, **kwargs) -> None:
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    name = str(connection.settings_dict["NAME"])
    with _lock:
        if name in _held:
            return
        holder = sqlite3.connect(name, check_same_thread=False)
        holder.execute("SELECT count(*) FROM sqlite_master").fetchall()
        _held[name] = holder
