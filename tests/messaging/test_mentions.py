"""Mentions (messaging.mentions resolves them, messaging.services.timeline records and
notifies them with the message): of members and of agencies, never of others."""

from __future__ import annotations

import uuid

import pytest

from coordination.organisation.models import Notification
from messaging.models import Mention
from messaging.services import timeline as timeline_services
from messaging.socket import clean_directive

pytestmark = pytest.mark.django_db


def post(world, who="budi", body="pesan", **kwargs):
    if isinstance(kwargs.get("directive"), dict):  # as the socket's frame carries it
        kwargs["directive"] = clean_directive(kwargs["directive"])
    return timeline_services.message_post(
        author=world[who], room_id=world["room"].pk, body=body, client_id=uuid.uuid4(), **kwargs
    )[0]


def test_mentions_of_members_and_agencies_are_recorded_and_notified(world):
    message = post(world, body="@andi tolong cek. @kemendagri juga, dan @outsider (bukan anggota)")
    mentioned = set(
        Mention.objects.filter(message=message).values_list("official__username", flat=True)
    )
    # sari is mentioned through her agency (kemendagri); budi is the author; outsider is not a
    # member and is not mentioned at all.
    assert mentioned == {"andi", "sari"}
    assert Mention.objects.get(message=message, official=world["sari"]).agency == world["ministry"]
    notes = Notification.objects.filter(kind="mention")
    assert set(notes.values_list("official__username", flat=True)) == {"andi", "sari"}
    note = notes.get(official=world["andi"])
    assert note.link == f"/messages/{world['room'].pk}?seq={message.seq}"
    assert world["budi"].display_name in note.text


def test_mentions_are_in_the_frame_and_ignore_email_addresses(world):
    from messaging.selectors import timeline

    post(world, body="kirim ke budi@kemendagri.go.id, @andi.")
    frame = timeline(world["room"].pk, after=0)[-1]
    assert frame["mentions"] == {"usernames": ["andi"], "agencies": []}
