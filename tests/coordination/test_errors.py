"""Rakor's own error pages: styled like the rest, in the reader's language, never the
debug page; the API keeps its JSON errors."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

DEBUG_MARKS = ("URLconf", "Traceback", "DEBUG = True", "Request Method")


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = "tests.coordination.error_urls"


def page(client, path, *, language="id"):
    client.cookies["rakor_language"] = language
    client.raise_request_exception = False
    response = client.get(path)
    html = response.content.decode()
    assert not any(mark in html for mark in DEBUG_MARKS), html[:800]
    return response, html


@pytest.mark.parametrize(
    ("language", "title"), [("id", "Halaman tidak ditemukan"), ("en", "Page not found")]
)
def test_a_wrong_address_gets_rakors_404_in_the_readers_language(client, world, language, title):
    world["budi"].language = language
    world["budi"].save(update_fields=["language"])
    client.force_login(world["budi"])
    for path in ("/meetings/99999", "/keputusan/", "/agencies/nothing-here/"):
        response, html = page(client, path, language=language)
        assert response.status_code == 404, path
        assert f'<html lang="{language}">' in html and title in html
        assert 'class="site-nav"' in html and "/static/css/rakor.css" in html


def test_anonymous_visitors_get_the_404_page_too(client, db):
    response, html = page(client, "/no/such/page")
    assert response.status_code == 404 and "Halaman tidak ditemukan" in html
    assert 'class="site-nav"' not in html  # no navigation for someone signed out


@pytest.mark.parametrize(("language", "title"), [("id", "Tidak diizinkan"), ("en", "Not allowed")])
def test_a_refusal_gets_rakors_403(client, world, failing_urls, language, title):
    client.force_login(world["sari"])
    world["sari"].language = language
    world["sari"].save(update_fields=["language"])
    response, html = page(client, "/test-errors/403", language=language)
    assert response.status_code == 403 and title in html
    assert "see this test page" not in html  # the internal action name stays in the log


def test_a_bad_request_gets_rakors_400(client, world, failing_urls):
    client.force_login(world["sari"])
    world["sari"].language = "id"
    world["sari"].save(update_fields=["language"])
    response, html = page(client, "/test-errors/400")
    assert response.status_code == 400 and "Permintaan tidak dapat dipahami" in html


@pytest.mark.parametrize(
    ("language", "title"), [("id", "Terjadi kesalahan"), ("en", "Something went wrong")]
)
def test_a_server_error_gets_rakors_500_without_the_traceback(
    client, db, failing_urls, language, title
):
    response, html = page(client, "/test-errors/500", language=language)
    assert response.status_code == 500 and title in html
    assert f'<html lang="{language}">' in html and "/static/css/rakor.css" in html
    assert "a test of the 500 page" not in html


def test_an_expired_form_gets_a_page_that_says_what_to_do(world, db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world["sari"])
    client.cookies["rakor_language"] = "en"
    world["sari"].language = "en"
    world["sari"].save(update_fields=["language"])
    response = client.post("/profile/", {"language": "id"})
    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()


def test_the_api_keeps_its_json_errors(client, world):
    client.force_login(world["sari"])
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    response = client.get("/api/v1/meetings/99999")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_favicon_and_robots_answer_at_the_root(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00"
    robots = client.get("/robots.txt")
    assert robots.status_code == 200
