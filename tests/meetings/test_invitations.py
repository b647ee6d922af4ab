"""Invitations read back by parsers: iCalendar (the icalendar library, strictly) and the
MIME structure (Python's e-mail parser), after a real SMTP server received them."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from icalendar import Calendar

from coordination.platform.mail import outbox_deliver
from coordination.platform.models import OutboundMail
from meetings import ical, selectors
from meetings.models import Meeting, Participant
from meetings.services import answers as answer_services
from meetings.services import scheduling
from meetings.services.scheduling import Invitee

pytestmark = pytest.mark.django_db


def calendars_sent(smtp_server, to=None):
    outbox_deliver()
    found = []
    for message in smtp_server.messages:
        if to and message["To"] != to:
            continue
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        found.append(Calendar.from_ical(part.get_content()))
    return found


def vevent(calendar):
    [event] = calendar.walk("VEVENT")
    return event


@pytest.mark.parametrize(
    "zone",
    ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Europe/Amsterdam", "America/New_York"],
)
def test_the_invitation_places_the_meeting_at_the_same_instant_in_every_zone(schedule, zone, soon):
    # A summer date for the zones with daylight saving, whatever today is.
    start = soon.replace(month=7, day=15, hour=2) if soon.month != 7 else soon
    if start < soon:
        start = start.replace(year=start.year + 1)
    meeting = schedule(timezone_name=zone, start=start, end=start + datetime.timedelta(hours=2))
    calendar = Calendar.from_ical(ical.invitation(meeting, [], method="REQUEST"))
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    [tz] = calendar.walk("VTIMEZONE")
    assert tz["TZID"] == zone
    event = vevent(calendar)
    assert event["DTSTART"].params["TZID"] == zone
    assert event.decoded("DTSTART") == meeting.start
    assert event.decoded("DTEND") == meeting.end
    assert (
        event.decoded("DTSTART").utcoffset()
        == meeting.start.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
    )
    # The VTIMEZONE alone (as a client without the zone database reads it) gives the offset.
    offsets = {str(sub["TZOFFSETTO"].td) for sub in tz.subcomponents}
    assert str(meeting.start.astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()) in offsets


def test_the_request_has_what_calendar_clients_need(schedule, world, settings):
    settings.RAKOR_SCHEDULING_MAILBOX = "jadwal@rakor.go.id"
    meeting = schedule(location="Ruang Rapat Utama, Gedung A")
    raw = ical.invitation(meeting, selectors.participant_list(meeting), method="REQUEST")
    assert b"\r\n" in raw and all(len(line) <= 75 for line in raw.split(b"\r\n"))
    event = vevent(Calendar.from_ical(raw))
    assert event["UID"] == meeting.uid and event["SEQUENCE"] == 0
    assert str(event["ORGANIZER"]) == "mailto:jadwal@rakor.go.id"
    assert event["ORGANIZER"].params["CN"] == world["budi"].display_name
    attendees = {str(a): a.params for a in event["ATTENDEE"]}
    assert set(attendees) == {
        "mailto:budi@example.test",
        "mailto:andi@example.test",
        "mailto:nurul@example.test",
    }
    assert attendees["mailto:andi@example.test"]["ROLE"] == "REQ-PARTICIPANT"
    assert attendees["mailto:nurul@example.test"]["ROLE"] == "OPT-PARTICIPANT"
    assert attendees["mailto:budi@example.test"]["ROLE"] == "CHAIR"
    assert attendees["mailto:andi@example.test"]["PARTSTAT"] == "NEEDS-ACTION"
    assert all(params["RSVP"] == "TRUE" for params in attendees.values())
    assert event["LOCATION"] == "Ruang Rapat Utama, Gedung A"
    assert str(event["CONFERENCE"]).endswith(f"/meetings/{meeting.pk}/join")
    assert event["CONFERENCE"].params["FEATURE"] == ["AUDIO", "VIDEO"]
    assert f"/meetings/{meeting.pk}/join" in event["DESCRIPTION"]
    assert str(event["URL"]).endswith(f"/meetings/{meeting.pk}")
    assert meeting.video_room not in raw.decode()  # the provider's room is never mailed
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -datetime.timedelta(minutes=15)


def test_user_text_cannot_add_lines_or_properties(schedule, world):
    world["andi"].first_name = 'Andi"\r\nATTENDEE:mailto:evil@example.test'
    world["andi"].save()
    meeting = schedule(
        title="Rapat\r\nATTENDEE:mailto:evil@example.test",
        description="Agenda\nBEGIN:VEVENT\r\nUID:other",
        location="Ruang 1\r\nMETHOD:CANCEL",
    )
    raw = ical.invitation(meeting, selectors.participant_list(meeting), method="REQUEST").decode()
    assert "evil@example.test" not in [
        line.split(":", 1)[-1] for line in raw.split("\r\n") if line.startswith("ATTENDEE")
    ]
    lines = raw.split("\r\n")
    assert lines.count("BEGIN:VEVENT") == 1
    assert [line for line in lines if line.startswith("METHOD")] == ["METHOD:REQUEST"]
    assert not any(line.startswith("UID:other") for line in lines)
    event = vevent(Calendar.from_ical(raw))
    assert len(event["ATTENDEE"]) == 3
    assert "\n" in event["DESCRIPTION"]  # line breaks in text survive, escaped


def test_the_invitation_mail_is_imip_in_each_recipients_language(schedule, world, smtp_server):
    world["andi"].language = "en"
    world["andi"].save()
    world["nurul"].language = "id"
    world["nurul"].save()
    meeting = schedule()
    outbox_deliver()
    assert len(smtp_server.messages) == 3  # budi (the organiser) too, for his calendar
    by_to = {m["To"]: m for m in smtp_server.messages}
    english, indonesian = by_to["andi@example.test"], by_to["nurul@example.test"]
    assert english["Subject"].startswith("Invitation:")
    assert indonesian["Subject"].startswith("Undangan:")
    for message in (english, indonesian):
        assert message.get_content_type() == "multipart/mixed"
        alternative, attachment = message.get_payload()
        assert alternative.get_content_type() == "multipart/alternative"
        parts = [p.get_content_type() for p in alternative.get_payload()]
        assert parts == ["text/plain", "text/html", "text/calendar"]
        calendar_part = alternative.get_payload()[2]
        assert calendar_part.get_param("method") == "REQUEST"
        assert calendar_part.get_content_charset() == "utf-8"
        assert attachment.get_filename() == "invite.ics"
        assert attachment.get_content_type() == "application/ics"
        inline = Calendar.from_ical(calendar_part.get_content())
        attached = Calendar.from_ical(attachment.get_content())
        assert inline["METHOD"] == attached["METHOD"] == "REQUEST"
        assert vevent(inline)["UID"] == vevent(attached)["UID"] == meeting.uid
        assert message["Message-ID"]
        assert message["Reply-To"]
    text = english.get_body(preferencelist=("plain",)).get_content()
    assert "WIB" in text and f"/meetings/{meeting.pk}/join" in text
    assert "/meetings/answer/" in text
    # Andi's zone is WITA (Sulawesi Selatan): the meeting's own zone is shown beside it.
    assert "WITA" in text
    html = indonesian.get_body(preferencelist=("html",)).get_content()
    assert "Terima" in html or "Hadir" in html


def test_title_changes_keep_the_sequence_and_time_changes_raise_it(
    schedule, world, smtp_server, soon
):
    meeting = schedule()
    answer_services.meeting_rsvp(official=world["andi"], meeting_id=meeting.pk, response="accepted")
    first = vevent(calendars_sent(smtp_server, "andi@example.test")[0])

    scheduling.meeting_update(by=world["budi"], meeting_id=meeting.pk, changes={"title": "Rakor"})
    second = vevent(calendars_sent(smtp_server, "andi@example.test")[1])
    assert second["SEQUENCE"] == first["SEQUENCE"] == 0
    assert second["UID"] == first["UID"] and second["SUMMARY"] == "Rakor"
    assert second.decoded("DTSTAMP") >= first.decoded("DTSTAMP")
    assert Participant.objects.get(official=world["andi"]).rsvp == "accepted"  # kept

    later = soon + datetime.timedelta(days=1)
    scheduling.meeting_update(
        by=world["budi"],
        meeting_id=meeting.pk,
        changes={"start": later, "end": later + datetime.timedelta(hours=1)},
    )
    third = vevent(calendars_sent(smtp_server, "andi@example.test")[2])
    assert third["SEQUENCE"] == 1 and third.decoded("DTSTART") == later
    # Everyone answers again, but the organiser.
    answers = dict(
        Participant.objects.filter(meeting=meeting).values_list("official__username", "rsvp")
    )
    assert answers == {"budi": "accepted", "andi": "needs_action", "nurul": "needs_action"}

    scheduling.meeting_update(
        by=world["budi"], meeting_id=meeting.pk, changes={"location": "Aula Kemendagri"}
    )
    assert vevent(calendars_sent(smtp_server, "andi@example.test")[3])["SEQUENCE"] == 2


def test_cancelling_sends_cancel_with_the_same_uid_and_a_higher_sequence(
    schedule, world, smtp_server
):
    meeting = schedule()
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    cancel = calendars_sent(smtp_server, "nurul@example.test")[-1]
    assert cancel["METHOD"] == "CANCEL"
    event = vevent(cancel)
    assert event["STATUS"] == "CANCELLED" and event["UID"] == meeting.uid
    assert event["SEQUENCE"] == 1
    assert not event.walk("VALARM")
    message = smtp_server.messages[-1]
    alternative = message.get_payload()[0]
    assert alternative.get_payload()[2].get_param("method") == "CANCEL"
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    # Cancelling twice sends nothing more.
    before = OutboundMail.objects.count()
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    assert OutboundMail.objects.count() == before


def test_removed_participants_get_a_cancel_and_added_ones_the_request(schedule, world, smtp_server):
    meeting = schedule()
    calendars_sent(smtp_server)
    smtp_server.messages.clear()
    scheduling.meeting_update(
        by=world["budi"],
        meeting_id=meeting.pk,
        changes={},
        participants=[Invitee("andi", "required"), Invitee("sari")],
    )
    outbox_deliver()
    got = {m["To"]: m for m in smtp_server.messages}
    assert set(got) == {
        "budi@example.test",
        "andi@example.test",
        "sari@example.test",
        "nurul@example.test",
    }
    removal = Calendar.from_ical(
        next(
            p for p in got["nurul@example.test"].walk() if p.get_content_type() == "text/calendar"
        ).get_content()
    )
    assert removal["METHOD"] == "CANCEL"
    assert [str(a) for a in [vevent(removal)["ATTENDEE"]]] == ["mailto:nurul@example.test"]
    meeting.refresh_from_db()
    request = Calendar.from_ical(
        next(
            p for p in got["sari@example.test"].walk() if p.get_content_type() == "text/calendar"
        ).get_content()
    )
    assert request["METHOD"] == "REQUEST" and vevent(request)["SEQUENCE"] == meeting.sequence
