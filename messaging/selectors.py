"""Reads of messaging used by the consumer, the API and the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Prefetch, Q

from coordination.organisation.models import Official
from messaging import events
from messaging.models import Membership, Mention, Message, Room, RoomEvent

REPLAY_CHUNK = 200
DEFAULT_BACKLOG = 50


def member_room_ids(official: Official) -> set[int]:
    return set(Membership.objects.filter(official=official).values_list("room_id", flat=True))


def room_frames(room_ids: set[int]) -> list[dict[str, Any]]:
    if not room_ids:
        return []
    return [events.room_frame(room) for room in Room.objects.filter(pk__in=room_ids)]


def room_heads(room_ids: set[int]) -> dict[int, int]:
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
) -> list[dict[str, Any]]:
    """The room's events as frames, in seq order, in their current form.

    `after`: the events with seq > after (the oldest first). `before`: the `limit` events just
    before that seq (older history).

    Messages and edits live in two tables, read by two queries. Both are bounded by the head
    read first: seqs are committed in order (the room's row is locked from taking a seq to
    commit), so everything up to that head is committed, and the two queries cannot disagree
    about a prefix of the timeline — a later event never hides an earlier one. Five queries
    whatever the page size (head, messages, their files, their mentions, edits).
    """
    head = Room.objects.filter(pk=room_id).values_list("last_seq", flat=True).first() or 0
    messages = (
        Message.objects.filter(room_id=room_id, seq__lte=head)
        .select_related("author")
        .prefetch_related(
            "attachments",
            Prefetch("mentions", queryset=Mention.objects.select_related("official", "agency")),
        )
    )
    changes = RoomEvent.objects.filter(room_id=room_id, seq__lte=head).select_related(
        "message__author"
    )
    if after is not None:
        messages, changes = messages.filter(seq__gt=after), changes.filter(seq__gt=after)
    if before is not None:
        messages, changes = messages.filter(seq__lt=before), changes.filter(seq__lt=before)
    order = "-seq" if before is not None and after is None else "seq"
    merged = sorted(
        [(m.seq, events.message_frame(m)) for m in messages.order_by(order)[:limit]]
        + [(e.seq, events.event_frame(e)) for e in changes.order_by(order)[:limit]],
        key=lambda pair: pair[0],
        reverse=order == "-seq",
    )[:limit]
    frames = [frame for _seq, frame in merged]
    if order == "-seq":
        frames.reverse()
    return frames


def rooms_for_official(official: Official) -> list[dict[str, Any]]:
    """The official's rooms with their head, what they read, and how many messages from
    others they have not read yet. One query."""
    memberships = (
        Membership.objects.filter(official=official)
        .select_related("room")
        .annotate(
            unread=Count(
                "room__messages",
                filter=Q(
                    room__messages__seq__gt=F("last_read_seq"),
                    room__messages__deleted_at__isnull=True,
                )
                & ~Q(room__messages__author=official),
            )
        )
        .order_by("room__kind", "room__name", "room_id")
    )
    return [room_summary(m.room, m) | {"unread": m.unread} for m in memberships]


def room_summary(room: Room, membership: Membership) -> dict[str, Any]:
    return events.room_frame(room) | {
        "description": room.description,
        "last_read_seq": membership.last_read_seq,
        "is_admin": membership.is_admin,
    }


def room_members(room_id: int) -> list[dict[str, Any]]:
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
