"""The visibility policy of docs/permissions.md, row by row."""

from __future__ import annotations

import dataclasses

import pytest

from coordination.organisation import permissions as p
from coordination.organisation.models import Agency, Classification, Role
from tests.factories import AgencyFactory, OfficialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """A ministry; a province with a regency below it; a second province."""
    ministry = AgencyFactory(code="kemendagri", level=Agency.Level.MINISTRY)
    jabar = AgencyFactory(code="jabar", level=Agency.Level.PROVINCE)
    bogor = AgencyFactory(code="kab-bogor", level=Agency.Level.REGENCY, parent=jabar)
    sulsel = AgencyFactory(code="sulsel", level=Agency.Level.PROVINCE)
    return {
        "ministry": ministry,
        "jabar": jabar,
        "bogor": bogor,
        "sulsel": sulsel,
        "organiser": OfficialFactory(agency=ministry, role=Role.COORDINATOR),
        "ministry_member": OfficialFactory(agency=ministry),
        "ministry_coordinator": OfficialFactory(agency=ministry, role=Role.COORDINATOR),
        "jabar_coordinator": OfficialFactory(agency=jabar, role=Role.COORDINATOR),
        "jabar_member": OfficialFactory(agency=jabar),
        "bogor_member": OfficialFactory(agency=bogor),
        "bogor_coordinator": OfficialFactory(agency=bogor, role=Role.COORDINATOR),
        "sulsel_coordinator": OfficialFactory(agency=sulsel, role=Role.COORDINATOR),
        "sulsel_member": OfficialFactory(agency=sulsel),
        "admin": OfficialFactory(agency=sulsel, role=Role.ADMINISTRATOR),
        # Administrators placed where a coordinator would see more: they must not.
        "ministry_admin": OfficialFactory(agency=ministry, role=Role.ADMINISTRATOR),
        "jabar_admin": OfficialFactory(agency=jabar, role=Role.ADMINISTRATOR),
        "superuser": OfficialFactory(agency=jabar, is_superuser=True),
    }


def meeting(world, classification=Classification.BIASA, named=(), agencies=()):
    return p.MeetingFacts(
        organiser_id=world["organiser"].pk,
        organising_agency_id=world["ministry"].pk,
        classification=classification,
        named_participant_ids=frozenset(world[name].pk for name in named),
        participant_agency_ids=frozenset(world[code].pk for code in agencies),
    )


def test_ancestors_are_listed_nearest_first(world):
    kecamatan = AgencyFactory(code="kec", level=Agency.Level.CITY, parent=world["bogor"])
    deeper = [kecamatan]
    for n in range(5):  # deeper than one query's four levels
        deeper.append(AgencyFactory(code=f"deep-{n}", level=Agency.Level.CITY, parent=deeper[-1]))
    assert p.agency_ancestor_ids(world["bogor"].pk) == [world["jabar"].pk]
    assert p.agency_ancestor_ids(world["jabar"].pk) == []
    chain = p.agency_ancestor_ids(deeper[-1].pk)
    assert chain == [a.pk for a in reversed(deeper[:-1])] + [world["bogor"].pk, world["jabar"].pk]


