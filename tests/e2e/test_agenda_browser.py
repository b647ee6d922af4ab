"""A meeting's agenda in a real browser, in Bahasa Indonesia: the organiser in Jakarta (WIB)
and the chair in Jayapura (WIT) prepare one agenda at once; one of them gets a conflict and
resolves it without losing a word; an item moved by keyboard moves on the other page; a
participant at phone width proposes an item that the organiser accepts live; then the chair
runs the meeting: the item's timer on every page (a page opened late too), the speakers'
queue with a place kept across a reload, a speaking limit, attendance."""

from __future__ import annotations

import datetime

import pytest

from tests.e2e.test_meetings_browser import sign_in
from tests.e2e.test_messages_browser import Watch

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def meeting(site):
    """budi's meeting (90 minutes) with yohanes (Papua, WIT) in the chair and andi (WITA)."""
    from django.utils import timezone

    from coordination.organisation.models import Official
    from meetings.services import scheduling
    from meetings.services.scheduling import Invitee

    start = (timezone.now() + datetime.timedelta(days=2)).replace(second=0, microsecond=0)
    meeting, _busy = scheduling.meeting_create(
        by=Official.objects.get(username="budi"),
        title="Rakor kesiapan logistik pemilu",
        start=start,
        end=start + datetime.timedelta(minutes=90),
        timezone_name="Asia/Jakarta",
        participants=[Invitee("yohanes", "chair"), Invitee("andi", "required")],
    )
    return meeting


def open_meeting(page, site, meeting):
    page.goto(f"{site}/meetings/{meeting.pk}")
    page.wait_for_selector("body[data-live='1']")


def add_item(page, title, minutes):
    page.locator("#agenda-title").fill(title)
    page.locator("#agenda-minutes").fill(str(minutes))
    page.locator("#agenda-add button[type=submit]").click()
    page.locator("#agenda-items .agenda__title", has_text=title).wait_for()


def titles(page):
    return page.locator("#agenda-items .agenda__title").all_inner_texts()


