"""Non-working days (coordination.organisation.workdays): the national calendar of the
`holidays` package, and the Holiday rows administrators add to it."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from coordination.organisation.models import Agency, Holiday
from coordination.organisation.workdays import DaysOff, national_calendar
from tests.factories import AgencyFactory, OfficialFactory

pytestmark = pytest.mark.django_db

DECEMBER = (datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))


def test_the_national_calendar_has_computed_islamic_and_chinese_days_and_cuti_bersama():
    calendar = national_calendar([2026])
    assert calendar[datetime.date(2026, 3, 21)]  # Idul Fitri, computed
    assert calendar[datetime.date(2026, 2, 17)]  # Tahun Baru Imlek
    assert calendar[datetime.date(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"
    assert "Cuti Bersama" in calendar[datetime.date(2026, 12, 24)]
    assert national_calendar([2026], language="en")[datetime.date(2026, 12, 25)] == (
        "Christmas Day"
    )


def test_rows_add_days_regional_ones_only_for_their_region_and_below(world):
    gowa = AgencyFactory(code="gowa", parent=world["sulsel"], level=Agency.Level.REGENCY)
    in_gowa = OfficialFactory(username="gowa1", agency=gowa)
    Holiday.objects.create(
        date=datetime.date(2026, 12, 31), name="Cuti bersama", kind="cuti_bersama"
    )
    Holiday.objects.create(
        date=datetime.date(2026, 12, 14), name="Hari jadi", kind="regional", region=world["sulsel"]
    )
    days = DaysOff(*DECEMBER)
    budi, andi = days.dates_for(world["budi"]), days.dates_for(world["andi"])
    assert {datetime.date(2026, 12, 24), datetime.date(2026, 12, 25)} <= budi
    assert datetime.date(2026, 12, 31) in budi and datetime.date(2026, 12, 31) in andi
    assert datetime.date(2026, 12, 14) not in budi
    assert datetime.date(2026, 12, 14) in andi
    assert datetime.date(2026, 12, 14) in days.dates_for(in_gowa)  # below the province
    assert datetime.date(2026, 12, 1) not in andi


def test_a_day_worked_after_all_is_taken_off_the_calendar(world):
    Holiday.objects.create(
        date=datetime.date(2026, 12, 24), name="Masuk kerja", kind="national", working=True
    )
    Holiday.objects.create(
        date=datetime.date(2026, 12, 25),
        name="Tetap masuk",
        kind="regional",
        region=world["sulsel"],
        working=True,
    )
    days = DaysOff(*DECEMBER)
    assert datetime.date(2026, 12, 24) not in days.dates_for(world["budi"])
    assert datetime.date(2026, 12, 25) in days.dates_for(world["budi"])
    assert datetime.date(2026, 12, 25) not in days.dates_for(world["andi"])


def test_days_off_read_a_constant_number_of_queries(world, django_assert_max_num_queries):
    Holiday.objects.create(
        date=datetime.date(2026, 12, 14), name="Hari jadi", kind="regional", region=world["sulsel"]
    )
    people = [OfficialFactory(agency=world["sulsel"]) for _ in range(20)]
    with django_assert_max_num_queries(2):
        days = DaysOff(*DECEMBER)
        for official in people:
            days.dates_for(official)


def test_only_a_regional_holiday_names_a_region(world):
    with pytest.raises(ValidationError):
        Holiday(date=DECEMBER[0], name="x", kind="regional").full_clean()
    with pytest.raises(ValidationError):
        Holiday(date=DECEMBER[0], name="x", kind="national", region=world["sulsel"]).full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Holiday.objects.create(date=DECEMBER[0], name="x", kind="regional")


def test_administrators_edit_holidays_in_the_admin(world, client):
    from coordination.organisation.models import Role

    admin = OfficialFactory(username="admin", role=Role.ADMINISTRATOR, is_staff=True)
    client.force_login(admin)
    response = client.post(
        "/admin/coordination/holiday/add/",
        {
            "date": "2026-12-14",
            "name": "Hari jadi Sulsel",
            "kind": "regional",
            "region": world["sulsel"].pk,
        },
    )
    assert response.status_code == 302, response.content
    assert Holiday.objects.get().region == world["sulsel"]
    assert client.get("/admin/coordination/holiday/").status_code == 200
    client.force_login(world["budi"])  # a coordinator, not an administrator
    assert client.get("/admin/coordination/holiday/").status_code in (302, 403)
