"""Joining a meeting's video room: only its participants and its organiser, only while it is
scheduled and has a room, and only within its join window; each join is recorded
(attendance) and shown live."""

from __future__ import annotations

from django.utils import timezone

from coordination.organisation.models import Official
from meetings import selectors
from meetings.models import Attendance
from meetings.services.meeting_mode import attendance_send_on_commit
from meetings.services.occurrences import occurrence_row
from meetings.video import provider as video_provider


def meeting_join(*, official: Official, meeting_id: int) -> str:
    """Where a participant joining the video meeting goes (with a Jitsi token of their own,
    when Rakor has one to sign); each join is recorded. Only participants and the organiser
    join, only a scheduled meeting with a video room, and only from shortly before its start
    until its end (selectors.join_refusal)."""
    meeting = selectors.meeting_get_visible(official, meeting_id)
    now = timezone.now()
    refusal = selectors.join_refusal(official, meeting, now=now)
    if refusal is not None:
        raise refusal
    if meeting.is_series:
        # The occurrence under way: a join is attendance, state of its own (its row).
        current = selectors.occurrence_to_join(meeting, now)
        if current.virtual_recurrence_id is not None:
            current = occurrence_row(series=meeting, original_start=current.virtual_recurrence_id)
        meeting = current
    Attendance.objects.create(meeting=meeting, official=official)
    attendance_send_on_commit(meeting)
    return video_provider(meeting.video).join_url(meeting, official)
