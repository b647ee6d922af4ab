"""Every write of messaging: rooms, members, messages, edits, deletions, read state.

The room timeline's rules live here: a message, an edit and a deletion each take the room's
next seq inside the write transaction (`_next_seq`), and are broadcast only after commit
(`events.room_broadcast_on_commit`). Views, the API and the socket consumer all call these
functions; none of them writes a messaging model itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.audit import Event, audit_record
from coordination.organisation.models import Agency, Classification, Official
from coordination.organisation.notifications import notify_many
from coordination.platform import ratelimit
from coordination.platform.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from coordination.platform.schemas import reject_unstorable_text
from messaging import events, mentions, presence
from messaging.attachments import attachments_for_message
from messaging.directives import clean_directive, directive_notify
from messaging.models import (
    Attachment,
    Membership,
    Mention,
    Message,
    MessageRevision,
    Room,
    RoomEvent,
)
from messaging.render import render_body

DIRECT_MAX_PEOPLE = 10
ROOM_NAME_MAX = 200


# --- the timeline ------------------------------------------------------------------------


def _next_seq(room_id: int) -> tuple[int, bool]:
    """Take the room's next seq; returns it and whether the room is archived.

    Must run inside the write transaction: the UPDATE locks the room's row (PostgreSQL) or
    holds the write lock (SQLite, IMMEDIATE) until commit, so concurrent writers of one room
    queue, the sequence has no gap and no repeat, seqs commit in order, and a rollback gives
    the seq back. Whatever a writer checks after this call cannot change under it.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a seq is taken inside the transaction that uses it")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE messaging_room SET last_seq = last_seq + 1 WHERE id = %s "
            "RETURNING last_seq, archived_at",
            [room_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound(_("No such room."))
    return row[0], row[1] is not None


# Characters that show nothing: a message of only these is empty.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def _clean_body(body: object, *, may_be_empty: bool = False) -> str:
    if body is None and may_be_empty:
        body = ""
    if not isinstance(body, str):
        raise InvalidInput(_("The message body is text."), fields={"body": [_("Not text.")]})
    if not body.strip().strip(_INVISIBLE).strip() and not may_be_empty:
        raise InvalidInput(_("The message is empty."), fields={"body": [_("Required.")]})
    limit = settings.RAKOR_MESSAGE_MAX_CHARS
    if len(body) > limit:
        raise InvalidInput(
            _("A message has at most %(max)d characters.") % {"max": limit},
            code="body_too_long",
            fields={"body": [_("Too long.")]},
        )
    try:
        reject_unstorable_text(body)
    except ValueError as exc:
        raise InvalidInput(
            _("The message holds characters that cannot be stored."),
            fields={"body": [_("Control characters are not allowed.")]},
        ) from exc
    return body


def _clean_client_id(client_id: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(client_id)) if not isinstance(client_id, uuid.UUID) else client_id
    except (ValueError, AttributeError) as exc:
        raise InvalidInput(
            _("client_id must be a UUID."), fields={"client_id": [_("Not a UUID.")]}
        ) from exc


def _clean_id(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value < 2**63:
        raise InvalidInput(_("%(name)s must be an id.") % {"name": name}, fields={name: ["id"]})
    return value


def member_room(official: Official, room_id: object) -> tuple[Room, Membership]:
    """The room and the official's membership; NotFound when the room does not exist,
    Forbidden (audited) when the official is not a member."""
    room_id = _clean_id(room_id, "room")
    membership = (
        Membership.objects.select_related("room").filter(room_id=room_id, official=official).first()
    )
    if membership is not None and permissions.may_view_room(official, is_member=True):
        return membership.room, membership
    if not Room.objects.filter(pk=room_id).exists():
        raise NotFound(_("No such room."))
    permissions.permission_denied(official=official, action="read room", target=f"room {room_id}")
    raise Forbidden(_("You are not a member of this room."))


def _still_member(official: Official, room_id: int) -> None:
    """Inside the write transaction, after the room's lock: the official may still write."""
    if not Membership.objects.filter(room_id=room_id, official=official).exists():
        raise Forbidden(_("You are not a member of this room."))


def message_post(
    *,
    author: Official,
    room_id: object,
    body: object,
    client_id: object,
    reply_to: object = None,
    attachments: object = None,
    directive: object = None,
) -> tuple[Message, bool]:
    """Store a message in a room and broadcast it after commit; returns (message, created).

    Idempotent on (author, room, client_id): a repeat returns the stored message and stores
    nothing. Refused when the author is not a member, the room is archived, the body is empty
    (without attachments) or too long, or the author sends faster than
    RAKOR_SEND_RATE_PER_SECOND. Mentions of members (@username, @agency) are recorded and
    notified; attachments (uploaded first) are attached; a directive asks for
    acknowledgement (coordinators only).
    """
    client_id = _clean_client_id(client_id)
    room_pk = _clean_id(room_id, "room")
    # A resend of a stored message (its ack was lost) gets that message back, whatever changed
    # since (a due date passed, the room was archived): it must not be reported as refused.
    existing = (
        Message.objects.select_related("author")
        .filter(author=author, room_id=room_pk, client_id=client_id)
        .first()
    )
    if existing is not None:
        return existing, False
    has_files = attachments not in (None, [])
    body = _clean_body(body, may_be_empty=has_files)
    if reply_to is not None:
        reply_to = _clean_id(reply_to, "reply_to")
    ack_by, due = clean_directive(author, directive)
    room, _membership = member_room(author, room_pk)
    if not permissions.may_post_in_room(author, is_member=True, is_archived=room.is_archived):
        raise Forbidden(_("This room is archived: it is read-only."))
    if reply_to is not None and not Message.objects.filter(pk=reply_to, room_id=room.pk).exists():
        raise NotFound(
            _("The message replied to is not in this room."),
            fields={"reply_to": [_("Not in this room.")]},
        )
    if not ratelimit.allow(
        "send", str(author.pk), limit=settings.RAKOR_SEND_RATE_PER_SECOND, window_seconds=1
    ):
        raise RateLimited(_("You are sending too fast; wait a moment."))
    try:
        with transaction.atomic():
            seq, archived = _next_seq(room.pk)
            if archived:
                raise Forbidden(_("This room is archived: it is read-only."))
            _still_member(author, room.pk)
            files = attachments_for_message(author=author, ids=attachments)
            message = Message.objects.create(
                room_id=room.pk,
                seq=seq,
                author=author,
                body=body,
                html=render_body(body) if body else "",
                client_id=client_id,
                reply_to_id=reply_to,
                directive_ack_by=ack_by,
                directive_due=due,
            )
            if files:
                Attachment.objects.filter(pk__in=[f.pk for f in files]).update(message=message)
            mentioned = _record_mentions(message, room)
            if ack_by:
                directive_notify(message, room.name or _("a direct conversation"))
            events.room_broadcast_on_commit(
                room.pk,
                events.message_frame(message, attachments=files, mentions=mentioned),
            )
    except IntegrityError:
        # The same client_id raced in from another socket: that one won; answer with it.
        existing = Message.objects.filter(
            author=author, room_id=room.pk, client_id=client_id
        ).first()
        if existing is None:
            raise
        return existing, False
    return message, True


def _record_mentions(message: Message, room: Room) -> dict[str, list[str]]:
    """Store the message's mentions of members and notify them, each in their language."""
    resolved = mentions.resolve(room.pk, message.author, message.body)
    if not resolved.officials:
        return {"usernames": [], "agencies": []}
    Mention.objects.bulk_create(
        Mention(message=message, official_id=pk, agency_id=agency_id)
        for pk, agency_id in resolved.officials.items()
    )
    link = f"/messages/{room.pk}?seq={message.seq}"
    # The notification names who and where, not what: notification lists and e-mail digests
    # outlive the message (which may be edited or deleted) and leave the room's members.
    by_language: dict[str, list[int]] = {}
    for pk, language in Official.objects.filter(pk__in=resolved.officials).values_list(
        "pk", "language"
    ):
        by_language.setdefault(language, []).append(pk)
    for language, official_ids in by_language.items():
        with translation.override(language):
            text = _("%(author)s mentioned you in %(room)s") % {
                "author": message.author.display_name,
                "room": room.name or _("a direct conversation"),
            }
        notify_many(official_ids, "mention", text, link)
    return {"usernames": resolved.usernames, "agencies": resolved.agency_codes}


def _changeable_message(official: Official, message_id: object, *, deleting: bool) -> Message:
    """The message `official` may edit (its author) or delete (its author or a room admin).
    Checked before the write transaction (refusals are audited) and again inside it."""
    message_id = _clean_id(message_id, "message")
    message = Message.objects.select_related("room", "author").filter(pk=message_id).first()
    if message is None:
        raise NotFound(_("No such message."))
    _room, membership = member_room(official, message.room_id)
    _check_changeable(official, message, membership, deleting=deleting, audit=True)
    return message


def _check_changeable(
    official: Official,
    message: Message,
    membership: Membership | None,
    *,
    deleting: bool,
    audit: bool = False,
) -> None:
    if membership is None:
        raise Forbidden(_("You are not a member of this room."))
    if message.is_deleted:
        raise NotFound(_("This message was deleted."))
    if not permissions.may_post_in_room(
        official, is_member=True, is_archived=message.room.is_archived
    ):
        raise Forbidden(_("This room is archived: it is read-only."))
    allowed = (
        permissions.may_delete_message(
            official, is_author=message.author_id == official.pk, is_room_admin=membership.is_admin
        )
        if deleting
        else message.author_id == official.pk
    )
    if not allowed:
        if audit:
            action = "delete message" if deleting else "edit message"
            permissions.permission_denied(official=official, action=action, target=message)
        if deleting:
            raise Forbidden(_("Only its author or a room admin deletes a message."))
        raise Forbidden(_("Only its author edits a message."))


def _locked_message(official: Official, message: Message, *, deleting: bool) -> tuple[Message, int]:
    """Take the room's next seq (and so its lock), then read the message again and check
    again: an edit or a deletion that raced this one has committed by now."""
    seq, _archived = _next_seq(message.room_id)
    fresh = Message.objects.select_related("room", "author").get(pk=message.pk)
    membership = Membership.objects.filter(room_id=message.room_id, official=official).first()
    _check_changeable(official, fresh, membership, deleting=deleting)
    return fresh, seq


def message_edit(*, by: Official, message_id: object, body: object) -> RoomEvent:
    """Change a message's text (its author only); the old text is kept as a revision."""
    body = _clean_body(body)
    message = _changeable_message(by, message_id, deleting=False)
    with transaction.atomic():
        message, seq = _locked_message(by, message, deleting=False)
        now = timezone.now()
        MessageRevision.objects.create(message=message, body=message.body, replaced_at=now)
        message.body, message.html, message.edited_at = body, render_body(body), now
        message.save(update_fields=["body", "html", "edited_at"])
        event = RoomEvent.objects.create(
            room_id=message.room_id,
            seq=seq,
            kind=RoomEvent.Kind.EDITED,
            message=message,
            at=now,
        )
        events.room_broadcast_on_commit(message.room_id, events.event_frame(event))
    return event


def message_delete(*, by: Official, message_id: object) -> RoomEvent:
    """Delete a message (its author or a room admin): a tombstone stays on the timeline."""
    message = _changeable_message(by, message_id, deleting=True)
    with transaction.atomic():
        message, seq = _locked_message(by, message, deleting=True)
        now = timezone.now()
        message.deleted_at, message.deleted_by = now, by
        message.save(update_fields=["deleted_at", "deleted_by"])
        event = RoomEvent.objects.create(
            room_id=message.room_id,
            seq=seq,
            kind=RoomEvent.Kind.DELETED,
            message=message,
            at=now,
        )
        events.room_broadcast_on_commit(message.room_id, events.event_frame(event))
    return event


def room_mark_read(
    *, official: Official, room_id: object, seq: object, origin: str = ""
) -> Membership:
    """Everything up to `seq` is read. Never moves back, never past the head; the official's
    other sockets learn it (`read_state`)."""
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < 2**63:
        raise InvalidInput(_("seq must be a number."), fields={"seq": [_("Not a seq.")]})
    room, membership = member_room(official, room_id)
    seq = min(seq, room.last_seq)
    if seq > membership.last_read_seq:
        with transaction.atomic():
            Membership.objects.filter(pk=membership.pk, last_read_seq__lt=seq).update(
                last_read_seq=seq
            )
            membership.last_read_seq = seq
            events.official_event_on_commit(
                official.pk,
                "read.state",
                {"type": "read_state", "room": room.pk, "seq": seq},
                origin=origin,
            )
    return membership


async def room_typing(*, official: Official, room_id: int) -> None:
    """Ephemeral: tell the room's open sockets that `official` is typing. Never stored. The
    caller has checked membership (the consumer knows its rooms without a query)."""
    await events.typing_announce(room_id, official)


# --- rooms and members --------------------------------------------------------------------


def _members_by_username(usernames: Iterable[object]) -> list[Official]:
    names = []
    for name in usernames:
        if not isinstance(name, str) or not name:
            raise InvalidInput(_("Members are given by username."), fields={"members": [str(name)]})
        names.append(name)
    officials = list(Official.objects.filter(username__in=set(names), is_active=True))
    missing = set(names) - {o.username for o in officials}
    if missing:
        raise NotFound(
            _("Unknown officials: %(names)s") % {"names": ", ".join(sorted(missing))},
            fields={"members": sorted(missing)},
        )
    return officials


def _add_members(room: Room, officials: Iterable[Official], *, admin_ids: set[int] = frozenset()):
    existing = set(Membership.objects.filter(room=room).values_list("official_id", flat=True))
    added = [o for o in officials if o.pk not in existing]
    # ignore_conflicts: a sync that runs at the same time (the periodic job and a signal)
    # may have added the same member; both announce it, which sockets take in their stride.
    Membership.objects.bulk_create(
        [
            Membership(
                room=room, official=o, is_admin=o.pk in admin_ids, last_read_seq=room.last_seq
            )
            for o in added
        ],
        ignore_conflicts=True,
    )
    for official in added:
        events.membership_changed_on_commit(official.pk, room, "added")
    return added


def _remove_members(room: Room, official_ids: Iterable[int]) -> list[int]:
    ids = list(official_ids)
    removed = list(
        Membership.objects.filter(room=room, official_id__in=ids).values_list(
            "official_id", flat=True
        )
    )
    Membership.objects.filter(room=room, official_id__in=removed).delete()
    for official_id in removed:
        events.membership_changed_on_commit(official_id, room, "removed")
    return removed


def room_create_coordination(
    *,
    by: Official,
    name: object,
    members: Iterable[object] = (),
    classification: str = Classification.BIASA,
    description: object = "",
) -> Room:
    """A coordination room across agencies; its creator is its first room admin."""
    permissions.require(
        permissions.may_create_coordination_room(by), official=by, action="create rooms"
    )
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(_("Give the room a name."), fields={"name": [_("Required.")]})
    if len(name) > ROOM_NAME_MAX or not isinstance(description, str) or len(description) > 2000:
        raise InvalidInput(_("The name or description is too long."), fields={"name": ["long"]})
    if classification not in Classification.values:
        raise InvalidInput(
            _("Unknown classification."), fields={"classification": [str(classification)]}
        )
    try:
        reject_unstorable_text(name + description)
    except ValueError as exc:
        raise InvalidInput(_("Control characters are not allowed.")) from exc
    officials = _members_by_username(members)
    with transaction.atomic():
        room = Room.objects.create(
            kind=Room.Kind.COORDINATION,
            name=name.strip(),
            description=description,
            classification=classification,
            created_by=by,
        )
        _add_members(room, [by, *[o for o in officials if o.pk != by.pk]], admin_ids={by.pk})
    return room


def _managed_room(by: Official, room_id: object, *, adding: bool = True) -> Room:
    room = Room.objects.filter(pk=_clean_id(room_id, "room")).first()
    if room is None:
        raise NotFound(_("No such room."))
    is_admin = Membership.objects.filter(room=room, official=by, is_admin=True).exists()
    allowed = permissions.may_manage_room_members(
        by,
        is_room_admin=is_admin,
        is_coordination_room=room.kind == Room.Kind.COORDINATION,
        adding=adding,
    )
    if not allowed:
        permissions.permission_denied(official=by, action="manage members of", target=room)
        if room.kind != Room.Kind.COORDINATION:
            raise Forbidden(_("The members of this room follow its source; they are not edited."))
        raise Forbidden(_("Only the room's admins manage its members."))
    if room.is_archived:
        raise Forbidden(_("This room is archived: it is read-only."))
    return room


def room_members_add(
    *, by: Official, room_id: int, members: Iterable[object], as_admin: bool = False
) -> list[Official]:
    room = _managed_room(by, room_id)
    officials = _members_by_username(members)
    with transaction.atomic():
        added = _add_members(
            room, officials, admin_ids={o.pk for o in officials} if as_admin else set()
        )
        for official in added:
            audit_record(
                Event.MEMBERSHIP_CHANGED,
                actor=by,
                target=room,
                member=official.username,
                change="added",
            )
    return added


def room_member_remove(*, by: Official, room_id: int, username: str) -> None:
    room = _managed_room(by, room_id, adding=False)
    official = Official.objects.filter(username=username).first()
    if official is None or not Membership.objects.filter(room=room, official=official).exists():
        raise NotFound(_("%(name)s is not a member of this room.") % {"name": username})
    admins = Membership.objects.filter(room=room, is_admin=True).exclude(official=official)
    if Membership.objects.filter(room=room, official=official, is_admin=True).exists() and not (
        admins.exists()
    ):
        raise Conflict(_("A coordination room keeps at least one room admin."))
    with transaction.atomic():
        _remove_members(room, [official.pk])
        audit_record(
            Event.MEMBERSHIP_CHANGED, actor=by, target=room, member=username, change="removed"
        )


def room_archive(*, by: Official, room_id: int) -> Room:
    """Archive a coordination room: it stays readable, and takes no more messages."""
    room = _managed_room(by, room_id)
    with transaction.atomic():
        room.archived_at = timezone.now()
        room.save(update_fields=["archived_at"])
        for official_id in Membership.objects.filter(room=room).values_list(
            "official_id", flat=True
        ):
            events.membership_changed_on_commit(official_id, room, "updated")
    return room


def direct_conversation(*, by: Official, usernames: Iterable[object]) -> tuple[Room, bool]:
    """The conversation of `by` with these officials: the same people always get the same
    room. Returns (room, created)."""
    officials = _members_by_username(usernames)
    # With nobody else named, it is the official's own notes: a conversation of one.
    people = {o.pk: o for o in [by, *officials]}
    if len(people) > DIRECT_MAX_PEOPLE:
        raise InvalidInput(
            _("A direct conversation has at most %(max)d people; create a coordination room.")
            % {"max": DIRECT_MAX_PEOPLE}
        )
    key = "direct:" + ",".join(str(pk) for pk in sorted(people))
    room = Room.objects.filter(source_key=key).first()
    if room is not None:
        return room, False
    try:
        with transaction.atomic():
            room = Room.objects.create(kind=Room.Kind.DIRECT, source_key=key, created_by=by)
            _add_members(room, people.values())
    except IntegrityError:
        return Room.objects.get(source_key=key), False
    return room, True


def agency_room_sync(*, agency: Agency) -> Room:
    """The agency's room holds exactly the agency's officials (kept in step as they join or
    leave the agency)."""
    with transaction.atomic():
        room, _created = Room.objects.get_or_create(
            kind=Room.Kind.AGENCY, agency=agency, defaults={"name": agency.name}
        )
        if room.name != agency.name:
            room.name = agency.name
            room.save(update_fields=["name"])
        officials = list(Official.objects.filter(agency=agency, is_active=True))
        _add_members(room, officials)
        current = {o.pk for o in officials}
        stale = Membership.objects.filter(room=room).exclude(official_id__in=current)
        _remove_members(room, stale.values_list("official_id", flat=True))
    return room


def agency_rooms_sync_all() -> int:
    """Every active agency's room, in step; returns how many agencies were looked at."""
    count = 0
    for agency in Agency.objects.filter(is_active=True):
        agency_room_sync(agency=agency)
        count += 1
    return count


def meeting_room_sync(
    *,
    source_key: str,
    name: str,
    official_ids: Iterable[int],
    classification: str = Classification.BIASA,
    archived: bool = False,
) -> Room:
    """The room of a meeting (called by the meetings app), holding exactly its participants."""
    ids = set(official_ids)
    with transaction.atomic():
        room, _created = Room.objects.get_or_create(
            source_key=source_key,
            defaults={"kind": Room.Kind.MEETING, "name": name, "classification": classification},
        )
        changed = []
        if room.name != name:
            room.name = name
            changed.append("name")
        if room.classification != classification:
            room.classification = classification
            changed.append("classification")
        if archived and not room.is_archived:
            room.archived_at = timezone.now()
            changed.append("archived_at")
        if changed:
            room.save(update_fields=changed)
            for official_id in Membership.objects.filter(room=room).values_list(
                "official_id", flat=True
            ):
                events.membership_changed_on_commit(official_id, room, "updated")
        _add_members(room, Official.objects.filter(pk__in=ids))
        stale = Membership.objects.filter(room=room).exclude(official_id__in=ids)
        _remove_members(room, stale.values_list("official_id", flat=True))
    return room


# --- presence (ephemeral) ------------------------------------------------------------------


async def presence_set(*, official: Official, channel: str, state: str, rooms: set[int]) -> None:
    """A socket is online or away (and alive); the official's rooms hear of a change."""
    before, after = await sync_to_async(presence.socket_set)(official.pk, channel, state)
    if before != after:
        await events.presence_announce(official, rooms, after)


async def presence_gone(*, official: Official, channel: str, rooms: set[int]) -> None:
    before, after = await sync_to_async(presence.socket_gone)(official.pk, channel)
    if before != after:
        await events.presence_announce(official, rooms, after)


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
