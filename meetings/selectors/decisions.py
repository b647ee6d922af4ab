"""Reads of decisions and follow-up actions: one for whoever may see it, the lists the pages,
the API, the feeds and the dashboard show, the per-province summary, and the JSON shapes.

Lists filter in the database with `actions_visible_q` / `decisions_visible_q`: the policy
of coordination.organisation.permissions (may_view_action, may_view_decision) written as a
query, and tested against it row by row (tests/meetings/selectors/test_decisions.py).
"""

from __future__ import annotations

import dataclasses
import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.organisation import permissions
from coordination.organisation.models import Agency, Classification, Official, Zone
from coordination.platform.errors import NotFound
from meetings.models import (
    ActionAttachment,
    ActionUpdate,
    Decision,
    DecisionLogEntry,
    FollowUpAction,
    Meeting,
    MeetingAgency,
    Participant,
)

# The rows of the summary: provinces, and the central agencies (ministries, national
# agencies) for what they owe themselves.
SUMMARY_LEVELS = (Agency.Level.PROVINCE, Agency.Level.MINISTRY, Agency.Level.NATIONAL_AGENCY)
EARLIEST, LATEST = datetime.date(1970, 1, 2), datetime.date(9000, 1, 1)
RANK = {Classification.BIASA: 0, Classification.TERBATAS: 1, Classification.RAHASIA: 2}
OPEN = FollowUpAction.OPEN_STATUSES


def stricter(*classifications: str) -> str:
    return max(classifications, key=lambda value: RANK.get(value, 2))


# --- the agency tree ------------------------------------------------------------------


def agency_subtree_ids(agency_id: int) -> list[int]:
    """The agency and every agency below it (a province and its regencies and cities)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Agency.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = [], [agency_id]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.append(current)
        todo.extend(children.get(current, ()))
    return found


def today_in(zone: str, now: datetime.datetime | None = None) -> datetime.date:
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(zone)).date()


def overdue_q(now: datetime.datetime | None = None, prefix: str = "") -> Q:
    """Open actions whose due day has passed in the owing agency's zone."""
    now = now or timezone.now()
    zones = Q()
    for zone in Zone.values:
        zones |= Q(**{f"{prefix}agency__timezone": zone, f"{prefix}due__lt": today_in(zone, now)})
    return Q(**{f"{prefix}status__in": OPEN}) & zones


def is_overdue(action: FollowUpAction, now: datetime.datetime | None = None) -> bool:
    return action.overdue_at(now or timezone.now())


# --- the visibility policy as a query ---------------------------------------------------


def _named_q(official: Official, meeting: str) -> Q:
    named = Participant.objects.filter(
        meeting_id=OuterRef(f"{meeting}id"), official_id=official.pk, named=True
    )
    return Q(**{f"{meeting}organiser_id": official.pk}) | Q(Exists(named))


def _participant_q(official: Official, meeting: str) -> Q:
    q = _named_q(official, meeting)
    if official.agency_id is not None:
        invited = MeetingAgency.objects.filter(
            meeting_id=OuterRef(f"{meeting}id"), agency_id=official.agency_id
        )
        q |= Q(Exists(invited))
    return q


def _class_q(level: str, meeting: str, decision: str) -> Q:
    return Q(**{f"{meeting}classification": level}) | Q(**{f"{decision}classification": level})


def actions_visible_q(official: Official, *, oversight: bool = True) -> Q:
    """FollowUpAction rows `official` may see (permissions.may_view_action). Without
    `oversight`, the agencies below the official's are left out (a query fewer, for lists
    that hold only the official's own and their agency's actions anyway)."""
    if not permissions.is_active(official):
        return Q(pk__in=[])
    meeting, decision = "decision__meeting__", "decision__"
    secret = _class_q(Classification.RAHASIA, meeting, decision)
    restricted = _class_q(Classification.TERBATAS, meeting, decision)
    open_to = _participant_q(official, meeting) | Q(assignee_id=official.pk)
    if official.agency_id is not None:
        own = Q(agency_id=official.agency_id)
        if not permissions.is_coordinator(official):
            own &= ~restricted
        open_to |= own
        if oversight and permissions.is_coordinator(official):
            below = [
                pk for pk in agency_subtree_ids(official.agency_id) if pk != official.agency_id
            ]
            open_to |= Q(agency_id__in=below)
    return (secret & _named_q(official, meeting)) | (~secret & open_to)


def decisions_visible_q(official: Official) -> Q:
    """Decision rows `official` may see (permissions.may_view_decision)."""
    if not permissions.is_active(official):
        return Q(pk__in=[])
    meeting = "meeting__"
    secret = _class_q(Classification.RAHASIA, meeting, "")
    through_action = FollowUpAction.objects.filter(decision_id=OuterRef("pk")).filter(
        actions_visible_q(official)
    )
    open_to = _participant_q(official, meeting) | Q(Exists(through_action))
    return (secret & _named_q(official, meeting)) | (~secret & open_to)


