"""Attachments: checked on upload (size, type by content, name), stored through Django's
storage, referenced by one message, and served only to whoever may read that message.

The type is decided by the file's content (its magic numbers, read with `filetype`), never by
the name or the browser's claim, and must agree with the name's extension: a script renamed
to .pdf is refused. Images get a thumbnail re-encoded by Pillow, which is what pages show.
"""

from __future__ import annotations

import datetime
import io
import os
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from coordination.organisation import permissions
from coordination.organisation.models import Official
from coordination.platform.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    UnsupportedType,
)
from messaging.models import Attachment, Membership

THUMBNAIL_SIZE = (320, 320)
# Images are decoded to make thumbnails: larger ones (a "decompression bomb" is a small file
# that decodes to gigabytes) are refused before decoding.
MAX_IMAGE_PIXELS = 40_000_000
# Uploads not sent with a message within this time are deleted (see messaging.jobs).
UNSENT_KEPT_FOR = datetime.timedelta(days=1)
OFFICE_FOLDERS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}

# Content type -> the extensions a file of that content may carry.
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "application/pdf": ("pdf",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx",),
    "application/vnd.oasis.opendocument.text": ("odt",),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods",),
    "application/vnd.oasis.opendocument.presentation": ("odp",),
    # Plain text has no magic number: accepted when it is UTF-8 without control characters.
    "text/plain": ("txt",),
    "text/csv": ("csv",),
}
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
ALLOWED_TYPES_BY_EXTENSION = {
    extension: content_type
    for content_type, extensions in ALLOWED_TYPES.items()
    for extension in extensions
}


@dataclass(frozen=True)
class Checked:
    name: str
    content_type: str
    office_zip: bool = False


