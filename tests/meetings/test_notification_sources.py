"""Each source of notifications in meetings tells the right people once, and nobody else:
invitations, changes and cancellations (to the participants, not to who made them), answers
(to the organiser), agenda proposals (to the organiser and chairs), notulen awaiting
approval (to the chairs), decisions recorded (to the participants who may see them), and
directives past their due date (to their sender). No notification reveals what its
recipient may not see; mail follows each official's choice."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from coordination.organisation import notifications
from coordination.organisation.models import Notification
from coordination.platform.models import OutboundMail
from meetings.services import agenda, answers, decisions, notulen, scheduling
from messaging.models import Message
from messaging.services import timeline
from messaging.services.directives import Directive, directives_overdue_tell

pytestmark = pytest.mark.django_db


def told(kind: str) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("official__username", flat=True)
    )


def directive(world, body: str, *, due_in_days: int) -> Message:
    """budi asks the room to acknowledge, due in `due_in_days` days (from tomorrow: a due date
    in the past is refused, so a test moves it back with `due_days_ago`)."""
    message, _ = timeline.message_post(
        author=world["budi"],
        room_id=world["room"].pk,
        body=body,
        client_id=uuid.uuid4(),
        directive=Directive(
            ack_by="member", due=timezone.localdate() + datetime.timedelta(days=due_in_days)
        ),
    )
    return message


def due_days_ago(message: Message, days: int) -> None:
    Message.objects.filter(pk=message.pk).update(
        directive_due=timezone.localdate() - datetime.timedelta(days=days)
    )


def test_an_invitation_tells_each_invitee_but_not_the_organiser(world, schedule):
    meeting = schedule()
    assert told("meeting_invited") == ["andi", "nurul"]
    andi = Notification.objects.get(kind="meeting_invited", official=world["andi"])
    assert andi.link == meeting.get_absolute_url() and meeting.title in andi.text
    # The invitation mail is the calendar invitation: no second mail for the notification.
    assert andi.mail_state == Notification.Mail.NONE


def test_a_change_tells_the_others_a_newcomer_is_invited_and_the_removed_learn_it(world, schedule):
    meeting = schedule()
    Notification.objects.all().delete()
    scheduling.meeting_update(
        by=world["budi"],
        meeting_id=meeting.pk,
        changes={
            "start": meeting.start + datetime.timedelta(hours=1),
            "end": meeting.end + datetime.timedelta(hours=1),
        },
        participants=[
            scheduling.Invitee("andi", "required"),
            scheduling.Invitee("sari", "required"),
        ],
    )
    assert told("meeting_changed") == ["andi"]
    assert told("meeting_invited") == ["sari"]
    assert told("meeting_cancelled") == ["nurul"]
    removed = Notification.objects.get(kind="meeting_cancelled")
    assert removed.link == ""  # she may no longer open it


def test_a_cancellation_tells_every_participant_but_who_cancelled(world, schedule):
    meeting = schedule()
    Notification.objects.all().delete()
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    assert told("meeting_cancelled") == ["andi", "nurul"]


def test_answers_reach_the_organiser_in_their_language_and_wait_for_the_digest(world, schedule):
    budi = world["budi"]
    budi.language, budi.email = "en", "budi@example.go.id"
    budi.save()
    meeting = schedule()
    answers.meeting_rsvp(official=world["andi"], meeting_id=meeting.pk, response="declined")
    answers.meeting_rsvp(official=world["andi"], meeting_id=meeting.pk, response="declined")
    rows = Notification.objects.filter(kind="rsvp")
    assert [(n.official.username, n.mail_state) for n in rows] == [("budi", "digest")]
    assert f"{world['andi'].display_name} declined {meeting.title}" in rows[0].text


def test_a_confidential_meetings_title_stays_out_of_the_answers_mail(world, schedule):
    meeting = schedule(classification="rahasia")
    answers.meeting_rsvp(official=world["andi"], meeting_id=meeting.pk, response="accepted")
    row = Notification.objects.get(kind="rsvp")
    assert meeting.title in row.text and meeting.title not in row.mail_text


def test_an_agenda_proposal_tells_the_organiser_and_the_chair(world, schedule):
    meeting = schedule(participants=[{"username": "andi", "role": "chair"}, {"username": "nurul"}])
    agenda.agenda_proposal_create(by=world["nurul"], meeting_id=meeting.pk, title="Harga beras")
    assert told("agenda_proposal") == ["andi", "budi"]
    assert "Harga beras" in Notification.objects.filter(kind="agenda_proposal").first().text


def test_submitted_notulen_ask_the_chair_to_approve(world, schedule):
    meeting = schedule(
        participants=[
            {"username": "andi", "role": "chair"},
            {"username": "nurul", "role": "note_taker"},
        ]
    )
    saved = notulen.notulen_save(
        by=world["nurul"],
        meeting_id=meeting.pk,
        version=0,
        items={},
        sections={"opening": "Dibuka"},
    )
    assert told("notulen_approval") == []
    notulen.notulen_submit(by=world["nurul"], meeting_id=meeting.pk, version=saved.version)
    assert told("notulen_approval") == ["andi", "budi"]  # budi organises: he chairs too
    row = Notification.objects.filter(kind="notulen_approval").first()
    assert row.link.endswith("#notulen")


def test_a_decision_tells_the_participants_who_did_not_decline(world, schedule):
    meeting = schedule(
        participants=[
            {"username": "andi", "role": "chair"},
            {"username": "nurul"},
            {"username": "sari"},
        ]
    )
    answers.meeting_rsvp(official=world["sari"], meeting_id=meeting.pk, response="declined")
    decisions.decision_record(by=world["andi"], meeting_id=meeting.pk, text="Operasi pasar")
    assert told("decision_recorded") == ["budi", "nurul"]


def test_a_confidential_decision_is_told_only_to_those_named(world, regions, schedule):
    # Gowa invited whole: its officials take part through their agency, not by name.
    meeting = schedule(
        participants=[{"username": "andi", "role": "chair"}, {"username": "nurul"}],
        agencies=["gowa"],
    )
    assert {"wulan", "rahmat"} <= set(
        meeting.participants.values_list("official__username", flat=True)
    )
    decisions.decision_record(
        by=world["andi"], meeting_id=meeting.pk, text="Rahasia", classification="rahasia"
    )
    assert told("decision_recorded") == ["budi", "nurul"]


def test_an_overdue_directive_tells_its_sender_once(world):
    message = directive(world, "Laporkan stok beras", due_in_days=3)
    assert directives_overdue_tell() == 0  # not due yet
    due_days_ago(message, 2)
    assert directives_overdue_tell() == 1
    assert directives_overdue_tell() == 0  # once
    row = Notification.objects.get(kind="directive_overdue")
    assert row.official == world["budi"] and "3" in row.text  # sari, andi, nurul
    # Directives mail at once by default.
    expected = Notification.Mail.QUEUED if world["budi"].email else Notification.Mail.NONE
    assert row.mail_state == expected


def test_an_acknowledged_directive_past_its_date_tells_nobody(world):
    from messaging.services.directives import directive_acknowledge

    message = directive(world, "Laporkan", due_in_days=1)
    for who in ("sari", "andi", "nurul"):
        directive_acknowledge(official=world[who], message_id=message.pk)
    due_days_ago(message, 2)
    assert directives_overdue_tell() == 0
    assert not Notification.objects.filter(kind="directive_overdue").exists()


def test_a_reminder_follows_the_officials_choice_of_mail(world, schedule, soon):
    from meetings.services.reminders import reminders_send

    andi = world["andi"]
    andi.email, andi.reminder_minutes = "andi@example.go.id", [30]
    andi.notification_mail = {"reminders": "off"}
    andi.save()
    meeting = schedule(start=soon, end=soon + datetime.timedelta(hours=1))
    reminders_send(now=meeting.start - datetime.timedelta(minutes=29))
    assert "andi" in told("meeting_reminder")
    assert not OutboundMail.objects.filter(kind="meeting_reminder", official=andi).exists()
    assert notifications.mail_choice(andi, "meeting_reminder") == "off"


def test_a_proposals_mail_names_who_and_for_which_meeting_never_what(world, schedule):
    meeting = schedule()
    agenda.agenda_proposal_create(by=world["nurul"], meeting_id=meeting.pk, title="Isi rahasia")
    row = Notification.objects.get(kind="agenda_proposal")
    assert "Isi rahasia" in row.text and "Isi rahasia" not in row.mail_text
    assert meeting.title in row.mail_text


def test_agenda_changes_tell_participants_the_agenda_changed(world, schedule):
    meeting = schedule()
    Notification.objects.all().delete()
    everyone = list(meeting.participants.select_related("official"))
    from meetings import invitations

    invitations.invitation_queue(
        meeting, everyone, recipients=everyone, method="REQUEST", kind="update", about="agenda"
    )
    texts = Notification.objects.filter(kind="meeting_changed").values_list("text", flat=True)
    assert texts and all(t.startswith("Agenda ") for t in texts)


def test_a_directive_overdue_since_long_before_is_not_news(world):
    due_days_ago(directive(world, "Lama", due_in_days=1), 30)
    assert directives_overdue_tell() == 0
