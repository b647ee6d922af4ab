"""The API types messaging's endpoints share (docs: /api/v1/docs)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from django.conf import settings
from ninja import Field, Schema
from pydantic import StringConstraints

from coordination.organisation.models import Classification
from coordination.platform.schemas import AUTH_ERRORS, ErrorOut, Id, NonBlankText, Seq, Text
from messaging import selectors
from messaging.models import Room
from messaging.services.rooms import DIRECT_MAX_PEOPLE

USERNAME_PATTERN = r"^[\w.@+-]{1,150}$"
Username = Annotated[str, StringConstraints(pattern=USERNAME_PATTERN)]
ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut, **AUTH_ERRORS}
ROOM_NAME_MAX = Room._meta.get_field("name").max_length
ROOM_DESCRIPTION_MAX = 2000


class RoomOut(Schema):
    id: int
    kind: Literal["agency", "coordination", "direct", "meeting"]
    name: str
    display_name: str = Field(
        description="What the room is called on your screen: its name, or for a direct "
        'conversation the names of the others in it ("Your notes" when alone).'
    )
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
    name: NonBlankText = Field(max_length=ROOM_NAME_MAX)
    description: Text = Field("", max_length=ROOM_DESCRIPTION_MAX)
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
    usernames: list[Username] = Field(min_length=1, max_length=DIRECT_MAX_PEOPLE - 1)


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
