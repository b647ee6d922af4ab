"""messaging.services.timeline: the rules a message, an edit, a deletion, a read mark and
typing obey, each at its one home."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from channels.layers import channel_layers
from django.utils import timezone

from coordination.platform import cleaners
from coordination.platform.errors import Forbidden, InvalidInput, NotFound, RateLimited
from messaging import events, selectors
from messaging.models import Membership, Message, MessageRevision, Room, RoomEvent
from messaging.services import rooms as room_services
from messaging.services import timeline as timeline_services
from tests.messaging.posting import post

pytestmark = pytest.mark.django_db


@pytest.fixture
def memory_layer(settings):
    """An in-memory channel layer for a test that listens through async_to_sync: each call
    runs in an event loop of its own, and a Redis layer's receive buffers belong to the loop
    that first listened (the test failed on the services run with Redis)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield channel_layers["default"]
    channel_layers.backends.clear()


def test_a_member_removed_after_the_first_check_cannot_post(world, monkeypatch):
    """The membership is checked again inside the write transaction, after the room's lock:
    a removal that committed between the first check and the write is seen."""
    room = world["room"]
    checked = selectors.room_get_for_member(world["andi"], room.pk)  # andi was a member here
    Membership.objects.filter(room=room, official=world["andi"]).delete()  # ...then removed
    monkeypatch.setattr(selectors, "room_get_for_member", lambda official, room_id: checked)
    with pytest.raises(Forbidden):
        timeline_services.message_post(
            author=world["andi"], room_id=room.pk, body="terlambat", client_id=uuid.uuid4()
        )
    assert not Message.objects.exists()
    assert Room.objects.get(pk=room.pk).last_seq == 0  # the seq taken was given back


@pytest.mark.django_db(transaction=True)
async def test_only_members_announce_typing(world):
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    listener = await layer.new_channel()
    await layer.group_add(events.room_open_group(world["room"].pk), listener)
    with pytest.raises(Forbidden):
        await timeline_services.room_typing(official=world["outsider"], room_id=world["room"].pk)
    await timeline_services.room_typing(official=world["andi"], room_id=world["room"].pk)
    announced = await layer.receive(listener)
    assert announced["frame"]["author"]["username"] == "andi"  # the outsider's never went


@pytest.mark.usefixtures("memory_layer")
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


def test_a_body_of_exactly_the_limit_is_accepted(world, settings):
    message, _ = post(world, body="x" * settings.RAKOR_MESSAGE_MAX_CHARS)
    assert len(message.body) == settings.RAKOR_MESSAGE_MAX_CHARS


@pytest.mark.parametrize("body", ["\u200b", " \u200b\u200d ", "\ufeff\n\u2060"])
def test_a_message_of_invisible_characters_is_empty(world, body):
    with pytest.raises(InvalidInput):
        post(world, body=body)


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


def test_sending_costs_at_most_eight_queries(world, django_assert_max_num_queries):
    post(world)  # warm caches (content types, rate-limit keys)
    with django_assert_max_num_queries(8):
        post(world, body="satu lagi")


def test_sending_costs_no_query_per_recipient(world):
    """A plain message costs the same in a room of a few members as in a room of fifty times
    more: the broadcast goes to the room's group, not to each member."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import OfficialFactory

    def cost() -> int:
        post(world, body="hangat")  # warm caches (rate-limit keys)
        with CaptureQueriesContext(connection) as queries:
            post(world, body="pesan biasa")
        return len(queries)

    small = cost()
    Membership.objects.bulk_create(
        Membership(room=world["room"], official=OfficialFactory()) for _ in range(150)
    )
    assert world["room"].memberships.count() > 150
    assert cost() == small <= 8


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
