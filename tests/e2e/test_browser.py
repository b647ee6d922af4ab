"""A real browser (Debian's chromium, driven by Playwright) against a real daphne process.

A demo official signs in through the form, sees the dashboard in Bahasa Indonesia with times
in their zone, switches to English; no page logs a console error or a CSP violation.
Screenshots go to $RAKOR_SCREENSHOTS (`make screenshots` sets docs/screenshots/) or to the
test's temporary folder.
"""

from __future__ import annotations

import pytest

from coordination.organisation.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class Watch:
    """Collects what a page must not produce: console errors, page errors, CSP violations."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def console(self, message) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type}: {message.text}")


def test_an_official_signs_in_reads_indonesian_and_switches_to_english(
    site, browser, screenshots, daphne_server
):
    base = site
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    watch = Watch(page)

    page.goto(f"{base}/accounts/login/")
    # Indonesian first, although the browser asks for English.
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.get_by_role("heading", name="Masuk ke Rakor").is_visible()
    page.screenshot(path=screenshots / "login.png")

    page.get_by_label("Nama pengguna").fill("andi")  # Sulawesi Selatan: WITA
    page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{base}/")
    assert page.get_by_role("heading", name="Selamat datang, Andi Makkasau").is_visible()
    today = page.locator(".page-head time").inner_text()
    assert " WITA (" in today and today.endswith(" WIB)")
    assert page.get_by_role("navigation", name="Navigasi utama").is_visible()
    page.screenshot(path=screenshots / "dashboard-id.png", full_page=True)
    page.keyboard.press("Tab")  # keyboard users first meet the skip link
    assert page.evaluate("document.activeElement.textContent.trim()") == "Lewati ke konten"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.get_by_role("button", name="EN").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Welcome, Andi Makkasau").is_visible()
    assert " WITA (" in page.locator(".page-head time").inner_text()
    page.screenshot(path=screenshots / "dashboard-en.png", full_page=True)

    page.get_by_role("link", name="Agencies").click()
    page.wait_for_url(f"{base}/agencies/")
    page.get_by_label("Search agencies and officials").fill("gowa")
    page.get_by_role("button", name="Search").click()
    tree = page.get_by_role("list", name="Agency tree")
    assert tree.get_by_role("link", name="Kabupaten Gowa").is_visible()
    page.goto(f"{base}/agencies/")
    page.screenshot(path=screenshots / "directory.png", full_page=True)

    page.goto(f"{base}/profile/")
    page.get_by_label("Token name").fill("agenda sync")
    page.get_by_role("button", name="Create token").click()
    assert page.locator(".token-secret").input_value().startswith("rkr_")
    page.screenshot(path=screenshots / "profile.png", full_page=True)

    # The language choice is remembered: a new sign-in is in English.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "en"

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    small = phone.new_page()
    watch_small = Watch(small)
    small.goto(f"{base}/accounts/login/")
    small.get_by_label("Nama pengguna").fill("maria")
    small.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    small.get_by_role("button", name="Masuk").click()
    small.wait_for_url(f"{base}/")
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    small.screenshot(path=screenshots / "dashboard-phone.png", full_page=True)

    # Meeting reminders are chosen on the profile, in Indonesian, at phone width (Maria
    # reads English: she switches).
    small.goto(f"{base}/profile/")
    small.get_by_role("button", name="ID").click()
    small.wait_for_load_state("networkidle")
    assert small.locator("html").get_attribute("lang") == "id"
    reminders = small.get_by_role("group", name="Pengingat rapat")
    assert reminders.get_by_label("1 hari sebelumnya").is_checked()
    reminders.get_by_label("30 menit sebelumnya").uncheck()
    reminders.get_by_label("1 jam sebelumnya").check()
    small.get_by_role("button", name="Simpan preferensi").click()
    small.wait_for_url(f"{base}/profile/")
    assert small.get_by_role("status").filter(has_text="tersimpan").is_visible()
    reminders = small.get_by_role("group", name="Pengingat rapat")
    assert reminders.get_by_label("1 jam sebelumnya").is_checked()
    assert not reminders.get_by_label("30 menit sebelumnya").is_checked()
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the profile is {width}px wide on a 390px phone"

    assert watch.problems == []
    assert watch_small.problems == []
    log = daphne_server.processes[0].output()
    assert "CSP violation" not in log


def test_the_admin_and_the_api_docs_keep_the_policy(site, browser, daphne_server):
    base = site
    page = browser.new_page()
    watch = Watch(page)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Nama pengguna").fill("admin")
    page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{base}/")
    for path in (
        "/admin/",
        "/admin/coordination/official/",
        "/admin/coordination/official/1/change/",
        "/admin/coordination/agency/add/",
        "/admin/coordination/auditentry/",
        "/api/v1/docs",
    ):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    page.locator(".swagger-ui .opblock").first.wait_for()  # the docs rendered, from local assets
    assert page.locator(".swagger-ui .opblock").count() >= 10

    # An administrator's header on a small phone: every control reachable, nothing covered.
    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    small = phone.new_page()
    small.goto(f"{base}/accounts/login/")
    small.get_by_label("Nama pengguna").fill("admin")
    small.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    small.get_by_role("button", name="Masuk").click()
    small.wait_for_url(f"{base}/")
    for name in ("EN", "Administrasi", "Keluar"):
        control = (
            small.get_by_role("button", name=name, exact=True)
            .or_(small.get_by_role("link", name=name, exact=True))
            .first
        )
        box = control.bounding_box()
        centre = small.evaluate(
            "([x, y]) => document.elementFromPoint(x, y).closest('a, button')?.textContent.trim()",
            [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert centre == name, f"{name} is covered by {centre!r} on a 360px phone"
    assert small.evaluate("document.documentElement.scrollWidth") <= 360
    assert watch.problems == []
    assert "CSP violation" not in daphne_server.processes[0].output()
