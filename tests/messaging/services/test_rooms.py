"""messaging.services.rooms: coordination rooms and their admins, direct conversations, the
rooms kept in step with an agency or a meeting, archiving, and the membership changes each
announces."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from coordination.organisation.models import Classification
from coordination.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from messaging.models import Membership, Room
from messaging.services import rooms as room_services
from tests.factories import AgencyFactory, OfficialFactory
from tests.messaging.posting import post

pytestmark = pytest.mark.django_db


def test_coordination_rooms_are_created_by_coordinators_with_a_classification(world):
    with pytest.raises(PermissionDenied):
        room_services.room_create_coordination(by=world["sari"], name="x")
    room = room_services.room_create_coordination(
        by=world["andi"], name="Terbatas", members=["nurul"], classification=Classification.TERBATAS
    )
    assert room.classification == "terbatas"
    assert Membership.objects.get(room=room, official=world["andi"]).is_admin
    with pytest.raises(NotFound):
        room_services.room_create_coordination(by=world["andi"], name="x", members=["nobody"])
    with pytest.raises(InvalidInput):
        room_services.room_create_coordination(by=world["andi"], name="  ")


def test_room_admins_manage_coordination_members(world):
    room_id = world["room"].pk
    with pytest.raises(Forbidden):
        room_services.room_members_add(by=world["nurul"], room_id=room_id, members=["outsider"])
    room_services.room_members_add(by=world["budi"], room_id=room_id, members=["outsider"])
    assert Membership.objects.filter(room_id=room_id, official=world["outsider"]).exists()
    room_services.room_member_remove(by=world["budi"], room_id=room_id, username="outsider")
    assert not Membership.objects.filter(room_id=room_id, official=world["outsider"]).exists()
    with pytest.raises(Conflict):  # the last room admin stays
        room_services.room_member_remove(by=world["budi"], room_id=room_id, username="budi")


def test_administrators_cannot_add_anyone_to_a_room_they_are_not_admin_of(world):
    admin = OfficialFactory(role="administrator")
    with pytest.raises(Forbidden):
        room_services.room_members_add(by=admin, room_id=world["room"].pk, members=[admin.username])
    with pytest.raises(Forbidden):
        room_services.room_members_add(by=admin, room_id=world["room"].pk, members=["outsider"])
    room_services.room_member_remove(by=admin, room_id=world["room"].pk, username="nurul")
    assert not Membership.objects.filter(
        room=world["room"], official__username__in=[admin.username, "outsider", "nurul"]
    ).exists()


def test_new_members_start_with_nothing_unread(world):
    for _ in range(3):
        post(world)
    room_services.room_members_add(by=world["budi"], room_id=world["room"].pk, members=["outsider"])
    membership = Membership.objects.get(room=world["room"], official=world["outsider"])
    assert membership.last_read_seq == 3


def test_membership_changes_reach_the_officials_sockets(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    from coordination.platform import realtime

    sent = []
    monkeypatch.setattr(realtime, "_group_send", lambda group, event: sent.append((group, event)))
    with django_capture_on_commit_callbacks(execute=True):
        room_services.room_members_add(
            by=world["budi"], room_id=world["room"].pk, members=["outsider"]
        )
    group, event = sent[-1]
    assert group == f"official.{world['outsider'].pk}"
    assert event["type"] == "membership.changed" and event["change"] == "added"
    assert event["room"]["id"] == world["room"].pk


def test_direct_conversations_are_deduplicated(world):
    room, created = room_services.direct_room_get_or_create(by=world["budi"], usernames=["andi"])
    again, created_again = room_services.direct_room_get_or_create(
        by=world["andi"], usernames=["budi"]
    )
    assert created and not created_again and again.pk == room.pk
    group, _ = room_services.direct_room_get_or_create(
        by=world["budi"], usernames=["andi", "nurul"]
    )
    assert group.pk != room.pk and group.kind == Room.Kind.DIRECT
    notes, _ = room_services.direct_room_get_or_create(by=world["budi"], usernames=["budi"])
    assert notes.memberships.count() == 1  # a conversation of one: the official's notes
    with pytest.raises(Forbidden):
        room_services.room_members_add(by=world["budi"], room_id=room.pk, members=["sari"])


def test_agency_rooms_follow_the_agency_and_cannot_be_edited_by_hand(world):
    room = room_services.agency_room_sync(agency=world["sulsel"])
    members = set(Membership.objects.filter(room=room).values_list("official__username", flat=True))
    assert members == {"andi", "nurul", "outsider"}
    with pytest.raises(Forbidden):
        room_services.room_members_add(by=world["andi"], room_id=room.pk, members=["budi"])
    moved = world["nurul"]
    moved.agency = world["ministry"]
    moved.save()
    room_services.agency_room_sync(agency=world["sulsel"])
    assert not Membership.objects.filter(room=room, official=moved).exists()
    assert (
        room_services.agency_room_sync(agency=world["sulsel"]).pk == room.pk
    )  # one room per agency


def test_moving_an_official_moves_their_agency_room_at_once(
    world, django_capture_on_commit_callbacks
):
    from coordination.organisation.services import official_apply_access

    sulsel_room = room_services.agency_room_sync(agency=world["sulsel"])
    ministry_room = room_services.agency_room_sync(agency=world["ministry"])
    official = world["nurul"]
    previous = {"agency_id": official.agency_id}
    official.agency = world["ministry"]
    official.save()
    with django_capture_on_commit_callbacks(execute=True):
        official_apply_access(official=official, previous=previous)
    assert not Membership.objects.filter(room=sulsel_room, official=official).exists()
    assert Membership.objects.filter(room=ministry_room, official=official).exists()


def test_a_new_official_joins_their_agency_room_at_once(world, django_capture_on_commit_callbacks):
    from coordination.organisation.services import official_apply_access

    room = room_services.agency_room_sync(agency=world["sulsel"])
    newcomer = OfficialFactory(agency=world["sulsel"])
    with django_capture_on_commit_callbacks(execute=True):
        official_apply_access(official=newcomer, previous=None)
    assert Membership.objects.filter(room=room, official=newcomer).exists()


def test_agencies_of_other_apps_do_not_leak(world):
    agency = AgencyFactory(code="papua")
    OfficialFactory(agency=agency)
    room_services.agency_rooms_sync_all()
    assert Room.objects.filter(kind=Room.Kind.AGENCY).count() == 3


def test_meeting_rooms_hold_exactly_the_participants(world):
    ids = {world["budi"].pk, world["andi"].pk}
    room = room_services.meeting_room_sync(source_key="meeting:1", name="Rakor", official_ids=ids)
    assert set(Membership.objects.filter(room=room).values_list("official_id", flat=True)) == ids
    room = room_services.meeting_room_sync(
        source_key="meeting:1", name="Rakor (diubah)", official_ids={world["budi"].pk}
    )
    assert room.name == "Rakor (diubah)"
    assert list(Membership.objects.filter(room=room).values_list("official_id", flat=True)) == [
        world["budi"].pk
    ]


def test_only_a_rooms_admins_archive_it_and_its_members_hear_of_it(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    from coordination.platform import realtime

    sent = []
    monkeypatch.setattr(realtime, "_group_send", lambda group, event: sent.append((group, event)))
    room_id = world["room"].pk
    with pytest.raises(Forbidden):
        room_services.room_archive(by=world["andi"], room_id=room_id)  # a member, not admin
    assert not Room.objects.get(pk=room_id).is_archived
    with django_capture_on_commit_callbacks(execute=True):
        room = room_services.room_archive(by=world["budi"], room_id=room_id)
    assert room.is_archived and Room.objects.get(pk=room_id).is_archived
    told = {group for group, event in sent if event["change"] == "updated"}
    assert told == {f"official.{world[n].pk}" for n in ("budi", "sari", "andi", "nurul")}
    assert all(event["room"]["archived"] for _group, event in sent)
    with pytest.raises(Forbidden):  # archived: its members are not managed any more
        room_services.room_members_add(by=world["budi"], room_id=room_id, members=["outsider"])


def test_a_meeting_room_follows_its_meetings_name_classification_and_cancellation(world):
    ids = {world["budi"].pk, world["andi"].pk}
    room = room_services.meeting_room_sync(source_key="meeting:7", name="Rakor", official_ids=ids)
    assert room.kind == Room.Kind.MEETING and room.classification == "biasa"
    assert not room.is_archived
    room = room_services.meeting_room_sync(
        source_key="meeting:7",
        name="Rakor",
        official_ids=ids,
        classification=Classification.TERBATAS,
        archived=True,
    )
    stored = Room.objects.get(source_key="meeting:7")
    assert stored.pk == room.pk and stored.classification == "terbatas" and stored.is_archived
    assert Room.objects.filter(source_key="meeting:7").count() == 1


def test_an_agency_room_takes_the_agencys_new_name(world):
    room = room_services.agency_room_sync(agency=world["sulsel"])
    assert room.name == "Provinsi Sulawesi Selatan"
    world["sulsel"].name = "Pemerintah Provinsi Sulawesi Selatan"
    world["sulsel"].save(update_fields=["name"])
    room_services.agency_room_sync(agency=world["sulsel"])
    assert Room.objects.get(pk=room.pk).name == "Pemerintah Provinsi Sulawesi Selatan"


def test_a_direct_conversation_has_at_most_ten_people(world):
    others = [OfficialFactory(username=f"orang{n}") for n in range(9)]
    room, created = room_services.direct_room_get_or_create(
        by=world["budi"], usernames=[o.username for o in others]
    )
    assert created and room.memberships.count() == 10
    with pytest.raises(InvalidInput):
        room_services.direct_room_get_or_create(
            by=world["budi"], usernames=[o.username for o in others] + ["andi"]
        )
    with pytest.raises(NotFound):
        room_services.direct_room_get_or_create(by=world["budi"], usernames=["nobody"])
