"""The notification bell in a real browser, in Bahasa Indonesia, at phone width.

yohanes (Papua) sits on his dashboard; andi (Sulawesi Selatan), who shares a coordination
room with him, mentions him through the API. Without a reload the bell counts it, the tab's
title says "(1) " and a note shows; the bell leads to the notification centre, the
notification to the message, and the bell is quiet again. Two browsers of the same official
count live too, and "Tandai semua sudah dibaca" in one clears the bell in the others.
"""

from __future__ import annotations

import json
import re
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.test_messages_browser import Watch
from tests.e2e.test_new_user_browser import PHONE, fits, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]

ROOM = "Rakor pemerintahan Papua"
MENTION_TEXT = f"Andi Makkasau menyebut Anda di {ROOM}"
# Counts the openings of the page's socket (lib/socket.js says each one as "rakor:open"): a
# frame sent before the bell's socket is open would never reach this page.
COUNT_OPENINGS = (
    "window.addEventListener('rakor:open', () => { window.rakorOpened = (window.rakorOpened"
    " || 0) + 1; });"
)


@pytest.fixture
def papua_room(site):
    """andi's coordination room with yohanes, and andi's API token to write in it; set up
    before the browser starts (Django refuses database calls once Playwright's loop runs in
    this thread)."""
    from coordination.organisation.models import Official
    from coordination.organisation.services import token_create
    from messaging.services import rooms as room_services

    andi = Official.objects.get(username="andi")
    room = room_services.room_create_coordination(by=andi, name=ROOM, members=["yohanes"])
    return {"room": room.pk, "token": token_create(official=andi, name="e2e")[1]}


