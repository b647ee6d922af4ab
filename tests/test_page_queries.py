"""Query budgets of the pages that grow with the data: the meeting list, the week, a
meeting's agenda (its page and the API's), the room list (the page and the API's), a room's
history (50 messages: the page and GET /api/v1/rooms/<id>/messages) and the follow-up
actions. Each test loads a page on a small world, makes the world ten times larger, loads it
again, and asserts that both cost the same number of queries (no query per row) and no more
than six beyond the fixed cost of being signed in; the SQL is printed when they do not. The
meeting's page holds far more than its agenda (participants, decisions, the live state, the
notulen): its budget is its own (MEETING_PAGE_BUDGET), and it may not grow either.

The fixed cost of a signed-in page (PAGE_OVERHEAD): the session, the official, their agency
(their zone), their second factor and the bell's unread count. Of an API request
(API_OVERHEAD): the token with its official and agency; the token's last use is written at
most once a minute (RAKOR_TOKEN_TOUCH_SECONDS), never on the request measured here.

The data are written as the services leave them (seqs from 1 and the room's head, rendered
bodies, participants named), mostly with bulk_create so the larger worlds stay fast.
"""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coordination.organisation.services import token_create
from meetings.models import (
    ActionUpdate,
    AgendaDocument,
    AgendaItem,
    AgendaProposal,
    Decision,
    FollowUpAction,
    Meeting,
    MeetingAgency,
    Participant,
)
from meetings.services import decisions as decision_services
from meetings.services import scheduling
from meetings.services.scheduling import Invitee
from messaging.models import Attachment, Membership, Mention, Message, Room
from messaging.render import render_body
from messaging.services import timeline as timeline_services
from tests.factories import OfficialFactory

# The agency tree below the ministry (fixture `regions`), as the meetings tests have it.
from tests.meetings.conftest import regions  # noqa: F401

pytestmark = pytest.mark.django_db

PAGE_OVERHEAD = 5
API_OVERHEAD = 1
BUDGET = 6


