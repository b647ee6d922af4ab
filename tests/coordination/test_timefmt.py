"""The one time helper: the viewer's zone, its label, another zone beside it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from coordination.organisation.timefmt import format_in_zone, zone_label
from tests.factories import OfficialFactory

# Monday 30 November 2026, 01:52 UTC
INSTANT = datetime(2026, 11, 30, 1, 52, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 1, 52, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "expected_id", "expected_en"),
    [
        (
            "Asia/Jakarta",
            "Senin, 30 November 2026, 08.52 WIB",
            "Monday 30 November 2026, 08:52 WIB",
        ),
        (
            "Asia/Makassar",
            "Senin, 30 November 2026, 09.52 WITA",
            "Monday 30 November 2026, 09:52 WITA",
        ),
        (
            "Asia/Jayapura",
            "Senin, 30 November 2026, 10.52 WIT",
            "Monday 30 November 2026, 10:52 WIT",
        ),
        (
            "Europe/Amsterdam",
            "Senin, 30 November 2026, 02.52 UTC+01:00",
            "Monday 30 November 2026, 02:52 UTC+01:00",
        ),
        (
            "America/New_York",
            "Minggu, 29 November 2026, 20.52 UTC−05:00",
            "Sunday 29 November 2026, 20:52 UTC−05:00",
        ),
        ("UTC", "Senin, 30 November 2026, 01.52 UTC", "Monday 30 November 2026, 01:52 UTC"),
    ],
)
def test_times_in_each_zone_with_their_label_in_both_languages(zone, expected_id, expected_en):
    assert format_in_zone(INSTANT, zone, language="id") == expected_id
    assert format_in_zone(INSTANT, zone, language="en") == expected_en


def test_a_zone_with_daylight_saving_gets_the_offset_of_that_day():
    assert zone_label("Europe/Amsterdam", INSTANT) == "UTC+01:00"
    assert zone_label("Europe/Amsterdam", SUMMER) == "UTC+02:00"
    assert format_in_zone(SUMMER, "Europe/Amsterdam", kind="time", language="en") == (
        "03:52 UTC+02:00"
    )
    assert zone_label("Asia/Kolkata", INSTANT) == "UTC+05:30"


def test_another_zone_beside_when_it_differs():
    assert (
        format_in_zone(INSTANT, "Asia/Makassar", kind="time", beside="Asia/Jakarta", language="id")
        == "09.52 WITA (08.52 WIB)"
    )
    # The same label beside itself is not repeated.
    assert (
        format_in_zone(INSTANT, "Asia/Jakarta", kind="time", beside="Asia/Jakarta", language="id")
        == "08.52 WIB"
    )
    # Across midnight the date is shown beside too.
    late = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    assert (
        format_in_zone(late, "Asia/Jayapura", kind="time", beside="Asia/Jakarta", language="en")
        == "01:30 WIT (30 Nov 2026, 23:30 WIB)"
    )


def test_the_active_language_is_used_by_default():
    with translation.override("en"):
        assert format_in_zone(INSTANT, "Asia/Jakarta", kind="date") == "Monday 30 November 2026 WIB"
    with translation.override("id"):
        assert format_in_zone(INSTANT, "Asia/Jakarta", kind="date") == "Senin, 30 November 2026 WIB"


@pytest.mark.django_db
def test_the_template_tag_and_filter_use_the_viewers_zone():
    official = OfficialFactory(timezone="", agency__timezone="Asia/Jayapura")
    template = Template(
        "{% load rakor %}{% when at viewer %}|{{ at|in_zone:viewer }}|{{ viewer|zone_abbr }}|"
        "{% when at viewer kind='time' beside='Asia/Jakarta' %}"
    )
    with translation.override("id"):
        html = template.render(Context({"at": INSTANT, "viewer": official}))
    assert html == (
        '<time datetime="2026-11-30T01:52:00+00:00">Senin, 30 November 2026, 10.52 WIT</time>'
        "|Senin, 30 November 2026, 10.52 WIT|WIT|"
        '<time datetime="2026-11-30T01:52:00+00:00">10.52 WIT (08.52 WIB)</time>'
    )


def test_non_times_render_as_nothing():
    html = Template(
        "{% load rakor %}[{% when value 'Asia/Jakarta' %}][{{ value|in_zone }}]"
    ).render(Context({"value": "not a time"}))
    assert html == "[][]"
