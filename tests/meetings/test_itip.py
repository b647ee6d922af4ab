"""iTIP REPLY: answers written the way real calendar clients write them (tests/meetings/files/)
update the participant's RSVP, over POST /api/v1/itip and through `answer_services.reply_receive`;
hostile or malformed ones get a clear error and change nothing."""

from __future__ import annotations

import datetime
import random
import zlib
from pathlib import Path

import pytest

from coordination.organisation.models import Role
from coordination.organisation.services import token_create
from coordination.platform.errors import Conflict, DomainError, Forbidden, InvalidInput
from meetings import itip
from meetings.models import Meeting, Participant
from meetings.services import answers as answer_services
from meetings.services import scheduling
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"
CLIENTS = {
    # file: (the attendee's address as the client writes it, the answer it carries)
    "outlook-accepted.ics": ("ANDI@EXAMPLE.TEST", "accepted"),
    "google-declined.ics": ("andi@example.test", "declined"),
    "thunderbird-tentative.ics": ("andi@example.test", "tentative"),
    "apple-accepted.ics": ("Andi@Example.Test", "accepted"),
}


def client_reply(name: str, meeting: Meeting, *, attendee: str | None = None, sequence=None):
    """A fixture file with its placeholders filled in for `meeting`."""
    raw = (FILES / name).read_bytes()
    address = attendee if attendee is not None else CLIENTS.get(name, ("andi@example.test",))[0]
    seq = meeting.sequence if sequence is None else sequence
    return (
        raw.replace(b"{{UID}}", meeting.uid.encode())
        .replace(b"{{SEQUENCE}}", str(seq).encode())
        .replace(b"{{ATTENDEE}}", address.encode())
    )


def minimal(meeting: Meeting, *, event: str = "", attendee: str = "") -> bytes:
    """A small, valid reply; `event` adds lines to the VEVENT, `attendee` replaces its ATTENDEE."""
    attendee = attendee or "ATTENDEE;PARTSTAT=ACCEPTED:mailto:andi@example.test"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Rakor tests//EN",
        "METHOD:REPLY",
        "BEGIN:VEVENT",
        f"UID:{meeting.uid}",
        f"SEQUENCE:{meeting.sequence}",
        "DTSTAMP:20260608T031214Z",
        attendee,
        *event.splitlines(),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def api(client, world):
    def as_(who):
        official = world[who] if isinstance(who, str) else who
        raw = token_create(official=official, name="api")[1]
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
        return client

    return as_


def post(client, body: bytes, content_type: str = "text/calendar; charset=utf-8"):
    # generic(): the body goes out byte for byte (post() would re-encode it to the charset);
    # CONTENT_TYPE given again, because the test client drops it when the body is empty.
    return client.generic(
        "POST", "/api/v1/itip", body, content_type=content_type, CONTENT_TYPE=content_type
    )


def answers(meeting: Meeting) -> dict[str, str]:
    return dict(
        Participant.objects.filter(meeting=meeting).values_list("official__username", "rsvp")
    )


def rsvp(meeting: Meeting, who: str = "andi") -> str:
    return Participant.objects.get(meeting=meeting, official__username=who).rsvp


# --- what real clients write -------------------------------------------------------------


def test_the_fixtures_are_what_the_clients_send():
    for name in CLIENTS:
        raw = (FILES / name).read_bytes()
        # CRLF line ends and folding at 75 octets survived the checkout (.gitattributes).
        assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
        assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
        assert b"\r\n " in raw  # at least one folded line
    outlook = (FILES / "outlook-accepted.ics").read_bytes()
    assert b'DTSTART;TZID="SE Asia Standard Time":' in outlook
    assert b"PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN" in outlook


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_each_clients_reply_over_the_api_updates_the_rsvp(api, schedule, name):
    meeting = schedule()
    before = answers(meeting)
    response = post(api("andi"), client_reply(name, meeting))
    assert response.status_code == 200, response.json()
    expected = CLIENTS[name][1]
    assert response.json() == {"meeting": meeting.pk, "username": "andi", "response": expected}
    after = answers(meeting)
    assert after.pop("andi") == expected
    before.pop("andi")
    assert after == before  # nobody else's answer moved
    assert Participant.objects.get(meeting=meeting, official__username="andi").rsvp_at


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_each_clients_reply_by_mail_updates_the_rsvp(schedule, name):
    meeting = schedule()
    participant = answer_services.reply_receive(
        by=None,
        body=client_reply(name, meeting),
        content_type="text/calendar; method=REPLY; charset=UTF-8",
        mail_from="Andi Prasetyo <ANDI@Example.TEST>",
    )
    assert participant.official.username == "andi"
    assert rsvp(meeting) == CLIENTS[name][1]