def sql_of(client: Client, url: str) -> list[str]:
    """The SQL of one load of `url` (after a first load: sessions, caches and the token's
    last use are warm)."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [query["sql"] for query in captured.captured_queries]


def assert_bounded(small: list[str], large: list[str], *, overhead: int, budget: int = BUDGET):
    listing = "\n".join(f"{n}. {sql}" for n, sql in enumerate(large, start=1))
    assert len(small) == len(large), (
        f"{len(small)} queries on the small world, {len(large)} on the one ten times larger:\n"
        f"{listing}"
    )
    assert len(large) <= overhead + budget, (
        f"{len(large)} queries, more than {overhead} + {budget}:\n{listing}"
    )


@pytest.fixture
def signed_in(client, world):
    client.force_login(world["budi"])
    return client


@pytest.fixture
def bearer(world):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token_create(official=world['budi'], name='q')[1]}")


def monday_ahead() -> datetime.date:
    """The coming Monday (tomorrow at the earliest), so that its whole week is upcoming."""
    day = timezone.localdate() + datetime.timedelta(days=7)
    return day - datetime.timedelta(days=day.weekday())


# --- meetings ---------------------------------------------------------------------------


def meetings_add(world, count: int, *, first: datetime.date) -> list[Meeting]:
    """`count` meetings in the week from `first`, organised by budi or andi, with budi, andi
    and nurul named (sari too on every third), every fifth inviting Sulawesi Selatan whole."""
    jakarta = datetime.timezone(datetime.timedelta(hours=7))
    made, rows, invited = [], [], []
    for n in range(count):
        start = datetime.datetime.combine(
            first + datetime.timedelta(days=n % 5), datetime.time(8 + n % 8), tzinfo=jakarta
        )
        organiser = world["budi"] if n % 2 else world["andi"]
        meeting = Meeting(
            uid=f"{uuid.uuid4()}@rakor.test",
            title=f"Rakor {n}",
            organiser=organiser,
            agency_id=organiser.agency_id,
            start=start,
            end=start + datetime.timedelta(hours=1),
            span_end=start + datetime.timedelta(hours=1),
            timezone="Asia/Jakarta",
            language="id",
            video=Meeting.Video.NONE,
            classification="terbatas" if n % 4 == 0 else "biasa",
        )
        made.append(meeting)
        people = [world["budi"], world["andi"], world["nurul"]]
        if n % 3 == 0:
            people.append(world["sari"])
        for official in people:
            rsvp = "accepted" if official == organiser else ("needs_action", "tentative")[n % 2]
            rows.append(Participant(meeting=meeting, official=official, rsvp=rsvp))
        if n % 5 == 0:
            invited.append(MeetingAgency(meeting=meeting, agency=world["sulsel"]))
            rows.append(
                Participant(
                    meeting=meeting,
                    official=world["outsider"],
                    named=False,
                    via_agency=world["sulsel"],
                )
            )
    Meeting.objects.bulk_create(made)
    Participant.objects.bulk_create(rows)
    MeetingAgency.objects.bulk_create(invited)
    return made


@pytest.fixture
def calendar(world):
    """A weekly series budi organises from the Monday `first`, and five meetings in that
    week."""
    first = monday_ahead()
    start = datetime.datetime.combine(first, datetime.time(7), tzinfo=datetime.UTC)
    series, _busy = scheduling.meeting_create(
        by=world["budi"],
        title="Rakor mingguan",
        start=start,
        end=start + datetime.timedelta(hours=1),
        timezone_name="Asia/Jakarta",
        participants=[Invitee("andi", "required")],
        rrule="FREQ=WEEKLY;COUNT=6",
    )
    meetings_add(world, 5, first=first)
    return {"first": first, "series": series}


def test_the_meeting_list(world, calendar, signed_in):
    small = sql_of(signed_in, "/meetings/")
    meetings_add(world, 45, first=calendar["first"])
    assert_bounded(small, sql_of(signed_in, "/meetings/"), overhead=PAGE_OVERHEAD)


@pytest.mark.parametrize("newest_first", [False, True])
def test_the_meeting_lists_pages_add_up_to_the_whole_list(world, calendar, newest_first):
    """Page after page, the list is meeting_list_between's, series' occurrences in place."""
    from meetings import selectors

    meetings_add(world, 45, first=calendar["first"])
    budi = world["budi"]
    if newest_first:
        end = timezone.now() + datetime.timedelta(days=60)
        start = end - datetime.timedelta(days=90)
        whole = selectors.meeting_list_between(budi, start, end)[::-1]
    else:
        start, end = timezone.now(), None
        horizon = datetime.timedelta(days=60)
        whole = selectors.meeting_list_between(budi, start, None, horizon=horizon)
    pages, number = [], 1
    while True:
        page = selectors.meeting_list_page(
            budi,
            start,
            end,
            horizon=None if newest_first else horizon,
            newest_first=newest_first,
            number=number,
            per_page=7,
        )
        pages.append(page.meetings)
        if not page.has_next:
            break
        number += 1
    assert len(whole) == 56 and all(len(p) == 7 for p in pages[:-1])
    assert [(m.pk, m.start) for p in pages for m in p] == [(m.pk, m.start) for m in whole]


def test_the_week(world, calendar, signed_in):
    url = f"/meetings/week/?date={calendar['first'].isoformat()}"
    small = sql_of(signed_in, url)
    meetings_add(world, 45, first=calendar["first"])
    large = sql_of(signed_in, url)
    assert_bounded(small, large, overhead=PAGE_OVERHEAD)
    page = signed_in.get(url).content.decode()
    assert "Rakor 44" in page and "Rakor mingguan" in page


# --- a meeting's agenda -----------------------------------------------------------------


@pytest.fixture
def agenda_meeting(world, regions):  # noqa: F811 (the fixture imported above)
    """A meeting budi organises, with andi as chair and nurul as note taker, one decision
    recorded with the service, and a room of its own."""
    world.update(regions)  # the agencies too: world["gowa"]
    start = timezone.now() + datetime.timedelta(days=2)
    meeting, _busy = scheduling.meeting_create(
        by=world["budi"],
        title="Rakor agenda",
        start=start,
        end=start + datetime.timedelta(hours=2),
        timezone_name="Asia/Jakarta",
        participants=[Invitee("andi", "chair"), Invitee("nurul", "note_taker")],
    )
    decision_services.decision_record(by=world["nurul"], meeting_id=meeting.pk, text="Pertama")
    return meeting


def agenda_grow(world, meeting: Meeting, count: int) -> None:
    """`count` agenda items (presenters, documents, a source message on some), as many
    participants, proposals, and decisions each with two actions."""
    people = [OfficialFactory(agency=world["sulsel"]) for _n in range(count)]
    Participant.objects.bulk_create(Participant(meeting=meeting, official=p) for p in people)
    base = AgendaItem.objects.filter(meeting=meeting).count()
    items = AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=meeting,
            position=base + n,
            title=f"Butir {base + n}",
            presenter=people[n] if n % 2 else None,
            presenter_agency=world["sulsel"] if n % 2 == 0 else None,
            planned_minutes=5,
            links=["https://example.go.id/bahan"],
        )
        for n in range(count)
    )
    Meeting.objects.filter(pk=meeting.pk).update(agenda_version=base + count + 1)
    AgendaDocument.objects.bulk_create(
        AgendaDocument(
            item=item,
            file=f"agenda/{item.pk}.pdf",
            name="Bahan.pdf",
            size=10,
            content_type="application/pdf",
        )
        for item in items
    )
    AgendaProposal.objects.bulk_create(
        AgendaProposal(meeting=meeting, proposed_by=people[n], title=f"Usul {n}")
        for n in range(count)
    )
    decided = Decision.objects.bulk_create(
        Decision(
            meeting=meeting,
            agenda_item=items[n],
            text=f"Keputusan {n}",
            decided_at=timezone.now(),
            recorded_by=world["nurul"],
            classification="biasa",
        )
        for n in range(count)
    )
    FollowUpAction.objects.bulk_create(
        FollowUpAction(
            decision=decision,
            description="Tindak lanjut",
            agency=world["gowa"] if k else world["sulsel"],
            assignee=world["rahmat"] if k else None,
            due=timezone.localdate() + datetime.timedelta(days=k),
            created_by=world["nurul"],
        )
        for decision in decided
        for k in range(2)
    )


# The meeting's page reads more than its agenda, one query per table: the meeting (with its
# agencies and named participants, for the visibility policy), every participant, their
# mail, the room, the agenda items and their documents, the agency tree, the decisions and
# their actions, the proposals, the speakers, the attendance and the chair's marks, the
# notulen. It read 33 before each part was handed the meeting read once. Its budget is what
# it costs now, which may not grow with the meeting.
MEETING_PAGE_BUDGET = 16


def test_the_meetings_page_with_its_agenda(world, agenda_meeting, signed_in):
    url = f"/meetings/{agenda_meeting.pk}"
    agenda_grow(world, agenda_meeting, 5)
    small = sql_of(signed_in, url)
    agenda_grow(world, agenda_meeting, 45)
    large = sql_of(signed_in, url)
    assert_bounded(small, large, overhead=PAGE_OVERHEAD, budget=MEETING_PAGE_BUDGET)
    page = signed_in.get(url).content.decode()
    assert "Butir 49" in page and "Keputusan 44" in page


def test_the_agenda_over_the_api(world, agenda_meeting, bearer):
    url = f"/api/v1/meetings/{agenda_meeting.pk}/agenda"
    agenda_grow(world, agenda_meeting, 5)
    small = sql_of(bearer, url)
    agenda_grow(world, agenda_meeting, 45)
    large = sql_of(bearer, url)
    assert_bounded(small, large, overhead=API_OVERHEAD)
    assert len(bearer.get(url).json()["items"]) == 50


# --- rooms and their history ------------------------------------------------------------


def messages_add(room: Room, authors, count: int, *, mention=None) -> list[Message]:
    """`count` messages at the room's next seqs (the head moved with them), every fifth
    mentioning `mention`, every seventh with a file."""
    head = Room.objects.get(pk=room.pk).last_seq
    made = []
    for n in range(count):
        body = f"Laporan **{head + n + 1}**"
        if mention is not None and n % 5 == 0:
            body = f"@{mention.username} {body}"
        made.append(
            Message(
                room=room,
                seq=head + n + 1,
                author=authors[n % len(authors)],
                body=body,
                html=render_body(body),
                client_id=uuid.uuid4(),
            )
        )
    Message.objects.bulk_create(made)
    Room.objects.filter(pk=room.pk).update(last_seq=head + count)
    if mention is not None:
        Mention.objects.bulk_create(
            Mention(message=m, official=mention) for n, m in enumerate(made) if n % 5 == 0
        )
    Attachment.objects.bulk_create(
        Attachment(
            uploader=m.author,
            message=m,
            file=f"attachments/{m.pk}.pdf",
            name="laporan.pdf",
            content_type="application/pdf",
            size=100,
        )
        for n, m in enumerate(made)
        if n % 7 == 0
    )
    return made


def rooms_add(world, numbers: range) -> None:
    """Rooms with budi, one per number: coordination rooms with sari and andi, and every
    fifth a direct conversation with someone new; three messages in each."""
    for n in numbers:
        if n % 5 == 0:
            other = OfficialFactory(agency=world["sulsel"])
            key = f"direct:{','.join(map(str, sorted([world['budi'].pk, other.pk])))}"
            room = Room.objects.create(kind=Room.Kind.DIRECT, source_key=key)
            members = [world["budi"], other]
        else:
            room = Room.objects.create(kind=Room.Kind.COORDINATION, name=f"Ruang {n}")
            members = [world["budi"], world["sari"], world["andi"]]
        Membership.objects.bulk_create(
            Membership(room=room, official=o, is_admin=i == 0) for i, o in enumerate(members)
        )
        messages_add(room, members, 3)


@pytest.mark.parametrize("url", ["/messages/", "/api/v1/rooms"])
def test_the_room_list(world, signed_in, bearer, url):
    client, overhead = (bearer, API_OVERHEAD) if "/api/" in url else (signed_in, PAGE_OVERHEAD)
    rooms_add(world, range(5))
    small = sql_of(client, url)
    rooms_add(world, range(5, 50))
    large = sql_of(client, url)
    assert_bounded(small, large, overhead=overhead)
    content = client.get(url).content.decode()
    assert "Ruang 49" in content


@pytest.mark.parametrize("page", ["html", "api"])
def test_a_rooms_history(world, signed_in, bearer, page):
    room = world["room"]
    people = [world["budi"], world["sari"], world["andi"], world["nurul"]]
    if page == "api":
        client, overhead = bearer, API_OVERHEAD
        url = f"/api/v1/rooms/{room.pk}/messages?limit=50"
    else:
        client, overhead, url = signed_in, PAGE_OVERHEAD, f"/messages/{room.pk}"
    messages_add(room, people, 50, mention=world["budi"])
    edited = Message.objects.get(room=room, seq=2)
    timeline_services.message_edit(by=edited.author, message_id=edited.pk, body="Diperbaiki")
    small = sql_of(client, url)
    messages_add(room, people, 450, mention=world["andi"])
    edited = Message.objects.get(room=room, seq=490)
    timeline_services.message_edit(by=edited.author, message_id=edited.pk, body="Lagi")
    large = sql_of(client, url)
    assert_bounded(small, large, overhead=overhead)
    if page == "api":
        items = client.get(url).json()["items"]
        assert len(items) == 50 and items[-1]["seq"] == 502
        assert {"message", "message_edited"} == {item["type"] for item in items}


# --- follow-up actions ------------------------------------------------------------------


def actions_add(world, meeting: Meeting, count: int) -> None:
    """`count` actions over decisions of `meeting` (five each), owed by the regions, some
    assigned, some overdue, in progress, done (on time or late) or cancelled."""
    owing = [world["gowa"], world["papua"], world["jayapura"], world["sulsel"]]
    assignees = {world["gowa"].pk: world["rahmat"], world["papua"].pk: world["yohanes"]}
    today = timezone.localdate()
    made = Decision.objects.bulk_create(
        Decision(
            meeting=meeting,
            text=f"Keputusan {n}",
            decided_at=timezone.now(),
            recorded_by=world["nurul"],
            classification="biasa",
        )
        for n in range(-(-count // 5))
    )
    statuses = ["open", "open", "in_progress", "done", "cancelled"]
    actions = FollowUpAction.objects.bulk_create(
        FollowUpAction(
            decision=made[n // 5],
            description=f"Tindak lanjut {n}",
            agency=owing[n % len(owing)],
            assignee=assignees.get(owing[n % len(owing)].pk) if n % 3 else None,
            due=today + datetime.timedelta(days=n % 11 - 5),
            status=statuses[n % len(statuses)],
            completed_on=today - datetime.timedelta(days=n % 2) if n % 5 == 3 else None,
            created_by=world["nurul"],
        )
        for n in range(count)
    )
    ActionUpdate.objects.bulk_create(
        ActionUpdate(action=a, by=world["nurul"], status=a.status, comment="Kabar")
        for a in actions
        if a.status != "open"
    )


@pytest.mark.parametrize("query", ["", "?scope=agency", "?province=sulsel&overdue=1"])
def test_the_follow_up_actions(world, agenda_meeting, signed_in, query):
    url = f"/actions/{query}"
    actions_add(world, agenda_meeting, 20)
    small = sql_of(signed_in, url)
    actions_add(world, agenda_meeting, 180)
    large = sql_of(signed_in, url)
    assert_bounded(small, large, overhead=PAGE_OVERHEAD)
    if not query:
        assert signed_in.get(url).context["page"].paginator.count == 200
