"""The live meeting API: opening and closing, the item under discussion, the speakers' queue
and attendance (CONTRACT.md conventions). Thin: every endpoint calls
meetings.services.meeting_mode or meetings.selectors; the same state reaches the pages over
the socket (docs/protocol.md, "The live meeting")."""

from __future__ import annotations

from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from pydantic import StringConstraints

from coordination.platform.schemas import AUTH_ERRORS, ErrorOut, Id, Instant, PathId
from meetings import selectors
from meetings.services import meeting_mode

router = Router()

ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut, **AUTH_ERRORS}
Username = Annotated[str, StringConstraints(pattern=r"^[\w.@+-]{1,150}$")]


class MeetingModeOut(Schema):
    meeting: int
    state: Literal["not_started", "running", "ended"]
    opened_at: str | None
    closed_at: str | None
    current_item: int | None
    current_item_since: str | None = Field(
        description="When the item under discussion began (the server's clock)."
    )
    current_item_planned_minutes: int | None
    server_time: str = Field(description="The server's clock when this was read.")


class SpeakerOut(Schema):
    id: int
    username: str
    name: str
    agency: str | None
    status: Literal["waiting", "speaking", "done", "withdrawn"]
    asked_at: str
    called_at: str | None
    limit_seconds: int | None


class SpeakersOut(Schema):
    meeting: int
    item: int | None = Field(description="The item under discussion the queue is for.")
    speaking: SpeakerOut | None
    queue: list[SpeakerOut] = Field(description="Who waits, in the order they asked.")
    spoken: int
    server_time: str


class MarkOut(Schema):
    status: Literal["present", "gone"]
    at: str


class AttendeeOut(Schema):
    username: str
    name: str
    agency: str | None
    role: Literal["chair", "note_taker", "required", "optional"]
    joined_at: str | None = Field(description="First join through Rakor's join page.")
    mark: MarkOut | None = Field(description="The chair's latest mark.")
    present: bool


class AttendanceOut(Schema):
    meeting: int
    attendance: list[AttendeeOut]
    present: int


class LiveOut(Schema):
    meeting: int
    mode: MeetingModeOut
    speakers: SpeakersOut
    attendance: AttendanceOut
    may_run: bool
    may_take_part: bool


class CurrentItemIn(Schema):
    item: Id | None = Field(description="The agenda item now under discussion (null: none).")


class SpeakersIn(Schema):
    action: Literal["ask", "withdraw", "call_next", "finish"] = Field(
        description="ask and withdraw: a participant for themselves; call_next and finish: "
        "the chair."
    )
    limit_seconds: Annotated[int, Field(ge=10, le=meeting_mode.MAX_LIMIT_SECONDS)] | None = Field(
        None, description="With call_next: how long the speaker may speak."
    )


class MarkIn(Schema):
    username: Username
    status: Literal["present", "gone"]
    at: Instant | None = Field(None, description="When (default: now; at most a day back).")


def _mode(meeting) -> dict:
    return selectors.meeting_mode_out(meeting, now=timezone.now())


@router.post(
    "/meetings/{meeting_id}/start",
    response={200: MeetingModeOut, **ERRORS},
    summary="Open the meeting (the chair or the organiser)",
)
def meeting_start(request: HttpRequest, meeting_id: PathId):
    return _mode(meeting_mode.meeting_open(by=request.auth, meeting_id=meeting_id))


@router.post(
    "/meetings/{meeting_id}/end",
    response={200: MeetingModeOut, **ERRORS},
    summary="Close the meeting",
)
def meeting_end(request: HttpRequest, meeting_id: PathId):
    return _mode(meeting_mode.meeting_close(by=request.auth, meeting_id=meeting_id))


@router.post(
    "/meetings/{meeting_id}/current-item",
    response={200: MeetingModeOut, **ERRORS},
    summary="Mark the agenda item under discussion (its timer starts)",
)
def meeting_current_item(request: HttpRequest, meeting_id: PathId, payload: CurrentItemIn):
    meeting = meeting_mode.meeting_current_item_set(
        by=request.auth, meeting_id=meeting_id, item_id=payload.item
    )
    return _mode(meeting)


@router.get(
    "/meetings/{meeting_id}/live",
    response={200: LiveOut, **ERRORS},
    summary="The meeting mode, the speakers' queue and attendance at once",
)
def meeting_live(request: HttpRequest, meeting_id: PathId):
    return selectors.live_state_visible(request.auth, meeting_id, now=timezone.now())


@router.get(
    "/meetings/{meeting_id}/speakers",
    response={200: SpeakersOut, **ERRORS},
    summary="The speakers' queue of the item under discussion",
)
def speakers_get(request: HttpRequest, meeting_id: PathId):
    meeting = selectors.meeting_get_visible(request.auth, meeting_id)
    return selectors.speaker_queue_out(meeting, now=timezone.now())


@router.post(
    "/meetings/{meeting_id}/speakers",
    response={200: SpeakersOut, **ERRORS},
    summary="Ask to speak, withdraw, or (the chair) call the next speaker or end a turn",
)
def speakers_post(request: HttpRequest, meeting_id: PathId, payload: SpeakersIn):
    by = request.auth
    if payload.action == "ask":
        meeting_mode.speaker_ask(by=by, meeting_id=meeting_id)
    elif payload.action == "withdraw":
        meeting_mode.speaker_withdraw(by=by, meeting_id=meeting_id)
    elif payload.action == "call_next":
        meeting_mode.speaker_call_next(
            by=by, meeting_id=meeting_id, limit_seconds=payload.limit_seconds
        )
    else:
        meeting_mode.speaker_finish(by=by, meeting_id=meeting_id)
    meeting = selectors.meeting_get_visible(by, meeting_id)
    return selectors.speaker_queue_out(meeting, now=timezone.now())


@router.get(
    "/meetings/{meeting_id}/attendance",
    response={200: AttendanceOut, **ERRORS},
    summary="Who attends, by agency: joins through the join page and the chair's marks",
)
def attendance_get(request: HttpRequest, meeting_id: PathId):
    return selectors.attendance_out(selectors.meeting_get_visible(request.auth, meeting_id))


@router.post(
    "/meetings/{meeting_id}/attendance",
    response={200: AttendanceOut, **ERRORS},
    summary="Mark a participant present or gone (the chair)",
)
def attendance_post(request: HttpRequest, meeting_id: PathId, payload: MarkIn):
    mark = meeting_mode.attendance_mark(
        by=request.auth,
        meeting_id=meeting_id,
        username=payload.username,
        status=payload.status,
        at=payload.at,
    )
    return selectors.attendance_out(mark.meeting)
