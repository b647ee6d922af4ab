"""The one way anything reaches an official: `notify` (and `notify_many`).

- In the app: a Notification row written in the caller's transaction (the event that causes
  it), then, after commit, a `notification` frame to every socket of the official carrying
  the new unread count, so the bell and the tab's title change at once.
- By mail, as the official chose per preference group (GROUPS): at once, in the daily digest
  at their `digest_time`, or not at all. Mail at once during the official's quiet hours waits
  for their end (`mail_state` HELD); the digest waits for them too. Mail leaves through the
  outbox (coordination.platform.mail), queued in the same transaction as the row that says
  it was queued, so every notification is mailed once even with several workers.
- A notification names who and where, not the content of what it points at: lists and
  digests outlive the thing (which may change), and mail leaves Rakor. Callers pass
  `mail_text` when even the text must not leave Rakor (a confidential meeting's title).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count, Min, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination.organisation.models import Notification, Official
from coordination.organisation.timefmt import format_in_zone
from coordination.platform import realtime
from coordination.platform.errors import InvalidInput, NotFound
from coordination.platform.mail import RakorEmail, mail_queue, site_url, templated_mail
from coordination.platform.pagination import paginate_by_id

logger = logging.getLogger("rakor.notifications")

IMMEDIATE = "immediate"
DIGEST = "digest"
OFF = "off"
MAIL_CHOICES = (IMMEDIATE, DIGEST, OFF)


@dataclass(frozen=True)
class Group:
    """What an official sets the mail of, for a set of notification kinds."""

    label: gettext_lazy
    default: str
    kinds: tuple[str, ...]
    # Which mail choices it offers; empty: it has its own mail that always goes (a meeting's
    # invitation, update or cancellation is the calendar invitation itself).
    choices: tuple[str, ...] = MAIL_CHOICES
    help: gettext_lazy | str = ""


GROUPS: dict[str, Group] = {
    "mentions": Group(gettext_lazy("Mentions of you or your agency"), IMMEDIATE, ("mention",)),
    "directives": Group(
        gettext_lazy("Directives to acknowledge, and yours past their due date"),
        IMMEDIATE,
        ("directive", "directive_overdue"),
    ),
    "meetings": Group(
        gettext_lazy("Invitations, changes and cancellations of meetings"),
        OFF,
        ("meeting_invited", "meeting_changed", "meeting_cancelled"),
        choices=(),
        help=gettext_lazy("Always by e-mail, as the calendar invitation itself."),
    ),
    "reminders": Group(
        gettext_lazy("Meeting reminders"),
        IMMEDIATE,
        ("meeting_reminder",),
        choices=(IMMEDIATE, OFF),
        help=gettext_lazy("A reminder in a digest would come too late."),
    ),
    "responses": Group(gettext_lazy("Answers to meetings you organise"), DIGEST, ("rsvp",)),
    "agendas": Group(
        gettext_lazy("Agenda items proposed for meetings you organise"),
        DIGEST,
        ("agenda_proposal",),
    ),
    "notulen": Group(
        gettext_lazy("Minutes (notulen) awaiting your approval"), DIGEST, ("notulen_approval",)
    ),
    "actions": Group(
        gettext_lazy("Follow-up actions: assigned, changed, due soon, overdue"),
        DIGEST,
        (
            "action_assigned",
            "action_updated",
            "action_due_soon",
            "action_overdue",
            "action_escalated",
        ),
    ),
    "decisions": Group(
        gettext_lazy("Decisions recorded in meetings you attend"), DIGEST, ("decision_recorded",)
    ),
}
KIND_GROUP = {kind: name for name, group in GROUPS.items() for kind in group.kinds}
# Kinds outside every group (the decision log found broken) always mail at once.
SYSTEM_KINDS = {"decision_log_broken"}

MAIL_LABELS = {
    IMMEDIATE: gettext_lazy("E-mail at once"),
    DIGEST: gettext_lazy("In the daily digest"),
    OFF: gettext_lazy("Only in Rakor"),
}


# --- preferences -------------------------------------------------------------------------


def mail_choice(official: Official, kind: str) -> str | None:
    """How notifications of `kind` are mailed to `official`: IMMEDIATE, DIGEST, OFF, or None
    when the kind's group has mail of its own."""
    group_name = KIND_GROUP.get(kind)
    if group_name is None:
        return IMMEDIATE if kind in SYSTEM_KINDS else OFF
    group = GROUPS[group_name]
    if not group.choices:
        return None
    chosen = (official.notification_mail or {}).get(group_name)
    return chosen if chosen in group.choices else group.default


