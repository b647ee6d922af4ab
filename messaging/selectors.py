"""Reads of messaging, used by the socket frames, the API, the pages and the services: rooms
and memberships, the timeline, members, directives and their tallies, attachments for their
readers, presence in a room, the dashboard's sections. Selectors never write (a refusal is
audited through the permissions module) and never import services."""

from __future__ import annotations

import datetime
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.models import Classification, Official
from coordination.platform.errors import Forbidden, NotFound
from messaging import events, presence
from messaging.models import (
    Acknowledgement,
    Attachment,
    Membership,
    Mention,
    Message,
    Room,
    RoomEvent,
)

REPLAY_CHUNK = 200
DEFAULT_BACKLOG = 50


def room_ids_of_member(official: Official) -> set[int]:
    """The ids of every room the official is a member of. One query."""
    return set(Membership.objects.filter(official=official).values_list("room_id", flat=True))


def room_frames(room_ids: set[int]) -> list[dict[str, Any]]:
    """The rooms as `room_added` frames carry them. One query."""
    if not room_ids:
        return []
    return [events.room_frame(room) for room in Room.objects.filter(pk__in=room_ids)]


def room_heads(room_ids: set[int]) -> dict[int, int]:
    """Each room's last seq (the `pong` frame's heads). One query."""
    return dict(Room.objects.filter(pk__in=room_ids).values_list("pk", "last_seq"))


def backlog_start(head: int, limit: int = DEFAULT_BACKLOG) -> int:
    """Where a reader who names no position starts: the last `limit` events."""
    return max(head - limit, 0)


def timeline(
    room_id: int,
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int = REPLAY_CHUNK,
    head: int | None = None,
) -> list[dict[str, Any]]:
    """The room's events as frames, in seq order, in their current form.

    `after`: the events with seq > after (the oldest first). `before`: the `limit` events just
    before that seq (older history).

    Messages and edits live in two tables, read by two queries. Both are bounded by the head
    read first: seqs are committed in order (the room's row is locked from taking a seq to
    commit), so everything up to that head is committed, and the two queries cannot disagree
    about a prefix of the timeline — a later event never hides an earlier one. Five queries
    whatever the page size (head, messages, their files, their mentions, edits); four with
    the `head` the caller read already (the room's last_seq, read before these queries: the
    same bound).
    """
    if head is None:
        head = Room.objects.filter(pk=room_id).values_list("last_seq", flat=True).first() or 0
    messages = Message.objects.filter(room_id=room_id, seq__lte=head).select_related("author")
    changes = RoomEvent.objects.filter(room_id=room_id, seq__lte=head).select_related(
        "message__author"
    )
    if after is not None:
        messages, changes = messages.filter(seq__gt=after), changes.filter(seq__gt=after)
    if before is not None:
        messages, changes = messages.filter(seq__lt=before), changes.filter(seq__lt=before)
    order = "-seq" if before is not None and after is None else "seq"
    rows = list(messages.order_by(order)[:limit])
    files, mentioned = _files_and_mentions(rows)
    merged = sorted(
        [
            (m.seq, events.message_frame(m, attachments=files[m.pk], mentions=mentioned[m.pk]))
            for m in rows
        ]
        + [(e.seq, events.event_frame(e)) for e in changes.order_by(order)[:limit]],
        key=lambda pair: pair[0],
        reverse=order == "-seq",
    )[:limit]
    frames = [frame for _seq, frame in merged]
    if order == "-seq":
        frames.reverse()
    return frames


