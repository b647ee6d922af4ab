"""The meeting pages through Django's test client: the form (with its busy warning), the
meeting page, answers, cancelling, joining, replies uploaded, and the calendar."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from meetings import ical, selectors
from meetings.models import Attendance, Meeting, Participant
from meetings.services import answers, scheduling

pytestmark = pytest.mark.django_db

MAKASSAR = zoneinfo.ZoneInfo("Asia/Makassar")


def form_data(day: datetime.date, **overrides):
    data = {
        "title": "Rapat koordinasi stunting",
        "description": "1. Data\n2. Tindak lanjut",
        "date": day.isoformat(),
        "start_time": "10:00",
        "end_time": "11:30",
        "timezone": "Asia/Makassar",
        "location": "Ruang Rapat Lt. 3",
        "video": "jitsi",
        "language": "id",
        "classification": "biasa",
        "chair": "",
        "note_taker": "nurul",
        "required": ["andi"],
        "optional": [],
        "agencies": [],
    }
    data.update(overrides)
    return data


def test_scheduling_through_the_form_uses_the_chosen_zone(client, world, soon):
    client.force_login(world["budi"])
    page = client.get("/meetings/new/")
    assert page.status_code == 200
    # The zone selector defaults to the organiser's zone (budi: the ministry in WIB).
    assert page.context["form"].initial["timezone"] == world["budi"].zone_name
    day = soon.astimezone(MAKASSAR).date() + datetime.timedelta(days=1)
    response = client.post("/meetings/new/", form_data(day))
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}"
    assert meeting.timezone == "Asia/Makassar"
    assert meeting.start == datetime.datetime.combine(day, datetime.time(10), tzinfo=MAKASSAR)
    roles = dict(meeting.participants.values_list("official__username", "role"))
    assert roles == {"budi": "chair", "andi": "required", "nurul": "note_taker"}


def test_the_form_warns_who_is_busy_and_saves_only_when_confirmed(client, world, schedule, soon):
    other = schedule(title="Rapat lain", participants=[{"username": "andi", "role": "required"}])
    client.force_login(world["budi"])
    local = other.start.astimezone(MAKASSAR)
    data = form_data(local.date(), start_time=local.strftime("%H:%M"), end_time="23:59")
    response = client.post("/meetings/new/", data)
    assert response.status_code == 200
    assert Meeting.objects.count() == 1  # nothing saved yet
    busy = response.context["busy"]
    assert [b["username"] for b in busy] == ["andi"] and busy[0]["meeting"] == "Rapat lain"
    assert "Rapat lain" in response.content.decode()
    # The form asks again, holding what was confirmed; sending it saves. A different time
    # (or different people) is checked again.
    confirmed = response.context["form"].data["confirm_busy"]
    moved = {**data, "end_time": "23:58", "confirm_busy": confirmed}
    assert client.post("/meetings/new/", moved).status_code == 200
    assert Meeting.objects.count() == 1
    response = client.post("/meetings/new/", {**data, "confirm_busy": confirmed})
    assert response.status_code == 302 and Meeting.objects.count() == 2


def test_bad_form_input_is_explained_and_saves_nothing(client, world, soon):
    client.force_login(world["budi"])
    day = soon.date()
    cases = [
        form_data(day, start_time="11:00", end_time="10:00"),
        form_data(day - datetime.timedelta(days=30)),
        form_data(day, title=""),
        form_data(day, timezone="Mars/Olympus"),
        form_data(day, required=["nobody-here"]),
        form_data(day, classification="rahasia", agencies=["sulsel"]),
        form_data(day, required=["andi"], optional=["andi"]),
    ]
    for data in cases:
        response = client.post("/meetings/new/", data)
        assert response.status_code == 200, data
        assert response.context["form"].errors, data
    assert not Meeting.objects.exists()


def test_only_organisers_schedule(client, world):
    client.force_login(world["nurul"])
    assert client.get("/meetings/new/").status_code == 403
    assert client.post("/meetings/new/", form_data(datetime.date(2030, 1, 1))).status_code == 403
    assert not Meeting.objects.exists()


def test_scheduling_from_a_room_fills_in_its_members(client, world):
    client.force_login(world["budi"])
    page = client.get(f"/meetings/new/?room={world['room'].pk}")
    initial = page.context["form"].initial
    assert sorted(initial["required"]) == ["andi", "nurul", "sari"]
    assert initial["title"] == "Rakor inflasi daerah"
    # Not a member: nothing is filled in, and nothing about the room is shown.
    client.force_login(world["andi"])
    other_room = client.get("/meetings/new/?room=999999").context["form"].initial
    assert "required" not in other_room


def test_the_meeting_page_shows_times_in_the_viewers_zone(client, world, schedule, starting):
    meeting = schedule(
        timezone_name="Asia/Jakarta", start=starting, end=starting + datetime.timedelta(hours=1)
    )
    client.force_login(world["andi"])  # Makassar: WITA, with WIB beside
    page = client.get(f"/meetings/{meeting.pk}").content.decode()
    local = meeting.start.astimezone(MAKASSAR)
    assert f"{local:%H.%M} WITA" in page and "WIB)" in page
    assert f"/meetings/{meeting.pk}/join" in page and "invite.ics" in page


def test_the_page_shows_delivery_states_to_the_organiser_only(client, world, schedule):
    meeting = schedule()
    client.force_login(world["budi"])
    page = client.get(f"/meetings/{meeting.pk}").content.decode()
    assert "waiting to be sent" in page or "menunggu dikirim" in page
    client.force_login(world["andi"])
    page = client.get(f"/meetings/{meeting.pk}")
    assert page.context["detail"]["may_edit"] is False
    assert all(p.delivery is None for p in page.context["participants"])


def test_answering_on_the_page(client, world, schedule):
    meeting = schedule()
    client.force_login(world["andi"])
    assert client.get(f"/meetings/{meeting.pk}/rsvp").status_code == 405
    response = client.post(f"/meetings/{meeting.pk}/rsvp", {"response": "tentative"})
    assert response.status_code == 302
    assert Participant.objects.get(meeting=meeting, official=world["andi"]).rsvp == "tentative"
    client.post(f"/meetings/{meeting.pk}/rsvp", {"response": "maybe-later"})
    assert Participant.objects.get(meeting=meeting, official=world["andi"]).rsvp == "tentative"


def test_a_meeting_one_may_not_see_is_not_found(client, world, schedule):
    meeting = schedule(classification="rahasia")
    client.force_login(world["sari"])  # same agency as the organiser, not named
    assert client.get(f"/meetings/{meeting.pk}").status_code == 404
    assert client.get(f"/meetings/{meeting.pk}/join").status_code == 404
    assert client.post(f"/meetings/{meeting.pk}/rsvp", {"response": "accepted"}).status_code == 404


def test_cancelling_from_the_page(client, world, schedule):
    meeting = schedule()
    client.force_login(world["andi"])
    client.post(f"/meetings/{meeting.pk}/cancel")
    assert Meeting.objects.get(pk=meeting.pk).status == "scheduled"  # not the organiser
    client.force_login(world["budi"])
    client.post(f"/meetings/{meeting.pk}/cancel")
    meeting.refresh_from_db()
    assert meeting.status == "cancelled" and meeting.sequence == 1


def test_editing_keeps_participants_and_raises_the_sequence_for_a_new_time(client, world, schedule):
    meeting = schedule()
    client.force_login(world["budi"])
    form = client.get(f"/meetings/{meeting.pk}/edit").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data["date"] = data["date"].isoformat()
    data["start_time"] = "13:00"
    data["end_time"] = "14:00"
    response = client.post(f"/meetings/{meeting.pk}/edit", data)
    assert response.status_code == 302, response.context and response.context["form"].errors
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert meeting.start.astimezone(zoneinfo.ZoneInfo("Asia/Jakarta")).hour == 13
    assert set(meeting.participants.values_list("official__username", flat=True)) == {
        "budi",
        "andi",
        "nurul",
    }


def test_joining_goes_through_rakor_and_is_recorded(client, world, schedule, starting, settings):
    settings.RAKOR_JITSI_URL = "https://meet.rakor.go.id"
    meeting = schedule(start=starting, end=starting + datetime.timedelta(hours=1))
    client.force_login(world["andi"])
    response = client.get(f"/meetings/{meeting.pk}/join")
    assert response.status_code == 302
    assert response["Location"].startswith(f"https://meet.rakor.go.id/{meeting.video_room}")
    assert Attendance.objects.filter(meeting=meeting, official=world["andi"]).count() == 1
    # The organising agency's colleague may see the meeting but is not a participant.
    client.force_login(world["sari"])
    assert client.get(f"/meetings/{meeting.pk}/join").status_code == 403
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    client.force_login(world["andi"])
    assert client.get(f"/meetings/{meeting.pk}/join").status_code == 409  # cancelled
    assert Attendance.objects.count() == 1


def test_the_invitation_never_carries_the_video_rooms_name(world, schedule):
    meeting = schedule()
    raw = ical.invitation(meeting, selectors.participant_list(meeting), method="REQUEST")
    assert meeting.video_room and meeting.video_room.encode() not in raw
    assert f"/meetings/{meeting.pk}/join".encode() in raw


def reply_for(meeting, address, answer="ACCEPTED", sequence=None):
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:REPLY\r\n"
        "BEGIN:VEVENT\r\n"
        f"UID:{meeting.uid}\r\nSEQUENCE:{meeting.sequence if sequence is None else sequence}\r\n"
        "DTSTAMP:20260101T000000Z\r\n"
        f"ATTENDEE;PARTSTAT={answer}:mailto:{address}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_the_organiser_uploads_a_reply_received_by_mail(client, world, schedule):
    meeting = schedule()
    client.force_login(world["budi"])
    upload = SimpleUploadedFile(
        "reply.ics", reply_for(meeting, world["andi"].email.upper()), "text/calendar"
    )
    response = client.post(f"/meetings/{meeting.pk}/reply", {"file": upload}, follow=True)
    assert response.status_code == 200
    assert Participant.objects.get(meeting=meeting, official=world["andi"]).rsvp == "accepted"
    broken = SimpleUploadedFile("reply.ics", b"BEGIN:VCALENDAR\r\nthis is not\r\n", "text/calendar")
    response = client.post(f"/meetings/{meeting.pk}/reply", {"file": broken}, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert any("not applied" in m or "tidak diterapkan" in m for m in shown), shown
    assert Participant.objects.get(meeting=meeting, official=world["andi"]).rsvp == "accepted"


def test_the_calendar_shows_the_meeting_on_its_day_in_the_viewers_zone(client, world, schedule):
    # 23.30 WIB is 00.30 WITA the next day: andi (WITA) sees it on the next day.
    jakarta = zoneinfo.ZoneInfo("Asia/Jakarta")
    base = (datetime.datetime.now(jakarta) + datetime.timedelta(days=3)).replace(
        hour=23, minute=30, second=0, microsecond=0
    )
    meeting = schedule(start=base, end=base + datetime.timedelta(minutes=20))
    client.force_login(world["andi"])
    next_day = base.date() + datetime.timedelta(days=1)
    for shown in (base.date(), next_day):  # the week of each day (they may differ)
        week = client.get(f"/meetings/week/?date={shown.isoformat()}")
        days = {d["date"]: [m.pk for m in d["meetings"]] for d in week.context["grid"]["days"]}
        if next_day in days:
            assert days[next_day] == [meeting.pk]
        assert days.get(base.date(), []) == []
    month = client.get(f"/meetings/month/?date={base.date().isoformat()}")
    assert month.status_code == 200
    found = [d for d in month.context["grid"]["days"] if meeting in d["meetings"]]
    assert [d["date"] for d in found] == [base.date() + datetime.timedelta(days=1)]
    assert client.get("/meetings/month/?date=not-a-date").status_code == 200
    assert client.get("/meetings/").status_code == 200


def test_the_page_speaks_each_officials_language(client, world, schedule):
    meeting = schedule()
    for language, accept, tag in (("en", "Accept", "no answer yet"), ("id", "Hadir", "belum")):
        world["andi"].language = language
        world["andi"].save(update_fields=["language"])
        client.force_login(world["andi"])
        page = client.get(f"/meetings/{meeting.pk}").content.decode()
        assert f">{accept}</button>" in page and tag in page, language
        # Only those who change the meeting are offered the reply upload.
        assert f"/meetings/{meeting.pk}/reply" not in page
    client.force_login(world["budi"])
    assert f"/meetings/{meeting.pk}/reply" in client.get(f"/meetings/{meeting.pk}").content.decode()


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_form_carries_iso_dates_and_times_in_each_language(
    client, world, schedule, soon, language
):
    """Browsers drop a localised value (`04-12-2026`) from <input type=date>: the form, new
    and edited, must carry ISO values whatever the page's language."""
    world["budi"].language = language
    world["budi"].save(update_fields=["language"])
    client.force_login(world["budi"])
    client.cookies["rakor_language"] = language
    meeting = schedule(timezone_name="Asia/Makassar")
    local = meeting.start.astimezone(MAKASSAR)
    for url in ("/meetings/new/", f"/meetings/{meeting.pk}/edit"):
        html = client.get(url).content.decode()
        date = re.search(r'<input type="date"[^>]*value="([^"]*)"', html).group(1)
        times = re.findall(r'<input type="time"[^>]*value="([^"]*)"', html)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", date), (url, date)
        assert all(re.fullmatch(r"\d{2}:\d{2}", t) for t in times) and len(times) == 2, times
    assert date == local.date().isoformat() and times[0] == local.strftime("%H:%M")


