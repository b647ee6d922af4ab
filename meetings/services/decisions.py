"""Decisions and follow-up actions (tindak lanjut): every write, each one entry of the
append-only decision log (meetings.decision_log) in the same transaction.

The rules (docs/permissions.md): the organiser, the chair and the note takers record a
meeting's decisions, change their status and assign actions; an action's assignee, the
owing agency's coordinators and the meeting's organiser report progress; only those who
record decisions cancel an action. A decision's text never changes: it is superseded by a
later decision or revoked with a reason, each a new entry. An action is done with
evidence (a comment or a file). Done and cancelled actions take no more updates.

Each change reaches the sockets following the meeting and the owing agency's officials
live (`decision`, `action_updated`). The worker reminds before the due date and, once an
action is overdue in its agency's zone, tells its assignee and escalates once to the
coordinators of the owing agency and of the agency above it (in-app and by mail).
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.models import Agency, Classification, Official, Role, Zone
from coordination.organisation.notifications import Notice, notify, notify_all
from coordination.platform import cleaners, ratelimit, realtime
from coordination.platform.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
)
from coordination.platform.mail import RakorEmail, templated_mail
from meetings import decision_log, events, ical, selectors
from meetings.models import (
    ActionAttachment,
    ActionUpdate,
    AgendaItem,
    Decision,
    DecisionLogEntry,
    FollowUpAction,
    Meeting,
    NotulenRevision,
    Participant,
)
from meetings.selectors import decisions as reads
from messaging import files

logger = logging.getLogger("rakor.decision_log")

Kind = DecisionLogEntry.Kind
Status = FollowUpAction.Status
TEXT_MAX = 5_000
DESCRIPTION_MAX = 2_000
COMMENT_MAX = 5_000
REASON_MAX = 2_000
MAX_TAGS = 10
TAG_MAX = 40
MAX_FILES = 5
FINAL = (Status.DONE, Status.CANCELLED)
DUE_EARLIEST = datetime.date(2000, 1, 1)


# --- decisions ------------------------------------------------------------------------


def clean_tags(values: Iterable[object]) -> list[str]:
    """Tags: short words, lower case, each once, in the order given."""
    tags: list[str] = []
    for value in values:
        tag = " ".join(cleaners.clean_text(value, "tags", max_length=TAG_MAX).split()).lower()
        if not tag:
            continue
        if any(char in tag for char in ',"'):
            raise InvalidInput(
                _("A tag holds no commas or quotes."), fields={"tags": [_("Not a tag.")]}
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidInput(
            _("A decision carries at most %(n)d tags.") % {"n": MAX_TAGS},
            fields={"tags": [_("Too many.")]},
        )
    return tags


def _meeting_for_recorder(by: Official, meeting_id: int) -> Meeting:
    meeting = selectors.meeting_get_visible(by, meeting_id)
    if not reads.may_record_decision(by, meeting):
        permissions.permission_denied(official=by, action="record decision", target=meeting)
        raise Forbidden(
            _("Only the organiser, the chair and the note takers record this meeting's decisions.")
        )
    if meeting.status == Meeting.Status.CANCELLED:
        raise Conflict(
            _("This meeting was cancelled; it records no decisions."), code="meeting_cancelled"
        )
    return meeting


def decision_record(
    *,
    by: Official,
    meeting_id: int,
    text: str,
    agenda_item_id: int | None = None,
    tags: Sequence[str] = (),
    classification: str | None = None,
    decided_at: datetime.datetime | None = None,
) -> Decision:
    """Record what a meeting decided (under one of its agenda items, or none)."""
    meeting = _meeting_for_recorder(by, meeting_id)
    text = cleaners.clean_text(text, "text", max_length=TEXT_MAX, required=True, strip=True)
    tags = clean_tags(tags)
    now = timezone.now()
    if decided_at is None:
        decided_at = now
    elif decided_at > now + datetime.timedelta(minutes=5):
        raise InvalidInput(
            _("A decision cannot be dated in the future."),
            fields={"decided_at": [_("In the future.")]},
        )
    elif decided_at < meeting.start - datetime.timedelta(days=1):
        raise InvalidInput(
            _("A decision is dated from its meeting's day on."),
            fields={"decided_at": [_("Before the meeting.")]},
        )
    if classification is None:
        classification = meeting.classification
    if classification not in Classification.values:
        raise InvalidInput(
            _("Unknown classification."), fields={"classification": [_("Unknown value.")]}
        )
    if reads.RANK[classification] < reads.RANK[meeting.classification]:
        raise InvalidInput(
            _("A decision is classified at least as its meeting is (%(level)s).")
            % {"level": meeting.get_classification_display()},
            fields={"classification": [_("Less strict than the meeting.")]},
        )
    item = None
    if agenda_item_id is not None:
        item = AgendaItem.objects.filter(pk=agenda_item_id, meeting=meeting).first()
        if item is None:
            raise InvalidInput(
                _("That agenda item is not on this meeting's agenda."),
                fields={"agenda_item": [_("Not on this agenda.")]},
            )
    with transaction.atomic():
        decision = Decision.objects.create(
            meeting=meeting,
            agenda_item=item,
            text=text,
            decided_at=decided_at,
            recorded_by=by,
            recorded_at=now,
            tags=tags,
            tag_index=Decision.index_of(tags),
            classification=classification,
        )
        decision_log.append(
            kind=Kind.DECISION,
            meeting_id=meeting.pk,
            content=decision_log.decision_content(decision),
            by=by,
            decision=decision,
        )
        _send_decision(decision)
        _tell_participants(decision, by)
    return decision


def _tell_participants(decision: Decision, by: Official) -> None:
    """The meeting's participants who did not decline (and who may see the decision) learn
    of it, each in their language; the text names the meeting, not the decision."""
    meeting = decision.meeting
    facts = reads.decision_meeting_facts(decision)
    attending = meeting.participants.exclude(rsvp=Participant.Rsvp.DECLINED).values_list(
        "official_id", flat=True
    )
    notices = []
    for official in (
        Official.objects.filter(pk__in=list(attending), is_active=True)
        .exclude(pk=by.pk)
        .select_related("agency")
    ):
        if not permissions.may_view_decision(official, facts, []):
            continue
        with translation.override(official.language or settings.LANGUAGE_CODE):
            text = _("%(name)s recorded a decision of %(meeting)s")
            public = ical.public_title(meeting, in_active_language=True)
            notices.append(
                Notice(
                    official,
                    "decision_recorded",
                    text % {"name": by.display_name, "meeting": meeting.title[:200]},
                    reverse("decisions:detail", args=[decision.pk]),
                    mail_text=text % {"name": by.display_name, "meeting": public[:200]},
                    sensitive=decision.classification != Classification.BIASA,
                )
            )
    notify_all(notices)


def decision_status_set(
    *,
    by: Official,
    decision_id: int,
    status: str,
    reason: str = "",
    superseded_by_id: int | None = None,
) -> Decision:
    """Supersede a decision by a later one of the record, or revoke it with a reason. A
    decision that is no longer adopted stays as it is: its status changes once."""
    decision = reads.decision_get_visible(by, decision_id)
    _meeting_for_recorder(by, decision.meeting_id)
    reason = cleaners.clean_text(reason, "reason", max_length=REASON_MAX, strip=True)
    if status not in (Decision.Status.SUPERSEDED, Decision.Status.REVOKED):
        raise InvalidInput(
            _("A decision's status becomes superseded or revoked."),
            fields={"status": [_("Unknown value.")]},
        )
    successor = None
    if status == Decision.Status.REVOKED:
        if not reason:
            raise InvalidInput(
                _("Say why the decision is revoked."), fields={"reason": [_("Required.")]}
            )
        if superseded_by_id is not None:
            raise InvalidInput(
                _("A revoked decision is superseded by none."),
                fields={"superseded_by": [_("Only for superseded.")]},
            )
    else:
        if superseded_by_id is None:
            raise InvalidInput(
                _("Name the decision that supersedes it."),
                fields={"superseded_by": [_("Required.")]},
            )
        if superseded_by_id == decision.pk:
            raise InvalidInput(
                _("A decision cannot supersede itself."),
                fields={"superseded_by": [_("The same decision.")]},
            )
        try:
            successor = reads.decision_get_visible(by, superseded_by_id)
        except NotFound:
            raise InvalidInput(
                _("No such decision to supersede it."),
                fields={"superseded_by": [_("No such decision.")]},
            ) from None
    now = timezone.now()
    with transaction.atomic():
        both = [decision.pk] + ([successor.pk] if successor else [])
        rows = {
            row.pk: row
            for row in Decision.objects.select_for_update().filter(pk__in=both).order_by("pk")
        }
        locked = rows[decision.pk]
        # The successor's state is read under the lock only: two decisions superseding each
        # other at once get the same refusal whichever of them comes second.
        if successor is not None and rows[successor.pk].status != Decision.Status.ADOPTED:
            raise Conflict(
                _("The decision that supersedes it must itself be in force."),
                code="not_in_force",
            )
        if locked.status != Decision.Status.ADOPTED:
            raise Conflict(
                _("This decision is already %(status)s.")
                % {"status": locked.get_status_display().lower()},
                code="not_in_force",
                current=reads.decision_out(reads.decisions_base().get(pk=locked.pk), None),
            )
        locked.status = status
        locked.status_reason = reason
        locked.superseded_by = successor
        locked.status_changed_at = now
        locked.save(update_fields=["status", "status_reason", "superseded_by", "status_changed_at"])
        decision_log.append(
            kind=Kind.DECISION_STATUS,
            meeting_id=locked.meeting_id,
            content=decision_log.status_content(
                locked,
                status=status,
                reason=reason,
                superseded_by=successor.pk if successor else None,
                by=by,
                at=now,
            ),
            by=by,
            decision=locked,
        )
        decision = reads.decisions_base().get(pk=locked.pk)
        _send_decision(decision)
    return decision


# --- actions --------------------------------------------------------------------------


def action_assign(
    *,
    by: Official,
    decision_id: int,
    description: str,
    agency_code: str,
    due: datetime.date,
    assignee_username: str | None = None,
) -> FollowUpAction:
    """Ask an agency (and, optionally, one of its officials) to act on a decision by a date."""
    decision = reads.decision_get_visible(by, decision_id)
    _meeting_for_recorder(by, decision.meeting_id)
    if decision.status != Decision.Status.ADOPTED:
        raise Conflict(
            _("This decision is no longer in force; it takes no new actions."),
            code="not_in_force",
        )
    description = cleaners.clean_text(
        description, "description", max_length=DESCRIPTION_MAX, required=True, strip=True
    )
    agency = Agency.objects.filter(code=agency_code).first() if agency_code else None
    if agency is None:
        raise InvalidInput(
            _("No agency has the code %(code)s.") % {"code": agency_code or "—"},
            fields={"agency": [_("Unknown agency.")]},
        )
    assignee = None
    if assignee_username:
        assignee = Official.objects.filter(username=assignee_username, is_active=True).first()
        if assignee is None:
            raise InvalidInput(
                _("No active official is called %(username)s.") % {"username": assignee_username},
                fields={"assignee": [_("Unknown official.")]},
            )
        if assignee.agency_id != agency.pk:
            raise InvalidInput(
                _("%(name)s works for another agency than %(agency)s.")
                % {"name": assignee.display_name, "agency": agency.name},
                fields={"assignee": [_("Not of this agency.")]},
            )
    latest = reads.today_in(agency.timezone) + datetime.timedelta(days=5 * 366)
    if not DUE_EARLIEST <= due <= latest:
        raise InvalidInput(
            _("The due date lies between %(first)s and %(last)s.")
            % {"first": DUE_EARLIEST.isoformat(), "last": latest.isoformat()},
            fields={"due": [_("Out of range.")]},
        )
    if assignee is not None:
        facts = permissions.ActionFacts(
            meeting=reads.decision_meeting_facts(decision),
            owing_agency_id=agency.pk,
            assignee_id=assignee.pk,
        )
        if not permissions.may_view_action(assignee, facts):
            raise InvalidInput(
                _(
                    "%(name)s is not named on this confidential meeting, so could not see "
                    "the action; name them on the meeting first."
                )
                % {"name": assignee.display_name},
                fields={"assignee": [_("May not see it.")]},
            )
    now = timezone.now()
    with transaction.atomic():
        if (
            Decision.objects.select_for_update()
            .filter(pk=decision.pk)
            .values_list("status", flat=True)[0]
            != Decision.Status.ADOPTED
        ):
            raise Conflict(
                _("This decision is no longer in force; it takes no new actions."),
                code="not_in_force",
            )
        action = FollowUpAction.objects.create(
            decision=decision,
            description=description,
            agency=agency,
            assignee=assignee,
            due=due,
            created_by=by,
            created_at=now,
            updated_at=now,
        )
        action = reads.actions_base().get(pk=action.pk)
        decision_log.append(
            kind=Kind.ACTION,
            meeting_id=decision.meeting_id,
            content=decision_log.action_content(action),
            by=by,
            decision=decision,
            action=action,
        )
        _tell(
            _action_people(action) - {by.pk},
            "action_assigned",
            lambda: (
                _("%(agency)s has a new follow-up action, due %(due)s: %(text)s")
                % {"agency": agency.name, "due": due.isoformat(), "text": description[:200]}
            ),
            action,
        )
        _send_action(action)
    return action


def action_update(
    *,
    by: Official,
    action_id: int,
    status: str,
    comment: str = "",
    uploads: Sequence[UploadedFile] = (),
) -> ActionUpdate:
    """Report progress: the status from now on (the same for a comment alone), a comment,
    files. Done needs evidence: a comment or a file."""
    action = reads.action_get_visible(by, action_id)
    if status == Status.CANCELLED:
        if not reads.may_cancel_action(by, action):
            permissions.permission_denied(official=by, action="cancel action", target=action)
            raise Forbidden(
                _("Only those who record the meeting's decisions cancel one of its actions.")
            )
    elif not reads.may_update_action(by, action):
        permissions.permission_denied(official=by, action="update action", target=action)
        raise Forbidden(
            _(
                "Only the assignee, the coordinators of %(agency)s and the meeting's organiser "
                "report progress on this action."
            )
            % {"agency": action.agency.name}
        )
    if status not in Status.values:
        raise InvalidInput(
            _("status is one of: %(choices)s") % {"choices": ", ".join(Status.values)},
            fields={"status": [_("Unknown value.")]},
        )
    comment = cleaners.clean_text(comment, "comment", max_length=COMMENT_MAX, strip=True)
    if status == Status.CANCELLED and not comment:
        raise InvalidInput(
            _("Say why the action is cancelled."), fields={"comment": [_("Required.")]}
        )
    if len(uploads) > MAX_FILES:
        raise InvalidInput(
            _("An update carries at most %(n)d files.") % {"n": MAX_FILES},
            fields={"files": [_("Too many.")]},
        )
    checked = [_checked(upload) for upload in uploads]
    if status == Status.DONE and not comment and not checked:
        raise InvalidInput(
            _("Done needs evidence: say what was done or attach a file."),
            fields={"comment": [_("Evidence is required.")]},
        )
    if not comment and not checked and status == action.status:
        raise InvalidInput(
            _("Nothing to report: change the status, write a comment or attach a file."),
            fields={"comment": [_("Required.")]},
        )
    now = timezone.now()
    saved: list[str] = []  # files written to storage: removed again if the update fails
    try:
        with transaction.atomic():
            update, fresh, previous = _update_locked(
                by, action, status, comment, uploads, checked, now, saved
            )
            if status != previous:
                _tell_organiser(by, fresh)
    except BaseException:
        for name in saved:
            ActionAttachment.file.field.storage.delete(name)
        raise
    return update


def _update_locked(by, action, status, comment, uploads, checked, now, saved):
    locked = FollowUpAction.objects.select_for_update().get(pk=action.pk)
    if locked.status in FINAL:
        raise Conflict(
            _("This action is %(status)s; it takes no more updates.")
            % {"status": locked.get_status_display().lower()},
            code="action_closed",
            current=reads.action_out(reads.actions_base().get(pk=locked.pk)),
        )
    previous = locked.status
    update = ActionUpdate.objects.create(
        action=locked, by=by, at=now, status=status, comment=comment
    )
    stored = []
    for upload, (name, content_type, digest) in zip(uploads, checked, strict=True):
        file = ActionAttachment(
            update=update, name=name, content_type=content_type, size=upload.size, sha256=digest
        )
        upload.seek(0)
        file.file.save(name, upload, save=False)
        saved.append(file.file.name)
        file.save()
        stored.append(file)
    locked.status = status
    locked.updated_at = now
    completed_on = None
    if status == Status.DONE:
        locked.completed_on = reads.today_in(action.agency.timezone, now)
        completed_on = locked.completed_on.isoformat()
    locked.save(update_fields=["status", "updated_at", "completed_on"])
    update = ActionUpdate.objects.select_related("action__decision", "by").get(pk=update.pk)
    decision_log.append(
        kind=Kind.ACTION_UPDATE,
        meeting_id=action.decision.meeting_id,
        content=decision_log.update_content(
            update, stored, previous=previous, completed_on=completed_on
        ),
        by=by,
        decision_id=action.decision_id,
        action=locked,
        action_update=update,
    )
    fresh = reads.actions_base().get(pk=locked.pk)
    _send_action(fresh)
    return update, fresh, previous


def _tell_organiser(by: Official, fresh: FollowUpAction) -> None:
    """The meeting's organiser learns of an action's new status."""
    organiser = fresh.decision.meeting.organiser_id
    _tell(
        {organiser} - {by.pk},
        "action_updated",
        lambda: (
            _("%(agency)s: %(text)s is now %(status)s")
            % {
                "agency": fresh.agency.name,
                "text": fresh.description[:120],
                "status": fresh.get_status_display().lower(),
            }
        ),
        fresh,
    )


def _checked(upload: UploadedFile) -> tuple[str, str, str]:
    """A file checked as message attachments are; its name, type and SHA-256."""
    upload.seek(0)
    checked = files.check_upload(upload.name or "", upload.read(8192), upload.size or 0)
    if checked.office_zip:
        files.check_office_document(upload, checked.name)
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return checked.name, checked.content_type, digest.hexdigest()


# --- notulen --------------------------------------------------------------------------


def notulen_seal(revision: NotulenRevision) -> DecisionLogEntry:
    """The approval of a revision of the notulen, in the log (called in its transaction)."""
    return decision_log.append(
        kind=Kind.NOTULEN_APPROVED,
        meeting_id=revision.meeting_id,
        content=decision_log.notulen_content(revision),
        by=revision.approved_by,
        notulen=revision,
    )


# --- live -----------------------------------------------------------------------------


def _agency_viewers(action: FollowUpAction) -> set[int]:
    """The owing agency's officials (and the assignee) who may see the action."""
    facts = reads.action_facts(action, reads.decision_meeting_facts(action.decision))
    people = Official.objects.filter(
        Q(agency_id=action.agency_id) | Q(pk=action.assignee_id or 0), is_active=True
    )
    return {official.pk for official in people if permissions.may_view_action(official, facts)}