def post(site, papua_room, body):
    """andi writes in the room through /api/v1; returns the stored message's frame."""
    request = urllib.request.Request(
        f"{site}/api/v1/rooms/{papua_room['room']}/messages",
        data=json.dumps({"body": body, "client_id": str(uuid.uuid4())}).encode(),
        headers={
            "Authorization": f"Bearer {papua_room['token']}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return json.loads(response.read())


def phone(browser, site):
    """yohanes signed in on a phone, his pages counting their socket's openings."""
    ctx, page, watch = sign_in(
        browser, site, "yohanes", viewport=PHONE, is_mobile=True, has_touch=True
    )
    ctx.add_init_script(COUNT_OPENINGS)
    return ctx, page, watch


def open_live(page, url):
    """Go to `url` and wait until the page's socket (its own, or the bell's) is open."""
    page.goto(url)
    page.wait_for_function("() => window.rakorOpened > 0")


def expect_unread(page, count):
    bell = page.locator("a[data-bell]")
    badge = bell.locator("[data-bell-count]")
    label = bell.locator("[data-bell-label]")  # what a screen reader says of the bell
    expect(bell).to_have_attribute("data-unread", str(count))
    if count:
        expect(badge).to_be_visible()
        expect(badge).to_have_text(str(count))
        expect(label).to_have_text(f"Notifikasi, {count} belum dibaca")
        expect(page).to_have_title(re.compile(rf"^\({count}\) "))
    else:
        expect(badge).to_be_hidden()
        expect(label).to_have_text("Notifikasi, tidak ada yang belum dibaca")
        expect(page).to_have_title(re.compile(r"^[^(]"))


def test_a_mention_rings_the_bell_live_and_opening_it_reads_it(site, papua_room, browser):
    ctx, page, watch = phone(browser, site)
    open_live(page, f"{site}/")
    assert page.locator("html").get_attribute("lang") == "id"
    expect_unread(page, 0)
    assert page.locator(".notification-toast").count() == 0

    message = post(site, papua_room, "Mohon @yohanes kirim rekap realisasi Papua hari ini.")

    # Live, without a reload: the count, the tab's title, a note with the way to it.
    expect_unread(page, 1)
    toast = page.locator(".notification-toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("Notifikasi baru")
    expect(toast).to_contain_text(MENTION_TEXT)
    expect(toast.get_by_role("link", name=MENTION_TEXT)).to_have_attribute(
        "href", re.compile(r"^/notifications/\d+/open$")
    )
    fits(page, "dashboard with a notification")

    # The bell leads to the notification centre, which lists it unread.
    page.locator("a[data-bell]").click()
    page.wait_for_url(f"{site}/notifications/")
    item = page.locator("[data-notification-list] .notification--unread")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(MENTION_TEXT)
    expect_unread(page, 1)
    fits(page, "notification centre")

    # Its link reads it on the way to the message, in its room.
    item.get_by_role("link", name=MENTION_TEXT).click()
    page.wait_for_url(f"{site}/messages/{papua_room['room']}?seq={message['seq']}")
    target = page.locator(f"#message-{message['id']}")
    expect(target).to_be_visible()
    expect(target).to_have_class(re.compile(r"\bis-target\b"))
    expect(target).to_contain_text("kirim rekap realisasi Papua hari ini")
    expect_unread(page, 0)

    # Back on the dashboard the bell is quiet: the notification is read.
    page.goto(f"{site}/")
    expect_unread(page, 0)
    page.goto(f"{site}/notifications/")
    expect(page.locator("[data-notification-list] .notification")).to_have_count(1)
    expect(page.locator(".notification--unread")).to_have_count(0)
    assert watch.problems == []
    ctx.close()


def test_every_page_of_the_official_counts_live_and_mark_all_read_clears_them(
    site, papua_room, browser
):
    # One phone on the dashboard (the bell's own socket); another with the messages page
    # (the bell shares the page's socket), then the notification centre in a second tab.
    first_ctx, dashboard, first_watch = phone(browser, site)
    open_live(dashboard, f"{site}/")
    second_ctx, messages, second_watch = phone(browser, site)
    open_live(messages, f"{site}/messages/")
    messages.wait_for_selector("#connection[data-state=connected]")
    expect_unread(dashboard, 0)
    expect_unread(messages, 0)

    post(site, papua_room, "@yohanes mohon hadir di rakor pemerintahan besok.")
    expect_unread(dashboard, 1)
    expect_unread(messages, 1)

    centre = second_ctx.new_page()
    centre_watch = Watch(centre)
    open_live(centre, f"{site}/notifications/")
    expect_unread(centre, 1)
    items = centre.locator("[data-notification-list] .notification--unread")
    expect(items).to_have_count(1)
    mark_all = centre.get_by_role("button", name="Tandai semua sudah dibaca")
    expect(mark_all).to_be_enabled()

    # A second mention reaches all three pages; the centre lists it on top, live.
    post(site, papua_room, "@yohanes satu hal lagi: data pemilih terbaru.")
    for page in (dashboard, messages, centre):
        expect_unread(page, 2)
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text(MENTION_TEXT)
    first_id = centre.locator("[data-notification-list] .notification").first
    last_id = centre.locator("[data-notification-list] .notification").last
    assert int(first_id.get_attribute("data-notification")) > int(
        last_id.get_attribute("data-notification")
    )

    # Mark all read in the centre: the other phone and the other tab go quiet without a reload.
    mark_all.click()
    expect(centre.locator(".messages")).to_contain_text("Semua notifikasi ditandai sudah dibaca")
    expect(centre.locator(".notification--unread")).to_have_count(0)
    expect(centre.locator("[data-notification-list] .notification")).to_have_count(2)
    expect(mark_all).to_be_disabled()
    for page in (centre, dashboard, messages):
        expect_unread(page, 0)
    fits(centre, "notification centre, all read")
    for watch in (first_watch, second_watch, centre_watch):
        assert watch.problems == []
    first_ctx.close()
    second_ctx.close()


# The browser's own notifications, observed: the tab says it is in the background when the
# test asks, and each `new Notification(...)` is recorded instead of shown by the desktop.
BACKGROUND_TAB = """
window.rakorHidden = false;
Object.defineProperty(Document.prototype, "hidden", { get: () => window.rakorHidden });
window.rakorShown = [];
window.Notification = class {
  static permission = "default";
  static requestPermission() {
    window.Notification.permission = "granted";
    return Promise.resolve("granted");
  }
  constructor(title, options) { window.rakorShown.push({ title, body: options.body }); }
  addEventListener() {}
  close() {}
};
"""


def test_in_a_background_tab_the_browser_notifies_once_turned_on_but_not_in_quiet_hours(
    site, papua_room, browser
):
    import datetime
    import zoneinfo

    ctx, page, watch = phone(browser, site)
    ctx.add_init_script(BACKGROUND_TAB)
    open_live(page, f"{site}/notifications/")
    switch = page.get_by_role("button", name="Aktifkan notifikasi peramban")
    expect(switch).to_be_visible()
    switch.click()  # asked on this click, never on load
    expect(page.get_by_role("button", name="Matikan notifikasi peramban")).to_be_visible()

    # In the foreground a note on the page, no browser notification.
    post(site, papua_room, "@yohanes di depan")
    expect_unread(page, 1)
    expect(page.locator(".notification-toast")).to_contain_text(MENTION_TEXT)
    assert page.evaluate("() => window.rakorShown.length") == 0

    # In the background the browser's own.
    page.evaluate("() => { window.rakorHidden = true; }")
    post(site, papua_room, "@yohanes di belakang")
    page.wait_for_function("() => window.rakorShown.length === 1")
    assert page.evaluate("() => window.rakorShown[0]") == {"title": "Rakor", "body": MENTION_TEXT}

    # Quiet hours now (in his zone, WIT): the bell still counts, the browser stays silent.
    now = datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Jayapura"))
    start = (now - datetime.timedelta(hours=1)).strftime("%H:%M")
    saved = page.evaluate(
        """async (start) => {
          const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
          const response = await fetch("/api/v1/me/notification-settings", {
            method: "PUT", credentials: "same-origin",
            headers: {"Content-Type": "application/json", "X-CSRFToken": token},
            body: JSON.stringify({digest_time: "07:00", quiet: {start, minutes: 180}}),
          });
          return response.status;
        }""",
        start,
    )
    assert saved == 200
    post(site, papua_room, "@yohanes larut")
    expect_unread(page, 3)
    assert page.evaluate("() => window.rakorShown.length") == 1
    assert watch.problems == []
    ctx.close()
