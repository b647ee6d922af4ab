"""`make run` as a new user starts it: on another port, with DEBUG off by default.

The test runs the Makefile's own `run` target (migrate, seed_demo, daphne) in a clean
environment with its own var/ folder, then checks what a new user meets: every absolute link
(mailed answer links, the join page, .ics and feed URLs) names the port it runs on; wrong
addresses get Rakor's 404 page in both languages, not Django's debug page; every script and
stylesheet the pages load is served without collectstatic; /favicon.ico answers.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from coordination.organisation.demo import DEMO_PASSWORD
from tests.conftest import free_port, wait_for
from tests.processes import Process, clean_env

pytestmark = [pytest.mark.slow]


class Visitor:
    """A browser-like HTTP client with cookies (and the CSRF token for forms)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        try:
            with self.opener.open(self.base + path, timeout=20) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def post(self, path: str, data: dict[str, str] | None = None, *, json_body=None):
        token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        headers = {"X-CSRFToken": token, "Referer": self.base + path}
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        else:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **(data or {})}).encode()
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.geturl(), response.read()
        except urllib.error.HTTPError as error:
            return error.code, path, error.read()

    def sign_in(self, username: str) -> None:
        self.get("/accounts/login/")
        status, url, _body = self.post(
            "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert status == 200 and url == self.base + "/", (status, url)

    def set_language(self, language: str) -> None:
        self.post("/language/", {"language": language, "next": "/"})


@pytest.fixture
def make_run(tmp_path):
    port = free_port()
    var_dir = tmp_path / "var"
    process = Process(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        clean_env(RAKOR_VAR_DIR=str(var_dir)),
        tmp_path / "make-run.log",
    )
    base = f"http://127.0.0.1:{port}"

    def answering():
        if process.popen.poll() is not None:
            raise AssertionError(f"make run exited:\n{process.output()}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    wait_for(answering, timeout=120, interval=0.3, what=f"make run on port {port}")
    yield base, var_dir, process
    process.terminate()


def assets_of(html: str) -> set[str]:
    return set(re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+)"', html))


def imports_of(script: str, path: str) -> set[str]:
    found = set()
    for target in re.findall(r'(?:import|from)\s*(?:\(\s*)?["\'](\.{1,2}/[^"\']+)["\']', script):
        found.add(urllib.parse.urljoin(path, target))
    return found


def test_make_run_on_another_port_links_to_it_and_shows_rakors_own_pages(make_run):
    base, var_dir, process = make_run
    port = base.rsplit(":", 1)[1]
    assert f"Rakor is starting at http://127.0.0.1:{port}/" in process.output()

    # The demo meetings' invitations, delivered to var/mail/ by the in-process worker: every
    # absolute link names this port.
    def mails():
        files = list((var_dir / "mail").glob("*.log")) if (var_dir / "mail").exists() else []
        return files if len(files) >= 2 else None

    text = "\n".join(p.read_text(errors="replace") for p in wait_for(mails, timeout=60))
    links = set(re.findall(r"http://127\.0\.0\.1:\d+/[^\s\"'<>]*", text))
    assert any("/meetings/answer/" in link for link in links), text[:2000]
    assert all(link.startswith(f"{base}/") for link in links), sorted(links)[:5]
    assert ":8000/" not in text

    visitor = Visitor(base)
    visitor.sign_in("budi")
    status, _url, body = visitor.post("/api/v1/me/calendar-feed", json_body={})
    assert status in (200, 201), body
    assert json.loads(body)["url"].startswith(f"{base}/calendar/")
    status, _headers, page = visitor.get("/meetings/")
    meeting_id = re.search(rb'href="/meetings/(\d+)"', page).group(1).decode()
    status, _headers, ics = visitor.get(f"/api/v1/meetings/{meeting_id}/invite.ics")
    assert status == 200
    unfolded = ics.decode().replace("\r\n ", "")
    assert f"{base}/meetings/{meeting_id}/join" in unfolded
    assert ":8000/" not in unfolded

    # Wrong addresses: Rakor's own 404, in Indonesian, then in English; never the debug page.
    for path in ("/meetings/99999", "/keputusan/"):
        status, headers, body = visitor.get(path)
        html = body.decode()
        assert status == 404 and "Halaman tidak ditemukan" in html, (path, html[:500])
        assert "URLconf" not in html and "DEBUG" not in html
        assert 'class="site-nav"' in html  # the page looks like the rest of Rakor
    visitor.set_language("en")
    status, _headers, body = visitor.get("/keputusan/")
    assert status == 404 and "Page not found" in body.decode()

    # Every script and stylesheet the pages load is served (and the modules they import).
    wanted: set[str] = set()
    for path in ("/", "/messages/", "/meetings/", "/meetings/new/", "/keputusan/"):
        wanted |= assets_of(visitor.get(path)[2].decode())
    assert any(a.endswith(".css") for a in wanted) and any(a.endswith(".js") for a in wanted)
    seen: set[str] = set()
    while wanted:
        asset = wanted.pop()
        seen.add(asset)
        status, headers, body = visitor.get(asset)
        assert status == 200 and body, asset
        if asset.endswith(".js"):
            wanted |= imports_of(body.decode(), asset) - seen

    status, headers, body = visitor.get("/favicon.ico")
    assert status == 200 and body[:4] == b"\x00\x00\x01\x00", headers


def test_debug_pages_only_with_debug_set(tmp_path):
    from tests.processes import probe_json

    env = clean_env(RAKOR_VAR_DIR=str(tmp_path / "var"))
    assert probe_json("settings.DEBUG", env) is False
    assert probe_json("settings.DEBUG", {**env, "DEBUG": "1"}) is True


def test_the_site_url_follows_host_and_port_unless_given(tmp_path):
    from tests.processes import probe_json

    env = clean_env(RAKOR_VAR_DIR=str(tmp_path / "var"), RAKOR_PORT="9000")
    assert probe_json("settings.RAKOR_SITE_URL", env) == "http://127.0.0.1:9000"
    env["RAKOR_SITE_URL"] = "https://rakor.example.go.id/"
    assert probe_json("settings.RAKOR_SITE_URL", env) == "https://rakor.example.go.id"
    listen_all = clean_env(
        RAKOR_VAR_DIR=str(tmp_path / "var"), RAKOR_HOST="0.0.0.0", RAKOR_PORT="9001"
    )
    assert probe_json("settings.RAKOR_SITE_URL", listen_all) == "http://127.0.0.1:9001"
    lan = clean_env(RAKOR_VAR_DIR=str(tmp_path / "var"), RAKOR_HOST="10.1.2.3")
    assert probe_json("[settings.RAKOR_SITE_URL, settings.ALLOWED_HOSTS]", lan) == [
        "http://10.1.2.3:8000",
        ["127.0.0.1", "localhost", "[::1]", "testserver", "10.1.2.3"],
    ]


def delivered_mail(var_dir) -> list:
    """Every message the embedded default wrote under var/mail/ (the file backend), parsed."""
    from email import message_from_bytes, policy

    messages = []
    for path in sorted((var_dir / "mail").glob("*.log")):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                messages.append(message_from_bytes(chunk.lstrip(), policy=policy.default))
    return messages


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.browser
def test_a_new_user_on_another_port_schedules_edits_and_answers_from_the_mailed_link(make_run):
    """In Indonesian, through `make run` on its own port: budi schedules and then changes a
    meeting with yohanes; yohanes answers from the link in the mail; no page is broken."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM
    from tests.e2e.conftest import CHROMIUM_ARGS
    from tests.e2e.test_messages_browser import Watch

    base, var_dir, _process = make_run
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        watch = Watch(page)
        failed: list[str] = []
        page.on(
            "response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Nama pengguna").fill("budi")
        page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Masuk").click()
        page.wait_for_url(f"{base}/")
        page.get_by_role("link", name="Jadwalkan rapat").first.click()
        page.locator("#id_title").fill("Rakor evaluasi dana desa")
        page.locator("#id_start_time").fill("14:00")
        page.locator("#id_end_time").fill("15:00")
        page.locator("#id_timezone").select_option("Asia/Jayapura")
        page.locator("#id_required-search").fill("yohanes")
        page.locator("#id_required-options [role=option]", has_text="Yohanes Wenda").click()
        page.locator("form.meeting-form button.button--primary").click()
        page.wait_for_url(re.compile(r"/meetings/\d+$"))
        meeting_url = page.url
        assert page.locator("h1").inner_text() == "Rakor evaluasi dana desa"
        page.get_by_role("link", name="Ubah rapat").click()
        page.locator("#id_end_time").fill("15:30")
        page.locator("form.meeting-form button.button--primary").click()
        page.wait_for_url(meeting_url)
        assert "15.30 WIT" in page.locator(".lead").inner_text()

        # yohanes's mail: the invitation, then the update; the update's link answers.
        def update_for_yohanes():
            mine = [
                m
                for m in delivered_mail(var_dir)
                if "yohanes@" in str(m["To"]) and "Rakor evaluasi dana desa" in text_of(m)
            ]
            return mine if len(mine) >= 2 else None

        mails = wait_for(update_for_yohanes, timeout=60, what="yohanes's invitation and update")
        link = re.search(
            rf"{re.escape(base)}/meetings/answer/\S+response=accepted", text_of(mails[-1])
        ).group(0)
        guest = browser.new_context()  # yohanes is not signed in on this browser
        answer = guest.new_page()
        answer_watch = Watch(answer)
        answer.goto(link)
        assert answer.locator("html").get_attribute("lang") == "id"
        assert answer.locator("h1").inner_text() == "Rakor evaluasi dana desa"
        answer.get_by_role("button", name="Hadir", exact=True).click()
        answer.get_by_text("Terima kasih. Jawaban Anda tercatat:").wait_for()
        page.reload()
        row = page.locator("#participants tr[data-username=yohanes] td[data-rsvp]")
        assert row.inner_text().strip() == "hadir"
        assert watch.problems == [] and answer_watch.problems == []
        assert failed == []
        browser.close()
