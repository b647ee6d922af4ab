"""Rooms over the API: my rooms, coordination rooms and their members, direct conversations.
Thin: each endpoint calls the same service or selector as the pages and the socket."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Path, Router, Status

from coordination.platform.schemas import AUTH_ERRORS, PathId
from messaging import selectors
from messaging.api.schemas import (
    ERRORS,
    USERNAME_PATTERN,
    DirectIn,
    MemberPage,
    MembersIn,
    RoomIn,
    RoomOut,
    RoomPage,
)
from messaging.services import rooms as room_services

router = Router()


@router.get(
    "/rooms", response={200: RoomPage, **AUTH_ERRORS}, summary="My rooms, with unread counts"
)
def rooms(request: HttpRequest):
    return {"items": selectors.room_list_for_official(request.auth), "next": None}


@router.post("/rooms", response={201: RoomOut, **ERRORS}, summary="Create a coordination room")
def room_create(request: HttpRequest, payload: RoomIn):
    room = room_services.room_create_coordination(
        by=request.auth,
        name=payload.name,
        description=payload.description,
        classification=payload.classification,
        members=payload.members,
    )
    return Status(201, selectors.room_get_summary(request.auth, room.pk))


@router.get("/rooms/{room_id}", response={200: RoomOut, **ERRORS}, summary="One of my rooms")
def room_detail(request: HttpRequest, room_id: PathId):
    return selectors.room_get_summary(request.auth, room_id)


@router.post(
    "/rooms/{room_id}/archive", response={200: RoomOut, **ERRORS}, summary="Archive a room"
)
def room_archive(request: HttpRequest, room_id: PathId):
    room_services.room_archive(by=request.auth, room_id=room_id)
    return selectors.room_get_summary(request.auth, room_id)


@router.get(
    "/rooms/{room_id}/members", response={200: MemberPage, **ERRORS}, summary="A room's members"
)
def members(request: HttpRequest, room_id: PathId):
    selectors.room_get_for_member(request.auth, room_id)
    return {"items": selectors.member_list(room_id), "next": None}


@router.post(
    "/rooms/{room_id}/members",
    response={200: MemberPage, **ERRORS},
    summary="Add members to a coordination room (its room admins)",
)
def members_add(request: HttpRequest, payload: MembersIn, room_id: PathId):
    room_services.room_members_add(
        by=request.auth, room_id=room_id, members=payload.usernames, as_admin=payload.admin
    )
    return {"items": selectors.member_list(room_id), "next": None}


@router.delete(
    "/rooms/{room_id}/members/{username}",
    response={204: None, **ERRORS},
    summary="Remove a member from a coordination room (its room admins)",
)
def member_remove(
    request: HttpRequest,
    room_id: PathId,
    username: str = Path(..., pattern=USERNAME_PATTERN),
):
    room_services.room_member_remove(by=request.auth, room_id=room_id, username=username)
    return Status(204, None)


@router.post(
    "/direct",
    response={200: RoomOut, 201: RoomOut, **ERRORS},
    summary="The direct conversation with these officials (the same people, the same room)",
)
def direct(request: HttpRequest, payload: DirectIn):
    room, created = room_services.direct_room_get_or_create(
        by=request.auth, usernames=payload.usernames
    )
    return Status(201 if created else 200, selectors.room_get_summary(request.auth, room.pk))