def test_two_officials_prepare_one_agenda_live_and_a_participant_proposes(
    site, meeting, browser, screenshots
):
    budi, page, watch = sign_in(browser, site, "budi")
    yohanes, chair, chair_watch = sign_in(browser, site, "yohanes")
    open_meeting(page, site, meeting)
    open_meeting(chair, site, meeting)
    assert page.locator("#agenda-heading").inner_text() == "Agenda"
    assert page.locator("#agenda-empty").inner_text() == "Belum ada butir agenda."

    # budi adds two items; they appear on the chair's page without a reload.
    add_item(page, "Laporan distribusi logistik", 30)
    add_item(page, "Kendala di daerah terpencil", 40)
    chair.locator("#agenda-items .agenda__title", has_text="Kendala").wait_for()
    assert titles(chair) == ["Laporan distribusi logistik", "Kendala di daerah terpencil"]
    assert chair.locator("#agenda-time").inner_text() == "Direncanakan: 70 dari 90 menit"
    # The chair adds one more: the planned time runs over, and both pages say so.
    add_item(chair, "Tindak lanjut", 30)
    page.locator("#agenda-items .agenda__title", has_text="Tindak lanjut").wait_for()
    over = "Direncanakan: 100 dari 90 menit — 10 menit melebihi lama rapat"
    page.wait_for_function(
        "text => document.querySelector('#agenda-time').textContent === text", arg=over
    )
    assert page.locator("#agenda-time.agenda__time--over").count() == 1

    # budi attaches a document to read ahead; the chair's page lists it at once.
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    page.locator("#agenda-items li:nth-child(1) .agenda__file").set_input_files(
        files=[{"name": "data-logistik.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    page.locator("#agenda-status", has_text="data-logistik.pdf terlampir").wait_for()
    chair.locator(
        "#agenda-items li:nth-child(1) .agenda__documents a", has_text="data-logistik.pdf"
    ).wait_for()

    # Both open the first item; the chair saves first; budi's save meets a conflict that
    # shows both texts, and he keeps his, losing nothing.
    first = "#agenda-items li:nth-child(1)"
    page.locator(f"{first} button", has_text="Ubah").click()
    chair.locator(f"{first} button", has_text="Ubah").click()
    chair.locator(f"{first} textarea").first.fill("Data per 1 Desember dari KPU provinsi")
    chair.locator(f"{first} button[type=submit]").click()
    chair.locator(f"{first} .agenda__description").wait_for()
    page.locator(f"{first} textarea").first.fill("Data KPU dan Bawaslu per kabupaten")
    page.locator(f"{first} button[type=submit]").click()
    conflict = page.locator(f"{first} .agenda__conflict")
    conflict.wait_for()
    assert "Orang lain mengubah butir ini" in conflict.inner_text()
    theirs = conflict.locator(".agenda__theirs").inner_text()
    assert "Data per 1 Desember dari KPU provinsi" in theirs
    assert "Data KPU dan Bawaslu per kabupaten" in conflict.locator(".agenda__yours").inner_text()
    page.screenshot(path=str(screenshots / "agenda-conflict.png"), full_page=True)
    conflict.get_by_role("button", name="Simpan milik saya").click()
    page.locator(f"{first} .agenda__description").wait_for()
    chair.wait_for_function(
        "() => document.querySelector('#agenda-items li .agenda__description')"
        "?.textContent === 'Data KPU dan Bawaslu per kabupaten'"
    )

    # The chair moves the last item up by keyboard; budi's page follows.
    chair.locator("#agenda-items li:nth-child(3)").focus()
    chair.keyboard.press("Alt+ArrowUp")
    chair.locator("#agenda-status", has_text="sekarang nomor 2").wait_for()
    expected = ["Laporan distribusi logistik", "Tindak lanjut", "Kendala di daerah terpencil"]
    page.wait_for_function(
        "names => JSON.stringify([...document.querySelectorAll('#agenda-items .agenda__title')]"
        ".map(n => n.textContent)) === JSON.stringify(names)",
        arg=expected,
    )
    assert titles(chair) == expected

    # andi, a participant, on a phone: he reads the agenda, cannot move it, and proposes.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    andi = phone.new_page()
    andi_watch = Watch(andi)
    andi.goto(f"{site}/accounts/login/")
    from coordination.organisation.demo import DEMO_PASSWORD

    andi.locator("#id_username").fill("andi")
    andi.locator("#id_password").fill(DEMO_PASSWORD)
    andi.locator("button.button--primary").click()
    andi.wait_for_url(f"{site}/")
    open_meeting(andi, site, meeting)
    assert titles(andi) == expected
    assert andi.locator("#agenda-items button").count() == 0
    andi.locator("#agenda .agenda__new summary").click()
    assert andi.locator("#agenda .agenda__new summary").inner_text() == "Usulkan butir"
    andi.locator("#agenda-title").fill("Cadangan logistik di Sulawesi Selatan")
    andi.locator("#agenda-minutes").fill("15")
    andi.locator("#agenda-add button[type=submit]").click()
    andi.locator("#agenda-status", has_text="Usulan terkirim").wait_for()
    width = andi.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    andi.screenshot(path=str(screenshots / "agenda-phone.png"), full_page=True)

    # budi sees the proposal arrive and accepts it; it becomes the last item everywhere.
    proposal = page.locator("#agenda-proposal-list li", has_text="Cadangan logistik")
    proposal.wait_for()
    proposal.get_by_role("button", name="Terima").click()
    for view in (page, chair, andi):
        view.locator("#agenda-items .agenda__title", has_text="Cadangan logistik").wait_for()
        assert titles(view)[-1] == "Cadangan logistik di Sulawesi Selatan"
    andi.locator("#agenda-proposal-list li", has_text="diterima").wait_for()
    page.screenshot(path=str(screenshots / "agenda.png"), full_page=True)

    # The chair runs the meeting: opens it, starts the first item; its timer runs on every
    # page, on the server's clock.
    assert page.locator("#live-state").inner_text() == "Rapat belum dibuka."
    assert andi.locator("#live-controls button").count() == 0  # only the chair runs it
    chair.get_by_role("button", name="Buka rapat").click()
    chair.get_by_role("button", name="Mulai dengan “Laporan distribusi logistik”").click()
    for view in (page, chair, andi):
        view.locator("#live-item", has_text="Laporan distribusi logistik").wait_for()
        view.locator("#live-timer", has_text="dari 30:00").wait_for()
    assert page.locator("#agenda-items li.agenda__item--current .agenda__title").inner_text() == (
        "Laporan distribusi logistik"
    )
    # andi asks to speak from his phone; the chair sees him in the queue with his agency and
    # calls him for two minutes; everyone sees who speaks and for how long.
    andi.get_by_role("button", name="Minta bicara").click()
    queued = chair.locator("#live-queue li[data-username=andi]")
    queued.wait_for()
    assert queued.inner_text() == "Andi Makkasau · Provinsi Sulawesi Selatan"
    # A weak link: andi's page reloads (a new socket) and he keeps his place.
    andi.reload()
    andi.wait_for_selector("body[data-live='1']")
    andi.get_by_role("button", name="Batalkan permintaan saya").wait_for()
    assert chair.locator("#live-queue li[data-username=andi]").count() == 1
    chair.locator("#live-limit").select_option("120")
    chair.get_by_role("button", name="Panggil pembicara berikutnya").click()
    for view in (page, chair, andi):
        view.locator(
            "#live-speaking", has_text="Berbicara: Andi Makkasau · Provinsi Sulawesi Selatan"
        ).wait_for()
        view.locator("#live-speaking", has_text="dari 02:00").wait_for()
    # budi opens the page afresh, late: the item's timer is already running, not at zero.
    page.reload()
    page.wait_for_selector("body[data-live='1']")
    page.locator("#live-timer", has_text="dari 30:00").wait_for()
    page.wait_for_function(
        "() => !document.querySelector('#live-timer').textContent.startsWith('00:00')"
    )
    # The chair marks andi present; the attendance list shows it on every page.
    chair.locator("#live-attendance summary").click()
    chair.locator("#live-attendance-rows tr[data-username=andi] button").click()
    page.locator("#live-attendance-summary", has_text="Kehadiran: 1 dari 3 hadir").wait_for()
    chair.screenshot(path=str(screenshots / "meeting-live.png"), full_page=True)
    andi.screenshot(path=str(screenshots / "meeting-live-phone.png"), full_page=True)
    width = andi.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the live meeting scrolls sideways on a phone ({width}px)"
    # The one refusal the browser logs is the conflict budi met (a 409 is how it is told).
    conflicts = [p for p in watch.problems if "status of 409" in p]
    assert len(conflicts) == 1
    assert [p for p in watch.problems if p not in conflicts] == []
    assert chair_watch.problems == [] and andi_watch.problems == []
    for context in (budi, yohanes, phone):
        context.close()


@pytest.fixture
def minuted(site):
    """budi's meeting with an agenda, yohanes in the chair and sari taking the notes."""
    from django.utils import timezone

    from coordination.organisation.models import Official
    from meetings.services import agenda, scheduling
    from meetings.services.scheduling import Invitee

    budi = Official.objects.get(username="budi")
    start = (timezone.now() + datetime.timedelta(days=2)).replace(second=0, microsecond=0)
    meeting, _busy = scheduling.meeting_create(
        by=budi,
        title="Rakor stok pangan akhir tahun",
        start=start,
        end=start + datetime.timedelta(minutes=60),
        timezone_name="Asia/Jakarta",
        participants=[
            Invitee("yohanes", "chair"),
            Invitee("sari", "note_taker"),
            Invitee("andi", "required"),
        ],
    )
    for title in ("Stok beras per provinsi", "Distribusi ke Papua"):
        agenda.agenda_item_add(by=budi, meeting_id=meeting.pk, title=title)
    return meeting


def test_the_note_takers_notes_are_seen_live_then_approved_and_exported(
    site, minuted, browser, screenshots
):
    sari, notes, notes_watch = sign_in(browser, site, "sari")
    andi, reader, reader_watch = sign_in(browser, site, "andi")
    yohanes, chair, chair_watch = sign_in(browser, site, "yohanes")
    for view in (notes, reader, chair):
        open_meeting(view, site, minuted)
    # sari reads Rakor in English; andi and yohanes in Bahasa Indonesia.
    assert notes.locator("#notulen-state").inner_text() == (
        "Nothing written yet. Write the notes below as the meeting goes."
    )
    assert reader.locator("#notulen-state").inner_text() == "Notulis belum menulis apa pun."
    assert reader.locator("#notulen textarea").count() == 0  # only the note taker writes
    # sari writes; the notes are saved as she stops typing and andi sees them live.
    notes.locator("label", has_text="1. Stok beras per provinsi").wait_for()
    box = notes.get_by_label("1. Stok beras per provinsi")
    box.fill("Stok aman sampai Maret; Sulsel surplus 12 ribu ton.")
    notes.get_by_role("textbox", name="Decisions", exact=True).fill(
        "Bulog menyalurkan ke Papua mulai 10 Desember."
    )
    notes.locator("#notulen-saved", has_text="Saved.").wait_for()
    reader.locator(".notulen__text", has_text="Sulsel surplus 12 ribu ton").wait_for()
    # She submits; the chair approves; everyone sees the official record.
    notes.get_by_role("button", name="Submit to the chair").click()
    notes.locator("#notulen-state", has_text="Awaiting the chair's approval").wait_for()
    chair.locator("#notulen-state", has_text="Menunggu pengesahan pimpinan rapat").wait_for()
    chair.get_by_role("button", name="Sahkan notulen").click()
    notes.locator("#notulen-state", has_text="Approved: the official record").wait_for()
    for view in (reader, chair):
        view.locator("#notulen-state", has_text="Disahkan: catatan resmi rapat").wait_for()
    assert "Bulog menyalurkan ke Papua" in reader.locator("#notulen-body").inner_text()
    assert notes.locator("#notulen textarea").count() == 0  # read-only once approved
    pdf = reader.locator("#notulen-actions a", has_text="Unduh PDF")
    response = reader.request.get(site + pdf.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    reader.screenshot(path=str(screenshots / "notulen.png"), full_page=True)
    for watch in (notes_watch, reader_watch, chair_watch):
        assert watch.problems == []
    for context in (sari, andi, yohanes):
        context.close()


def test_a_chat_message_is_proposed_for_the_agenda_and_links_back(
    site, meeting, browser, screenshots
):
    from tests.e2e import test_messages_browser as chat

    andi_ctx, andi, andi_watch = chat.sign_in(browser, site, "andi")  # the messages page
    budi_ctx, budi, budi_watch = sign_in(browser, site, "budi")
    open_meeting(budi, site, meeting)
    chat.send(andi, "Usul: bahas kekurangan kotak suara di Kabupaten Jayawijaya")
    message = chat.messages_with(andi, "kekurangan kotak suara")
    message.wait_for()
    message.get_by_role("button", name="Usulkan ke agenda").click()
    dialog = andi.locator("#agenda-dialog")
    option = dialog.locator("#agenda-meeting option", has_text="Rakor kesiapan logistik pemilu")
    option.wait_for(state="attached")
    dialog.locator("#agenda-meeting").select_option(str(meeting.pk))
    andi.screenshot(path=str(screenshots / "message-to-agenda.png"))
    dialog.get_by_role("button", name="Usulkan", exact=True).click()
    andi.locator("#typing", has_text="Diusulkan ke agenda").wait_for()
    # The organiser sees it arrive, with a link back to the message.
    proposal = budi.locator("#agenda-proposal-list li", has_text="kekurangan kotak suara")
    proposal.wait_for()
    link = proposal.get_by_role("link", name="Dari pesan di ruang")
    assert "?seq=" in link.get_attribute("href")
    proposal.get_by_role("button", name="Terima").click()
    budi.locator("#agenda-items .agenda__title", has_text="kekurangan kotak suara").wait_for()
    assert andi_watch.problems == [] and budi_watch.problems == []
    andi_ctx.close()
    budi_ctx.close()
