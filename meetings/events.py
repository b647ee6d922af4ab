"""Live frames about meetings, sent after commit: `meeting_updated` to every participant's
sockets and to sockets subscribed to the meeting, `rsvp_updated` to subscribed sockets."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from coordination.platform import realtime
from meetings.models import Meeting, Participant

MEETING_EVENT = "meeting.event"  # the consumer's handler: sends event["frame"] as it is


def meeting_group(meeting_id: int) -> str:
    return f"meeting.{meeting_id}"


def meeting_frame(meeting: Meeting) -> dict[str, Any]:
    return {
        "type": "meeting_updated",
        "meeting": {
            "id": meeting.pk,
            "title": meeting.title,
            "start": meeting.start.isoformat(),
            "end": meeting.end.isoformat(),
            "timezone": meeting.timezone,
            "location": meeting.location,
            "status": meeting.status,
            "sequence": meeting.sequence,
            "version": meeting.version,
        },
    }


def tally(meeting_id: int, *, rsvps: Iterable[str] | None = None) -> dict[str, int]:
    """How many participants gave each answer; `rsvps`: every participant's answer, when the
    caller has read them (else one query)."""
    if rsvps is None:
        rsvps = Participant.objects.filter(meeting_id=meeting_id).values_list("rsvp", flat=True)
    counts = Counter(rsvps)
    return {answer: counts.get(answer, 0) for answer in Participant.Rsvp.values}


def rsvp_frame(meeting: Meeting, participant: Participant) -> dict[str, Any]:
    return {
        "type": "rsvp_updated",
        "meeting": meeting.pk,
        "username": participant.official.username,
        "name": participant.official.display_name,
        "role": participant.role,
        "response": participant.rsvp,
        "tally": tally(meeting.pk),
    }


def meeting_changed_on_commit(
    meeting: Meeting,
    participants: Iterable[Participant],
    *,
    removed: Iterable[Participant] = (),
) -> None:
    """To every participant's sockets and to sockets subscribed to the meeting; a socket
    that is both gets it once (the consumer drops the participant's copy). Participants just
    removed learn only that they are removed, not the meeting's new details."""
    frame = meeting_frame(meeting)
    personal = {"type": MEETING_EVENT, "meeting": meeting.pk, "via": "official", "frame": frame}
    for official_id in {p.official_id for p in participants} | {meeting.organiser_id}:
        realtime.official_broadcast_on_commit(official_id, personal)
    gone = {
        "type": MEETING_EVENT,
        "meeting": meeting.pk,
        "via": "official",
        "frame": {"type": "meeting_updated", "meeting": {"id": meeting.pk, "removed": True}},
    }
    for participant in removed:
        realtime.official_broadcast_on_commit(participant.official_id, gone)
    realtime.group_broadcast_on_commit(
        meeting_group(meeting.pk),
        {"type": MEETING_EVENT, "meeting": meeting.pk, "via": "meeting", "frame": frame},
    )


def rsvp_changed_on_commit(meeting: Meeting, participant: Participant) -> None:
    """To sockets subscribed to the meeting (the organiser's meeting page, say)."""
    realtime.group_broadcast_on_commit(
        meeting_group(meeting.pk),
        {
            "type": MEETING_EVENT,
            "meeting": meeting.pk,
            "via": "meeting",
            "frame": rsvp_frame(meeting, participant),
        },
    )


# --- the live meeting: its agenda (meetings.live_socket forwards these as they are) --------

MEETING_LIVE = "meeting.live"


def live_broadcast_on_commit(meeting_id: int, frame: dict[str, Any]) -> None:
    """A frame of the live meeting (agenda_item, agenda_item_removed, agenda_order) to every
    socket subscribed to the meeting, after commit."""
    realtime.group_broadcast_on_commit(
        meeting_group(meeting_id), {"type": MEETING_LIVE, "meeting": meeting_id, "frame": frame}
    )


def live_to_officials_on_commit(
    official_ids: Iterable[int], meeting_id: int, frame: dict[str, Any]
) -> None:
    """A frame of the live meeting for some officials only (a proposal, for those who decide
    on it and for the one who made it), to each of their sockets, after commit."""
    for official_id in set(official_ids):
        realtime.official_broadcast_on_commit(
            official_id, {"type": MEETING_LIVE, "meeting": meeting_id, "frame": frame}
        )
