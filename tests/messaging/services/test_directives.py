"""messaging.services.directives: who sends a directive and what it may ask, the members
asked to acknowledge it, one acknowledgement per member or per agency, the tally."""

from __future__ import annotations

import datetime
import uuid

import pytest

from coordination.organisation.models import Notification
from coordination.platform.errors import Forbidden, InvalidInput, NotFound
from messaging import selectors
from messaging.models import Acknowledgement, Message
from messaging.services import directives as directive_services
from messaging.services import timeline as timeline_services
from messaging.socket import clean_directive

pytestmark = pytest.mark.django_db


def post(world, who="budi", body="pesan", **kwargs):
    if isinstance(kwargs.get("directive"), dict):  # as the socket's frame carries it
        kwargs["directive"] = clean_directive(kwargs["directive"])
    return timeline_services.message_post(
        author=world[who], room_id=world["room"].pk, body=body, client_id=uuid.uuid4(), **kwargs
    )[0]


def test_only_coordinators_send_directives(world):
    with pytest.raises(Forbidden):
        post(world, who="sari", directive={"ack_by": "member"})
    with pytest.raises(InvalidInput):
        post(world, directive={"ack_by": "everyone"})
    with pytest.raises(InvalidInput):
        post(world, directive={"ack_by": "member", "due": "besok"})
    assert not Message.objects.exists()


@pytest.mark.parametrize("due", ["2020-01-01", "05-12-2026", "2026-13-01", 20261205])
def test_directive_due_dates_are_dates_not_yet_passed(world, due):
    with pytest.raises(InvalidInput):
        post(world, directive={"ack_by": "member", "due": due})
    assert not Message.objects.exists() and not Notification.objects.exists()


def test_members_acknowledge_and_the_tally_follows(world):
    due = (datetime.date.today() + datetime.timedelta(days=5)).isoformat()
    message = post(
        world, body="Laporkan angka kemiskinan", directive={"ack_by": "member", "due": due}
    )
    # Each member is asked, on their own channel, without the message's words.
    asked = Notification.objects.filter(kind="directive")
    assert set(asked.values_list("official__username", flat=True)) == {"sari", "andi", "nurul"}
    assert all(n.link == f"/messages/{world['room'].pk}?seq={message.seq}" for n in asked)
    assert not any("kemiskinan" in n.text for n in asked)
    tally = selectors.directive_get_tally(official=world["budi"], message_id=message.pk)
    assert {p["username"] for p in tally["pending"]} == {"sari", "andi", "nurul"}
    tally = directive_services.directive_acknowledge(official=world["andi"], message_id=message.pk)
    assert [a["username"] for a in tally["acknowledged"]] == ["andi"]
    again = directive_services.directive_acknowledge(official=world["andi"], message_id=message.pk)
    assert len(again["acknowledged"]) == 1  # one click, once
    with pytest.raises(InvalidInput):
        directive_services.directive_acknowledge(official=world["budi"], message_id=message.pk)
    with pytest.raises(NotFound):  # outside the room, the directive does not exist
        directive_services.directive_acknowledge(official=world["outsider"], message_id=message.pk)
    with pytest.raises(NotFound):
        selectors.directive_get_tally(official=world["outsider"], message_id=message.pk)


def test_in_agency_mode_one_official_acknowledges_for_the_agency(world):
    message = post(world, directive={"ack_by": "agency"})
    tally = selectors.directive_get_tally(official=world["budi"], message_id=message.pk)
    # Kemendagri (sari) and Sulawesi Selatan (andi, nurul) owe one acknowledgement each.
    assert {p["agency"] for p in tally["pending"]} == {"kemendagri", "sulsel"}
    directive_services.directive_acknowledge(official=world["nurul"], message_id=message.pk)
    tally = directive_services.directive_acknowledge(official=world["andi"], message_id=message.pk)
    assert [p["agency"] for p in tally["pending"]] == ["kemendagri"]
    assert Acknowledgement.objects.filter(message=message).count() == 1  # andi's was not needed
    tally = directive_services.directive_acknowledge(official=world["sari"], message_id=message.pk)
    assert tally["complete"] and not tally["overdue"]


def test_overdue_directives_are_listed_for_their_sender(world):
    overdue = post(
        world, body="lama", directive={"ack_by": "member", "due": datetime.date.today().isoformat()}
    )
    Message.objects.filter(pk=overdue.pk).update(
        directive_due=datetime.date.today() - datetime.timedelta(days=2)
    )
    fresh = post(world, body="baru", directive={"ack_by": "member"})
    listed = selectors.directives_sent(world["budi"], overdue_only=True)
    assert [d["message"] for d in listed] == [overdue.pk] and listed[0]["overdue"]
    assert len(selectors.directives_sent(world["budi"])) == 2
    awaiting = selectors.directives_awaiting(world["andi"])
    assert {m.pk for m in awaiting} == {overdue.pk, fresh.pk}
    directive_services.directive_acknowledge(official=world["andi"], message_id=fresh.pk)
    assert [m.pk for m in selectors.directives_awaiting(world["andi"])] == [overdue.pk]
