"""Directives (arahan): messages that ask for acknowledgement, from every member or from one
official per member agency, optionally by a date. Only coordinators send them; their sender
sees live who has and who has not acknowledged (`directive_state`)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.models import Classification, Official
from coordination.organisation.notifications import notify, notify_many
from coordination.platform.errors import Forbidden, InvalidInput, NotFound
from messaging import events, selectors
from messaging.models import Acknowledgement, Membership, Message, Room


@dataclass(frozen=True)
class Directive:
    """What a message asks: acknowledgement by every member or one official per agency
    (Message.AckBy), optionally by a date."""

    ack_by: str
    due: datetime.date | None = None


def directive_check(*, author: Official, directive: Directive) -> None:
    """Refuse a directive its author may not send: only coordinators send them, with a
    known kind of acknowledgement and a due date that has not passed where they are."""
    if not permissions.may_organise(author):
        permissions.permission_denied(official=author, action="send directives")
        raise Forbidden(_("Only coordinators send directives."))
    if directive.ack_by not in Message.AckBy.values:
        raise InvalidInput(
            _("ack_by is member or agency."), fields={"directive": [_("Unknown ack_by.")]}
        )
    if directive.due is not None and directive.due < selectors.today_for(author):
        raise InvalidInput(
            _("The due date has already passed."),
            fields={"directive": [_("Due date in the past.")]},
        )


def directive_notify(*, message: Message, room: Room) -> set[int]:
    """Ask the room's members (the sender excepted) to acknowledge, each in their language;
    returns who was asked."""
    recipients = Membership.objects.filter(room_id=message.room_id).exclude(
        official_id=message.author_id
    )
    if message.directive_ack_by == Message.AckBy.AGENCY:
        recipients = recipients.filter(official__agency__isnull=False)
    by_language: dict[str, list[int]] = {}
    for pk, language in recipients.values_list("official_id", "official__language"):
        by_language.setdefault(language, []).append(pk)
    for language, official_ids in by_language.items():
        with translation.override(language):
            words = {"author": message.author.display_name}
            if message.directive_due:
                text = _(
                    "%(author)s asks for acknowledgement of a directive in %(room)s by %(due)s"
                )
                words["due"] = formats.date_format(message.directive_due, "DATE_FORMAT")
            else:
                text = _("%(author)s asks for acknowledgement of a directive in %(room)s")
            notify_many(
                official_ids,
                "directive",
                text % {**words, "room": selectors.room_label(room)},
                message.get_absolute_url(),
                mail_text=text % {**words, "room": selectors.room_label(room, for_mail=True)},
                sensitive=room.classification != Classification.BIASA,
            )
    return {pk for ids in by_language.values() for pk in ids}


def directive_acknowledge(*, official: Official, message_id: int) -> dict[str, Any]:
    """Acknowledge a directive (one click). Idempotent; in agency mode the first official of an
    agency acknowledges for it. Returns the tally, which also goes to the sender live."""
    message = selectors.directive_get_for_member(official, message_id)
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
            tally = selectors.directive_tally(message)
            events.official_event_on_commit(message.author_id, "directive.state", tally)
    except IntegrityError:
        tally = selectors.directive_tally(message)  # already acknowledged (by them or their agency)
    return tally


OVERDUE_NEWS = datetime.timedelta(days=7)


def directives_overdue_tell(*, now: datetime.datetime | None = None) -> int:
    """Tell each sender, once, of their directive that is past its due date (where they are)
    with acknowledgements still missing. Once even with several workers: the row is claimed
    in the transaction of the notification. Returns how many senders were told."""
    now = now or timezone.now()
    # The earliest "today" in Indonesia is WIB's; a directive due before the latest "today"
    # (WIT's) may be overdue somewhere: is_overdue decides in the sender's zone.
    latest_today = (now + datetime.timedelta(hours=14)).date()
    candidates = (
        Message.objects.filter(
            deleted_at__isnull=True,
            directive_due__lt=latest_today,
            # Only lately overdue ones: those overdue for long before this job existed are
            # on the directives page already and are not news.
            directive_due__gte=latest_today - OVERDUE_NEWS,
            directive_overdue_told_at__isnull=True,
        )
        .exclude(directive_ack_by="")
        .select_related("author", "room")
        .order_by("directive_due", "pk")[:500]
    )
    told = 0
    for message in candidates:
        if not selectors.is_overdue(message):
            continue
        tally = selectors.directive_tally(message)
        with transaction.atomic():
            if not Message.objects.filter(
                pk=message.pk, directive_overdue_told_at__isnull=True
            ).update(directive_overdue_told_at=now):
                continue  # another worker told them
            if tally["complete"] or not message.author.is_active:
                continue
            author = message.author
            with translation.override(author.language or settings.LANGUAGE_CODE):
                text = _(
                    "Your directive in %(room)s was due %(due)s; %(n)d have not acknowledged it yet"
                )
                words = {
                    "due": formats.date_format(message.directive_due, "DATE_FORMAT"),
                    "n": len(tally["pending"]),
                }
                notify(
                    author,
                    "directive_overdue",
                    text % {**words, "room": selectors.room_label(message.room)},
                    message.get_absolute_url(),
                    mail_text=text
                    % {**words, "room": selectors.room_label(message.room, for_mail=True)},
                    sensitive=message.room.classification != Classification.BIASA,
                )
            told += 1
    return told
