"""The messages page in a real browser: two officials in two browser contexts."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from coordination.organisation.demo import DEMO_PASSWORD
from messaging.services import attachments as attachment_services
from messaging.services import timeline as timeline_services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]

XSS = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 2">',
    "[klik](javascript:window.__xss=3)",
    '<svg onload="window.__xss = 4"></svg>',
    "[a](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9NTwvc2NyaXB0Pg==)",
    '<a href="javascript:window.__xss=6">tautan</a>',
    '**<b onmouseover="window.__xss=7">tebal</b>**',
]


class Watch:
    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on(
            "dialog",
            lambda dialog: (self.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()),
        )

    def console(self, message) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type}: {message.text}")


def sign_in(browser, base, username):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    watch = Watch(page)
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("button.button--primary").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/messages/")
    page.wait_for_selector("#connection[data-state=connected]")
    return context, page, watch


def send(page, text):
    page.locator("#composer-body").fill(text)
    page.locator("#composer-send").click()


def messages_with(page, text):
    return page.locator("article.msg:not(.msg--pending)", has_text=text)


def test_two_officials_talk_through_a_dropped_connection(site, browser, screenshots, tmp_path):
    base = site
    budi_ctx, budi, budi_watch = sign_in(browser, base, "budi")  # Bahasa Indonesia
    sari_ctx, sari, sari_watch = sign_in(browser, base, "sari")  # English
    assert budi.locator("#room-title").inner_text() == "Kementerian Dalam Negeri"

    # Live, both ways.
    send(budi, "Selamat pagi, rapat koordinasi pukul 09.00 WIB.")
    messages_with(sari, "rapat koordinasi pukul 09.00").wait_for()
    send(sari, "Siap, Pak.")
    messages_with(budi, "Siap, Pak.").wait_for()

    # Offline: two messages typed, kept, sent once on return.
    sari_ctx.set_offline(True)
    sari.wait_for_selector("#connection[data-state=offline]")
    send(sari, "Pesan luring satu")
    send(sari, "Pesan luring dua")
    assert sari.locator("article.msg--pending").count() == 2
    budi.wait_for_timeout(500)
    assert messages_with(budi, "Pesan luring").count() == 0
    sari_ctx.set_offline(False)
    sari.wait_for_selector("#connection[data-state=connected]")
    messages_with(budi, "Pesan luring dua").wait_for()
    budi.wait_for_timeout(800)  # a duplicate would arrive by now
    assert messages_with(budi, "Pesan luring satu").count() == 1
    assert messages_with(budi, "Pesan luring dua").count() == 1
    sari.wait_for_function("document.querySelectorAll('article.msg--pending').length === 0")

    # A reload shows the history, once.
    sari.reload()
    sari.wait_for_selector("#connection[data-state=connected]")
    messages_with(sari, "Pesan luring dua").wait_for()
    assert messages_with(sari, "rapat koordinasi pukul 09.00").count() == 1

    # A mention autocompletes.
    box = sari.locator("#composer-body")
    box.fill("")
    box.press_sequentially("Mohon arahan @bu")
    sari.wait_for_selector("#mention-menu:not([hidden]) li")
    assert "Budi Santoso (@budi)" in sari.locator("#mention-menu li").first.inner_text()
    box.press("Enter")
    assert box.input_value() == "Mohon arahan @budi "
    box.press("Enter")
    mention = messages_with(budi, "Mohon arahan @budi")
    mention.wait_for()
    assert "msg--mention" in mention.get_attribute("class")

    # A directive is acknowledged; the sender's tally updates live.
    budi.locator(".chat-directive-options summary").click()
    budi.locator("#directive-ack").select_option("member")
    send(budi, "Arahan: kirim data inflasi sebelum Jumat.")
    directive = messages_with(sari, "kirim data inflasi")
    directive.wait_for()
    banner = sari.locator(".chat-directive-banner", has_text="kirim data inflasi")
    banner.wait_for()  # live, on top of the room
    tally = messages_with(budi, "kirim data inflasi").locator(".msg__tally")
    tally.locator(".tally-pending").wait_for()
    assert "Sari Wulandari" in tally.locator(".tally-pending").inner_text()
    directive.get_by_role("button", name="Acknowledge").click()
    tally.locator(".tally-done").wait_for()
    assert "Sari Wulandari" in tally.locator(".tally-done").inner_text()
    pending = tally.locator(".tally-pending")
    assert pending.count() == 0 or "Sari Wulandari" not in pending.inner_text()
    banner.wait_for(state="detached")
    assert directive.locator(".ack-button").inner_text() == "Acknowledged"
    assert directive.locator(".ack-button").is_disabled()

    budi.screenshot(path=screenshots / "messages.png")

    # Hostile text is shown, never run.
    for body in XSS:
        send(budi, body)
    messages_with(sari, "tebal").wait_for()
    sari.wait_for_timeout(300)
    assert sari.evaluate("window.__xss") is None
    assert (
        sari.locator(
            "#log script, #log img:not(.msg__thumb), #log svg, #log [onerror], "
            "#log [onload], #log [onmouseover], #log a[href^='javascript'], "
            "#log a[href^='data']"
        ).count()
        == 0
    )

    # A file: uploaded by one member, downloaded by the other, refused to a non-member.
    report = tmp_path / "laporan-inflasi.pdf"
    report.write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    sari.locator("#composer-file").set_input_files(str(report))
    sari.locator(".chat-file", has_text="laporan-inflasi.pdf").wait_for()
    send(sari, "Laporan terlampir")
    link = messages_with(budi, "Laporan terlampir").locator("a[download]")
    link.wait_for()
    with budi.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "laporan-inflasi.pdf"
    assert Path(download.value.path()).read_bytes() == report.read_bytes()
    for watch in (budi_watch, sari_watch):
        assert watch.problems == []
    budi_ctx.close()
    sari_ctx.close()


@pytest.fixture
def nurul_token(site):
    from coordination.organisation.models import Official
    from coordination.organisation.services import token_create

    return token_create(official=Official.objects.get(username="nurul"), name="e2e")[1]


def test_a_non_member_cannot_download_a_rooms_file(site, nurul_token, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from coordination.organisation.models import Official
    from messaging.models import Room

    budi = Official.objects.get(username="budi")
    room = Room.objects.get(kind="agency", agency__code="kemendagri")
    upload = attachment_services.attachment_upload(
        uploader=budi,
        upload=SimpleUploadedFile("catatan.txt", b"rahasia kemendagri\n", "text/plain"),
    )
    timeline_services.message_post(
        author=budi, room_id=room.pk, body="", client_id=uuid.uuid4(), attachments=[upload.pk]
    )
    request = urllib.request.Request(
        f"{site}/api/v1/attachments/{upload.pk}", headers={"Authorization": f"Bearer {nurul_token}"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 404
    assert json.loads(refused.value.read())["code"] == "not_found"


def test_outbox_is_shared_by_tabs_and_refused_messages_stay(site, browser):
    budi_ctx, budi, budi_watch = sign_in(browser, site, "budi")
    sari_ctx, first, sari_watch = sign_in(browser, site, "sari")
    second = sari_ctx.new_page()
    second.goto(f"{site}/messages/")
    second.wait_for_selector("#connection[data-state=connected]")

    # Two tabs write while offline; the first is closed before the connection returns.
    sari_ctx.set_offline(True)
    first.wait_for_selector("#connection[data-state=offline]")
    second.wait_for_selector("#connection[data-state=offline]")
    send(first, "Dari tab pertama")
    send(second, "Dari tab kedua")
    first.close()
    sari_ctx.set_offline(False)
    second.wait_for_selector("#connection[data-state=connected]")
    messages_with(budi, "Dari tab pertama").wait_for()
    messages_with(budi, "Dari tab kedua").wait_for()

    # A message the server refuses for good is kept, marked, for retry, edit or discard.
    second.evaluate(
        """() => {
        const key = "rakor.sari.outbox";
        const items = JSON.parse(localStorage.getItem(key) || "[]");
        const room = Number(document.querySelector("#room-list a.is-current").dataset.room);
        items.push({room, body: "Dengan berkas yang hilang", client_id: crypto.randomUUID(),
                    attachments: [987654321], files: [{id: 987654321, name: "hilang.pdf"}]});
        localStorage.setItem(key, JSON.stringify(items));
    }"""
    )
    second.reload()
    failed = second.locator("article.msg--failed", has_text="Dengan berkas yang hilang")
    failed.wait_for()
    assert "hilang.pdf" in failed.inner_text()
    failed.get_by_role("button", name="Edit").click()
    failed.wait_for(state="detached")
    assert second.locator("#composer-body").input_value() == "Dengan berkas yang hilang"
    assert second.locator(".chat-file", has_text="hilang.pdf").count() == 1
    second.locator(".chat-file button").click()  # without the missing file it goes
    second.locator("#composer-send").click()
    messages_with(budi, "Dengan berkas yang hilang").wait_for()
    for watch in (budi_watch, sari_watch):
        assert watch.problems == []
    budi_ctx.close()
    sari_ctx.close()


def test_a_coordination_room_made_in_the_dialog_reaches_its_members_live(site, browser):
    budi_ctx, budi, budi_watch = sign_in(browser, site, "budi")
    sari_ctx, sari, sari_watch = sign_in(browser, site, "sari")
    budi.locator("#open-room").click()
    budi.locator("#room-name").fill("Rakor Inflasi Daerah")
    budi.locator("#room-picker-search").fill("sari")
    budi.locator("#room-picker-options [role=option]", has_text="Sari Wulandari").click()
    chips = budi.locator("#room-picker .picker__chip-name")
    assert chips.all_inner_texts() == ["Sari Wulandari"]
    # Found by agency too, and by keyboard; oneself is never offered.
    budi.locator("#room-picker-search").fill("budi")
    budi.locator("#room-picker-options .picker__note").wait_for()
    assert budi.locator("#room-picker-options .picker__option").count() == 0
    budi.get_by_role("button", name="Buat").click()
    budi.wait_for_url(re.compile(r"/messages/\d+$"))
    budi.wait_for_selector("#connection[data-state=connected]")
    assert budi.locator("#room-title").inner_text() == "Rakor Inflasi Daerah"
    # Sari's open page lists the room at once, without a reload.
    link = sari.locator("#room-list a", has_text="Rakor Inflasi Daerah")
    link.wait_for()
    send(budi, "Selamat datang di ruang koordinasi")
    link.locator(".badge:not([hidden])").wait_for()
    link.click()
    messages_with(sari, "Selamat datang di ruang koordinasi").wait_for()
    # Edited in place; the other member sees the new text live.
    mine = messages_with(budi, "Selamat datang di ruang koordinasi")
    mine.locator(".edit-button").click()
    editor = mine.locator("textarea.msg__editor")
    editor.fill("Selamat datang di ruang koordinasi inflasi")
    editor.press("Enter")
    editor.wait_for(state="detached")
    # The editor closes on the server's ack; the new text comes with the room's
    # `message_edited` event, which may arrive a moment after it (through Redis).
    expect(mine.locator(".msg__body")).to_contain_text("inflasi")
    messages_with(sari, "ruang koordinasi inflasi").wait_for()
    for watch in (budi_watch, sari_watch):
        assert watch.problems == []
    budi_ctx.close()
    sari_ctx.close()
