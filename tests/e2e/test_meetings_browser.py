"""Meetings in a real browser: scheduling through the form, the calendar, the live tally."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest

from tests.e2e.test_messages_browser import Watch

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]

MAKASSAR = zoneinfo.ZoneInfo("Asia/Makassar")
JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")


def sign_in(browser, base, username):
    from coordination.organisation.demo import DEMO_PASSWORD

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watch = Watch(page)
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("button.button--primary").click()
    page.wait_for_url(f"{base}/")
    return context, page, watch


def pick(page, field, text, choice):
    """Type `text` in the picker of `field` and choose the suggestion holding `choice`."""
    box = page.locator(f"#id_{field}-search")
    box.fill(text)
    option = page.locator(f"#id_{field}-options [role=option]", has_text=choice)
    option.first.wait_for()
    option.first.click()


def test_a_meeting_scheduled_through_the_form_is_in_the_calendar_and_answers_arrive_live(
    site, browser, screenshots
):
    # budi's page is in Bahasa Indonesia (the default): the date input must carry the ISO
    # default (tomorrow in his zone), not a localised value the browser drops.
    budi, page, watch = sign_in(browser, site, "budi")
    assert page.locator("html").get_attribute("lang") == "id"
    page.goto(f"{site}/meetings/")
    page.get_by_role("link", name="Jadwalkan rapat").first.click()
    page.wait_for_url(f"{site}/meetings/new/")
    tomorrow = (datetime.datetime.now(JAKARTA) + datetime.timedelta(days=1)).date()
    assert page.locator("#id_date").input_value() == tomorrow.isoformat()
    assert page.locator("#id_start_time").input_value() == "09:00"
    day = tomorrow  # kept as the form offers it; 10.00 WITA is 09.00 for budi (WIB)
    page.locator("#id_title").fill("Rakor percepatan penurunan stunting")
    page.locator("#id_description").fill("1. Data per kabupaten\n2. Tindak lanjut")
    page.locator("#id_start_time").fill("10:00")
    page.locator("#id_end_time").fill("11:30")
    page.locator("#id_timezone").select_option("Asia/Makassar")
    # The pickers: by name, by agency ("papua" finds Yohanes), by keyboard; the organiser
    # is never offered as a participant.
    assert page.locator("#id_required-search").get_attribute("placeholder") == (
        "Ketik nama, nama pengguna, jabatan, atau instansi…"
    )
    pick(page, "required", "andi", "Andi Makkasau")
    page.locator("#id_required-search").fill("papua")  # Provinsi Papua: by keyboard
    page.locator("#id_required-options [role=option]", has_text="Yohanes").first.wait_for()
    assert page.locator("#id_required-options .picker__option").count() == 1
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    chips = page.locator("#id_required-search").locator("xpath=..").locator(".picker__chip-name")
    assert sorted(chips.all_inner_texts()) == ["Andi Makkasau", "Yohanes Wenda"]
    page.locator("#id_required-search").fill("@budi")
    page.locator("#id_required-options .picker__note").wait_for()
    assert page.locator("#id_required-options .picker__option").count() == 0
    page.keyboard.press("Escape")
    pick(page, "note_taker", "sari", "Sari Wulandari")
    assert page.locator("#id_required").evaluate(
        "s => [...s.selectedOptions].map(o => o.value).sort()"
    ) == ["andi", "yohanes"]
    assert page.locator("#id_note_taker").input_value() == "sari"
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

    # budi changes the meeting, the page still in Indonesian: the form shows the meeting's
    # own date and times, and saving needs no retyping.
    page.goto(meeting_url)
    page.get_by_role("link", name="Ubah rapat").click()
    page.wait_for_url(f"{meeting_url}/edit")
    assert page.locator("#id_date").input_value() == day.isoformat()
    assert page.locator("#id_start_time").input_value() == "10:00"
    assert sorted(chips.all_inner_texts()) == ["Andi Makkasau", "Yohanes Wenda"]
    page.locator("#id_end_time").fill("12:00")
    page.locator("form.meeting-form button.button--primary").click()
    page.wait_for_url(meeting_url)
    lead = page.locator(".lead").inner_text()
    assert "11.00 WIB" in lead and "12.00 WITA" in lead, lead
    assert "Versi" not in page.locator("main").inner_text()
    assert watch.problems == [] and andi_watch.problems == []
    budi.close()
    andi.close()
