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
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
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


class AgencyTree:
    """Every agency, read in one query (by name): each by id and by code, and what lies
    below each. A page that filters by the tree more than once (the visibility of actions,
    a province filter, the summary per province, the filter's lists) reads it once and
    passes it on."""

    def __init__(self, agencies: Iterable[Agency] | None = None) -> None:
        self.agencies = list(Agency.objects.order_by("name") if agencies is None else agencies)
        self.by_id = {agency.pk: agency for agency in self.agencies}
        self.by_code = {agency.code: agency for agency in self.agencies}
        self.children: dict[int | None, list[int]] = {}
        for agency in self.agencies:
            self.children.setdefault(agency.parent_id, []).append(agency.pk)

    def subtree(self, agency_id: int) -> list[int]:
        """The agency and every agency below it (a province and its regencies and cities)."""
        return _subtree(self.children, agency_id)


def _subtree(children: dict[int | None, list[int]], agency_id: int) -> list[int]:
    found, todo = [], [agency_id]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.append(current)
        todo.extend(children.get(current, ()))
    return found


def agency_subtree_ids(agency_id: int, *, tree: AgencyTree | None = None) -> list[int]:
    """The agency and every agency below it (a province and its regencies and cities). One
    query, none with the `tree` read already."""
    if tree is not None:
        return tree.subtree(agency_id)
    children: dict[int | None, list[int]] = {}
    for pk, parent in Agency.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    return _subtree(children, agency_id)


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


def actions_visible_q(
    official: Official, *, oversight: bool = True, tree: AgencyTree | None = None
) -> Q:
    """FollowUpAction rows `official` may see (permissions.may_view_action). Without
    `oversight`, the agencies below the official's are left out (a query fewer, for lists
    that hold only the official's own and their agency's actions anyway); with the agency
    `tree` read already, no query either."""
    if not permissions.is_active(official):
        return Q(pk__in=[])
    meeting, decision = "decision__meeting__", "decision__"
    secret = _class_q(Classification.RAHASIA, meeting, decision)
    restricted = _class_q(Classification.TERBATAS, meeting, decision)
    # The row's own columns first, the subqueries last: the database stops at the first
    # that holds (a coordinator's oversight covers most rows without a subquery).
    open_to = Q(assignee_id=official.pk)
    if official.agency_id is not None:
        own = Q(agency_id=official.agency_id)
        if not permissions.is_coordinator(official):
            own &= ~restricted
        open_to |= own
        if oversight and permissions.is_coordinator(official):
            below = [
                pk
                for pk in agency_subtree_ids(official.agency_id, tree=tree)
                if pk != official.agency_id
            ]
            open_to |= Q(agency_id__in=below)
    open_to |= _participant_q(official, meeting)
    return (secret & _named_q(official, meeting)) | (~secret & open_to)


