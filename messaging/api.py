"""The messaging API: rooms, members, direct conversations, the timeline, read state.

Thin: every endpoint calls the same service or selector as the socket consumer does.
"""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import StringConstraints

from coordination.models import Classification, Official
from coordination.schemas import AUTH_ERRORS, ErrorOut, Id, NonBlankText, Seq, Text, WholeNumber
from messaging import selectors, services
from messaging.events import message_frame

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
    attachments: list[int]
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


class MessageIn(Schema):
    body: NonBlankText = Field(max_length=settings.RAKOR_MESSAGE_MAX_CHARS)
    client_id: UUID
    reply_to: Id | None = None
    attachments: list[WholeNumber] = Field(
        default_factory=list, max_length=0, description="Not accepted yet: empty."
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
