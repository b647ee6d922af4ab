"""meetings.services.agenda: the order and its rules, versions and conflicts, proposals (from a
chat message too), who may do what, and the one batched invitation update."""

from __future__ import annotations

import datetime
import email
import uuid

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from coordination.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from coordination.platform.mail import outbox_deliver
from meetings import selectors
from meetings.models import AgendaItem, AgendaProposal, Meeting
from meetings.services import agenda
from meetings.services.agenda import Presenter
from messaging.services import rooms, timeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(schedule):
    """budi's meeting with andi (required) and nurul (optional) by name."""
    return schedule(
        participants=[
            {"username": "andi", "role": "chair"},
            {"username": "nurul", "role": "required"},
        ]
    )


def post(author, room_id, body):
    message, _created = timeline.message_post(
        author=author, room_id=room_id, body=body, client_id=uuid.uuid4()
    )
    return message


def titles(meeting: Meeting) -> list[str]:
    return [item.title for item in selectors.agenda_items(meeting)]


def add(meeting, by, title, **kwargs):
    return agenda.agenda_item_add(by=by, meeting_id=meeting.pk, title=title, **kwargs)


def test_items_are_added_at_the_end_or_where_asked_and_positions_have_no_gaps(world, meeting):
    add(meeting, world["budi"], "Pembukaan")
    add(meeting, world["budi"], "Penutup")
    add(meeting, world["budi"], "Laporan provinsi", position=1)
    add(meeting, world["budi"], "Arahan menteri", position=0)
    add(meeting, world["budi"], "Lain-lain", position=99)  # past the end: the end
    assert titles(meeting) == [
        "Arahan menteri",
        "Pembukaan",
        "Laporan provinsi",
        "Penutup",
        "Lain-lain",
    ]
    positions = [item.position for item in selectors.agenda_items(meeting)]
    assert positions == [0, 1, 2, 3, 4]
    meeting.refresh_from_db()
    assert meeting.agenda_version == 6  # each addition changed the order


def test_a_reorder_lists_every_item_once_and_is_refused_on_an_old_order(world, meeting):
    first = add(meeting, world["budi"], "Satu")
    second = add(meeting, world["budi"], "Dua")
    third = add(meeting, world["budi"], "Tiga")
    version = Meeting.objects.get(pk=meeting.pk).agenda_version
    for wrong in (
        [third.pk, first.pk],
        [third.pk, first.pk, first.pk],
        [third.pk + 9, first.pk, second.pk],
    ):
        with pytest.raises(InvalidInput):
            agenda.agenda_reorder(
                by=world["budi"], meeting_id=meeting.pk, item_ids=wrong, version=version
            )
    assert titles(meeting) == ["Satu", "Dua", "Tiga"]
    # The chair reorders; budi's reorder on the order he saw before is a conflict.
    agenda.agenda_reorder(
        by=world["andi"],
        meeting_id=meeting.pk,
        item_ids=[third.pk, first.pk, second.pk],
        version=version,
    )
    with pytest.raises(Conflict) as refused:
        agenda.agenda_reorder(
            by=world["budi"],
            meeting_id=meeting.pk,
            item_ids=[second.pk, first.pk, third.pk],
            version=version,
        )
    assert refused.value.current == {
        "version": version + 1,
        "items": [third.pk, first.pk, second.pk],
    }
    assert titles(meeting) == ["Tiga", "Satu", "Dua"]


def test_an_edit_on_an_old_version_is_a_conflict_carrying_the_current_text(world, meeting):
    item = add(meeting, world["budi"], "Laporan inflasi", description="Data BPS")
    changed = agenda.agenda_item_update(
        by=world["andi"],
        item_id=item.pk,
        version=item.version,
        changes={"description": "Data BPS Oktober", "planned_minutes": 25},
    )
    assert changed.version == item.version + 1
    with pytest.raises(Conflict) as refused:
        agenda.agenda_item_update(
            by=world["budi"],
            item_id=item.pk,
            version=item.version,
            changes={"description": "Data BPS September"},
        )
    assert refused.value.current["description"] == "Data BPS Oktober"
    assert refused.value.current["version"] == changed.version
    assert AgendaItem.objects.get(pk=item.pk).description == "Data BPS Oktober"
    # Removing on an old version is refused too; on the current one it goes.
    with pytest.raises(Conflict):
        agenda.agenda_item_remove(by=world["budi"], item_id=item.pk, version=item.version)
    agenda.agenda_item_remove(by=world["budi"], item_id=item.pk, version=changed.version)
    assert titles(meeting) == []


