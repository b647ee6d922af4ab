"""The decision log API: decisions of a meeting, their status, follow-up actions and
progress, the lists across agencies (with a CSV export and a summary per province), and the
log's integrity (CONTRACT.md conventions). Thin: every endpoint calls
meetings.services.decisions, meetings.selectors.decisions or meetings.decision_log."""

from __future__ import annotations

import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from coordination.platform.http import stored_file_response
from coordination.platform.pagination import (
    CURSOR_PATTERN,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    paginate_by_id,
)
from coordination.platform.schemas import (
    AUTH_ERRORS,
    ErrorOut,
    Id,
    Instant,
    NonBlankText,
    PathId,
    Text,
    file_response,
)
from meetings import exports
from meetings.api.meetings import PersonOut
from meetings.selectors import decisions as reads
from meetings.services import decisions

router = Router()

ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut, **AUTH_ERRORS}
ActionStatus = Literal["open", "in_progress", "done", "cancelled"]
DecisionStatus = Literal["adopted", "superseded", "revoked"]
ClassificationValue = Literal["biasa", "terbatas", "rahasia"]
CODE = Field(None, max_length=40, pattern=r"^[a-z0-9][a-z0-9._-]*$")
Tag = Field(max_length=decisions.TAG_MAX)


class OwingAgencyOut(Schema):
    code: str
    name: str
    timezone: str


class ActionOut(Schema):
    id: int
    decision: int
    meeting: int
    description: str
    agency: OwingAgencyOut
    assignee: PersonOut | None
    due: datetime.date
    status: ActionStatus
    overdue: bool = Field(description="Open past its due date in the owing agency's zone.")
    completed_on: datetime.date | None
    updated_at: str | None
    url: str


class DecisionRefOut(Schema):
    id: int
    title: str


class DecisionOut(Schema):
    id: int
    meeting: DecisionRefOut
    agenda_item: DecisionRefOut | None
    text: str
    decided_at: str
    recorded_by: PersonOut | None
    recorded_at: str
    tags: list[str]
    classification: ClassificationValue
    status: DecisionStatus
    status_reason: str
    superseded_by: int | None
    actions: list[ActionOut]
    url: str


class LogEntryOut(Schema):
    entry: int = Field(description="The entry's position in the decision log.")
    kind: Literal["decision", "decision_status", "action", "action_update", "notulen_approved"]
    by: PersonOut | None
    at: str | None
    hash: str
    content: dict


class DecisionDetailOut(DecisionOut):
    history: list[LogEntryOut]


class EvidenceFileOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    url: str


class ProgressOut(Schema):
    id: int
    status: ActionStatus
    comment: str
    by: PersonOut | None
    at: str | None
    attachments: list[EvidenceFileOut]


class ActionDetailOut(ActionOut):
    decision_text: str
    meeting_title: str
    updates: list[ProgressOut]
    may_update: bool


class DecisionPage(Schema):
    items: list[DecisionOut]
    next: str | None


class ActionPage(Schema):
    items: list[ActionOut]
    next: str | None


class DecisionIn(Schema):
    text: NonBlankText = Field(max_length=decisions.TEXT_MAX)
    agenda_item: Id | None = Field(None, description="An item of this meeting's agenda.")
    tags: list[Text] = Field(default_factory=list, max_length=decisions.MAX_TAGS)
    classification: ClassificationValue | None = Field(
        None, description="At least the meeting's own (the default)."
    )
    decided_at: Instant | None = Field(None, description="Default: now. Never in the future.")


class DecisionStatusIn(Schema):
    status: Literal["superseded", "revoked"]
    reason: Text = Field("", max_length=decisions.REASON_MAX, description="Required to revoke.")
    superseded_by: Id | None = Field(None, description="Required to supersede: a decision id.")


class ActionIn(Schema):
    description: NonBlankText = Field(max_length=decisions.DESCRIPTION_MAX)
    agency: str = Field(max_length=40, description="The responsible agency's code.")
    assignee: str | None = Field(
        None, max_length=150, description="Username of an official of that agency."
    )
    due: datetime.date


class ProgressIn(Schema):
    status: ActionStatus = Field(description="The status from now on (the same: a comment).")
    comment: Text = Field("", max_length=decisions.COMMENT_MAX)


