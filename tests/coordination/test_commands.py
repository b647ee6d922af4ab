"""Management commands: create_token, seed_demo, run_worker."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from coordination.organisation.demo import AGENCIES, DEMO_PASSWORD, OFFICIALS
from coordination.organisation.models import Agency, ApiToken, Official, Role
from coordination.organisation.services import token_authenticate
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_token_prints_the_token_alone():
    official = OfficialFactory(username="budi")
    output = run("create_token", "budi", "--name", "ci")
    assert output.endswith("\n") and output.count("\n") == 1
    assert token_authenticate(output.strip()) == official
    assert ApiToken.objects.get().name == "ci"


def test_create_token_for_an_unknown_official_fails_clearly():
    with pytest.raises(CommandError, match="No official"):
        run("create_token", "nobody")
    assert not ApiToken.objects.exists()


def snapshot():
    agencies = list(Agency.objects.order_by("code").values())
    officials = list(
        Official.objects.order_by("username").values(
            "username", "first_name", "agency__code", "role", "is_staff", "password"
        )
    )
    return agencies, officials


def test_seed_demo_is_idempotent():
    output = run("seed_demo")
    first = snapshot()
    assert Agency.objects.count() == len(AGENCIES)
    assert Official.objects.count() == len(OFFICIALS)
    assert DEMO_PASSWORD in output and "budi" in output
    run("seed_demo")
    assert snapshot() == first


def test_seed_demo_covers_three_zones_every_role_and_a_tree():
    run("seed_demo")
    assert set(Agency.objects.values_list("timezone", flat=True)) == {
        "Asia/Jakarta",
        "Asia/Makassar",
        "Asia/Jayapura",
    }
    assert set(Official.objects.values_list("role", flat=True)) == set(Role.values)
    assert Agency.objects.get(code="kab-gowa").parent.code == "sulsel"
    admin = Official.objects.get(username="admin")
    assert admin.is_staff and admin.check_password(DEMO_PASSWORD)


def test_seed_demo_keeps_a_password_someone_changed():
    run("seed_demo")
    budi = Official.objects.get(username="budi")
    budi.set_password("my-own-password")
    budi.save()
    output = run("seed_demo")
    budi.refresh_from_db()
    assert budi.check_password("my-own-password")
    line = next(line for line in output.splitlines() if line.strip().startswith("budi"))
    assert DEMO_PASSWORD not in line


def test_seed_demo_leaves_an_existing_superuser_alone():
    Official.objects.create_superuser("admin", "root@example.test", "root-password-123")
    output = run("seed_demo")
    admin = Official.objects.get(username="admin")
    assert admin.agency is None and admin.is_superuser and admin.check_password("root-password-123")
    assert "admin" in output and Official.objects.count() == len(OFFICIALS)


def test_seed_demo_puts_provinces_under_the_home_affairs_ministry():
    from coordination.organisation.permissions import oversees

    run("seed_demo")
    budi = Official.objects.get(username="budi")  # coordinator at Kemendagri
    assert oversees(budi, Agency.objects.get(code="kab-gowa").pk)


def test_seed_demo_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        run("seed_demo")
    assert not Agency.objects.exists()


def test_run_worker_refuses_without_redis(settings):
    settings.REDIS_URL = ""
    with pytest.raises(CommandError, match="REDIS_URL"):
        run("run_worker")


def test_seed_demo_has_a_weekly_series_with_one_occurrence_moved():
    from meetings.models import Meeting

    run("seed_demo")
    series = Meeting.objects.get(title__startswith="Rakor mingguan", series__isnull=True)
    assert series.rrule.startswith("FREQ=WEEKLY;BYDAY=") and series.rrule.endswith(";COUNT=12")
    [moved] = Meeting.objects.filter(series=series)
    assert moved.start - moved.recurrence_id == datetime.timedelta(hours=1)
