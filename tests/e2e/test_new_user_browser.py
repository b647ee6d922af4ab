"""What a new user meets first, in a real browser, in Bahasa Indonesia (and English where it
differs): pages that fit a phone whatever is written on them, the composer's limit, who is
online, files, due dates, new messages while reading history, invitations answered from the
dashboard, and the organiser warned when the note taker declines."""

from __future__ import annotations

import datetime
import re
import time
import uuid
import zoneinfo
from pathlib import Path

import pytest

from coordination.organisation.demo import DEMO_PASSWORD
from meetings.services import scheduling
from messaging.services import rooms as room_services
from messaging.services import timeline as timeline_services
from tests.e2e.test_messages_browser import Watch

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]

PHONE = {"width": 390, "height": 844}
LONG_WORD = "Penyelenggaraanpemerintahandaerah" * 12  # about 400 characters, no space
LONG_URL = "https://jdih.kemendagri.go.id/dokumen/" + "peraturan-" * 36
FILES = Path(__file__).resolve().parent.parent / "messaging" / "files"
JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")


@pytest.fixture
def trial(site):
    """What the officials have written, set up before the browser starts (Django refuses
    database calls once Playwright's loop runs in this thread)."""
    from coordination.organisation.models import Agency, Official
    from meetings.services.scheduling import Invitee
    from messaging.models import Room

    people = {o.username: o for o in Official.objects.all()}
    room = room_services.room_create_coordination(
        by=people["budi"], name="Rakor " + LONG_WORD[:180], members=["sari"]
    )
    agency_room = Room.objects.get(kind="agency", agency__code="kemendagri")
    for n in range(40):  # enough history to scroll up in
        timeline_services.message_post(
            author=people["sari"],
            room_id=agency_room.pk,
            body=f"Catatan lama nomor {n}",
            client_id=uuid.uuid4(),
        )
        time.sleep(0.06)  # within the send rate limit (20 a second)
    day = datetime.datetime.now(JAKARTA).date() + datetime.timedelta(days=2)
    start = datetime.datetime.combine(day, datetime.time(10), tzinfo=JAKARTA)
    meeting = scheduling.meeting_create(
        by=people["budi"],
        title="Rakor" + LONG_WORD[:190],
        start=start,
        end=start + datetime.timedelta(hours=1),
        timezone_name="Asia/Jakarta",
        participants=[Invitee("sari", "note_taker"), Invitee("yohanes", "required")],
    )[0]
    papua = Agency.objects.get(code="papua")
    long_agency = Agency.objects.create(
        code="kab-panjang",
        name="Kabupaten" + LONG_WORD[:150],
        level="regency",
        timezone="Asia/Jayapura",
        parent=papua,
    )
    Official.objects.create(
        username="panjang",
        first_name="Nama" + LONG_WORD[:100],
        last_name="Panjang",
        agency=long_agency,
        position_title="Kepala" + LONG_WORD[:120],
    )
    return {"room": room.pk, "agency_room": agency_room.pk, "meeting": meeting.pk}


def sign_in(browser, base, username, **context):
    context.setdefault("viewport", {"width": 1280, "height": 860})
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    watch = Watch(page)
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("button.button--primary").click()
    page.wait_for_url(f"{base}/")
    return ctx, page, watch


# What sticks out, outermost first (a phone's innerWidth grows to the page's width, so the
# screen's width is the measure; what a scrolling box holds, the table's rows or the nav's
# last link, widens only that box).
WIDEST = """(screen) => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > screen + 0.5)
  .filter((e) => !e.closest("[hidden], .visually-hidden, details:not([open]) > :not(summary)"))
  .filter((e) => {
    for (let box = e.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== "visible") return false;
    }
    return true;
  })
  .slice(0, 3)
  .map((e) => `${e.tagName}.${e.className}#${e.id} ${e.getBoundingClientRect().width}px`)"""


def fits(page, what):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (
        f"{what}: the page is {width}px wide on a 390px screen: "
        f"{page.evaluate(WIDEST, PHONE['width'])}"
    )


def drawn(page):
    """Until the meeting page's scripts have drawn what comes after the load event: the
    socket subscribed (the agenda and the meeting mode are fetched over it) and, for those
    who edit the agenda, the templates loaded (their select has no option before)."""
    page.wait_for_selector("body[data-live='1']")
    page.wait_for_selector("#agenda-template option", state="attached")


