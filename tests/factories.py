"""factory_boy factories shared by the whole suite."""

from __future__ import annotations

import datetime
import uuid

import factory
from django.db import transaction
from django.utils import timezone

from coordination.organisation.models import Agency, Language, Official, Role, Zone
from meetings.models import Meeting, Participant
from messaging.models import Membership, Message, Room
from messaging.render import render_body

TEST_PASSWORD = "correct-horse-battery"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Agency {n}")
    code = factory.Sequence(lambda n: f"agency-{n}")
    level = Agency.Level.PROVINCE
    timezone = Zone.WIB


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"official{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.test")
    agency = factory.SubFactory(AgencyFactory)
    role = Role.MEMBER
    password = factory.django.Password(TEST_PASSWORD)


class RoomFactory(factory.django.DjangoModelFactory):
    """A coordination room (no members unless given: `RoomFactory(members=[a, b])`, the
    first one its room admin)."""

    class Meta:
        model = Room
        skip_postgeneration_save = True

    kind = Room.Kind.COORDINATION
    name = factory.Sequence(lambda n: f"Room {n}")
    created_by = None

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        Membership.objects.bulk_create(
            Membership(room=self, official=official, is_admin=index == 0)
            for index, official in enumerate(extracted)
        )


class MessageFactory(factory.django.DjangoModelFactory):
    """A message on its room's timeline. Its seq is taken as the services take it
    (`timeline.next_seq`, inside the transaction that stores it), so the room's head, its
    seqs and every reader of the timeline stay consistent; nothing is broadcast or notified
    (that is the service's part, `timeline.message_post`)."""

    class Meta:
        model = Message

    room = factory.SubFactory(RoomFactory)
    author = factory.SubFactory(OfficialFactory)
    body = factory.Sequence(lambda n: f"Pesan {n}")
    html = factory.LazyAttribute(lambda o: render_body(o.body))
    client_id = factory.LazyFunction(uuid.uuid4)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from messaging.services.timeline import next_seq

        if kwargs.get("seq") is not None:
            raise TypeError("a message's seq is the room's next one; do not give it")
        with transaction.atomic():
            kwargs["seq"], _archived = next_seq(kwargs["room"].pk)
            message = super()._create(model_class, *args, **kwargs)
        kwargs["room"].last_seq = message.seq
        return message


class MeetingFactory(factory.django.DjangoModelFactory):
    """A scheduled meeting two days ahead, organised by an official of its agency, without
    video (no provider is asked for a room); no participants unless given:
    `MeetingFactory(participants=[a, b])` (see ParticipantFactory). Nothing is mailed and no
    room is opened: that is the service's part (`scheduling.meeting_create`)."""

    class Meta:
        model = Meeting
        skip_postgeneration_save = True

    uid = factory.Sequence(lambda n: f"meeting-{n}@rakor.test")
    title = factory.Sequence(lambda n: f"Rapat {n}")
    organiser = factory.SubFactory(OfficialFactory, role=Role.COORDINATOR)
    agency = factory.LazyAttribute(lambda o: o.organiser.agency)
    start = factory.LazyFunction(
        lambda: (timezone.now() + datetime.timedelta(days=2)).replace(second=0, microsecond=0)
    )
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(hours=1))
    timezone = Zone.WIB
    language = Language.INDONESIAN
    video = Meeting.Video.NONE

    @factory.post_generation
    def participants(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for official in extracted:
            ParticipantFactory(meeting=self, official=official, **kwargs)


class ParticipantFactory(factory.django.DjangoModelFactory):
    """An official invited by name to a meeting, not yet answering."""

    class Meta:
        model = Participant

    meeting = factory.SubFactory(MeetingFactory)
    official = factory.SubFactory(OfficialFactory)
    role = Participant.Role.REQUIRED
    rsvp = Participant.Rsvp.NEEDS_ACTION
    named = True