class DecisionQuery(Schema):
    q: Text = Field("", max_length=200, description="Words in the decision or meeting title.")
    agency: str | None = CODE
    tag: Text = Field("", max_length=decisions.TAG_MAX)
    since: datetime.date | None = Field(None, description="Decided on or after (your zone).")
    until: datetime.date | None = Field(None, description="Decided on or before (your zone).")
    meeting: Id | None = None
    status: DecisionStatus | None = None
    cursor: str | None = Field(None, pattern=CURSOR_PATTERN)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class ActionQuery(Schema):
    agency: str | None = Field(
        None, max_length=40, description="An agency's code: its own (unknown: none match)."
    )
    province: str | None = Field(
        None,
        max_length=40,
        description="An agency's code: it and every agency below it (unknown: none match).",
    )
    status: ActionStatus | None = None
    overdue: bool | None = None
    due_from: datetime.date | None = None
    due_to: datetime.date | None = None
    meeting: Id | None = None
    mine: bool = Field(False, description="Only actions assigned to you.")
    my_agency: bool = Field(False, description="Only actions your agency owes.")
    cursor: str | None = Field(None, pattern=CURSOR_PATTERN)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class ProvinceSummaryOut(Schema):
    code: str
    name: str
    level: str
    open: int
    overdue: int
    done_on_time: int
    done_late: int
    cancelled: int
    total: int


class LogStatusOut(Schema):
    intact: bool
    head: str = Field(description="The last entry's SHA-256 (64 zeros for an empty log).")
    entries: int
    first_bad: int | None = Field(description="The first entry that fails, or null.")


def action_filters(query: ActionQuery) -> reads.ActionFilters:
    return reads.ActionFilters(
        agency=query.agency or "",
        province=query.province or "",
        status=query.status or "",
        overdue=query.overdue,
        due_from=query.due_from,
        due_to=query.due_to,
        meeting=query.meeting,
        mine=query.mine,
        my_agency=query.my_agency,
    )


@router.get(
    "/meetings/{meeting_id}/decisions",
    response={200: DecisionPage, **ERRORS},
    summary="The decisions of a meeting that you may see, in the order they were taken",
)
def meeting_decisions(request: HttpRequest, meeting_id: PathId):
    from meetings import selectors

    meeting = selectors.meeting_get_visible(request.auth, meeting_id)
    rows = reads.decisions_of_meeting(request.auth, meeting)
    return {"items": [reads.decision_for(request.auth, d) for d in rows], "next": None}


@router.post(
    "/meetings/{meeting_id}/decisions",
    response={201: DecisionOut, **ERRORS},
    summary="Record a decision (the organiser, the chair, the note takers)",
)
def decision_create(request: HttpRequest, meeting_id: PathId, payload: DecisionIn):
    decision = decisions.decision_record(
        by=request.auth,
        meeting_id=meeting_id,
        text=payload.text,
        agenda_item_id=payload.agenda_item,
        tags=payload.tags,
        classification=payload.classification,
        decided_at=payload.decided_at,
    )
    return Status(201, reads.decision_for(request.auth, reads.decisions_base().get(pk=decision.pk)))


@router.get(
    "/decisions",
    response={200: DecisionPage, **ERRORS},
    summary="Decisions you may see across meetings (in id order, filtered)",
)
def decision_list(request: HttpRequest, query: Query[DecisionQuery]):
    filters = reads.DecisionFilters(
        query=query.q.strip(),
        agency=query.agency or "",
        tag=query.tag.strip().lower(),
        since=query.since,
        until=query.until,
        meeting=query.meeting,
        status=query.status or "",
    )
    rows, after = paginate_by_id(
        reads.decisions_filtered(request.auth, filters), cursor=query.cursor, limit=query.limit
    )
    return {"items": [reads.decision_for(request.auth, d) for d in rows], "next": after}


@router.get(
    "/decisions/{decision_id}",
    response={200: DecisionDetailOut, **ERRORS},
    summary="A decision with its actions and its history in the log",
)
def decision_get(request: HttpRequest, decision_id: PathId):
    decision = reads.decision_get_visible(request.auth, decision_id)
    history = reads.decision_history(request.auth, decision)
    return reads.decision_for(request.auth, decision) | {
        "history": [reads.history_out(entry) for entry in history]
    }