@pytest.mark.parametrize(
    "variant",
    [
        "exchange",  # Outlook on the web: unquoted Windows TZID, MAILTO: in capitals
        "bare_lf",  # lines ending in LF alone
        "bom",  # a UTF-8 byte-order mark
        "tab_fold",  # folding with a tab
        "utf8_split",  # folding in the middle of a multi-byte character (some clients do)
        "lower_case",  # property and parameter names in lower case
        "latin1",  # a declared charset other than UTF-8
    ],
)
def test_what_clients_write_in_other_ways_is_accepted(api, schedule, variant):
    meeting = schedule()
    content_type = "text/calendar"
    body = client_reply("outlook-accepted.ics", meeting)
    if variant == "exchange":
        body = (
            body.replace(b"Outlook 16.0 MIMEDIR", b"Exchange Server 2010")
            .replace(b'TZID="SE Asia Standard Time"', b"TZID=SE Asia Standard Time")
            .replace(b":mailto:ANDI", b":MAILTO:ANDI")
        )
    elif variant == "bare_lf":
        body = client_reply("thunderbird-tentative.ics", meeting).replace(b"\r\n", b"\n")
    elif variant == "bom":
        body = b"\xef\xbb\xbf" + body
    elif variant == "tab_fold":
        body = body.replace(b"\r\n ", b"\r\n\t")
    elif variant == "utf8_split":
        body = client_reply("google-declined.ics", meeting)
        dash = "—".encode()
        assert dash in body.replace(b"\r\n ", b"")
        body = body.replace(b"\r\n  " + dash, b" " + dash[:1] + b"\r\n " + dash[1:])
        assert dash not in body
    elif variant == "lower_case":
        body = minimal(
            meeting, attendee="attendee;partstat=tentative;cn=Andi:mailto:andi@example.test"
        ).replace(b"METHOD:REPLY", b"method:REPLY")
    elif variant == "latin1":
        body = minimal(meeting, event="COMMENT:Saya hadir, terima kasih \xe0 tous").replace(
            "à".encode(), b"\xe0"
        )
        content_type = "text/calendar; charset=ISO-8859-1"
    response = post(api("andi"), body, content_type)
    assert response.status_code == 200, response.json()
    assert rsvp(meeting) == response.json()["response"] != "needs_action"


def test_google_comment_with_an_unquoted_commenter_is_only_a_comment(api, schedule):
    """Google writes COMMENT;X-COMMENTER=mailto:x:text (the colon unquoted): read as the
    comment it is, never as a second attendee."""
    meeting = schedule()
    body = client_reply("google-declined.ics", meeting, attendee="andi@example.test").replace(
        b"X-COMMENTER=mailto:andi@example.test", b"X-COMMENTER=mailto:nurul@example.test"
    )
    assert post(api("andi"), body).status_code == 200
    assert rsvp(meeting) == "declined" and rsvp(meeting, "nurul") == "needs_action"


def test_a_later_answer_replaces_the_earlier_one(api, schedule):
    meeting = schedule()
    assert post(api("andi"), client_reply("outlook-accepted.ics", meeting)).status_code == 200
    assert post(api("andi"), client_reply("google-declined.ics", meeting)).status_code == 200
    assert rsvp(meeting) == "declined"
    # The same answer again is fine and changes nothing.
    at = Participant.objects.get(meeting=meeting, official__username="andi").rsvp_at
    assert post(api("andi"), client_reply("google-declined.ics", meeting)).status_code == 200
    assert Participant.objects.get(meeting=meeting, official__username="andi").rsvp_at == at


