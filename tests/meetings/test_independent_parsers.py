"""Invitations read by a second, independent iCalendar implementation (vobject, the parser
behind Radicale and other CalDAV software), after a real SMTP server received them: the
three Indonesian zones and a zone with daylight saving land at the same instant."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import vobject

from coordination.platform.mail import outbox_deliver

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "zone", ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Europe/Amsterdam"]
)
def test_vobject_reads_the_mailed_invitation_at_the_right_instant(
    schedule, world, smtp_server, soon, zone
):
    # Summer for Amsterdam (UTC+2), whatever today is.
    start = soon.replace(month=7, day=15, hour=7)
    if start < soon:
        start = start.replace(year=start.year + 1)
    meeting = schedule(timezone_name=zone, start=start, end=start + datetime.timedelta(hours=2))
    outbox_deliver()
    message = next(m for m in smtp_server.messages if m["To"].endswith(world["andi"].email))
    calendar_part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    attachment = next(p for p in message.walk() if p.get_filename() == "invite.ics")
    assert calendar_part.get_content() == attachment.get_payload(decode=True).decode()
    parsed = vobject.readOne(calendar_part.get_content())
    assert parsed.method.value == "REQUEST"
    event = parsed.vevent
    assert event.uid.value == meeting.uid
    assert event.dtstart.value == meeting.start and event.dtend.value == meeting.end
    local = meeting.start.astimezone(zoneinfo.ZoneInfo(zone))
    assert event.dtstart.value.utcoffset() == local.utcoffset()
    assert int(event.sequence.value) == 0
    attendees = {a.value.lower(): a.params for a in event.attendee_list}
    assert attendees[f"mailto:{world['andi'].email}"]["PARTSTAT"] == ["NEEDS-ACTION"]
    assert event.organizer.params["CN"] == [world["budi"].display_name]
    assert event.valarm.trigger.value == datetime.timedelta(minutes=-15)