def test_the_form_offers_everyone_but_the_organiser_with_what_the_picker_searches(
    client, world, schedule
):
    client.force_login(world["budi"])
    form = client.get("/meetings/new/").context["form"]
    for name in ("required", "optional", "chair"):
        offered = {value for value, _label in form.fields[name].choices}
        assert "budi" not in offered and "andi" in offered, name
    # The organiser may still take the notes while another chairs.
    assert "budi" in {value for value, _label in form.fields["note_taker"].choices}
    html = client.get("/meetings/new/").content.decode()
    option = re.search(r'<option value="andi"[^>]*>', html).group(0)
    assert 'data-name="' in option and "@andi" in option and "Provinsi Sulawesi Selatan" in option
    assert re.search(r'<select name="required"[^>]*data-picker', html)
    assert 'data-catalogue="picker"' in html
    # A coordinator of the organising agency editing budi's meeting: budi is left out, the
    # editor is offered (editors are not added to meetings they edit).
    from coordination.organisation.models import Role
    from tests.factories import OfficialFactory

    colleague = OfficialFactory(username="rina", agency=world["ministry"], role=Role.COORDINATOR)
    meeting = schedule()
    client.force_login(colleague)
    edit = client.get(f"/meetings/{meeting.pk}/edit")
    assert edit.status_code == 200
    offered = {value for value, _label in edit.context["form"].fields["required"].choices}
    assert "budi" not in offered and "rina" in offered


