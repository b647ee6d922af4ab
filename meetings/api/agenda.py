"""The agenda API: a meeting's items, their order, proposals and who may edit (CONTRACT.md
conventions). Thin: every endpoint calls meetings.services.agenda or meetings.selectors. A
write made on an old version is 409 `conflict` with `current` (the item, or the order)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, File, Header, Path, Router, Schema, Status, UploadedFile
from pydantic import StringConstraints

from coordination.platform.http import stored_file_response
from coordination.platform.schemas import (
    AUTH_ERRORS,
    ErrorOut,
    Id,
    NonBlankText,
    PathId,
    Text,
    file_response,
)
from meetings import selectors
from meetings.api.meetings import AgencyCode, PersonOut, Username
from meetings.services import agenda
from meetings.services.agenda import Presenter

router = Router()

ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut, **AUTH_ERRORS}
Outcome = Literal["information", "discussion", "decision"]
ItemStatus = Literal["pending", "in_discussion", "done", "deferred"]
Minutes = Annotated[int, Field(ge=1, le=agenda.MAX_MINUTES)]
# Absolute http(s) addresses; the excluded characters are spelled out (no \s: Python and JSON
# Schema differ on what it matches).
Link = Annotated[str, StringConstraints(pattern=r"^https?://[^\x00-\x20\x7f-\x9f]{1,490}$")]
PathUsername = Annotated[str, Path(..., pattern=r"^[\w.@+-]{1,150}$")]
Position = Annotated[int, Field(ge=0, le=agenda.MAX_ITEMS)]


class PresenterOfficial(Schema):
    model_config = {"extra": "forbid"}
    username: Username


class PresenterAgency(Schema):
    model_config = {"extra": "forbid"}
    agency: AgencyCode


# An official or an agency, not both (null: nobody in particular).
PresenterIn = PresenterOfficial | PresenterAgency


class PresenterOut(Schema):
    username: str | None = None
    agency: str | None = None
    name: str


class SourceMessageOut(Schema):
    id: int
    room: int
    url: str


class AgendaItemIn(Schema):
    title: NonBlankText = Field(max_length=agenda.TITLE_MAX)
    description: Text = Field("", max_length=agenda.DESCRIPTION_MAX)
    presenter: PresenterIn | None = None
    planned_minutes: Minutes = 10
    outcome: Outcome = "discussion"
    links: list[Link] = Field(default_factory=list, max_length=agenda.MAX_LINKS)
    position: Position | None = Field(None, description="Where it goes (0 first); the end.")
    version: Id | None = Field(
        None, description="The order's version you saw: reordered since is 409 `conflict`."
    )


class AgendaItemPatch(Schema):
    title: NonBlankText | None = Field(None, max_length=agenda.TITLE_MAX)
    description: Text | None = Field(None, max_length=agenda.DESCRIPTION_MAX)
    presenter: PresenterIn | None = Field(None, description="null: no presenter.")
    planned_minutes: Minutes | None = None
    outcome: Outcome | None = None
    status: ItemStatus | None = None
    links: list[Link] | None = Field(None, max_length=agenda.MAX_LINKS)
    version: Id = Field(
        description="The item's version you edited: changed since is 409 `conflict` with "
        "the item as it is now in `current`, and nothing is saved."
    )


class DocumentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    url: str


class AgendaItemOut(Schema):
    id: int
    meeting: int
    position: int
    title: str
    description: str
    presenter: PresenterOut | None
    planned_minutes: int
    outcome: Outcome
    status: ItemStatus
    links: list[str]
    source_message: SourceMessageOut | None
    documents: list[DocumentOut]
    version: int


class AgendaOut(Schema):
    meeting: int
    version: int = Field(description="The order's version (POST .../agenda/order needs it).")
    items: list[AgendaItemOut]
    planned_minutes: int
    meeting_minutes: int
    over_by_minutes: int = Field(description="How far the planned time runs over the meeting.")
    may_edit: bool
    may_propose: bool


class OrderIn(Schema):
    items: list[Id] = Field(max_length=agenda.MAX_ITEMS, description="Every item's id, once.")
    version: Id


class OrderOut(Schema):
    meeting: int
    version: int
    items: list[int]


class ProposalIn(Schema):
    title: Text = Field("", max_length=agenda.TITLE_MAX, description="From the message if empty.")
    description: Text = Field("", max_length=agenda.DESCRIPTION_MAX)
    planned_minutes: Minutes = 10
    outcome: Outcome = "discussion"
    message: Id | None = Field(None, description="A chat message to propose as the item.")


class ProposalOut(Schema):
    id: int
    meeting: int
    title: str
    description: str
    planned_minutes: int
    outcome: Outcome
    proposed_by: PersonOut
    source_message: SourceMessageOut | None
    status: Literal["pending", "accepted", "declined"]
    reason: str
    item: int | None
    created_at: str


class ProposalPage(Schema):
    items: list[ProposalOut]
    next: str | None


class DeclineIn(Schema):
    reason: Text = Field("", max_length=500)


class EditorIn(Schema):
    username: Username


class EditorOut(Schema):
    meeting: int
    username: str


def _presenter(value: PresenterIn | None) -> Presenter | None:
    if value is None:
        return None
    if isinstance(value, PresenterOfficial):
        return Presenter(username=value.username)
    return Presenter(agency=value.agency)


def _item(item) -> dict:
    return selectors.agenda_item_out(item)


@router.get(
    "/meetings/{meeting_id}/agenda",
    response={200: AgendaOut, **ERRORS},
    summary="A meeting's agenda, in order",
)
def agenda_get(request: HttpRequest, meeting_id: PathId):
    return selectors.agenda_get_visible(request.auth, meeting_id)


@router.post(
    "/meetings/{meeting_id}/agenda",
    response={201: AgendaItemOut, **ERRORS},
    summary="Add an item to the agenda",
)
def agenda_item_create(request: HttpRequest, meeting_id: PathId, payload: AgendaItemIn):
    item = agenda.agenda_item_add(
        by=request.auth,
        meeting_id=meeting_id,
        title=payload.title,
        description=payload.description,
        presenter=_presenter(payload.presenter),
        planned_minutes=payload.planned_minutes,
        outcome=payload.outcome,
        links=payload.links,
        position=payload.position,
        version=payload.version,
    )
    return Status(201, _item(item))


@router.patch(
    "/agenda-items/{item_id}",
    response={200: AgendaItemOut, **ERRORS},
    summary="Change an agenda item (with the version you edited)",
)
def agenda_item_patch(request: HttpRequest, item_id: PathId, payload: AgendaItemPatch):
    given = payload.dict(exclude_unset=True)
    version = given.pop("version")
    presenter_given = "presenter" in given
    given.pop("presenter", None)
    changes = {name: value for name, value in given.items() if value is not None}
    item = agenda.agenda_item_update(
        by=request.auth,
        item_id=item_id,
        version=version,
        changes=changes,
        presenter=_presenter(payload.presenter),
        presenter_given=presenter_given,
    )
    return _item(item)


IF_MATCH_PATTERN = r'^(?:W/)?"?(\d{1,18})"?$'


@router.delete(
    "/agenda-items/{item_id}",
    response={204: None, **ERRORS},
    summary="Remove an agenda item (If-Match: the item's version)",
)
def agenda_item_delete(
    request: HttpRequest,
    item_id: PathId,
    if_match: Annotated[
        str,
        Header(
            alias="If-Match",
            pattern=IF_MATCH_PATTERN,
            description='The item\'s version as you saw it, e.g. "3": changed since is 409 '
            "`conflict` with the item in `current`.",
        ),
    ],
):
    version = int(re.match(IF_MATCH_PATTERN, if_match)[1])
    agenda.agenda_item_remove(by=request.auth, item_id=item_id, version=version)
    return Status(204, None)


@router.post(
    "/meetings/{meeting_id}/agenda/order",
    response={200: OrderOut, **ERRORS},
    summary="Put the agenda in a new order (every item once, with the order's version)",
)
def agenda_order(request: HttpRequest, meeting_id: PathId, payload: OrderIn):
    meeting, items = agenda.agenda_reorder(
        by=request.auth, meeting_id=meeting_id, item_ids=payload.items, version=payload.version
    )
    return {
        "meeting": meeting.pk,
        "version": meeting.agenda_version,
        "items": [i.pk for i in items],
    }


@router.get(
    "/meetings/{meeting_id}/agenda/proposals",
    response={200: ProposalPage, **ERRORS},
    summary="Proposed items (all for those who edit the agenda, your own otherwise)",
)
def agenda_proposals(request: HttpRequest, meeting_id: PathId):
    return {"items": selectors.agenda_proposal_list(request.auth, meeting_id), "next": None}


@router.post(
    "/meetings/{meeting_id}/agenda/proposals",
    response={201: ProposalOut, **ERRORS},
    summary="Propose an agenda item (participants; also from a chat message)",
)
def agenda_proposal_create(request: HttpRequest, meeting_id: PathId, payload: ProposalIn):
    proposal = agenda.agenda_proposal_create(
        by=request.auth,
        meeting_id=meeting_id,
        title=payload.title.strip(),
        description=payload.description,
        planned_minutes=payload.planned_minutes,
        outcome=payload.outcome,
        message_id=payload.message,
    )
    return Status(201, selectors.agenda_proposal_out(proposal))


@router.post(
    "/agenda-proposals/{proposal_id}/accept",
    response={200: ProposalOut, **ERRORS},
    summary="Accept a proposal: it becomes the agenda's last item",
)
def agenda_proposal_accept(request: HttpRequest, proposal_id: PathId):
    proposal = agenda.agenda_proposal_accept(by=request.auth, proposal_id=proposal_id)
    return selectors.agenda_proposal_out(proposal)


@router.post(
    "/agenda-proposals/{proposal_id}/decline",
    response={200: ProposalOut, **ERRORS},
    summary="Decline a proposal, with a reason",
)
def agenda_proposal_decline(request: HttpRequest, proposal_id: PathId, payload: DeclineIn):
    proposal = agenda.agenda_proposal_decline(
        by=request.auth, proposal_id=proposal_id, reason=payload.reason.strip()
    )
    return selectors.agenda_proposal_out(proposal)


@router.post(
    "/meetings/{meeting_id}/agenda/editors",
    response={201: EditorOut, **ERRORS},
    summary="Let an official edit the agenda (organiser and chair)",
)
def agenda_editor_add(request: HttpRequest, meeting_id: PathId, payload: EditorIn):
    agenda.agenda_editor_grant(by=request.auth, meeting_id=meeting_id, username=payload.username)
    return Status(201, {"meeting": meeting_id, "username": payload.username})


@router.delete(
    "/meetings/{meeting_id}/agenda/editors/{username}",
    response={204: None, **ERRORS},
    summary="Take editing of the agenda back",
)
def agenda_editor_remove(request: HttpRequest, meeting_id: PathId, username: PathUsername):
    agenda.agenda_editor_revoke(by=request.auth, meeting_id=meeting_id, username=username)
    return Status(204, None)


class TemplateItemOut(Schema):
    title: str
    description: str = ""
    planned_minutes: int
    outcome: Outcome


class TemplateOut(Schema):
    id: int
    name: str
    agency: str
    items: list[TemplateItemOut]
    planned_minutes: int
    created_at: str


class TemplatePage(Schema):
    items: list[TemplateOut]
    next: str | None


class TemplateIn(Schema):
    name: NonBlankText = Field(max_length=200)


class ApplyTemplateIn(Schema):
    template: Id
    version: Id = Field(description="The order's version you saw.")


FILE_RESPONSE = file_response("The document with its own type, as an attachment.")


@router.post(
    "/agenda-items/{item_id}/documents",
    response={201: DocumentOut, 413: ErrorOut, 415: ErrorOut, **ERRORS},
    summary="Attach a document to read ahead (up to 25 MB) to an agenda item",
)
def agenda_document_upload(
    request: HttpRequest,
    item_id: PathId,
    file: UploadedFile = File(...),  # noqa: B008
):
    document = agenda.agenda_document_add(by=request.auth, item_id=item_id, upload=file)
    return Status(201, selectors.agenda_document_out(document))


@router.get(
    "/agenda-documents/{document_id}",
    response={200: None, **ERRORS},
    openapi_extra=FILE_RESPONSE,
    summary="Download a document of an agenda item (whoever sees the meeting)",
)
def agenda_document_download(request: HttpRequest, document_id: PathId):
    document = selectors.agenda_document_get_for_reader(request.auth, document_id)
    return stored_file_response(
        document.file, name=document.name, content_type=document.content_type
    )


@router.delete(
    "/agenda-documents/{document_id}",
    response={204: None, **ERRORS},
    summary="Remove a document from its agenda item",
)
def agenda_document_delete(request: HttpRequest, document_id: PathId):
    agenda.agenda_document_remove(by=request.auth, document_id=document_id)
    return Status(204, None)


@router.get(
    "/agenda-templates",
    response={200: TemplatePage, **ERRORS},
    summary="The agenda templates of your agency",
)
def agenda_templates(request: HttpRequest):
    return {"items": selectors.agenda_template_list(request.auth), "next": None}


@router.post(
    "/meetings/{meeting_id}/agenda/templates",
    response={201: TemplateOut, **ERRORS},
    summary="Save the agenda as a template of your agency (a name in use is replaced)",
)
def agenda_template_create(request: HttpRequest, meeting_id: PathId, payload: TemplateIn):
    template = agenda.agenda_template_save(
        by=request.auth, meeting_id=meeting_id, name=payload.name.strip()
    )
    return Status(201, selectors.agenda_template_out(template))


@router.post(
    "/meetings/{meeting_id}/agenda/apply-template",
    response={200: AgendaOut, **ERRORS},
    summary="Add a template's items at the end of the agenda",
)
def agenda_template_apply(request: HttpRequest, meeting_id: PathId, payload: ApplyTemplateIn):
    agenda.agenda_template_apply(
        by=request.auth,
        meeting_id=meeting_id,
        template_id=payload.template,
        version=payload.version,
    )
    return selectors.agenda_get_visible(request.auth, meeting_id)


@router.delete(
    "/agenda-templates/{template_id}",
    response={204: None, **ERRORS},
    summary="Delete an agenda template (who saved it, or a coordinator of the agency)",
)
def agenda_template_delete(request: HttpRequest, template_id: PathId):
    agenda.agenda_template_delete(by=request.auth, template_id=template_id)
    return Status(204, None)
