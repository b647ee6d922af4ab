"""One-click answers from the invitation mail: the links are taken from mail a real SMTP server
received, and followed by a client that signs in to nothing and enforces CSRF, as a browser
does. A GET (what mail scanners do) records nothing; only the page's POST button answers."""

from __future__ import annotations

import datetime
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.utils import timezone

from coordination.platform.mail import outbox_deliver
from meetings import invitations
from meetings.models import Participant
from meetings.services import scheduling
from meetings.services.scheduling import Invitee

pytestmark = pytest.mark.django_db

ANSWER_LINK = re.compile(r"https?://\S+/meetings/answer/[^\s?]+\?response=\w+")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def answer_links(smtp_server, to: str) -> dict[str, str]:
    """The answer links (path and query) of the newest mail to `to`, by response."""
    outbox_deliver()
    [*_, message] = [m for m in smtp_server.messages if m["To"] == to]
    text = message.get_body(preferencelist=("plain",)).get_content()
    links = {}
    for url in ANSWER_LINK.findall(text):
        parts = urlsplit(url)
        [response] = parse_qs(parts.query)["response"]
        links[response] = f"{parts.path}?{parts.query}"
    return links


def token_of(path: str) -> str:
    return urlsplit(path).path.removeprefix("/meetings/answer/")


def state(meeting, username: str) -> tuple[str, object] | None:
    row = (
        Participant.objects.filter(meeting=meeting, official__username=username)
        .values_list("rsvp", "rsvp_at")
        .first()
    )
    return row


class Browser:
    """A client that is signed in to nothing and sends the CSRF token a page gave it."""

    def __init__(self) -> None:
        self.client = Client(enforce_csrf_checks=True)
        self.csrf = ""

    def get(self, path: str):
        response = self.client.get(path)
        found = CSRF_FIELD.search(response.content.decode())
        if found:
            self.csrf = found[1]
        return response

    def post(self, path: str, response: str | None, *, csrf: bool = True):
        if csrf and not self.csrf:
            # A page without a form (an error page) gives no token: take one where a
            # browser would have one from, the sign-in page.
            self.client.get("/accounts/login/")
            self.csrf = self.client.cookies[settings.CSRF_COOKIE_NAME].value
        data = {"csrfmiddlewaretoken": self.csrf} if csrf else {}
        if response is not None:
            data["response"] = response
        return self.client.post(path, data)


@pytest.fixture
def browser():
    return Browser()


@pytest.fixture
def invited(schedule, smtp_server):
    """A meeting, and andi's and nurul's answer links from the mail they received."""
    meeting = schedule()
    return (
        meeting,
        answer_links(smtp_server, "andi@example.test"),
        answer_links(smtp_server, "nurul@example.test"),
    )


def test_the_mail_carries_one_link_per_answer_bound_to_its_participant(invited):
    meeting, andi, nurul = invited
    assert set(andi) == set(nurul) == {"accepted", "tentative", "declined"}
    assert len({token_of(path) for path in andi.values()}) == 1
    assert token_of(andi["accepted"]) != token_of(nurul["accepted"])
    data = invitations.rsvp_token_read(token_of(andi["accepted"]))
    participant = Participant.objects.get(meeting=meeting, official__username="andi")
    assert (data["m"], data["p"], data["o"]) == (
        meeting.pk,
        participant.pk,
        participant.official_id,
    )


def test_opening_the_link_shows_a_confirmation_and_records_nothing(invited, browser):
    meeting, andi, _nurul = invited
    for _ in range(2):  # a mail scanner, then the official
        page = browser.get(andi["accepted"])
        assert page.status_code == 200
        html = page.content.decode()
        assert meeting.title in html
        assert 'method="post"' in html and 'value="accepted"' in html
    assert state(meeting, "andi") == ("needs_action", None)
    assert state(meeting, "nurul") == ("needs_action", None)


def test_the_confirming_post_records_the_answer_without_signing_in(invited, browser):
    meeting, andi, _nurul = invited
    page = browser.get(andi["accepted"])
    assert page.status_code == 200 and browser.csrf
    response = browser.post(andi["accepted"], "accepted")
    assert response.status_code == 200, response.content[:500]
    rsvp, answered_at = state(meeting, "andi")
    assert rsvp == "accepted" and answered_at is not None
    assert state(meeting, "nurul") == ("needs_action", None)  # only the link's participant
    assert "_auth_user_id" not in browser.client.session  # the link signs no one in
    # The same link answers again, differently (the official changed their mind).
    browser.get(andi["declined"])
    assert browser.post(andi["declined"], "declined").status_code == 200
    assert state(meeting, "andi")[0] == "declined"


def test_the_post_needs_the_csrf_token(invited, browser):
    meeting, andi, _nurul = invited
    browser.get(andi["accepted"])
    response = browser.post(andi["accepted"], "accepted", csrf=False)
    assert response.status_code == 403
    assert state(meeting, "andi") == ("needs_action", None)


def _token(participant: Participant, *, expires: datetime.datetime, **signing_kwargs) -> str:
    """A token of the same shape as invitations.rsvp_token, with the expiry we choose."""
    return signing.dumps(
        {
            "m": participant.meeting_id,
            "p": participant.pk,
            "o": participant.official_id,
            "e": int(expires.timestamp()),
        },
        salt=signing_kwargs.pop("salt", invitations.RSVP_SALT),
        compress=True,
        **signing_kwargs,
    )


