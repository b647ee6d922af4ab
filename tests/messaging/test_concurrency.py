"""Concurrent writers on one room: the seq stays gapless and unique (PostgreSQL in the
services run, SQLite in the embedded one)."""

from __future__ import annotations

import uuid

import pytest

from coordination.platform.errors import Forbidden, NotFound
from messaging.models import Message, MessageRevision, Room, RoomEvent
from messaging.services import timeline as timeline_services
from tests.threads import run_together


@pytest.mark.django_db(transaction=True)
def test_many_threads_writing_one_room_get_gapless_unique_seqs(world, settings):
    settings.RAKOR_SEND_RATE_PER_SECOND = 100_000
    room = world["room"]
    writers = ["budi", "sari", "andi", "nurul"] * 2
    per_writer = 15

    def write(name):
        for n in range(per_writer):
            message, _ = timeline_services.message_post(
                author=world[name],
                room_id=room.pk,
                body=f"{name} {n}",
                client_id=uuid.uuid4(),
            )
            if n % 5 == 0:
                timeline_services.message_edit(by=world[name], message_id=message.pk, body="edited")

    # A writer's exception is raised here (run_together): no error may pass unseen.
    run_together(write, *[(name,) for name in writers], timeout=120)
    seqs = list(Message.objects.filter(room=room).values_list("seq", flat=True)) + list(
        RoomEvent.objects.filter(room=room).values_list("seq", flat=True)
    )
    expected = len(writers) * per_writer + len(writers) * 3
    assert len(seqs) == expected
    assert sorted(seqs) == list(range(1, expected + 1))
    assert Room.objects.get(pk=room.pk).last_seq == expected


@pytest.mark.django_db(transaction=True)
def test_the_same_client_id_from_two_sockets_at_once_is_stored_once(world):
    room = world["room"]
    client_id = uuid.uuid4()

    def send():
        return timeline_services.message_post(
            author=world["budi"], room_id=room.pk, body="sekali", client_id=client_id
        )

    results = run_together(send, times=4)  # raises what any sender raised
    assert len(results) == 4
    assert len({message.pk for message, _created in results}) == 1
    assert sum(created for _message, created in results) == 1
    assert Room.objects.get(pk=room.pk).last_seq == 1


@pytest.mark.django_db(transaction=True)
def test_an_edit_racing_a_deletion_never_revives_the_message(world):
    """Edits and deletions of one message, at once from several threads: every change is
    checked again under the room's lock, so there is at most one deletion, no edit after it,
    and every revision keeps a distinct earlier text."""
    room = world["room"]
    for round_ in range(5):
        message, _ = timeline_services.message_post(
            author=world["budi"], room_id=room.pk, body=f"asli {round_}", client_id=uuid.uuid4()
        )

        def change(kind, n, message=message):
            try:
                if kind == "edit":
                    timeline_services.message_edit(
                        by=world["budi"], message_id=message.pk, body=f"v{n}"
                    )
                else:
                    timeline_services.message_delete(by=world["budi"], message_id=message.pk)
            except (Forbidden, NotFound):
                pass  # refused: deleted meanwhile

        # Any other exception in a thread is raised here (run_together).
        run_together(
            change, *[(kind, n) for n, kind in enumerate(["edit", "delete", "edit", "delete"])]
        )
        events_ = list(RoomEvent.objects.filter(message=message).order_by("seq"))
        kinds = [e.kind for e in events_]
        assert kinds.count("message_deleted") == 1
        assert kinds[-1] == "message_deleted"  # nothing after the deletion
        bodies = list(
            MessageRevision.objects.filter(message=message).values_list("body", flat=True)
        )
        assert len(bodies) == len(set(bodies)) == kinds.count("message_edited")