def clean_name(name: str) -> str:
    """A file name safe to store and to send back in Content-Disposition."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return (name or "file")[-200:]


def check_upload(name: str, head: bytes, size: int) -> Checked:
    """The stored name and content type of an upload, or a refusal."""
    limit = settings.RAKOR_ATTACHMENT_MAX_BYTES
    if size > limit:
        raise TooLarge(
            _("A file may have at most %(mb)d MB.") % {"mb": limit // (1024 * 1024)},
            fields={"file": [_("Too large.")]},
        )
    if size == 0:
        raise InvalidInput(_("The file is empty."), fields={"file": [_("Empty.")]})
    name = clean_name(name)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = filetype.guess(head)
    if kind is not None:
        content_type = kind.mime
    elif extension in ("txt", "csv") and _is_text(head):
        content_type = "text/csv" if extension == "csv" else "text/plain"
    else:
        raise UnsupportedType(
            _("This kind of file is not accepted: send images, PDF, office documents or text."),
            fields={"file": [_("Unsupported type.")]},
        )
    if extension in OFFICE_FOLDERS and content_type in (
        ALLOWED_TYPES_BY_EXTENSION[extension],
        "application/zip",
    ):
        # An office document is a zip; its magic number says little. Its parts decide.
        content_type = ALLOWED_TYPES_BY_EXTENSION[extension]
        checked_zip = True
    else:
        checked_zip = False
    if content_type not in ALLOWED_TYPES or extension not in ALLOWED_TYPES[content_type]:
        raise UnsupportedType(
            _("The file's content does not match its name (%(name)s).") % {"name": name},
            fields={"file": [_("Unsupported type.")]},
        )
    return Checked(name=name, content_type=content_type, office_zip=checked_zip)


def _check_office_document(upload: UploadedFile, name: str) -> None:
    """A .docx, .xlsx or .pptx must be a zip with the parts of that kind of document."""
    extension = name.rsplit(".", 1)[-1].lower()
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnsupportedType(
            _("The file's content does not match its name (%(name)s).") % {"name": name},
            fields={"file": [_("Unsupported type.")]},
        ) from exc
    folder = OFFICE_FOLDERS[extension]
    if "[Content_Types].xml" not in names or not any(n.startswith(folder) for n in names):
        raise UnsupportedType(
            _("The file's content does not match its name (%(name)s).") % {"name": name},
            fields={"file": [_("Unsupported type.")]},
        )


def _is_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # The 8 KiB sample may end inside a character.
        try:
            text = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return not any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text)


def _thumbnail(data: bytes) -> bytes | None:
    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise TooLarge(
                    _("An image may have at most %(mp)d megapixels.")
                    % {"mp": MAX_IMAGE_PIXELS // 1_000_000},
                    fields={"file": [_("Too large.")]},
                )
            image.draft("RGB", THUMBNAIL_SIZE)  # JPEG: decode at a reduced size
            image.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=82)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        return None


def attachment_upload(*, uploader: Official, upload: UploadedFile) -> Attachment:
    """Store an uploaded file for `uploader`, to be referenced by their next message."""
    if not permissions.is_active(uploader):
        raise Forbidden(_("Not allowed."))
    upload.seek(0)
    head = upload.read(8192)
    checked = check_upload(upload.name, head, upload.size or 0)
    if checked.office_zip:
        _check_office_document(upload, checked.name)
    thumbnail = None
    if checked.content_type in IMAGE_TYPES:
        upload.seek(0)
        thumbnail = _thumbnail(upload.read())
        if thumbnail is None:
            raise UnsupportedType(
                _("The image cannot be read."), fields={"file": [_("Broken image.")]}
            )
    upload.seek(0)
    with transaction.atomic():
        attachment = Attachment(
            uploader=uploader,
            name=checked.name,
            content_type=checked.content_type,
            size=upload.size,
        )
        attachment.file.save(checked.name, upload, save=False)
        if thumbnail is not None:
            attachment.thumbnail.save(f"{checked.name}.jpg", ContentFile(thumbnail), save=False)
        attachment.save()
    return attachment


def attachments_for_message(*, author: Official, ids: object) -> list[Attachment]:
    """The uploads `author` names for a new message: theirs, not yet sent, at most
    RAKOR_ATTACHMENTS_PER_MESSAGE. Locked so two sends cannot take the same file."""
    if ids in (None, []):
        return []
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 1 <= i < 2**63 for i in ids
    ):
        raise InvalidInput(
            _("attachments is a list of ids."), fields={"attachments": [_("Not ids.")]}
        )
    if len(set(ids)) > settings.RAKOR_ATTACHMENTS_PER_MESSAGE:
        raise InvalidInput(
            _("A message has at most %(n)d attachments.")
            % {"n": settings.RAKOR_ATTACHMENTS_PER_MESSAGE},
            fields={"attachments": [_("Too many.")]},
        )
    found = list(
        Attachment.objects.select_for_update().filter(
            pk__in=set(ids), uploader=author, message__isnull=True
        )
    )
    if len(found) != len(set(ids)):
        raise NotFound(
            _("An attachment is not yours, not uploaded, or already sent."),
            fields={"attachments": sorted(set(ids) - {a.pk for a in found})},
        )
    return sorted(found, key=lambda a: ids.index(a.pk))


def attachment_for_reader(*, official: Official, attachment_id: int) -> Attachment:
    """An attachment `official` may download: in a room they are a member of, or their own
    upload not sent yet. Anything else is not found (its existence is not revealed)."""
    attachment = Attachment.objects.select_related("message").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("No such file."))
    if attachment.message is None:
        if attachment.uploader_id == official.pk:
            return attachment
        raise NotFound(_("No such file."))
    is_member = Membership.objects.filter(
        room_id=attachment.message.room_id, official=official
    ).exists()
    if not permissions.may_view_room(official, is_member=is_member):
        permissions.permission_denied(
            official=official, action="download attachment", target=attachment
        )
        raise NotFound(_("No such file."))
    if attachment.message.deleted_at is not None:
        raise NotFound(_("The message of this file was deleted."))
    return attachment


def attachments_purge_unsent(*, older_than: datetime.timedelta = UNSENT_KEPT_FOR) -> int:
    """Delete uploads never sent with a message (an abandoned composer), files included.
    Returns how many went."""
    cutoff = timezone.now() - older_than
    stale = list(
        Attachment.objects.filter(message__isnull=True, created_at__lt=cutoff).only(
            "pk", "file", "thumbnail"
        )
    )
    if not stale:
        return 0
    ids = [a.pk for a in stale]
    # Only rows still unsent are deleted: one sent meanwhile keeps its row and its file.
    deleted, _detail = Attachment.objects.filter(pk__in=ids, message__isnull=True).delete()
    kept = set(Attachment.objects.filter(pk__in=ids).values_list("pk", flat=True))
    for attachment in stale:
        if attachment.pk not in kept:
            for field in (attachment.file, attachment.thumbnail):
                if field:
                    field.storage.delete(field.name)
    return deleted


def attachment_frame(attachment: Attachment) -> dict:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "url": f"/api/v1/attachments/{attachment.pk}",
        "thumbnail_url": f"/api/v1/attachments/{attachment.pk}/thumbnail"
        if attachment.thumbnail
        else None,
    }