def notification_settings(official: Official) -> dict:
    """The official's notification preferences, every group with its effective choice."""
    return {
        "mail": {
            name: mail_choice(official, group.kinds[0]) or "invitation"
            for name, group in GROUPS.items()
        },
        "digest_time": official.digest_time.strftime("%H:%M"),
        "quiet_start": official.quiet_start.strftime("%H:%M") if official.quiet_start else None,
        "quiet_end": official.quiet_end.strftime("%H:%M") if official.quiet_end else None,
        "timezone": official.zone_name,
    }


def notification_settings_update(
    *,
    official: Official,
    mail: dict[str, str],
    digest_time: datetime.time,
    quiet_start: datetime.time | None,
    quiet_end: datetime.time | None,
) -> Official:
    """Save the official's preferences; a bad value changes nothing and says which one."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(mail) - set(GROUPS))
    if unknown:
        errors["mail"] = [_("Unknown notification group: %(name)s.") % {"name": unknown[0]}]
    chosen: dict[str, str] = {}
    for name, value in mail.items():
        group = GROUPS.get(name)
        if group is None:
            continue
        if not group.choices:
            if value not in ("invitation", ""):
                errors.setdefault(f"mail.{name}", []).append(
                    _("These always come as the calendar invitation.")
                )
            continue
        if value not in group.choices:
            errors.setdefault(f"mail.{name}", []).append(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(group.choices)}
            )
            continue
        chosen[name] = value
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_end" if quiet_end is None else "quiet_start"] = [
            _("Quiet hours need both a start and an end.")
        ]
    elif quiet_start is not None and quiet_start == quiet_end:
        errors["quiet_end"] = [_("Quiet hours must end at another time than they start.")]
    if errors:
        raise InvalidInput(_("The notification settings were not saved."), fields=errors)
    with transaction.atomic():
        official = Official.objects.select_for_update().get(pk=official.pk)
        official.notification_mail = {**(official.notification_mail or {}), **chosen}
        official.digest_time = digest_time.replace(second=0, microsecond=0)
        official.quiet_start = quiet_start.replace(second=0, microsecond=0) if quiet_start else None
        official.quiet_end = quiet_end.replace(second=0, microsecond=0) if quiet_end else None
        official.save(
            update_fields=["notification_mail", "digest_time", "quiet_start", "quiet_end"]
        )
    return official


def local_now(official: Official, now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()).astimezone(ZoneInfo(official.zone_name))


def in_quiet_hours(official: Official, now: datetime.datetime | None = None) -> bool:
    """Whether `now` (default: this moment) lies in the official's quiet hours, in their zone;
    hours from 22:00 to 06:00 run past midnight."""
    start, end = official.quiet_start, official.quiet_end
    if start is None or end is None or start == end:
        return False
    at = local_now(official, now).time()
    if start < end:
        return start <= at < end
    return at >= start or at < end


# --- writing and showing -----------------------------------------------------------------


def notification_frame(notification: Notification, *, unread: int, quiet: bool = False) -> dict:
    """A notification as the `notification` frame carries it (docs/protocol.md)."""
    return {
        "type": "notification",
        "id": notification.pk,
        "kind": notification.kind,
        "text": notification.text,
        "link": notification.link,
        "open": notification_link(notification),
        "created_at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
        "unread": unread,
        "quiet": quiet,
    }


def notification_link(notification: Notification) -> str:
    """The way to the notification's object that marks it read on the way:
    /notifications/<id>/open (empty when it links to nothing)."""
    return reverse("notification_open", args=[notification.pk]) if notification.link else ""


@dataclass
class Notice:
    """One notification to write: for `official`, of `kind`, in the active language.

    `mail_text` is what may leave Rakor (blank: `text`); `mail` builds the mail sent when the
    official chose mail at once (default: a plain one from the text; held or digest mail is
    always the plain form); `sensitive` mail is not kept in the outbox once sent;
    `mail_until` is when mail stops being worth sending (a reminder, at the meeting's start).
    """

    official: Official
    kind: str
    text: str
    link: str = ""
    mail_text: str = ""
    mail: Callable[[], EmailMultiAlternatives] | None = None
    mail_topic: str = ""
    sensitive: bool = False
    mail_until: datetime.datetime | None = None


def notify_all(notices: Iterable[Notice]) -> list[Notification]:
    """Write several notifications at once, in the caller's transaction (the event's): one
    insert, mail as each official chose, and after commit each official's sockets get the
    frame with their unread count as committed. Inactive officials are skipped."""
    notices = [n for n in notices if n.official is not None and n.official.is_active]
    if not notices:
        return []
    with transaction.atomic():
        rows = Notification.objects.bulk_create(_row(notice) for notice in notices)
        for row, notice in zip(rows, notices, strict=True):
            if row.mail_state == Notification.Mail.QUEUED:
                message = notice.mail() if notice.mail is not None else None
                _mail_now(
                    notice.official,
                    [row],
                    message,
                    topic=notice.mail_topic,
                    sensitive=notice.sensitive,
                )
        people = {notice.official.pk: notice.official for notice in notices}
        transaction.on_commit(lambda: _send_frames(rows, people), robust=True)
    return rows


def notify(
    official: Official | int,
    kind: str,
    text: str,
    link: str = "",
    **options,
) -> Notification | None:
    """Tell one official of something (see Notice for the options). Call it inside the
    transaction of the event. None for an unknown or inactive official."""
    if isinstance(official, int):
        official = Official.objects.filter(pk=official).first()
    if official is None:
        return None
    rows = notify_all([Notice(official, kind, text, link, **options)])
    return rows[0] if rows else None


def notify_many(
    officials: Iterable[Official | int],
    kind: str,
    text: str,
    link: str = "",
    *,
    mail_text: str = "",
    sensitive: bool = False,
) -> list[Notification]:
    """The same notification for several officials (each once, however often listed)."""
    ids = {o if isinstance(o, int) else o.pk for o in officials}
    if not ids:
        return []
    people = Official.objects.filter(pk__in=ids, is_active=True).order_by("pk")
    return notify_all(
        Notice(o, kind, text, link, mail_text=mail_text, sensitive=sensitive) for o in people
    )


def _row(notice: Notice) -> Notification:
    official = notice.official
    choice = mail_choice(official, notice.kind) if official.email else None
    if choice in (None, OFF):
        state = Notification.Mail.NONE
    elif choice == DIGEST:
        state = Notification.Mail.DIGEST
    elif in_quiet_hours(official):
        state = Notification.Mail.HELD
    else:
        state = Notification.Mail.QUEUED
    mail_text = notice.mail_text[:500]
    return Notification(
        official=official,
        kind=notice.kind[:40],
        text=notice.text[:500],
        mail_text=mail_text if mail_text and mail_text != notice.text[:500] else "",
        link=notice.link[:500],
        mail_state=state,
        sensitive=notice.sensitive,
        mail_until=notice.mail_until,
    )


def _unread_counts(official_ids: Iterable[int]) -> dict[int, int]:
    return dict(
        Notification.objects.filter(official_id__in=set(official_ids), read_at=None)
        .values_list("official_id")
        .annotate(n=Count("id"))
    )


def _send_frames(rows: list[Notification], people: dict[int, Official]) -> None:
    """After commit: each official's frames, with the unread count as committed."""
    counts = _unread_counts(people)
    for notification in rows:
        official = people[notification.official_id]
        frame = notification_frame(
            notification, unread=counts.get(official.pk, 0), quiet=in_quiet_hours(official)
        )
        realtime.official_send(official.pk, {"type": "notification.created", "frame": frame})


