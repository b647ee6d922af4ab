"""The messaging API: rooms, members, direct conversations, the timeline, read state.

Thin: every endpoint calls the same service or selector as the socket consumer does.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from django.conf import settings
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Path, Query, Router, Schema, Status, UploadedFile
from pydantic import StringConstraints

from coordination.organisation.models import Classification, Official
from coordination.platform.errors import NotFound
from coordination.platform.schemas import AUTH_ERRORS, ErrorOut, Id, NonBlankText, Seq, Text
from messaging import attachments, directives, selectors, services
from messaging.events import message_frame
from messaging.search import search_messages

router = Router(tags=["messaging"])

USERNAME_PATTERN = r"^[\w.@+-]{1,150}$"
Username = Annotated[str, StringConstraints(pattern=USERNAME_PATTERN)]
ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut, **AUTH_ERRORS}


class RoomOut(Schema):
    id: int
    kind: Literal["agency", "coordination", "direct", "meeting"]
    name: str
    description: str
    classification: Classification
    archived: bool
    head: int = Field(description="The room's last seq.")
    last_read_seq: int
    is_admin: bool
    unread: int | None = Field(None, description="Messages from others after last_read_seq.")


class RoomPage(Schema):
    items: list[RoomOut]
    next: str | None


class RoomIn(Schema):
    name: NonBlankText = Field(max_length=200)
    description: Text = Field("", max_length=2000)
    classification: Classification = Classification.BIASA
    members: list[Username] = Field(default_factory=list, max_length=500)


class MemberOut(Schema):
    username: str
    name: str
    agency: str | None
    is_admin: bool


class MemberPage(Schema):
    items: list[MemberOut]
    next: str | None


class MembersIn(Schema):
    usernames: list[Username] = Field(min_length=1, max_length=500)
    admin: bool = False


class DirectIn(Schema):
    usernames: list[Username] = Field(min_length=1, max_length=services.DIRECT_MAX_PEOPLE - 1)


class Author(Schema):
    username: str
    name: str


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    url: str
    thumbnail_url: str | None


class MentionsOut(Schema):
    usernames: list[str]
    agencies: list[str]


class DirectiveOut(Schema):
    ack_by: Literal["member", "agency"]
    due: str | None


class MessageFrame(Schema):
    type: Literal["message"]
    room: int
    seq: int
    id: int
    author: Author
    body: str | None
    html: str | None
    client_id: str
    reply_to: int | None
    attachments: list[AttachmentOut]
    mentions: MentionsOut
    directive: DirectiveOut | None
    sent_at: str
    edited_at: str | None
    deleted: bool


class EditedFrame(Schema):
    type: Literal["message_edited"]
    room: int
    seq: int
    id: int
    body: str | None
    html: str | None
    edited_at: str


class DeletedFrame(Schema):
    type: Literal["message_deleted"]
    room: int
    seq: int
    id: int


class TimelinePage(Schema):
    items: list[MessageFrame | EditedFrame | DeletedFrame]
    next: int | None = Field(
        description="With `after`: pass it as `after` for the next page. With `before` alone: "
        "pass it as `before` for older history. Null at the end."
    )


class TimelineQuery(Schema):
    after: Seq | None = None
    before: Id | None = None
    limit: int = Field(50, ge=1, le=selectors.REPLAY_CHUNK)


class DirectiveIn(Schema):
    ack_by: Literal["member", "agency"]
    due: date | None = None


class MessageIn(Schema):
    body: NonBlankText = Field(max_length=settings.RAKOR_MESSAGE_MAX_CHARS)
    client_id: UUID
    reply_to: Id | None = None
    attachments: list[Id] = Field(
        default_factory=list,
        max_length=10,
        description="Ids from POST /api/v1/attachments, uploaded by you and not sent yet.",
    )
    directive: DirectiveIn | None = Field(
        None, description="Ask for acknowledgement (coordinators only)."
    )


class MessageEditIn(Schema):
    body: NonBlankText = Field(max_length=settings.RAKOR_MESSAGE_MAX_CHARS)


class ChangeOut(Schema):
    room: int
    seq: int
    id: int


class ReadIn(Schema):
    seq: Seq


class ReadOut(Schema):
    room: int
    seq: int


def _room_out(official: Official, room_id: int) -> dict:
    room, membership = services.member_room(official, room_id)
    return selectors.room_summary(room, membership)


@router.get(
    "/rooms", response={200: RoomPage, **AUTH_ERRORS}, summary="My rooms, with unread counts"
)
def rooms(request: HttpRequest):
    return {"items": selectors.rooms_for_official(request.auth), "next": None}


@router.post("/rooms", response={201: RoomOut, **ERRORS}, summary="Create a coordination room")
def room_create(request: HttpRequest, payload: RoomIn):
    room = services.room_create_coordination(
        by=request.auth,
        name=payload.name,
        description=payload.description,
        classification=payload.classification,
        members=payload.members,
    )
    return Status(201, _room_out(request.auth, room.pk))


@router.get("/rooms/{room_id}", response={200: RoomOut, **ERRORS}, summary="One of my rooms")
def room_detail(request: HttpRequest, room_id: int = Path(..., ge=1, lt=2**62)):
    return _room_out(request.auth, room_id)


@router.post(
    "/rooms/{room_id}/archive", response={200: RoomOut, **ERRORS}, summary="Archive a room"
)
def room_archive(request: HttpRequest, room_id: int = Path(..., ge=1, lt=2**62)):
    services.room_archive(by=request.auth, room_id=room_id)
    return _room_out(request.auth, room_id)


@router.get(
    "/rooms/{room_id}/members", response={200: MemberPage, **ERRORS}, summary="A room's members"
)
def members(request: HttpRequest, room_id: int = Path(..., ge=1, lt=2**62)):
    services.member_room(request.auth, room_id)
    return {"items": selectors.room_members(room_id), "next": None}


@router.post(
    "/rooms/{room_id}/members",
    response={200: MemberPage, **ERRORS},
    summary="Add members to a coordination room (its room admins)",
)
def members_add(request: HttpRequest, payload: MembersIn, room_id: int = Path(..., ge=1, lt=2**62)):
    services.room_members_add(
        by=request.auth, room_id=room_id, members=payload.usernames, as_admin=payload.admin
    )
    return {"items": selectors.room_members(room_id), "next": None}


@router.delete(
    "/rooms/{room_id}/members/{username}",
    response={204: None, **ERRORS},
    summary="Remove a member from a coordination room (its room admins)",
)
def member_remove(
    request: HttpRequest,
    room_id: int = Path(..., ge=1, lt=2**62),
    username: str = Path(..., pattern=USERNAME_PATTERN),
):
    services.room_member_remove(by=request.auth, room_id=room_id, username=username)
    return Status(204, None)


@router.post(
    "/direct",
    response={200: RoomOut, 201: RoomOut, **ERRORS},
    summary="The direct conversation with these officials (the same people, the same room)",
)
def direct(request: HttpRequest, payload: DirectIn):
    room, created = services.direct_conversation(by=request.auth, usernames=payload.usernames)
    return Status(201 if created else 200, _room_out(request.auth, room.pk))


@router.get(
    "/rooms/{room_id}/messages",
    response={200: TimelinePage, **ERRORS},
    summary="A room's events in seq order (after= for newer, before= for older history)",
)
def timeline(
    request: HttpRequest,
    query: Query[TimelineQuery],
    room_id: int = Path(..., ge=1, lt=2**62),
):
    room, _membership = services.member_room(request.auth, room_id)
    after, before = query.after, query.before
    if after is None and before is None:
        after = selectors.backlog_start(room.last_seq, query.limit)
    items = selectors.timeline(room.pk, after=after, before=before, limit=query.limit)
    next_cursor = None
    if len(items) == query.limit:
        if query.after is None and query.before is not None:
            next_cursor = items[0]["seq"] if items[0]["seq"] > 1 else None
        else:
            next_cursor = items[-1]["seq"]
    return {"items": items, "next": next_cursor}


@router.post(
    "/rooms/{room_id}/messages",
    response={200: MessageFrame, 201: MessageFrame, **ERRORS},
    summary="Post a message (idempotent on client_id: a repeat answers 200 with the stored one)",
)
def message_post(
    request: HttpRequest, payload: MessageIn, room_id: int = Path(..., ge=1, lt=2**62)
):

    message, created = services.message_post(
        author=request.auth,
        room_id=room_id,
        body=payload.body,
        client_id=payload.client_id,
        reply_to=payload.reply_to,
        attachments=payload.attachments,
        directive=(
            {
                "ack_by": payload.directive.ack_by,
                "due": payload.directive.due.isoformat() if payload.directive.due else None,
            }
            if payload.directive
            else None
        ),
    )
    return Status(201 if created else 200, message_frame(message))


@router.patch(
    "/messages/{message_id}",
    response={200: ChangeOut, **ERRORS},
    summary="Edit a message (its author)",
)
def message_edit(
    request: HttpRequest, payload: MessageEditIn, message_id: int = Path(..., ge=1, lt=2**62)
):
    event = services.message_edit(by=request.auth, message_id=message_id, body=payload.body)
    return {"room": event.room_id, "seq": event.seq, "id": event.message_id}


@router.delete(
    "/messages/{message_id}",
    response={200: ChangeOut, **ERRORS},
    summary="Delete a message (its author or a room admin); a tombstone stays",
)
def message_delete(request: HttpRequest, message_id: int = Path(..., ge=1, lt=2**62)):
    event = services.message_delete(by=request.auth, message_id=message_id)
    return {"room": event.room_id, "seq": event.seq, "id": event.message_id}


@router.post(
    "/rooms/{room_id}/read",
    response={200: ReadOut, **ERRORS},
    summary="Everything up to seq is read",
)
def read(request: HttpRequest, payload: ReadIn, room_id: int = Path(..., ge=1, lt=2**62)):
    membership = services.room_mark_read(official=request.auth, room_id=room_id, seq=payload.seq)
    return {"room": room_id, "seq": membership.last_read_seq}


# --- attachments ---------------------------------------------------------------------------


FILE_RESPONSE = {
    "responses": {
        200: {
            "description": "The file with its own type, as an attachment (never shown inline).",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.post(
    "/attachments",
    response={201: AttachmentOut, 413: ErrorOut, 415: ErrorOut, **ERRORS},
    summary="Upload a file (up to 25 MB) to attach to your next message",
)
def attachment_upload(request: HttpRequest, file: UploadedFile = File(...)):  # noqa: B008
    attachment = attachments.attachment_upload(uploader=request.auth, upload=file)
    return Status(201, attachments.attachment_frame(attachment))


@router.get(
    "/attachments/{attachment_id}",
    response={200: None, **ERRORS},
    openapi_extra=FILE_RESPONSE,
    summary="Download a file (members of its room only)",
)
def attachment_download(request: HttpRequest, attachment_id: int = Path(..., ge=1, lt=2**62)):
    attachment = attachments.attachment_for_reader(
        official=request.auth, attachment_id=attachment_id
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


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
def attachment_thumbnail(request: HttpRequest, attachment_id: int = Path(..., ge=1, lt=2**62)):
    attachment = attachments.attachment_for_reader(
        official=request.auth, attachment_id=attachment_id
    )
    if not attachment.thumbnail:
        raise NotFound(_("This file has no thumbnail."))
    response = FileResponse(attachment.thumbnail.open("rb"), content_type="image/jpeg")
    # Access ends when membership does: no copy is kept by the browser.
    response["Cache-Control"] = "private, no-store"
    return response


# --- directives ----------------------------------------------------------------------------


class AcknowledgedOut(Schema):
    username: str
    name: str
    agency: str | None
    at: str


class PendingOut(Schema):
    username: str | None = None
    agency: str | None = None
    name: str


class DirectiveStateOut(Schema):
    type: Literal["directive_state"]
    room: int
    message: int
    ack_by: Literal["member", "agency"]
    due: str | None
    acknowledged: list[AcknowledgedOut]
    pending: list[PendingOut]
    complete: bool
    overdue: bool


class DirectiveSummaryOut(DirectiveStateOut):
    room_name: str
    body: str
    seq: int


class DirectivePage(Schema):
    items: list[DirectiveSummaryOut]
    next: str | None


@router.post(
    "/messages/{message_id}/acknowledge",
    response={200: DirectiveStateOut, **ERRORS},
    summary="Acknowledge a directive (one click; idempotent)",
)
def acknowledge(request: HttpRequest, message_id: int = Path(..., ge=1, lt=2**62)):
    return directives.directive_acknowledge(official=request.auth, message_id=message_id)


@router.get(
    "/messages/{message_id}/directive",
    response={200: DirectiveStateOut, **ERRORS},
    summary="Who has and who has not acknowledged a directive",
)
def directive_state(request: HttpRequest, message_id: int = Path(..., ge=1, lt=2**62)):
    return directives.directive_for_sender(official=request.auth, message_id=message_id)


class DirectiveQuery(Schema):
    overdue: bool = Field(False, description="Only the overdue ones.")


@router.get(
    "/directives",
    response={200: DirectivePage, **ERRORS},
    summary="The directives you sent that still wait for acknowledgements",
)
def directives_sent(request: HttpRequest, query: Query[DirectiveQuery]):
    items = directives.directives_sent(request.auth, overdue_only=query.overdue)
    return {"items": items, "next": None}


class AwaitingQuery(Schema):
    room: Id | None = Field(None, description="Only this room's.")


class AwaitingOut(Schema):
    message: int
    room: int
    room_name: str
    seq: int
    author: Author
    body: str
    ack_by: Literal["member", "agency"]
    due: str | None
    overdue: bool
    link: str


class AwaitingPage(Schema):
    items: list[AwaitingOut]
    next: str | None


@router.get(
    "/directives/awaiting",
    response={200: AwaitingPage, **ERRORS},
    summary="The directives that still wait for your acknowledgement (or your agency's)",
)
def directives_awaiting(request: HttpRequest, query: Query[AwaitingQuery]):
    messages = directives.directives_awaiting(request.auth, room_id=query.room)
    return {"items": [directives.awaiting_item(m) for m in messages], "next": None}


# --- search --------------------------------------------------------------------------------


class SearchQuery(Schema):
    q: NonBlankText = Field(max_length=200)
    room: Id | None = None
    limit: int = Field(50, ge=1, le=100)


class SearchResultOut(Schema):
    room: int
    room_name: str
    seq: int
    id: int
    author: Author
    sent_at: str
    extract: str = Field(description="HTML: the text escaped, the matches in <mark>.")
    link: str


class SearchPage(Schema):
    items: list[SearchResultOut]
    next: str | None


@router.get(
    "/search",
    response={200: SearchPage, **ERRORS},
    summary="Search the messages of your rooms",
)
def search(request: HttpRequest, query: Query[SearchQuery]):
    if query.room is not None:
        services.member_room(request.auth, query.room)
    items = search_messages(request.auth, q=query.q, room_id=query.room, limit=query.limit)
    return {"items": items, "next": None}
