"""The notulen (notula rapat): written by the note taker during and after the meeting,
submitted, approved by the chair or returned with a comment.

The rules (docs/permissions.md): the note takers write (where none is named, the organiser);
the chair approves (where none is named, the organiser); participants read the notes as they
are written. Every revision carries a version: a save based on an older one is a Conflict
carrying the revision as it is now. An approved revision is read-only: a correction is a new
revision, started from the approved text, that says what it corrects, and is approved like
the first. Approval is an entry of the decision log (meetings.services.decisions), and
sends `meetings.signals.notulen_approved` after commit. Each change tells the sockets
following the meeting (`notulen_updated`: which revision, its status and version; pages that
may read it fetch it).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.models import Official
from coordination.organisation.notifications import notify
from coordination.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from meetings import events, ical, selectors, signals
from meetings.models import AgendaItem, Meeting, NotulenRevision
from meetings.services import decisions

SECTION_MAX = 20_000
Status = NotulenRevision.Status


def _meeting_for(by: Official, meeting_id: int, *, approve: bool = False) -> Meeting:
    meeting = selectors.meeting_get_visible(by, meeting_id)
    facts = selectors.meeting_facts(meeting)
    if approve:
        if not permissions.may_approve_notulen(by, facts):
            permissions.permission_denied(official=by, action="approve notulen", target=meeting)
            raise Forbidden(_("Only the chair approves the notulen."))
    elif not permissions.may_take_notes(by, facts):
        permissions.permission_denied(official=by, action="write notulen", target=meeting)
        raise Forbidden(_("Only the note taker writes the notulen."))
    return meeting


def _latest(meeting: Meeting) -> NotulenRevision | None:
    return NotulenRevision.objects.filter(meeting=meeting).order_by("-number").first()


def _conflict(revision: NotulenRevision | None) -> Conflict:
    current = (
        selectors.notulen_revision_out(revision)
        if revision is not None
        else {"revision": 0, "version": 0}
    )
    return Conflict(
        _("Someone else changed the notulen meanwhile; this is what they say now."),
        current=current,
    )


def _send(meeting: Meeting, revision: NotulenRevision) -> None:
    events.live_broadcast_on_commit(
        meeting.pk,
        {
            "type": "notulen_updated",
            "meeting": meeting.pk,
            "revision": revision.number,
            "status": revision.status,
            "version": revision.version,
        },
    )


def _content(meeting: Meeting, items: dict[int, str], sections: dict[str, str]) -> dict[str, Any]:
    known = set(AgendaItem.objects.filter(meeting=meeting).values_list("pk", flat=True))
    unknown = sorted(set(items) - known)
    if unknown:
        raise NotFound(
            _("Notes for items that are not on this meeting's agenda: %(ids)s")
            % {"ids": ", ".join(map(str, unknown))},
            fields={"items": [str(pk) for pk in unknown]},
        )
    return {  # a correction starts afresh: its record is taken when it is approved
        "items": {str(pk): notes for pk, notes in items.items() if notes},
        **{name: sections.get(name, "") for name in selectors.NOTULEN_SECTIONS},
    }


def notulen_save(
    *,
    by: Official,
    meeting_id: int,
    version: int,
    items: dict[int, str],
    sections: dict[str, str],
    corrects: str = "",
) -> NotulenRevision:
    """Save the notes (per agenda item, and the opening, decisions, actions and closing).
    `version` is the one they were written on (0 before anything is saved). Saving over
    approved notulen starts a correction, which must say what it corrects; submitted notulen
    wait for the chair and change only when returned."""
    meeting = _meeting_for(by, meeting_id)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        latest = _latest(meeting)
        if (latest.version if latest else 0) != version:
            raise _conflict(latest)
        content = _content(meeting, items, sections)
        now = timezone.now()
        if latest is not None and latest.status == Status.SUBMITTED:
            raise Conflict(
                _("The notulen await the chair's approval; they change once returned."),
                current=selectors.notulen_revision_out(latest),
            )
        if latest is None or latest.status == Status.APPROVED:
            if latest is not None and not corrects.strip():
                raise InvalidInput(
                    _("Approved notulen are read-only: a correction says what it corrects."),
                    fields={"corrects": [_("This field is required.")]},
                )
            revision = NotulenRevision.objects.create(
                meeting=meeting,
                number=(latest.number + 1) if latest else 1,
                content=content,
                corrects=corrects.strip() if latest else "",
                written_by=by,
                updated_at=now,
            )
        else:
            revision = latest
            revision.content = content
            if corrects.strip() and revision.number > 1:
                revision.corrects = corrects.strip()
            revision.version += 1
            revision.written_by = by
            revision.updated_at = now
            revision.save()
        _send(meeting, revision)
        return revision


def _transition(
    by: Official, meeting_id: int, version: int, *, approve: bool, allowed: tuple[str, ...]
) -> tuple[Meeting, NotulenRevision]:
    meeting = _meeting_for(by, meeting_id, approve=approve)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    latest = _latest(meeting)
    if latest is None or latest.version != version:
        raise _conflict(latest)
    if latest.status not in allowed:
        raise Conflict(
            _("The notulen are %(status)s; that cannot be done now.")
            % {"status": latest.get_status_display().lower()},
            current=selectors.notulen_revision_out(latest),
        )
    return meeting, latest


def notulen_submit(*, by: Official, meeting_id: int, version: int) -> NotulenRevision:
    """The note taker hands the notulen to the chair for approval."""
    with transaction.atomic():
        meeting, revision = _transition(
            by, meeting_id, version, approve=False, allowed=(Status.DRAFT, Status.RETURNED)
        )
        revision.status = Status.SUBMITTED
        revision.submitted_at = timezone.now()
        revision.version += 1
        revision.save(update_fields=["status", "submitted_at", "version"])
        _send(meeting, revision)
        _tell_chairs(meeting, by)
        return revision


def _tell_chairs(meeting: Meeting, by: Official) -> None:
    """The chairs learn that notulen await their approval, each in their language."""
    chairs = selectors.meeting_facts(meeting).chair_ids
    for chair in Official.objects.filter(pk__in=set(chairs) - {by.pk}, is_active=True):
        with translation.override(chair.language or settings.LANGUAGE_CODE):
            text = _("%(name)s asks you to approve the notulen of %(meeting)s")
            notify(
                chair,
                "notulen_approval",
                text % {"name": by.display_name, "meeting": meeting.title[:200]},
                meeting.get_absolute_url() + "#notulen",
                mail_text=text
                % {
                    "name": by.display_name,
                    "meeting": ical.public_title(meeting, in_active_language=True)[:200],
                },
            )


def notulen_approve(*, by: Official, meeting_id: int, version: int) -> NotulenRevision:
    """The chair approves the submitted notulen: from now on they are the official record,
    read-only, and sealed: one entry of the decision log, in the same transaction
    (`signals.notulen_approved` follows after commit)."""
    with transaction.atomic():
        meeting, revision = _transition(
            by, meeting_id, version, approve=True, allowed=(Status.SUBMITTED,)
        )
        revision.status = Status.APPROVED
        revision.approved_by = by
        revision.approved_at = timezone.now()
        revision.version += 1
        # The record keeps the agenda and attendance it was approved with.
        revision.content = {**revision.content, "record": selectors.notulen_record(meeting)}
        revision.save(update_fields=["status", "approved_by", "approved_at", "version", "content"])
        decisions.notulen_seal(revision)  # in the decision log, in the same transaction
        _send(meeting, revision)
        transaction.on_commit(
            lambda: signals.notulen_approved.send(sender=NotulenRevision, revision=revision)
        )
        return revision


def notulen_return(*, by: Official, meeting_id: int, version: int, comment: str) -> NotulenRevision:
    """The chair sends the submitted notulen back to the note taker, saying why."""
    if not comment.strip():
        raise InvalidInput(
            _("Say what should change."), fields={"comment": [_("This field is required.")]}
        )
    with transaction.atomic():
        meeting, revision = _transition(
            by, meeting_id, version, approve=True, allowed=(Status.SUBMITTED,)
        )
        revision.status = Status.RETURNED
        revision.returned_comment = comment.strip()
        revision.version += 1
        revision.save(update_fields=["status", "returned_comment", "version"])
        _send(meeting, revision)
        return revision