def unread_count(official: Official) -> int:
    return Notification.objects.filter(official=official, read_at=None).count()


def notification_list(official: Official, *, unread_only: bool = False) -> QuerySet:
    rows = Notification.objects.filter(official=official)
    return rows.filter(read_at=None) if unread_only else rows


def notifications_page(
    official: Official, *, cursor: str | None, limit: int, unread_only: bool = False
) -> tuple[list[Notification], str | None]:
    """A page of the official's notifications, newest first."""
    return paginate_by_id(
        notification_list(official, unread_only=unread_only),
        cursor=cursor,
        limit=limit,
        newest_first=True,
    )


def notification_open(*, official: Official, notification_id: int) -> Notification:
    """The official's notification, marked read (following its link reads it)."""
    notification = Notification.objects.filter(pk=notification_id, official=official).first()
    if notification is None:
        raise NotFound(_("No such notification."))
    if notification.read_at is None:
        notifications_mark_read(official=official, ids=[notification.pk])
        notification.read_at = timezone.now()
    return notification


def notifications_mark_read(
    *, official: Official, ids: list[int] | None = None, everything: bool = False
) -> int:
    """Mark the official's notifications `ids` (or all of them) read; ids of others' or
    unknown notifications are refused and nothing changes. Every socket of the official
    learns the new unread count. Returns how many changed."""
    if not everything and not ids:
        raise InvalidInput(
            _("Say which notifications to mark read, or all of them."),
            fields={"ids": [_("Give ids, or all: true.")]},
        )
    with transaction.atomic():
        rows = Notification.objects.filter(official=official)
        if not everything:
            wanted = set(ids or [])
            found = set(rows.filter(pk__in=wanted).values_list("pk", flat=True))
            if found != wanted:
                raise NotFound(
                    _("No such notification: %(id)s.") % {"id": min(wanted - found)},
                )
            rows = rows.filter(pk__in=wanted)
        changed = rows.filter(read_at=None).update(read_at=timezone.now())
        marked = None if everything else sorted(set(ids or []))

        def send() -> None:
            frame = {
                "type": "notifications_read",
                "ids": marked,
                "all": everything,
                "unread": unread_count(official),
            }
            realtime.official_send(official.pk, {"type": "notification.read", "frame": frame})

        transaction.on_commit(send, robust=True)
    return changed


