"""Meetings that invited an agency whole follow its officials: one who leaves the agency is
removed from its upcoming meetings (with a CANCEL), one who joins is invited to them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coordination.organisation.models import Official
from meetings import events, invitations, selectors
from meetings.models import Meeting, Participant
from meetings.services.scheduling import _sync_room, meeting_bump


def agency_participants_move(
    *, official_id: int, old_agency_id: int | None, new_agency_id: int | None
) -> None:
    """An official joined or left an agency: upcoming meetings that invited the agency whole
    follow. Leaving: a participant through the old agency only is removed (with a CANCEL).
    Joining: the official is invited to the new agency's upcoming meetings."""
    official = Official.objects.filter(pk=official_id).first()
    if official is None:
        return
    upcoming = Meeting.objects.filter(status=Meeting.Status.SCHEDULED, end__gt=timezone.now())
    if old_agency_id is not None:
        leaving = Participant.objects.filter(
            official_id=official_id,
            named=False,
            via_agency_id=old_agency_id,
            meeting__in=upcoming,
        ).values_list("meeting_id", flat=True)
        for meeting_id in list(leaving):
            with transaction.atomic():
                meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
                gone = list(
                    Participant.objects.select_related("official").filter(
                        meeting=meeting, official_id=official_id, named=False
                    )
                )
                if not gone:
                    continue
                Participant.objects.filter(pk__in=[p.pk for p in gone]).delete()
                meeting_bump(meeting, significant=False, resend=True)
                meeting.save(update_fields=["sequence", "version", "updated_at"])
                everyone = selectors.participant_list(meeting)
                _sync_room(meeting, everyone)
                invitations.invitation_queue(
                    meeting, gone, recipients=gone, method="CANCEL", kind="removal"
                )
                events.meeting_changed_on_commit(meeting, everyone, removed=gone)
    if new_agency_id is not None and official.is_active:
        joining = upcoming.filter(agencies__agency_id=new_agency_id).exclude(
            participants__official_id=official_id
        )
        for meeting_id in list(joining.values_list("pk", flat=True)):
            with transaction.atomic():
                meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
                if Participant.objects.filter(meeting=meeting, official_id=official_id).exists():
                    continue
                Participant.objects.create(
                    meeting=meeting,
                    official_id=official_id,
                    role=Participant.Role.REQUIRED,
                    named=False,
                    via_agency_id=new_agency_id,
                )
                meeting_bump(meeting, significant=False, resend=False)
                meeting.save(update_fields=["version", "updated_at"])
                everyone = selectors.participant_list(meeting)
                newcomer = [p for p in everyone if p.official_id == official_id]
                _sync_room(meeting, everyone)
                invitations.invitation_queue(
                    meeting, everyone, recipients=newcomer, method="REQUEST", kind="invitation"
                )
                events.meeting_changed_on_commit(meeting, newcomer)
