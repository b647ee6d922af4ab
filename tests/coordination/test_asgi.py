"""The ASGI application's own rules, before Django: the request body limit."""

from __future__ import annotations

import pytest
from asgiref.testing import ApplicationCommunicator

from coordination.asgi import RakorApplication, router

pytestmark = pytest.mark.django_db(transaction=True)


def scope(headers):
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/attachments",
        "raw_path": b"/api/v1/attachments",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def respond(headers, chunks):
    app = RakorApplication(router)
    communicator = ApplicationCommunicator(app.limited, scope(headers))
    for chunk in chunks[:-1]:
        await communicator.send_input({"type": "http.request", "body": chunk, "more_body": True})
    await communicator.send_input({"type": "http.request", "body": chunks[-1]})
    start = await communicator.receive_output(5)
    body = await communicator.receive_output(5)
    await communicator.wait(5)
    return start, body


async def test_a_declared_length_over_the_limit_is_refused_unread(settings):
    settings.RAKOR_MAX_REQUEST_BYTES = 1000
    start, body = await respond([(b"content-length", b"5000")], [b"x" * 100])
    assert start["status"] == 413
    assert b'"too_large"' in body["body"]


async def test_a_streamed_body_over_the_limit_is_refused(settings):
    settings.RAKOR_MAX_REQUEST_BYTES = 1000
    # No Content-Length (chunked): counted as it arrives, refused once past the limit.
    start, body = await respond([(b"transfer-encoding", b"chunked")], [b"x" * 600] * 3)
    assert start["status"] == 413
    assert b'"too_large"' in body["body"]


async def test_a_body_within_the_limit_reaches_django(settings):
    settings.RAKOR_MAX_REQUEST_BYTES = 1000
    start, _body = await respond([(b"content-type", b"application/json")], [b"{}"])
    assert start["status"] == 401  # the API answered: no credentials