def test_a_refused_meeting_says_each_problem_once_in_one_sentence(client, world, soon):
    world["budi"].language = "id"
    world["budi"].save(update_fields=["language"])
    client.force_login(world["budi"])
    day = soon.astimezone(MAKASSAR).date() + datetime.timedelta(days=1)
    response = client.post("/meetings/new/", form_data(day, start_time="11:00", end_time="10:00"))
    assert response.status_code == 200 and not Meeting.objects.exists()
    errors = response.context["form"].errors
    assert errors["end_time"] == ["Rapat harus selesai setelah dimulai."]
    html = response.content.decode()
    assert html.count("Rapat harus selesai setelah dimulai.") == 1 and "(Sebelum" not in html


def test_the_organiser_is_warned_when_the_chair_or_note_taker_declines(client, world, schedule):
    meeting = schedule(
        participants=[
            {"username": "andi", "role": "chair"},
            {"username": "nurul", "role": "note_taker"},
            {"username": "sari", "role": "required"},
        ]
    )
    for who in ("nurul", "sari"):
        answers.meeting_rsvp(official=world[who], meeting_id=meeting.pk, response="declined")
    world["budi"].language = "id"
    world["budi"].save(update_fields=["language"])
    client.force_login(world["budi"])
    html = client.get(f"/meetings/{meeting.pk}").content.decode()
    nurul = world["nurul"].display_name
    assert f"{nurul}, notulis, menolak hadir." in html
    assert f"{world['sari'].display_name}, notulis" not in html  # a plain participant: no warning
    warning = html[html.index('id="leads-declined"') :].split("</div>")[0]
    assert "pimpinan rapat, menolak" not in warning  # the chair has not declined
    # Participants who do not edit the meeting are not told to choose someone else.
    client.force_login(world["andi"])
    assert 'id="leads-declined"' not in client.get(f"/meetings/{meeting.pk}").content.decode()