def _candidates(meeting: Meeting, actions: Iterable[FollowUpAction]) -> QuerySet[Official]:
    """Who might see a decision or action of `meeting`: its participants (named and through
    an invited agency), the owing agencies' officials and the assignees."""
    invited = list(meeting.agencies.values_list("agency_id", flat=True))
    owing = [action.agency_id for action in actions]
    assignees = [action.assignee_id for action in actions if action.assignee_id]
    named = meeting.participants.values_list("official_id", flat=True)
    return Official.objects.filter(
        Q(pk__in=named)
        | Q(pk=meeting.organiser_id)
        | Q(agency_id__in=invited + owing)
        | Q(pk__in=assignees),
        is_active=True,
    )


def _send(meeting_id: int, frame: dict[str, Any], official_ids: Iterable[int]) -> None:
    """To every socket of each official who may see the frame (not to the meeting's
    subscribers as such: some who may follow a meeting may not see its decisions)."""
    event = {"type": events.MEETING_EVENT, "meeting": meeting_id, "via": "direct", "frame": frame}
    for official_id in set(official_ids):
        realtime.official_broadcast_on_commit(official_id, event)


def _send_decision(decision: Decision) -> None:
    actions = list(reads.actions_base().filter(decision=decision))
    facts = reads.decision_meeting_facts(decision)
    action_facts = [reads.action_facts(action, facts) for action in actions]
    readers = [
        official.pk
        for official in _candidates(decision.meeting, actions)
        if permissions.may_view_decision(official, facts, action_facts)
    ]
    frame = {
        "type": "decision",
        "meeting": decision.meeting_id,
        "decision": reads.decision_out(decision, None),
    }
    _send(decision.meeting_id, frame, readers)