def test_only_editable_fields_change_and_the_presenter_is_an_official_or_an_agency(world, meeting):
    item = add(meeting, world["budi"], "Paparan", presenter=Presenter(agency="sulsel"))
    assert selectors.agenda_item_out(item)["presenter"] == {
        "agency": "sulsel",
        "name": "Provinsi Sulawesi Selatan",
    }
    with pytest.raises(InvalidInput):
        agenda.agenda_item_update(
            by=world["budi"], item_id=item.pk, version=item.version, changes={"meeting": 1}
        )
    with pytest.raises(InvalidInput):
        add(meeting, world["budi"], "Dua", presenter=Presenter(username="andi", agency="sulsel"))
    with pytest.raises(NotFound):
        add(meeting, world["budi"], "Tiga", presenter=Presenter(username="nobody"))
    changed = agenda.agenda_item_update(
        by=world["budi"],
        item_id=item.pk,
        version=item.version,
        changes={},
        presenter=Presenter(username="nurul"),
        presenter_given=True,
    )
    assert selectors.agenda_item_out(changed)["presenter"]["username"] == "nurul"
    assert titles(meeting) == ["Paparan"]


def test_who_may_edit_propose_and_read(world, meeting):
    # nurul takes part but neither organises nor chairs: she may not change the agenda.
    with pytest.raises(Forbidden):
        add(meeting, world["nurul"], "Usulan langsung")
    # sari sees the meeting (the organising agency) but takes no part: she reads only.
    assert selectors.agenda_get_visible(world["sari"], meeting.pk)["may_propose"] is False
    with pytest.raises(Forbidden):
        agenda.agenda_proposal_create(by=world["sari"], meeting_id=meeting.pk, title="Saya")
    # outsider may not see the meeting at all: not found, whatever he tries.
    with pytest.raises(NotFound):
        selectors.agenda_get_visible(world["outsider"], meeting.pk)
    with pytest.raises(NotFound):
        agenda.agenda_proposal_create(by=world["outsider"], meeting_id=meeting.pk, title="X")
    item = add(meeting, world["budi"], "Pembukaan")
    with pytest.raises(NotFound):
        agenda.agenda_item_update(
            by=world["outsider"], item_id=item.pk, version=1, changes={"title": "X"}
        )
    # The chair grants nurul editing; then she may.
    agenda.agenda_editor_grant(by=world["andi"], meeting_id=meeting.pk, username="nurul")
    add(meeting, world["nurul"], "Usulan langsung")
    agenda.agenda_editor_revoke(by=world["budi"], meeting_id=meeting.pk, username="nurul")
    with pytest.raises(Forbidden):
        add(meeting, world["nurul"], "Lagi")
    with pytest.raises(Forbidden):
        agenda.agenda_editor_grant(by=world["nurul"], meeting_id=meeting.pk, username="nurul")
    assert titles(meeting) == ["Pembukaan", "Usulan langsung"]


def test_a_cancelled_meetings_agenda_no_longer_changes(world, meeting):
    from meetings.services import scheduling

    item = add(meeting, world["budi"], "Pembukaan")
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    with pytest.raises(Conflict):
        add(meeting, world["budi"], "Lagi")
    with pytest.raises(Conflict):
        agenda.agenda_item_update(
            by=world["budi"], item_id=item.pk, version=item.version, changes={"title": "X"}
        )
    assert titles(meeting) == ["Pembukaan"]


def test_a_proposal_is_accepted_into_the_agenda_or_declined(world, meeting):
    add(meeting, world["budi"], "Pembukaan")
    proposal = agenda.agenda_proposal_create(
        by=world["nurul"], meeting_id=meeting.pk, title="Stok beras", planned_minutes=15
    )
    # nurul sees her own proposal; sari (not a participant, no editor) sees none; budi all.
    assert [p["id"] for p in selectors.agenda_proposal_list(world["nurul"], meeting.pk)] == [
        proposal.pk
    ]
    assert selectors.agenda_proposal_list(world["sari"], meeting.pk) == []
    with pytest.raises(Forbidden):
        agenda.agenda_proposal_accept(by=world["nurul"], proposal_id=proposal.pk)
    accepted = agenda.agenda_proposal_accept(by=world["budi"], proposal_id=proposal.pk)
    assert accepted.status == AgendaProposal.Status.ACCEPTED
    assert titles(meeting) == ["Pembukaan", "Stok beras"]
    assert accepted.item.presenter == world["nurul"] and accepted.item.planned_minutes == 15
    with pytest.raises(Conflict):  # decided already
        agenda.agenda_proposal_decline(by=world["budi"], proposal_id=proposal.pk)
    other = agenda.agenda_proposal_create(by=world["andi"], meeting_id=meeting.pk, title="Cabai")
    declined = agenda.agenda_proposal_decline(
        by=world["budi"], proposal_id=other.pk, reason="Dibahas minggu depan"
    )
    assert declined.status == AgendaProposal.Status.DECLINED
    assert declined.reason == "Dibahas minggu depan"
    assert titles(meeting) == ["Pembukaan", "Stok beras"]


