"""Attachments over the API: uploading a file for the next message, downloading it and its
thumbnail (members of its room only, never cached by the browser)."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router, Status, UploadedFile

from coordination.platform.errors import NotFound
from coordination.platform.http import stored_file_response
from coordination.platform.schemas import ErrorOut, PathId, file_response
from messaging import selectors
from messaging.api.schemas import ERRORS, AttachmentOut
from messaging.events import attachment_frame
from messaging.services import attachments as attachment_services

router = Router()


FILE_RESPONSE = file_response("The file with its own type, as an attachment (never shown inline).")


@router.post(
    "/attachments",
    response={201: AttachmentOut, 413: ErrorOut, 415: ErrorOut, **ERRORS},
    summary="Upload a file (up to 25 MB) to attach to your next message",
)
def attachment_upload(request: HttpRequest, file: UploadedFile = File(...)):  # noqa: B008
    attachment = attachment_services.attachment_upload(uploader=request.auth, upload=file)
    return Status(201, attachment_frame(attachment))


@router.get(
    "/attachments/{attachment_id}",
    response={200: None, **ERRORS},
    openapi_extra=FILE_RESPONSE,
    summary="Download a file (members of its room only)",
)
def attachment_download(request: HttpRequest, attachment_id: PathId):
    attachment = selectors.attachment_get_for_reader(
        official=request.auth, attachment_id=attachment_id
    )
    return stored_file_response(
        attachment.file, name=attachment.name, content_type=attachment.content_type
    )


@router.get(
    "/attachments/{attachment_id}/thumbnail",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "A small JPEG of an image attachment.",
                "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
    summary="The thumbnail of an image attachment (members of its room only)",
)
def attachment_thumbnail(request: HttpRequest, attachment_id: PathId):
    attachment = selectors.attachment_get_for_reader(
        official=request.auth, attachment_id=attachment_id
    )
    if not attachment.thumbnail:
        raise NotFound(_("This file has no thumbnail."))
    response = FileResponse(attachment.thumbnail.open("rb"), content_type="image/jpeg")
    # Access ends when membership does: no copy is kept by the browser.
    response["Cache-Control"] = "private, no-store"
    return response