def test_addresses_are_compared_without_case(api, schedule, world):
    world["andi"].email = "Andi.Prasetyo@Sulsel.Example.Test"
    world["andi"].save()
    meeting = schedule()
    body = client_reply(
        "thunderbird-tentative.ics", meeting, attendee="andi.prasetyo@sulsel.example.test"
    )
    assert post(api("andi"), body).status_code == 200
    assert rsvp(meeting) == "tentative"
    body = client_reply(
        "outlook-accepted.ics", meeting, attendee="ANDI.PRASETYO@SULSEL.EXAMPLE.TEST"
    )
    answer_services.reply_receive(
        by=None,
        body=body,
        content_type="text/calendar",
        mail_from="andi.prasetyo@SULSEL.example.test",
    )
    assert rsvp(meeting) == "accepted"


def test_a_change_that_is_not_significant_keeps_earlier_replies_valid(api, schedule, world):
    meeting = schedule()
    body = client_reply("outlook-accepted.ics", meeting)
    scheduling.meeting_update(
        by=world["budi"], meeting_id=meeting.pk, changes={"description": "Agenda baru"}
    )
    assert Meeting.objects.get(pk=meeting.pk).sequence == meeting.sequence
    assert post(api("andi"), body).status_code == 200
    assert rsvp(meeting) == "accepted"


# --- who may hand a reply in ---------------------------------------------------------------


def test_the_organiser_may_hand_in_an_attendees_reply(api, schedule):
    meeting = schedule()
    response = post(api("budi"), client_reply("google-declined.ics", meeting))
    assert response.status_code == 200
    assert response.json()["username"] == "andi"
    assert rsvp(meeting) == "declined" and rsvp(meeting, "budi") == "accepted"


def test_an_administrator_may_hand_in_a_reply(api, schedule, world):
    admin = OfficialFactory(username="admin", agency=world["ministry"], role=Role.ADMINISTRATOR)
    meeting = schedule(classification="rahasia")
    response = post(api(admin), client_reply("thunderbird-tentative.ics", meeting))
    assert response.status_code == 200
    assert rsvp(meeting) == "tentative"


def test_another_participant_may_not_hand_in_someone_elses_reply(api, schedule):
    meeting = schedule()
    before = answers(meeting)
    response = post(api("nurul"), client_reply("outlook-accepted.ics", meeting))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert answers(meeting) == before


def test_an_official_who_cannot_see_the_meeting_learns_nothing(api, schedule, client):
    meeting = schedule(classification="rahasia")
    before = answers(meeting)
    response = post(api("outsider"), client_reply("outlook-accepted.ics", meeting))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    client.defaults.pop("HTTP_AUTHORIZATION")
    assert post(client, client_reply("outlook-accepted.ics", meeting)).status_code == 401
    assert answers(meeting) == before


@pytest.mark.parametrize(
    "mail_from",
    [
        None,
        "",
        "nurul@example.test",  # another participant
        "Andi <andi@example.test.evil.example>",
        "andi@example.test, nurul@example.test",  # two senders
        "undisclosed-recipients:;",
    ],
)
def test_by_mail_the_sender_must_be_the_attendee(schedule, mail_from):
    meeting = schedule()
    before = answers(meeting)
    with pytest.raises(Forbidden):
        answer_services.reply_receive(
            by=None,
            body=client_reply("outlook-accepted.ics", meeting),
            content_type="text/calendar",
            mail_from=mail_from,
        )
    assert answers(meeting) == before


def test_sent_by_in_the_reply_does_not_let_anyone_answer_by_mail(schedule):
    meeting = schedule()
    before = answers(meeting)
    body = minimal(
        meeting,
        attendee='ATTENDEE;PARTSTAT=DECLINED;SENT-BY="mailto:nurul@example.test":mailto:andi@example.test',
    )
    with pytest.raises(Forbidden):
        answer_services.reply_receive(
            by=None, body=body, content_type="text/calendar", mail_from="nurul@example.test"
        )
    assert answers(meeting) == before


def test_by_mail_the_organiser_may_forward_an_attendees_reply(schedule):
    meeting = schedule()
    answer_services.reply_receive(
        by=None,
        body=client_reply("google-declined.ics", meeting),
        content_type="text/calendar",
        mail_from="Budi <BUDI@example.test>",
    )
    assert rsvp(meeting) == "declined"


# --- hostile and malformed replies -----------------------------------------------------------


