"""Directives over the API: acknowledging one, its tally, those sent and still open, those
waiting for the reader."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from coordination.platform.schemas import Id, PathId
from messaging import selectors
from messaging.api.schemas import ERRORS, Author
from messaging.services import directives as directive_services

router = Router()


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
def acknowledge(request: HttpRequest, message_id: PathId):
    return directive_services.directive_acknowledge(official=request.auth, message_id=message_id)


@router.get(
    "/messages/{message_id}/directive",
    response={200: DirectiveStateOut, **ERRORS},
    summary="Who has and who has not acknowledged a directive",
)
def directive_state(request: HttpRequest, message_id: PathId):
    return selectors.directive_get_tally(official=request.auth, message_id=message_id)


class DirectiveQuery(Schema):
    overdue: bool = Field(False, description="Only the overdue ones.")


@router.get(
    "/directives",
    response={200: DirectivePage, **ERRORS},
    summary="The directives you sent that still wait for acknowledgements",
)
def directives_sent(request: HttpRequest, query: Query[DirectiveQuery]):
    items = selectors.directives_sent(request.auth, overdue_only=query.overdue)
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
    messages = selectors.directives_awaiting(request.auth, room_id=query.room)
    return {"items": [selectors.awaiting_item(m) for m in messages], "next": None}
