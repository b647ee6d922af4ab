"""messaging.selectors: every read, with what it returns and what it may cost. Each call is
made with more than one row of whatever it reads (rooms, members, messages, directives), so a
query per row would show in its budget (`django_assert_max_num_queries`)."""

from __future__ import annotations

import datetime

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.utils import timezone

from coordination.organisation.models import AuditEntry, Role, Zone
from coordination.platform.errors import Forbidden, NotFound
from messaging import presence, selectors
from messaging.models import (
    Acknowledgement,
    Attachment,
    Membership,
    Mention,
    Message,
    Room,
    RoomEvent,
)
from messaging.services import timeline as timeline_services
from tests.factories import AgencyFactory, MessageFactory, OfficialFactory, RoomFactory
from tests.messaging.posting import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def town(db):
    """Two agencies; rina (a coordinator of the ministry) in three coordination rooms with
    adi, bayu (South Sulawesi) and citra (the ministry); a fourth room without rina."""
    ministry = AgencyFactory(code="kemendagri", name="Kementerian Dalam Negeri")
    sulsel = AgencyFactory(code="sulsel", name="Provinsi Sulawesi Selatan", timezone=Zone.WITA)

    def official(username, first_name, agency, **kwargs):
        return OfficialFactory(
            username=username, first_name=first_name, last_name="", agency=agency, **kwargs
        )

    people = {
        "rina": official("rina", "Rina", ministry, role=Role.COORDINATOR),
        "adi": official("adi", "Adi", sulsel),
        "bayu": official("bayu", "Bayu", sulsel),
        "citra": official("citra", "Citra", ministry),
        "stranger": official("stranger", "Stefan", sulsel),
    }
    members = [people[n] for n in ("rina", "adi", "bayu", "citra")]
    rooms = [RoomFactory(name=f"Rakor {n}", members=members) for n in (1, 2, 3)]
    elsewhere = RoomFactory(name="Lain", members=[people["stranger"], people["adi"]])
    return {
        "ministry": ministry,
        "sulsel": sulsel,
        "rooms": rooms,
        "elsewhere": elsewhere,
        **people,
    }


def direct(*officials):
    """A direct conversation of these officials (as direct_room_get_or_create keys it)."""
    key = "direct:" + ",".join(str(pk) for pk in sorted(o.pk for o in officials))
    return RoomFactory(kind=Room.Kind.DIRECT, name="", source_key=key, members=list(officials))


def directive(room, author, *, ack_by=Message.AckBy.MEMBER, due=None, **kwargs):
    return MessageFactory(
        room=room, author=author, directive_ack_by=ack_by, directive_due=due, **kwargs
    )


# --- the room list and the timeline, in the `world` of tests/conftest.py ---------------------


def test_unread_counts_are_others_messages_after_the_read_mark(
    world, django_assert_max_num_queries
):
    post(world, who="andi")
    post(world, who="andi")
    post(world, who="budi")
    deleted, _ = post(world, who="andi")
    timeline_services.message_delete(by=world["andi"], message_id=deleted.pk)
    timeline_services.room_mark_read(official=world["budi"], room_id=world["room"].pk, seq=1)
    with django_assert_max_num_queries(1):
        rooms = selectors.room_list_for_official(world["budi"])
    (room,) = (r for r in rooms if r["id"] == world["room"].pk)
    assert room["unread"] == 1 and room["head"] == 5 and room["last_read_seq"] == 1


def test_history_pages_cost_the_same_whatever_their_size(world, django_assert_num_queries):
    for n in range(30):
        post(world, body=f"pesan {n}")
    with django_assert_num_queries(5):
        small = selectors.timeline(world["room"].pk, after=0, limit=5)
    with django_assert_num_queries(5):
        large = selectors.timeline(world["room"].pk, after=0, limit=30)
    with django_assert_num_queries(5):
        older = selectors.timeline(world["room"].pk, before=11, limit=5)
    assert [f["seq"] for f in small] == [1, 2, 3, 4, 5] and len(large) == 30
    assert [f["seq"] for f in older] == [6, 7, 8, 9, 10]


