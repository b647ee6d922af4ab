"""A room's timeline: messages, edits and deletions, read marks, typing.

The timeline's rules live here: a message, an edit and a deletion each take the room's next
seq inside the write transaction (`next_seq`), and are broadcast only after commit
(`events.room_broadcast_on_commit`). Whatever a writer checks after taking the seq (still a
member, the room not archived, the message not deleted meanwhile) cannot change under it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.models import Classification, Official
from coordination.organisation.notifications import notify_many
from coordination.platform import cleaners, ratelimit
from coordination.platform.errors import Forbidden, InvalidInput, NotFound, RateLimited
from messaging import events, mentions, selectors
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
from messaging.services.attachments import attachments_take
from messaging.services.directives import Directive, directive_check, directive_notify


def next_seq(room_id: int) -> tuple[int, bool]:
    """Take the room's next seq; returns it and whether the room is archived.

    Must run inside the write transaction: the UPDATE locks the room's row (PostgreSQL) or
    holds the write lock (SQLite, IMMEDIATE) until commit, so concurrent writers of one room
    queue, the sequence has no gap and no repeat, seqs commit in order, and a rollback gives
    the seq back.
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


def still_member(official: Official, room_id: int) -> None:
    """Inside the write transaction, after the room's lock: the official may still write
    (a removal that committed since the first check is seen here)."""
    if not Membership.objects.filter(room_id=room_id, official=official).exists():
        raise Forbidden(_("You are not a member of this room."))


def message_post(
    *,
    author: Official,
    room_id: int,
    body: str,
    client_id: uuid.UUID,
    reply_to: int | None = None,
    attachments: Sequence[int] = (),
    directive: Directive | None = None,
) -> tuple[Message, bool]:
    """Store a message in a room and broadcast it after commit; returns (message, created).

    Idempotent on (author, room, client_id): a repeat returns the stored message and stores
    nothing, whatever changed since. Refused when the author is not a member, the room is
    archived, the body is empty without attachments, or the author sends faster than
    RAKOR_SEND_RATE_PER_SECOND. Mentions of members (@username, @agency) are recorded and
    notified; attachments (uploaded first) are attached; a directive asks for
    acknowledgement (coordinators only).
    """
    # A resend of a stored message (its ack was lost) gets that message back, whatever changed
    # since (a due date passed, the room was archived): it must not be reported as refused.
    existing = (
        Message.objects.select_related("author")
        .filter(author=author, room_id=room_id, client_id=client_id)
        .first()
    )
    if existing is not None:
        return existing, False
    if not attachments and cleaners.is_blank(body):
        raise InvalidInput(_("The message is empty."), fields={"body": [_("Required.")]})
    if directive is not None:
        directive_check(author=author, directive=directive)
    room, _membership = selectors.room_get_for_member(author, room_id)
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
            seq, archived = next_seq(room.pk)
            if archived:
                raise Forbidden(_("This room is archived: it is read-only."))
            still_member(author, room.pk)
            files = attachments_take(author=author, ids=attachments)
            message = Message.objects.create(
                room_id=room.pk,
                seq=seq,
                author=author,
                body=body,
                html=render_body(body) if body else "",
                client_id=client_id,
                reply_to_id=reply_to,
                directive_ack_by=directive.ack_by if directive else "",
                directive_due=directive.due if directive else None,
            )
            if files:
                Attachment.objects.filter(pk__in=[f.pk for f in files]).update(message=message)
            # One notification per official per message: a directive's ask includes the
            # mention of the same official.
            asked: set[int] = set()
            if directive is not None:
                asked = directive_notify(message=message, room=room)
            mentioned = _mentions_record(message, room, told=asked)
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


