"""The notulen API: read and write the notes, submit, approve or return them, and export the
approved record as PDF or Markdown (CONTRACT.md conventions). Thin: every endpoint calls
meetings.services.notulen, meetings.selectors or meetings.notulen_export."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from coordination.platform.schemas import (
    AUTH_ERRORS,
    ErrorOut,
    Id,
    NonBlankText,
    PathId,
    Seq,
    Text,
)
from meetings import notulen_export, selectors
from meetings.services import notulen

router = Router()

ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut, **AUTH_ERRORS}
SECTION = Field("", max_length=notulen.SECTION_MAX)
NotulenStatus = Literal["draft", "submitted", "returned", "approved"]


class ItemNotesIn(Schema):
    item: Id
    notes: Text = Field(max_length=notulen.SECTION_MAX)


class ItemNotesOut(Schema):
    item: int
    notes: str


class NotulenIn(Schema):
    version: Seq = Field(
        description="The version you wrote on (0 before anything is saved): changed since "
        "is 409 `conflict` with the notulen as they are now."
    )
    items: list[ItemNotesIn] = Field(default_factory=list, max_length=100)
    opening: Text = SECTION
    decisions: Text = SECTION
    actions: Text = SECTION
    closing: Text = SECTION
    corrects: Text = Field(
        "", max_length=2000, description="Over approved notulen: what this correction corrects."
    )


class VersionIn(Schema):
    version: Id


class ReturnIn(Schema):
    version: Id
    comment: NonBlankText = Field(max_length=2000)


class HistoryOut(Schema):
    revision: int
    approved_at: str | None
    approved_by: str | None
    corrects: str


class NotulenOut(Schema):
    meeting: int
    revision: int = Field(description="0: nothing written yet.")
    status: NotulenStatus
    version: int
    items: list[ItemNotesOut]
    opening: str
    decisions: str
    actions: str
    closing: str
    corrects: str
    returned_comment: str
    updated_at: str | None
    submitted_at: str | None
    approved_at: str | None
    approved_by: str | None
    history: list[HistoryOut] = Field(description="The approved revisions, oldest first.")
    may_write: bool
    may_approve: bool


def _read(request: HttpRequest, meeting_id: int) -> dict:
    return selectors.notulen_for_reader(request.auth, meeting_id)


@router.get(
    "/meetings/{meeting_id}/notulen",
    response={200: NotulenOut, **ERRORS},
    summary="The notulen (drafts for participants; the approved record for everyone who "
    "sees the meeting)",
)
def notulen_get(request: HttpRequest, meeting_id: PathId):
    return _read(request, meeting_id)


@router.put(
    "/meetings/{meeting_id}/notulen",
    response={200: NotulenOut, **ERRORS},
    summary="Save the notes (the note taker; over approved notulen: a correction)",
)
def notulen_put(request: HttpRequest, meeting_id: PathId, payload: NotulenIn):
    items: dict[int, str] = {}
    for entry in payload.items:
        items[entry.item] = entry.notes
    notulen.notulen_save(
        by=request.auth,
        meeting_id=meeting_id,
        version=payload.version,
        items=items,
        sections={
            "opening": payload.opening,
            "decisions": payload.decisions,
            "actions": payload.actions,
            "closing": payload.closing,
        },
        corrects=payload.corrects,
    )
    return _read(request, meeting_id)


@router.post(
    "/meetings/{meeting_id}/notulen/submit",
    response={200: NotulenOut, **ERRORS},
    summary="Hand the notulen to the chair for approval",
)
def notulen_submit(request: HttpRequest, meeting_id: PathId, payload: VersionIn):
    notulen.notulen_submit(by=request.auth, meeting_id=meeting_id, version=payload.version)
    return _read(request, meeting_id)


@router.post(
    "/meetings/{meeting_id}/notulen/approve",
    response={200: NotulenOut, **ERRORS},
    summary="Approve the notulen (the chair): the official record, read-only",
)
def notulen_approve(request: HttpRequest, meeting_id: PathId, payload: VersionIn):
    notulen.notulen_approve(by=request.auth, meeting_id=meeting_id, version=payload.version)
    return _read(request, meeting_id)


@router.post(
    "/meetings/{meeting_id}/notulen/return",
    response={200: NotulenOut, **ERRORS},
    summary="Send the notulen back to the note taker, with a comment",
)
def notulen_return(request: HttpRequest, meeting_id: PathId, payload: ReturnIn):
    notulen.notulen_return(
        by=request.auth, meeting_id=meeting_id, version=payload.version, comment=payload.comment
    )
    return _read(request, meeting_id)


def _export(request: HttpRequest, meeting_id: int, kind: str) -> HttpResponse:
    meeting, revision = selectors.notulen_approved_get(request.auth, meeting_id)
    document = selectors.notulen_document(meeting, revision)
    if kind == "pdf":
        response = HttpResponse(
            notulen_export.notulen_pdf(document), content_type="application/pdf"
        )
    else:
        response = HttpResponse(
            notulen_export.notulen_markdown(document), content_type="text/markdown; charset=utf-8"
        )
    name = f"notulen-rakor-{meeting.pk}-{revision.number}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get(
    "/meetings/{meeting_id}/notulen.pdf",
    response={200: None, **ERRORS},
    summary="The approved notulen as a PDF (a notula rapat, in the meeting's language)",
    openapi_extra={"responses": {200: {"description": "PDF", "content": {"application/pdf": {}}}}},
)
def notulen_pdf(request: HttpRequest, meeting_id: PathId):
    return _export(request, meeting_id, "pdf")


@router.get(
    "/meetings/{meeting_id}/notulen.md",
    response={200: None, **ERRORS},
    summary="The approved notulen as Markdown",
    openapi_extra={
        "responses": {200: {"description": "Markdown", "content": {"text/markdown": {}}}}
    },
)
def notulen_md(request: HttpRequest, meeting_id: PathId):
    return _export(request, meeting_id, "md")
