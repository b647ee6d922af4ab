"""Meeting reminders: at each participant's lead times, in the app and by mail, per
occurrence, each once (several runs, two workers at once), none for cancelled meetings or
declined participants."""

from __future__ import annotations

import datetime
import email
import re
import zoneinfo

import pytest
from django.utils import timezone

from coordination.organisation.models import Notification
from coordination.organisation.timefmt import format_in_zone
from coordination.platform.mail import outbox_deliver
from coordination.platform.models import OutboundMail
from meetings.models import Meeting, Participant, Reminder, occurrence_key
from meetings.services import answers, occurrences, scheduling
from meetings.services.reminders import reminders_send
from tests.threads import run_together

pytestmark = pytest.mark.django_db

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)
HALF_HOUR = datetime.timedelta(minutes=30)


@pytest.fixture
def two_days():
    """09:00 WIB, two or three days ahead."""
    day = timezone.now().astimezone(WIB).date() + datetime.timedelta(days=2)
    return datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=WIB).astimezone(datetime.UTC)


def reminded(kind="meeting_reminder"):
    """(username, text, link) of every reminder in the app, by username."""
    return sorted(
        Notification.objects.filter(kind=kind).values_list("official__username", "text", "link")
    )


def who_reminded():
    return sorted(
        Notification.objects.filter(kind="meeting_reminder").values_list(
            "official__username", flat=True
        )
    )


def test_participants_are_reminded_a_day_before_and_half_an_hour_before_once_each(
    world, schedule, two_days
):
    meeting = schedule(start=two_days, end=two_days + datetime.timedelta(hours=1))
    start = meeting.start
    assert reminders_send(now=start - DAY - MINUTE) == 0
    assert reminders_send(now=start - DAY) == 3  # budi (organiser, chair), andi, nurul
    assert who_reminded() == ["andi", "budi", "nurul"]
    # However often the job runs before the next lead time, nothing more.
    for now in (start - DAY, start - DAY + MINUTE, start - HALF_HOUR - MINUTE):
        assert reminders_send(now=now) == 0
    assert reminders_send(now=start - HALF_HOUR) == 3
    assert reminders_send(now=start - HALF_HOUR + MINUTE) == 0
    assert reminders_send(now=start + MINUTE) == 0  # never once it has started
    assert Notification.objects.filter(kind="meeting_reminder").count() == 6
    assert set(Reminder.objects.values_list("minutes_before", flat=True)) == {1440, 30}
    assert OutboundMail.objects.filter(kind="meeting_reminder").count() == 6
    link = {n.link for n in Notification.objects.filter(kind="meeting_reminder")}
    assert link == {f"/meetings/{meeting.pk}"}


def test_the_reminder_speaks_the_officials_language_and_zone(world, schedule, two_days):
    world["nurul"].language = "en"
    world["nurul"].save()
    meeting = schedule(start=two_days, end=two_days + datetime.timedelta(hours=1))
    reminders_send(now=meeting.start - HALF_HOUR)
    texts = {username: text for username, text, _link in reminded()}
    # andi is in Makassar (WITA, one hour ahead of the WIB meeting), in Indonesian.
    assert texts["andi"].startswith("Rakor pengendalian inflasi daerah dimulai dalam 30 menit")
    assert "10.00 WITA (09.00 WIB)" in texts["andi"]
    assert texts["nurul"].startswith("Rakor pengendalian inflasi daerah starts in 30 min")
    assert "WITA" in texts["nurul"]
    assert "09.00 WIB" in texts["budi"] and "WITA" not in texts["budi"]


def test_reminder_mail_reaches_smtp_in_the_officials_language(
    world, schedule, two_days, smtp_server
):
    meeting = schedule(start=two_days, end=two_days + datetime.timedelta(hours=1))
    reminders_send(now=meeting.start - DAY)
    outbox_deliver()
    got = {m["To"]: m for m in smtp_server.messages if "Pengingat" in m["Subject"]}
    assert set(got) == {world[u].email for u in ("budi", "andi", "nurul")}
    mail = email.message_from_bytes(got[world["andi"].email].as_bytes())
    assert mail["Subject"] == "Pengingat: Rakor pengendalian inflasi daerah"
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode("utf-8")
    assert "dimulai dalam 1 hari" in body
    assert "10.00 WITA" in body
    assert f"/meetings/{meeting.pk}/join" in body  # the video link
    assert f"/meetings/{meeting.pk}\n" in body or f"/meetings/{meeting.pk}\r\n" in body
    assert "/profile/" in body  # where to change when reminders come


def test_a_rahasia_meetings_title_stays_out_of_the_mail(world, schedule, two_days, smtp_server):
    meeting = schedule(
        start=two_days, end=two_days + datetime.timedelta(hours=1), classification="rahasia"
    )
    reminders_send(now=meeting.start - DAY)
    outbox_deliver()
    mails = [m for m in smtp_server.messages if "Pengingat" in m["Subject"]]
    assert mails
    for mail in mails:
        assert "inflasi" not in mail.as_string()
    # In the app, the participant reads the title.
    assert all("inflasi" in text for _u, text, _l in reminded())


