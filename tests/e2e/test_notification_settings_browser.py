"""Notification settings and the notification centre in a real browser, in Bahasa Indonesia,
at phone width.

yohanes (Papua) opens the "Notifikasi" section of his profile on a phone: a row per group
with its mail choices (the meetings' row is the calendar invitation), the digest's hour and
quiet hours. He keeps mentions in Rakor only, takes the digest at 16:30 and quiet hours from
21:00 to 06:00; the page says so, a reload keeps it, and the API from the same page agrees.
Quiet hours with a start and no end are refused, in Indonesian, and change nothing. The
notification centre fits the phone, is empty, and its switch turns the browser's
notifications on and off once the browser allows them.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_new_user_browser import PHONE, fits, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]

IMMEDIATE, DIGEST, OFF = "E-mail segera", "Dalam ringkasan harian", "Hanya di Rakor"
# Every group's row, in the order of coordination.organisation.notifications.GROUPS, with
# the mail choices it offers (None: its mail is the calendar invitation itself).
ROWS = [
    ("Sebutan Anda atau instansi Anda", [IMMEDIATE, DIGEST, OFF]),
    (
        "Arahan yang perlu Anda konfirmasi, dan arahan Anda yang lewat tenggat",
        [IMMEDIATE, DIGEST, OFF],
    ),
    ("Undangan, perubahan, dan pembatalan rapat", None),
    ("Pengingat rapat", [IMMEDIATE, OFF]),
    ("Jawaban atas rapat yang Anda selenggarakan", [IMMEDIATE, DIGEST, OFF]),
    ("Usulan butir agenda untuk rapat yang Anda selenggarakan", [IMMEDIATE, DIGEST, OFF]),
    ("Notulen yang menunggu pengesahan Anda", [IMMEDIATE, DIGEST, OFF]),
    ("Tindak lanjut: ditugaskan, berubah, segera jatuh tempo, terlambat", [IMMEDIATE, DIGEST, OFF]),
    ("Keputusan yang dicatat dalam rapat yang Anda ikuti", [IMMEDIATE, DIGEST, OFF]),
]
MENTIONS = ROWS[0][0]
SAVE = "Simpan pengaturan notifikasi"
# The official's settings as GET /api/v1/me/notification-settings gives them, read by the
# page's own fetch with its session cookie.
SETTINGS = """async () => {
  const response = await fetch("/api/v1/me/notification-settings");
  return {status: response.status, body: await response.json()};
}"""


def phone(browser, site, **context):
    """yohanes, who reads Indonesian, signed in on a phone."""
    return sign_in(
        browser, site, "yohanes", viewport=PHONE, is_mobile=True, has_touch=True, **context
    )


def api_settings(page):
    answer = page.evaluate(SETTINGS)
    assert answer["status"] == 200, answer
    return answer["body"]


def section(page):
    return page.locator("#notifications")


def check_rows(page):
    rows = section(page).locator("table.notification-settings tbody tr")
    expect(rows).to_have_count(len(ROWS))
    for index, (label, choices) in enumerate(ROWS):
        row = rows.nth(index)
        expect(row.locator("th")).to_contain_text(label)
        radios = row.get_by_role("radio")
        if choices is None:
            expect(radios).to_have_count(0)
            expect(row.locator("td")).to_have_text("Undangan kalender")
            continue
        expect(radios).to_have_count(len(choices))
        expect(row.locator("td label")).to_have_text(choices)
        for choice in choices:
            expect(row.get_by_role("radio", name=choice, exact=True)).to_be_visible()


def test_an_official_sets_notification_settings_on_a_phone_and_bad_quiet_hours_are_refused(
    site, browser
):
    ctx, page, watch = phone(browser, site)
    page.goto(f"{site}/profile/#notifications")
    assert page.locator("html").get_attribute("lang") == "id"
    expect(section(page)).to_be_visible()
    expect(section(page).locator("#notifications-heading")).to_have_text("Notifikasi")
    expect(section(page).locator("#notifications-heading")).to_be_in_viewport()
    fits(page, "profile, notification settings")
    check_rows(page)
    before = api_settings(page)
    assert before["mail"]["mentions"] == "immediate"
    assert before["mail"]["meetings"] == "invitation"

    # Mentions only in Rakor, the digest at 16:30, quiet hours over the night.
    mentions = page.get_by_role("group", name=MENTIONS)
    mentions.get_by_role("radio", name=OFF, exact=True).check()
    page.get_by_label("Ringkasan harian pukul").fill("16:30")
    page.get_by_label("Jam tenang mulai").fill("21:00")
    page.get_by_label("Jam tenang sampai").fill("06:00")
    page.get_by_role("button", name=SAVE).click()
    page.wait_for_url(f"{site}/profile/#notifications")
    expect(page.locator(".messages")).to_contain_text("Pengaturan notifikasi Anda tersimpan.")
    fits(page, "profile, notification settings saved")

    # Kept after a reload.
    page.reload()
    expect(section(page)).to_be_visible()
    check_rows(page)
    mentions = page.get_by_role("group", name=MENTIONS)
    expect(mentions.get_by_role("radio", name=OFF, exact=True)).to_be_checked()
    expect(mentions.get_by_role("radio", name=IMMEDIATE, exact=True)).not_to_be_checked()
    expect(page.get_by_label("Ringkasan harian pukul")).to_have_value("16:30")
    expect(page.get_by_label("Jam tenang mulai")).to_have_value("21:00")
    expect(page.get_by_label("Jam tenang sampai")).to_have_value("06:00")

    # The API, from the same page with its session, says the same; nothing else changed.
    saved = api_settings(page)
    assert saved["mail"] == {**before["mail"], "mentions": "off"}
    assert saved["digest_time"] == "16:30"
    assert saved["quiet"] == {"start": "21:00", "end": "06:00", "minutes": 540}
    assert saved["timezone"] == before["timezone"]

    # Quiet hours with a start and no end: refused in Indonesian, nothing saved.
    page.get_by_label("Jam tenang mulai").fill("22:00")
    page.get_by_label("Jam tenang sampai").fill("")
    with page.expect_response(f"{site}/profile/notifications/") as refused:
        page.get_by_role("button", name=SAVE).click()
    assert refused.value.request.method == "POST"
    assert refused.value.status == 400
    page.wait_for_url(f"{site}/profile/notifications/")
    quiet_end = section(page).locator(".field", has=page.get_by_label("Jam tenang sampai"))
    expect(quiet_end).to_have_class("field field--error")
    expect(quiet_end.locator(".error")).to_have_text(
        "Jam tenang memerlukan waktu mulai dan waktu selesai."
    )
    expect(page.locator(".messages")).to_have_count(0)
    # What was typed stays on the form to be put right.
    expect(page.get_by_label("Jam tenang mulai")).to_have_value("22:00")
    expect(page.get_by_label("Jam tenang sampai")).to_have_value("")
    fits(page, "profile, notification settings refused")
    assert api_settings(page) == saved

    # Reloaded from the server, the form shows the saved settings again.
    page.goto(f"{site}/profile/#notifications")
    expect(page.get_by_label("Jam tenang mulai")).to_have_value("21:00")
    expect(page.get_by_label("Jam tenang sampai")).to_have_value("06:00")
    # The one thing the browser logs is the refused form (a 400 is how it is told).
    refusals = [p for p in watch.problems if "status of 400" in p]
    assert len(refusals) == 1
    assert [p for p in watch.problems if p not in refusals] == []
    ctx.close()


def test_the_notification_centre_fits_a_phone_and_switches_browser_notifications(site, browser):
    ctx, page, watch = phone(browser, site, permissions=["notifications"])
    page.goto(f"{site}/notifications/")
    assert page.locator("html").get_attribute("lang") == "id"
    expect(page.locator("h1")).to_have_text("Notifikasi")
    expect(page.get_by_role("button", name="Tandai semua sudah dibaca")).to_be_disabled()
    expect(page.locator("[data-list-empty]")).to_have_text(
        "Belum ada notifikasi. Sebutan, arahan, undangan, pengingat, dan tindak lanjut untuk "
        "Anda muncul di sini."
    )
    expect(page.locator("[data-notification-list] .notification")).to_have_count(0)

    # The browser allows notifications; Rakor shows them only once asked to.
    switch = page.locator("[data-browser-notifications] button")
    note = page.locator("[data-browser-note]")
    expect(switch).to_be_visible()
    expect(switch).to_have_text("Aktifkan notifikasi peramban")
    expect(switch).to_have_attribute("aria-pressed", "false")
    expect(note).to_have_text("")
    fits(page, "notification centre")

    switch.click()
    expect(switch).to_have_text("Matikan notifikasi peramban")
    expect(switch).to_have_attribute("aria-pressed", "true")
    expect(note).to_have_text(
        "Notifikasi peramban aktif selama Rakor terbuka di tab latar belakang."
    )
    fits(page, "notification centre, browser notifications on")

    # Still on after a reload (the choice is the browser's), then off again.
    page.reload()
    expect(switch).to_have_text("Matikan notifikasi peramban")
    switch.click()
    expect(switch).to_have_text("Aktifkan notifikasi peramban")
    expect(switch).to_have_attribute("aria-pressed", "false")
    expect(note).to_have_text("")
    fits(page, "notification centre, browser notifications off")
    assert watch.problems == []
    ctx.close()
