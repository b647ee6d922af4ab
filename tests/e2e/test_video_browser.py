"""The video room in a real browser, against a daphne process with Jitsi token authentication
configured: the meeting page's join button waits, disabled, until the room opens (15 minutes
before the start), then becomes the link to Rakor's join page, which hands each participant
a token of their own (read back with PyJWT) and the organiser a moderator's."""

from __future__ import annotations

import datetime
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from tests.e2e.test_meetings_browser import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]

SECRET = "a-long-random-secret-known-only-to-rakor-and-prosody"
# The room opens this long after the meeting is scheduled: time to start the browser and
# sign in, and to see the button disabled first.
OPENS_IN = datetime.timedelta(seconds=20)


@pytest.fixture
def site(daphne_server) -> str:
    """The demo data, served by a daphne process whose Jitsi signs tokens."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    from coordination.organisation.demo import DEMO_PASSWORD, seed_demo
    from coordination.organisation.models import Official
    from tests.processes import same_stack_env

    seed_demo()
    hasher = PBKDF2PasswordHasher()
    Official.objects.update(password=hasher.encode(DEMO_PASSWORD, hasher.salt()))
    env = same_stack_env(
        RAKOR_JITSI_URL="https://meet.rakor.test",
        RAKOR_JITSI_APP_ID="rakor",
        RAKOR_JITSI_APP_SECRET=SECRET,
    )
    return "http://" + daphne_server(env)


@pytest.fixture
def meeting(site):
    """budi's meeting with andi, whose video room opens OPENS_IN from now."""
    from django.utils import timezone

    from coordination.organisation.models import Official
    from meetings.services import scheduling
    from meetings.services.scheduling import Invitee

    start = timezone.now() + datetime.timedelta(minutes=15) + OPENS_IN
    made, _busy = scheduling.meeting_create(
        by=Official.objects.get(username="budi"),
        title="Rakor kesiapsiagaan bencana",
        start=start,
        end=start + datetime.timedelta(hours=1),
        timezone_name="Asia/Jakarta",
        participants=[Invitee("andi", "required")],
    )
    return made


def claims_from_join(page, site, meeting) -> dict:
    response = page.request.get(f"{site}/meetings/{meeting.pk}/join", max_redirects=0)
    assert response.status == 302, response.text()
    location = response.headers["location"]
    assert location.startswith(f"https://meet.rakor.test/{meeting.video_room}?jwt=")
    (token,) = parse_qs(urlsplit(location).query)["jwt"]
    return jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi", issuer="rakor")


def test_the_join_button_opens_with_the_room_and_each_participant_gets_a_token(
    site, meeting, browser, screenshots
):
    opens_at = time.time() + OPENS_IN.total_seconds() - 2  # scheduled a moment ago
    andi, page, watch = sign_in(browser, site, "andi")
    page.goto(f"{site}/meetings/{meeting.pk}")
    waiting = page.locator("button[data-join-opens]")
    assert waiting.is_disabled()
    note = page.locator("#join-closed")
    assert "WITA" in note.inner_text()  # andi's zone
    page.screenshot(path=screenshots / "join-waiting.png", full_page=True)
    # Too early: the join page says when to come back, and sends nobody on.
    early = page.request.get(f"{site}/meetings/{meeting.pk}/join", max_redirects=0)
    assert early.status == 409 and "WITA" in early.text()

    link = page.locator(f'a[href="/meetings/{meeting.pk}/join"]')
    link.wait_for(timeout=(OPENS_IN.total_seconds() + 30) * 1000)
    assert time.time() >= opens_at
    assert waiting.count() == 0 and note.count() == 0
    claims = claims_from_join(page, site, meeting)
    assert claims["room"] == meeting.video_room and claims["moderator"] is False
    assert claims["context"]["user"]["id"] == "andi"

    budi, organiser_page, _ = sign_in(browser, site, "budi")
    claims = claims_from_join(organiser_page, site, meeting)
    assert claims["moderator"] is True and claims["context"]["user"]["affiliation"] == "owner"
    assert watch.problems == []
    andi.close()
    budi.close()