def _hostile(meeting: Meeting) -> dict[str, tuple[bytes, int, str]]:
    outlook = client_reply("outlook-accepted.ics", meeting)
    google = client_reply("google-declined.ics", meeting)
    thunderbird = client_reply("thunderbird-tentative.ics", meeting)
    event_start = thunderbird.index(b"BEGIN:VEVENT")
    event_end = thunderbird.index(b"END:VEVENT\r\n") + len(b"END:VEVENT\r\n")
    vevent = thunderbird[event_start:event_end]
    garbage = random.Random(20260608).randbytes(4096)
    return {
        "unknown_uid": (
            outlook.replace(meeting.uid.encode(), b"nope@elsewhere.test"),
            404,
            "not_found",
        ),
        "unknown_attendee": (
            client_reply("google-declined.ics", meeting, attendee="stranger@example.test"),
            404,
            "not_found",
        ),
        "official_not_invited": (
            client_reply("google-declined.ics", meeting, attendee="outsider@example.test"),
            404,
            "not_found",
        ),
        "broken_folding": (outlook.replace(b'\r\n N">', b'\r\nN">'), 400, "invalid"),
        "broken_folding_looks_like_a_property": (
            # The continuation of Google's ATTENDEE, unindented, reads as a property named
            # "rasetyo"; the ATTENDEE line before it is cut short and is refused.
            google.replace(b"CN=Andi P\r\n rasetyo", b"CN=Andi P\r\nrasetyo"),
            400,
            "invalid",
        ),
        "over_1_mb": (
            google.replace(b"END:VEVENT", b"X-PAD:" + b"a" * (1024 * 1024) + b"\r\nEND:VEVENT"),
            413,
            "too_large",
        ),
        "method_request": (outlook.replace(b"METHOD:REPLY", b"METHOD:REQUEST"), 400, "invalid"),
        "method_counter": (outlook.replace(b"METHOD:REPLY", b"METHOD:COUNTER"), 400, "invalid"),
        "no_method": (outlook.replace(b"METHOD:REPLY\r\n", b""), 400, "invalid"),
        "two_methods": (
            outlook.replace(b"METHOD:REPLY\r\n", b"METHOD:REPLY\r\nMETHOD:REQUEST\r\n"),
            400,
            "invalid",
        ),
        "two_vevents": (thunderbird.replace(vevent, vevent + vevent), 400, "invalid"),
        "two_attendees": (
            minimal(meeting, event="ATTENDEE;PARTSTAT=DECLINED:mailto:nurul@example.test"),
            400,
            "invalid",
        ),
        "two_uids": (minimal(meeting, event="UID:other@rakor.localhost"), 400, "invalid"),
        "no_attendee": (
            minimal(meeting).replace(
                b"ATTENDEE;PARTSTAT=ACCEPTED:mailto:andi@example.test\r\n", b""
            ),
            400,
            "invalid",
        ),
        "missing_end_vcalendar": (outlook.replace(b"END:VCALENDAR\r\n", b""), 400, "invalid"),
        "end_without_begin": (outlook + b"END:VEVENT\r\n", 400, "invalid"),
        "crossed_ends": (
            minimal(meeting, event="BEGIN:VALARM").replace(
                b"END:VEVENT\r\nEND:VCALENDAR", b"END:VEVENT\r\nEND:VALARM\r\nEND:VCALENDAR"
            ),
            400,
            "invalid",
        ),
        "two_calendars": (outlook + outlook, 400, "invalid"),
        "invalid_utf8": (outlook.replace(b"Diterima", b"Diterima \xc3\x28\xff"), 400, "invalid"),
        "bare_cr": (
            outlook.replace(b"CLASS:PUBLIC\r\n", b"CLASS:PUBLIC\rX-A:b\r\n"),
            400,
            "invalid",
        ),
        "nul_byte": (outlook.replace(b"CLASS:PUBLIC", b"CLASS:PUB\x00LIC"), 400, "invalid"),
        "needs_action": (
            outlook.replace(b"PARTSTAT=ACCEPTED", b"PARTSTAT=NEEDS-ACTION"),
            400,
            "invalid",
        ),
        "delegated": (outlook.replace(b"PARTSTAT=ACCEPTED", b"PARTSTAT=DELEGATED"), 400, "invalid"),
        "no_partstat": (
            outlook.replace(b"ATTENDEE;PARTSTAT=ACCEPTED", b"ATTENDEE"),
            400,
            "invalid",
        ),
        "two_partstats_in_one_value": (
            outlook.replace(b"PARTSTAT=ACCEPTED", b"PARTSTAT=DECLINED,ACCEPTED"),
            400,
            "invalid",
        ),
        "vtodo": (
            minimal(meeting).replace(
                b"END:VCALENDAR",
                b"BEGIN:VTODO\r\nUID:t\r\nSUMMARY:x\r\nEND:VTODO\r\nEND:VCALENDAR",
            ),
            400,
            "invalid",
        ),
        "vtodo_instead_of_vevent": (
            minimal(meeting).replace(b"VEVENT", b"VTODO"),
            400,
            "invalid",
        ),
        "vevent_hidden_in_an_x_component": (
            minimal(meeting).replace(
                b"END:VCALENDAR",
                b"BEGIN:X-WRAP\r\n" + vevent + b"END:X-WRAP\r\nEND:VCALENDAR",
            ),
            400,
            "invalid",
        ),
        "recurrence_id": (
            minimal(meeting, event="RECURRENCE-ID:20260610T020000Z"),
            400,
            "invalid",
        ),
        "sequence_not_a_number": (
            outlook.replace(f"SEQUENCE:{meeting.sequence}".encode(), b"SEQUENCE:one"),
            400,
            "invalid",
        ),
        "attendee_not_mailto": (
            minimal(meeting, attendee="ATTENDEE;PARTSTAT=ACCEPTED:urn:uuid:1234"),
            400,
            "invalid",
        ),
        "empty": (b"", 400, "invalid"),
        "blank_lines": (b"\r\n\r\n\r\n", 400, "invalid"),
        "binary_garbage": (garbage, 400, "invalid"),
        "png": (b"\x89PNG\r\n\x1a\n" + garbage[:512], 400, "invalid"),
        "gzipped_reply": (zlib.compress(outlook), 400, "invalid"),
        "json": (b'{"partstat": "ACCEPTED"}', 400, "invalid"),
        # Injection: a line break smuggled into a parameter adds a second ATTENDEE ...
        "crlf_in_a_parameter": (
            minimal(
                meeting,
                attendee=(
                    'ATTENDEE;CN="Andi\r\nATTENDEE;PARTSTAT=DECLINED:mailto:nurul@example.test";'
                    "PARTSTAT=ACCEPTED:mailto:andi@example.test"
                ),
            ),
            400,
            "invalid",
        ),
        # ... a parameter given twice would let the parser pick one ...
        "partstat_twice": (
            outlook.replace(b"PARTSTAT=ACCEPTED", b"PARTSTAT=DECLINED;PARTSTAT=ACCEPTED"),
            400,
            "invalid",
        ),
        # ... a METHOD inside the event does not make a REQUEST a REPLY ...
        "method_inside_the_event": (
            minimal(meeting, event="METHOD:REPLY").replace(
                b"METHOD:REPLY\r\nBEGIN", b"METHOD:REQUEST\r\nBEGIN"
            ),
            400,
            "invalid",
        ),
        # ... a fold that glues a property onto the address makes no valid address ...
        "fold_into_the_address": (
            minimal(
                meeting,
                attendee=(
                    "ATTENDEE;PARTSTAT=ACCEPTED:mailto:andi@example.test\r\n"
                    " ATTENDEE;PARTSTAT=DECLINED:mailto:nurul@example.test"
                ),
            ),
            400,
            "invalid",
        ),
        # ... and a quote left open swallows nothing.
        "unclosed_quote": (
            minimal(
                meeting, attendee='ATTENDEE;CN="Andi;PARTSTAT=ACCEPTED:mailto:andi@example.test'
            ),
            400,
            "invalid",
        ),
        "stray_text": (minimal(meeting, event="this is not a property"), 400, "invalid"),
        "too_many_lines": (minimal(meeting, event="X-A:b\r\n" * 2000), 400, "invalid"),
        "attendee_line_too_long": (
            outlook.replace(b"ATTENDEE;", b"ATTENDEE;X-PAD=" + b"a" * 5000 + b";"),
            400,
            "invalid",
        ),
        "attendee_with_many_parameters": (
            outlook.replace(
                b"ATTENDEE;", b"ATTENDEE" + b"".join(b";X-P%d=1" % i for i in range(60)) + b";"
            ),
            400,
            "invalid",
        ),
        "too_deep": (
            minimal(
                meeting,
                event="\r\n".join(f"BEGIN:X-{i}" for i in range(9))
                + "\r\n"
                + "\r\n".join(f"END:X-{i}" for i in reversed(range(9))),
            ),
            400,
            "invalid",
        ),
    }


