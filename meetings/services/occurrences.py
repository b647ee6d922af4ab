"""Occurrences of a recurring meeting that gain state of their own.

An occurrence without a row is addressed by its series and its original start
(`/api/v1/meetings/{series_id}/occurrences/{recurrence_id}`); it reads as the series. The first
write that gives it state of its own (a move, a cancellation, an answer for it alone, a write
to its agenda, notulen, decisions, speakers or attendance) makes its row here: the series'
values, participants (with their answers), invited agencies, agenda and agenda editors,
copied once, with the series' UID and SEQUENCE and its RECURRENCE-ID. From then on it is a
meeting like any other, with its own id; its invitations carry its RECURRENCE-ID.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.organisation.audit import audit_record
from coordination.organisation.models import Official
from coordination.platform.errors import Conflict, NotFound
from meetings import recurrence, selectors
from meetings.models import (
    AgendaEditor,
    AgendaItem,
    Meeting,
    MeetingAgency,
    Participant,
)
from meetings.services import scheduling

COPIED = (
    "title",
    "description",
    "organiser_id",
    "agency_id",
    "timezone",
    "location",
    "language",
    "classification",
    "video",
    "video_room",
    "sequence",
    "answers_sequence",
)
AGENDA_COPIED = (
    "position",
    "title",
    "description",
    "presenter_id",
    "presenter_agency_id",
    "planned_minutes",
    "outcome",
    "links",
    "created_by_id",
)


def occurrence_row(*, series: Meeting, original_start: datetime.datetime) -> Meeting:
    """The occurrence's own row, made now from the series when it has none (in the caller's
    transaction, with the series locked, so two first writes make one row). NotFound when
    the series has no occurrence then; Conflict when the series is cancelled."""
    with transaction.atomic():
        series = Meeting.objects.select_for_update().get(pk=series.pk)
        row = Meeting.objects.filter(series=series, recurrence_id=original_start).first()
        if row is not None:
            return row
        if not series.rrule or not recurrence.is_occurrence(series, original_start):
            raise NotFound(_("The series has no occurrence then."))
        if series.is_cancelled:
            raise Conflict(
                _("This meeting is cancelled; it can no longer be changed."),
                current={"status": series.status},
            )
        now = timezone.now()
        end = original_start + (series.end - series.start)
        try:
            with transaction.atomic():
                row = Meeting.objects.create(
                    uid=series.uid,
                    series=series,
                    recurrence_id=original_start,
                    start=original_start,
                    end=end,
                    span_end=end,
                    created_at=now,
                    updated_at=now,
                    **{name: getattr(series, name) for name in COPIED},
                )
        except IntegrityError:  # made meanwhile by a writer that did not lock the series
            return Meeting.objects.get(series=series, recurrence_id=original_start)
        MeetingAgency.objects.bulk_create(
            MeetingAgency(meeting=row, agency_id=a.agency_id) for a in series.agencies.all()
        )
        Participant.objects.bulk_create(
            Participant(
                meeting=row,
                official_id=p.official_id,
                role=p.role,
                rsvp=p.rsvp,
                rsvp_at=p.rsvp_at,
                named=p.named,
                via_agency_id=p.via_agency_id,
            )
            for p in series.participants.all()
        )
        AgendaItem.objects.bulk_create(
            AgendaItem(meeting=row, **{name: getattr(item, name) for name in AGENDA_COPIED})
            for item in series.agenda_items.order_by("position")
        )
        AgendaEditor.objects.bulk_create(
            AgendaEditor(meeting=row, official_id=e.official_id, granted_by_id=e.granted_by_id)
            for e in series.agenda_editors.all()
        )
        audit_record(
            "meeting_changed",
            target=row,
            fields=["occurrence"],
            series=series.pk,
            recurrence_id=original_start.isoformat(),
        )
    return row


def occurrence_for_writing(
    *, by: Official, series_id: int, key: str, editing: bool
) -> tuple[Meeting, bool]:
    """The occurrence's row for a write by `by` (made when it has none), and whether it was
    made now. `editing`: the write changes the meeting itself, which only its editors may;
    otherwise (an answer, a write to its agenda...) the series must be visible and the
    write's own rule decides. Refusals come before any row is made."""
    occurrence = selectors.occurrence_get_visible(by, series_id, key)
    if editing:
        selectors.meeting_get_editable(by, occurrence.pk)
    if occurrence.virtual_recurrence_id is None:
        return occurrence, False
    series = selectors.meeting_get_visible(by, series_id)
    return occurrence_row(series=series, original_start=occurrence.virtual_recurrence_id), True


def occurrence_update(
    *,
    by: Official,
    series_id: int,
    key: str,
    changes: dict[str, Any],
    version: int | None = None,
) -> tuple[Meeting, list[dict[str, Any]]]:
    """Change one occurrence (a move sends a REQUEST with its RECURRENCE-ID). Made and
    changed in one transaction: a refused change leaves no row behind."""
    with transaction.atomic():
        row, made = occurrence_for_writing(by=by, series_id=series_id, key=key, editing=True)
        return scheduling.meeting_update(
            by=by, meeting_id=row.pk, changes=changes, version=None if made else version
        )


def occurrence_cancel(*, by: Official, series_id: int, key: str) -> Meeting:
    """Cancel one occurrence: a CANCEL with its RECURRENCE-ID to its participants; the series
    goes on (its invitation lists the occurrence in EXDATE from now on)."""
    with transaction.atomic():
        row, _made = occurrence_for_writing(by=by, series_id=series_id, key=key, editing=True)
        return scheduling.meeting_cancel(by=by, meeting_id=row.pk)