def _send_action(action: FollowUpAction) -> None:
    facts = reads.action_facts(action, reads.decision_meeting_facts(action.decision))
    readers = [
        official.pk
        for official in _candidates(action.decision.meeting, [action])
        if permissions.may_view_action(official, facts)
    ]
    frame = {
        "type": "action_updated",
        "meeting": action.decision.meeting_id,
        "action": reads.action_out(action),
    }
    _send(action.decision.meeting_id, frame, readers)


# --- reminders, overdue, escalation (the worker) ----------------------------------------


def _coordinators(agency_ids: Iterable[int]) -> set[int]:
    return set(
        Official.objects.filter(
            agency_id__in=[pk for pk in agency_ids if pk], role=Role.COORDINATOR, is_active=True
        ).values_list("pk", flat=True)
    )


def _action_people(action: FollowUpAction) -> set[int]:
    """Who is told of an action: its assignee, else the owing agency's coordinators (and,
    with no coordinator there, its officials who may see it)."""
    if action.assignee_id:
        return {action.assignee_id}
    people = _coordinators([action.agency_id])
    return people or _agency_viewers(action)


def _tell(official_ids: set[int], kind: str, text, action: FollowUpAction) -> None:
    """In the app, and by mail as each official chose for follow-up actions, in each
    official's language, to each official who may see the action."""
    if not official_ids:
        return
    facts = reads.action_facts(action, reads.decision_meeting_facts(action.decision))
    link = reads.action_url(action)
    secret = _secret(action)
    for official in Official.objects.filter(pk__in=official_ids, is_active=True).select_related(
        "agency"
    ):
        if not permissions.may_view_action(official, facts):
            continue
        with translation.override(official.language or settings.LANGUAGE_CODE):
            message = text()
            notify(
                official,
                kind,
                message,
                link,
                mail_text=_("A confidential follow-up action needs you.") if secret else "",
                mail=(
                    (
                        lambda official=official, message=message: _mail(
                            official, action, kind, message
                        )
                    )
                    if kind in SUBJECTS
                    else None
                ),
                mail_topic=f"action:{action.pk}",
                sensitive=action.decision.classification != Classification.BIASA,
            )


