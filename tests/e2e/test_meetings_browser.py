"""Meetings in a real browser: scheduling through the form, the calendar, the live tally."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from tests.e2e.test_messages_browser import Watch

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]

MAKASSAR = zoneinfo.ZoneInfo("Asia/Makassar")


def sign_in(browser, base, username):
    from coordination.demo import DEMO_PASSWORD

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch(page)
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("button.button--primary").click()
    page.wait_for_url(f"{base}/")
    return context, page, watch


def test_a_meeting_scheduled_through_the_form_is_in_the_calendar_and_answers_arrive_live(
    site, browser, screenshots
):
    # Three days ahead at 10.00 WITA: 09.00 for budi, who is in WIB.
    day = (datetime.datetime.now(MAKASSAR) + datetime.timedelta(days=3)).date()
    budi, page, watch = sign_in(browser, site, "budi")
    page.goto(f"{site}/meetings/")
    page.get_by_role("link", name="Jadwalkan rapat").first.click()
    page.wait_for_url(f"{site}/meetings/new/")
    page.locator("#id_title").fill("Rakor percepatan penurunan stunting")
    page.locator("#id_description").fill("1. Data per kabupaten\n2. Tindak lanjut")
    page.locator("#id_date").fill(day.isoformat())
    page.locator("#id_start_time").fill("10:00")
    page.locator("#id_end_time").fill("11:30")
    page.locator("#id_timezone").select_option("Asia/Makassar")
    # The filter box narrows the long list; the choice is made in the list itself.
    filter_box = page.locator("input.select-filter[aria-controls=id_required]")
    filter_box.fill("andi")
    assert page.locator("#id_required option:not([hidden])").count() == 1
    page.locator("#id_required").select_option(["andi", "yohanes"])
    page.locator("#id_note_taker").select_option("sari")
    page.screenshot(path=str(screenshots / "meeting-form.png"), full_page=True)
    page.locator("form.meeting-form button.button--primary").click()
    page.wait_for_url(f"{site}/meetings/*")
    assert page.locator("h1").inner_text() == "Rakor percepatan penurunan stunting"
    # In budi's zone (WIB) with the meeting's zone beside it.
    lead = page.locator(".lead").inner_text()
    assert "09.00 WIB" in lead and "10.00 WITA" in lead, lead
    meeting_url = page.url
    page.wait_for_selector("body[data-live='1']")
    assert page.locator("[data-tally=accepted]").inner_text() == "1"  # the organiser

    # Andi answers on his own page; budi's tally and participant row change without reload.
    andi, andi_page, andi_watch = sign_in(browser, site, "andi")
    andi_page.goto(meeting_url)
    andi_page.locator(".rsvp-buttons button[value=accepted]").click()
    andi_page.wait_for_url(meeting_url)
    page.wait_for_function("document.querySelector('[data-tally=accepted]').textContent === '2'")
    row = page.locator("#participants tr[data-username=andi] td[data-rsvp]")
    assert row.locator(".tag--ok").count() == 1
    page.screenshot(path=str(screenshots / "meeting.png"), full_page=True)

    # The week calendar shows it on its day in budi's zone; so does the month.
    page.goto(f"{site}/meetings/week/?date={day.isoformat()}")
    cell = page.locator(f".calendar__day:has(time[datetime='{day.isoformat()}'])")
    assert "Rakor percepatan penurunan stunting" in cell.inner_text()
    assert "09.00 WIB" in cell.inner_text()
    page.screenshot(path=str(screenshots / "meetings-week.png"), full_page=True)
    page.goto(f"{site}/meetings/month/?date={day.isoformat()}")
    assert page.locator(".calendar--month a", has_text="Rakor percepatan").count() == 1
    # Andi (WITA) sees 10.00 in his own week view.
    andi_page.goto(f"{site}/meetings/week/?date={day.isoformat()}")
    andi_cell = andi_page.locator(f".calendar__day:has(time[datetime='{day.isoformat()}'])")
    assert "10.00 WITA" in andi_cell.inner_text()
    assert watch.problems == [] and andi_watch.problems == []
    budi.close()
    andi.close()
