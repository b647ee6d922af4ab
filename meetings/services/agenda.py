"""A meeting's agenda: its items added, changed, reordered and removed, proposals made and
decided, editing granted, documents to read ahead, templates saved and applied, and the
invitation update that agenda changes send.

The rules: the organiser, the chair and officials they grant it to edit the agenda; every
participant proposes (docs/permissions.md); a cancelled meeting's agenda no longer changes.
Each write locks the meeting's row, so the order (positions 0, 1, 2, ... without gaps) is
never written by two at once. Every item carries a version and the order carries one
(`Meeting.agenda_version`): a change based on an older one is a Conflict that carries what is
current, and nothing is saved. Every change reaches the sockets subscribed to the meeting
after commit (meetings.events) and marks the invitation for one update to every participant,
RAKOR_AGENDA_RESEND_MINUTES after the first change (`agenda_updates_send`, a periodic job):
same SEQUENCE (the agenda is not a significant change in RFC 5546's sense), fresh DTSTAMP.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.models import Agency, Classification, Official
from coordination.organisation.notifications import Notice, notify_all
from coordination.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from meetings import events, ical, invitations, selectors
from meetings.models import (
    AgendaDocument,
    AgendaEditor,
    AgendaItem,
    AgendaProposal,
    AgendaTemplate,
    Meeting,
)
from messaging import files
from messaging.selectors import message_get_for_member

MAX_ITEMS = 100
MAX_PENDING_PROPOSALS = 20  # per official and meeting
MAX_LINKS = 10
MAX_MINUTES = 600
TITLE_MAX = AgendaItem._meta.get_field("title").max_length
DESCRIPTION_MAX = AgendaItem._meta.get_field("description").max_length
EDITABLE = ("title", "description", "planned_minutes", "outcome", "status", "links")


@dataclass(frozen=True)
class Presenter:
    """Who presents an item: an official (by username) or an agency (by code)."""

    username: str | None = None
    agency: str | None = None


def _presenter(presenter: Presenter | None) -> tuple[Official | None, Agency | None]:
    if presenter is None or (presenter.username is None and presenter.agency is None):
        return None, None
    if presenter.username is not None and presenter.agency is not None:
        raise InvalidInput(
            _("An item is presented by an official or by an agency, not both."),
            fields={"presenter": [_("Give a username or an agency.")]},
        )
    if presenter.username is not None:
        official = Official.objects.filter(username=presenter.username, is_active=True).first()
        if official is None:
            raise NotFound(
                _("Unknown official: %(name)s") % {"name": presenter.username},
                fields={"presenter": [presenter.username]},
            )
        return official, None
    agency = Agency.objects.filter(code=presenter.agency).first()
    if agency is None:
        raise NotFound(
            _("Unknown agency: %(code)s") % {"code": presenter.agency},
            fields={"presenter": [presenter.agency]},
        )
    return None, agency


def _check_links(links: Sequence[str]) -> list[str]:
    if len(links) > MAX_LINKS:
        raise InvalidInput(
            _("An item carries at most %(n)d links.") % {"n": MAX_LINKS},
            fields={"links": [_("Too many.")]},
        )
    return list(dict.fromkeys(links))


def _locked(meeting_id: int) -> Meeting:
    """The meeting's row, locked for the rest of the transaction; a cancelled meeting's
    agenda no longer changes."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
    if not meeting.accepts_changes:
        raise Conflict(
            _("This meeting is cancelled; its agenda can no longer be changed."),
            current={"status": meeting.status},
        )
    return meeting


def _editable_meeting(by: Official, meeting_id: int) -> Meeting:
    """The meeting, when `by` edits its agenda: NotFound when they may not see it,
    Forbidden (audited) when they only read it."""
    meeting = selectors.meeting_get_visible(by, meeting_id)
    if not selectors.may_edit_agenda(by, meeting):
        permissions.permission_denied(official=by, action="edit agenda", target=meeting)
        raise Forbidden(
            _("Only the organiser, the chair and officials they allow may change the agenda.")
        )
    return meeting