# --- facts for the policy -------------------------------------------------------------


def decision_meeting_facts(decision: Decision) -> permissions.MeetingFacts:
    from meetings.selectors import meeting_facts

    facts = meeting_facts(decision.meeting)
    return dataclasses.replace(
        facts, classification=stricter(facts.classification, decision.classification)
    )


def action_facts(
    action: FollowUpAction, meeting: permissions.MeetingFacts
) -> permissions.ActionFacts:
    return permissions.ActionFacts(
        meeting=meeting, owing_agency_id=action.agency_id, assignee_id=action.assignee_id
    )


def decisions_base() -> QuerySet[Decision]:
    return Decision.objects.select_related(
        "meeting", "meeting__agency", "agenda_item", "recorded_by", "superseded_by"
    )


def actions_base() -> QuerySet[FollowUpAction]:
    return FollowUpAction.objects.select_related(
        "decision", "decision__meeting", "agency", "agency__parent", "assignee"
    )


def decision_get_visible(official: Official, decision_id: int) -> Decision:
    decision = decisions_base().filter(pk=decision_id).first()
    if decision is None or not may_view_decision(official, decision):
        raise NotFound(_("No such decision."))
    return decision


def may_view_decision(official: Official, decision: Decision) -> bool:
    facts = decision_meeting_facts(decision)
    actions = [action_facts(action, facts) for action in decision.actions.all()]
    return permissions.may_view_decision(official, facts, actions)


def action_get_visible(official: Official, action_id: int) -> FollowUpAction:
    action = actions_base().filter(pk=action_id).first()
    if action is None:
        raise NotFound(_("No such follow-up action."))
    facts = action_facts(action, decision_meeting_facts(action.decision))
    if not permissions.may_view_action(official, facts):
        raise NotFound(_("No such follow-up action."))
    return action


def may_record_decision(official: Official, meeting: Meeting) -> bool:
    from meetings.selectors import meeting_facts

    return permissions.may_record_decision(official, meeting_facts(meeting))


def may_update_action(official: Official, action: FollowUpAction) -> bool:
    facts = action_facts(action, decision_meeting_facts(action.decision))
    return permissions.may_update_action(official, facts)


def may_cancel_action(official: Official, action: FollowUpAction) -> bool:
    facts = action_facts(action, decision_meeting_facts(action.decision))
    return permissions.may_cancel_action(official, facts)


# --- shapes ---------------------------------------------------------------------------


def action_url(action: FollowUpAction) -> str:
    return reverse("actions:detail", args=[action.pk])


def _who(official: Official | None) -> dict[str, str] | None:
    if official is None:
        return None
    return {"username": official.username, "name": official.display_name}


