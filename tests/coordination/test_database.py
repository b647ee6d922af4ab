"""The embedded database's settings under concurrent writers."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from coordination.organisation.models import Agency
from tests.factories import AgencyFactory
from tests.threads import run_together


@pytest.mark.sqlite_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_read_then_write_transactions_queue_instead_of_failing():
    """With IMMEDIATE transactions a writer takes the lock when its transaction begins, and
    the busy timeout makes the others wait: none fails with "database is locked", which
    DEFERRED transactions give when two readers both try to upgrade to writers."""
    assert connection.vendor == "sqlite"
    assert connection.cursor().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    AgencyFactory(code="counter", name="0")

    def bump():
        for _ in range(10):
            with transaction.atomic():
                agency = Agency.objects.get(code="counter")
                agency.name = str(int(agency.name) + 1)
                agency.save(update_fields=["name"])

    run_together(bump, times=8)  # "database is locked" in any thread is raised here
    assert Agency.objects.get(code="counter").name == "80"  # no lost update either
