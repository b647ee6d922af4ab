"""messaging.services.attachments: uploads checked by their content (messaging.files) and
stored, taken by one message of their uploader, purged when never sent."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from coordination.platform.errors import InvalidInput, NotFound, TooLarge, UnsupportedType
from messaging.models import Attachment, Message
from messaging.services import attachments as attachment_services
from messaging.services import timeline as timeline_services
from messaging.socket import clean_directive
from tests.messaging.posting import sent

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent.parent / "files"


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


def test_attachments_must_be_the_authors_own_unsent_uploads(world):
    with pytest.raises(NotFound):
        post(world, attachments=[999_999])
    with pytest.raises(InvalidInput):
        sent(world, {"body": "x", "attachments": "1"})
    assert not Message.objects.exists()
