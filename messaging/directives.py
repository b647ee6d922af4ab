"""Directives (arahan): messages that ask for acknowledgement, from every member or from one
official per member agency, optionally by a date. Their sender sees live who has and who has
not acknowledged (`directive_state`); overdue directives are listed for the sender."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.models import Official
from coordination.organisation.notifications import notify_many
from coordination.platform.errors import Forbidden, InvalidInput, NotFound
from messaging import events
from messaging.models import Acknowledgement, Membership, Message


def clean_directive(author: Official, directive: object) -> tuple[str, datetime.date | None]:
    """`{"ack_by": "member" | "agency", "due": "YYYY-MM-DD"?}` -> (ack_by, due)."""
    if directive is None:
        return "", None
    if not isinstance(directive, dict) or set(directive) - {"ack_by", "due"}:
        raise InvalidInput(
            _('directive is {"ack_by": "member" or "agency", "due": date}.'),
            fields={"directive": [_("Not a directive.")]},
        )
    if not permissions.may_organise(author):
        permissions.permission_denied(official=author, action="send directives")
        raise Forbidden(_("Only coordinators send directives."))
    ack_by = directive.get("ack_by")
    if ack_by not in Message.AckBy.values:
        raise InvalidInput(
            _("ack_by is member or agency."), fields={"directive": [_("Unknown ack_by.")]}
        )
    due = directive.get("due")
    if due is not None:
        try:
            due = datetime.date.fromisoformat(due) if isinstance(due, str) else None
        except ValueError:
            due = None
        if due is None:
            raise InvalidInput(
                _("due is a date, YYYY-MM-DD."), fields={"directive": [_("Not a date.")]}
            )
        if due < _today_for(author):
            raise InvalidInput(
                _("The due date has already passed."),
                fields={"directive": [_("Due date in the past.")]},
            )
    return ack_by, due


def _today_for(official: Official) -> datetime.date:
    zone = getattr(official, "zone", None)
    return timezone.now().astimezone(zone).date() if zone else timezone.localdate()


def directive_notify(message: Message, room_name: str) -> None:
    """Ask the room's members (the sender excepted) to acknowledge, each in their language."""
    recipients = Membership.objects.filter(room_id=message.room_id).exclude(
        official_id=message.author_id
    )
    if message.directive_ack_by == Message.AckBy.AGENCY:
        recipients = recipients.filter(official__agency__isnull=False)
    by_language: dict[str, list[int]] = {}
    for pk, language in recipients.values_list("official_id", "official__language"):
        by_language.setdefault(language, []).append(pk)
    link = f"/messages/{message.room_id}?seq={message.seq}"
    for language, official_ids in by_language.items():
        with translation.override(language):
            if message.directive_due:
                text = _(
                    "%(author)s asks for acknowledgement of a directive in %(room)s by %(due)s"
                ) % {
                    "author": message.author.display_name,
                    "room": room_name,
                    "due": formats.date_format(message.directive_due, "DATE_FORMAT"),
                }
            else:
                text = _("%(author)s asks for acknowledgement of a directive in %(room)s") % {
                    "author": message.author.display_name,
                    "room": room_name,
                }
        notify_many(official_ids, "directive", text, link)


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
            Acknowledgement.objects.filter(message=message).select_related("official", "agency")
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
    if message.directive_due is None:
        return False
    return _today_for(message.author) > message.directive_due


def directive_acknowledge(*, official: Official, message_id: object) -> dict[str, Any]:
    """Acknowledge a directive (one click). Idempotent; in agency mode the first official of an
    agency acknowledges for it. Returns the tally, which also goes to the sender live."""
    from messaging.services import _clean_id

    message_id = _clean_id(message_id, "message")
    message = Message.objects.select_related("author", "room").filter(pk=message_id).first()
    if message is None or not message.directive_ack_by:
        raise NotFound(_("No such directive."))
    _member_or_not_found(official, message)
    if message.deleted_at is not None:
        raise NotFound(_("This message was deleted."))
    if message.author_id == official.pk:
        raise InvalidInput(_("The sender does not acknowledge their own directive."))
    agency_id = official.agency_id if message.directive_ack_by == Message.AckBy.AGENCY else None
    if message.directive_ack_by == Message.AckBy.AGENCY and agency_id is None:
        raise InvalidInput(_("Only officials of an agency acknowledge for it."))
    try:
        with transaction.atomic():
            Acknowledgement.objects.create(message=message, official=official, agency_id=agency_id)
            tally = directive_tally(message)
            events.official_event_on_commit(message.author_id, "directive.state", tally)
    except IntegrityError:
        tally = directive_tally(message)  # already acknowledged (by them or their agency)
    return tally


def directive_for_sender(*, official: Official, message_id: object) -> dict[str, Any]:
    from messaging.services import _clean_id

    message = (
        Message.objects.select_related("author").filter(pk=_clean_id(message_id, "message")).first()
    )
    if message is None or not message.directive_ack_by:
        raise NotFound(_("No such directive."))
    _member_or_not_found(official, message)
    return directive_tally(message)


def _member_or_not_found(official: Official, message: Message) -> None:
    """Outside the room a directive does not exist: its id says nothing to a non-member."""
    from messaging.services import member_room

    try:
        member_room(official, message.room_id)
    except Forbidden as exc:
        raise NotFound(_("No such directive.")) from exc


def directives_sent(official: Official, *, overdue_only: bool = False) -> list[dict[str, Any]]:
    """The directives `official` sent that are still open, newest first (overdue ones only,
    on request), each with its tally. Three queries, whatever their number."""
    messages = list(
        Message.objects.filter(author=official, deleted_at__isnull=True)
        .exclude(directive_ack_by="")
        .select_related("author", "room")
        .order_by("-created_at")[:100]
    )
    if overdue_only:
        messages = [m for m in messages if is_overdue(m)]
    acks: dict[int, list[Acknowledgement]] = {m.pk: [] for m in messages}
    for ack in Acknowledgement.objects.filter(message__in=messages).select_related(
        "official", "agency"
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
        .select_related("author", "room")
        .order_by("directive_due", "-created_at")[:50]
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
        "link": f"/messages/{message.room_id}?seq={message.seq}",
    }
