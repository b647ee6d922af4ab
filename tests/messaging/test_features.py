"""What officials expect of a chat: mentions, attachments, directives, search."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from coordination.organisation.models import Notification
from coordination.organisation.services import token_create
from coordination.platform.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    UnsupportedType,
)
from messaging import search, selectors
from messaging.models import Acknowledgement, Attachment, Mention, Message
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


# --- mentions ------------------------------------------------------------------------------


def test_mentions_of_members_and_agencies_are_recorded_and_notified(world):
    message = post(world, body="@andi tolong cek. @kemendagri juga, dan @outsider (bukan anggota)")
    mentioned = set(
        Mention.objects.filter(message=message).values_list("official__username", flat=True)
    )
    # sari is mentioned through her agency (kemendagri); budi is the author; outsider is not a
    # member and is not mentioned at all.
    assert mentioned == {"andi", "sari"}
    assert Mention.objects.get(message=message, official=world["sari"]).agency == world["ministry"]
    notes = Notification.objects.filter(kind="mention")
    assert set(notes.values_list("official__username", flat=True)) == {"andi", "sari"}
    note = notes.get(official=world["andi"])
    assert note.link == f"/messages/{world['room'].pk}?seq={message.seq}"
    assert world["budi"].display_name in note.text


def test_mentions_are_in_the_frame_and_ignore_email_addresses(world):
    from messaging.selectors import timeline

    post(world, body="kirim ke budi@kemendagri.go.id, @andi.")
    frame = timeline(world["room"].pk, after=0)[-1]
    assert frame["mentions"] == {"usernames": ["andi"], "agencies": []}


# --- attachments ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type", "thumb"),
    [
        ("peta.png", "image/png", True),
        ("foto.jpg", "image/jpeg", True),
        ("laporan.pdf", "application/pdf", False),
        ("data.csv", "text/csv", False),
    ],
)
def test_uploads_are_typed_by_their_content(world, name, content_type, thumb):
    attachment = upload(world["andi"], name)
    assert attachment.content_type == content_type
    assert bool(attachment.thumbnail) is thumb
    assert attachment.size == (FILES / name).stat().st_size


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("skrip.pdf", b"#!/bin/sh\nrm -rf /\n"),  # not a PDF inside
        ("peta.png", (FILES / "laporan.pdf").read_bytes()),  # a PDF named .png
        ("program.exe", b"MZ\x90\x00" + b"\x00" * 200),
        ("halaman.html", b"<html><script>alert(1)</script></html>"),
        ("gambar.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("rusak.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),  # a PNG header, no image
        ("teks.txt", b"binary\x00\x01\x02"),
        ("kosong.txt", b""),
    ],
)
def test_uploads_that_are_not_what_they_claim_are_refused(world, name, content):
    with pytest.raises((UnsupportedType, InvalidInput)):
        upload(world["andi"], name, content)
    assert not Attachment.objects.exists()


def test_uploads_over_the_limit_are_refused(world, settings):
    settings.RAKOR_ATTACHMENT_MAX_BYTES = 1000
    with pytest.raises(TooLarge):
        upload(world["andi"], "foto.jpg")


def test_images_that_decode_to_too_many_pixels_are_refused(world):
    import io

    from PIL import Image

    # A small PNG (a few hundred KB) that would decode to 64 megapixels.
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) < 2_000_000
    with pytest.raises(TooLarge):
        upload(world["andi"], "bom.png", out.getvalue())
    assert not Attachment.objects.exists()


def _zip(parts):
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in parts:
            archive.writestr(name, "<x/>")
    return out.getvalue()


def test_office_documents_are_checked_by_their_parts(world):
    document = upload(
        world["andi"], "notulen.docx", _zip(["[Content_Types].xml", "word/document.xml"])
    )
    assert document.content_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    sheet = upload(world["andi"], "anggaran.xlsx", _zip(["[Content_Types].xml", "xl/workbook.xml"]))
    assert sheet.content_type.endswith("spreadsheetml.sheet")
    for name, parts in [
        ("notulen.docx", ["readme.txt"]),  # any zip renamed
        ("anggaran.xlsx", ["[Content_Types].xml", "word/document.xml"]),  # a document as a sheet
    ]:
        with pytest.raises(UnsupportedType):
            upload(world["andi"], name, _zip(parts))
    assert Attachment.objects.count() == 2


def test_names_are_cleaned(world):
    attachment = upload(
        world["andi"], "../../etc/laporan\x00\u202e.pdf", (FILES / "laporan.pdf").read_bytes()
    )
    assert attachment.name == "laporan.pdf"


def test_a_message_carries_its_files_and_only_the_uploaders_unsent_ones(world):
    mine = upload(world["budi"], "peta.png")
    theirs = upload(world["andi"], "laporan.pdf")
    with pytest.raises(NotFound):
        post(world, attachments=[mine.pk, theirs.pk])
    message = post(world, body="", attachments=[mine.pk])  # files alone are a message
    from messaging.selectors import timeline

    frame = timeline(world["room"].pk, after=0)[-1]
    assert frame["attachments"][0]["name"] == "peta.png"
    assert frame["attachments"][0]["thumbnail_url"].endswith("/thumbnail")
    with pytest.raises(NotFound):  # already sent
        post(world, attachments=[mine.pk])
    assert Attachment.objects.get(pk=mine.pk).message == message


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


def test_unsent_uploads_are_purged_after_a_day_with_their_files(world):
    abandoned = upload(world["budi"], "peta.png")
    recent = upload(world["budi"], "laporan.pdf")
    sent = upload(world["budi"], "foto.jpg")
    post(world, attachments=[sent.pk])
    day_ago = timezone.now() - datetime.timedelta(days=1, minutes=1)
    Attachment.objects.filter(pk__in=[abandoned.pk, sent.pk]).update(created_at=day_ago)
    paths = [Path(abandoned.file.path), Path(abandoned.thumbnail.path)]
    assert all(p.exists() for p in paths)
    assert attachment_services.attachments_purge_unsent() == 1
    assert set(Attachment.objects.values_list("pk", flat=True)) == {recent.pk, sent.pk}
    assert not any(p.exists() for p in paths)
    assert Path(Attachment.objects.get(pk=sent.pk).file.path).exists()


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


def test_only_coordinators_send_directives(world):
    with pytest.raises(Forbidden):
        post(world, who="sari", directive={"ack_by": "member"})
    with pytest.raises(InvalidInput):
        post(world, directive={"ack_by": "everyone"})
    with pytest.raises(InvalidInput):
        post(world, directive={"ack_by": "member", "due": "besok"})
    assert not Message.objects.exists()


def test_members_acknowledge_and_the_tally_follows(world):
    due = (datetime.date.today() + datetime.timedelta(days=5)).isoformat()
    message = post(
        world, body="Laporkan angka kemiskinan", directive={"ack_by": "member", "due": due}
    )
    # Each member is asked, on their own channel, without the message's words.
    asked = Notification.objects.filter(kind="directive")
    assert set(asked.values_list("official__username", flat=True)) == {"sari", "andi", "nurul"}
    assert all(n.link == f"/messages/{world['room'].pk}?seq={message.seq}" for n in asked)
    assert not any("kemiskinan" in n.text for n in asked)
    tally = selectors.directive_get_tally(official=world["budi"], message_id=message.pk)
    assert {p["username"] for p in tally["pending"]} == {"sari", "andi", "nurul"}
    tally = directive_services.directive_acknowledge(official=world["andi"], message_id=message.pk)
    assert [a["username"] for a in tally["acknowledged"]] == ["andi"]
    again = directive_services.directive_acknowledge(official=world["andi"], message_id=message.pk)
    assert len(again["acknowledged"]) == 1  # one click, once
    with pytest.raises(InvalidInput):
        directive_services.directive_acknowledge(official=world["budi"], message_id=message.pk)
    with pytest.raises(NotFound):  # outside the room, the directive does not exist
        directive_services.directive_acknowledge(official=world["outsider"], message_id=message.pk)
    with pytest.raises(NotFound):
        selectors.directive_get_tally(official=world["outsider"], message_id=message.pk)


@pytest.mark.parametrize("due", ["2020-01-01", "05-12-2026", "2026-13-01", 20261205])
def test_directive_due_dates_are_dates_not_yet_passed(world, due):
    with pytest.raises(InvalidInput):
        post(world, directive={"ack_by": "member", "due": due})
    assert not Message.objects.exists() and not Notification.objects.exists()


def test_in_agency_mode_one_official_acknowledges_for_the_agency(world):
    message = post(world, directive={"ack_by": "agency"})
    tally = selectors.directive_get_tally(official=world["budi"], message_id=message.pk)
    # Kemendagri (sari) and Sulawesi Selatan (andi, nurul) owe one acknowledgement each.
    assert {p["agency"] for p in tally["pending"]} == {"kemendagri", "sulsel"}
    directive_services.directive_acknowledge(official=world["nurul"], message_id=message.pk)
    tally = directive_services.directive_acknowledge(official=world["andi"], message_id=message.pk)
    assert [p["agency"] for p in tally["pending"]] == ["kemendagri"]
    assert Acknowledgement.objects.filter(message=message).count() == 1  # andi's was not needed
    tally = directive_services.directive_acknowledge(official=world["sari"], message_id=message.pk)
    assert tally["complete"] and not tally["overdue"]


def test_overdue_directives_are_listed_for_their_sender(world):
    overdue = post(
        world, body="lama", directive={"ack_by": "member", "due": datetime.date.today().isoformat()}
    )
    Message.objects.filter(pk=overdue.pk).update(
        directive_due=datetime.date.today() - datetime.timedelta(days=2)
    )
    fresh = post(world, body="baru", directive={"ack_by": "member"})
    listed = selectors.directives_sent(world["budi"], overdue_only=True)
    assert [d["message"] for d in listed] == [overdue.pk] and listed[0]["overdue"]
    assert len(selectors.directives_sent(world["budi"])) == 2
    awaiting = selectors.directives_awaiting(world["andi"])
    assert {m.pk for m in awaiting} == {overdue.pk, fresh.pk}
    directive_services.directive_acknowledge(official=world["andi"], message_id=fresh.pk)
    assert [m.pk for m in selectors.directives_awaiting(world["andi"])] == [overdue.pk]


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