def _files_and_mentions(
    messages: list[Message],
) -> tuple[dict[int, list[Attachment]], dict[int, dict[str, list[str]]]]:
    """The messages' files and mentions as message_frame takes them, by message: two
    queries (none without messages). Read by hand rather than with prefetch_related, which
    builds a queryset per message: a tenth of a page of history's time."""
    files: dict[int, list[Attachment]] = {m.pk: [] for m in messages}
    people: dict[int, set[str]] = {m.pk: set() for m in messages}
    agencies: dict[int, set[str]] = {m.pk: set() for m in messages}
    if messages:
        for attachment in Attachment.objects.filter(message_id__in=files).order_by("id"):
            files[attachment.message_id].append(attachment)
        mentions = Mention.objects.filter(message_id__in=files).values_list(
            "message_id", "official__username", "agency__code"
        )
        for message_id, username, agency in mentions:
            if agency is None:
                people[message_id].add(username)
            else:
                agencies[message_id].add(agency)
    return files, {
        pk: {"usernames": sorted(people[pk]), "agencies": sorted(agencies[pk])} for pk in files
    }


def room_list_for_official(official: Official) -> list[dict[str, Any]]:
    """The official's rooms with their head, what they read, how many messages from others
    they have not read yet, and the name to show them (`display_name`). Two queries.

    The unread count is a subquery per room over the seqs after the read mark: it reads the
    (room, seq) index from there on, so what was read costs nothing however long the room's
    history (a join counted every message of every room)."""
    unread = (
        Message.objects.filter(
            room_id=OuterRef("room_id"),
            seq__gt=OuterRef("last_read_seq"),
            deleted_at__isnull=True,
        )
        .exclude(author=official)
        .order_by()
        .values("room_id")
        .annotate(count=Count("*"))
        .values("count")
    )
    memberships = (
        Membership.objects.filter(official=official)
        .select_related("room")
        .annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0))
        .order_by("room__kind", "room__name", "room_id")
    )
    memberships = list(memberships)
    names = direct_room_names(
        official, [m.room_id for m in memberships if m.room.kind == Room.Kind.DIRECT]
    )
    return [
        room_summary(m.room, m, display_name=names.get(m.room_id)) | {"unread": m.unread}
        for m in memberships
    ]


def room_display_name(room: Room, others: str | None) -> str:
    """What a room is called on its member's screen: its name, or for a direct conversation
    the names of the others in it, or "Your notes" when there are none."""
    if room.kind != Room.Kind.DIRECT:
        return room.name
    return others or _("Your notes")


def room_summary(
    room: Room, membership: Membership, *, display_name: str | None = None
) -> dict[str, Any]:
    """A room as its member sees it in lists: the room frame, its description, what they
    read, whether they are its admin, and its display name (`display_name` gives a direct
    conversation's others, from direct_room_names)."""
    return events.room_frame(room) | {
        "display_name": room_display_name(room, display_name),
        "description": room.description,
        "last_read_seq": membership.last_read_seq,
        "is_admin": membership.is_admin,
    }


def member_list(room_id: int) -> list[dict[str, Any]]:
    """A room's members, by name. One query."""
    memberships = (
        Membership.objects.filter(room_id=room_id)
        .select_related("official__agency")
        .order_by("official__first_name", "official__last_name", "official__username")
    )
    return [
        {
            "username": m.official.username,
            "name": m.official.display_name,
            "agency": m.official.agency.code if m.official.agency_id else None,
            "is_admin": m.is_admin,
        }
        for m in memberships
    ]


def direct_room_names(official: Official, room_ids: list[int]) -> dict[int, str]:
    """A direct conversation is named after the other people in it. One query."""
    names: dict[int, list[str]] = {pk: [] for pk in room_ids}
    others = (
        Membership.objects.filter(room_id__in=room_ids)
        .exclude(official=official)
        .select_related("official")
        .order_by("official__first_name", "official__username")
    )
    for membership in others:
        names[membership.room_id].append(membership.official.display_name)
    return {pk: ", ".join(people) for pk, people in names.items() if people}


