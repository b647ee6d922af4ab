"""meetings.selectors: every read, with what it returns and what it may cost. Each call is
made over several meetings and participants, so a query per row would show in its budget
(`django_assert_max_num_queries`). The data come from the factories: no invitation is mailed
and no room opened, so only the selectors' own queries are counted."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination.organisation.models import AuditEntry, Classification, Role, Zone
from coordination.platform.errors import Conflict, Forbidden, NotFound
from coordination.platform.models import OutboundMail
from meetings import selectors
from meetings.models import (
    AgendaEditor,
    AgendaItem,
    AgendaProposal,
    Meeting,
    MeetingAgency,
    Participant,
)
from tests.factories import (
    AgencyFactory,
    MeetingFactory,
    MessageFactory,
    OfficialFactory,
    ParticipantFactory,
    RoomFactory,
)

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def city(db):
    """The ministry (rina, its coordinator and organiser; dodi, another coordinator; citra)
    and South Sulawesi below it (adi, bayu, stefan)."""
    ministry = AgencyFactory(code="kemendagri", name="Kementerian Dalam Negeri")
    sulsel = AgencyFactory(
        code="sulsel", name="Provinsi Sulawesi Selatan", parent=ministry, timezone=Zone.WITA
    )

    def official(username, first_name, agency, **kwargs):
        return OfficialFactory(
            username=username, first_name=first_name, last_name="", agency=agency, **kwargs
        )

    return {
        "ministry": ministry,
        "sulsel": sulsel,
        "rina": official("rina", "Rina", ministry, role=Role.COORDINATOR),
        "dodi": official("dodi", "Dodi", ministry, role=Role.COORDINATOR),
        "citra": official("citra", "Citra", ministry),
        "adi": official("adi", "Adi", sulsel),
        "bayu": official("bayu", "Bayu", sulsel),
        "stefan": official("stefan", "Stefan", sulsel),
    }


_hours = itertools.count(1)


def meeting(city, *people, organiser="rina", start=None, length=HOUR, **kwargs):
    """A meeting organised by `organiser` (its chair, as meeting_create makes them) with
    these participants by name; by default each at an hour of its own, two days ahead."""
    if start is None:
        start = timezone.now().replace(minute=0, second=0, microsecond=0) + 2 * DAY
        start += next(_hours) * 2 * HOUR
    made = MeetingFactory(organiser=city[organiser], start=start, end=start + length, **kwargs)
    ParticipantFactory(
        meeting=made, official=city[organiser], role="chair", rsvp=Participant.Rsvp.ACCEPTED
    )
    for name in people:
        ParticipantFactory(meeting=made, official=city[name])
    return made


def invite_agency(made, agency, *officials):
    """The agency invited whole: its officials take part through it, not by name."""
    MeetingAgency.objects.create(meeting=made, agency=agency)
    for official in officials:
        ParticipantFactory(meeting=made, official=official, named=False, via_agency=agency)


def visible(city, viewer, made):
    return selectors.meetings_for_viewer(city[viewer]).get(pk=made.pk)


# --- a meeting for whoever may see it ----------------------------------------------------------


def test_meeting_facts_name_who_is_invited_by_name_and_which_agencies_whole(
    city, django_assert_max_num_queries
):
    made = meeting(city, "adi", classification=Classification.TERBATAS)
    invite_agency(made, city["sulsel"], city["bayu"], city["stefan"])
    plain = Meeting.objects.get(pk=made.pk)
    with django_assert_max_num_queries(2):  # its participants and its agencies
        facts = selectors.meeting_facts(plain)
    assert facts.organiser_id == city["rina"].pk
    assert facts.organising_agency_id == city["ministry"].pk
    assert facts.classification == "terbatas"
    assert facts.named_participant_ids == {city["rina"].pk, city["adi"].pk}
    assert facts.participant_agency_ids == {city["sulsel"].pk}
    prefetched = visible(city, "adi", made)
    with django_assert_max_num_queries(0):
        assert selectors.meeting_facts(prefetched).named_participant_ids == {
            city["rina"].pk,
            city["adi"].pk,
        }


def test_meetings_for_a_viewer_hold_the_named_participants_and_their_own_row(
    city, django_assert_max_num_queries
):
    made = [meeting(city, "adi", "citra") for _ in range(3)]
    for each in made:
        invite_agency(each, city["sulsel"], city["bayu"], city["stefan"])
    with django_assert_max_num_queries(3):  # meetings (organiser, agency); agencies; rows
        rows = list(selectors.meetings_for_viewer(city["bayu"]).filter(pk__in=[m.pk for m in made]))
        for row in rows:
            assert row.organiser.username == "rina" and row.agency.code == "kemendagri"
            assert [a.agency_id for a in row.agencies.all()] == [city["sulsel"].pk]
    assert len(rows) == 3
    for row in rows:
        # The named participants and bayu's own row, not every official of the agency.
        assert {p.official_id for p in row.participants.all()} == {
            city["rina"].pk,
            city["adi"].pk,
            city["citra"].pk,
            city["bayu"].pk,
        }


def test_a_visible_meeting_costs_three_queries(city, django_assert_max_num_queries):
    made = meeting(city, "adi", "bayu")
    for viewer in ("adi", "rina", "citra"):  # participant, organiser, organising agency
        with django_assert_max_num_queries(3):
            assert selectors.meeting_get_visible(city[viewer], made.pk) == made
    with django_assert_max_num_queries(3), pytest.raises(NotFound):
        selectors.meeting_get_visible(city["stefan"], made.pk)  # neither: not revealed
    with pytest.raises(NotFound):
        selectors.meeting_get_visible(city["adi"], 999_999)


def test_a_rahasia_meeting_is_visible_to_its_named_participants_only(city):
    secret = meeting(city, "adi", classification=Classification.RAHASIA)
    assert selectors.meeting_get_visible(city["adi"], secret.pk) == secret
    for viewer in ("citra", "dodi", "bayu"):
        with pytest.raises(NotFound):
            selectors.meeting_get_visible(city[viewer], secret.pk)


def test_an_editable_meeting_is_for_its_organiser_and_the_agencys_coordinators(
    city, django_assert_max_num_queries
):
    made = meeting(city, "adi")
    for editor in ("rina", "dodi"):
        with django_assert_max_num_queries(3):
            assert selectors.meeting_get_editable(city[editor], made.pk) == made
    with pytest.raises(Forbidden):  # may see it, may not change it: refused, audited
        selectors.meeting_get_editable(city["adi"], made.pk)
    assert AuditEntry.objects.filter(event="permission_denied", actor=city["adi"]).exists()
    with pytest.raises(NotFound):
        selectors.meeting_get_editable(city["stefan"], made.pk)


def test_who_may_edit_is_read_from_prefetched_rows(city, django_assert_max_num_queries):
    made = meeting(city, "adi")
    for viewer, expected in (("rina", True), ("dodi", True), ("adi", False), ("citra", False)):
        row = visible(city, viewer, made)
        with django_assert_max_num_queries(0):
            assert selectors.may_edit(city[viewer], row) is expected


def test_joining_is_for_participants_and_the_organiser_of_a_scheduled_video_meeting(
    city, django_assert_max_num_queries
):
    soon = timezone.now() + 10 * MINUTE  # the room is open from 15 minutes before
    video = meeting(city, "adi", video=Meeting.Video.JITSI, start=soon)
    for viewer in ("adi", "rina"):
        row = visible(city, viewer, video)
        with django_assert_max_num_queries(0):
            assert selectors.join_refusal(city[viewer], row) is None
    assert isinstance(
        selectors.join_refusal(city["citra"], visible(city, "citra", video)), Forbidden
    )
    plain = meeting(city, "adi")  # no video room
    assert isinstance(selectors.join_refusal(city["adi"], visible(city, "adi", plain)), Conflict)
    cancelled = meeting(
        city, "adi", video=Meeting.Video.JITSI, status=Meeting.Status.CANCELLED, start=soon
    )
    refusal = selectors.join_refusal(city["adi"], visible(city, "adi", cancelled))
    assert isinstance(refusal, Conflict) and refusal.current == {"status": "cancelled"}


# --- participants --------------------------------------------------------------------------------


def test_the_participant_list_comes_with_officials_and_agencies_in_one_query(
    city, django_assert_max_num_queries
):
    made = meeting(city, "adi", "bayu", "citra")
    invite_agency(made, city["sulsel"], city["stefan"])
    with django_assert_max_num_queries(1):
        rows = selectors.participant_list(made)
        seen = {(p.official.username, p.official.agency.code, p.named) for p in rows}
        via = [p.via_agency.code for p in rows if p.via_agency_id]
    assert seen == {
        ("rina", "kemendagri", True),
        ("adi", "sulsel", True),
        ("bayu", "sulsel", True),
        ("citra", "kemendagri", True),
        ("stefan", "sulsel", False),
    }
    assert via == ["sulsel"]


def test_participant_rows_are_in_name_order(city, django_assert_max_num_queries):
    made = meeting(city, "citra", "bayu", "adi")
    with django_assert_max_num_queries(1):
        rows = selectors.participant_rows(made)
        names = [(p.official.display_name, p.official.agency.code) for p in rows]
    assert names == [
        ("Adi", "sulsel"),
        ("Bayu", "sulsel"),
        ("Citra", "kemendagri"),
        ("Rina", "kemendagri"),
    ]


def test_leads_who_declined_are_the_chairs_and_note_takers_who_did(
    city, django_assert_max_num_queries
):
    made = meeting(city)
    declined = Participant.Rsvp.DECLINED
    rows = [
        ParticipantFactory(meeting=made, official=city["adi"], role="chair", rsvp=declined),
        ParticipantFactory(meeting=made, official=city["bayu"], role="note_taker", rsvp=declined),
        ParticipantFactory(meeting=made, official=city["citra"], role="required", rsvp=declined),
        ParticipantFactory(meeting=made, official=city["dodi"], role="note_taker"),
    ]
    with django_assert_max_num_queries(0):
        assert selectors.leads_declined(rows) == rows[:2]


# --- who is busy ----------------------------------------------------------------------------


@pytest.fixture
def busy(city):
    """The meeting being planned (09:00 to 10:00 UTC, three days ahead) and what adi, bayu and
    rina have then."""
    start = (timezone.now() + 3 * DAY).replace(hour=9, minute=0, second=0, microsecond=0)
    end = start + HOUR
    overlapping = meeting(city, "adi", "bayu", start=start - HOUR / 2, title="Rapat anggaran")
    secret = meeting(
        city,
        "bayu",
        organiser="dodi",
        start=start + HOUR / 2,
        classification=Classification.RAHASIA,
        title="Rahasia",
    )
    meeting(city, "adi", start=end)  # back to back: no clash
    declined = meeting(city, "bayu", start=start)
    Participant.objects.filter(meeting=declined, official=city["bayu"]).update(rsvp="declined")
    meeting(city, "adi", start=start, status=Meeting.Status.CANCELLED)
    return {"start": start, "end": end, "overlapping": overlapping, "secret": secret}


def test_clashes_name_who_is_busy_and_only_visible_titles_in_three_queries(
    city, busy, django_assert_max_num_queries
):
    ids = [city["adi"].pk, city["bayu"].pk, city["citra"].pk]
    with django_assert_max_num_queries(3):
        clashes = selectors.clash_list(ids, busy["start"], busy["end"], viewer=city["rina"])
    found = sorted(
        ((c["username"], c["meeting"]) for c in clashes), key=lambda f: (f[0], f[1] or "")
    )
    # rina may not see dodi's rahasia meeting: bayu is busy, in a meeting not named to her.
    assert found == [("adi", "Rapat anggaran"), ("bayu", None), ("bayu", "Rapat anggaran")]
    first = next(c for c in clashes if c["username"] == "adi")
    assert first["name"] == "Adi" and first["start"] == busy["overlapping"].start.isoformat()
    with django_assert_max_num_queries(3):
        again = selectors.clash_list(
            ids, busy["start"], busy["end"], viewer=city["rina"], exclude=busy["overlapping"].pk
        )
    assert [(c["username"], c["meeting"]) for c in again] == [("bayu", None)]
    as_dodi = selectors.clash_list(ids, busy["start"], busy["end"], viewer=city["dodi"])
    assert ("bayu", "Rahasia") in {(c["username"], c["meeting"]) for c in as_dodi}


def test_clashes_before_saving_take_names_and_agencies_and_leave_out_the_viewer(
    city, busy, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):  # who they are, then the clashes (three)
        clashes = selectors.clash_list_before_saving(
            viewer=city["adi"],
            start=busy["start"],
            end=busy["end"],
            usernames=["rina", "nobody"],
            agency_codes=["sulsel"],
        )
    # adi himself is left out; bayu comes with South Sulawesi; rina organises the first.
    assert sorted({c["username"] for c in clashes}) == ["bayu", "rina"]
    assert (
        selectors.clash_list_before_saving(viewer=city["adi"], start=busy["start"], end=busy["end"])
        == []
    )


# --- lists and calendars -------------------------------------------------------------------------


def test_the_meetings_between_two_instants_are_those_the_official_may_see(
    city, django_assert_max_num_queries
):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    theirs = [meeting(city, "adi", start=now + n * DAY) for n in (1, 2, 3)]
    agency_wide = meeting(city, organiser="dodi", start=now + 2 * DAY)  # adi's agency? no
    invited = meeting(city, organiser="dodi", start=now + 4 * DAY)
    invite_agency(invited, city["sulsel"], city["adi"])
    meeting(city, "adi", start=now + 30 * DAY)  # outside the window
    meeting(city, "bayu", start=now + 2 * DAY)  # not his, nor his agency's
    with django_assert_max_num_queries(3):  # the meetings, their agencies, their rows
        listed = selectors.meeting_list_between(city["adi"], now, now + 10 * DAY)
    assert [m.pk for m in listed] == [*[m.pk for m in theirs], invited.pk]
    as_citra = selectors.meeting_list_between(city["citra"], now, now + 10 * DAY)
    assert agency_wide in as_citra and len(as_citra) == 6  # every biasa meeting of her agency
    assert len(selectors.meeting_list_between(city["adi"], None, None)) == 5


def test_meeting_rows_carry_the_viewers_own_answer(city, django_assert_max_num_queries):
    made = [meeting(city, "adi", "bayu") for _ in range(3)]
    Participant.objects.filter(meeting=made[1], official=city["adi"]).update(rsvp="accepted")
    rows = list(selectors.meetings_for_viewer(city["adi"]).filter(pk__in=[m.pk for m in made]))
    with django_assert_max_num_queries(0):
        rows = selectors.meeting_rows(rows, city["adi"])
    assert [m.my_rsvp for m in rows] == ["needs_action", "accepted", "needs_action"]
    citra_rows = list(selectors.meetings_for_viewer(city["citra"]).filter(pk=made[0].pk))
    assert selectors.meeting_rows(citra_rows, city["citra"])[0].my_rsvp is None


def test_a_meeting_summary_is_what_lists_show(city, django_assert_max_num_queries):
    made = meeting(city, "adi", location="Ruang Rapat 1", video=Meeting.Video.JITSI)
    row = visible(city, "adi", made)
    with django_assert_max_num_queries(0):
        summary = selectors.meeting_summary(row, city["adi"])
    assert summary == {
        "id": made.pk,
        "series": None,
        "recurrence_id": None,
        "rrule": None,
        "exdates": [],
        "uid": made.uid,
        "sequence": 0,
        "version": 1,
        "title": made.title,
        "start": made.start.isoformat(),
        "end": made.end.isoformat(),
        "timezone": "Asia/Jakarta",
        "location": "Ruang Rapat 1",
        "status": "scheduled",
        "classification": "biasa",
        "video": "jitsi",
        "organiser": {"username": "rina", "name": "Rina"},
        "agency": {"code": "kemendagri", "name": "Kementerian Dalam Negeri"},
        "my_rsvp": "needs_action",
        "link": f"/meetings/{made.pk}",
    }


def test_a_meetings_detail_shows_delivery_states_to_its_editors_only(
    city, django_assert_max_num_queries
):
    made = meeting(city, "adi", "bayu", "citra", video=Meeting.Video.JITSI)
    invite_agency(made, city["sulsel"], city["stefan"])
    room = RoomFactory(kind="meeting", source_key=f"meeting:{made.pk}")
    for official, state in ((city["adi"], "sent"), (city["bayu"], "failed")):
        mail(made, official, state=state, last_error="550 mailbox full")
    row = visible(city, "rina", made)
    # Its rows, the mails' states, the room, the agencies, the tally.
    with django_assert_max_num_queries(5):
        detail = selectors.meeting_detail(row, city["rina"])
    assert detail["may_edit"] and detail["room"] == room.pk and detail["agencies"] == ["sulsel"]
    assert detail["join_url"].endswith(f"/meetings/{made.pk}/join")
    assert detail["ics_url"] == reverse("api:meeting_ics", args=[made.pk])
    by_name = {p["username"]: p for p in detail["participants"]}
    assert list(by_name) == ["adi", "bayu", "citra", "rina", "stefan"]
    assert by_name["stefan"]["via_agency"] == "sulsel" and not by_name["stefan"]["named"]
    assert by_name["adi"]["delivery"]["state"] == "sent" and not by_name["adi"]["delivery"]["error"]
    assert by_name["bayu"]["delivery"]["error"] == "550 mailbox full"
    assert by_name["citra"]["delivery"] is None
    assert detail["tally"]["accepted"] == 1 and detail["tally"]["needs_action"] == 4
    as_adi = selectors.meeting_detail(visible(city, "adi", made), city["adi"])
    assert not as_adi["may_edit"]
    assert all(p["delivery"] is None for p in as_adi["participants"])
    plain = meeting(city, "adi")
    assert selectors.meeting_detail(visible(city, "rina", plain), city["rina"])["join_url"] is None


def mail(made, official, *, state="queued", last_error="", kind="invitation"):
    return OutboundMail.objects.create(
        recipient=official.email,
        official=official,
        kind=kind,
        topic=f"meeting:{made.pk}",
        subject="Undangan",
        message_id=f"<{made.pk}.{official.pk}.{OutboundMail.objects.count()}@rakor.test>",
        state=state,
        attempts=1,
        last_error=last_error,
        sent_at=timezone.now() if state == "sent" else None,
    )


def test_delivery_states_are_each_participants_latest_mail_in_one_query(
    city, django_assert_max_num_queries
):
    made = meeting(city, "adi", "bayu")
    mail(made, city["adi"], state="failed", last_error="x" * 300)
    mail(made, city["adi"], state="sent", kind="update")  # the latest
    mail(made, city["bayu"], state="failed", last_error="y" * 300)
    mail(meeting(city, "bayu"), city["bayu"], state="sent")  # another meeting's
    with django_assert_max_num_queries(1):
        states = selectors.delivery_states(made)
    assert set(states) == {city["adi"].pk, city["bayu"].pk}
    assert states[city["adi"].pk]["state"] == "sent" and states[city["adi"].pk]["kind"] == "update"
    assert states[city["adi"].pk]["error"] == "" and states[city["adi"].pk]["sent_at"]
    assert states[city["bayu"].pk]["error"] == "y" * 200  # cut, and never the body
    assert states[city["bayu"].pk]["sent_at"] is None and states[city["bayu"].pk]["attempts"] == 1


@pytest.mark.parametrize("view", ["week", "month"])
def test_the_calendar_lists_each_meeting_on_every_day_it_overlaps_in_the_viewers_zone(
    city, view, django_assert_max_num_queries
):
    adi = city["adi"]  # South Sulawesi: WITA, UTC+8
    day = datetime.date(2031, 3, 12)  # a Wednesday
    wita = datetime.timezone(datetime.timedelta(hours=8))
    at = lambda d, h: datetime.datetime(2031, 3, d, h, tzinfo=wita)  # noqa: E731
    monday = meeting(city, "adi", start=at(10, 9))
    overnight = meeting(city, "adi", start=at(12, 22), length=4 * HOUR)  # into Thursday
    # 23:30 WIB on Friday is already Saturday 00:30 where adi is.
    saturday = meeting(city, "adi", start=at(15, 0) + HOUR / 2)
    meeting(city, "bayu", start=at(12, 10))  # not his
    with django_assert_max_num_queries(3):  # meeting_list_between's
        grid = selectors.calendar_grid(adi, view=view, day=day, today=day)
    days = {d["date"]: [m.pk for m in d["meetings"]] for d in grid["days"]}
    assert days[datetime.date(2031, 3, 10)] == [monday.pk]
    assert days[datetime.date(2031, 3, 12)] == [overnight.pk]
    assert days[datetime.date(2031, 3, 13)] == [overnight.pk]
    assert days[datetime.date(2031, 3, 14)] == [] and days[datetime.date(2031, 3, 15)] == [
        saturday.pk
    ]
    assert grid["count"] == 3 and grid["today"] == day
    assert [d["is_today"] for d in grid["days"]].count(True) == 1
    assert all(len(week) == 7 for week in grid["weeks"])
    assert all(d["opens"].utcoffset() == datetime.timedelta(hours=8) for d in grid["days"])
    assert grid["days"][0]["date"].weekday() == 0 and grid["end"].weekday() == 6
    if view == "week":
        assert grid["start"] == datetime.date(2031, 3, 10) and len(grid["days"]) == 7
        assert grid["previous"] == datetime.date(2031, 3, 3)
        assert grid["next"] == datetime.date(2031, 3, 17)
    else:
        assert grid["first"] == datetime.date(2031, 3, 1)
        assert grid["start"] == datetime.date(2031, 2, 24)  # the Monday before the 1st
        assert grid["end"] == datetime.date(2031, 4, 6)
        assert grid["previous"] == datetime.date(2031, 2, 1)
        assert grid["next"] == datetime.date(2031, 4, 1)
        in_month = [d["date"].month == 3 for d in grid["days"]]
        assert [d["in_month"] for d in grid["days"]] == in_month


# --- the dashboard ------------------------------------------------------------------------------


def test_invitations_awaiting_an_answer_soonest_first_with_how_many(
    city, django_assert_max_num_queries
):
    now = timezone.now()
    waiting = [meeting(city, "adi", start=now + n * DAY) for n in (3, 1, 2)]
    answered = meeting(city, "adi")
    Participant.objects.filter(meeting=answered, official=city["adi"]).update(rsvp="accepted")
    meeting(city, "adi", status=Meeting.Status.CANCELLED)
    meeting(city, "adi", start=now - 3 * HOUR)  # over
    with django_assert_max_num_queries(1):
        shown, count = selectors.invitations_awaiting(city["adi"], now)
        titles = [
            (p.meeting.title, p.meeting.organiser.username, p.meeting.agency.code) for p in shown
        ]
    assert [p.meeting_id for p in shown] == [waiting[1].pk, waiting[2].pk, waiting[0].pk]
    assert count == 3 and titles[0] == (waiting[1].title, "rina", "kemendagri")
    with django_assert_max_num_queries(2):  # a full page: how many in all is counted
        shown, count = selectors.invitations_awaiting(city["adi"], now, limit=2)
    assert len(shown) == 2 and count == 3


def test_the_coming_days_are_grouped_by_the_day_they_start_in_two_queries(
    city, django_assert_max_num_queries
):
    adi = city["adi"]  # WITA
    wita = datetime.timezone(datetime.timedelta(hours=8))
    now = datetime.datetime(2031, 3, 12, 8, 0, tzinfo=wita)
    today = meeting(city, "adi", start=now + HOUR)
    late = meeting(city, "adi", start=now.replace(hour=23), length=2 * HOUR)  # into tomorrow
    tomorrow = meeting(city, "adi", start=now + DAY)
    later = [meeting(city, "adi", start=now + n * DAY) for n in (3, 3, 5)]
    mine = meeting(city, organiser="adi", start=now + 2 * DAY)  # as organiser
    meeting(city, "adi", start=now + 9 * DAY)  # beyond the seven days
    meeting(city, "bayu", start=now + DAY)  # not his
    with django_assert_max_num_queries(2):
        todays, days = selectors.meetings_ahead(adi, now)
    assert [m.pk for m in todays] == [today.pk, late.pk]
    assert [m.my_rsvp for m in todays] == ["needs_action", "needs_action"]
    by_day = {group["day"]: [m.pk for m in group["meetings"]] for group in days}
    assert by_day == {
        datetime.date(2031, 3, 13): [late.pk, tomorrow.pk],  # still on tomorrow
        datetime.date(2031, 3, 14): [mine.pk],
        datetime.date(2031, 3, 15): [later[0].pk, later[1].pk],
        datetime.date(2031, 3, 17): [later[2].pk],
    }
    assert [group["day"] for group in days] == sorted(by_day)
    assert next(m for g in days for m in g["meetings"] if m.pk == mine.pk).my_rsvp == "accepted"


# --- the agenda ----------------------------------------------------------------------------------


@pytest.fixture
def agenda(city):
    """A meeting of rina's (adi its second chair, bayu and citra taking part) with three
    items: presented by an official, by an agency, proposed from a chat message."""
    made = meeting(city, "bayu", "citra", length=2 * HOUR)
    ParticipantFactory(meeting=made, official=city["adi"], role="chair")
    message = MessageFactory(author=city["bayu"])
    items = [
        AgendaItem.objects.create(
            meeting=made, position=0, title="Pembukaan", presenter=city["rina"], planned_minutes=5
        ),
        AgendaItem.objects.create(
            meeting=made,
            position=1,
            title="Paparan provinsi",
            presenter_agency=city["sulsel"],
            planned_minutes=60,
        ),
        AgendaItem.objects.create(
            meeting=made,
            position=2,
            title="Usulan dari obrolan",
            source_message=message,
            planned_minutes=70,
            links=["https://example.go.id/bahan"],
        ),
    ]
    return {"meeting": made, "items": items, "message": message}


def test_agenda_items_come_in_order_with_what_they_show_in_two_queries(
    city, agenda, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):  # the items, their documents
        items = selectors.agenda_items(agenda["meeting"])
        shown = [selectors.agenda_item_out(item) for item in items]
    assert [item["title"] for item in shown] == [
        "Pembukaan",
        "Paparan provinsi",
        "Usulan dari obrolan",
    ]
    assert shown[0]["presenter"] == {"username": "rina", "name": "Rina"}
    assert shown[1]["presenter"] == {"agency": "sulsel", "name": "Provinsi Sulawesi Selatan"}
    assert shown[2]["presenter"] is None and shown[2]["links"] == ["https://example.go.id/bahan"]
    assert shown[2]["source_message"] == {
        "id": agenda["message"].pk,
        "room": agenda["message"].room_id,
        "url": agenda["message"].get_absolute_url(),
    }
    assert shown[0]["source_message"] is None and shown[0]["position"] == 0
    assert {item["version"] for item in shown} == {1}
    assert {len(item["documents"]) for item in shown} == {0}


def test_the_agenda_weighs_its_planned_time_against_the_meetings_length(
    agenda, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        out = selectors.agenda_out(agenda["meeting"])
    assert out["meeting"] == agenda["meeting"].pk and len(out["items"]) == 3
    assert (out["planned_minutes"], out["meeting_minutes"], out["over_by_minutes"]) == (
        135,
        120,
        15,
    )
    items = selectors.agenda_items(agenda["meeting"])[:1]
    with django_assert_max_num_queries(0):
        out = selectors.agenda_out(agenda["meeting"], items)
    assert out["planned_minutes"] == 5 and out["over_by_minutes"] == 0


def test_the_organiser_the_chairs_and_those_they_grant_edit_the_agenda(
    city, agenda, django_assert_max_num_queries
):
    made = agenda["meeting"]
    AgendaEditor.objects.create(meeting=made, official=city["citra"], granted_by=city["rina"])
    with django_assert_max_num_queries(1):
        assert selectors.is_agenda_editor(city["citra"], made)
    assert not selectors.is_agenda_editor(city["bayu"], made)
    for name in ("rina", "adi"):  # the organiser and a chair: from the prefetched rows
        row = visible(city, name, made)
        with django_assert_max_num_queries(0):
            assert selectors.may_edit_agenda(city[name], row)
    for name, expected in (("citra", True), ("bayu", False), ("dodi", False)):
        row = visible(city, name, made)
        with django_assert_max_num_queries(1):  # whether they were granted it
            assert selectors.may_edit_agenda(city[name], row) is expected
    row = visible(city, "rina", made)
    with django_assert_max_num_queries(0):  # stefan may not even see the meeting
        assert not selectors.may_edit_agenda(city["stefan"], row)


def test_the_visible_agenda_says_who_may_edit_and_propose(
    city, agenda, django_assert_max_num_queries
):
    made = agenda["meeting"]
    with django_assert_max_num_queries(6):
        as_bayu = selectors.agenda_get_visible(city["bayu"], made.pk)
    assert len(as_bayu["items"]) == 3 and as_bayu["may_propose"] and not as_bayu["may_edit"]
    as_rina = selectors.agenda_get_visible(city["rina"], made.pk)
    assert as_rina["may_edit"] and as_rina["may_propose"]
    as_dodi = selectors.agenda_get_visible(city["dodi"], made.pk)  # sees it, takes no part
    assert not as_dodi["may_edit"] and not as_dodi["may_propose"]
    with pytest.raises(NotFound):
        selectors.agenda_get_visible(city["stefan"], made.pk)


def test_proposals_are_all_for_the_agendas_editors_and_their_own_for_others(
    city, agenda, django_assert_max_num_queries
):
    made = agenda["meeting"]
    proposals = [
        AgendaProposal.objects.create(
            meeting=made,
            proposed_by=city[name],
            title=f"Usulan {name}",
            source_message=agenda["message"] if name == "bayu" else None,
        )
        for name in ("bayu", "citra", "bayu")
    ]
    with django_assert_max_num_queries(4):  # the meeting (three), its proposals
        everything = selectors.agenda_proposal_list(city["rina"], made.pk)
    assert [p["id"] for p in everything] == [p.pk for p in proposals]
    with django_assert_max_num_queries(5):  # and whether bayu was granted editing
        own = selectors.agenda_proposal_list(city["bayu"], made.pk)
    assert [p["id"] for p in own] == [proposals[0].pk, proposals[2].pk]
    assert own[0]["proposed_by"] == {"username": "bayu", "name": "Bayu"}
    assert own[0]["source_message"]["id"] == agenda["message"].pk
    assert own[0]["status"] == "pending" and own[0]["item"] is None
    with pytest.raises(NotFound):
        selectors.agenda_proposal_list(city["stefan"], made.pk)
    stored = AgendaProposal.objects.select_related("proposed_by", "source_message").get(
        pk=proposals[1].pk
    )
    with django_assert_max_num_queries(0):
        out = selectors.agenda_proposal_out(stored)
    assert out["title"] == "Usulan citra" and out["source_message"] is None
    assert out["created_at"] == stored.created_at.isoformat()


# --- the live meeting and the notulen: what each read costs -------------------------------


@pytest.fixture
def running(world, schedule, starting):
    """budi's meeting, about to start, with andi in the chair and sari taking notes: two
    items, the meeting open on the first, two speakers, a join and a mark, approved
    notulen."""
    from meetings.services import agenda as agenda_services
    from meetings.services import meeting_mode, notulen
    from meetings.services.attendance import meeting_join

    made = schedule(
        start=starting,
        end=starting + 2 * HOUR,
        participants=[
            {"username": "andi", "role": "chair"},
            {"username": "sari", "role": "note_taker"},
            {"username": "nurul", "role": "required"},
        ],
    )
    items = [
        agenda_services.agenda_item_add(by=world["budi"], meeting_id=made.pk, title=title)
        for title in ("Pembukaan", "Laporan")
    ]
    meeting_mode.meeting_open(by=world["andi"], meeting_id=made.pk)
    meeting_mode.meeting_current_item_set(by=world["andi"], meeting_id=made.pk, item_id=items[0].pk)
    for name in ("nurul", "budi"):
        meeting_mode.speaker_ask(by=world[name], meeting_id=made.pk)
    meeting_join(official=world["nurul"], meeting_id=made.pk)
    meeting_mode.attendance_mark(
        by=world["andi"], meeting_id=made.pk, username="budi", status="present"
    )
    notulen.notulen_save(
        by=world["sari"],
        meeting_id=made.pk,
        version=0,
        items={items[0].pk: "Dibuka"},
        sections={"decisions": "Lanjut"},
    )
    notulen.notulen_submit(by=world["sari"], meeting_id=made.pk, version=1)
    notulen.notulen_approve(by=world["andi"], meeting_id=made.pk, version=2)
    made.refresh_from_db()
    return made


def test_the_live_meeting_reads_cost_the_same_whatever_the_rows(
    world, running, django_assert_max_num_queries
):
    from django.utils import timezone

    now = timezone.now()
    with django_assert_max_num_queries(1):  # the current item's planned minutes
        mode = selectors.meeting_mode_out(running, now=now)
    assert mode["state"] == "running" and selectors.meeting_mode_state(running) == "running"
    with django_assert_max_num_queries(1):
        speakers = selectors.speaker_queue_out(running, now=now)
    assert [t["username"] for t in speakers["queue"]] == ["nurul", "budi"]
    with django_assert_max_num_queries(3):  # joins, marks, participants
        attendance = selectors.attendance_out(running)
    assert attendance["present"] == 2
    with django_assert_max_num_queries(8):
        state = selectors.live_state_visible(world["sari"], running.pk, now=now)
    assert state["may_take_part"] and not state["may_run"]
    with django_assert_max_num_queries(1):
        rows = selectors.presenter_choices(selectors.participant_rows(running))
    assert {"agency": "sulsel", "name": "Provinsi Sulawesi Selatan"} in rows


def test_the_notulen_reads_cost_the_same_whatever_the_rows(
    world, running, django_assert_max_num_queries
):
    with django_assert_max_num_queries(1):
        revisions = selectors.notulen_revisions(running)
    with django_assert_max_num_queries(0):
        shown = selectors.notulen_revision_out(revisions[-1])
    assert shown["status"] == "approved"
    with django_assert_max_num_queries(5):
        read = selectors.notulen_for_reader(world["nurul"], running.pk)
    assert read["items"][0]["notes"] == "Dibuka" and read["history"][0]["revision"] == 1
    with django_assert_max_num_queries(4):
        meeting, revision = selectors.notulen_approved_get(world["sari"], running.pk)
    with django_assert_max_num_queries(8):
        document = selectors.notulen_document(meeting, revision)
    assert [item["title"] for item in document["items"]] == ["Pembukaan", "Laporan"]


def test_documents_and_templates_reads(world, running, django_assert_max_num_queries):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from meetings.models import AgendaTemplate
    from meetings.services import agenda as agenda_services

    item = selectors.agenda_items(running)[0]
    document = agenda_services.agenda_document_add(
        by=world["budi"],
        item_id=item.pk,
        upload=SimpleUploadedFile("bahan.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    with django_assert_max_num_queries(4):  # the document, then the meeting for the reader
        found = selectors.agenda_document_get_for_reader(world["sari"], document.pk)
    assert selectors.agenda_document_out(found)["name"] == "bahan.pdf"
    for name in ("Rakor bulanan", "Rakor triwulan"):
        agenda_services.agenda_template_save(by=world["budi"], meeting_id=running.pk, name=name)
    with django_assert_max_num_queries(1):
        listed = selectors.agenda_template_list(world["sari"])
    assert [t["name"] for t in listed] == ["Rakor bulanan", "Rakor triwulan"]
    template = AgendaTemplate.objects.select_related("agency").first()
    with django_assert_max_num_queries(0):
        assert selectors.agenda_template_out(template)["planned_minutes"] == 20