def test_the_timeline_never_shows_an_event_beyond_the_committed_head(world):
    """A later event seen before an earlier one committed would move a reader's cursor past
    the earlier one: the timeline stops at the head read first."""
    for _ in range(3):
        post(world)
    message = Message.objects.first()
    # An edit that took seq 5 while seq 4 is still uncommitted somewhere: head is 3.
    RoomEvent.objects.create(room=world["room"], seq=5, kind="message_edited", message=message)
    assert [f["seq"] for f in selectors.timeline(world["room"].pk, after=0)] == [1, 2, 3]


# --- rooms and memberships --------------------------------------------------------------------


def test_room_ids_of_member_are_the_officials_rooms_only(town, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        ids = selectors.room_ids_of_member(town["rina"])
    assert ids == {room.pk for room in town["rooms"]}
    assert selectors.room_ids_of_member(town["adi"]) == ids | {town["elsewhere"].pk}


def test_room_frames_are_the_rooms_as_room_added_carries_them(town, django_assert_max_num_queries):
    first, second, third = town["rooms"]
    MessageFactory(room=second, author=town["adi"])
    Room.objects.filter(pk=third.pk).update(archived_at=timezone.now())
    with django_assert_max_num_queries(1):
        frames = selectors.room_frames({first.pk, second.pk, third.pk})
    by_id = {frame["id"]: frame for frame in frames}
    assert set(by_id) == {first.pk, second.pk, third.pk}
    assert by_id[second.pk] == {
        "id": second.pk,
        "kind": "coordination",
        "name": "Rakor 2",
        "classification": "biasa",
        "archived": False,
        "head": 1,
    }
    assert by_id[third.pk]["archived"] is True
    with django_assert_max_num_queries(0):
        assert selectors.room_frames(set()) == []


def test_room_heads_are_each_rooms_last_seq(town, django_assert_max_num_queries):
    first, second, third = town["rooms"]
    for room, count in ((first, 2), (second, 3)):
        for _ in range(count):
            MessageFactory(room=room, author=town["adi"])
    with django_assert_max_num_queries(1):
        heads = selectors.room_heads({first.pk, second.pk, third.pk, 999_999})
    assert heads == {first.pk: 2, second.pk: 3, third.pk: 0}


@pytest.mark.parametrize(
    ("head", "limit", "start"), [(120, 50, 70), (50, 50, 0), (10, 50, 0), (0, 5, 0)]
)
def test_a_backlog_starts_limit_events_before_the_head(
    head, limit, start, django_assert_max_num_queries
):
    with django_assert_max_num_queries(0):
        assert selectors.backlog_start(head, limit) == start


def test_the_default_backlog_is_fifty_events(django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        assert selectors.backlog_start(80) == 30


def test_the_room_list_names_direct_conversations_and_counts_unread_per_room(
    town, django_assert_max_num_queries
):
    rina, adi, bayu = town["rina"], town["adi"], town["bayu"]
    first, second, _third = town["rooms"]
    for _ in range(3):
        MessageFactory(room=first, author=adi)
    MessageFactory(room=second, author=rina)  # her own: never unread to her
    MessageFactory(room=second, author=bayu)
    with_adi, with_both = direct(rina, adi), direct(rina, adi, bayu)
    MessageFactory(room=with_adi, author=adi)
    notes = direct(rina)
    Membership.objects.filter(room=first, official=rina).update(last_read_seq=1)
    with django_assert_max_num_queries(2):
        rooms = selectors.room_list_for_official(rina)
    by_id = {room["id"]: room for room in rooms}
    assert set(by_id) == {r.pk for r in town["rooms"]} | {with_adi.pk, with_both.pk, notes.pk}
    assert by_id[first.pk]["unread"] == 2 and by_id[first.pk]["last_read_seq"] == 1
    assert by_id[second.pk]["unread"] == 1 and by_id[second.pk]["head"] == 2
    assert by_id[first.pk]["display_name"] == "Rakor 1"
    assert by_id[with_adi.pk]["display_name"] == "Adi" and by_id[with_adi.pk]["unread"] == 1
    assert by_id[with_both.pk]["display_name"] == "Adi, Bayu"
    assert by_id[notes.pk]["display_name"] == selectors.room_display_name(notes, None)
    assert by_id[first.pk]["is_admin"] is True and by_id[with_adi.pk]["is_admin"] is True
    kinds = [room["kind"] for room in rooms]
    assert kinds == sorted(kinds)  # grouped by kind, then by name


def test_a_rooms_display_name_is_its_name_or_the_others_in_a_direct_conversation(
    town, django_assert_max_num_queries
):
    room = town["rooms"][0]
    conversation = direct(town["rina"], town["adi"])
    with django_assert_max_num_queries(0):
        assert selectors.room_display_name(room, "Adi") == "Rakor 1"  # not a direct room
        assert selectors.room_display_name(conversation, "Adi, Bayu") == "Adi, Bayu"
        alone = selectors.room_display_name(conversation, None)
        assert alone and alone == selectors.room_display_name(conversation, "")


def test_a_room_summary_is_its_frame_with_what_its_member_read(town, django_assert_max_num_queries):
    room = town["rooms"][0]
    Room.objects.filter(pk=room.pk).update(description="Inflasi daerah")
    room.refresh_from_db()
    membership = Membership.objects.get(room=room, official=town["adi"])
    membership.last_read_seq = 4
    with django_assert_max_num_queries(0):
        summary = selectors.room_summary(room, membership)
    assert summary == {
        "id": room.pk,
        "kind": "coordination",
        "name": "Rakor 1",
        "classification": "biasa",
        "archived": False,
        "head": 0,
        "display_name": "Rakor 1",
        "description": "Inflasi daerah",
        "last_read_seq": 4,
        "is_admin": False,
    }


def test_the_member_list_is_in_name_order_with_agencies_and_admins(
    town, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        members = selectors.member_list(town["rooms"][0].pk)
    assert members == [
        {"username": "adi", "name": "Adi", "agency": "sulsel", "is_admin": False},
        {"username": "bayu", "name": "Bayu", "agency": "sulsel", "is_admin": False},
        {"username": "citra", "name": "Citra", "agency": "kemendagri", "is_admin": False},
        {"username": "rina", "name": "Rina", "agency": "kemendagri", "is_admin": True},
    ]


def test_direct_rooms_are_named_after_the_others_in_them(town, django_assert_max_num_queries):
    rina, adi, bayu, citra = (town[n] for n in ("rina", "adi", "bayu", "citra"))
    pair, group, notes = direct(rina, citra), direct(rina, bayu, adi), direct(rina)
    with django_assert_max_num_queries(1):
        names = selectors.direct_room_names(rina, [pair.pk, group.pk, notes.pk])
    assert names == {pair.pk: "Citra", group.pk: "Adi, Bayu"}  # notes: nobody else
    assert selectors.direct_room_names(adi, [group.pk]) == {group.pk: "Bayu, Rina"}


def test_scheduling_from_a_room_fills_in_its_active_members(town, django_assert_max_num_queries):
    room = town["rooms"][0]
    town["citra"].is_active = False
    town["citra"].save(update_fields=["is_active"])
    with django_assert_max_num_queries(2):
        prefill = selectors.room_prefill(town["rina"], room.pk)
    assert prefill == {
        "title": "Rakor 1",
        "usernames": ["adi", "bayu", "rina"],
        "classification": "biasa",
    }
    conversation = direct(town["rina"], town["adi"])
    assert selectors.room_prefill(town["rina"], conversation.pk)["title"] == ""
    with django_assert_max_num_queries(1):
        assert selectors.room_prefill(town["stranger"], room.pk) is None


def test_a_member_gets_the_room_and_their_membership(town, django_assert_max_num_queries):
    room = town["rooms"][1]
    with django_assert_max_num_queries(1):
        found, membership = selectors.room_get_for_member(town["adi"], room.pk)
    assert found == room and membership.official == town["adi"] and not membership.is_admin


def test_a_non_member_is_refused_and_audited_and_a_missing_room_is_not_found(
    town, django_assert_max_num_queries
):
    room = town["rooms"][1]
    with django_assert_max_num_queries(3), pytest.raises(Forbidden):
        selectors.room_get_for_member(town["stranger"], room.pk)
    entry = AuditEntry.objects.get(event="permission_denied")
    assert entry.actor == town["stranger"] and entry.details["action"] == "read room"
    with django_assert_max_num_queries(2), pytest.raises(NotFound):
        selectors.room_get_for_member(town["stranger"], 999_999)
    assert AuditEntry.objects.count() == 1  # a room that does not exist refuses nobody


def test_one_room_summary_names_a_direct_conversation_for_its_member(
    town, django_assert_max_num_queries
):
    conversation = direct(town["rina"], town["adi"], town["bayu"])
    with django_assert_max_num_queries(2):
        summary = selectors.room_get_summary(town["bayu"], conversation.pk)
    assert summary["display_name"] == "Adi, Rina" and summary["id"] == conversation.pk
    with django_assert_max_num_queries(1):
        summary = selectors.room_get_summary(town["rina"], town["rooms"][0].pk)
    assert summary["display_name"] == "Rakor 1" and summary["is_admin"] is True
    with pytest.raises(Forbidden):
        selectors.room_get_summary(town["stranger"], conversation.pk)


def test_a_message_is_found_for_the_members_of_its_room_in_one_query(
    town, django_assert_max_num_queries
):
    room = town["rooms"][0]
    message = MessageFactory(room=room, author=town["adi"])
    with django_assert_max_num_queries(1):
        found = selectors.message_get_for_member(town["bayu"], message.pk)
        assert (found.room.name, found.author.username) == ("Rakor 1", "adi")
    assert found == message
    gone = MessageFactory(room=room, author=town["adi"], deleted_at=timezone.now())
    for official, message_id in (
        (town["stranger"], message.pk),  # not a member: as if it did not exist
        (town["bayu"], gone.pk),  # deleted
        (town["bayu"], 999_999),
    ):
        with pytest.raises(NotFound):
            selectors.message_get_for_member(official, message_id)


# --- the timeline ------------------------------------------------------------------------------


def test_a_timeline_of_messages_with_files_mentions_and_edits_costs_five_queries(
    town, django_assert_max_num_queries
):
    room = town["rooms"][0]
    messages = [MessageFactory(room=room, author=town[n]) for n in ("adi", "bayu", "citra", "adi")]
    for message in messages:
        Attachment.objects.create(
            uploader=message.author,
            message=message,
            file=f"attachments/{message.pk}.pdf",
            name=f"laporan-{message.pk}.pdf",
            content_type="application/pdf",
            size=10,
        )
        Mention.objects.create(message=message, official=town["rina"])
    Mention.objects.create(message=messages[0], official=town["citra"], agency=town["ministry"])
    timeline_services.message_edit(by=town["adi"], message_id=messages[0].pk, body="diubah")
    with django_assert_max_num_queries(5):
        frames = selectors.timeline(room.pk, after=0)
    assert [f["seq"] for f in frames] == [1, 2, 3, 4, 5]
    assert [f["type"] for f in frames] == ["message"] * 4 + ["message_edited"]
    assert frames[0]["body"] == "diubah"
    assert frames[0]["mentions"] == {"usernames": ["rina"], "agencies": ["kemendagri"]}
    assert [f["attachments"][0]["name"] for f in frames[:4]] == [
        f"laporan-{m.pk}.pdf" for m in messages
    ]
    assert frames[2]["author"] == {"username": "citra", "name": "Citra"}


def test_a_timeline_page_and_its_cursor(town, django_assert_max_num_queries):
    room = town["rooms"][0]
    for _ in range(7):
        MessageFactory(room=room, author=town["adi"])
    with django_assert_max_num_queries(5):
        items, cursor = selectors.timeline_page(room, after=None, before=None, limit=3)
    assert [i["seq"] for i in items] == [5, 6, 7] and cursor == 7  # the last three
    with django_assert_max_num_queries(5):
        items, cursor = selectors.timeline_page(room, after=2, before=None, limit=3)
    assert [i["seq"] for i in items] == [3, 4, 5] and cursor == 5  # newer: from the last
    items, cursor = selectors.timeline_page(room, after=5, before=None, limit=3)
    assert [i["seq"] for i in items] == [6, 7] and cursor is None  # not a full page: the end
    with django_assert_max_num_queries(5):
        items, cursor = selectors.timeline_page(room, after=None, before=6, limit=3)
    assert [i["seq"] for i in items] == [3, 4, 5] and cursor == 3  # older: from the first
    items, cursor = selectors.timeline_page(room, after=None, before=4, limit=3)
    assert [i["seq"] for i in items] == [1, 2, 3] and cursor is None  # the start


# --- directives ----------------------------------------------------------------------------


def test_today_is_the_date_where_the_official_is(town, django_assert_max_num_queries, monkeypatch):
    # 23:30 UTC: already the next day in Makassar (UTC+8), still today in UTC.
    late = datetime.datetime(2026, 3, 9, 23, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: late)
    adi = OfficialFactory(timezone=Zone.WITA, agency=town["sulsel"])
    with django_assert_max_num_queries(0):
        assert selectors.today_for(adi) == datetime.date(2026, 3, 10)
    jakarta = OfficialFactory(timezone=Zone.WIB, agency=town["sulsel"])
    assert selectors.today_for(jakarta) == datetime.date(2026, 3, 10)  # 06:30 in Jakarta
    west = OfficialFactory(timezone="Europe/London", agency=town["sulsel"])
    assert selectors.today_for(west) == datetime.date(2026, 3, 9)


def test_a_directive_is_found_for_members_of_its_room_only(town, django_assert_max_num_queries):
    room = town["rooms"][0]
    order = directive(room, town["rina"])
    plain = MessageFactory(room=room, author=town["rina"])
    with django_assert_max_num_queries(2):
        assert selectors.directive_get_for_member(town["adi"], order.pk) == order
    for official, message_id in (
        (town["stranger"], order.pk),  # not a member: it does not exist for them
        (town["adi"], plain.pk),  # not a directive
        (town["adi"], 999_999),
    ):
        with pytest.raises(NotFound):
            selectors.directive_get_for_member(official, message_id)


def test_the_tally_is_for_the_members_of_the_directives_room(town, django_assert_max_num_queries):
    order = directive(town["rooms"][0], town["rina"])
    for name in ("adi", "bayu"):
        Acknowledgement.objects.create(message=order, official=town[name])
    with django_assert_max_num_queries(4):  # the directive, membership, acks, members
        tally = selectors.directive_get_tally(official=town["citra"], message_id=order.pk)
    assert [a["username"] for a in tally["acknowledged"]] == ["adi", "bayu"]
    assert [p["username"] for p in tally["pending"]] == ["citra"]
    with pytest.raises(NotFound):
        selectors.directive_get_tally(official=town["stranger"], message_id=order.pk)


def test_a_tally_by_member_leaves_out_the_sender(town, django_assert_max_num_queries):
    due = datetime.date.today() + datetime.timedelta(days=3)
    order = directive(town["rooms"][0], town["rina"], due=due)
    Acknowledgement.objects.create(message=order, official=town["bayu"])
    with django_assert_max_num_queries(2):
        tally = selectors.directive_tally(order)
    assert tally["type"] == "directive_state" and tally["message"] == order.pk
    assert tally["room"] == order.room_id and tally["ack_by"] == "member"
    assert tally["due"] == due.isoformat() and not tally["overdue"] and not tally["complete"]
    assert [a["username"] for a in tally["acknowledged"]] == ["bayu"]
    assert tally["acknowledged"][0]["agency"] == "sulsel"
    assert {p["username"] for p in tally["pending"]} == {"adi", "citra"}  # not rina, its sender


def test_a_tally_by_agency_owes_one_acknowledgement_per_member_agency(
    town, django_assert_max_num_queries
):
    order = directive(town["rooms"][0], town["rina"], ack_by=Message.AckBy.AGENCY)
    Acknowledgement.objects.create(message=order, official=town["adi"], agency=town["sulsel"])
    with django_assert_max_num_queries(2):
        tally = selectors.directive_tally(order)
    # citra is of the ministry, as rina is (rina does not owe it; citra does).
    assert tally["pending"] == [{"agency": "kemendagri", "name": "Kementerian Dalam Negeri"}]
    assert tally["acknowledged"][0]["agency"] == "sulsel"
    Acknowledgement.objects.create(message=order, official=town["citra"], agency=town["ministry"])
    assert selectors.directive_tally(order)["complete"]


def test_a_tally_from_what_the_caller_read_already_costs_nothing(
    town, django_assert_max_num_queries
):
    order = directive(town["rooms"][0], town["rina"])
    Acknowledgement.objects.create(message=order, official=town["adi"])
    acks = list(Acknowledgement.objects.select_related("official__agency", "agency"))
    # (official__agency: what directive_tally reads of an acknowledgement by member)
    members = list(Membership.objects.filter(room=order.room).select_related("official__agency"))
    order = Message.objects.select_related("author").get(pk=order.pk)
    with django_assert_max_num_queries(0):
        tally = selectors.directive_tally(order, acks=acks, members=members)
    assert [a["username"] for a in tally["acknowledged"]] == ["adi"]
    assert {p["username"] for p in tally["pending"]} == {"bayu", "citra"}


def test_a_directive_is_overdue_after_its_due_date_where_its_sender_is(
    town, django_assert_max_num_queries
):
    today = selectors.today_for(town["rina"])
    room = town["rooms"][0]
    yesterday = directive(room, town["rina"], due=today - datetime.timedelta(days=1))
    due_today = directive(room, town["rina"], due=today)
    undated = directive(room, town["rina"])
    with django_assert_max_num_queries(0):
        assert selectors.is_overdue(yesterday)
        assert not selectors.is_overdue(due_today)
        assert not selectors.is_overdue(undated)


def test_directives_sent_are_the_open_ones_with_their_tallies(town, django_assert_max_num_queries):
    rina = town["rina"]
    first, second, third = town["rooms"]
    past = selectors.today_for(rina) - datetime.timedelta(days=2)
    late = directive(first, rina, due=past, body="lama")
    open_ = directive(second, rina)
    by_agency = directive(third, rina, ack_by=Message.AckBy.AGENCY)
    done = directive(first, rina)
    for name in ("adi", "bayu", "citra"):
        Acknowledgement.objects.create(message=done, official=town[name])
    Acknowledgement.objects.create(message=open_, official=town["adi"])
    gone = directive(first, rina)
    Message.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    directive(first, town["citra"])  # someone else's
    MessageFactory(room=first, author=rina)  # not a directive
    with django_assert_max_num_queries(3):  # the directives, their acks, their members
        listed = selectors.directives_sent(rina)
    assert {d["message"] for d in listed} == {late.pk, open_.pk, by_agency.pk}  # open ones
    by_id = {d["message"]: d for d in listed}
    assert by_id[late.pk]["overdue"] and by_id[late.pk]["body"] == "lama"
    assert by_id[late.pk]["room_name"] == "Rakor 1" and by_id[late.pk]["seq"] == late.seq
    assert [a["username"] for a in by_id[open_.pk]["acknowledged"]] == ["adi"]
    assert {p["agency"] for p in by_id[by_agency.pk]["pending"]} == {"kemendagri", "sulsel"}
    with django_assert_max_num_queries(3):
        assert [d["message"] for d in selectors.directives_sent(rina, overdue_only=True)] == [
            late.pk
        ]


def test_directives_awaiting_the_reader_in_one_query(town, django_assert_max_num_queries):
    rina, adi = town["rina"], town["adi"]
    first, second, _third = town["rooms"]
    soon = selectors.today_for(rina) + datetime.timedelta(days=1)
    urgent = directive(first, rina, due=soon)
    waiting = directive(second, rina)
    for_agency = directive(first, rina, ack_by=Message.AckBy.AGENCY)
    answered = directive(first, rina)
    Acknowledgement.objects.create(message=answered, official=adi)
    by_colleague = directive(second, rina, ack_by=Message.AckBy.AGENCY)
    Acknowledgement.objects.create(
        message=by_colleague, official=town["bayu"], agency=town["sulsel"]
    )
    directive(first, adi)  # his own
    directive(town["elsewhere"], town["stranger"])  # a room of his, not of rina's
    gone = directive(first, rina)
    Message.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    with django_assert_max_num_queries(1):
        awaiting = selectors.directives_awaiting(adi)
    mine = [m.pk for m in awaiting if m.room_id != town["elsewhere"].pk]
    assert set(mine) == {urgent.pk, waiting.pk, for_agency.pk}
    with django_assert_max_num_queries(1):
        in_second = selectors.directives_awaiting(adi, room_id=second.pk)
    assert [m.pk for m in in_second] == [waiting.pk]


def test_directives_awaiting_come_by_due_date_the_soonest_first(town):
    rina = town["rina"]
    today = selectors.today_for(rina)
    later = directive(town["rooms"][0], rina, due=today + datetime.timedelta(days=9))
    sooner = directive(town["rooms"][1], rina, due=today + datetime.timedelta(days=2))
    assert [m.pk for m in selectors.directives_awaiting(town["adi"])] == [sooner.pk, later.pk]


def test_directives_awaiting_without_a_due_date_come_after_the_dated_ones(town):
    rina = town["rina"]
    undated = directive(town["rooms"][0], rina)
    dated = directive(town["rooms"][1], rina, due=selectors.today_for(rina))
    assert [m.pk for m in selectors.directives_awaiting(town["adi"])] == [dated.pk, undated.pk]


def test_an_awaiting_item_is_what_the_api_and_the_page_show(town, django_assert_max_num_queries):
    today = selectors.today_for(town["rina"])
    order = directive(
        town["rooms"][0], town["rina"], due=today - datetime.timedelta(days=1), body="x" * 300
    )
    other = directive(town["rooms"][1], town["rina"])
    awaiting = selectors.directives_awaiting(town["adi"])
    with django_assert_max_num_queries(0):
        items = [selectors.awaiting_item(m) for m in awaiting]
    by_id = {item["message"]: item for item in items}
    assert by_id[order.pk] == {
        "message": order.pk,
        "room": order.room_id,
        "room_name": "Rakor 1",
        "seq": order.seq,
        "author": {"username": "rina", "name": "Rina"},
        "body": "x" * 200,
        "ack_by": "member",
        "due": (today - datetime.timedelta(days=1)).isoformat(),
        "overdue": True,
        "link": order.get_absolute_url(),
    }
    assert by_id[other.pk]["due"] is None and not by_id[other.pk]["overdue"]


# --- attachments, presence, the dashboard ----------------------------------------------------


def file_of(uploader, message=None, name="laporan.pdf"):
    return Attachment.objects.create(
        uploader=uploader,
        message=message,
        file=f"attachments/{name}",
        name=name,
        content_type="application/pdf",
        size=10,
    )


def test_an_attachment_is_for_the_members_of_its_room(town, django_assert_max_num_queries):
    message = MessageFactory(room=town["rooms"][0], author=town["adi"])
    sent_file, other = file_of(town["adi"], message), file_of(town["adi"], message, "b.pdf")
    for reader in (town["rina"], town["bayu"]):
        with django_assert_max_num_queries(2):
            assert (
                selectors.attachment_get_for_reader(official=reader, attachment_id=sent_file.pk)
                == sent_file
            )
    assert selectors.attachment_get_for_reader(official=town["adi"], attachment_id=other.pk)
    with pytest.raises(NotFound):
        selectors.attachment_get_for_reader(official=town["stranger"], attachment_id=sent_file.pk)
    assert AuditEntry.objects.filter(event="permission_denied", actor=town["stranger"]).exists()


def test_an_unsent_upload_is_its_uploaders_alone(town, django_assert_max_num_queries):
    unsent = file_of(town["adi"])
    with django_assert_max_num_queries(1):
        assert selectors.attachment_get_for_reader(official=town["adi"], attachment_id=unsent.pk)
    with pytest.raises(NotFound):
        selectors.attachment_get_for_reader(official=town["bayu"], attachment_id=unsent.pk)
    with pytest.raises(NotFound):
        selectors.attachment_get_for_reader(official=town["adi"], attachment_id=999_999)


def test_the_file_of_a_deleted_message_is_gone(town, django_assert_max_num_queries):
    message = MessageFactory(room=town["rooms"][0], author=town["adi"], deleted_at=timezone.now())
    attachment = file_of(town["adi"], message)
    with django_assert_max_num_queries(2), pytest.raises(NotFound):
        selectors.attachment_get_for_reader(official=town["bayu"], attachment_id=attachment.pk)


def test_presence_in_a_room_is_its_other_members_online_or_away(
    town, django_assert_max_num_queries, monkeypatch
):
    # Channels' wrapper closes the thread's connections around the call, the test's own
    # included: asgiref's runs the query in this thread, in the test's transaction, counted.
    monkeypatch.setattr(selectors, "database_sync_to_async", sync_to_async)
    room = town["rooms"][0]
    presence.socket_set(town["adi"].pk, "socket-1", presence.ONLINE)
    presence.socket_set(town["bayu"].pk, "socket-2", presence.AWAY)
    presence.socket_set(town["rina"].pk, "socket-3", presence.ONLINE)  # the viewer
    presence.socket_set(town["stranger"].pk, "socket-4", presence.ONLINE)  # not in the room
    with django_assert_max_num_queries(1):
        frames = async_to_sync(selectors.presence_in_room)(room_id=room.pk, viewer=town["rina"])
    assert sorted(frames, key=lambda f: f["username"]) == [
        {"type": "presence", "room": room.pk, "username": "adi", "state": "online"},
        {"type": "presence", "room": room.pk, "username": "bayu", "state": "away"},
    ]  # citra is offline: not listed


def test_the_dashboard_shows_unread_rooms_and_the_directives_waiting_or_overdue(
    town, django_assert_max_num_queries
):
    rina, adi = town["rina"], town["adi"]
    first, second, third = town["rooms"]
    for room in (first, second):
        for _ in range(2):
            MessageFactory(room=room, author=adi)
    MessageFactory(room=third, author=rina)
    awaiting = directive(first, adi)
    past = selectors.today_for(rina) - datetime.timedelta(days=1)
    overdue = [directive(room, rina, due=past) for room in (first, second)]
    Membership.objects.filter(official=rina, room=third).update(last_read_seq=1)
    # The room list (one: no direct conversation to name), the directives awaiting (one) and
    # sent (three).
    with django_assert_max_num_queries(5):
        sections = selectors.dashboard_sections(rina)
    assert {r["id"] for r in sections["unread_rooms"]} == {first.pk, second.pk}
    assert sections["unread_total"] == 5  # adi's four and his directive
    assert [m.pk for m in sections["directives_awaiting"]] == [awaiting.pk]
    assert {d["message"] for d in sections["directives_overdue"]} == {o.pk for o in overdue}


# --- costs that do not grow with the rows ----------------------------------------------------
#
# Each acknowledgement by member names the member's agency, and whether a dated directive is
# overdue depends on its sender's zone (their agency's when they have none): both are read
# with the rows, not one query each.


def test_a_tally_costs_two_queries_whatever_its_acknowledgements(
    town, django_assert_max_num_queries
):
    order = directive(town["rooms"][0], town["rina"])
    for name in ("adi", "bayu", "citra"):
        Acknowledgement.objects.create(message=order, official=town[name])
    with django_assert_max_num_queries(2):
        assert selectors.directive_tally(order)["complete"]


def test_overdue_directives_cost_three_queries_whatever_their_number(
    town, django_assert_max_num_queries
):
    past = selectors.today_for(town["rina"]) - datetime.timedelta(days=2)
    for room in town["rooms"]:
        directive(room, town["rina"], due=past)
    with django_assert_max_num_queries(3):
        assert len(selectors.directives_sent(town["rina"], overdue_only=True)) == 3