def _iso(value: datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def action_out(action: FollowUpAction, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    agency = action.agency
    return {
        "id": action.pk,
        "decision": action.decision_id,
        "meeting": action.decision.meeting_id,
        "description": action.description,
        "agency": {"code": agency.code, "name": agency.name, "timezone": agency.timezone},
        "assignee": _who(action.assignee),
        "due": action.due.isoformat(),
        "status": action.status,
        "overdue": is_overdue(action, now),
        "completed_on": action.completed_on.isoformat() if action.completed_on else None,
        "updated_at": _iso(action.updated_at),
        "url": action_url(action),
    }


def decision_out(decision: Decision, actions: Iterable[FollowUpAction] | None) -> dict:
    """A decision with `actions` (those the reader may see: `visible_actions`); None leaves
    the actions out (the `decision` frame: each action comes as its own frame, to those who
    may see it)."""
    item = decision.agenda_item
    out = {
        "id": decision.pk,
        "meeting": {"id": decision.meeting_id, "title": decision.meeting.title},
        "agenda_item": None if item is None else {"id": item.pk, "title": item.title},
        "text": decision.text,
        "decided_at": _iso(decision.decided_at),
        "recorded_by": _who(decision.recorded_by),
        "recorded_at": _iso(decision.recorded_at),
        "tags": list(decision.tags),
        "classification": decision.classification,
        "status": decision.status,
        "status_reason": decision.status_reason,
        "superseded_by": decision.superseded_by_id,
        "url": reverse("decisions:detail", args=[decision.pk]),
    }
    if actions is not None:
        out["actions"] = [action_out(action) for action in actions]
    return out


def visible_actions(official: Official, decision: Decision) -> list[FollowUpAction]:
    """The decision's actions `official` may see (all of them for its meeting's
    participants; for an agency that sees the decision through its action, its own)."""
    prefetched = getattr(decision, "visible_actions", None)
    if prefetched is not None:
        return prefetched
    return list(
        actions_base()
        .filter(decision=decision)
        .filter(actions_visible_q(official))
        .order_by("due", "id")
    )


def decision_for(official: Official, decision: Decision) -> dict[str, Any]:
    return decision_out(decision, visible_actions(official, decision))


def attachment_out(file: ActionAttachment) -> dict[str, Any]:
    return {
        "id": file.pk,
        "name": file.name,
        "content_type": file.content_type,
        "size": file.size,
        "sha256": file.sha256,
        "url": reverse("actions:file", args=[file.pk]),
    }


def update_out(update: ActionUpdate) -> dict[str, Any]:
    return {
        "id": update.pk,
        "status": update.status,
        "comment": update.comment,
        "by": _who(update.by),
        "at": _iso(update.at),
        "attachments": [attachment_out(file) for file in update.attachments.all()],
    }


def action_updates(action: FollowUpAction) -> list[ActionUpdate]:
    return list(
        ActionUpdate.objects.filter(action=action)
        .select_related("by")
        .prefetch_related("attachments")
        .order_by("at", "id")
    )


def action_detail(action: FollowUpAction, viewer: Official) -> dict[str, Any]:
    return action_out(action) | {
        "decision_text": action.decision.text,
        "meeting_title": action.decision.meeting.title,
        "updates": [update_out(update) for update in action_updates(action)],
        "may_update": may_update_action(viewer, action),
    }


def history_out(entry: DecisionLogEntry) -> dict[str, Any]:
    return {
        "entry": entry.position,
        "kind": entry.kind,
        "by": _who(entry.recorded_by),
        "at": _iso(entry.recorded_at),
        "hash": entry.hash,
        "content": entry.content,
    }


def decision_history(official: Official, decision: Decision) -> list[DecisionLogEntry]:
    """The log entries about the decision itself and about its actions `official` may
    see, oldest first."""
    actions = [action.pk for action in visible_actions(official, decision)]
    own = Q(decision=decision, action__isnull=True)
    return list(
        DecisionLogEntry.objects.filter(own | Q(action_id__in=actions))
        .select_related("recorded_by")
        .order_by("position")
    )


def attachment_get_for_reader(official: Official, file_id: int) -> ActionAttachment:
    file = ActionAttachment.objects.select_related("update").filter(pk=file_id).first()
    if file is None:
        raise NotFound(_("No such file."))
    try:
        action_get_visible(official, file.update.action_id)
    except NotFound:
        raise NotFound(_("No such file.")) from None
    return file


# --- lists ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionFilters:
    agency: str = ""  # an agency's code: its own actions (an unknown code matches none)
    province: str = ""  # an agency's code: it and everything below it
    status: str = ""
    overdue: bool | None = None
    due_from: datetime.date | None = None
    due_to: datetime.date | None = None
    meeting: int | None = None
    mine: bool = False
    my_agency: bool = False


def actions_filtered(official: Official, filters: ActionFilters) -> QuerySet[FollowUpAction]:
    """The actions `official` may see that match `filters` (in due order)."""
    rows = actions_base().filter(actions_visible_q(official))
    if filters.agency:
        rows = rows.filter(agency__code=filters.agency)
    if filters.province:
        top = Agency.objects.filter(code=filters.province).values_list("pk", flat=True).first()
        rows = rows.filter(agency_id__in=agency_subtree_ids(top)) if top else rows.none()
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.overdue is True:
        rows = rows.filter(overdue_q())
    elif filters.overdue is False:
        rows = rows.exclude(overdue_q())
    if filters.due_from:
        rows = rows.filter(due__gte=filters.due_from)
    if filters.due_to:
        rows = rows.filter(due__lte=filters.due_to)
    if filters.meeting:
        rows = rows.filter(decision__meeting_id=filters.meeting)
    if filters.mine:
        rows = rows.filter(assignee_id=official.pk)
    if filters.my_agency:
        rows = rows.filter(agency_id=official.agency_id)
    return rows.order_by("due", "id")


@dataclass(frozen=True)
class DecisionFilters:
    query: str = ""
    agency: str = ""  # an agency's code: decisions of its meetings or owed by it
    tag: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None
    meeting: int | None = None
    status: str = ""


def decisions_filtered(official: Official, filters: DecisionFilters) -> QuerySet[Decision]:
    rows = decisions_base().filter(decisions_visible_q(official))
    if filters.query:
        rows = rows.filter(
            Q(text__icontains=filters.query) | Q(meeting__title__icontains=filters.query)
        )
    if filters.agency:
        owing = FollowUpAction.objects.filter(
            decision_id=OuterRef("pk"), agency__code=filters.agency
        )
        rows = rows.filter(Q(meeting__agency__code=filters.agency) | Q(Exists(owing)))
    if filters.tag:
        rows = rows.filter(tag_index__contains=f"|{filters.tag}|")
    zone = zoneinfo.ZoneInfo(official.zone_name)
    # Dates outside 1970-9000 mean "no bound" (and would overflow a datetime).
    if filters.since and filters.since > EARLIEST:
        start = datetime.datetime.combine(filters.since, datetime.time(), tzinfo=zone)
        rows = rows.filter(decided_at__gte=start)
    if filters.until and filters.until < LATEST:
        end = datetime.datetime.combine(
            filters.until + datetime.timedelta(days=1), datetime.time(), tzinfo=zone
        )
        rows = rows.filter(decided_at__lt=end)
    if filters.meeting:
        rows = rows.filter(meeting_id=filters.meeting)
    if filters.status:
        rows = rows.filter(status=filters.status)
    seen = actions_base().filter(actions_visible_q(official)).order_by("due", "id")
    return rows.prefetch_related(Prefetch("actions", queryset=seen, to_attr="visible_actions"))


def meetings_with_actions(official: Official, *, limit: int = 100) -> list[Meeting]:
    """The meetings whose follow-up actions `official` may see, the latest first (the
    Tindak lanjut page's meeting filter)."""
    ids = (
        FollowUpAction.objects.filter(actions_visible_q(official))
        .values_list("decision__meeting_id", flat=True)
        .distinct()
    )
    return list(Meeting.objects.filter(pk__in=ids).order_by("-start", "-id")[:limit])


def supersede_choices(official: Official, decision: Decision) -> list[Decision]:
    """The decisions in force `official` may see that could supersede `decision` (the 200
    most recent)."""
    return list(
        decisions_base()
        .filter(decisions_visible_q(official), status=Decision.Status.ADOPTED)
        .exclude(pk=decision.pk)
        .order_by("-decided_at", "-id")[:200]
    )


def decisions_of_meeting(official: Official, meeting: Meeting) -> list[Decision]:
    return list(
        decisions_filtered(official, DecisionFilters(meeting=meeting.pk)).order_by(
            "decided_at", "id"
        )
    )


def province_summary(official: Official, filters: ActionFilters) -> list[dict[str, Any]]:
    """Per province (and per central agency, for what it owes itself), of the actions
    `official` may see matching `filters`: open, overdue, done on time, done late,
    cancelled. An action counts for the nearest province at or above its agency (else the
    top of its tree). Three queries whatever the size."""
    agencies = {
        pk: (parent, level, name, code)
        for pk, parent, level, name, code in Agency.objects.values_list(
            "pk", "parent_id", "level", "name", "code"
        )
    }

    def province_of(agency_id: int) -> int:
        current, seen = agency_id, set()
        while current is not None and current not in seen:
            seen.add(current)
            parent, level, _name, _code = agencies[current]
            if level == Agency.Level.PROVINCE or parent is None:
                return current
            current = parent
        return agency_id

    rows: dict[int, dict[str, Any]] = {}
    overdue_ids = set(
        actions_filtered(official, filters).filter(overdue_q()).values_list("pk", flat=True)
    )
    facts = actions_filtered(official, filters).values_list(
        "pk", "agency_id", "status", "due", "completed_on"
    )
    for pk, agency_id, status, due, completed_on in facts:
        province = province_of(agency_id)
        _parent, level, name, code = agencies[province]
        row = rows.setdefault(
            province,
            {
                "code": code,
                "name": name,
                "level": level,
                "open": 0,
                "overdue": 0,
                "done_on_time": 0,
                "done_late": 0,
                "cancelled": 0,
                "total": 0,
            },
        )
        row["total"] += 1
        if pk in overdue_ids:
            row["overdue"] += 1
        elif status in OPEN:
            row["open"] += 1
        elif status == FollowUpAction.Status.DONE:
            on_time = completed_on is not None and completed_on <= due
            row["done_on_time" if on_time else "done_late"] += 1
        else:
            row["cancelled"] += 1
    return sorted(
        rows.values(), key=lambda row: (row["level"] == Agency.Level.PROVINCE, row["name"])
    )


def actions_due_for(official: Official, *, limit: int = 8) -> list[FollowUpAction]:
    """The dashboard's card: open actions assigned to the official or owed by their agency,
    the most urgent first. One query whatever the size."""
    mine = Q(assignee_id=official.pk)
    if official.agency_id is not None:
        mine |= Q(agency_id=official.agency_id)
    return list(
        actions_base()
        .filter(status__in=OPEN)
        .filter(mine)
        .filter(actions_visible_q(official, oversight=False))
        .order_by("due", "id")[:limit]
    )
