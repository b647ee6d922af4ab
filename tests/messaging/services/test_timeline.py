"""messaging.services.timeline: the rules a message, a read mark and typing obey, each at its
one home."""

from __future__ import annotations

import uuid

import pytest

from coordination.platform.errors import Forbidden
from messaging import selectors
from messaging.models import Membership, Message, Room
from messaging.services import timeline

pytestmark = pytest.mark.django_db


def test_a_member_removed_after_the_first_check_cannot_post(world, monkeypatch):
    """The membership is checked again inside the write transaction, after the room's lock:
    a removal that committed between the first check and the write is seen."""
    room = world["room"]
    checked = selectors.room_get_for_member(world["andi"], room.pk)  # andi was a member here
    Membership.objects.filter(room=room, official=world["andi"]).delete()  # ...then removed
    monkeypatch.setattr(selectors, "room_get_for_member", lambda official, room_id: checked)
    with pytest.raises(Forbidden):
        timeline.message_post(
            author=world["andi"], room_id=room.pk, body="terlambat", client_id=uuid.uuid4()
        )
    assert not Message.objects.exists()
    assert Room.objects.get(pk=room.pk).last_seq == 0  # the seq taken was given back


@pytest.mark.django_db(transaction=True)
async def test_only_members_announce_typing(world):
    from channels.layers import get_channel_layer

    from messaging import events

    layer = get_channel_layer()
    listener = await layer.new_channel()
    await layer.group_add(events.room_group(world["room"].pk), listener)
    with pytest.raises(Forbidden):
        await timeline.room_typing(official=world["outsider"], room_id=world["room"].pk)
    await timeline.room_typing(official=world["andi"], room_id=world["room"].pk)
    announced = await layer.receive(listener)
    assert announced["frame"]["author"]["username"] == "andi"  # the outsider's never went