def room_prefill(official: Official, room_id: int) -> dict[str, Any] | None:
    """What "Schedule a meeting" from a room fills in: its name, its members, its
    classification. None when the official is not a member."""
    room = Room.objects.filter(pk=room_id, memberships__official=official).first()
    if room is None:
        return None
    usernames = list(
        Membership.objects.filter(room=room, official__is_active=True)
        .order_by("official__username")
        .values_list("official__username", flat=True)
    )
    title = room.name if room.kind != Room.Kind.DIRECT else ""
    return {"title": title, "usernames": usernames, "classification": room.classification}


def room_get_for_member(official: Official, room_id: int) -> tuple[Room, Membership]:
    """The room and the official's membership; NotFound when the room does not exist,
    Forbidden (audited) when the official is not a member."""
    membership = (
        Membership.objects.select_related("room").filter(room_id=room_id, official=official).first()
    )
    if membership is not None and permissions.may_view_room(official, is_member=True):
        return membership.room, membership
    if not Room.objects.filter(pk=room_id).exists():
        raise NotFound(_("No such room."))
    permissions.permission_denied(official=official, action="read room", target=f"room {room_id}")
    raise Forbidden(_("You are not a member of this room."))


def message_get_for_member(official: Official, message_id: int) -> Message:
    """A message that is not deleted, in a room `official` is a member of; otherwise
    NotFound (whether it exists elsewhere is not revealed). One query."""
    message = (
        Message.objects.select_related("room", "author")
        .filter(
            pk=message_id,
            deleted_at__isnull=True,
            room__memberships__official=official,
        )
        .first()
    )
    if message is None or not permissions.may_view_room(official, is_member=True):
        raise NotFound(_("No such message."))
    return message


def room_get_summary(official: Official, room_id: int) -> dict[str, Any]:
    """One room as `room_list_for_official` lists it (for its member)."""
    room, membership = room_get_for_member(official, room_id)
    names = direct_room_names(official, [room.pk]) if room.kind == Room.Kind.DIRECT else {}
    return room_summary(room, membership, display_name=names.get(room.pk))