HOSTILE = [
    "unknown_uid", "unknown_attendee", "official_not_invited", "broken_folding",
    "broken_folding_looks_like_a_property", "over_1_mb", "method_request", "method_counter",
    "no_method", "two_methods", "two_vevents", "two_attendees", "two_uids", "no_attendee",
    "missing_end_vcalendar", "end_without_begin", "crossed_ends", "two_calendars",
    "invalid_utf8", "bare_cr", "nul_byte", "needs_action", "delegated", "no_partstat",
    "two_partstats_in_one_value", "vtodo", "vtodo_instead_of_vevent",
    "vevent_hidden_in_an_x_component", "recurrence_id", "sequence_not_a_number",
    "attendee_not_mailto", "empty", "blank_lines", "binary_garbage", "png", "gzipped_reply",
    "json", "crlf_in_a_parameter", "partstat_twice", "method_inside_the_event",
    "fold_into_the_address", "unclosed_quote", "stray_text", "too_deep", "too_many_lines",
    "attendee_line_too_long", "attendee_with_many_parameters",
]  # fmt: skip


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_or_malformed_replies_are_refused_and_change_nothing(api, schedule, case):
    meeting = schedule()
    body, status, code = _hostile(meeting)[case]
    before = (answers(meeting), Meeting.objects.values().get(pk=meeting.pk))
    response = post(api("andi"), body)
    assert response.status_code == status, response.content[:300]
    error = response.json()
    assert error["code"] == code
    assert error["message"] and "\n" not in error["message"]
    assert before == (answers(meeting), Meeting.objects.values().get(pk=meeting.pk))
    # By mail too: the same refusal, as a DomainError the inbox turns into a bounce.
    with pytest.raises(DomainError) as refused:
        answer_services.reply_receive(
            by=None, body=body, content_type="text/calendar", mail_from="andi@example.test"
        )
    assert (refused.value.status, refused.value.code) == (status, code)
    assert before == (answers(meeting), Meeting.objects.values().get(pk=meeting.pk))