def decisions_visible_q(official: Official, *, tree: AgencyTree | None = None) -> Q:
    """Decision rows `official` may see (permissions.may_view_decision)."""
    if not permissions.is_active(official):
        return Q(pk__in=[])
    meeting = "meeting__"
    secret = _class_q(Classification.RAHASIA, meeting, "")
    through_action = FollowUpAction.objects.filter(decision_id=OuterRef("pk")).filter(
        actions_visible_q(official, tree=tree)
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


def actions_filtered(
    official: Official, filters: ActionFilters, *, tree: AgencyTree | None = None
) -> QuerySet[FollowUpAction]:
    """The actions `official` may see that match `filters` (in due order). With the agency
    `tree` read already, building it costs no query."""
    rows = actions_base().filter(actions_visible_q(official, tree=tree))
    if filters.agency:
        rows = rows.filter(agency__code=filters.agency)
    if filters.province:
        if tree is not None:
            found = tree.by_code.get(filters.province)
            top = found.pk if found is not None else None
        else:
            top = Agency.objects.filter(code=filters.province).values_list("pk", flat=True).first()
        rows = rows.filter(agency_id__in=agency_subtree_ids(top, tree=tree)) if top else rows.none()
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


def decisions_filtered(
    official: Official, filters: DecisionFilters, *, tree: AgencyTree | None = None
) -> QuerySet[Decision]:
    """The decisions `official` may see that match `filters`, each with the actions they may
    see (`visible_actions`). The agency tree is read once (or given)."""
    tree = AgencyTree() if tree is None else tree
    rows = decisions_base().filter(decisions_visible_q(official, tree=tree))
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
    seen = actions_base().filter(actions_visible_q(official, tree=tree)).order_by("due", "id")
    return rows.prefetch_related(Prefetch("actions", queryset=seen, to_attr="visible_actions"))


def meetings_with_actions(
    official: Official, *, limit: int = 100, tree: AgencyTree | None = None
) -> list[Meeting]:
    """The meetings whose follow-up actions `official` may see, the latest first (the
    Tindak lanjut page's meeting filter: their id, title and start). One query with the
    agency `tree` given; it reads the meetings from the latest back until it has `limit` of
    them, not every visible action."""
    seen = FollowUpAction.objects.filter(decision__meeting_id=OuterRef("pk")).filter(
        actions_visible_q(official, tree=tree)
    )
    return list(
        Meeting.objects.filter(Exists(seen))
        .order_by("-start", "-id")
        .only("pk", "title", "start")[:limit]
    )


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


def province_summary(
    official: Official, filters: ActionFilters, *, tree: AgencyTree | None = None
) -> list[dict[str, Any]]:
    """Per province (and per central agency, for what it owes itself), of the actions
    `official` may see matching `filters`: open, overdue, done on time, done late,
    cancelled. An action counts for the nearest province at or above its agency (else the
    top of its tree). Counted in the database, per owing agency: two queries whatever the
    number of actions, one with the agency `tree` given."""
    tree = AgencyTree() if tree is None else tree

    def province_of(agency_id: int) -> int:
        current, seen = agency_id, set()
        while current is not None and current not in seen:
            seen.add(current)
            agency = tree.by_id[current]
            if agency.level == Agency.Level.PROVINCE or agency.parent_id is None:
                return current
            current = agency.parent_id
        return agency_id

    done = Q(status=FollowUpAction.Status.DONE)
    counts = (
        actions_filtered(official, filters, tree=tree)
        .order_by()
        .values("agency_id")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status__in=OPEN)),
            overdue=Count("pk", filter=overdue_q()),
            done=Count("pk", filter=done),
            done_on_time=Count(
                "pk", filter=done & Q(completed_on__isnull=False, completed_on__lte=F("due"))
            ),
        )
    )
    rows: dict[int, dict[str, Any]] = {}
    for count in counts:
        province = tree.by_id[province_of(count["agency_id"])]
        row = rows.setdefault(
            province.pk,
            {
                "code": province.code,
                "name": province.name,
                "level": province.level,
                "open": 0,
                "overdue": 0,
                "done_on_time": 0,
                "done_late": 0,
                "cancelled": 0,
                "total": 0,
            },
        )
        # Overdue actions are open ones, counted once, as overdue.
        row["total"] += count["total"]
        row["overdue"] += count["overdue"]
        row["open"] += count["open"] - count["overdue"]
        row["done_on_time"] += count["done_on_time"]
        row["done_late"] += count["done"] - count["done_on_time"]
        row["cancelled"] += count["total"] - count["open"] - count["done"]
    return sorted(
        rows.values(), key=lambda row: (row["level"] == Agency.Level.PROVINCE, row["name"])
    )


class _Counted(Paginator):
    """A paginator told its count (the summary has counted the rows already)."""

    def __init__(self, object_list, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.known = count

    @cached_property
    def count(self) -> int:
        return self.known


BOARD_COLUMNS = (
    "id",
    "description",
    "due",
    "status",
    "agency_id",
    "assignee_id",
    "decision_id",
    "decision__meeting_id",
    "decision__meeting__title",
    "agency__name",
    "agency__code",
    "agency__timezone",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


@dataclass(frozen=True)
class ActionBoard:
    """What the Tindak lanjut page shows: a page of the actions, the summary per province,
    the agencies and provinces to filter by, and the meetings with actions."""

    page: Page
    summary: list[dict[str, Any]]
    agencies: list[Agency]
    provinces: list[Agency]
    meetings: list[Meeting]


def action_board(
    official: Official, filters: ActionFilters, *, page: str | int | None, per_page: int
) -> ActionBoard:
    """The Tindak lanjut page of `official`: four queries whatever the number of actions
    (the agencies, the summary, which counts the actions too, the page of actions, the
    meetings)."""
    tree = AgencyTree()
    summary = province_summary(official, filters, tree=tree)
    # The columns the page's table shows, no more: the rows are sorted after the filter,
    # and narrow rows sort faster. (A column left out would cost a query per row: the
    # page's query budget test would say so.)
    rows = (
        actions_filtered(official, filters, tree=tree)
        .select_related(None)
        .select_related("decision__meeting", "agency", "assignee")
        .only(*BOARD_COLUMNS)
    )
    total = sum(row["total"] for row in summary)
    return ActionBoard(
        page=_Counted(rows, per_page, count=total).get_page(page),
        summary=summary,
        agencies=tree.agencies,
        provinces=[a for a in tree.agencies if a.level in SUMMARY_LEVELS],
        meetings=meetings_with_actions(official, tree=tree),
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
