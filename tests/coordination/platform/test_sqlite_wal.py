"""A server process keeps its SQLite write-ahead log open (coordination.platform.sqlite_wal):
the log survives Django closing its connections, stays bounded while it is held, loses
nothing, and goes when the process lets it go."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db.utils import ConnectionHandler

from coordination.platform import modes, sqlite_wal


def embedded(tmp_path: Path, name: str) -> ConnectionHandler:
    directory = tmp_path / name
    db = modes.embedded_database(directory)
    db = modes.tune_database(db, pool_min=1, pool_max=1, var_dir=directory)
    return ConnectionHandler({"default": db})


def write(handler: ConnectionHandler, rows: int, start: int = 0) -> None:
    connection = handler["default"]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS note (id integer PRIMARY KEY, body text)")
        for n in range(start, start + rows):
            cursor.execute("INSERT INTO note VALUES (%s, %s)", [n, "x" * 4000])
    connection.close()


def count(handler: ConnectionHandler) -> int:
    connection = handler["default"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM note")
        (total,) = cursor.fetchone()
    connection.close()
    return total


@pytest.fixture
def unblocked(django_db_blocker):
    with django_db_blocker.unblock():
        yield
    sqlite_wal.release()


def test_without_a_holder_every_close_checkpoints_and_deletes_the_log(tmp_path, unblocked):
    handler = embedded(tmp_path, "plain")
    write(handler, 10)
    assert not (tmp_path / "plain" / "rakor.sqlite3-wal").exists()


def test_a_held_log_survives_closes_stays_bounded_and_goes_on_release(tmp_path, unblocked):
    sqlite_wal.hold_open()
    handler = embedded(tmp_path, "held")
    log = tmp_path / "held" / "rakor.sqlite3-wal"
    write(handler, 10)
    assert log.exists()  # Django's connection closed; the log was not checkpointed away
    # 4,000 rows of 4 kB (16 MB) through 200 connections: the log is checkpointed as it
    # goes and reused, so it stays near SQLite's 1,000 pages (4 MB), not the data's size.
    for batch in range(200):
        write(handler, 20, start=10 + batch * 20)
        assert log.stat().st_size < 8 * 1024 * 1024
    assert count(handler) == 4010
    sqlite_wal.release()
    write(handler, 1, start=5000)  # no longer held: this close is the last one
    assert not log.exists()
    assert count(handler) == 4011