def test_a_chat_message_is_proposed_as_an_item_with_a_link_back(world, meeting):
    message = post(
        world["nurul"], world["room"].pk, "Harga cabai naik 30% di Makassar\nPerlu dibahas"
    )
    proposal = agenda.agenda_proposal_create(
        by=world["nurul"], meeting_id=meeting.pk, message_id=message.pk
    )
    assert proposal.title == "Harga cabai naik 30% di Makassar"
    assert proposal.source_message_id == message.pk
    accepted = agenda.agenda_proposal_accept(by=world["budi"], proposal_id=proposal.pk)
    out = selectors.agenda_item_out(accepted.item)
    assert out["source_message"] == {
        "id": message.pk,
        "room": world["room"].pk,
        "url": message.get_absolute_url(),
    }
    # A message in a room the proposer is not in is not found.
    notes, _created = rooms.direct_room_get_or_create(by=world["budi"], usernames=[])
    private = post(world["budi"], notes.pk, "Catatan pribadi")
    with pytest.raises(NotFound):
        agenda.agenda_proposal_create(
            by=world["nurul"], meeting_id=meeting.pk, message_id=private.pk
        )


def test_a_burst_of_agenda_changes_sends_one_update_per_participant(
    world, meeting, settings, django_capture_on_commit_callbacks
):
    settings.RAKOR_AGENDA_RESEND_MINUTES = 5
    outbox_deliver()
    mail.outbox.clear()
    sequence = Meeting.objects.get(pk=meeting.pk).sequence
    for number in range(20):
        item = add(meeting, world["budi"], f"Butir {number}")
    agenda.agenda_item_update(
        by=world["andi"], item_id=item.pk, version=item.version, changes={"title": "Penutup"}
    )
    now = timezone.now()
    assert agenda.agenda_updates_send(now=now) == 0  # not due yet
    assert agenda.agenda_updates_send(now=now + datetime.timedelta(minutes=6)) == 1
    assert agenda.agenda_updates_send(now=now + datetime.timedelta(minutes=7)) == 0  # sent
    outbox_deliver()
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted(
        official.email for official in (world["budi"], world["andi"], world["nurul"])
    )
    raw = email.message_from_bytes(mail.outbox[0].message().as_bytes())
    calendar = next(
        part.get_payload(decode=True)
        for part in raw.walk()
        if part.get_content_type() == "text/calendar"
    )
    [vevent] = Calendar.from_ical(calendar).walk("VEVENT")
    assert int(vevent["SEQUENCE"]) == sequence  # the agenda is not a significant change
    assert vevent["DTSTAMP"].dt > now - datetime.timedelta(seconds=5)
    description = str(vevent["DESCRIPTION"])
    # In the meeting's language (Indonesian by default).
    assert "1. Butir 0 (10 menit)" in description and "20. Penutup (10 menit)" in description


def test_a_template_is_made_of_a_biasa_agenda_only_and_kept_by_its_author(world, meeting, schedule):
    from coordination.organisation.models import Classification
    from tests.factories import OfficialFactory

    add(meeting, world["budi"], "Pembukaan")
    agenda.agenda_template_save(by=world["budi"], meeting_id=meeting.pk, name="Rakor bulanan")
    # Another member of budi's agency who edits an agenda cannot overwrite budi's template.
    colleague = OfficialFactory(agency=world["ministry"])
    own = schedule(by=world["budi"], title="Rapat lain", participants=[])
    agenda.agenda_editor_grant(by=world["budi"], meeting_id=own.pk, username=colleague.username)
    add(own, colleague, "Lain")
    with pytest.raises(Forbidden):
        agenda.agenda_template_save(by=colleague, meeting_id=own.pk, name="Rakor bulanan")
    secret = schedule(
        classification=Classification.RAHASIA,
        participants=[{"username": "andi", "role": "chair"}],
    )
    add(secret, world["budi"], "Hal rahasia")
    with pytest.raises(Conflict):
        agenda.agenda_template_save(by=world["budi"], meeting_id=secret.pk, name="Rahasia")
    from meetings.models import AgendaTemplate

    assert [t.name for t in AgendaTemplate.objects.all()] == ["Rakor bulanan"]
    assert AgendaTemplate.objects.get().items[0]["title"] == "Pembukaan"


def test_removing_the_item_under_discussion_leaves_none_under_discussion(world, meeting):
    from meetings.services import meeting_mode

    item = add(meeting, world["budi"], "Pembukaan")
    meeting_mode.meeting_open(by=world["andi"], meeting_id=meeting.pk)
    meeting_mode.meeting_current_item_set(by=world["andi"], meeting_id=meeting.pk, item_id=item.pk)
    current = AgendaItem.objects.get(pk=item.pk)
    agenda.agenda_item_remove(by=world["budi"], item_id=item.pk, version=current.version)
    meeting.refresh_from_db()
    assert meeting.current_item_id is None and meeting.current_item_since is None
    with pytest.raises(NotFound):  # removed meanwhile: not found, not a server error
        agenda.agenda_item_remove(by=world["budi"], item_id=item.pk, version=current.version)