def test_declined_participants_and_cancelled_meetings_get_no_reminder(world, schedule, two_days):
    meeting = schedule(start=two_days, end=two_days + datetime.timedelta(hours=1))
    answers.meeting_rsvp(official=world["nurul"], meeting_id=meeting.pk, response="declined")
    world["andi"].is_active = False
    world["andi"].save()
    reminders_send(now=meeting.start - DAY)
    assert who_reminded() == ["budi"]
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    assert reminders_send(now=meeting.start - HALF_HOUR) == 0


def test_each_official_chooses_their_lead_times(world, schedule, two_days):
    world["andi"].reminder_minutes = [120]
    world["andi"].save()
    world["nurul"].reminder_minutes = []
    world["nurul"].save()
    meeting = schedule(start=two_days, end=two_days + datetime.timedelta(hours=1))
    reminders_send(now=meeting.start - DAY)
    assert who_reminded() == ["budi"]
    reminders_send(now=meeting.start - datetime.timedelta(hours=2))
    assert who_reminded() == ["andi", "budi"]
    reminders_send(now=meeting.start - HALF_HOUR)
    assert who_reminded() == ["andi", "budi", "budi"]
    assert Reminder.objects.filter(official=world["andi"]).get().minutes_before == 120


def test_a_meeting_scheduled_at_short_notice_gets_the_nearest_reminder_only(world, schedule):
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(minutes=20)
    schedule(start=start, end=start + datetime.timedelta(hours=1))
    assert reminders_send() == 3
    assert set(Reminder.objects.values_list("minutes_before", flat=True)) == {30}
    assert all("20 menit" in text or "19 menit" in text for _u, text, _l in reminded())
    assert reminders_send() == 0


def test_a_moved_meeting_is_reminded_of_its_new_time(world, schedule, two_days):
    meeting = schedule(start=two_days, end=two_days + datetime.timedelta(hours=1))
    reminders_send(now=two_days - DAY)
    Notification.objects.all().delete()
    later = two_days + DAY
    scheduling.meeting_update(
        by=world["budi"],
        meeting_id=meeting.pk,
        changes={"start": later, "end": later + datetime.timedelta(hours=1)},
    )
    assert reminders_send(now=two_days - HALF_HOUR) == 0  # the old time is gone
    assert reminders_send(now=later - DAY) == 3  # the new time's day before
    assert reminders_send(now=later - HALF_HOUR) == 3
    new_time = format_in_zone(later, "Asia/Jakarta", language="id")
    assert all(new_time in text for user, text, _l in reminded() if user == "budi")


@pytest.fixture
def weekly(schedule, two_days):
    """Weekly from two days ahead, four times, the second week left out."""
    return schedule(
        start=two_days,
        end=two_days + datetime.timedelta(hours=1),
        rrule="FREQ=WEEKLY;COUNT=4",
        exdates=[two_days + datetime.timedelta(weeks=1)],
    )


def week(series, n):
    return series.start + datetime.timedelta(weeks=n)


def test_each_occurrence_of_a_series_is_reminded_with_its_own_link(world, weekly):
    assert reminders_send(now=weekly.start - HALF_HOUR) == 3
    assert reminders_send(now=week(weekly, 1) - HALF_HOUR) == 0  # left out (EXDATE)
    assert reminders_send(now=week(weekly, 2) - HALF_HOUR) == 3
    links = {link for _u, _t, link in reminded()}
    assert links == {
        f"/meetings/{weekly.pk}/occurrences/{occurrence_key(weekly.start)}",
        f"/meetings/{weekly.pk}/occurrences/{occurrence_key(week(weekly, 2))}",
    }
    assert not Meeting.objects.filter(series=weekly).exists()  # reminding makes no rows


def test_a_cancelled_or_declined_occurrence_is_not_reminded_and_a_moved_one_at_its_time(
    world, weekly
):
    budi = world["budi"]
    occurrences.occurrence_cancel(by=budi, series_id=weekly.pk, key=occurrence_key(week(weekly, 2)))
    answers.occurrence_rsvp(
        official=world["andi"],
        series_id=weekly.pk,
        key=occurrence_key(weekly.start),
        response="declined",
    )
    moved = week(weekly, 3) + datetime.timedelta(hours=2)
    row, _changes = occurrences.occurrence_update(
        by=budi,
        series_id=weekly.pk,
        key=occurrence_key(week(weekly, 3)),
        changes={"start": moved, "end": moved + datetime.timedelta(hours=1)},
    )
    reminders_send(now=weekly.start - HALF_HOUR)
    assert who_reminded() == ["budi", "nurul"]  # andi declined this one alone
    assert reminders_send(now=week(weekly, 2) - DAY) == 0  # cancelled
    assert reminders_send(now=week(weekly, 2) - HALF_HOUR) == 0
    assert reminders_send(now=week(weekly, 3) - DAY) == 0  # moved two hours later
    assert reminders_send(now=moved - DAY) == 3
    assert reminders_send(now=week(weekly, 3) - HALF_HOUR) == 0
    assert reminders_send(now=moved - HALF_HOUR) == 3
    assert (
        Notification.objects.filter(kind="meeting_reminder", link=row.get_absolute_url()).count()
        == 6
    )


