"""What officials expect of a chat, end to end: files served to members only, uploads and
acknowledgements over the API, directives awaiting the reader, search. (The services' own
rules are in tests/messaging/services/, mentions in test_mentions.py.)"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coordination.organisation.services import token_create
from messaging import search
from messaging.services import attachments as attachment_services
from messaging.services import directives as directive_services
from messaging.services import rooms as room_services
from messaging.services import timeline as timeline_services
from messaging.services.directives import Directive
from messaging.socket import clean_directive

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def post(world, who="budi", body="pesan", **kwargs):
    if isinstance(kwargs.get("directive"), dict):  # as the socket's frame carries it
        kwargs["directive"] = clean_directive(kwargs["directive"])
    return timeline_services.message_post(
        author=world[who], room_id=world["room"].pk, body=body, client_id=uuid.uuid4(), **kwargs
    )[0]


def upload(official, name, content=None, content_type="application/octet-stream"):
    data = content if content is not None else (FILES / name).read_bytes()
    return attachment_services.attachment_upload(
        uploader=official, upload=SimpleUploadedFile(name, data, content_type=content_type)
    )


# --- attachments ---------------------------------------------------------------------------


def test_files_are_served_to_members_only_as_attachments(client, world):
    attachment = upload(world["budi"], "laporan.pdf")
    post(world, body="laporan", attachments=[attachment.pk])
    member = token_create(official=world["andi"], name="t")[1]
    response = client.get(
        f"/api/v1/attachments/{attachment.pk}", HTTP_AUTHORIZATION=f"Bearer {member}"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == (FILES / "laporan.pdf").read_bytes()
    outsider = token_create(official=world["outsider"], name="t")[1]
    response = client.get(
        f"/api/v1/attachments/{attachment.pk}", HTTP_AUTHORIZATION=f"Bearer {outsider}"
    )
    assert response.status_code == 404


def test_thumbnails_are_for_members_and_not_cached(client, world):
    attachment = upload(world["budi"], "peta.png")
    post(world, attachments=[attachment.pk])
    url = f"/api/v1/attachments/{attachment.pk}/thumbnail"
    member = token_create(official=world["andi"], name="t")[1]
    response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {member}")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    outsider = token_create(official=world["outsider"], name="t")[1]
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {outsider}").status_code == 404


def test_upload_over_the_api(client, world):
    raw = token_create(official=world["andi"], name="t")[1]
    with open(FILES / "peta.png", "rb") as fh:
        response = client.post(
            "/api/v1/attachments", {"file": fh}, HTTP_AUTHORIZATION=f"Bearer {raw}"
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "image/png" and body["thumbnail_url"]
    thumb = client.get(body["thumbnail_url"], HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    bad = client.post(
        "/api/v1/attachments",
        {"file": SimpleUploadedFile("x.exe", b"MZ" + b"\0" * 100)},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert bad.status_code == 415 and bad.json()["code"] == "unsupported_type"


# --- directives ----------------------------------------------------------------------------


def test_acknowledging_over_the_api(client, world):
    message = post(world, directive={"ack_by": "member"})
    raw = token_create(official=world["nurul"], name="t")[1]
    response = client.post(
        f"/api/v1/messages/{message.pk}/acknowledge", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 200 and response.json()["acknowledged"][0]["username"] == "nurul"
    plain = post(world)
    response = client.post(
        f"/api/v1/messages/{plain.pk}/acknowledge", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 404


def test_directives_awaiting_the_reader_over_the_api(client, world):
    first = post(world, body="arahan satu", directive={"ack_by": "member"})
    second = post(world, body="arahan dua", directive={"ack_by": "agency"})
    elsewhere = room_services.room_create_coordination(
        by=world["budi"], name="Lain", members=["nurul"]
    )
    timeline_services.message_post(
        author=world["budi"],
        room_id=elsewhere.pk,
        body="arahan lain",
        client_id=uuid.uuid4(),
        directive=Directive(ack_by="member"),
    )
    nurul = {"HTTP_AUTHORIZATION": f"Bearer {token_create(official=world['nurul'], name='t')[1]}"}
    url = f"/api/v1/directives/awaiting?room={world['room'].pk}"
    items = client.get(url, **nurul).json()["items"]
    assert {i["message"] for i in items} == {first.pk, second.pk}
    assert items[0]["author"]["username"] == "budi" and items[0]["link"].startswith("/messages/")
    assert len(client.get("/api/v1/directives/awaiting", **nurul).json()["items"]) == 3
    # andi acknowledges for their agency (sulsel), which nurul shares: one left for nurul.
    directive_services.directive_acknowledge(official=world["andi"], message_id=second.pk)
    directive_services.directive_acknowledge(official=world["nurul"], message_id=first.pk)
    assert client.get(url, **nurul).json()["items"] == []
    assert client.get("/api/v1/directives/awaiting?room=x", **nurul).status_code == 400


# --- search --------------------------------------------------------------------------------


def test_search_finds_words_in_readable_rooms_only_with_safe_highlights(world):
    post(world, body="Inflasi Sulawesi Selatan naik <b>tajam</b>")
    post(world, body="rapat besok")
    other = room_services.room_create_coordination(
        by=world["andi"], name="Rahasia", members=["nurul"]
    )
    timeline_services.message_post(
        author=world["andi"], room_id=other.pk, body="inflasi rahasia", client_id=uuid.uuid4()
    )
    found = search.search_messages(world["sari"], q="inflasi")
    assert len(found) == 1 and found[0]["room"] == world["room"].pk
    extract = found[0]["extract"]
    # The text is escaped (SQLite) or its tags dropped (PostgreSQL's headline): never markup.
    assert "<mark>" in extract and "<b>" not in extract
    assert search.search_messages(world["nurul"], q="inflasi rahasia")[0]["room"] == other.pk
    assert search.search_messages(world["sari"], q="tidakada") == []


def test_search_over_the_api(client, world):
    post(world, body="Anggaran stunting 2027")
    raw = token_create(official=world["andi"], name="t")[1]
    response = client.get("/api/v1/search", {"q": "stunting"}, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert item["link"].startswith(f"/messages/{world['room'].pk}?seq=")
    outsider = token_create(official=world["outsider"], name="t")[1]
    response = client.get(
        "/api/v1/search",
        {"q": "stunting", "room": world["room"].pk},
        HTTP_AUTHORIZATION=f"Bearer {outsider}",
    )
    assert response.status_code == 403
