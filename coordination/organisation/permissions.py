"""The visibility policy: who may see and do what, across agencies.

Every permission check in Rakor goes through this module; docs/permissions.md is the same
policy written as a table, and tests/coordination/test_permissions.py checks it row by row.

The predicates take the official and plain facts about the object (`MeetingFacts`,
`ActionFacts`), so the policy is one pure place that models of later apps feed, and so it
can be tested without building every table. The apps own small adapters that turn their
models into facts.

Administrators manage the organisation (agencies, officials, roles, room membership) and
read the audit log, but do not read content: they see a room, a meeting, a decision or an
action only by the same rules as anyone else. Rahasia (confidential) content is shown only to
the officials named on it, never to someone who qualifies through their agency.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied

from coordination.organisation.models import Agency, Classification, Official, Role

logger = logging.getLogger("rakor.permissions")

# The apps whose models administrators manage in the Django admin. Apps holding content
# (messaging, meetings) are not listed: administrators do not read content. When those apps
# expose structure to the admin (rooms' membership, say), they add narrow rules here.
ADMIN_APP_LABELS = frozenset({"coordination", "axes"})


# --- who the official is ----------------------------------------------------------------


def is_active(official: Official | None) -> bool:
    return bool(official is not None and official.is_authenticated and official.is_active)


def is_administrator(official: Official | None) -> bool:
    return is_active(official) and (official.role == Role.ADMINISTRATOR or official.is_superuser)


def is_coordinator(official: Official | None) -> bool:
    """An official with the coordinator role. Administrators are not coordinators: rules
    that open content to coordinators (terbatas meetings, oversight) do not reach them."""
    return is_active(official) and official.role == Role.COORDINATOR


def may_organise(official: Official | None) -> bool:
    """Scheduling meetings and creating coordination rooms: coordinators, and administrators
    (who then take part like anyone who organises)."""
    return is_coordinator(official) or is_administrator(official)


def agency_ancestor_ids(agency_id: int | None) -> list[int]:
    """The agencies above `agency_id`, nearest first (a regency's province, then upward).

    One query covers four levels; deeper trees take one more query per four levels.
    """
    ancestors: list[int] = []
    current = agency_id
    while current is not None:
        row = (
            Agency.objects.filter(pk=current)
            .values_list(
                "parent_id",
                "parent__parent_id",
                "parent__parent__parent_id",
                "parent__parent__parent__parent_id",
            )
            .first()
        )
        current = None
        for parent_id in row or ():
            if parent_id is None:
                break
            if parent_id == agency_id or parent_id in ancestors:
                return ancestors  # a cycle slipped past validation: stop, do not loop
            ancestors.append(parent_id)
        else:
            if row is not None:
                current = ancestors[-1]  # four levels found: continue above the fourth
    return ancestors


def oversees(official: Official | None, agency_id: int | None) -> bool:
    """True when `official` coordinates an agency strictly above `agency_id`."""
    if agency_id is None or not is_coordinator(official) or official.agency_id is None:
        return False
    return official.agency_id in agency_ancestor_ids(agency_id)


# --- the organisation -------------------------------------------------------------------


def may_view_directory(official: Official | None) -> bool:
    """Every signed-in official sees agencies and officials: names, usernames, positions,
    roles, zones and work e-mail addresses (what colleagues need to coordinate)."""
    return is_active(official)


def may_manage_organisation(official: Official | None) -> bool:
    """Agencies, officials and roles are managed by administrators."""
    return is_administrator(official)


def may_read_audit_log(official: Official | None) -> bool:
    return is_administrator(official)


def may_use_admin_site(official: Official | None, app_label: str) -> bool:
    return is_administrator(official) and app_label in ADMIN_APP_LABELS


def may_edit_profile(official: Official | None, target: Official) -> bool:
    """Officials edit their own profile; administrators edit anyone's."""
    return is_active(official) and (official.pk == target.pk or is_administrator(official))


def may_revoke_token(official: Official | None, *, owner_id: int) -> bool:
    """A token's owner revokes it; administrators revoke anyone's."""
    return is_active(official) and (official.pk == owner_id or is_administrator(official))


# --- rooms ------------------------------------------------------------------------------


def may_view_room(official: Official | None, *, is_member: bool) -> bool:
    """Members see their rooms; nobody else does (administrators included)."""
    return is_active(official) and is_member


def may_post_in_room(official: Official | None, *, is_member: bool, is_archived: bool) -> bool:
    return may_view_room(official, is_member=is_member) and not is_archived


def may_create_coordination_room(official: Official | None) -> bool:
    return may_organise(official)


def may_manage_room_members(
    official: Official | None,
    *,
    is_room_admin: bool,
    is_coordination_room: bool,
    adding: bool = True,
) -> bool:
    """Only coordination rooms have hand-managed members. Their room admins add and remove
    members; administrators only remove them (an official who has left), because adding
    someone, themselves included, would open the room's content. Agency, meeting and direct
    rooms follow their source."""
    if not is_coordination_room or not is_active(official):
        return False
    return is_room_admin or (is_administrator(official) and not adding)


def may_delete_message(official: Official | None, *, is_author: bool, is_room_admin: bool) -> bool:
    """A message is deleted by its author or by a room admin (moderation)."""
    return is_active(official) and (is_author or is_room_admin)


# --- meetings, decisions and actions ----------------------------------------------------


@dataclass(frozen=True)
class MeetingFacts:
    """What the policy needs to know about a meeting."""

    organiser_id: int | None
    organising_agency_id: int | None
    classification: str = Classification.BIASA
    # Officials invited by name (organiser included or not: the organiser always counts).
    named_participant_ids: frozenset[int] = field(default_factory=frozenset)
    # Agencies invited whole: their officials take part, but are not "named".
    participant_agency_ids: frozenset[int] = field(default_factory=frozenset)
    # Named participants in the chair's role, and in the note taker's.
    chair_ids: frozenset[int] = field(default_factory=frozenset)
    note_taker_ids: frozenset[int] = field(default_factory=frozenset)

    def is_named(self, official: Official) -> bool:
        return official.pk == self.organiser_id or official.pk in self.named_participant_ids

    def is_participant(self, official: Official) -> bool:
        return self.is_named(official) or (
            official.agency_id is not None and official.agency_id in self.participant_agency_ids
        )


@dataclass(frozen=True)
class ActionFacts:
    """A follow-up action (tindak lanjut): the meeting it came from and who owes it."""

    meeting: MeetingFacts
    owing_agency_id: int | None
    assignee_id: int | None = None


def may_schedule_meeting(official: Official | None) -> bool:
    return may_organise(official)


def may_view_meeting(official: Official | None, meeting: MeetingFacts) -> bool:
    """Participants and the organising agency see a meeting.

    biasa: participants (named or through their agency), the organiser, every official of
    the organising agency. terbatas: the organising agency only through its coordinators.
    rahasia: named participants and the organiser only.
    """
    if not is_active(official):
        return False
    if meeting.classification == Classification.RAHASIA:
        return meeting.is_named(official)
    if meeting.is_participant(official):
        return True
    if official.agency_id is None or official.agency_id != meeting.organising_agency_id:
        return False
    return meeting.classification == Classification.BIASA or is_coordinator(official)


def may_edit_meeting(official: Official | None, meeting: MeetingFacts) -> bool:
    """The organiser, and coordinators of the organising agency who may see it."""
    if not may_view_meeting(official, meeting):
        return False
    return official.pk == meeting.organiser_id or (
        is_coordinator(official) and official.agency_id == meeting.organising_agency_id
    )


def may_edit_agenda(
    official: Official | None, meeting: MeetingFacts, *, is_agenda_editor: bool = False
) -> bool:
    """A meeting's agenda is edited (items added, changed, reordered, removed; proposals
    accepted or declined) by its organiser, its chair and the officials they grant it to."""
    if not may_view_meeting(official, meeting):
        return False
    return (
        official.pk == meeting.organiser_id
        or official.pk in meeting.chair_ids
        or (is_agenda_editor)
    )


def may_grant_agenda_editing(official: Official | None, meeting: MeetingFacts) -> bool:
    """The organiser and the chair grant (and take back) editing of the agenda."""
    if not may_view_meeting(official, meeting):
        return False
    return official.pk == meeting.organiser_id or official.pk in meeting.chair_ids


def may_take_part(official: Official | None, meeting: MeetingFacts) -> bool:
    """Participants (named, or through an agency invited whole) and the organiser take part:
    they propose agenda items, ask to speak and are marked present; others who may see the
    meeting follow it only."""
    return may_view_meeting(official, meeting) and meeting.is_participant(official)


def may_propose_agenda_item(official: Official | None, meeting: MeetingFacts) -> bool:
    """Those who take part propose agenda items; others who may see the meeting read its
    agenda only."""
    return may_take_part(official, meeting)


def may_run_meeting(official: Official | None, meeting: MeetingFacts) -> bool:
    """The chair, and the organiser, open and close the meeting, choose the item under
    discussion, call speakers and mark who is present."""
    if not may_view_meeting(official, meeting):
        return False
    return official.pk == meeting.organiser_id or official.pk in meeting.chair_ids


def may_take_notes(official: Official | None, meeting: MeetingFacts) -> bool:
    """The note takers write the notulen; where none is named, the organiser does."""
    if not may_view_meeting(official, meeting):
        return False
    if meeting.note_taker_ids:
        return official.pk in meeting.note_taker_ids
    return official.pk == meeting.organiser_id


def may_approve_notulen(official: Official | None, meeting: MeetingFacts) -> bool:
    """The chair approves the notulen or returns them; where no chair is named, the
    organiser does."""
    if not may_view_meeting(official, meeting):
        return False
    if meeting.chair_ids:
        return official.pk in meeting.chair_ids
    return official.pk == meeting.organiser_id


def may_read_notulen_draft(official: Official | None, meeting: MeetingFacts) -> bool:
    """Notes not yet approved are read by those who take part (the notes taken during the
    meeting, live); everyone who sees the meeting reads the approved notulen."""
    return may_take_part(official, meeting)


def may_hand_in_reply(
    official: Official | None, meeting: MeetingFacts, *, attendee_id: int
) -> bool:
    """An iTIP REPLY for `attendee_id`: the attendee themselves, those who edit the meeting,
    or an administrator handing in a reply that reached the scheduling mailbox by mail."""
    if not is_active(official):
        return False
    if official.pk == attendee_id or is_administrator(official):
        return True
    return may_edit_meeting(official, meeting)


def may_view_action(official: Official | None, action: ActionFacts) -> bool:
    """Decisions and actions are visible to the meeting's participants, to the agency that
    owes the action and to coordinators of the agencies above it.

    terbatas narrows "the agency that owes it" to its coordinators and the assignee;
    rahasia narrows everything to the meeting's named participants.
    """
    if not is_active(official):
        return False
    meeting = action.meeting
    if meeting.classification == Classification.RAHASIA:
        return meeting.is_named(official)
    if meeting.is_participant(official) or official.pk == action.assignee_id:
        return True
    if action.owing_agency_id is not None and official.agency_id == action.owing_agency_id:
        return meeting.classification == Classification.BIASA or is_coordinator(official)
    return oversees(official, action.owing_agency_id)


def may_view_decision(
    official: Official | None, meeting: MeetingFacts, actions: Iterable[ActionFacts] = ()
) -> bool:
    """A decision is visible to whoever may see the meeting's actions: its participants, and
    through each follow-up action it carries, the owing agency and those above it."""
    if not is_active(official):
        return False
    if meeting.classification == Classification.RAHASIA:
        return meeting.is_named(official)
    if meeting.is_participant(official):
        return True
    return any(may_view_action(official, action) for action in actions)


def may_record_decision(official: Official | None, meeting: MeetingFacts) -> bool:
    """Decisions are recorded, and their follow-up actions assigned, by those who run the
    meeting or take its notes: the organiser, the chair and the note takers. A status change
    (superseded, revoked) is recorded by the same people."""
    if not may_view_meeting(official, meeting):
        return False
    return (
        official.pk == meeting.organiser_id
        or official.pk in meeting.chair_ids
        or official.pk in meeting.note_taker_ids
    )


def may_cancel_action(official: Official | None, action: ActionFacts) -> bool:
    """An action is cancelled (with a reason) by those who record the meeting's decisions:
    the organiser, the chair and the note takers."""
    return may_view_action(official, action) and may_record_decision(official, action.meeting)


def may_update_action(official: Official | None, action: ActionFacts) -> bool:
    """Progress on an action is reported by its assignee or by the owing agency's
    coordinators; the meeting's organiser may too."""
    if not may_view_action(official, action):
        return False
    if official.pk in (action.assignee_id, action.meeting.organiser_id):
        return True
    return is_coordinator(official) and official.agency_id == action.owing_agency_id


# --- enforcement ------------------------------------------------------------------------


def require(
    allowed: bool, *, official: Official | None, action: str, target: object = None
) -> None:
    """Raise PermissionDenied unless `allowed`; every denial is logged in one place."""
    if allowed:
        return
    permission_denied(official=official, action=action, target=target)
    raise PermissionDenied(action)


def permission_denied(*, official: Official | None, action: str, target: object = None) -> None:
    """Log and audit a refusal (the one place every denial passes)."""
    from django.db import models

    from coordination.organisation.audit import Event, audit_record
    from coordination.platform import ratelimit

    who = getattr(official, "username", None) or "anonymous"
    logger.info("permission denied: %s may not %s %s", who, action, target if target else "")
    # Audited, but not without end: a client repeating a refused frame must not flood the log.
    if not ratelimit.allow("audit-denied", f"{who}:{action}", limit=10, window_seconds=60):
        return
    is_model = isinstance(target, models.Model)
    audit_record(
        Event.PERMISSION_DENIED,
        actor=official,
        target=target if is_model else None,
        action=action,
        **({"on": str(target)} if target is not None and not is_model else {}),
    )