def _order_conflict(meeting: Meeting) -> Conflict:
    items = selectors.agenda_items(meeting)
    return Conflict(
        _("Someone else changed the agenda's order meanwhile; this is the order now."),
        current={"version": meeting.agenda_version, "items": [item.pk for item in items]},
    )


def _changed(meeting: Meeting, *, order: bool) -> None:
    """Record an agenda change on the locked meeting: the order's version (when it
    changed), the meeting's last change (calendars fetch it again), and the invitation
    update due RAKOR_AGENDA_RESEND_MINUTES after the first change not yet sent."""
    now = timezone.now()
    fields = ["updated_at"]
    if order:
        meeting.agenda_version += 1
        fields.append("agenda_version")
    meeting.updated_at = now
    if meeting.agenda_resend_due is None:
        meeting.agenda_resend_due = now + datetime.timedelta(
            minutes=settings.RAKOR_AGENDA_RESEND_MINUTES
        )
        fields.append("agenda_resend_due")
    meeting.save(update_fields=fields)


def _send_item(meeting: Meeting, item: AgendaItem) -> None:
    events.live_broadcast_on_commit(
        meeting.pk,
        {
            "type": "agenda_item",
            "meeting": meeting.pk,
            "item": selectors.agenda_item_out(item),
            "order_version": meeting.agenda_version,
        },
    )


def _send_order(meeting: Meeting, items: list[AgendaItem]) -> None:
    events.live_broadcast_on_commit(
        meeting.pk,
        {
            "type": "agenda_order",
            "meeting": meeting.pk,
            "items": [item.pk for item in items],
            "version": meeting.agenda_version,
        },
    )


def _renumber(items: list[AgendaItem]) -> None:
    changed = []
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
            changed.append(item)
    if changed:
        AgendaItem.objects.bulk_update(changed, ["position"])