def test_the_dashboard_lists_invitations_waiting_and_answers_them_in_place(
    client, world, schedule, soon
):
    meeting = schedule(title="Rakor kesiapan Natal dan Tahun Baru")
    cancelled = schedule(
        title="Rapat yang dibatalkan",
        start=soon + datetime.timedelta(hours=3),
        end=soon + datetime.timedelta(hours=4),
    )
    scheduling.meeting_cancel(by=world["budi"], meeting_id=cancelled.pk)
    world["andi"].language = "id"
    world["andi"].save(update_fields=["language"])
    client.force_login(world["andi"])
    html = client.get("/").content.decode()
    assert "1 undangan menunggu jawaban Anda" in html
    assert "Rakor kesiapan Natal dan Tahun Baru" in html.split('id="invitations"')[1]
    assert "Rapat yang dibatalkan" not in html.split('id="invitations"')[1].split("</section>")[0]
    assert f'action="/meetings/{meeting.pk}/rsvp"' in html
    response = client.post(
        f"/meetings/{meeting.pk}/rsvp", {"response": "accepted", "next": "/#invitations"}
    )
    assert response.status_code == 302 and response["Location"] == "/#invitations"
    assert Participant.objects.get(meeting=meeting, official=world["andi"]).rsvp == "accepted"
    html = client.get("/").content.decode()
    assert 'id="invitations"' not in html  # nothing waits any more
    # A `next` that leads off the site is ignored.
    response = client.post(
        f"/meetings/{meeting.pk}/rsvp", {"response": "tentative", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/meetings/{meeting.pk}"


def test_the_dashboard_lists_the_meetings_of_the_coming_days(client, world, schedule):
    from django.utils import timezone

    jakarta = zoneinfo.ZoneInfo("Asia/Jakarta")
    today = timezone.now().astimezone(jakarta).date()

    def at(days, hour):
        return datetime.datetime.combine(
            today + datetime.timedelta(days=days), datetime.time(hour), tzinfo=jakarta
        )

    schedule(title="Rapat lusa", start=at(2, 9), end=at(2, 10))
    schedule(title="Rapat minggu depan", start=at(6, 13), end=at(6, 14))
    schedule(title="Rapat bulan depan", start=at(12, 9), end=at(12, 10))
    client.force_login(world["budi"])
    html = client.get("/").content.decode()
    coming = html.split("Beberapa hari ke depan")[1].split("</section>")[0]
    assert "Rapat lusa" in coming and "Rapat minggu depan" in coming
    assert "Rapat bulan depan" not in coming
    assert coming.index("Rapat lusa") < coming.index("Rapat minggu depan")
    assert "09.00 WIB" in coming


def test_the_dashboard_query_count_does_not_grow_with_invitations(
    client, world, schedule, soon, django_assert_max_num_queries
):
    for n in range(12):
        start = soon + datetime.timedelta(days=n % 6, hours=n)
        schedule(title=f"Rapat {n}", start=start, end=start + datetime.timedelta(hours=1))
    client.force_login(world["andi"])
    client.get("/")  # warm the session and caches
    with django_assert_max_num_queries(15):
        html = client.get("/").content.decode()
    assert "12 undangan menunggu jawaban Anda" in html
