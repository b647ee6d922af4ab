"""The security baseline every page inherits: headers, CSP, cookies, CSRF."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/agencies/", "/admin/", "/api/v1/docs"])
def test_every_page_carries_a_strict_content_security_policy(client, path):
    if path != "/accounts/login/":
        client.force_login(OfficialFactory(role="administrator", is_staff=True))
    response = client.get(path)
    assert response.status_code == 200
    csp = csp_directives(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/",
        "/agencies/",
        "/agencies/?q=x",
        "/profile/",
        "/profile/second-factor/",
        "/accounts/password/change/",
        "/accounts/password/reset/",
        "/admin/",
        "/admin/coordination/official/",
        "/admin/coordination/auditentry/",
        "/api/v1/docs",
    ],
)
def test_pages_have_no_inline_script_or_style(client, path):
    if path != "/accounts/login/" and "reset" not in path:
        client.force_login(OfficialFactory(role="administrator", is_staff=True))
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert "<style" not in html.lower() and " style=" not in html.lower()
    assert not EVENT_HANDLER.search(html) and "javascript:" not in html.lower()


def test_csp_reports_are_logged_and_nothing_else(client, caplog):
    report = {
        "csp-report": {
            "violated-directive": "script-src",
            "blocked-uri": "inline",
            "document-uri": "http://testserver/",
        }
    }
    response = client.post("/csp-report", json.dumps(report), content_type="application/csp-report")
    assert response.status_code == 204
    assert "CSP violation: script-src blocked inline" in caplog.text
    assert (
        client.post("/csp-report", "not json", content_type="application/json").status_code == 400
    )
    assert (
        client.post("/csp-report", "x" * 20000, content_type="application/json").status_code == 413
    )
    assert client.get("/csp-report").status_code == 405


def test_every_form_needs_its_csrf_token():
    from django.test import Client

    official = OfficialFactory()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(official)
    for name, data in [
        ("profile", {"language": "en"}),
        ("token_create", {"name": "x"}),
        ("language_switch", {"language": "en"}),
        ("logout", {}),
        ("second_factor_setup", {"action": "start"}),
    ]:
        assert browser.post(reverse(name), data).status_code == 403, name
    official.refresh_from_db()
    assert official.language == "id" and not official.api_tokens.exists()


def test_session_and_language_cookies_are_httponly_and_samesite(client):
    official = OfficialFactory()
    response = client.post(
        reverse("login"), {"username": official.username, "password": "correct-horse-battery"}
    )
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"
    client.force_login(official)
    language = client.post(reverse("language_switch"), {"language": "en"}).cookies["rakor_language"]
    assert language["httponly"] and language["samesite"] == "Lax"