@pytest.mark.parametrize(
    "filler",
    [
        b"CATEGORIES:" + b"a," * 500_000 + b"a",  # a megabyte of values in one line
        b"X-A" + b";P=1" * 250_000 + b":b",  # of parameters
        b"ATTENDEE" + b";X-P=1" * 170_000 + b":mailto:andi@example.test",
        b"X-A:" + b"b" * 480 + b"\r\nX-A:" + b"b" * 480,  # long lines, up to the line limit
    ],
)
def test_a_hostile_megabyte_costs_little_time(schedule, filler):
    import time

    meeting = schedule()
    body = minimal(meeting).replace(b"END:VEVENT", filler[: 1000 * 1024] + b"\r\nEND:VEVENT")
    if filler.startswith(b"X-A:"):
        body = minimal(meeting).replace(b"END:VEVENT", (filler + b"\r\n") * 990 + b"END:VEVENT")
    assert len(body) <= itip.MAX_BYTES
    started = time.monotonic()
    try:
        itip.reply_parse(body)
    except InvalidInput:
        pass
    # Before the limits, icalendar took seconds over such a reply (minutes, for the ATTENDEE).
    assert time.monotonic() - started < 3


def test_the_error_for_a_broken_line_names_it_in_fields_only(api, schedule):
    meeting = schedule()
    body = client_reply("outlook-accepted.ics", meeting).replace(b'\r\n N">', b'\r\nN">')
    error = post(api("andi"), body).json()
    assert "35" in error["message"] and 'N">' not in error["message"]  # the line's number
    assert any('N">' in problem for problem in error["fields"]["body"])


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "text/plain",
        "application/octet-stream",
        "multipart/form-data; boundary=x",
    ],
)
def test_a_reply_that_is_not_text_calendar_is_415(api, schedule, content_type):
    meeting = schedule()
    before = answers(meeting)
    response = post(api("andi"), client_reply("outlook-accepted.ics", meeting), content_type)
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_type"
    assert answers(meeting) == before


