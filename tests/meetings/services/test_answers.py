"""meetings.services.answers: answers to invitations, by the participant, through the link
in the invitation mail, or as an iTIP REPLY; each recorded once, with the meeting locked, and
only while it answers the meeting as it now is. (The iTIP replies real clients write are in
tests/meetings/test_itip.py, the links as mail carries them in test_rsvp_links.py.)"""

from __future__ import annotations

import datetime

import pytest

from coordination.platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from meetings import invitations, itip
from meetings.models import Meeting, Participant
from meetings.services import answers, scheduling
from meetings.services.scheduling import Invitee

pytestmark = pytest.mark.django_db


def reply(meeting, address: str, sequence: int) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:{meeting.uid}\r\nSEQUENCE:{sequence}\r\n"
        "DTSTAMP:20260101T000000Z\r\n"
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{address}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_replies_stay_current_when_only_others_were_removed(world, schedule):
    meeting = schedule()
    scheduling.meeting_update(
        by=world["budi"], meeting_id=meeting.pk, changes={}, participants=[Invitee("andi")]
    )
    meeting.refresh_from_db()
    assert meeting.sequence == 1 and meeting.answers_sequence == 0
    # Andi answers the invitation he had (SEQUENCE 0): still current.
    answer = answers.reply_receive(
        by=world["andi"], body=reply(meeting, "andi@example.test", 0), content_type="text/calendar"
    )
    assert answer.rsvp == "accepted"
    # After a new time, an answer to the old one is stale.
    later = meeting.start + datetime.timedelta(hours=2)
    scheduling.meeting_update(
        by=world["budi"],
        meeting_id=meeting.pk,
        changes={"start": later, "end": later + datetime.timedelta(hours=1)},
    )
    with pytest.raises(Conflict):
        answers.reply_receive(
            by=world["andi"],
            body=reply(meeting, "andi@example.test", 1),
            content_type="text/calendar",
        )
    assert Participant.objects.get(meeting=meeting, official=world["andi"]).rsvp == "needs_action"


def test_a_mailbox_shared_by_two_participants_cannot_answer_for_either(world, schedule):
    world["nurul"].email = world["andi"].email.upper()
    world["nurul"].save(update_fields=["email"])
    meeting = schedule()
    with pytest.raises(Conflict):
        answers.reply_receive(
            by=world["budi"],
            body=reply(meeting, "andi@example.test", 0),
            content_type="text/calendar",
        )
    assert set(meeting.participants.values_list("rsvp", flat=True)) == {
        "accepted",
        "needs_action",
    }


# --- by the participant, by the link ---------------------------------------------------------


def rsvp_of(meeting, who):
    return Participant.objects.get(meeting=meeting, official__username=who)


def test_a_participant_answers_for_themselves_and_the_answer_is_timed(world, schedule):
    meeting = schedule()
    answered = answers.meeting_rsvp(
        official=world["andi"], meeting_id=meeting.pk, response="tentative"
    )
    assert answered.official == world["andi"] and answered.rsvp == "tentative"
    stored = rsvp_of(meeting, "andi")
    assert stored.rsvp == "tentative" and stored.rsvp_at is not None
    assert rsvp_of(meeting, "nurul").rsvp == "needs_action"  # nobody else's answer moved


def test_only_participants_answer_and_others_learn_nothing(world, schedule):
    meeting = schedule()
    with pytest.raises(Forbidden):  # sari sees the meeting (the ministry's), is not in it
        answers.meeting_rsvp(official=world["sari"], meeting_id=meeting.pk, response="accepted")
    with pytest.raises(NotFound):  # outsider does not even see it
        answers.meeting_rsvp(official=world["outsider"], meeting_id=meeting.pk, response="accepted")
    assert not Participant.objects.filter(
        meeting=meeting, official__username__in=["sari", "outsider"]
    ).exists()


@pytest.mark.parametrize("response", ["maybe", "needs_action", "", "ACCEPTED"])
def test_an_answer_is_accepted_declined_or_tentative(world, schedule, response):
    meeting = schedule()
    with pytest.raises(InvalidInput) as refused:
        answers.meeting_rsvp(official=world["andi"], meeting_id=meeting.pk, response=response)
    assert "response" in refused.value.fields
    assert rsvp_of(meeting, "andi").rsvp == "needs_action"