def test_an_occurrence_gaining_its_row_between_reminders_is_not_reminded_again(world, weekly):
    assert reminders_send(now=weekly.start - DAY) == 3
    # andi accepts this occurrence alone: it gains its row.
    answers.occurrence_rsvp(
        official=world["andi"],
        series_id=weekly.pk,
        key=occurrence_key(weekly.start),
        response="accepted",
    )
    assert Meeting.objects.filter(series=weekly).count() == 1
    assert reminders_send(now=weekly.start - DAY + MINUTE) == 0
    assert reminders_send(now=weekly.start - HALF_HOUR) == 3
    assert Reminder.objects.count() == 6


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_reminder_once(world, schedule, two_days):
    meetings = [
        schedule(
            start=two_days + datetime.timedelta(hours=n),
            end=two_days + datetime.timedelta(hours=n, minutes=30),
        )
        for n in range(5)
    ]
    now = meetings[-1].start - DAY
    counts = run_together(lambda: reminders_send(now=now), times=2)
    assert sum(counts) == 15  # 5 meetings x 3 participants, between the two workers
    assert Reminder.objects.count() == 15
    assert Notification.objects.filter(kind="meeting_reminder").count() == 15
    assert OutboundMail.objects.filter(kind="meeting_reminder").count() == 15
    assert reminders_send(now=now) == 0


def test_the_reminder_lead_times_are_set_on_the_profile(client, world):
    nurul = world["nurul"]
    client.force_login(nurul)
    page = client.get("/profile/")
    assert "Pengingat rapat" in page.content.decode()
    data = {
        "language": "id",
        "timezone": "",
        "work_start": "08:00",
        "work_end": "16:00",
        "work_days": ["0", "1", "2", "3", "4"],
        "reminder_minutes": ["60", "10"],
        "phone": "",
    }
    assert client.post("/profile/", data).status_code == 302
    nurul.refresh_from_db()
    assert nurul.reminder_minutes == [60, 10]
    refused = client.post("/profile/", {**data, "reminder_minutes": ["61"]})
    assert refused.status_code == 400
    nurul.refresh_from_db()
    assert nurul.reminder_minutes == [60, 10]
    # A lead time set by an administrator outside the choices survives a save of the form.
    nurul.reminder_minutes = [90]
    nurul.save()
    page = client.get("/profile/").content.decode()
    box = re.search(r'<input[^>]*name="reminder_minutes"[^>]*value="90"[^>]*>', page)
    assert box and "checked" in box.group(0)
    assert "90 menit sebelumnya" in page
    assert client.post("/profile/", {**data, "reminder_minutes": ["90"]}).status_code == 302
    nurul.refresh_from_db()
    assert nurul.reminder_minutes == [90]


@pytest.mark.parametrize(
    "value",
    [[0], [7 * 24 * 60 + 1], [30, 30], [1, 2, 3, 4, 5, 6], ["30"], [True], "30", None],
)
def test_lead_times_outside_the_rules_are_refused_and_change_nothing(world, value):
    from coordination.organisation import services
    from coordination.platform.errors import InvalidInput

    nurul = world["nurul"]
    with pytest.raises(InvalidInput) as refused:
        services.official_update_preferences(official=nurul, by=nurul, reminder_minutes=value)
    assert "reminder_minutes" in refused.value.fields
    nurul.refresh_from_db()
    assert nurul.reminder_minutes == [1440, 30]


def test_the_api_tells_an_official_their_lead_times(api, world):
    assert api("andi").get("/api/v1/me").json()["reminder_minutes"] == [1440, 30]


@pytest.mark.parametrize("meetings", [5, 50])
def test_a_run_with_nothing_left_to_send_takes_the_same_queries_at_any_size(
    world, schedule, two_days, weekly, meetings, django_assert_max_num_queries
):
    for n in range(meetings):
        start = two_days + datetime.timedelta(minutes=n)
        schedule(start=start, end=start + datetime.timedelta(hours=1))
    now = two_days + datetime.timedelta(minutes=meetings) - DAY
    assert reminders_send(now=now) == 3 * (meetings + 1)
    assert Participant.objects.filter(meeting__rrule="").count() == 3 * meetings
    # Lead times, single meetings, series, their rows, participants, reminders sent.
    with django_assert_max_num_queries(6):
        assert reminders_send(now=now) == 0
