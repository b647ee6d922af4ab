"""Attachments: an upload is checked (messaging.files) and stored through Django's storage,
taken by one message of its uploader, and deleted when never sent."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.models import Official
from coordination.platform.errors import Forbidden, InvalidInput, NotFound, UnsupportedType
from messaging import files
from messaging.models import Attachment

# Uploads not sent with a message within this time are deleted (see messaging.jobs).
UNSENT_KEPT_FOR = datetime.timedelta(days=1)


def attachment_upload(*, uploader: Official, upload: UploadedFile) -> Attachment:
    """Store an uploaded file for `uploader`, to be taken by their next message; refused
    unless its content is of an accepted type matching its name (images must decode)."""
    if not permissions.is_active(uploader):
        raise Forbidden(_("Not allowed."))
    upload.seek(0)
    head = upload.read(8192)
    checked = files.check_upload(upload.name, head, upload.size or 0)
    if checked.office_zip:
        files.check_office_document(upload, checked.name)
    thumbnail = None
    if checked.content_type in files.IMAGE_TYPES:
        upload.seek(0)
        thumbnail = files.thumbnail(upload.read())
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


def attachments_take(*, author: Official, ids: Sequence[int]) -> list[Attachment]:
    """The uploads `author` names for a new message, in the order named: theirs, not yet
    sent, at most RAKOR_ATTACHMENTS_PER_MESSAGE. Locked (inside the message's transaction)
    so two sends cannot take the same file."""
    if not ids:
        return []
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > settings.RAKOR_ATTACHMENTS_PER_MESSAGE:
        raise InvalidInput(
            _("A message has at most %(n)d attachments.")
            % {"n": settings.RAKOR_ATTACHMENTS_PER_MESSAGE},
            fields={"attachments": [_("Too many.")]},
        )
    found = list(
        Attachment.objects.select_for_update().filter(
            pk__in=wanted, uploader=author, message__isnull=True
        )
    )
    if len(found) != len(wanted):
        raise NotFound(
            _("An attachment is not yours, not uploaded, or already sent."),
            fields={"attachments": sorted(set(wanted) - {a.pk for a in found})},
        )
    return sorted(found, key=lambda a: wanted.index(a.pk))


def attachments_purge_unsent(*, older_than: datetime.timedelta = UNSENT_KEPT_FOR) -> int:
    """Delete uploads never sent with a message (an abandoned composer), files included.
    Returns how many went; one sent meanwhile keeps its row and its file."""
    cutoff = timezone.now() - older_than
    stale = list(
        Attachment.objects.filter(message__isnull=True, created_at__lt=cutoff).only(
            "pk", "file", "thumbnail"
        )
    )
    if not stale:
        return 0
    ids = [a.pk for a in stale]
    deleted, _detail = Attachment.objects.filter(pk__in=ids, message__isnull=True).delete()
    kept = set(Attachment.objects.filter(pk__in=ids).values_list("pk", flat=True))
    for attachment in stale:
        if attachment.pk not in kept:
            for field in (attachment.file, attachment.thumbnail):
                if field:
                    field.storage.delete(field.name)
    return deleted