def test_the_same_answer_again_changes_nothing_and_tells_nobody(
    world, schedule, django_capture_on_commit_callbacks
):
    meeting = schedule()
    answers.meeting_rsvp(official=world["andi"], meeting_id=meeting.pk, response="declined")
    first = rsvp_of(meeting, "andi").rsvp_at
    with django_capture_on_commit_callbacks() as callbacks:
        answers.meeting_rsvp(official=world["andi"], meeting_id=meeting.pk, response="declined")
    assert callbacks == [] and rsvp_of(meeting, "andi").rsvp_at == first
    with django_capture_on_commit_callbacks() as callbacks:
        answers.meeting_rsvp(official=world["andi"], meeting_id=meeting.pk, response="accepted")
    # A change is told after commit: rsvp_updated to the meeting, a notification to budi.
    assert len(callbacks) == 2


def test_a_cancelled_meeting_takes_no_answer(world, schedule):
    meeting = schedule()
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    with pytest.raises(Conflict) as refused:
        answers.meeting_rsvp(official=world["andi"], meeting_id=meeting.pk, response="accepted")
    assert refused.value.current["status"] == "cancelled"
    assert rsvp_of(meeting, "andi").rsvp == "needs_action"


def test_a_link_answers_for_the_participant_it_was_made_for(world, schedule):
    meeting = schedule()
    andi = rsvp_of(meeting, "andi")
    token = invitations.rsvp_token(andi, meeting)
    target_meeting, target = answers.rsvp_link_target(token)
    assert target_meeting == meeting and target == andi
    assert answers.rsvp_by_link(token=token, response="declined").rsvp == "declined"
    assert rsvp_of(meeting, "andi").rsvp == "declined"
    assert rsvp_of(meeting, "nurul").rsvp == "needs_action"


def test_a_link_of_someone_removed_or_deactivated_or_forged_answers_nothing(world, schedule):
    meeting = schedule()
    andi, nurul = rsvp_of(meeting, "andi"), rsvp_of(meeting, "nurul")
    andis, plain = invitations.rsvp_token(andi, meeting), invitations.rsvp_token(nurul, meeting)
    with pytest.raises(invitations.BadLink):
        answers.rsvp_by_link(token=andis[:-2] + "xx", response="accepted")  # damaged
    scheduling.meeting_update(
        by=world["budi"], meeting_id=meeting.pk, changes={}, participants=[Invitee("nurul")]
    )
    with pytest.raises(invitations.BadLink):
        answers.rsvp_by_link(token=andis, response="accepted")  # andi is no longer invited
    world["nurul"].is_active = False
    world["nurul"].save(update_fields=["is_active"])
    with pytest.raises(invitations.BadLink):
        answers.rsvp_link_target(plain)
    assert rsvp_of(meeting, "nurul").rsvp == "needs_action"


# --- iTIP replies handed in ------------------------------------------------------------------


def test_a_reply_for_a_meeting_the_official_cannot_see_is_not_found(world, schedule):
    meeting = schedule()
    with pytest.raises(NotFound):  # outsider may not see it: as if it did not exist
        answers.reply_receive(
            by=world["outsider"],
            body=reply(meeting, "andi@example.test", 0),
            content_type="text/calendar",
        )
    with pytest.raises(NotFound) as refused:  # no meeting has this UID
        answers.reply_receive(
            by=world["budi"],
            body=reply(Meeting(uid="unknown@elsewhere.example"), "andi@example.test", 0),
            content_type="text/calendar",
        )
    assert "UID" in refused.value.fields
    assert rsvp_of(meeting, "andi").rsvp == "needs_action"


def test_a_reply_names_a_participant_of_the_meeting(world, schedule):
    meeting = schedule()
    with pytest.raises(NotFound) as refused:
        answers.reply_receive(
            by=world["budi"],
            body=reply(meeting, "sari@example.test", 0),
            content_type="text/calendar",
        )
    assert "ATTENDEE" in refused.value.fields


def test_who_may_hand_in_a_reply(world, schedule):
    from tests.factories import OfficialFactory

    meeting = schedule()
    with pytest.raises(Forbidden):  # another participant
        answers.reply_receive(
            by=world["nurul"],
            body=reply(meeting, "andi@example.test", 0),
            content_type="text/calendar",
        )
    assert rsvp_of(meeting, "andi").rsvp == "needs_action"
    admin = OfficialFactory(role="administrator", agency=None)
    for by in (admin, world["budi"], world["andi"]):  # an administrator, the organiser, andi
        answered = answers.reply_apply(
            by=by,
            reply=itip.Reply(meeting.uid, 0, "andi@example.test", "", "declined"),
        )
        assert answered.official == world["andi"] and answered.rsvp == "declined"
        Participant.objects.filter(pk=answered.pk).update(rsvp="needs_action")
