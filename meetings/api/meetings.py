"""The meetings API (CONTRACT.md conventions). Thin: every endpoint calls meetings.services
or meetings.selectors, as the pages do."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from coordination.organisation.models import Classification
from coordination.platform.errors import NotFound
from coordination.platform.schemas import (
    AUTH_ERRORS,
    ErrorOut,
    Id,
    Instant,
    NonBlankText,
    PathId,
    Text,
)
from meetings import feeds, ical, selectors
from meetings.models import Meeting
from meetings.services import answers, occurrences, scheduling
from meetings.services import feeds as feed_services
from meetings.services.scheduling import Invitee

router = Router()

ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut, **AUTH_ERRORS}
Username = Annotated[str, StringConstraints(pattern=r"^[\w.@+-]{1,150}$")]
AgencyCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{1,40}$")]
ZoneName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_+/-]{1,64}$")]
MeetingId = PathId
RRULE_HELP = (
    "Repeat rule (RFC 5545 RRULE value): FREQ=DAILY, WEEKLY (BYDAY=MO,WE) or MONTHLY "
    "(BYMONTHDAY=7, or BYDAY=2TU / -1FR); INTERVAL; COUNT or UNTIL. Computed in the meeting's "
    "zone; `start` is the first occurrence."
)
Rule = Annotated[str, StringConstraints(max_length=300, pattern=r"^[A-Za-z0-9=;,:+-]*$")]
OccurrenceKey = Annotated[
    str,
    StringConstraints(
        pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
        max_length=40,
    ),
]
Role = Literal["chair", "note_taker", "required", "optional"]
Rsvp = Literal["needs_action", "accepted", "declined", "tentative"]


class ParticipantIn(Schema):
    username: Username
    role: Role = "required"


TITLE_MAX = Meeting._meta.get_field("title").max_length
DESCRIPTION_MAX = Meeting._meta.get_field("description").max_length
LOCATION_MAX = Meeting._meta.get_field("location").max_length


class MeetingIn(Schema):
    title: NonBlankText = Field(max_length=TITLE_MAX)
    description: Text = Field("", max_length=DESCRIPTION_MAX)
    start: Instant = Field(description="An instant, ISO 8601 with its UTC offset.")
    end: Instant
    timezone: ZoneName | None = Field(
        None, description="The meeting's IANA zone (default: the organiser's)."
    )
    location: Text = Field("", max_length=LOCATION_MAX)
    language: Literal["id", "en"] | None = None
    participants: list[ParticipantIn] = Field(
        default_factory=list, max_length=scheduling.MAX_PARTICIPANTS
    )
    agencies: list[AgencyCode] = Field(default_factory=list, max_length=200)
    video: Literal["jitsi", "none"] = "jitsi"
    classification: Classification = Classification.BIASA
    rrule: Rule = Field("", description=RRULE_HELP)
    exdates: list[Instant] = Field(
        default_factory=list,
        max_length=500,
        description="Occurrences left out of the series (EXDATE): their original starts.",
    )


class MeetingPatch(Schema):
    title: NonBlankText | None = Field(None, max_length=TITLE_MAX)
    description: Text | None = Field(None, max_length=DESCRIPTION_MAX)
    start: Instant | None = None
    end: Instant | None = None
    timezone: ZoneName | None = None
    location: Text | None = Field(None, max_length=LOCATION_MAX)
    language: Literal["id", "en"] | None = None
    participants: list[ParticipantIn] | None = Field(None, max_length=scheduling.MAX_PARTICIPANTS)
    agencies: list[AgencyCode] | None = Field(None, max_length=200)
    video: Literal["jitsi", "none"] | None = None
    classification: Classification | None = None
    rrule: Rule | None = Field(None, description=RRULE_HELP + ' "" makes it a single meeting.')
    exdates: list[Instant] | None = Field(None, max_length=500)
    version: Id | None = Field(
        None,
        description="The version you edited (from GET): a meeting changed since is 409 "
        "`conflict` with the current version, and nothing is saved.",
    )


class PersonOut(Schema):
    username: str
    name: str


class AgencyRefOut(Schema):
    code: str
    name: str


class BusyOut(Schema):
    username: str
    name: str
    meeting: str | None = Field(description="The other meeting's title, when you may see it.")
    start: str
    end: str


class DeliveryOut(Schema):
    state: Literal["queued", "sending", "sent", "failed"]
    kind: str
    attempts: int
    error: str
    sent_at: str | None


class ParticipantOut(Schema):
    username: str
    name: str
    agency: str | None
    role: Role
    rsvp: Rsvp
    named: bool = Field(description="Invited by name (else through an invited agency).")
    via_agency: str | None
    delivery: DeliveryOut | None = Field(
        description="The invitation mail's state (organiser and editors only)."
    )


class MeetingSummaryOut(Schema):
    id: int | None = Field(
        description="The meeting's id; null for an occurrence without a row of its own "
        "(address it by `series` and `recurrence_id`)."
    )
    series: int | None = Field(description="For an occurrence: its series' id.")
    recurrence_id: str | None = Field(
        description="For an occurrence: its original start in UTC (its RECURRENCE-ID)."
    )
    rrule: str | None = Field(description="For a series: its repeat rule.")
    exdates: list[str] = Field(description="For a series: the occurrences left out.")
    uid: str
    sequence: int
    version: int
    title: str
    start: str
    end: str
    timezone: str
    location: str
    status: Literal["scheduled", "cancelled"]
    classification: Classification
    video: Literal["jitsi", "none"]
    organiser: PersonOut
    agency: AgencyRefOut
    my_rsvp: Rsvp | None
    link: str


class MeetingOut(MeetingSummaryOut):
    description: str
    language: Literal["id", "en"]
    participants: list[ParticipantOut]
    agencies: list[str]
    tally: dict[str, int]
    join_url: str | None
    ics_url: str
    room: int | None
    may_edit: bool
    busy: list[BusyOut] = Field(
        default_factory=list,
        description="On create and change: participants already in another meeting then.",
    )


class MeetingPage(Schema):
    items: list[MeetingSummaryOut]
    next: str | None


class MeetingQuery(Schema):
    start: Instant | None = Field(
        None,
        description="Meetings ending after this instant. With `start` or `end`, a series is "
        "listed as its occurrences in the range; without either, as the series itself.",
    )
    end: Instant | None = Field(None, description="Meetings starting before this instant.")


class RsvpIn(Schema):
    response: Literal["accepted", "declined", "tentative"]


class RsvpOut(Schema):
    meeting: int
    username: str
    response: Rsvp


class FeedOut(Schema):
    url: str
    actions_url: str = Field(
        description="Your follow-up actions and your agency's (VTODO and all-day events on "
        "their due dates), with the same private token."
    )


class ItipOut(Schema):
    meeting: int
    username: str
    response: Rsvp


def _detail(request: HttpRequest, meeting: Meeting, busy: list[dict[str, Any]] | None = None):
    return selectors.meeting_detail(meeting, request.auth) | {"busy": busy or []}


@router.post(
    "/meetings", response={201: MeetingOut, **ERRORS}, summary="Schedule a meeting and invite"
)
def meeting_create(request: HttpRequest, payload: MeetingIn):
    meeting, busy = scheduling.meeting_create(
        by=request.auth,
        title=payload.title,
        description=payload.description,
        start=payload.start,
        end=payload.end,
        timezone_name=payload.timezone,
        location=payload.location,
        language=payload.language,
        participants=[Invitee(p.username, p.role) for p in payload.participants],
        agencies=payload.agencies,
        video=payload.video,
        classification=payload.classification,
        rrule=payload.rrule,
        exdates=payload.exdates,
    )
    return Status(201, _detail(request, meeting, busy))


@router.get(
    "/meetings",
    response={200: MeetingPage, **ERRORS},
    summary="The meetings you may see, overlapping [start, end)",
)
def meeting_list(request: HttpRequest, query: Query[MeetingQuery]):
    meetings = selectors.meeting_list_between(request.auth, query.start, query.end)
    return {"items": [selectors.meeting_summary(m, request.auth) for m in meetings], "next": None}


@router.get("/meetings/{meeting_id}", response={200: MeetingOut, **ERRORS}, summary="A meeting")
def meeting_get(request: HttpRequest, meeting_id: MeetingId):
    return _detail(request, selectors.meeting_get_visible(request.auth, meeting_id))


@router.patch(
    "/meetings/{meeting_id}",
    response={200: MeetingOut, **ERRORS},
    summary="Change a meeting (significant changes raise SEQUENCE)",
)
def meeting_patch(request: HttpRequest, meeting_id: MeetingId, payload: MeetingPatch):
    given = payload.dict(exclude_unset=True)
    participants = given.pop("participants", None)
    agencies = given.pop("agencies", None)
    version = given.pop("version", None)
    for name, value in list(given.items()):
        if value is None:  # null means "leave as it is"
            del given[name]
    if participants is not None:
        participants = [Invitee(p.username, p.role) for p in payload.participants]
    meeting, busy = scheduling.meeting_update(
        by=request.auth,
        meeting_id=meeting_id,
        changes=given,
        participants=participants,
        agencies=agencies,
        version=version,
    )
    return _detail(request, meeting, busy)


@router.post(
    "/meetings/{meeting_id}/cancel",
    response={200: MeetingOut, **ERRORS},
    summary="Cancel a meeting (CANCEL to every participant)",
)
def meeting_cancel(request: HttpRequest, meeting_id: MeetingId):
    return _detail(request, scheduling.meeting_cancel(by=request.auth, meeting_id=meeting_id))


@router.post(
    "/meetings/{meeting_id}/rsvp",
    response={200: RsvpOut, **ERRORS},
    summary="Answer an invitation for yourself",
)
def meeting_rsvp(request: HttpRequest, meeting_id: MeetingId, payload: RsvpIn):
    participant = answers.meeting_rsvp(
        official=request.auth, meeting_id=meeting_id, response=payload.response
    )
    return {"meeting": meeting_id, "username": request.auth.username, "response": participant.rsvp}


# --- occurrences of a series -------------------------------------------------------------


class OccurrencePatch(Schema):
    # An occurrence's people, zone and rule are its series': naming them here is refused,
    # not ignored.
    model_config = {"extra": "forbid"}
    title: NonBlankText | None = Field(None, max_length=TITLE_MAX)
    description: Text | None = Field(None, max_length=DESCRIPTION_MAX)
    start: Instant | None = None
    end: Instant | None = None
    location: Text | None = Field(None, max_length=LOCATION_MAX)
    video: Literal["jitsi", "none"] | None = None
    version: Id | None = Field(
        None, description="The version you edited, once the occurrence has a row of its own."
    )


OCCURRENCE = "/meetings/{meeting_id}/occurrences/{key}"


@router.get(
    OCCURRENCE,
    response={200: MeetingOut, **ERRORS},
    summary="One occurrence of a series",
    description="`key` is the occurrence's original start, ISO 8601 in UTC "
    "(2026-12-07T02:00:00Z). Without a row of its own it reads as the series at that time "
    "(`id` null). Every other per-meeting path works below this one too "
    "(…/occurrences/{key}/agenda/items, …/notulen, …): a read reads the series', the first "
    "write makes the occurrence's row and is applied to it.",
)
def occurrence_get(request: HttpRequest, meeting_id: MeetingId, key: OccurrenceKey):
    return _detail(request, selectors.occurrence_get_visible(request.auth, meeting_id, key))


@router.patch(
    OCCURRENCE,
    response={200: MeetingOut, **ERRORS},
    summary="Change one occurrence (its row is made; a REQUEST with its RECURRENCE-ID)",
)
def occurrence_patch(
    request: HttpRequest, meeting_id: MeetingId, key: OccurrenceKey, payload: OccurrencePatch
):
    given = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    version = given.pop("version", None)
    meeting, busy = occurrences.occurrence_update(
        by=request.auth, series_id=meeting_id, key=key, changes=given, version=version
    )
    return _detail(request, meeting, busy)


@router.post(
    OCCURRENCE + "/cancel",
    response={200: MeetingOut, **ERRORS},
    summary="Cancel one occurrence (a CANCEL with its RECURRENCE-ID)",
)
def occurrence_cancel(request: HttpRequest, meeting_id: MeetingId, key: OccurrenceKey):
    meeting = occurrences.occurrence_cancel(by=request.auth, series_id=meeting_id, key=key)
    return _detail(request, meeting)


@router.post(
    OCCURRENCE + "/rsvp",
    response={200: RsvpOut, **ERRORS},
    summary="Answer for one occurrence alone",
)
def occurrence_rsvp(
    request: HttpRequest, meeting_id: MeetingId, key: OccurrenceKey, payload: RsvpIn
):
    participant = answers.occurrence_rsvp(
        official=request.auth, series_id=meeting_id, key=key, response=payload.response
    )
    return {
        "meeting": participant.meeting_id,
        "username": request.auth.username,
        "response": participant.rsvp,
    }


@router.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"],
    OCCURRENCE + "/{path:rest}",
    response={404: ErrorOut},
    include_in_schema=False,
)
def occurrence_path(request: HttpRequest, meeting_id: int, key: str, rest: str):
    """Any other per-meeting path of an occurrence (see occurrence_get): a read goes to the
    occurrence's row or its series; a write makes the row and goes to it, and a refused
    write leaves no row behind."""
    prefix = request.path_info[: request.path_info.index("/meetings/")]
    if request.method == "GET":
        occurrence = selectors.occurrence_get_visible(request.auth, meeting_id, key)
        return _dispatch(request, f"{prefix}/meetings/{occurrence.pk}/{rest}")
    with transaction.atomic():
        row, _made = occurrences.occurrence_for_writing(
            by=request.auth, series_id=meeting_id, key=key, editing=False
        )
        response = _dispatch(request, f"{prefix}/meetings/{row.pk}/{rest}")
        if response.status_code >= 400:
            transaction.set_rollback(True)
        return response


def _dispatch(request: HttpRequest, path: str) -> HttpResponse:
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    if match is None or "/occurrences/" in path.split("/meetings/", 1)[1]:
        raise NotFound(_("No such path."))
    request.path_info = request.path = path
    return match.func(request, *match.args, **match.kwargs)


@router.get(
    "/meetings/{meeting_id}/invite.ics",
    response={200: None, **ERRORS},
    summary="The meeting as an iCalendar invitation (text/calendar)",
    openapi_extra={
        "responses": {200: {"description": "iCalendar", "content": {"text/calendar": {}}}}
    },
)
def meeting_ics(request: HttpRequest, meeting_id: MeetingId):
    meeting = selectors.meeting_get_visible(request.auth, meeting_id)
    body, media = ical.download(meeting, selectors.participant_list(meeting), viewer=request.auth)
    response = HttpResponse(body, content_type=media)
    response["Content-Disposition"] = f'attachment; filename="rakor-{meeting.pk}.ics"'
    return response


@router.post(
    "/itip",
    response={200: ItipOut, **ERRORS, 413: ErrorOut, 415: ErrorOut},
    summary="Hand in an iTIP REPLY (body: text/calendar)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/calendar": {"schema": {"type": "string", "maxLength": 1048576}}},
        }
    },
)
def itip_reply(request: HttpRequest):
    participant = answers.reply_receive(
        by=request.auth, body=request.body, content_type=request.META.get("CONTENT_TYPE", "")
    )
    return {
        "meeting": participant.meeting_id,
        "username": participant.official.username,
        "response": participant.rsvp,
    }


@router.get(
    "/me/calendar-feed",
    response={200: FeedOut, **ERRORS},
    summary="Your calendar subscription URL (created on first use)",
)
def calendar_feed(request: HttpRequest):
    feed_services.calendar_feed_issue(official=request.auth)
    return _feed_urls(request.auth)


@router.post(
    "/me/calendar-feed",
    response={200: FeedOut, **ERRORS},
    summary="A new subscription URL (the old one stops working)",
)
def calendar_feed_renew(request: HttpRequest):
    feed_services.calendar_feed_renew(official=request.auth)
    return _feed_urls(request.auth)


def _feed_urls(official) -> dict[str, str]:
    return {"url": feeds.feed_url(official), "actions_url": feeds.actions_feed_url(official)}


@router.delete(
    "/me/calendar-feed",
    response={204: None, **ERRORS},
    summary="Revoke your subscription URL",
)
def calendar_feed_revoke(request: HttpRequest):
    feed_services.calendar_feed_revoke(official=request.auth)
    return Status(204, None)
