"""A room's timeline over the API: its events in seq order, posting, editing and deleting
messages, read marks. Thin: the same services and selectors as the socket's frames."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from coordination.platform.schemas import PathId
from messaging import selectors
from messaging.api.schemas import (
    ERRORS,
    ChangeOut,
    MessageEditIn,
    MessageFrame,
    MessageIn,
    ReadIn,
    ReadOut,
    TimelinePage,
    TimelineQuery,
)
from messaging.events import message_frame
from messaging.services import timeline as timeline_services
from messaging.services.directives import Directive

router = Router()


@router.get(
    "/rooms/{room_id}/messages",
    response={200: TimelinePage, **ERRORS},
    summary="A room's events in seq order (after= for newer, before= for older history)",
)
def timeline(
    request: HttpRequest,
    query: Query[TimelineQuery],
    room_id: PathId,
):
    room, _membership = selectors.room_get_for_member(request.auth, room_id)
    items, next_cursor = selectors.timeline_page(
        room, after=query.after, before=query.before, limit=query.limit
    )
    return {"items": items, "next": next_cursor}


@router.post(
    "/rooms/{room_id}/messages",
    response={200: MessageFrame, 201: MessageFrame, **ERRORS},
    summary="Post a message (idempotent on client_id: a repeat answers 200 with the stored one)",
)
def message_post(request: HttpRequest, payload: MessageIn, room_id: PathId):
    message, created = timeline_services.message_post(
        author=request.auth,
        room_id=room_id,
        body=payload.body,
        client_id=payload.client_id,
        reply_to=payload.reply_to,
        attachments=payload.attachments,
        directive=Directive(ack_by=payload.directive.ack_by, due=payload.directive.due)
        if payload.directive
        else None,
    )
    return Status(201 if created else 200, message_frame(message))


@router.patch(
    "/messages/{message_id}",
    response={200: ChangeOut, **ERRORS},
    summary="Edit a message (its author)",
)
def message_edit(request: HttpRequest, payload: MessageEditIn, message_id: PathId):
    event = timeline_services.message_edit(
        by=request.auth, message_id=message_id, body=payload.body
    )
    return {"room": event.room_id, "seq": event.seq, "id": event.message_id}


@router.delete(
    "/messages/{message_id}",
    response={200: ChangeOut, **ERRORS},
    summary="Delete a message (its author or a room admin); a tombstone stays",
)
def message_delete(request: HttpRequest, message_id: PathId):
    event = timeline_services.message_delete(by=request.auth, message_id=message_id)
    return {"room": event.room_id, "seq": event.seq, "id": event.message_id}


@router.post(
    "/rooms/{room_id}/read",
    response={200: ReadOut, **ERRORS},
    summary="Everything up to seq is read",
)
def read(request: HttpRequest, payload: ReadIn, room_id: PathId):
    membership = timeline_services.room_mark_read(
        official=request.auth, room_id=room_id, seq=payload.seq
    )
    return {"room": room_id, "seq": membership.last_read_seq}
