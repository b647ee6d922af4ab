"""Live meeting mode: the chair opens the meeting, marks the item under discussion (its timer
runs on the server's clock), calls speakers from the queue, marks who is present, and closes
the meeting.

The rules: the chair and the organiser run the meeting; participants (and the organiser) ask
to speak and are marked present; everyone who may see the meeting follows it
(docs/permissions.md). A meeting runs between its opening and its closing; a cancelled one
is never opened. Each write locks the meeting's row, and its result reaches every socket
subscribed to the meeting after commit: `meeting_mode`, `speakers`, `attendance`, and
`agenda_item` for an item whose status changed (docs/protocol.md).
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.models import Official
from coordination.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from meetings import events, selectors
from meetings.models import AgendaItem, AttendanceMark, Meeting, Participant, SpeakerRequest

MAX_LIMIT_SECONDS = 60 * 60
# The chair may record a time this far back (marking late what happened) and no later
# than now.
MARK_PAST = datetime.timedelta(days=1)


def _runnable(by: Official, meeting_id: int) -> Meeting:
    """The meeting, when `by` runs it: NotFound when they may not see it, Forbidden
    (audited) when they only follow it."""
    meeting = selectors.meeting_get_visible(by, meeting_id)
    if not permissions.may_run_meeting(by, selectors.meeting_facts(meeting)):
        permissions.permission_denied(official=by, action="run meeting", target=meeting)
        raise Forbidden(_("Only the chair and the organiser run the meeting."))
    return meeting


def _locked(meeting_id: int) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
    if meeting.is_cancelled:
        raise Conflict(_("This meeting is cancelled."), current={"status": meeting.status})
    return meeting


def _running(meeting: Meeting) -> None:
    state = selectors.meeting_mode_state(meeting)
    if state == "not_started":
        raise Conflict(_("The meeting has not been opened yet."), current={"state": state})
    if state == "ended":
        raise Conflict(_("The meeting has ended."), current={"state": state})


def _send_mode(meeting: Meeting, now: datetime.datetime) -> None:
    events.live_broadcast_on_commit(
        meeting.pk, {"type": "meeting_mode"} | selectors.meeting_mode_out(meeting, now=now)
    )


def _send_speakers(meeting: Meeting, now: datetime.datetime) -> None:
    events.live_broadcast_on_commit(
        meeting.pk, {"type": "speakers"} | selectors.speaker_queue_out(meeting, now=now)
    )


def attendance_send_on_commit(meeting: Meeting) -> None:
    """The attendance list to every socket following the meeting (after a join, a mark)."""
    events.live_broadcast_on_commit(
        meeting.pk, {"type": "attendance"} | selectors.attendance_out(meeting)
    )


def _item_status(meeting: Meeting, item: AgendaItem, status: str) -> None:
    if item.status == status:
        return
    item.status = status
    item.version += 1
    item.updated_at = timezone.now()
    item.save(update_fields=["status", "version", "updated_at"])
    events.live_broadcast_on_commit(
        meeting.pk,
        {
            "type": "agenda_item",
            "meeting": meeting.pk,
            "item": selectors.agenda_item_out(item),
            "order_version": meeting.agenda_version,
        },
    )


def _finish_speaking(meeting: Meeting, now: datetime.datetime) -> None:
    SpeakerRequest.objects.filter(meeting=meeting, status=SpeakerRequest.Status.SPEAKING).update(
        status=SpeakerRequest.Status.DONE, finished_at=now
    )


def meeting_open(*, by: Official, meeting_id: int) -> Meeting:
    """Open the meeting (the chair or the organiser). Opening an open meeting changes
    nothing; a meeting that ended is not opened again."""
    meeting = _runnable(by, meeting_id)
    with transaction.atomic():
        meeting = _locked(meeting.pk)
        if meeting.closed_at is not None:
            raise Conflict(_("The meeting has ended."), current={"state": "ended"})
        if meeting.opened_at is None:
            now = timezone.now()
            meeting.opened_at = now
            meeting.save(update_fields=["opened_at"])
            _send_mode(meeting, now)
        return meeting


def meeting_close(*, by: Official, meeting_id: int) -> Meeting:
    """Close the meeting: the item under discussion is done, whoever speaks has spoken.
    Closing a closed meeting changes nothing."""
    meeting = _runnable(by, meeting_id)
    with transaction.atomic():
        meeting = _locked(meeting.pk)
        if meeting.opened_at is None:
            raise Conflict(
                _("The meeting has not been opened yet."), current={"state": "not_started"}
            )
        if meeting.closed_at is None:
            now = timezone.now()
            if meeting.current_item is not None:
                _item_status(meeting, meeting.current_item, AgendaItem.Status.DONE)
            _finish_speaking(meeting, now)
            meeting.closed_at = now
            meeting.current_item = None
            meeting.current_item_since = None
            meeting.save(update_fields=["closed_at", "current_item", "current_item_since"])
            _send_mode(meeting, now)
            _send_speakers(meeting, now)
        return meeting


def meeting_current_item_set(*, by: Official, meeting_id: int, item_id: int | None) -> Meeting:
    """Make `item_id` the item under discussion (None: none), from now: its timer starts
    and its speakers' queue opens. The item before is done, unless it was deferred."""
    meeting = _runnable(by, meeting_id)
    with transaction.atomic():
        meeting = _locked(meeting.pk)
        _running(meeting)
        item = None
        if item_id is not None:
            item = AgendaItem.objects.filter(pk=item_id, meeting=meeting).first()
            if item is None:
                raise NotFound(_("No such agenda item."), fields={"item": [str(item_id)]})
        if item is not None and item.pk == meeting.current_item_id:
            return meeting
        now = timezone.now()
        previous = meeting.current_item
        if previous is not None and previous.status == AgendaItem.Status.IN_DISCUSSION:
            _item_status(meeting, previous, AgendaItem.Status.DONE)
        _finish_speaking(meeting, now)
        if item is not None:
            _item_status(meeting, item, AgendaItem.Status.IN_DISCUSSION)
        meeting.current_item = item
        meeting.current_item_since = now if item is not None else None
        meeting.save(update_fields=["current_item", "current_item_since"])
        _send_mode(meeting, now)
        _send_speakers(meeting, now)
        return meeting