@router.post(
    "/decisions/{decision_id}/status",
    response={200: DecisionOut, **ERRORS},
    summary="Supersede a decision by another, or revoke it with a reason (a new log entry)",
)
def decision_status(request: HttpRequest, decision_id: PathId, payload: DecisionStatusIn):
    decision = decisions.decision_status_set(
        by=request.auth,
        decision_id=decision_id,
        status=payload.status,
        reason=payload.reason,
        superseded_by_id=payload.superseded_by,
    )
    return reads.decision_for(request.auth, decision)


@router.post(
    "/decisions/{decision_id}/actions",
    response={201: ActionOut, **ERRORS},
    summary="Assign a follow-up action to an agency (and one of its officials)",
)
def action_create(request: HttpRequest, decision_id: PathId, payload: ActionIn):
    action = decisions.action_assign(
        by=request.auth,
        decision_id=decision_id,
        description=payload.description,
        agency_code=payload.agency,
        assignee_username=payload.assignee or None,
        due=payload.due,
    )
    return Status(201, reads.action_out(action))


@router.get(
    "/actions",
    response={200: ActionPage, **ERRORS},
    summary="Follow-up actions you may see (in id order, filtered)",
)
def action_list(request: HttpRequest, query: Query[ActionQuery]):
    rows, after = paginate_by_id(
        reads.actions_filtered(request.auth, action_filters(query)),
        cursor=query.cursor,
        limit=query.limit,
    )
    return {"items": [reads.action_out(a) for a in rows], "next": after}


@router.get(
    "/actions/summary",
    response={200: list[ProvinceSummaryOut], **ERRORS},
    summary="Per province: open, overdue and done on time, of the actions you may see",
)
def action_summary(request: HttpRequest, query: Query[ActionQuery]):
    return reads.province_summary(request.auth, action_filters(query))


@router.get(
    "/actions/export.csv",
    response={200: None, **ERRORS},
    openapi_extra=file_response("The filtered actions as CSV (UTF-8)."),
    summary="The follow-up actions you may see, filtered, as CSV",
)
def action_export(request: HttpRequest, query: Query[ActionQuery]):
    return exports.actions_csv_response(request.auth, action_filters(query))


@router.get(
    "/actions/{action_id}",
    response={200: ActionDetailOut, **ERRORS},
    summary="A follow-up action with its progress updates",
)
def action_get(request: HttpRequest, action_id: PathId):
    action = reads.action_get_visible(request.auth, action_id)
    return reads.action_detail(action, request.auth)


@router.post(
    "/actions/{action_id}/updates",
    response={201: ProgressOut, **ERRORS},
    summary="Report progress on an action (done needs evidence: a comment)",
)
def action_update(request: HttpRequest, action_id: PathId, payload: ProgressIn):
    update = decisions.action_update(
        by=request.auth, action_id=action_id, status=payload.status, comment=payload.comment
    )
    return Status(201, reads.update_out(update))


@router.post(
    "/actions/{action_id}/updates/files",
    response={201: ProgressOut, 413: ErrorOut, 415: ErrorOut, **ERRORS},
    summary="Report progress with files attached (the evidence), as multipart/form-data",
)
def action_update_with_files(
    request: HttpRequest,
    action_id: PathId,
    form: Form[ProgressIn],
    files: list[UploadedFile] = File(...),  # noqa: B008
):
    update = decisions.action_update(
        by=request.auth,
        action_id=action_id,
        status=form.status,
        comment=form.comment,
        uploads=files,
    )
    return Status(201, reads.update_out(update))


@router.get(
    "/action-files/{file_id}",
    response={200: None, **ERRORS},
    openapi_extra=file_response("The file as it was attached."),
    summary="Download a file attached to a progress update (whoever sees the action)",
)
def action_file_download(request: HttpRequest, file_id: PathId):
    file = reads.attachment_get_for_reader(request.auth, file_id)
    return stored_file_response(file.file, name=file.name, content_type=file.content_type)


@router.get(
    "/decision-log/status",
    response={200: LogStatusOut, **ERRORS},
    summary="Whether the decision log's hash chain, anchors, rows and cached states are intact "
    "(checked now), and its head",
)
def decision_log_status(request: HttpRequest):
    return decisions.log_status(by=request.auth).as_dict()