# --- mail --------------------------------------------------------------------------------


def _mail_now(
    official: Official,
    rows: list[Notification],
    message: EmailMultiAlternatives | None,
    *,
    topic: str = "",
    sensitive: bool = False,
    digest: bool = False,
    more: int = 0,
) -> None:
    with translation.override(official.language or settings.LANGUAGE_CODE):
        if message is None:
            message = _plain_mail(official, rows, digest=digest, more=more)
        mail_queue(
            message,
            official_id=official.pk,
            kind="notification_digest" if digest else (rows[0].kind if len(rows) == 1 else ""),
            topic=topic or f"notification:{rows[0].pk}",
            sensitive=sensitive,
        )


def _plain_mail(
    official: Official, rows: list[Notification], *, digest: bool, more: int = 0
) -> RakorEmail:
    items = [
        {
            "text": n.mail_text or n.text,
            "url": site_url(notification_link(n)) if n.link else "",
            "when": format_in_zone(n.created_at, official.zone_name, kind="short"),
        }
        for n in rows
    ]
    total = len(rows) + more
    context = {
        "official": official,
        "items": items,
        "more": more,
        "digest": digest,
        "centre_url": site_url(reverse("notifications")),
        "settings_url": site_url(reverse("profile") + "#notifications"),
    }
    if digest:
        subject = _("Rakor: your daily digest, %(n)d new") % {"n": total}
    elif total == 1:
        subject = _("Rakor: %(text)s") % {"text": items[0]["text"][:150]}
    else:
        subject = _("Rakor: %(n)d notifications while your quiet hours were on") % {"n": total}
    return templated_mail(subject, "coordination/email/notifications", context, official.email)


