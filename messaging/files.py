"""What an uploaded file is, checked before anything is stored (pure: no database): its
size, its name, its type decided by its content, and the thumbnail of an image.

The type is decided by the file's content (its magic numbers, read with `filetype`), never by
the name or the browser's claim, and must agree with the name's extension: a script renamed
to .pdf is refused. Images get a thumbnail re-encoded by Pillow, which is what pages show;
images over MAX_IMAGE_PIXELS are refused before decoding.
"""

from __future__ import annotations

import io
import os
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from coordination.platform.errors import (
    InvalidInput,
    TooLarge,
    UnsupportedType,
)

THUMBNAIL_SIZE = (320, 320)
# Images are decoded to make thumbnails: larger ones (a "decompression bomb" is a small file
# that decodes to gigabytes) are refused before decoding.
MAX_IMAGE_PIXELS = 40_000_000
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


def check_office_document(upload: UploadedFile, name: str) -> None:
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


def thumbnail(data: bytes) -> bytes | None:
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