def _insert(
    meeting: Meeting,
    *,
    by: Official,
    title: str,
    description: str,
    presenter: Presenter | None,
    planned_minutes: int,
    outcome: str,
    links: Sequence[str],
    position: int | None,
    source_message_id: int | None = None,
) -> AgendaItem:
    """A new item on the locked meeting's agenda, at `position` (the end when None)."""
    items = selectors.agenda_items(meeting)
    if len(items) >= MAX_ITEMS:
        raise InvalidInput(
            _("An agenda holds at most %(n)d items.") % {"n": MAX_ITEMS},
            fields={"title": [_("Too many items.")]},
        )
    official, agency = _presenter(presenter)
    now = timezone.now()
    item = AgendaItem.objects.create(
        meeting=meeting,
        position=len(items),
        title=title,
        description=description,
        presenter=official,
        presenter_agency=agency,
        planned_minutes=planned_minutes,
        outcome=outcome,
        links=_check_links(links),
        source_message_id=source_message_id,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    at = len(items) if position is None else max(0, min(position, len(items)))
    items.insert(at, item)
    _renumber(items)
    _changed(meeting, order=True)
    _send_item(meeting, item)
    _send_order(meeting, items)
    return item


def agenda_item_add(
    *,
    by: Official,
    meeting_id: int,
    title: str,
    description: str = "",
    presenter: Presenter | None = None,
    planned_minutes: int = 10,
    outcome: str = AgendaItem.Outcome.DISCUSSION,
    links: Sequence[str] = (),
    position: int | None = None,
    version: int | None = None,
) -> AgendaItem:
    """Add an item to the agenda at `position` (the end when None). Given the order's
    `version`, an agenda reordered meanwhile is a Conflict. Everyone following the meeting
    receives the item and the new order."""
    meeting = _editable_meeting(by, meeting_id)
    with transaction.atomic():
        meeting = _locked(meeting.pk)
        if version is not None and version != meeting.agenda_version:
            raise _order_conflict(meeting)
        return _insert(
            meeting,
            by=by,
            title=title,
            description=description,
            presenter=presenter,
            planned_minutes=planned_minutes,
            outcome=outcome,
            links=links,
            position=position,
        )


def _item_for_editor(by: Official, item_id: int) -> AgendaItem:
    meeting_id = AgendaItem.objects.filter(pk=item_id).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        raise NotFound(_("No such agenda item."))
    try:
        _editable_meeting(by, meeting_id)
    except NotFound:
        raise NotFound(_("No such agenda item.")) from None
    item = AgendaItem.objects.filter(pk=item_id).first()
    if item is None:  # removed meanwhile
        raise NotFound(_("No such agenda item."))
    return item


def _item_locked(item_id: int) -> AgendaItem:
    """The item, read again under the meeting's lock; NotFound when it was removed
    meanwhile."""
    item = (
        AgendaItem.objects.select_related("presenter", "presenter_agency", "source_message")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound(_("No such agenda item."))
    return item


def _item_conflict(item: AgendaItem) -> Conflict:
    return Conflict(
        _("Someone else changed this agenda item meanwhile; this is what it says now."),
        current=selectors.agenda_item_out(item),
    )


def agenda_item_update(
    *,
    by: Official,
    item_id: int,
    version: int,
    changes: dict[str, object],
    presenter: Presenter | None = None,
    presenter_given: bool = False,
) -> AgendaItem:
    """Change an item's fields (EDITABLE, and its presenter when `presenter_given`). The
    `version` is the one the change was made on: an item changed meanwhile is a Conflict
    carrying the item as it is now, and nothing is saved."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed: %(names)s") % {"names": ", ".join(unknown)},
            fields={name: [_("Not editable.")] for name in unknown},
        )
    item = _item_for_editor(by, item_id)
    with transaction.atomic():
        meeting = _locked(item.meeting_id)
        item = _item_locked(item_id)
        if version != item.version:
            raise _item_conflict(item)
        if "links" in changes:
            changes = changes | {"links": _check_links(changes["links"])}
        for name, value in changes.items():
            setattr(item, name, value)
        if presenter_given:
            item.presenter, item.presenter_agency = _presenter(presenter)
        item.version += 1
        item.updated_at = timezone.now()
        item.save()
        _changed(meeting, order=False)
        _send_item(meeting, item)
        return item


def agenda_item_remove(*, by: Official, item_id: int, version: int) -> None:
    """Remove an item; `version` is the item's as the remover saw it (a Conflict when it
    changed meanwhile). The items after it move up."""
    item = _item_for_editor(by, item_id)
    with transaction.atomic():
        meeting = _locked(item.meeting_id)
        item = _item_locked(item_id)
        if version != item.version:
            raise _item_conflict(item)
        if item.decisions.exists():
            raise Conflict(
                _("Decisions were recorded under this item, so it stays on the agenda."),
                code="has_decisions",
                current=selectors.agenda_item_out(item),
            )
        was_current = meeting.current_item_id == item.pk
        item.delete()
        if was_current:  # the item under discussion is gone: none is, from now
            meeting.current_item = None
            meeting.current_item_since = None
            meeting.save(update_fields=["current_item", "current_item_since"])
            now = timezone.now()
            events.live_broadcast_on_commit(
                meeting.pk,
                {"type": "meeting_mode"} | selectors.meeting_mode_out(meeting, now=now),
            )
            events.live_broadcast_on_commit(
                meeting.pk,
                {"type": "speakers"} | selectors.speaker_queue_out(meeting, now=now),
            )
        items = selectors.agenda_items(meeting)
        _renumber(items)
        _changed(meeting, order=True)
        events.live_broadcast_on_commit(
            meeting.pk,
            {
                "type": "agenda_item_removed",
                "meeting": meeting.pk,
                "item": item_id,
                "order_version": meeting.agenda_version,
            },
        )
        _send_order(meeting, items)


def agenda_reorder(
    *, by: Official, meeting_id: int, item_ids: Sequence[int], version: int
) -> tuple[Meeting, list[AgendaItem]]:
    """Put the agenda in the order of `item_ids`, which lists every item once. `version` is
    the order's as the change was made on it: a Conflict carrying the current order when it
    changed meanwhile."""
    meeting = _editable_meeting(by, meeting_id)
    with transaction.atomic():
        meeting = _locked(meeting.pk)
        if version != meeting.agenda_version:
            raise _order_conflict(meeting)
        items = {item.pk: item for item in selectors.agenda_items(meeting)}
        if len(set(item_ids)) != len(item_ids) or set(item_ids) != set(items):
            raise InvalidInput(
                _("The new order must list every item of the agenda once."),
                fields={"items": [_("Not the agenda's items.")]},
            )
        ordered = [items[pk] for pk in item_ids]
        _renumber(ordered)
        _changed(meeting, order=True)
        _send_order(meeting, ordered)
        return meeting, ordered


# --- proposals ---------------------------------------------------------------------------


def _deciders(meeting: Meeting) -> set[int]:
    """Who decides on proposals: the organiser, the chair, the editors granted who may still
    see the meeting (a grant outlives neither a removal nor a reclassification)."""
    facts = selectors.meeting_facts(meeting)
    editors = [
        editor.official
        for editor in AgendaEditor.objects.filter(meeting=meeting).select_related("official")
    ]
    visible = {o.pk for o in editors if permissions.may_view_meeting(o, facts)}
    return {meeting.organiser_id, *facts.chair_ids, *visible}


def _send_proposal(proposal: AgendaProposal) -> None:
    meeting = proposal.meeting
    events.live_to_officials_on_commit(
        _deciders(meeting) | {proposal.proposed_by_id},
        meeting.pk,
        {
            "type": "agenda_proposal",
            "meeting": meeting.pk,
            "proposal": selectors.agenda_proposal_out(proposal),
        },
    )


def agenda_proposal_create(
    *,
    by: Official,
    meeting_id: int,
    title: str = "",
    description: str = "",
    planned_minutes: int = 10,
    outcome: str = AgendaItem.Outcome.DISCUSSION,
    message_id: int | None = None,
) -> AgendaProposal:
    """Propose an item, as a participant (named or through an agency invited whole). From a
    chat message `by` may read (`message_id`), the item links back to it and takes its words
    where no title or description is given. Those who edit the agenda are told live."""
    meeting = selectors.meeting_get_visible(by, meeting_id)
    if not permissions.may_propose_agenda_item(by, selectors.meeting_facts(meeting)):
        permissions.permission_denied(official=by, action="propose agenda item", target=meeting)
        raise Forbidden(_("Only the meeting's participants may propose agenda items."))
    message = message_get_for_member(by, message_id) if message_id is not None else None
    if message is not None:
        first_line = message.body.strip().splitlines()[0] if message.body.strip() else ""
        title = title or first_line[:TITLE_MAX].strip()
        description = description or message.body[:DESCRIPTION_MAX]
    if not title:
        raise InvalidInput(
            _("A proposed item needs a title."), fields={"title": [_("This field is required.")]}
        )
    with transaction.atomic():
        meeting = _locked(meeting.pk)
        pending = AgendaProposal.objects.filter(
            meeting=meeting, proposed_by=by, status=AgendaProposal.Status.PENDING
        ).count()
        if pending >= MAX_PENDING_PROPOSALS:
            raise InvalidInput(
                _("You have %(n)d proposals awaiting a decision; wait for them first.")
                % {"n": pending},
                fields={"title": [_("Too many proposals.")]},
            )
        proposal = AgendaProposal.objects.create(
            meeting=meeting,
            proposed_by=by,
            title=title,
            description=description,
            planned_minutes=planned_minutes,
            outcome=outcome,
            source_message=message,
        )
        _send_proposal(proposal)
        _tell_deciders(meeting, proposal, by)
        return proposal


def _tell_deciders(meeting: Meeting, proposal: AgendaProposal, by: Official) -> None:
    """The organiser and the chairs learn of a proposal, each in their language; the mail
    names who proposed and for which meeting, never what (it may come from a chat message)."""
    chairs = set(selectors.meeting_facts(meeting).chair_ids)
    deciders = Official.objects.filter(
        pk__in=({meeting.organiser_id} | chairs) - {by.pk}, is_active=True
    )
    notices = []
    for official in deciders:
        with translation.override(official.language or settings.LANGUAGE_CODE):
            notices.append(
                Notice(
                    official,
                    "agenda_proposal",
                    _("%(name)s proposes an agenda item for %(meeting)s: %(title)s")
                    % {
                        "name": by.display_name,
                        "meeting": meeting.title[:150],
                        "title": proposal.title[:150],
                    },
                    meeting.get_absolute_url(),
                    mail_text=_("%(name)s proposes an agenda item for %(meeting)s")
                    % {
                        "name": by.display_name,
                        "meeting": ical.public_title(meeting, in_active_language=True)[:150],
                    },
                )
            )
    notify_all(notices)


def _proposal_for_decider(by: Official, proposal_id: int) -> AgendaProposal:
    proposal = AgendaProposal.objects.filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound(_("No such proposal."))
    try:
        _editable_meeting(by, proposal.meeting_id)
    except NotFound:
        raise NotFound(_("No such proposal.")) from None
    return proposal


def _pending(proposal_id: int) -> AgendaProposal:
    proposal = AgendaProposal.objects.select_related("proposed_by", "meeting").get(pk=proposal_id)
    if proposal.status != AgendaProposal.Status.PENDING:
        raise Conflict(
            _("This proposal was already decided."),
            current=selectors.agenda_proposal_out(proposal),
        )
    return proposal


def agenda_proposal_accept(*, by: Official, proposal_id: int) -> AgendaProposal:
    """Accept a proposal: it becomes an item at the end of the agenda (linked to its chat
    message, if any). A proposal decided already is a Conflict."""
    checked = _proposal_for_decider(by, proposal_id)
    with transaction.atomic():
        meeting = _locked(checked.meeting_id)  # before reading its state: one decision
        proposal = _pending(proposal_id)
        proposer = proposal.proposed_by
        item = _insert(
            meeting,
            by=by,
            title=proposal.title,
            description=proposal.description,
            presenter=Presenter(username=proposer.username) if proposer.is_active else None,
            planned_minutes=proposal.planned_minutes,
            outcome=proposal.outcome,
            links=(),
            position=None,
            source_message_id=proposal.source_message_id,
        )
        proposal.status = AgendaProposal.Status.ACCEPTED
        proposal.item = item
        proposal.decided_by = by
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["status", "item", "decided_by", "decided_at"])
        _send_proposal(proposal)
        return proposal


def agenda_proposal_decline(*, by: Official, proposal_id: int, reason: str = "") -> AgendaProposal:
    """Decline a proposal, with a reason the proposer reads."""
    checked = _proposal_for_decider(by, proposal_id)
    with transaction.atomic():
        _locked(checked.meeting_id)
        proposal = _pending(proposal_id)
        proposal.status = AgendaProposal.Status.DECLINED
        proposal.reason = reason
        proposal.decided_by = by
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        _send_proposal(proposal)
        return proposal


# --- editors -------------------------------------------------------------------------------


def agenda_editor_grant(*, by: Official, meeting_id: int, username: str) -> AgendaEditor:
    """Let an official who may see the meeting edit its agenda (the organiser and the chair
    grant it)."""
    meeting = selectors.meeting_get_visible(by, meeting_id)
    if not permissions.may_grant_agenda_editing(by, selectors.meeting_facts(meeting)):
        permissions.permission_denied(official=by, action="grant agenda editing", target=meeting)
        raise Forbidden(_("Only the organiser and the chair may let others edit the agenda."))
    official = Official.objects.filter(username=username, is_active=True).first()
    if official is None or not permissions.may_view_meeting(
        official, selectors.meeting_facts(meeting)
    ):
        raise NotFound(
            _("%(name)s is not an official who may see this meeting.") % {"name": username},
            fields={"username": [username]},
        )
    with transaction.atomic():
        _locked(meeting.pk)  # two grants at once: one row
        editor, _created = AgendaEditor.objects.get_or_create(
            meeting=meeting, official=official, defaults={"granted_by": by}
        )
    return editor


def agenda_editor_revoke(*, by: Official, meeting_id: int, username: str) -> None:
    """Take editing of the agenda back (the organiser and the chair)."""
    meeting = selectors.meeting_get_visible(by, meeting_id)
    if not permissions.may_grant_agenda_editing(by, selectors.meeting_facts(meeting)):
        permissions.permission_denied(official=by, action="revoke agenda editing", target=meeting)
        raise Forbidden(_("Only the organiser and the chair may let others edit the agenda."))
    AgendaEditor.objects.filter(meeting=meeting, official__username=username).delete()


# --- the invitation update ---------------------------------------------------------------


def agenda_updates_send(*, now: datetime.datetime | None = None) -> int:
    """Send the invitation update of every meeting whose agenda changed
    RAKOR_AGENDA_RESEND_MINUTES ago or more: one mail per participant for all the changes
    made meanwhile, with the meeting's SEQUENCE unchanged and a fresh DTSTAMP. Returns how
    many meetings were sent."""
    now = now or timezone.now()
    due = list(
        Meeting.objects.filter(agenda_resend_due__lte=now).values_list("pk", flat=True)[:200]
    )
    sent = 0
    for meeting_id in due:
        with transaction.atomic():
            meeting = (
                Meeting.objects.select_for_update(skip_locked=True)
                .filter(pk=meeting_id, agenda_resend_due__lte=now)
                .first()
            )
            if meeting is None:
                continue
            meeting.agenda_resend_due = None
            meeting.save(update_fields=["agenda_resend_due"])
            if meeting.is_cancelled or meeting.end < now:
                continue
            everyone = selectors.participant_list(meeting)
            invitations.invitation_queue(
                meeting,
                everyone,
                recipients=everyone,
                method="REQUEST",
                kind="update",
                about="agenda",
            )
            sent += 1
    return sent


# --- documents to read ahead ---------------------------------------------------------------

MAX_DOCUMENTS = 10  # per item


def agenda_document_add(*, by: Official, item_id: int, upload: UploadedFile) -> AgendaDocument:
    """Attach a document to read ahead to an item (those who edit the agenda). The file is
    checked as message attachments are (an accepted type matching its name, within the size
    limit); whoever may see the meeting downloads it."""
    item = _item_for_editor(by, item_id)
    upload.seek(0)
    checked = files.check_upload(upload.name or "", upload.read(8192), upload.size or 0)
    if checked.office_zip:
        files.check_office_document(upload, checked.name)
    upload.seek(0)
    with transaction.atomic():
        meeting = _locked(item.meeting_id)
        _item_locked(item.pk)  # not removed meanwhile
        if AgendaDocument.objects.filter(item_id=item.pk).count() >= MAX_DOCUMENTS:
            raise InvalidInput(
                _("An item carries at most %(n)d documents.") % {"n": MAX_DOCUMENTS},
                fields={"file": [_("Too many.")]},
            )
        document = AgendaDocument(
            item_id=item.pk,
            name=checked.name,
            content_type=checked.content_type,
            size=upload.size,
            uploaded_by=by,
        )
        document.file.save(checked.name, upload, save=False)
        document.save()
        _item_touched(meeting, item.pk)
        return document


def agenda_document_remove(*, by: Official, document_id: int) -> None:
    """Remove a document from its item (those who edit the agenda); its file goes too."""
    document = AgendaDocument.objects.filter(pk=document_id).first()
    if document is None:
        raise NotFound(_("No such file."))
    try:
        item = _item_for_editor(by, document.item_id)
    except NotFound:
        raise NotFound(_("No such file.")) from None
    with transaction.atomic():
        meeting = _locked(item.meeting_id)
        stored = document.file.name
        document.delete()
        transaction.on_commit(lambda: document.file.storage.delete(stored))
        _item_touched(meeting, item.pk)


def _item_touched(meeting: Meeting, item_id: int) -> None:
    """An item's documents changed: its version rises and everyone following sees it."""
    item = AgendaItem.objects.select_related("presenter", "presenter_agency", "source_message").get(
        pk=item_id
    )
    item.version += 1
    item.updated_at = timezone.now()
    item.save(update_fields=["version", "updated_at"])
    _changed(meeting, order=False)
    _send_item(meeting, item)


# --- templates -----------------------------------------------------------------------------


def agenda_template_save(*, by: Official, meeting_id: int, name: str) -> AgendaTemplate:
    """Save the meeting's agenda as a template of the official's agency, under `name`.
    Saving under a name in use replaces that template (its author, or a coordinator of the
    agency). Only a biasa meeting's agenda becomes a template: a template is read by the whole
    agency, a terbatas or rahasia agenda only by those who may see its meeting."""
    meeting = _editable_meeting(by, meeting_id)
    if by.agency_id is None:
        raise Forbidden(_("Only officials of an agency save agenda templates."))
    if meeting.classification != Classification.BIASA:
        raise Conflict(
            _(
                "Only the agenda of a biasa meeting can become a template: the whole agency "
                "reads it."
            ),
            current={"classification": meeting.classification},
        )
    items = [
        {
            "title": item.title,
            "description": item.description,
            "planned_minutes": item.planned_minutes,
            "outcome": item.outcome,
        }
        for item in selectors.agenda_items(meeting)
    ]
    if not items:
        raise Conflict(_("The agenda is empty; there is nothing to save."), current={"items": []})
    with transaction.atomic():
        template = (
            AgendaTemplate.objects.select_for_update()
            .filter(agency_id=by.agency_id, name=name)
            .first()
        )
        if template is None:
            return AgendaTemplate.objects.create(
                agency_id=by.agency_id, name=name, items=items, created_by=by
            )
        _may_change_template(by, template)
        template.items = items
        template.created_at = timezone.now()
        template.save(update_fields=["items", "created_at"])
        return template


def _may_change_template(by: Official, template: AgendaTemplate) -> None:
    if template.created_by_id != by.pk and not permissions.is_coordinator(by):
        permissions.permission_denied(official=by, action="change agenda template", target=template)
        raise Forbidden(
            _("Only the official who saved it or a coordinator of the agency changes it.")
        )


def agenda_template_apply(
    *, by: Official, meeting_id: int, template_id: int, version: int
) -> list[AgendaItem]:
    """Add a template's items (of the official's agency) at the end of the agenda; `version`
    is the order's as seen (a Conflict when it changed meanwhile)."""
    meeting = _editable_meeting(by, meeting_id)
    template = AgendaTemplate.objects.filter(pk=template_id, agency_id=by.agency_id).first()
    if template is None:
        raise NotFound(_("No such agenda template."), fields={"template": [str(template_id)]})
    added = []
    with transaction.atomic():
        meeting = _locked(meeting.pk)
        if version != meeting.agenda_version:
            raise _order_conflict(meeting)
        for entry in template.items:
            added.append(
                _insert(
                    meeting,
                    by=by,
                    title=entry["title"],
                    description=entry.get("description", ""),
                    presenter=None,
                    planned_minutes=entry.get("planned_minutes", 10),
                    outcome=entry.get("outcome", AgendaItem.Outcome.DISCUSSION),
                    links=(),
                    position=None,
                )
            )
    return added


def agenda_template_delete(*, by: Official, template_id: int) -> None:
    """Delete a template: the official who saved it, or a coordinator of its agency."""
    template = AgendaTemplate.objects.filter(pk=template_id, agency_id=by.agency_id).first()
    if template is None:
        raise NotFound(_("No such agenda template."))
    _may_change_template(by, template)
    template.delete()
