"""meetings.video: the join window (a pure function of start, end and now, which occurrences
of a series share) and Jitsi's per-participant tokens, read back with PyJWT."""

from __future__ import annotations

import datetime
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.utils import translation

from coordination.organisation.timefmt import format_in_zone
from meetings import video
from meetings.services import attendance

MINUTE = datetime.timedelta(minutes=1)
START = datetime.datetime(2026, 11, 30, 2, 0, tzinfo=datetime.UTC)  # 09.00 WIB, 10.00 WITA
END = START + 90 * MINUTE
SECRET = "a-long-random-secret-known-only-to-rakor-and-prosody"


# --- the join window -------------------------------------------------------------------------


def test_the_room_opens_fifteen_minutes_before_the_start_and_says_when():
    with translation.override("en"):
        refusal = video.join_window_refusal(
            start=START, end=END, now=START - 16 * MINUTE, zone="Asia/Makassar"
        )
    assert refusal is not None and refusal.code == "not_open_yet" and refusal.status == 409
    opens = START - 15 * MINUTE
    assert refusal.current == {"opens_at": opens.isoformat()}
    assert format_in_zone(opens, "Asia/Makassar", language="en") in refusal.message
    assert "09:45 WITA" in refusal.message and "15 minutes before the start" in refusal.message
    for now in (START - 15 * MINUTE, START - 14 * MINUTE, START, END - MINUTE):
        assert video.join_window_refusal(start=START, end=END, now=now, zone="Asia/Jakarta") is None


def test_the_room_closes_at_the_end_and_the_message_names_it_in_the_officials_zone():
    with translation.override("id"):
        for now in (END, END + 5 * MINUTE, END + datetime.timedelta(days=3)):
            refusal = video.join_window_refusal(start=START, end=END, now=now, zone="Asia/Jayapura")
            assert refusal is not None and refusal.code == "ended"
            assert refusal.current == {"ended_at": END.isoformat()}
            # Indonesian date format, in WIT: Senin, 30 November 2026, 12.30 WIT.
            assert "Senin, 30 November 2026, 12.30 WIT" in refusal.message


def test_the_window_follows_its_setting(settings):
    settings.RAKOR_VIDEO_JOIN_EARLY_MINUTES = 30
    assert video.join_opens_at(START) == START - 30 * MINUTE
    assert (
        video.join_window_refusal(
            start=START, end=END, now=START - 16 * MINUTE, zone="Asia/Jakarta"
        )
        is None
    )


# --- Jitsi tokens ------------------------------------------------------------------------------


@pytest.fixture
def jitsi(settings):
    settings.RAKOR_JITSI_URL = "https://meet.rakor.go.id"
    settings.RAKOR_JITSI_APP_ID = "rakor"
    settings.RAKOR_JITSI_APP_SECRET = SECRET
    settings.RAKOR_JITSI_JWT_AUDIENCE = "jitsi"
    settings.RAKOR_JITSI_JWT_MINUTES = 10
    return settings


def token_of(url: str) -> str:
    (token,) = parse_qs(urlsplit(url).query)["jwt"]
    return token


@pytest.mark.django_db
def test_each_participant_gets_a_token_of_their_own_moderator_for_organiser_and_chair(
    world, schedule, starting, jitsi
):
    meeting = schedule(
        start=starting,
        end=starting + 90 * MINUTE,
        participants=[
            {"username": "andi", "role": "chair"},
            {"username": "nurul", "role": "required"},
        ],
    )
    for who, moderator in (("budi", True), ("andi", True), ("nurul", False)):
        before = int(time.time())
        url = attendance.meeting_join(official=world[who], meeting_id=meeting.pk)
        assert url.startswith(f"https://meet.rakor.go.id/{meeting.video_room}?jwt=")
        claims = jwt.decode(
            token_of(url),
            SECRET,
            algorithms=["HS256"],
            audience="jitsi",
            issuer="rakor",
            options={"require": ["aud", "iss", "sub", "room", "exp", "nbf", "iat"]},
        )
        assert claims["sub"] == "*" and claims["room"] == meeting.video_room
        assert before <= claims["iat"] <= int(time.time())
        assert claims["exp"] - claims["iat"] == 10 * 60  # short: joining, not the meeting
        assert claims["nbf"] <= claims["iat"]
        user = claims["context"]["user"]
        assert user["id"] == who and user["name"] == world[who].display_name
        assert user["email"] == world[who].email
        assert claims["moderator"] is moderator and user["moderator"] is moderator
        assert user["affiliation"] == ("owner" if moderator else "member")
        assert claims["context"]["features"]["recording"] is moderator
        assert claims["context"]["features"]["livestreaming"] is False


@pytest.mark.django_db
def test_a_token_signed_with_another_secret_or_for_another_app_is_rejected(
    world, schedule, starting, jitsi
):
    meeting = schedule(start=starting, end=starting + 90 * MINUTE)
    token = token_of(attendance.meeting_join(official=world["andi"], meeting_id=meeting.pk))
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            token,
            "another-secret-of-the-same-good-length!!",
            algorithms=["HS256"],
            audience="jitsi",
        )
    with pytest.raises(jwt.InvalidIssuerError):
        jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi", issuer="other")


@pytest.mark.django_db
def test_the_token_expires_after_its_lifetime(world, schedule, starting, jitsi):
    meeting = schedule(start=starting, end=starting + 90 * MINUTE)
    minted = datetime.datetime.now(datetime.UTC) - 11 * MINUTE
    token = video.jitsi_token(meeting, world["andi"], now=minted)
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi")


@pytest.mark.django_db
def test_without_an_app_id_and_secret_the_link_is_plain(world, schedule, starting, settings):
    settings.RAKOR_JITSI_URL = "https://meet.rakor.go.id"
    settings.RAKOR_JITSI_APP_ID = ""
    settings.RAKOR_JITSI_APP_SECRET = ""
    meeting = schedule(start=starting, end=starting + 90 * MINUTE)
    url = attendance.meeting_join(official=world["andi"], meeting_id=meeting.pk)
    assert "jwt" not in url
    assert url.startswith(f"https://meet.rakor.go.id/{meeting.video_room}#userInfo.displayName=")