def timeline_page(
    room: Room, *, after: int | None, before: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the room's timeline and the cursor of the next one. With `after`: newer
    events, next is the last seq of the page. With `before` alone: older history, next is
    the first seq (None at the start). With neither: the last `limit` events. The room's
    `last_seq` as the caller read it (room_get_for_member) bounds the page."""
    if after is None and before is None:
        after = backlog_start(room.last_seq, limit)
        paging_back = False
    else:
        paging_back = after is None
    items = timeline(room.pk, after=after, before=before, limit=limit, head=room.last_seq)
    next_cursor = None
    if len(items) == limit:
        if paging_back:
            next_cursor = items[0]["seq"] if items[0]["seq"] > 1 else None
        else:
            next_cursor = items[-1]["seq"]
    return items, next_cursor


# --- directives ------------------------------------------------------------------------------


def today_for(official: Official) -> datetime.date:
    """Today in the official's own zone (a due date is a date where they are)."""
    zone = getattr(official, "zone", None)
    return timezone.now().astimezone(zone).date() if zone else timezone.localdate()


def directive_get_for_member(official: Official, message_id: int) -> Message:
    """A directive of a room `official` is a member of. Outside the room it does not exist:
    its id says nothing to a non-member (NotFound)."""
    message = Message.objects.select_related("author", "room").filter(pk=message_id).first()
    if message is None or not message.directive_ack_by:
        raise NotFound(_("No such directive."))
    try:
        room_get_for_member(official, message.room_id)
    except Forbidden as exc:
        raise NotFound(_("No such directive.")) from exc
    return message


def directive_get_tally(*, official: Official, message_id: int) -> dict[str, Any]:
    """Who has and who has not acknowledged a directive, for a member of its room."""
    return directive_tally(directive_get_for_member(official, message_id))


def room_label(room: Room, *, for_mail: bool = False) -> str:
    """How a notification names a room, in the active language; in mail a rahasia room's
    name (often its meeting's title) gives way to a neutral one."""
    if for_mail and room.classification == Classification.RAHASIA:
        return _("a confidential room")
    return room.name or _("a direct conversation")


def directive_tally(
    message: Message,
    *,
    acks: list[Acknowledgement] | None = None,
    members: list[Membership] | None = None,
) -> dict[str, Any]:
    """Who has acknowledged a directive and who has not yet. Two queries, or none when the
    caller passes the acknowledgements and the room's memberships (lists of directives)."""
    if acks is None:
        acks = list(
            Acknowledgement.objects.filter(message=message).select_related(
                "official__agency", "agency"
            )
        )
    if members is None:
        members = list(
            Membership.objects.filter(room_id=message.room_id).select_related("official__agency")
        )
    members = [m for m in members if m.official_id != message.author_id]
    acknowledged = [
        {
            "username": a.official.username,
            "name": a.official.display_name,
            "agency": a.agency.code if a.agency_id else _agency_code(a.official),
            "at": a.at.isoformat(),
        }
        for a in acks
    ]
    if message.directive_ack_by == Message.AckBy.AGENCY:
        done = {a.agency_id for a in acks}
        agencies = {
            m.official.agency_id: m.official.agency for m in members if m.official.agency_id
        }
        pending = [
            {"agency": agency.code, "name": agency.name}
            for pk, agency in sorted(agencies.items(), key=lambda item: item[1].name)
            if pk not in done
        ]
    else:
        done = {a.official_id for a in acks}
        pending = [
            {
                "username": m.official.username,
                "name": m.official.display_name,
                "agency": _agency_code(m.official),
            }
            for m in members
            if m.official_id not in done
        ]
    return {
        "type": "directive_state",
        "room": message.room_id,
        "message": message.pk,
        "ack_by": message.directive_ack_by,
        "due": message.directive_due.isoformat() if message.directive_due else None,
        "acknowledged": acknowledged,
        "pending": pending,
        "complete": not pending,
        "overdue": bool(pending) and is_overdue(message),
    }


def _agency_code(official: Official) -> str | None:
    return official.agency.code if official.agency_id else None


def is_overdue(message: Message) -> bool:
    """Past its due date where its sender is."""
    if message.directive_due is None:
        return False
    return today_for(message.author) > message.directive_due


def directives_sent(official: Official, *, overdue_only: bool = False) -> list[dict[str, Any]]:
    """The directives `official` sent that are still open, newest first (overdue ones only,
    on request), each with its tally. Three queries, whatever their number."""
    messages = list(
        Message.objects.filter(author=official, deleted_at__isnull=True)
        .exclude(directive_ack_by="")
        .select_related("author__agency", "room")
        .order_by("-created_at")[:100]
    )
    if overdue_only:
        messages = [m for m in messages if is_overdue(m)]
    acks: dict[int, list[Acknowledgement]] = {m.pk: [] for m in messages}
    for ack in Acknowledgement.objects.filter(message__in=messages).select_related(
        "official__agency", "agency"
    ):
        acks[ack.message_id].append(ack)
    members: dict[int, list[Membership]] = {m.room_id: [] for m in messages}
    for membership in Membership.objects.filter(room_id__in=members).select_related(
        "official__agency"
    ):
        members[membership.room_id].append(membership)
    result = []
    for message in messages:
        tally = directive_tally(message, acks=acks[message.pk], members=members[message.room_id])
        if tally["complete"]:
            continue
        result.append(
            tally | {"room_name": str(message.room), "body": message.body[:200], "seq": message.seq}
        )
    return result


def directives_awaiting(official: Official, *, room_id: int | None = None) -> list[Message]:
    """Directives in the official's rooms (or one of them) that still wait for them (or their
    agency), the most urgent first."""
    rooms = Membership.objects.filter(official=official)
    if room_id is not None:
        rooms = rooms.filter(room_id=room_id)
    candidates = (
        Message.objects.filter(room_id__in=rooms.values("room_id"), deleted_at__isnull=True)
        .exclude(directive_ack_by="")
        .exclude(author=official)
        .annotate(
            mine=Count("acknowledgements", filter=Q(acknowledgements__official=official)),
            agency_done=Count(
                "acknowledgements", filter=Q(acknowledgements__agency_id=official.agency_id)
            ),
        )
        .select_related("author__agency", "room")
        # The soonest due first, undated ones after them, on every database.
        .order_by(F("directive_due").asc(nulls_last=True), "-created_at")[:50]
    )
    return [
        m
        for m in candidates
        if not m.mine and not (m.directive_ack_by == Message.AckBy.AGENCY and m.agency_done)
    ]


def awaiting_item(message: Message) -> dict[str, Any]:
    """A directive waiting for the reader, as the API and the page show it."""
    return {
        "message": message.pk,
        "room": message.room_id,
        "room_name": str(message.room),
        "seq": message.seq,
        "author": {"username": message.author.username, "name": message.author.display_name},
        "body": message.body[:200],
        "ack_by": message.directive_ack_by,
        "due": message.directive_due.isoformat() if message.directive_due else None,
        "overdue": is_overdue(message),
        "link": message.get_absolute_url(),
    }


# --- attachments, presence, the dashboard ----------------------------------------------------


def attachment_get_for_reader(*, official: Official, attachment_id: int) -> Attachment:
    """An attachment `official` may download: in a room they are a member of, or their own
    upload not sent yet. Anything else is not found (its existence is not revealed)."""
    attachment = Attachment.objects.select_related("message").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(_("No such file."))
    if attachment.message is None:
        if attachment.uploader_id == official.pk:
            return attachment
        raise NotFound(_("No such file."))
    is_member = Membership.objects.filter(
        room_id=attachment.message.room_id, official=official
    ).exists()
    if not permissions.may_view_room(official, is_member=is_member):
        permissions.permission_denied(
            official=official, action="download attachment", target=attachment
        )
        raise NotFound(_("No such file."))
    if attachment.message.deleted_at is not None:
        raise NotFound(_("The message of this file was deleted."))
    return attachment


def rooms_with_live_presence(room_ids: set[int]) -> set[int]:
    """Those of the rooms small enough for presence to be announced as it changes (at most
    RAKOR_PRESENCE_LIVE_MAX_MEMBERS members). In a larger room every arrival would be told to
    every open socket, a storm when a thousand officials connect at the start of the day;
    there the present members are listed when the room is joined, and no more."""
    if not room_ids:
        return set()
    larger = (
        Membership.objects.filter(room_id__in=room_ids)
        .values("room_id")
        .annotate(members=Count("id"))
        .filter(members__gt=settings.RAKOR_PRESENCE_LIVE_MAX_MEMBERS)
        .values_list("room_id", flat=True)
    )
    return set(room_ids) - set(larger)


async def presence_in_room(*, room_id: int, viewer: Official) -> list[dict]:
    """The `presence` frames of a room's members who are online or away."""
    members = await database_sync_to_async(
        lambda: list(
            Membership.objects.filter(room_id=room_id)
            .exclude(official_id=viewer.pk)
            .values_list("official_id", "official__username")
        )
    )()
    states = await sync_to_async(presence.states_of)([pk for pk, _name in members])
    return [
        {"type": "presence", "room": room_id, "username": username, "state": states[pk]}
        for pk, username in members
        if states[pk] != presence.OFFLINE
    ]


def dashboard_sections(official: Official) -> dict[str, Any]:
    """What the dashboard shows of messaging: unread rooms (with their display names) and the
    directives waiting for the official or overdue from them."""
    unread = [room for room in room_list_for_official(official) if room["unread"]]
    return {
        "unread_rooms": unread[:8],
        "unread_total": sum(room["unread"] for room in unread),
        "directives_awaiting": directives_awaiting(official)[:5],
        "directives_overdue": directives_sent(official, overdue_only=True)[:5],
    }
