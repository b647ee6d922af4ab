"""The decision log in a real browser, in Bahasa Indonesia: the organiser records what a
coordination meeting decided and assigns a follow-up action to a city of Papua and one of
its officials; she, whose Tindak lanjut page is open, is told live; her dashboard lists it; the
province's coordinator sees it on the Tindak lanjut page under Papua, at phone width too,
and the city's official reports it done with a file as evidence."""

from __future__ import annotations

import datetime

import pytest

from coordination.organisation.demo import DEMO_PASSWORD
from tests.e2e.test_meetings_browser import pick, sign_in
from tests.e2e.test_new_user_browser import fits

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def meeting(site):
    from django.utils import timezone

    from coordination.organisation.models import Official
    from meetings.services import scheduling
    from meetings.services.scheduling import Invitee

    start = (timezone.now() + datetime.timedelta(days=1)).replace(second=0, microsecond=0)
    meeting, _busy = scheduling.meeting_create(
        by=Official.objects.get(username="budi"),
        title="Rakor percepatan penurunan stunting",
        start=start,
        end=start + datetime.timedelta(minutes=60),
        timezone_name="Asia/Jakarta",
        participants=[Invitee("andi", "chair")],
    )
    return meeting


def test_a_decision_with_an_action_for_a_city_reaches_the_province(
    site, meeting, browser, tmp_path, screenshots
):
    from playwright.sync_api import expect

    budi, page, watch = sign_in(browser, site, "budi")
    maria, city, city_watch = sign_in(browser, site, "maria")
    city.goto(f"{site}/actions/?scope=agency")
    city.wait_for_load_state("networkidle")
    assert city.locator("h1").inner_text() == "Follow-up actions"  # maria reads English

    # budi records the decision from the meeting's page.
    page.goto(f"{site}/meetings/{meeting.pk}")
    page.locator("#decisions a", has_text="Catat keputusan").click()
    page.locator("#id_text").fill("Setiap kota melaporkan data balita berisiko setiap bulan.")
    page.locator("#id_tags").fill("stunting, kesehatan")
    page.locator("#record button[type=submit]").click()
    page.wait_for_url(f"{site}/decisions/*")
    assert "Keputusan tercatat di log." in page.locator(".messages").inner_text()

    # ...and assigns the follow-up action to Kota Jayapura, due in two weeks.
    page.locator("summary", has_text="Tugaskan tindak lanjut").click()
    page.locator("#id_action-description").fill("Kirim data balita berisiko bulan ini")
    pick(page, "action-agency", "Jayapura", "Kota Jayapura")
    pick(page, "action-assignee", "Maria", "Maria Kambu")
    due = (datetime.date.today() + datetime.timedelta(days=14)).isoformat()
    page.locator("#id_action-due").fill(due)
    page.locator("button[type=submit]", has_text="Tugaskan").click()
    page.wait_for_load_state("networkidle")
    assert (
        "Tindak lanjut ditugaskan kepada Kota Jayapura." in page.locator(".messages").inner_text()
    )
    page.locator("td a", has_text="Kirim data balita berisiko").wait_for()
    page.screenshot(path=str(screenshots / "decision.png"), full_page=True)

    # maria's open page is told live; read again, it lists the action; so does her dashboard.
    city.locator("[data-live-note]").wait_for(state="visible")
    city.locator("[data-live-note] a").click()
    city.locator(".action-table a", has_text="Kirim data balita berisiko").wait_for()
    city.goto(f"{site}/")
    card = city.locator("#actions-heading").locator("xpath=..")
    assert "Kirim data balita berisiko" in card.inner_text()

    # The coordinator of Papua, not in the meeting, sees it under his province, on a phone.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    yohanes = phone.new_page()
    yohanes.goto(f"{site}/accounts/login/")
    yohanes.locator("#id_username").fill("yohanes")
    yohanes.locator("#id_password").fill(DEMO_PASSWORD)
    yohanes.locator("button.button--primary").click()
    yohanes.wait_for_url(f"{site}/")
    yohanes.goto(f"{site}/actions/?province=papua")
    row = yohanes.locator('tr[data-province="papua"]')
    expect(row).to_be_visible()
    assert row.locator("td").nth(0).inner_text() == "1"  # open
    assert "Kirim data balita berisiko" in yohanes.locator(".action-table").inner_text()
    fits(yohanes, "the Tindak lanjut page")
    yohanes.screenshot(path=str(screenshots / "tindak-lanjut-phone.png"), full_page=True)

    # maria (who reads Rakor in English) reports it done, with the data attached as evidence.
    city.locator("a", has_text="Kirim data balita berisiko").first.click()
    city.locator("#id_status").select_option("done")
    city.locator("#id_comment").fill("Data terlampir.")
    evidence = tmp_path / "balita.csv"
    evidence.write_text("kelurahan,jumlah\nHamadi,12\n")
    city.locator("#id_files").set_input_files(str(evidence))
    city.locator("button[type=submit]", has_text="Send the report").click()
    city.wait_for_load_state("networkidle")
    assert "Your report is recorded in the log." in city.locator(".messages").inner_text()
    assert "balita.csv" in city.locator(".updates").inner_text()
    yohanes.reload()
    assert row.locator("td").nth(2).inner_text() == "1"  # done on time
    assert watch.problems == [] and city_watch.problems == []
    for context in (budi, maria, phone):
        context.close()