def test_an_expired_link_answers_410_and_changes_nothing(schedule, browser):
    meeting = schedule()
    participant = Participant.objects.get(meeting=meeting, official__username="andi")
    # The same shape, still valid, works: what follows fails for its expiry alone.
    valid = _token(participant, expires=timezone.now() + datetime.timedelta(hours=1))
    assert browser.get(f"/meetings/answer/{valid}?response=accepted").status_code == 200
    expired = _token(participant, expires=timezone.now() - datetime.timedelta(minutes=1))
    path = f"/meetings/answer/{expired}?response=accepted"
    assert browser.get(path).status_code == 410
    assert browser.post(path, "accepted").status_code == 410
    assert state(meeting, "andi") == ("needs_action", None)


def test_a_mailed_link_expires_by_the_setting(schedule, smtp_server, browser, settings):
    settings.RAKOR_RSVP_LINK_DAYS = -3  # the link ends three days before the meeting does
    meeting = schedule()
    link = answer_links(smtp_server, "andi@example.test")["accepted"]
    assert browser.get(link).status_code == 410
    assert browser.post(link, "accepted").status_code == 410
    assert state(meeting, "andi") == ("needs_action", None)


def test_forged_links_answer_400_and_change_nothing(invited, browser):
    meeting, andi, nurul = invited
    token = token_of(andi["accepted"])
    value, signature = token.rsplit(":", 1)
    andi_row = Participant.objects.get(meeting=meeting, official__username="andi")
    nurul_row = Participant.objects.get(meeting=meeting, official__username="nurul")
    later = timezone.now() + datetime.timedelta(days=30)
    forged = [
        f"{value}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",  # signature changed
        f"{value[:-1]}{'A' if value[-1] != 'A' else 'B'}:{signature}",  # payload changed
        _token(andi_row, expires=later, key="not-the-secret-key"),
        _token(andi_row, expires=later, salt="rakor.something.else"),
        # Validly signed, but naming andi as nurul's participant: it binds all three.
        signing.dumps(
            {
                "m": meeting.pk,
                "p": nurul_row.pk,
                "o": andi_row.official_id,
                "e": int(later.timestamp()),
            },
            salt=invitations.RSVP_SALT,
            compress=True,
        ),
        signing.dumps({"m": meeting.pk}, salt=invitations.RSVP_SALT),  # damaged shape
        "nonsense",
    ]
    for bad in forged:
        path = f"/meetings/answer/{bad}?response=accepted"
        assert browser.get(path).status_code == 400, bad
        assert browser.post(path, "accepted").status_code == 400, bad
    assert state(meeting, "andi") == ("needs_action", None)
    assert state(meeting, "nurul") == ("needs_action", None)
    assert token_of(nurul["accepted"]) not in forged


def test_a_removed_participants_link_no_longer_answers(invited, browser, world):
    meeting, _andi, nurul = invited
    scheduling.meeting_update(
        by=world["budi"],
        meeting_id=meeting.pk,
        changes={},
        participants=[Invitee("andi", "required")],
    )
    assert browser.get(nurul["accepted"]).status_code == 400
    assert browser.post(nurul["accepted"], "accepted").status_code == 400
    assert state(meeting, "nurul") is None  # not answered back in
    # Invited again, nurul is a new participant: the old link stays dead.
    scheduling.meeting_update(
        by=world["budi"],
        meeting_id=meeting.pk,
        changes={},
        participants=[Invitee("andi"), Invitee("nurul")],
    )
    assert browser.post(nurul["accepted"], "accepted").status_code == 400
    assert state(meeting, "nurul") == ("needs_action", None)


def test_an_inactive_officials_link_no_longer_answers(invited, browser, world):
    meeting, andi, _nurul = invited
    world["andi"].is_active = False
    world["andi"].save()
    assert browser.post(andi["accepted"], "accepted").status_code == 400
    assert state(meeting, "andi") == ("needs_action", None)


def test_a_cancelled_meetings_link_takes_no_answer(invited, browser, world):
    meeting, andi, _nurul = invited
    page = browser.get(andi["accepted"])
    scheduling.meeting_cancel(by=world["budi"], meeting_id=meeting.pk)
    assert page.status_code == 200
    response = browser.post(andi["accepted"], "accepted")
    assert response.status_code == 409
    assert state(meeting, "andi") == ("needs_action", None)
    # Opening it afterwards still records nothing.
    assert browser.get(andi["accepted"]).status_code == 200
    assert state(meeting, "andi") == ("needs_action", None)


@pytest.mark.parametrize("value", ["maybe", "needs_action", "", None])
def test_an_unknown_answer_is_refused_and_changes_nothing(invited, browser, value):
    meeting, andi, _nurul = invited
    token = token_of(andi["accepted"])
    browser.get(andi["accepted"])
    # Posted to the bare link, so that the query string cannot supply an answer either.
    response = browser.post(f"/meetings/answer/{token}", value)
    assert response.status_code == 400
    assert state(meeting, "andi") == ("needs_action", None)


def test_the_answer_page_speaks_the_language_of_the_official_it_was_mailed_to(
    schedule, smtp_server, world, browser
):
    world["andi"].language = "en"
    world["andi"].save(update_fields=["language"])
    meeting = schedule()
    andi = answer_links(smtp_server, "andi@example.test")
    nurul = answer_links(smtp_server, "nurul@example.test")
    english = browser.get(andi["accepted"]).content.decode()
    assert (
        '<html lang="en">' in english and "Nothing is recorded until you press a button." in english
    )
    indonesian = Browser().get(nurul["accepted"]).content.decode()
    assert '<html lang="id">' in indonesian and meeting.title in indonesian
    # A visitor who chose a language with the switch keeps it.
    chooser = Browser()
    chooser.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    assert '<html lang="id">' in chooser.get(andi["accepted"]).content.decode()
