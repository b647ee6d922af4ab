"""Recurring meetings in a real browser, in Bahasa Indonesia and at phone width: the form's
repeat fields show what the chosen repeat needs and schedule a weekly series; its page lists
the coming occurrences, whose own page answers, moves and cancels one alone."""

from __future__ import annotations

import datetime

import pytest

from tests.e2e.test_meetings_browser import pick, sign_in
from tests.threads import in_background

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]


def test_a_weekly_series_from_the_form_and_one_occurrence_changed_alone(site, browser, screenshots):
    from meetings.models import Meeting

    budi, page, watch = sign_in(browser, site, "budi")  # Bahasa Indonesia, WIB
    assert page.locator("html").get_attribute("lang") == "id"
    page.goto(f"{site}/meetings/new/")
    page.locator("#id_title").fill("Rakor mingguan lintas zona")
    pick(page, "required", "andi", "Andi Makkasau")
    weekdays = page.locator("[data-repeat-weekly]")
    count = page.locator("#id_count")
    # Nothing but the choice itself until the meeting repeats.
    assert not weekdays.is_visible() and not count.is_visible()
    page.locator("#id_repeat").select_option("weekly")
    assert weekdays.is_visible() and count.is_visible()
    assert not page.locator("#id_until").is_visible()
    count.fill("6")
    page.locator("form.meeting-form button.button--primary").click()
    page.wait_for_url(f"{site}/meetings/*")
    series = in_background(Meeting.objects.get, title="Rakor mingguan lintas zona").join()
    assert series.rrule.startswith("FREQ=WEEKLY;BYDAY=") and series.rrule.endswith("COUNT=6")
    occurrences = page.locator(".occurrence-list a")
    assert occurrences.count() == 6
    page.screenshot(path=str(screenshots / "series.png"), full_page=True)

    # The third occurrence's own page: moved an hour later, alone.
    occurrences.nth(2).click()
    page.wait_for_url(f"{site}/meetings/{series.pk}/occurrences/*")
    start = page.locator("#id_start_time")
    moved = datetime.datetime.strptime(start.input_value(), "%H:%M") + datetime.timedelta(hours=1)
    start.fill(moved.strftime("%H:%M"))
    page.locator("#id_end_time").fill((moved + datetime.timedelta(hours=1)).strftime("%H:%M"))
    page.locator("form[action$='/edit'] button.button--primary").click()
    page.wait_for_url(f"{site}/meetings/*")
    rows = in_background(lambda: list(Meeting.objects.filter(series=series))).join()
    assert len(rows) == 1 and rows[0].start - rows[0].recurrence_id == datetime.timedelta(hours=1)
    assert page.url.endswith(f"/meetings/{rows[0].pk}")
    assert watch.problems == [], watch.problems

    # At phone width the series' page and a virtual occurrence's page fit the screen.
    phone = browser.new_context(
        viewport={"width": 375, "height": 800}, storage_state=budi.storage_state()
    )
    small = phone.new_page()
    small.goto(f"{site}/meetings/{series.pk}")
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    small.locator(".occurrence-list a").nth(4).click()  # one without a row of its own
    small.wait_for_url(f"{site}/meetings/{series.pk}/occurrences/*")
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    small.screenshot(path=str(screenshots / "occurrence-phone.png"), full_page=True)
    phone.close()