def inside(page, selector):
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5, (selector, box)


def test_long_words_never_push_anything_off_a_phone_screen(site, trial, browser):
    ctx, page, watch = sign_in(
        browser, site, "budi", viewport=PHONE, has_touch=True, is_mobile=True
    )
    page.goto(f"{site}/messages/{trial['room']}")
    page.wait_for_selector("#connection[data-state=connected]")
    for body in (LONG_WORD, f"Dasar hukumnya: {LONG_URL}"):
        page.locator("#composer-body").fill(body)
        page.locator("#composer-send").click()
        page.locator("article.msg:not(.msg--pending)", has_text=body[:40]).last.wait_for()
    link = page.locator("article.msg .msg__body a", has_text="jdih.kemendagri.go.id")
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener noreferrer nofollow"
    fits(page, "messages")
    for selector in ("#room-title", "#composer-body", "#composer-send", "#connection"):
        inside(page, selector)
    for path in (
        "/",
        "/meetings/",
        f"/meetings/{trial['meeting']}",
        f"/meetings/{trial['meeting']}/edit",
        "/meetings/new/",
        f"/meetings/week/?date={datetime.date.today().isoformat()}",
        "/agencies/",
        "/agencies/?q=kabupaten",
        "/agencies/kab-panjang/",
        "/messages/",
    ):
        page.goto(f"{site}{path}")
        if path == f"/meetings/{trial['meeting']}":
            drawn(page)
        fits(page, path)
    assert watch.problems == []
    ctx.close()


def test_the_composer_counts_down_and_refuses_a_message_over_the_limit(site, trial, browser):
    ctx, page, watch = sign_in(browser, site, "budi")
    page.goto(f"{site}/messages/{trial['room']}")
    page.wait_for_selector("#connection[data-state=connected]")
    box = page.locator("#composer-body")
    count = page.locator("#composer-count")
    box.fill("a" * 100)
    assert count.is_hidden()  # far from the limit: nothing to say
    box.fill("a" * 9_950)
    assert count.inner_text() == "Sisa 50 karakter"
    text = "b" * 10_005  # pasted whole: nothing is cut
    box.fill(text)
    assert box.input_value() == text
    assert count.inner_text() == "5 karakter melebihi batas 10000"
    assert box.get_attribute("aria-invalid") == "true"
    page.locator("#composer-send").click()
    error = page.locator("#composer-error")
    assert error.inner_text() == (
        "Pesan ini 5 karakter melebihi batas 10000. Persingkat, atau kirim dalam dua bagian."
    )
    page.wait_for_timeout(300)
    assert page.locator("article.msg").count() == 0  # neither sent nor queued
    assert box.input_value() == text
    box.fill("b" * 10_000)  # at the limit: sent
    assert error.is_hidden()
    page.locator("#composer-send").click()
    page.locator("article.msg:not(.msg--pending)").first.wait_for()
    assert watch.problems == []
    ctx.close()


