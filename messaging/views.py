"""The messages page: the server renders the shell and the room list; static/js/messages.js
runs the conversation over the socket (docs/protocol.md)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from coordination.organisation import permissions
from coordination.organisation.models import Classification
from coordination.organisation.timefmt import ZONE_LABELS
from coordination.platform.errors import DomainError
from messaging import selectors
from messaging.models import Room

GROUPS = [
    (Room.Kind.AGENCY, gettext_lazy("Agency rooms")),
    (Room.Kind.COORDINATION, gettext_lazy("Coordination rooms")),
    (Room.Kind.MEETING, gettext_lazy("Meeting rooms")),
    (Room.Kind.DIRECT, gettext_lazy("Direct conversations")),
]


@login_required
def messages_page(request: HttpRequest, room_id: int | None = None) -> HttpResponse:
    official = request.user
    rooms = selectors.room_list_for_official(official)
    if room_id is not None:
        try:
            selectors.room_get_for_member(official, room_id)
        except DomainError as exc:
            raise Http404(exc.message) from exc
    elif rooms:
        room_id = next((r["id"] for r in rooms if r["unread"]), rooms[0]["id"])
    groups = [
        {"kind": kind, "label": label, "rooms": [r for r in rooms if r["kind"] == kind]}
        for kind, label in GROUPS
    ]
    config = {
        "username": official.username,
        "name": official.display_name,
        "zone": official.zone_name,
        "zoneLabels": ZONE_LABELS,
        "language": request.LANGUAGE_CODE,
        "room": room_id,
        "rooms": rooms,
        "mayOrganise": permissions.may_organise(official),
        "maxChars": settings.RAKOR_MESSAGE_MAX_CHARS,
        "maxFileBytes": settings.RAKOR_ATTACHMENT_MAX_BYTES,
    }
    return render(
        request,
        "messaging/index.html",
        {
            "groups": groups,
            "config": config,
            "current": room_id,
            "classifications": Classification.choices,
            "may_organise": permissions.may_organise(official),
        },
    )
