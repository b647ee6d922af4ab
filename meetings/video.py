"""Video meeting providers: create a room, give a participant the URL to join it, end it; and
the join window, when a meeting's room may be entered.

Invitations and pages never carry a provider's link: they carry Rakor's join page
(/meetings/<id>/join), which checks the participant and the window, records the click and
only then redirects to `provider.join_url(meeting, official)`. Room names are unguessable,
so the room cannot be found without Rakor. With RAKOR_JITSI_APP_ID and
RAKOR_JITSI_APP_SECRET set, that URL carries a JWT of the participant's own for Jitsi's token
authentication, signed at that moment and valid for minutes: it is never stored, mailed or
logged, and a Jitsi server that requires tokens lets nobody in without Rakor.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any, Protocol
from urllib.parse import quote

import jwt
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coordination.organisation.models import Official
from coordination.organisation.timefmt import format_in_zone
from coordination.platform.errors import Conflict, DomainError
from meetings.models import Meeting, Participant

# Clocks of Rakor and the Jitsi server may differ by a little: the token is valid from a
# minute before it is signed.
CLOCK_SKEW = datetime.timedelta(minutes=1)


class VideoProvider(Protocol):
    """What the meetings app asks of a video service; PROVIDERS maps Meeting.video to one.

    `join_url` is called only after Rakor has checked the participant and the join window
    (selectors.join_refusal), on each join, so it is the place to mint per-participant
    credentials; it may return an absolute URL elsewhere (Jitsi) or a path of Rakor's own.
    A built-in provider (Meeting.Video "rakor", video inside Rakor's pages) plugs in the same
    way: `create_room` names a room Rakor keeps, `join_url` returns the path of Rakor's own
    video page for the meeting (which then needs no token: the signed-in session is the
    credential), `end` closes the room for everyone, and `is_moderator` below decides who
    may mute or remove others there too.
    """

    def create_room(self) -> str:
        """A new room name (stored as Meeting.video_room)."""

    def join_url(self, meeting: Meeting, official: Official) -> str:
        """Where a participant goes to join, after Rakor has checked them."""

    def end(self, meeting: Meeting) -> None:
        """The meeting is over or cancelled: the room is no longer handed out."""


def is_moderator(meeting: Meeting, official: Official) -> bool:
    """The organiser and the meeting's chairs moderate its video room (mute, remove, lobby).
    Reads the meeting's participants as prefetched (selectors.meetings_for_viewer)."""
    if official.pk == meeting.organiser_id:
        return True
    return any(
        p.official_id == official.pk and p.role == Participant.Role.CHAIR
        for p in meeting.participants.all()
    )


# --- the join window -----------------------------------------------------------------------


def join_opens_at(start: datetime.datetime) -> datetime.datetime:
    """When the room of a meeting (or an occurrence) starting at `start` opens."""
    return start - datetime.timedelta(minutes=settings.RAKOR_VIDEO_JOIN_EARLY_MINUTES)


def join_window_refusal(
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
    zone: str,
) -> DomainError | None:
    """Why the room of a meeting (or one occurrence of a series) from `start` to `end` cannot
    be entered at `now`, or None: it opens RAKOR_VIDEO_JOIN_EARLY_MINUTES before `start` and
    closes at `end`. The message names the time in `zone` (the official's) and the active
    language; `current` carries the instant as ISO 8601 for API callers. Pure: no queries."""
    opens = join_opens_at(start)
    if now < opens:
        minutes = settings.RAKOR_VIDEO_JOIN_EARLY_MINUTES
        return Conflict(
            ngettext(
                "The video room opens at %(time)s, %(minutes)d minute before the start. "
                "Come back then.",
                "The video room opens at %(time)s, %(minutes)d minutes before the start. "
                "Come back then.",
                minutes,
            )
            % {"time": format_in_zone(opens, zone), "minutes": minutes},
            code="not_open_yet",
            current={"opens_at": opens.isoformat()},
        )
    if now >= end:
        return Conflict(
            _("This meeting ended at %(time)s; its video room is closed.")
            % {"time": format_in_zone(end, zone)},
            code="ended",
            current={"ended_at": end.isoformat()},
        )
    return None


# --- Jitsi ---------------------------------------------------------------------------------


def jitsi_token_enabled() -> bool:
    return bool(settings.RAKOR_JITSI_APP_ID and settings.RAKOR_JITSI_APP_SECRET)


def jitsi_claims(meeting: Meeting, official: Official, *, now: datetime.datetime) -> dict[str, Any]:
    """The claims Jitsi's token authentication (prosody `authentication = "token"`,
    mod_token_verification) checks and reads: `iss` its app_id, `aud` one of its
    asap_accepted_audiences, `room` the one room this token opens (`sub` "*": any of the
    server's domains, the room alone pins it), `nbf`/`exp` its short validity; `context.user`
    names the participant, and `moderator` (top level, and in `context.user` with the
    `affiliation` that token_affiliation reads) is true for the organiser and chairs."""
    moderator = is_moderator(meeting, official)
    user: dict[str, Any] = {
        "id": official.username,
        "name": official.display_name,
        "moderator": moderator,
        "affiliation": "owner" if moderator else "member",
    }
    if official.email:
        user["email"] = official.email
    return {
        "aud": settings.RAKOR_JITSI_JWT_AUDIENCE,
        "iss": settings.RAKOR_JITSI_APP_ID,
        "sub": "*",
        "room": meeting.video_room,
        "iat": int(now.timestamp()),
        "nbf": int((now - CLOCK_SKEW).timestamp()),
        "exp": int(
            (now + datetime.timedelta(minutes=settings.RAKOR_JITSI_JWT_MINUTES)).timestamp()
        ),
        "moderator": moderator,
        "context": {
            "user": user,
            # Only moderators record or transcribe; nobody streams a government meeting out.
            "features": {
                "screen-sharing": True,
                "recording": moderator,
                "transcription": moderator,
                "livestreaming": False,
                "outbound-call": False,
                "sip-outbound-call": False,
            },
        },
    }


def jitsi_token(meeting: Meeting, official: Official, *, now: datetime.datetime) -> str:
    """The participant's JWT (HS256 with RAKOR_JITSI_APP_SECRET). Never store or log it."""
    return jwt.encode(
        jitsi_claims(meeting, official, now=now),
        settings.RAKOR_JITSI_APP_SECRET,
        algorithm="HS256",
    )


class Jitsi:
    """Jitsi Meet at RAKOR_JITSI_URL (a self-hosted server in production), with token
    authentication when RAKOR_JITSI_APP_ID and RAKOR_JITSI_APP_SECRET are set."""

    def create_room(self) -> str:
        return f"rakor-{secrets.token_urlsafe(18)}"

    def join_url(self, meeting: Meeting, official: Official) -> str:
        url = f"{settings.RAKOR_JITSI_URL}/{quote(meeting.video_room, safe='')}"
        if jitsi_token_enabled():
            url += f"?jwt={jitsi_token(meeting, official, now=timezone.now())}"
        name = quote(official.display_name, safe="")
        # The fragment is read by Jitsi's web client only; it never reaches a server log.
        # With a token, Jitsi shows the token's name instead.
        return f'{url}#userInfo.displayName="{name}"'

    def end(self, meeting: Meeting) -> None:
        # Nothing to call: a Jitsi room ends when its last participant leaves, Rakor stops
        # handing out the link (the join page refuses cancelled and ended meetings), and
        # tokens already handed out expire within RAKOR_JITSI_JWT_MINUTES.
        return None


class NoVideo:
    def create_room(self) -> str:
        return ""

    def join_url(self, meeting: Meeting, official: Official) -> str:
        raise LookupError("this meeting has no video room")

    def end(self, meeting: Meeting) -> None:
        return None


PROVIDERS: dict[str, VideoProvider] = {
    Meeting.Video.JITSI: Jitsi(),
    Meeting.Video.NONE: NoVideo(),
}


def provider(video: str) -> VideoProvider:
    return PROVIDERS[video]