def test_presence_names_files_due_dates_and_new_messages_below(site, trial, browser, tmp_path):
    budi_ctx, budi, budi_watch = sign_in(browser, site, "budi")  # Indonesian
    sari_ctx, sari, sari_watch = sign_in(browser, site, "sari")  # English
    room = trial["agency_room"]
    for page in (budi, sari):
        page.goto(f"{site}/messages/{room}")
        page.wait_for_selector("#connection[data-state=connected]")

    # Who is online, by name: on hover (title) and on a tap.
    summary = budi.locator("#room-presence summary")
    budi.wait_for_function(
        "document.querySelector('#room-presence summary')?.title.includes('Sari Wulandari')"
    )
    assert summary.inner_text().startswith("●") and "daring" in summary.inner_text()
    summary.click()
    assert "Sari Wulandari" in budi.locator(".chat-presence__list").inner_text()

    # An image shows its file name under the picture.
    budi.locator("#composer-file").set_input_files(str(FILES / "peta.png"))
    budi.locator(".chat-file", has_text="peta.png").wait_for()
    budi.locator("#composer-body").fill("Peta wilayah terlampir")
    budi.locator("#composer-send").click()
    image = sari.locator("article.msg", has_text="Peta wilayah terlampir")
    image.locator("img.msg__thumb").wait_for()
    assert image.locator(".msg__file-name").inner_text().strip() == "peta.png"

    # A directive's due date is written the way each language writes dates.
    due = datetime.date.today() + datetime.timedelta(days=3)
    budi.locator(".chat-directive-options summary").click()
    budi.locator("#directive-ack").select_option("member")
    budi.locator("#directive-due").fill(due.isoformat())
    budi.locator("#composer-body").fill("Arahan: kirim rekap data sebelum tenggat.")
    budi.locator("#composer-send").click()
    months_id = [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ]
    expected_id = f"{due.day} {months_id[due.month - 1]} {due.year}"
    expected_en = f"{due.day} {due.strftime('%B')} {due.year}"
    own = budi.locator("article.msg:not(.msg--pending)", has_text="kirim rekap data")
    own.locator(".msg__directive time").wait_for()
    assert own.locator(".msg__directive time").inner_text() == expected_id
    theirs = sari.locator("article.msg", has_text="kirim rekap data")
    theirs.locator(".msg__directive time").wait_for()
    assert theirs.locator(".msg__directive time").inner_text() == expected_en
    assert theirs.locator(".msg__directive time").get_attribute("datetime") == due.isoformat()
    assert due.isoformat() not in sari.locator("#log").inner_text()
    banner = sari.locator(".chat-directive-banner", has_text="kirim rekap data")
    assert expected_en in banner.inner_text()

    # Sari reads older history; budi's new message does not pull her down, a marker says so.
    sari.locator("#log").evaluate("log => { log.scrollTop = 0; }")
    sari.wait_for_timeout(300)
    top = sari.locator("#log").evaluate("log => log.scrollTop")
    # Nothing was marked new while she was at the bottom (the picture loading included).
    assert sari.locator("#newer-messages").is_hidden()
    budi.locator("#composer-body").fill("Pesan baru saat Sari membaca riwayat")
    budi.locator("#composer-send").click()
    marker = sari.locator("#newer-messages")
    marker.wait_for(state="visible")
    assert marker.inner_text() == "1 new message ↓"
    assert sari.locator(".chat-new-line").count() == 1
    assert abs(sari.locator("#log").evaluate("log => log.scrollTop") - top) < 200
    marker.click()
    sari.locator("article.msg", has_text="Pesan baru saat Sari").wait_for()
    marker.wait_for(state="hidden")
    assert budi_watch.problems == [] and sari_watch.problems == []
    budi_ctx.close()
    sari_ctx.close()


def test_an_invitation_is_answered_from_the_dashboard_and_the_organiser_hears_of_a_decline(
    site, trial, browser
):
    meeting = trial["meeting"]
    yoh_ctx, yohanes, yoh_watch = sign_in(browser, site, "yohanes", viewport=PHONE)
    card = yohanes.locator("#invitations")
    assert "1 undangan menunggu jawaban Anda" in card.inner_text()
    fits(yohanes, "dashboard with an invitation")
    card.get_by_role("button", name="Hadir", exact=True).click()
    yohanes.wait_for_url(re.compile(r"/#invitations$"))
    assert "Jawaban Anda tercatat." in yohanes.locator(".messages").inner_text()
    assert yohanes.locator("#invitations").count() == 0
    coming = yohanes.locator(".coming")
    assert "Rakor" in coming.inner_text() and "hadir" in coming.inner_text().lower()

    # budi watches his meeting's page; sari, the note taker, declines: he is told at once.
    budi_ctx, budi, budi_watch = sign_in(browser, site, "budi")
    budi.goto(f"{site}/meetings/{meeting}")
    budi.wait_for_selector("body[data-live='1']")
    assert budi.locator("#leads-declined").is_hidden()
    sari_ctx, sari, sari_watch = sign_in(browser, site, "sari")
    sari.locator("#invitations").get_by_role("button", name="Decline").click()
    sari.wait_for_url(re.compile(r"/#invitations$"))
    warning = budi.locator("#leads-declined")
    warning.wait_for(state="visible")
    assert warning.inner_text() == (
        "Sari Wulandari, notulis, menolak hadir. Pilih notulis lain, atau minta lagi kesediaannya."
    )
    budi.reload()  # and it stays until someone else takes the notes
    assert budi.locator("#leads-declined").is_visible()
    for watch in (yoh_watch, budi_watch, sari_watch):
        assert watch.problems == []
    for ctx in (yoh_ctx, budi_ctx, sari_ctx):
        ctx.close()