def _secret(action: FollowUpAction) -> bool:
    return action.decision.classification == Classification.RAHASIA or (
        action.decision.meeting.classification == Classification.RAHASIA
    )


SUBJECTS = {
    "action_due_soon": lambda: _("Follow-up action due soon"),
    "action_overdue": lambda: _("Follow-up action overdue"),
    "action_escalated": lambda: _("Overdue follow-up action of %(agency)s"),
}


def _mail(official: Official, action: FollowUpAction, kind: str, message: str) -> RakorEmail:
    secret = _secret(action)
    context = {
        "official": official,
        "message": message if not secret else _("A confidential follow-up action needs you."),
        "action": action,
        "details": not secret,
        "url": ical.site_url(reads.action_url(action)),
    }
    subject = SUBJECTS[kind]() % {"agency": action.agency.name}
    return templated_mail(subject, "meetings/email/action", context, official.email)


def actions_remind(*, now: datetime.datetime | None = None) -> int:
    """Reminders before the due date (RAKOR_ACTION_REMINDER_DAYS ahead, in the owing
    agency's zone) and on becoming overdue, with the escalation, each once even with several
    workers. Returns how many actions were chased."""
    now = now or timezone.now()
    ahead = datetime.timedelta(days=settings.RAKOR_ACTION_REMINDER_DAYS)
    chased = 0
    days = [reads.today_in(zone, now) for zone in Zone.values]
    soon = reads.actions_base().filter(
        status__in=reads.OPEN,
        reminded_at__isnull=True,
        due__gte=min(days),
        due__lte=max(days) + ahead,
    )
    for action in soon.order_by("due", "id")[:500]:
        today = reads.today_in(action.agency.timezone, now)
        if not today <= action.due <= today + ahead:
            continue
        with transaction.atomic():
            if not FollowUpAction.objects.filter(pk=action.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue  # another worker took it
            _tell(
                _action_people(action),
                "action_due_soon",
                lambda action=action: (
                    _("Due %(due)s: %(text)s")
                    % {"due": action.due.isoformat(), "text": action.description[:200]}
                ),
                action,
            )
            chased += 1
    late = reads.actions_base().filter(reads.overdue_q(now), escalated_at__isnull=True)
    for action in late.order_by("due", "id")[:500]:
        with transaction.atomic():
            if not FollowUpAction.objects.filter(pk=action.pk, escalated_at__isnull=True).update(
                escalated_at=now, reminded_at=now
            ):
                continue
            told = _action_people(action)
            _tell(
                told,
                "action_overdue",
                lambda action=action: (
                    _("Overdue since %(due)s: %(text)s")
                    % {"due": action.due.isoformat(), "text": action.description[:200]}
                ),
                action,
            )
            above = _coordinators([action.agency_id, action.agency.parent_id]) - told
            _tell(
                above,
                "action_escalated",
                lambda action=action: (
                    _("%(agency)s has not done, due %(due)s: %(text)s")
                    % {
                        "agency": action.agency.name,
                        "due": action.due.isoformat(),
                        "text": action.description[:200],
                    }
                ),
                action,
            )
            chased += 1
    return chased


# --- checks of the log ---------------------------------------------------------------------

STATUS_CHECKS_PER_MINUTE = 10


def log_status(*, by: Official) -> decision_log.Report:
    """The check `GET /api/v1/decision-log/status` answers with: the chain, the anchors and
    every row and cached state, now (the files' bytes are the worker's, every
    RAKOR_DECISION_LOG_CHECK_MINUTES). It reads the whole log, so an official may ask
    STATUS_CHECKS_PER_MINUTE times a minute."""
    if not ratelimit.allow(
        "decision-log-status", str(by.pk), limit=STATUS_CHECKS_PER_MINUTE, window_seconds=60
    ):
        raise RateLimited(
            _("The decision log was checked for you just now; ask again in a minute.")
        )
    return decision_log.verify_with_settings(check_files=False)


# --- the worker's full check of the log --------------------------------------------------


def log_check(*, now: datetime.datetime | None = None) -> decision_log.Report:
    """The full check (chain, anchors, rows, cached states, files), its result kept on the
    head row for the decisions page; when the log stops being intact, the administrators
    are told at once (in the app and by mail), and the log says which entry."""
    from meetings.models import DecisionLogHead

    report = decision_log.verify_with_settings()
    now = now or timezone.now()
    head = DecisionLogHead.objects.filter(pk=1).first()
    was_intact = head is None or head.checked_intact is not False
    DecisionLogHead.objects.filter(pk=1).update(
        checked_at=now, checked_intact=report.intact, checked_first_bad=report.first_bad
    )
    if not report.intact:
        for position, problem in report.problems[:20]:
            logger.error("decision log (entry %s): %s", position or "-", problem)
        if was_intact:
            administrators = Official.objects.filter(
                role=Role.ADMINISTRATOR, is_active=True
            ).values_list("pk", flat=True)
            for official in Official.objects.filter(pk__in=list(administrators)):
                with translation.override(official.language or settings.LANGUAGE_CODE):
                    notify(
                        official,
                        "decision_log_broken",
                        _(
                            "The decision log is NOT intact (first bad entry: %(entry)s). Run "
                            "manage.py verify_decision_log."
                        )
                        % {"entry": report.first_bad or "—"},
                        reverse("decisions:index"),
                    )
    return report
