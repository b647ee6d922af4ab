"""Reads of the decision log: the visibility policy as a query agrees with the policy's own
predicates for every official and action; overdue follows each agency's zone; the dashboard
and the lists cost the same number of queries however much data there is."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coordination.organisation import permissions
from coordination.organisation.models import Official, Role
from meetings.models import Decision, FollowUpAction
from meetings.selectors import decisions as reads
from meetings.services import decisions
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(world, regions, schedule):
    """Actions of every classification, owed by agencies across the tree, some assigned."""
    OfficialFactory(username="koor_sulsel", agency=world["sulsel"], role=Role.COORDINATOR)
    OfficialFactory(username="staf_papua", agency=regions["papua"])
    actions = []
    for classification, agency, assignee in itertools.product(
        ("biasa", "terbatas", "rahasia"),
        ("gowa", "sulsel", "jayapura", "kemendagri"),
        (None, "named"),
    ):
        meeting = schedule(
            classification=classification,
            participants=[{"username": "andi", "role": "chair"}],
            agencies=["papua"] if agency == "jayapura" and classification == "biasa" else [],
        )
        decision = decisions.decision_record(by=world["budi"], meeting_id=meeting.pk, text="x")
        who = {
            "gowa": "wulan",
            "sulsel": "nurul",
            "jayapura": "maria",
            "kemendagri": "sari",
        }[agency]
        actions.append(
            decisions.action_assign(
                by=world["budi"],
                decision_id=decision.pk,
                description=f"{classification} {agency} {assignee}",
                agency_code=agency,
                # A rahasia action's assignee must be named on the meeting: none here.
                assignee_username=who if assignee and classification != "rahasia" else None,
                due=timezone.localdate(),
            )
        )
    # A terbatas decision in a biasa meeting: the stricter one counts.
    meeting = schedule(participants=[])
    strict = decisions.decision_record(
        by=world["budi"], meeting_id=meeting.pk, text="y", classification="terbatas"
    )
    actions.append(
        decisions.action_assign(
            by=world["budi"],
            decision_id=strict.pk,
            description="strict",
            agency_code="gowa",
            due=timezone.localdate(),
        )
    )
    return actions


def test_the_query_agrees_with_the_policy_for_everyone(mixed):
    for official in Official.objects.all():
        listed = set(
            reads.actions_filtered(official, reads.ActionFilters()).values_list("pk", flat=True)
        )
        for action in reads.actions_base().filter(pk__in=[a.pk for a in mixed]):
            facts = reads.action_facts(action, reads.decision_meeting_facts(action.decision))
            allowed = permissions.may_view_action(official, facts)
            assert (action.pk in listed) == allowed, (official.username, action.description)
        seen = set(
            reads.decisions_filtered(official, reads.DecisionFilters()).values_list("pk", flat=True)
        )
        for decision in Decision.objects.all():
            assert (decision.pk in seen) == reads.may_view_decision(official, decision), (
                official.username,
                decision.pk,
            )


def test_deactivated_officials_see_nothing(world, mixed):
    andi = world["andi"]
    andi.is_active = False
    andi.save()
    assert not reads.actions_filtered(andi, reads.ActionFilters()).exists()


def test_overdue_follows_the_owing_agencys_zone(world, regions, decided):
    # 16:30 UTC on 10 December: already the 11th in Jayapura (WIT) and Makassar (WITA),
    # still the 10th in Jakarta (WIB).
    now = datetime.datetime(2026, 12, 10, 16, 30, tzinfo=datetime.UTC)
    due = datetime.date(2026, 12, 10)

    def owed_by(code):
        return decisions.action_assign(
            by=world["budi"],
            decision_id=decided["decision"].pk,
            description=code,
            agency_code=code,
            due=due,
        )

    papua, gowa, centre = owed_by("jayapura"), owed_by("gowa"), owed_by("kemendagri")
    assert [reads.is_overdue(a, now) for a in (papua, gowa, centre)] == [True, True, False]
    overdue = set(FollowUpAction.objects.filter(reads.overdue_q(now)).values_list("pk", flat=True))
    assert overdue == {papua.pk, gowa.pk}
    earlier = now - datetime.timedelta(hours=1)  # 15:30 UTC: still the 10th in Makassar
    overdue = set(
        FollowUpAction.objects.filter(reads.overdue_q(earlier)).values_list("pk", flat=True)
    )
    assert overdue == {papua.pk}
    decisions.action_update(by=world["budi"], action_id=papua.pk, status="done", comment="Selesai")
    papua.refresh_from_db()
    assert not reads.is_overdue(papua, now)


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def _grow(world, decided, n):
    for i in range(n):
        decisions.action_assign(
            by=world["budi"],
            decision_id=decided["decision"].pk,
            description=f"Tugas {i}",
            agency_code="gowa",
            assignee_username="wulan" if i % 2 else None,
            due=timezone.localdate() + datetime.timedelta(days=i % 9 - 3),
        )


def test_the_dashboard_and_the_lists_cost_the_same_queries_as_data_grows(
    world, regions, decided, client
):
    client.force_login(regions["wulan"])
    _grow(world, decided, 3)
    pages = ["/", "/actions/", "/actions/?scope=mine", "/decisions/", "/actions/export.csv"]
    for page in pages:
        assert client.get(page).status_code == 200, page
    small = {page: _queries(lambda page=page: client.get(page)) for page in pages}
    _grow(world, decided, 40)
    more = decisions.decision_record(by=world["budi"], meeting_id=decided["meeting"].pk, text="z")
    decisions.action_assign(
        by=world["budi"],
        decision_id=more.pk,
        description="Lagi",
        agency_code="gowa",
        due=timezone.localdate(),
    )
    for page in pages:  # as before measuring the small case: the log's check is made once
        client.get(page)
    large = {page: _queries(lambda page=page: client.get(page)) for page in pages}
    assert large == small
    dashboard = client.get("/").content.decode()
    assert "Tugas" in dashboard