@pytest.mark.parametrize("charset", ["x-klingon", "base64", "rot13", "zlib", "hex", '""'])
def test_an_unknown_charset_is_415(api, schedule, charset):
    meeting = schedule()
    response = post(api("andi"), minimal(meeting), f"text/calendar; charset={charset}")
    if charset == '""':  # no charset after all: UTF-8
        assert response.status_code == 200
        return
    assert (response.status_code, response.json()["code"]) == (415, "unsupported_type")
    assert rsvp(meeting) == "needs_action"


@pytest.mark.parametrize("charset", ["utf-16", "idna", "punycode", "shift_jis"])
def test_a_body_that_is_not_in_its_charset_is_400(api, schedule, charset):
    meeting = schedule()
    body = minimal(meeting) + b"\xff\xfe\x00\xd8\x81"
    response = post(api("andi"), body, f"text/calendar; charset={charset}")
    assert response.status_code in (400, 415), response.content
    assert rsvp(meeting) == "needs_action"


def test_application_ics_is_accepted_too(api, schedule):
    meeting = schedule()
    assert post(api("andi"), minimal(meeting), "application/ics").status_code == 200
    assert rsvp(meeting) == "accepted"


# --- replies that come too late ---------------------------------------------------------------


def test_a_reply_to_an_earlier_version_is_409_after_a_significant_change(api, schedule, world):
    meeting = schedule()
    old = client_reply("outlook-accepted.ics", meeting)
    assert post(api("andi"), old).status_code == 200
    scheduling.meeting_update(
        by=world["budi"],
        meeting_id=meeting.pk,
        changes={"start": meeting.start + datetime.timedelta(hours=1),
                 "end": meeting.end + datetime.timedelta(hours=1)},
    )  # fmt: skip
    meeting.refresh_from_db()
    assert meeting.sequence == 1 and rsvp(meeting) == "needs_action"
    before = answers(meeting)
    response = post(api("andi"), old)
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["current"]["sequence"] == 1
    assert answers(meeting) == before
    with pytest.raises(Conflict):
        answer_services.reply_receive(
            by=None, body=old, content_type="text/calendar", mail_from="andi@example.test"
        )
    assert answers(meeting) == before
    # The answer to the new version is taken.
    response = post(api("andi"), client_reply("google-declined.ics", meeting))
    assert response.status_code == 200 and rsvp(meeting) == "declined"


def test_a_reply_to_a_version_that_never_existed_is_409(api, schedule):
    meeting = schedule()
    response = post(api("andi"), client_reply("outlook-accepted.ics", meeting, sequence=7))
    assert response.status_code == 409
    assert rsvp(meeting) == "needs_action"


def test_a_reply_to_a_cancelled_meeting_is_409(api, schedule, world):
    meeting = schedule()
    body = client_reply("thunderbird-tentative.ics", meeting)
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    meeting.refresh_from_db()
    before = answers(meeting)
    for reply in (body, client_reply("thunderbird-tentative.ics", meeting)):  # old and new SEQUENCE
        response = post(api("andi"), reply)
        assert response.status_code == 409
        assert response.json()["code"] == "conflict"
        assert response.json()["current"]["status"] == "cancelled"
    assert answers(meeting) == before


def test_the_parser_alone_reads_what_the_reply_says(schedule):
    meeting = schedule()
    reply = itip.reply_parse(client_reply("outlook-accepted.ics", meeting))
    assert reply == itip.Reply(meeting.uid, 0, "andi@example.test", "", "accepted")
    sent_by = minimal(
        meeting,
        attendee='ATTENDEE;SENT-BY="MAILTO:Nurul@Example.Test";PARTSTAT=DECLINED:mailto:andi@x.test',
    )
    assert itip.reply_parse(sent_by).sent_by == "nurul@example.test"
    with pytest.raises(InvalidInput):
        itip.reply_parse(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
