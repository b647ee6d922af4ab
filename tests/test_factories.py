"""The factories make rows the services would: a message takes its room's next seq (as
messaging.services.timeline does), a meeting ends after it starts in its organiser's agency."""

from __future__ import annotations

import pytest

from messaging import selectors
from messaging.models import Membership, Room
from tests.factories import (
    MeetingFactory,
    MessageFactory,
    OfficialFactory,
    ParticipantFactory,
    RoomFactory,
)

pytestmark = pytest.mark.django_db


def test_messages_take_their_rooms_next_seqs_and_its_head_follows():
    room, other = RoomFactory(), RoomFactory()
    seqs = [MessageFactory(room=room).seq for _ in range(3)]
    assert seqs == [1, 2, 3] and MessageFactory(room=other).seq == 1
    assert Room.objects.get(pk=room.pk).last_seq == 3 and room.last_seq == 3
    assert [f["seq"] for f in selectors.timeline(room.pk, after=0)] == [1, 2, 3]
    with pytest.raises(TypeError):
        MessageFactory(room=room, seq=9)  # a seq is taken, never given


def test_a_rooms_members_are_given_the_first_its_admin():
    first, second = OfficialFactory(), OfficialFactory()
    room = RoomFactory(members=[first, second])
    assert dict(Membership.objects.filter(room=room).values_list("official_id", "is_admin")) == {
        first.pk: True,
        second.pk: False,
    }
    assert not RoomFactory().memberships.exists()


def test_a_meeting_is_its_organisers_agencys_with_its_participants():
    guest = OfficialFactory()
    meeting = MeetingFactory(participants=[guest], participants__role="optional")
    assert meeting.agency == meeting.organiser.agency and meeting.end > meeting.start
    (participant,) = meeting.participants.all()
    assert participant.official == guest and participant.role == "optional" and participant.named
    assert ParticipantFactory().meeting.participants.count() == 1
