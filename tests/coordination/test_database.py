"""The embedded database's settings under concurrent writers."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from coordination.organisation.models import Agency
from tests.factories import AgencyFactory


@pytest.mark.sqlite_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_read_then_write_transactions_queue_instead_of_failing():
    """With IMMEDIATE transactions a writer takes the lock when its transaction begins, and
    the busy timeout makes the others wait: none fails with "database is locked", which
    DEFERRED transactions give when two readers both try to upgrade to writers."""
    assert connection.vendor == "sqlite"
    assert connection.cursor().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    AgencyFactory(code="counter", name="0")
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def bump():
        try:
            start.wait()
            for _ in range(10):
                with transaction.atomic():
                    agency = Agency.objects.get(code="counter")
                    agency.name = str(int(agency.name) + 1)
                    agency.save(update_fields=["name"])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert Agency.objects.get(code="counter").name == "80"  # no lost update either
