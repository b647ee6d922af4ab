"""Meetings' frames on the one socket (docs/protocol.md): subscribe and unsubscribe to a
meeting's live events, and the `meeting.event` layer events (meeting_updated, rsvp_updated)
it forwards. Whoever may view a meeting may follow it (docs/permissions.md)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from coordination.organisation.socket import SocketModule, event, frame
from coordination.platform import cleaners
from coordination.platform.errors import DomainError, RateLimited
from meetings import events, selectors

MAX_MEETING_SUBSCRIPTIONS = 50


class MeetingsSocket(SocketModule):
    async def connected(self) -> None:
        self.meetings: set[int] = set()  # meetings this socket subscribed to

    @frame("subscribe")
    async def subscribe(self, content: dict[str, Any]) -> None:
        """Follow a meeting the official may see: its answers (rsvp_updated) and changes
        (meeting_updated) arrive live."""
        meeting_id = cleaners.clean_id(content.get("meeting"), "meeting")
        if meeting_id not in self.meetings and len(self.meetings) >= MAX_MEETING_SUBSCRIPTIONS:
            raise RateLimited(
                f"A socket follows at most {MAX_MEETING_SUBSCRIPTIONS} meetings; unsubscribe first."
            )
        meeting = await database_sync_to_async(selectors.meeting_get_visible)(
            self.official, meeting_id
        )
        await self.socket.group_add(events.meeting_group(meeting_id))
        self.meetings.add(meeting_id)
        tally = await database_sync_to_async(events.tally)(meeting_id)
        await self.socket.reply(
            content,
            {
                "type": "subscribed",
                "meeting": meeting_id,
                "sequence": meeting.sequence,
                "status": meeting.status,
                "tally": tally,
            },
        )

    @frame("unsubscribe")
    async def unsubscribe(self, content: dict[str, Any]) -> None:
        meeting_id = cleaners.clean_id(content.get("meeting"), "meeting")
        if meeting_id in self.meetings:
            self.meetings.discard(meeting_id)
            await self.socket.group_discard(events.meeting_group(meeting_id))
        await self.socket.reply(content, {"type": "unsubscribed", "meeting": meeting_id})

    @event("meeting.event")
    async def meeting_event(self, message: dict[str, Any]) -> None:
        """meeting_updated and rsvp_updated (meetings.events). A frame reaching this socket
        both as a participant's and as a subscriber's is sent once; a subscriber who may no
        longer see the meeting is unsubscribed."""
        meeting_id = message["meeting"]
        if message.get("via") == "official" and meeting_id in self.meetings:
            return
        if message.get("via") == "meeting" and message["frame"]["type"] == "meeting_updated":
            try:
                await database_sync_to_async(selectors.meeting_get_visible)(
                    self.official, meeting_id
                )
            except DomainError:
                self.meetings.discard(meeting_id)
                await self.socket.group_discard(events.meeting_group(meeting_id))
                await self.socket.send_json({"type": "unsubscribed", "meeting": meeting_id})
                return
        await self.socket.send_json(message["frame"])
