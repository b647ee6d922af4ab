"""The scheduling assistant in a real browser: a coordinator finds a time on the meeting form,
chooses a proposal and schedules the meeting at that time."""

from __future__ import annotations

import datetime

import pytest

from tests.e2e.test_meetings_browser import pick, sign_in
from tests.threads import in_background

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]


def test_a_coordinator_books_a_proposed_time_from_the_meeting_form(site, browser, screenshots):
    from meetings.models import Meeting

    budi, page, watch = sign_in(browser, site, "budi")  # Bahasa Indonesia, WIB
    assert page.locator("html").get_attribute("lang") == "id"
    page.goto(f"{site}/meetings/new/")
    page.locator("#id_title").fill("Rakor penentuan waktu lintas zona")
    page.locator("#id_start_time").fill("09:00")
    page.locator("#id_end_time").fill("10:30")  # 90 minutes
    page.locator("#id_timezone").select_option("Asia/Makassar")
    pick(page, "required", "andi", "Andi Makkasau")  # WITA
    pick(page, "required", "yohanes", "Yohanes Wenda")  # WIT
    assistant = page.locator("[data-find-time]")
    assert assistant.is_visible()
    button = assistant.locator("[data-find-time-button]")
    # By keyboard: focus the button and press Enter.
    button.focus()
    page.keyboard.press("Enter")
    choices = assistant.locator(".find-time__choice")
    choices.first.wait_for()
    status = assistant.locator("[data-find-time-status]").inner_text()
    assert status and "gagal" not in status.lower(), status
    first = choices.first
    zones = first.locator(".find-time__zones").inner_text()
    assert "WIB" in zones and "WITA" in zones and "WIT" in zones, zones
    start = datetime.datetime.fromisoformat(first.get_attribute("data-start"))
    end = datetime.datetime.fromisoformat(first.get_attribute("data-end"))
    assert end - start == datetime.timedelta(minutes=90)
    # Every one of them works: WIB 08-16 for budi, WITA for andi, WIT for yohanes, so the
    # proposal lies within 08:00-14:00 WIB on a weekday.
    wib = start.astimezone(datetime.timezone(datetime.timedelta(hours=7)))
    assert (
        wib.weekday() < 5
        and wib.hour >= 8
        and wib + (end - start) <= wib.replace(hour=14, minute=0)
    )
    page.screenshot(path=str(screenshots / "find-time.png"), full_page=True)

    first.click()
    assert first.get_attribute("aria-pressed") == "true"
    wita = start.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    assert page.locator("#id_date").input_value() == wita.date().isoformat()
    assert page.locator("#id_start_time").input_value() == wita.strftime("%H:%M")
    assert page.locator("#id_end_time").input_value() == (wita + (end - start)).strftime("%H:%M")
    page.locator("form.meeting-form button.button--primary").click()
    page.wait_for_url(f"{site}/meetings/*")
    assert page.locator("h1").inner_text() == "Rakor penentuan waktu lintas zona"
    # Django refuses database calls in Playwright's thread: read the meeting in another one.
    meeting = in_background(Meeting.objects.get, title="Rakor penentuan waktu lintas zona").join()
    assert (meeting.start, meeting.end) == (start, end)
    assert watch.problems == [], watch.problems

    # At phone width the proposals fit the screen.
    phone = browser.new_context(
        viewport={"width": 375, "height": 800}, storage_state=budi.storage_state()
    )
    small = phone.new_page()
    small.goto(f"{site}/meetings/new/")
    pick(small, "required", "andi", "Andi Makkasau")
    small.locator("[data-find-time-button]").click()
    small.locator(".find-time__choice").first.wait_for()
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    small.screenshot(path=str(screenshots / "find-time-phone.png"), full_page=True)
    phone.close()
    budi.close()