def _mentions_record(
    message: Message, room: Room, *, told: set[int] = frozenset()
) -> dict[str, list[str]]:
    """Store the message's mentions of members and notify them (but those `told` already of
    this message), each in their language; one mentioned by name and through their agency
    is one mention."""
    resolved = mentions.resolve(room.pk, message.author, message.body)
    if not resolved.officials:
        return {"usernames": [], "agencies": []}
    Mention.objects.bulk_create(
        Mention(message=message, official_id=pk, agency_id=agency_id)
        for pk, agency_id in resolved.officials.items()
    )
    # The notification names who and where, not what: notification lists and e-mail digests
    # outlive the message (which may be edited or deleted) and leave the room's members.
    by_language: dict[str, list[int]] = {}
    for pk, language in (
        Official.objects.filter(pk__in=resolved.officials)
        .exclude(pk__in=told)
        .values_list("pk", "language")
    ):
        by_language.setdefault(language, []).append(pk)
    for language, official_ids in by_language.items():
        with translation.override(language):
            text = _("%(author)s mentioned you in %(room)s")
            author = message.author.display_name
            notify_many(
                official_ids,
                "mention",
                text % {"author": author, "room": selectors.room_label(room)},
                message.get_absolute_url(),
                mail_text=text
                % {"author": author, "room": selectors.room_label(room, for_mail=True)},
                sensitive=room.classification != Classification.BIASA,
            )
    return {"usernames": resolved.usernames, "agencies": resolved.agency_codes}


def _changeable_message(official: Official, message_id: int, *, deleting: bool) -> Message:
    """The message `official` may edit (its author) or delete (its author or a room admin).
    Checked before the write transaction (refusals are audited) and again inside it."""
    message = Message.objects.select_related("room", "author").filter(pk=message_id).first()
    if message is None:
        raise NotFound(_("No such message."))
    _room, membership = selectors.room_get_for_member(official, message.room_id)
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
    seq, _archived = next_seq(message.room_id)
    fresh = Message.objects.select_related("room", "author").get(pk=message.pk)
    membership = Membership.objects.filter(room_id=message.room_id, official=official).first()
    _check_changeable(official, fresh, membership, deleting=deleting)
    return fresh, seq


def message_edit(*, by: Official, message_id: int, body: str) -> RoomEvent:
    """Change a message's text (its author only); the old text is kept as a revision, and
    the edit takes the room's next seq."""
    message = _changeable_message(by, message_id, deleting=False)
    with transaction.atomic():
        message, seq = _locked_message(by, message, deleting=False)
        now = timezone.now()
        MessageRevision.objects.create(message=message, body=message.body, replaced_at=now)
        message.body, message.html, message.edited_at = body, render_body(body), now
        message.save(update_fields=["body", "html", "edited_at"])
        event = RoomEvent.objects.create(
            room_id=message.room_id, seq=seq, kind=RoomEvent.Kind.EDITED, message=message, at=now
        )
        events.room_broadcast_on_commit(message.room_id, events.event_frame(event))
    return event


def message_delete(*, by: Official, message_id: int) -> RoomEvent:
    """Delete a message (its author or a room admin): a tombstone stays on the timeline, and
    the deletion takes the room's next seq."""
    message = _changeable_message(by, message_id, deleting=True)
    with transaction.atomic():
        message, seq = _locked_message(by, message, deleting=True)
        now = timezone.now()
        message.deleted_at, message.deleted_by = now, by
        message.save(update_fields=["deleted_at", "deleted_by"])
        event = RoomEvent.objects.create(
            room_id=message.room_id, seq=seq, kind=RoomEvent.Kind.DELETED, message=message, at=now
        )
        events.room_broadcast_on_commit(message.room_id, events.event_frame(event))
    return event


def room_mark_read(*, official: Official, room_id: int, seq: int, origin: str = "") -> Membership:
    """Everything up to `seq` is read. Never moves back, never past the head; the official's
    other sockets learn it (`read_state`), the socket `origin` excepted."""
    room, membership = selectors.room_get_for_member(official, room_id)
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
    """Ephemeral: tell the room's open sockets that `official` is typing; only a member may.
    Never stored."""
    from channels.db import database_sync_to_async

    is_member = await database_sync_to_async(
        Membership.objects.filter(room_id=room_id, official=official).exists
    )()
    if not is_member:
        raise Forbidden(_("You are not a member of this room."))
    await events.typing_announce(room_id, official)