# --- the speakers' queue -----------------------------------------------------------------


def _participating(by: Official, meeting_id: int) -> Meeting:
    meeting = selectors.meeting_get_visible(by, meeting_id)
    if not permissions.may_take_part(by, selectors.meeting_facts(meeting)):
        permissions.permission_denied(official=by, action="ask to speak", target=meeting)
        raise Forbidden(_("Only the meeting's participants may ask to speak."))
    return meeting


def speaker_ask(*, by: Official, meeting_id: int) -> SpeakerRequest:
    """Ask to speak on the item under discussion: the official joins the end of its queue.
    Asking again while waiting (or speaking) keeps the place they have."""
    meeting = _participating(by, meeting_id)
    with transaction.atomic():
        meeting = _locked(meeting.pk)
        _running(meeting)
        turn = SpeakerRequest.objects.filter(
            meeting=meeting,
            item_id=meeting.current_item_id,
            official=by,
            status__in=[SpeakerRequest.Status.WAITING, SpeakerRequest.Status.SPEAKING],
        ).first()
        if turn is not None:
            return turn
        turn = SpeakerRequest.objects.create(
            meeting=meeting, item_id=meeting.current_item_id, official=by
        )
        _send_speakers(meeting, timezone.now())
        return turn


def speaker_withdraw(*, by: Official, meeting_id: int) -> None:
    """Leave the queue (or stop speaking). Nothing to withdraw changes nothing."""
    meeting = _participating(by, meeting_id)
    with transaction.atomic():
        meeting = _locked(meeting.pk)
        now = timezone.now()
        changed = SpeakerRequest.objects.filter(
            meeting=meeting, official=by, status=SpeakerRequest.Status.WAITING
        ).update(status=SpeakerRequest.Status.WITHDRAWN, finished_at=now)
        changed += SpeakerRequest.objects.filter(
            meeting=meeting, official=by, status=SpeakerRequest.Status.SPEAKING
        ).update(status=SpeakerRequest.Status.DONE, finished_at=now)
        if changed:
            _send_speakers(meeting, now)


def speaker_call_next(
    *, by: Official, meeting_id: int, limit_seconds: int | None = None
) -> SpeakerRequest | None:
    """The chair calls the next speaker (whoever spoke has spoken), optionally for at most
    `limit_seconds`; None when nobody waits."""
    if limit_seconds is not None and not 10 <= limit_seconds <= MAX_LIMIT_SECONDS:
        raise InvalidInput(
            _("A speaking time is between 10 seconds and an hour."),
            fields={"limit_seconds": [_("Out of range.")]},
        )
    meeting = _runnable(by, meeting_id)
    with transaction.atomic():
        meeting = _locked(meeting.pk)
        _running(meeting)
        now = timezone.now()
        _finish_speaking(meeting, now)
        turn = (
            SpeakerRequest.objects.filter(
                meeting=meeting,
                item_id=meeting.current_item_id,
                status=SpeakerRequest.Status.WAITING,
            )
            .order_by("asked_at", "id")
            .first()
        )
        if turn is not None:
            turn.status = SpeakerRequest.Status.SPEAKING
            turn.called_at = now
            turn.limit_seconds = limit_seconds
            turn.save(update_fields=["status", "called_at", "limit_seconds"])
        _send_speakers(meeting, now)
        return turn


def speaker_finish(*, by: Official, meeting_id: int) -> None:
    """The chair ends the current speaker's turn without calling the next."""
    meeting = _runnable(by, meeting_id)
    with transaction.atomic():
        meeting = _locked(meeting.pk)
        now = timezone.now()
        _finish_speaking(meeting, now)
        _send_speakers(meeting, now)


# --- attendance ----------------------------------------------------------------------------


def attendance_mark(
    *,
    by: Official,
    meeting_id: int,
    username: str,
    status: str,
    at: datetime.datetime | None = None,
) -> AttendanceMark:
    """The chair marks a participant present (from `at`) or gone (at `at`); `at` is now
    when not given, never later than now and at most a day back."""
    if status not in AttendanceMark.Status.values:
        raise InvalidInput(
            _("status is one of: %(choices)s")
            % {"choices": ", ".join(AttendanceMark.Status.values)},
            fields={"status": [_("Unknown status.")]},
        )
    now = timezone.now()
    at = at or now
    if at > now + datetime.timedelta(minutes=1) or at < now - MARK_PAST:
        raise InvalidInput(
            _("The time is between a day ago and now."), fields={"at": [_("Out of range.")]}
        )
    meeting = _runnable(by, meeting_id)
    participant = (
        Participant.objects.select_related("official")
        .filter(meeting=meeting, official__username=username)
        .first()
    )
    if participant is None:
        raise NotFound(
            _("%(name)s is not a participant of this meeting.") % {"name": username},
            fields={"username": [username]},
        )
    with transaction.atomic():
        meeting = _locked(meeting.pk)
        mark = AttendanceMark.objects.create(
            meeting=meeting, official=participant.official, status=status, at=at, marked_by=by
        )
        attendance_send_on_commit(meeting)
        return mark
