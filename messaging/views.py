"""The messages page: the server renders the shell and the room list; static/js/messages.js
runs the conversation over the socket (docs/protocol.md)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
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
        "text": js_text(),
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


def js_text() -> dict[str, str]:
    """The page script's words, in the official's language (the script has no catalogue)."""
    return {
        "connected": _("Connected"),
        "connecting": _("Connecting…"),
        "offline": _("Offline: messages wait and are sent when the connection returns"),
        "sending": _("sending…"),
        "notSent": _("not sent yet"),
        "edited": _("edited"),
        "deleted": _("This message was deleted."),
        "reply": _("Reply"),
        "edit": _("Edit"),
        "delete": _("Delete"),
        "copyLink": _("Copy link"),
        "linkCopied": _("Link copied."),
        "confirmDelete": _("Delete this message?"),
        "editPrompt": _("Edit the message:"),
        "replyingTo": _("Replying to"),
        "cancel": _("Cancel"),
        "typing": _("%(name)s is typing…"),
        "online": _("online"),
        "away": _("away"),
        "directive": _("Directive"),
        "acknowledge": _("Acknowledge"),
        "acknowledged": _("Acknowledged"),
        "due": _("due"),
        "ackByMember": _("every member"),
        "ackByAgency": _("one official per agency"),
        "pending": _("Waiting for"),
        "done": _("Acknowledged by"),
        "overdue": _("overdue"),
        "complete": _("everyone acknowledged"),
        "uploadFailed": _("The file was not accepted:"),
        "olderLoading": _("Loading older messages…"),
        "noMessages": _("No messages yet. Write the first one."),
        "noResults": _("Nothing found."),
        "errorPrefix": _("Not sent:"),
        "you": _("you"),
        "attachment": _("attachment"),
        "remove": _("Remove"),
        "jumpedTo": _("The message you followed"),
        "retry": _("Try again"),
        "discard": _("Discard"),
        "save": _("Save"),
        "ackFailed": _("Could not acknowledge:"),
        "directConversation": _("Direct conversation"),
        "archived": _("archived"),
        "unread": _("unread"),
        "chooseSomeone": _("Choose at least one official."),
        "charsLeft": _("%(count)s characters left"),
        "charsOver": _("%(count)s characters over the limit of %(max)s"),
        "tooLong": _(
            "This message is %(count)s characters over the limit of %(max)s. Shorten it, or "
            "send it in two parts."
        ),
        "newBelow": _("New messages"),
        "newOne": _("1 new message ↓"),
        "newMany": _("%(count)s new messages ↓"),
    }
