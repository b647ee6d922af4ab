"""meetings.ical: what a .ics download is for whom (the METHOD, chosen in one place)."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from meetings import ical, selectors
from meetings.services import scheduling

pytestmark = pytest.mark.django_db


def test_an_attendee_downloads_the_invitation_others_an_event_to_keep(world, schedule):
    from tests.factories import OfficialFactory

    meeting = schedule()
    people = selectors.participant_list(meeting)
    body, media = ical.download(meeting, people, viewer=world["andi"])
    assert media == "text/calendar; charset=utf-8; method=REQUEST"
    assert Calendar.from_ical(body)["METHOD"] == "REQUEST"
    colleague = OfficialFactory(username="rina", agency=world["ministry"])
    body, media = ical.download(meeting, people, viewer=colleague)
    assert media == "text/calendar; charset=utf-8" and "METHOD" not in Calendar.from_ical(body)
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    meeting.refresh_from_db()
    body, media = ical.download(meeting, people, viewer=world["andi"])
    assert media.endswith("method=CANCEL") and Calendar.from_ical(body)["METHOD"] == "CANCEL"