def test_ancestors_take_one_query_for_shallow_trees(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        p.agency_ancestor_ids(world["bogor"].pk)


def test_oversight_is_for_coordinators_strictly_above(world):
    assert p.oversees(world["jabar_coordinator"], world["bogor"].pk)
    assert not p.oversees(world["jabar_member"], world["bogor"].pk)
    assert not p.oversees(world["bogor_coordinator"], world["bogor"].pk)  # same agency
    assert not p.oversees(world["bogor_coordinator"], world["jabar"].pk)  # below, not above
    assert not p.oversees(world["sulsel_coordinator"], world["bogor"].pk)  # another branch


@pytest.mark.parametrize(
    ("who", "biasa", "terbatas", "rahasia"),
    [
        ("organiser", True, True, True),
        ("jabar_member", True, True, False),  # invited through the agency: not named
        ("bogor_member", True, True, True),  # invited by name
        ("ministry_member", True, False, False),  # organising agency, not a participant
        ("ministry_coordinator", True, True, False),  # organising agency's coordinator
        ("sulsel_member", False, False, False),
        ("admin", False, False, False),  # administrators do not read content
        ("ministry_admin", True, False, False),  # an official of the organising agency only
        ("superuser", True, True, False),  # in jabar, invited whole: a participant, unnamed
    ],
)
def test_who_sees_a_meeting(world, who, biasa, terbatas, rahasia):
    facts = {
        c: meeting(world, c, named=["bogor_member"], agencies=["jabar"])
        for c in (Classification.BIASA, Classification.TERBATAS, Classification.RAHASIA)
    }
    official = world[who]
    assert p.may_view_meeting(official, facts[Classification.BIASA]) is biasa
    assert p.may_view_meeting(official, facts[Classification.TERBATAS]) is terbatas
    assert p.may_view_meeting(official, facts[Classification.RAHASIA]) is rahasia


@pytest.mark.parametrize(
    ("who", "biasa", "terbatas", "rahasia"),
    [
        ("sulsel_member", True, True, True),  # named participant
        ("organiser", True, True, True),
        ("bogor_member", True, False, False),  # official of the owing agency
        ("bogor_coordinator", True, True, False),  # coordinator of the owing agency
        ("jabar_coordinator", True, True, False),  # coordinator of the agency above
        ("jabar_member", False, False, False),  # above, but not a coordinator
        ("ministry_member", False, False, False),  # organising agency: not the rule here
        ("sulsel_coordinator", False, False, False),  # another branch
        ("admin", False, False, False),
        ("jabar_admin", False, False, False),  # above the owing agency, but not a coordinator
        ("superuser", False, False, False),
    ],
)
def test_who_sees_a_follow_up_action(world, who, biasa, terbatas, rahasia):
    def action(classification):
        return p.ActionFacts(
            meeting=meeting(world, classification, named=["sulsel_member"]),
            owing_agency_id=world["bogor"].pk,
        )

    official = world[who]
    assert p.may_view_action(official, action(Classification.BIASA)) is biasa
    assert p.may_view_action(official, action(Classification.TERBATAS)) is terbatas
    assert p.may_view_action(official, action(Classification.RAHASIA)) is rahasia


def test_the_assignee_sees_their_action_unless_rahasia_and_unnamed(world):
    for classification, expected in [
        (Classification.BIASA, True),
        (Classification.TERBATAS, True),
        (Classification.RAHASIA, False),
    ]:
        action = p.ActionFacts(
            meeting=meeting(world, classification),
            owing_agency_id=world["sulsel"].pk,
            assignee_id=world["sulsel_member"].pk,
        )
        assert p.may_view_action(world["sulsel_member"], action) is expected


def test_a_decision_is_seen_through_any_of_its_actions(world):
    facts = meeting(world, named=["sulsel_member"])
    owed_by_bogor = p.ActionFacts(meeting=facts, owing_agency_id=world["bogor"].pk)
    assert p.may_view_decision(world["sulsel_member"], facts)  # participant, no actions
    assert not p.may_view_decision(world["bogor_member"], facts)
    assert p.may_view_decision(world["bogor_member"], facts, [owed_by_bogor])
    assert p.may_view_decision(world["jabar_coordinator"], facts, [owed_by_bogor])
    rahasia = meeting(world, Classification.RAHASIA, named=["sulsel_member"])
    owed_in_secret = p.ActionFacts(meeting=rahasia, owing_agency_id=world["bogor"].pk)
    assert not p.may_view_decision(world["jabar_coordinator"], rahasia, [owed_in_secret])
    assert p.may_view_decision(world["sulsel_member"], rahasia, [owed_in_secret])


def test_progress_is_reported_by_assignee_owing_coordinators_and_organiser(world):
    action = p.ActionFacts(
        meeting=meeting(world),
        owing_agency_id=world["bogor"].pk,
        assignee_id=world["bogor_member"].pk,
    )
    assert p.may_update_action(world["bogor_member"], action)
    assert p.may_update_action(world["bogor_coordinator"], action)
    assert p.may_update_action(world["organiser"], action)
    assert not p.may_update_action(world["jabar_coordinator"], action)  # sees, does not edit
    other = OfficialFactory(agency=world["bogor"])
    assert not p.may_update_action(other, action)


def test_decisions_are_recorded_and_actions_cancelled_by_organiser_chair_and_note_takers(world):
    facts = dataclasses.replace(
        meeting(world, named=["sulsel_member", "bogor_member", "jabar_member"]),
        chair_ids=frozenset({world["sulsel_member"].pk}),
        note_taker_ids=frozenset({world["bogor_member"].pk}),
    )
    action = p.ActionFacts(meeting=facts, owing_agency_id=world["bogor"].pk)
    for who, allowed in [
        ("organiser", True),
        ("sulsel_member", True),  # the chair
        ("bogor_member", True),  # the note taker
        ("jabar_member", False),  # a participant
        ("bogor_coordinator", False),  # reports on the action, does not cancel it
        ("ministry_member", False),
        ("admin", False),
    ]:
        assert p.may_record_decision(world[who], facts) is allowed, who
        assert p.may_cancel_action(world[who], action) is allowed, who
    assert p.may_update_action(world["bogor_coordinator"], action)


def test_administrators_organise_but_do_not_edit_others_meetings(world):
    facts = meeting(world)
    assert p.may_schedule_meeting(world["ministry_admin"])
    assert not p.may_edit_meeting(world["ministry_admin"], facts)
    assert not p.may_update_action(
        world["jabar_admin"], p.ActionFacts(meeting=facts, owing_agency_id=world["bogor"].pk)
    )


def test_meetings_are_scheduled_and_edited_by_coordinators(world):
    facts = meeting(world)
    assert p.may_schedule_meeting(world["jabar_coordinator"])
    assert p.may_schedule_meeting(world["admin"])
    assert not p.may_schedule_meeting(world["jabar_member"])
    assert p.may_edit_meeting(world["organiser"], facts)
    assert p.may_edit_meeting(world["ministry_coordinator"], facts)
    assert not p.may_edit_meeting(world["ministry_member"], facts)
    assert not p.may_edit_meeting(world["jabar_coordinator"], facts)


def test_rooms_are_seen_by_members_only(world):
    assert p.may_view_room(world["sulsel_member"], is_member=True)
    assert not p.may_view_room(world["admin"], is_member=False)
    assert p.may_post_in_room(world["sulsel_member"], is_member=True, is_archived=False)
    assert not p.may_post_in_room(world["sulsel_member"], is_member=True, is_archived=True)
    assert p.may_create_coordination_room(world["jabar_coordinator"])
    assert not p.may_create_coordination_room(world["jabar_member"])


def test_only_coordination_rooms_have_hand_managed_members(world):
    member = world["jabar_member"]
    assert p.may_manage_room_members(member, is_room_admin=True, is_coordination_room=True)
    assert not p.may_manage_room_members(member, is_room_admin=False, is_coordination_room=True)
    assert not p.may_manage_room_members(
        world["admin"], is_room_admin=True, is_coordination_room=False
    )


def test_administrators_remove_members_but_do_not_add_them(world):
    """Adding anyone (themselves included) would open the room's content to the
    administrator's choice; removing an official who left is their job."""
    admin = world["admin"]
    assert p.may_manage_room_members(
        admin, is_room_admin=False, is_coordination_room=True, adding=False
    )
    assert not p.may_manage_room_members(
        admin, is_room_admin=False, is_coordination_room=True, adding=True
    )


def test_messages_are_deleted_by_their_author_or_a_room_admin(world):
    official = world["jabar_member"]
    assert p.may_delete_message(official, is_author=True, is_room_admin=False)
    assert p.may_delete_message(official, is_author=False, is_room_admin=True)
    assert not p.may_delete_message(official, is_author=False, is_room_admin=False)
    assert not p.may_delete_message(world["admin"], is_author=False, is_room_admin=False)


def test_organisation_is_managed_by_administrators(world):
    assert p.may_manage_organisation(world["admin"])
    assert p.may_read_audit_log(world["admin"])
    assert not p.may_manage_organisation(world["organiser"])
    assert p.may_view_directory(world["sulsel_member"])
    assert p.may_edit_profile(world["sulsel_member"], world["sulsel_member"])
    assert not p.may_edit_profile(world["sulsel_member"], world["jabar_member"])
    assert p.may_edit_profile(world["admin"], world["jabar_member"])


def test_deactivated_officials_may_do_nothing(world):
    official = world["organiser"]
    official.is_active = False
    assert not p.may_view_meeting(official, meeting(world))
    assert not p.may_schedule_meeting(official)
    assert not p.may_view_room(official, is_member=True)


def test_administrators_reach_only_organisation_apps_in_the_admin(world):
    admin = world["admin"]
    assert admin.has_perm("coordination.change_agency")
    assert admin.has_module_perms("axes")
    assert not admin.has_perm("auth.change_group")
    # Content apps stay closed to the administrator role.
    assert not admin.has_module_perms("messaging")
    assert not admin.has_perm("meetings.view_meeting")
    assert not world["organiser"].has_perm("coordination.change_agency")


def test_require_raises_permission_denied(world):
    from django.core.exceptions import PermissionDenied

    p.require(True, official=world["admin"], action="look")
    with pytest.raises(PermissionDenied):
        p.require(False, official=world["sulsel_member"], action="edit", target="meeting 1")


def test_the_agenda_is_edited_by_the_organiser_the_chair_and_those_they_grant(world):
    facts = p.MeetingFacts(
        organiser_id=world["organiser"].pk,
        organising_agency_id=world["ministry"].pk,
        named_participant_ids=frozenset({world["jabar_member"].pk, world["sulsel_member"].pk}),
        participant_agency_ids=frozenset({world["bogor"].pk}),
        chair_ids=frozenset({world["jabar_member"].pk}),
    )
    assert p.may_edit_agenda(world["organiser"], facts)
    assert p.may_edit_agenda(world["jabar_member"], facts)  # the chair
    assert not p.may_edit_agenda(world["sulsel_member"], facts)  # a participant
    assert p.may_edit_agenda(world["sulsel_member"], facts, is_agenda_editor=True)
    # Editing the meeting (a coordinator of the organising agency) is not editing its agenda.
    assert p.may_edit_meeting(world["ministry_coordinator"], facts)
    assert not p.may_edit_agenda(world["ministry_coordinator"], facts)
    # A grant does not open a meeting the official may not see.
    assert not p.may_edit_agenda(world["sulsel_coordinator"], facts, is_agenda_editor=True)
    assert p.may_grant_agenda_editing(world["organiser"], facts)
    assert p.may_grant_agenda_editing(world["jabar_member"], facts)
    assert not p.may_grant_agenda_editing(world["sulsel_member"], facts)


def test_participants_propose_agenda_items_and_other_viewers_only_read(world):
    facts = meeting(world, named=["jabar_member"], agencies=["bogor"])
    assert p.may_propose_agenda_item(world["jabar_member"], facts)
    assert p.may_propose_agenda_item(world["bogor_member"], facts)  # through the agency
    assert p.may_propose_agenda_item(world["organiser"], facts)
    # Sees the meeting (organising agency) but takes no part: reads only.
    assert p.may_view_meeting(world["ministry_member"], facts)
    assert not p.may_propose_agenda_item(world["ministry_member"], facts)
    assert not p.may_propose_agenda_item(world["sulsel_member"], facts)
    rahasia = meeting(world, Classification.RAHASIA, named=["jabar_member"], agencies=["bogor"])
    assert not p.may_propose_agenda_item(world["bogor_member"], rahasia)
