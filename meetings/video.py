"""Video meeting providers: create a room, give a participant the URL to join it, end it.

Invitations and pages never carry a provider's link: they carry Rakor's join page
(/meetings/<id>/join), which checks the participant, records the click and only then
redirects here. Room names are unguessable, so the room cannot be found without Rakor.
The recurrence issue adds Jitsi JWT, moderator rights and the join window.
"""

from __future__ import annotations

import secrets
from typing import Protocol
from urllib.parse import quote

from django.conf import settings

from coordination.organisation.models import Official
from meetings.models import Meeting


class VideoProvider(Protocol):
    def create_room(self) -> str:
        """A new room name (stored as Meeting.video_room)."""

    def join_url(self, meeting: Meeting, official: Official) -> str:
        """Where a participant goes to join, after Rakor has checked them."""

    def end(self, meeting: Meeting) -> None:
        """The meeting is over or cancelled: the room is no longer handed out."""


class Jitsi:
    """Jitsi Meet at RAKOR_JITSI_URL (a self-hosted server in production)."""

    def create_room(self) -> str:
        return f"rakor-{secrets.token_urlsafe(18)}"

    def join_url(self, meeting: Meeting, official: Official) -> str:
        name = quote(official.display_name, safe="")
        # The fragment is read by Jitsi's web client only; it never reaches a server log.
        return (
            f"{settings.RAKOR_JITSI_URL}/{quote(meeting.video_room, safe='')}"
            f'#userInfo.displayName="{name}"'
        )

    def end(self, meeting: Meeting) -> None:
        # Without a JWT-enabled server there is nothing to call: a Jitsi room ends when its
        # last participant leaves, and Rakor stops handing out the link (join page refuses
        # cancelled meetings).
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