def last_digest_moment(official: Official, now: datetime.datetime) -> datetime.datetime:
    """The most recent moment, at or before `now`, of the official's daily digest."""
    local = local_now(official, now)
    moment = datetime.datetime.combine(local.date(), official.digest_time, local.tzinfo)
    if moment > local:
        moment -= datetime.timedelta(days=1)
    return moment


# A mail lists this many notifications, then says how many more wait in Rakor.
MAIL_LISTS = 50


def notifications_mail(*, now: datetime.datetime | None = None) -> int:
    """The worker's run: mail held back by quiet hours that have ended, and the daily digests
    that are due (everything waiting from before the latest digest moment), each once even
    with several workers. One query finds who has anything due; only those are read.
    Returns how many mails were queued."""
    now = now or timezone.now()
    waiting = Notification.objects.filter(
        mail_state__in=[Notification.Mail.HELD, Notification.Mail.DIGEST]
    )
    oldest: dict[int, dict[str, datetime.datetime]] = {}
    for official_id, state, first in waiting.values_list("official_id", "mail_state").annotate(
        first=Min("created_at")
    ):
        oldest.setdefault(official_id, {})[state] = first
    sent = 0
    for official in Official.objects.filter(pk__in=oldest).order_by("pk"):
        if not official.is_active or not official.email:
            waiting.filter(official=official).update(mail_state=Notification.Mail.NONE)
            continue
        if in_quiet_hours(official, now):
            continue
        states = oldest[official.pk]
        if Notification.Mail.HELD in states:
            held = waiting.filter(official=official, mail_state=Notification.Mail.HELD)
            sent += _mail_batch(official, held, Notification.Mail.HELD, now)
        moment = last_digest_moment(official, now)
        first_digest = states.get(Notification.Mail.DIGEST)
        if first_digest is not None and first_digest <= moment:
            due = waiting.filter(
                official=official, mail_state=Notification.Mail.DIGEST, created_at__lte=moment
            )
            sent += _mail_batch(official, due, Notification.Mail.DIGEST, now)
    if sent:
        logger.info("queued %d notification mails", sent)
    return sent


def _mail_batch(official: Official, rows: QuerySet, state: str, now: datetime.datetime) -> int:
    """Claim `rows` and queue their one mail in one transaction; 0 when another worker
    claimed any of them first (it mails them). What was read in Rakor meanwhile, what the
    official has since turned off, and what came too late is not mailed."""
    notifications = list(rows.order_by("created_at", "id"))
    if not notifications:
        return 0
    with transaction.atomic():
        claimed = Notification.objects.filter(
            pk__in=[n.pk for n in notifications], mail_state=state
        ).update(mail_state=Notification.Mail.QUEUED)
        if claimed != len(notifications):
            transaction.set_rollback(True)
            return 0
        keep = [
            n
            for n in notifications
            if n.read_at is None
            and (n.mail_until is None or n.mail_until > now)
            and mail_choice(official, n.kind) not in (None, OFF)
        ]
        dropped = [n.pk for n in notifications if n not in keep]
        if dropped:
            Notification.objects.filter(pk__in=dropped).update(mail_state=Notification.Mail.NONE)
        if not keep:
            return 0
        _mail_now(
            official,
            keep[:MAIL_LISTS],
            None,
            digest=state == Notification.Mail.DIGEST,
            sensitive=any(n.sensitive for n in keep),
            more=max(0, len(keep) - MAIL_LISTS),
        )
    return 1
