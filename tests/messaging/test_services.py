"""Messaging services: one test per rule."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from coordination.organisation.models import Classification
from coordination.platform import cleaners
from coordination.platform.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from messaging import events, selectors
from messaging.models import Membership, Message, MessageRevision, Room, RoomEvent
from messaging.services import rooms as room_services
from messaging.services import timeline as timeline_services
from messaging.socket import clean_directive, clean_send
from tests.factories import AgencyFactory, OfficialFactory

pytestmark = pytest.mark.django_db


def post(world, who="budi", body="Selamat pagi", client_id=None, **kwargs):
    if isinstance(kwargs.get("directive"), dict):  # as the socket's frame carries it
        kwargs["directive"] = clean_directive(kwargs["directive"])
    return timeline_services.message_post(
        author=world[who],
        room_id=world["room"].pk,
        body=body,
        client_id=client_id or uuid.uuid4(),
        **kwargs,
    )


def sent(world, frame, who="budi"):
    """A `send` frame as the socket cleans it, then stored."""
    content = {"room": world["room"].pk, "client_id": str(uuid.uuid4()), **frame}
    return timeline_services.message_post(author=world[who], **clean_send(content))


def test_a_message_takes_the_next_seq_and_is_broadcast_after_commit(
    world, django_capture_on_commit_callbacks
):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    listener = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(events.room_group(world["room"].pk), listener)

    def received():
        try:
            return async_to_sync(asyncio.wait_for)(layer.receive(listener), 0.5)
        except TimeoutError:
            return None

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message, created = post(world, body="**Rapat** pukul 09.00")
    assert created and message.seq == 1 and received() is None  # nothing before commit
    for callback in callbacks:
        callback()
    event = received()
    assert event is not None and event["type"] == "room.event"
    frame = event["frame"]
    assert frame["type"] == "message" and frame["seq"] == 1 and frame["id"] == message.pk
    assert frame["body"] == "**Rapat** pukul 09.00"
    assert frame["html"] == "<p><strong>Rapat</strong> pukul 09.00</p>"
    assert frame["author"] == {"username": "budi", "name": world["budi"].display_name}
    room = Room.objects.get(pk=world["room"].pk)
    assert room.last_seq == 1


def test_seqs_are_gapless_across_messages_edits_and_deletions(world):
    first, _ = post(world)
    second, _ = post(world, who="andi")
    edit = timeline_services.message_edit(by=world["budi"], message_id=first.pk, body="Koreksi")
    deletion = timeline_services.message_delete(by=world["andi"], message_id=second.pk)
    assert [first.seq, second.seq, edit.seq, deletion.seq] == [1, 2, 3, 4]
    frames = selectors.timeline(world["room"].pk, after=0)
    assert [f["seq"] for f in frames] == [1, 2, 3, 4]
    assert [f["type"] for f in frames] == [
        "message",
        "message",
        "message_edited",
        "message_deleted",
    ]
    # Current form: the edited message carries its new text, the deleted one is a tombstone.
    assert frames[0]["body"] == "Koreksi" and frames[0]["edited_at"]
    assert frames[1]["deleted"] and frames[1]["body"] is None and frames[1]["html"] is None


def test_a_repeated_client_id_stores_nothing_and_returns_the_stored_message(world):
    client_id = uuid.uuid4()
    first, created = post(world, client_id=client_id)
    again, created_again = post(world, client_id=client_id, body="different text")
    assert created and not created_again and again.pk == first.pk
    assert Message.objects.count() == 1 and Room.objects.get(pk=world["room"].pk).last_seq == 1
    # Another author may use the same client_id: it is unique per author and room.
    other, created_other = post(world, who="andi", client_id=client_id)
    assert created_other and other.seq == 2


def test_a_resend_is_answered_with_the_stored_message_whatever_changed_since(world):
    # The ack was lost; meanwhile the room was archived. The resend is not a new message, so
    # it must not be refused (the client would show a stored message as failed).
    client_id = uuid.uuid4()
    first, _ = post(world, client_id=client_id)
    Room.objects.filter(pk=world["room"].pk).update(archived_at=timezone.now())
    again, created = post(world, client_id=client_id)
    assert again.pk == first.pk and not created
    with pytest.raises(Forbidden):
        post(world)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "invalid"),
        ("   \n", "invalid"),
        (None, "invalid"),
        (7, "invalid"),
        ("x" * 10_001, "body_too_long"),
        ("bad\x00byte", "invalid"),
    ],
)
def test_bad_bodies_are_refused_and_change_nothing(world, body, code):
    """Cleaned where the frame enters (the API's schema states the same rules)."""
    with pytest.raises(InvalidInput) as refused:
        sent(world, {"body": body})
    assert refused.value.code == code
    assert not Message.objects.exists() and Room.objects.get(pk=world["room"].pk).last_seq == 0


def test_a_body_of_exactly_the_limit_is_accepted(world, settings):
    message, _ = post(world, body="x" * settings.RAKOR_MESSAGE_MAX_CHARS)
    assert len(message.body) == settings.RAKOR_MESSAGE_MAX_CHARS


def test_client_id_must_be_a_uuid(world):
    with pytest.raises(InvalidInput):
        sent(world, {"body": "x", "client_id": "not-a-uuid"})
    assert not Message.objects.exists()


def test_non_members_cannot_post_or_read(world):
    with pytest.raises(Forbidden):
        post(world, who="outsider")
    with pytest.raises(NotFound):
        timeline_services.message_post(
            author=world["budi"], room_id=999_999, body="x", client_id=uuid.uuid4()
        )
    assert not Message.objects.exists()


def test_archived_rooms_are_read_only(world):
    message, _ = post(world)
    room_services.room_archive(by=world["budi"], room_id=world["room"].pk)
    with pytest.raises(Forbidden):
        post(world)
    with pytest.raises(Forbidden):
        timeline_services.message_edit(by=world["budi"], message_id=message.pk, body="x")
    assert selectors.timeline(world["room"].pk, after=0)[0]["body"] == "Selamat pagi"


def test_reply_to_must_be_in_the_same_room(world):
    first, _ = post(world)
    reply, _ = post(world, who="andi", reply_to=first.pk)
    assert reply.reply_to_id == first.pk
    other = room_services.room_create_coordination(by=world["budi"], name="Lain", members=["andi"])
    elsewhere, _ = timeline_services.message_post(
        author=world["budi"], room_id=other.pk, body="x", client_id=uuid.uuid4()
    )
    with pytest.raises(NotFound):
        post(world, reply_to=elsewhere.pk)


def test_sending_faster_than_the_rate_limit_is_refused(world, settings):
    settings.RAKOR_SEND_RATE_PER_SECOND = 3
    for _ in range(3):
        post(world)
    with pytest.raises(RateLimited):
        post(world)
    assert Message.objects.count() == 3
    # A repeat of a stored client_id is an answer, not a new send: never rate limited.
    stored = Message.objects.first()
    assert post(world, client_id=stored.client_id)[0].pk == stored.pk


def test_only_the_author_edits_and_the_history_is_kept(world):
    message, _ = post(world, body="versi satu")
    with pytest.raises(Forbidden):
        timeline_services.message_edit(by=world["andi"], message_id=message.pk, body="bukan saya")
    timeline_services.message_edit(by=world["budi"], message_id=message.pk, body="versi dua")
    timeline_services.message_edit(by=world["budi"], message_id=message.pk, body="versi tiga")
    message.refresh_from_db()
    assert message.body == "versi tiga"
    assert list(MessageRevision.objects.values_list("body", flat=True)) == [
        "versi satu",
        "versi dua",
    ]


def test_author_or_room_admin_deletes_others_do_not(world):
    by_andi, _ = post(world, who="andi")
    with pytest.raises(Forbidden):
        timeline_services.message_delete(by=world["nurul"], message_id=by_andi.pk)
    timeline_services.message_delete(by=world["budi"], message_id=by_andi.pk)  # budi is room admin
    with pytest.raises(NotFound):
        timeline_services.message_delete(by=world["andi"], message_id=by_andi.pk)  # already gone
    assert RoomEvent.objects.filter(kind="message_deleted").count() == 1


def test_read_state_only_moves_forward_and_not_past_the_head(world):
    for _ in range(3):
        post(world)
    room_id = world["room"].pk
    assert (
        timeline_services.room_mark_read(
            official=world["andi"], room_id=room_id, seq=2
        ).last_read_seq
        == 2
    )
    assert (
        timeline_services.room_mark_read(
            official=world["andi"], room_id=room_id, seq=1
        ).last_read_seq
        == 2
    )
    assert (
        timeline_services.room_mark_read(
            official=world["andi"], room_id=room_id, seq=99
        ).last_read_seq
        == 3
    )
    with pytest.raises(InvalidInput):  # refused where the frame enters
        cleaners.clean_seq(-1, "seq")


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


def test_new_members_start_with_nothing_unread(world):
    for _ in range(3):
        post(world)
    room_services.room_members_add(by=world["budi"], room_id=world["room"].pk, members=["outsider"])
    membership = Membership.objects.get(room=world["room"], official=world["outsider"])
    assert membership.last_read_seq == 3


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


def test_sending_costs_at_most_eight_queries(world, django_assert_max_num_queries):
    post(world)  # warm caches (content types, rate-limit keys)
    with django_assert_max_num_queries(8):
        post(world, body="satu lagi")


def test_agencies_of_other_apps_do_not_leak(world):
    agency = AgencyFactory(code="papua")
    OfficialFactory(agency=agency)
    room_services.agency_rooms_sync_all()
    assert Room.objects.filter(kind=Room.Kind.AGENCY).count() == 3


def test_the_timeline_never_shows_an_event_beyond_the_committed_head(world):
    """A later event seen before an earlier one committed would move a reader's cursor past
    the earlier one: the timeline stops at the head read first."""
    for _ in range(3):
        post(world)
    message = Message.objects.first()
    # An edit that took seq 5 while seq 4 is still uncommitted somewhere: head is 3.
    RoomEvent.objects.create(room=world["room"], seq=5, kind="message_edited", message=message)
    assert [f["seq"] for f in selectors.timeline(world["room"].pk, after=0)] == [1, 2, 3]


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


@pytest.mark.parametrize("body", ["\u200b", " \u200b\u200d ", "\ufeff\n\u2060"])
def test_a_message_of_invisible_characters_is_empty(world, body):
    with pytest.raises(InvalidInput):
        post(world, body=body)


def test_attachments_must_be_the_authors_own_unsent_uploads(world):
    with pytest.raises(NotFound):
        post(world, attachments=[999_999])
    with pytest.raises(InvalidInput):
        sent(world, {"body": "x", "attachments": "1"})
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[klik](javascript:alert(1))",
        "[klik](JaVaScRiPt:alert(1))",
        "[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<svg onload=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "![x](https://evil.example/x.png)",
        "<iframe src=//evil.example></iframe>",
        "**<b onmouseover=alert(1)>tebal</b>**",
    ],
)
def test_hostile_bodies_render_inert(world, body):
    """Whatever comes in, the HTML out has only the allowed elements, no event handlers,
    and links only to http, https or mailto; the rest is shown as text."""
    from html.parser import HTMLParser

    from messaging.render import ALLOWED_TAGS, render_body

    class Inspect(HTMLParser):
        def __init__(self):
            super().__init__()
            self.problems = []

        def handle_starttag(self, tag, attrs):
            if tag not in ALLOWED_TAGS:
                self.problems.append(tag)
            for name, value in attrs:
                if (
                    name not in ("href", "rel", "target")
                    or (name == "href" and not value.startswith(("http:", "https:", "mailto:")))
                    or (name == "target" and value != "_blank")
                ):
                    self.problems.append(f"{tag}[{name}={value}]")
            if dict(attrs).get("target") and "noopener" not in (dict(attrs).get("rel") or ""):
                self.problems.append(f"{tag} opens a tab with its opener")

    html = render_body(body)
    inspector = Inspect()
    inspector.feed(html)
    assert inspector.problems == [], (body, html)
    message, _ = post(world, body=body)
    assert message.body == body  # stored raw, rendered safe


def test_links_render_with_safe_rel(world):
    from messaging.render import render_body

    html = render_body("[BPS](https://bps.go.id)")
    assert html == (
        '<p><a href="https://bps.go.id" target="_blank" rel="noopener noreferrer nofollow">'
        "BPS</a></p>"
    )
