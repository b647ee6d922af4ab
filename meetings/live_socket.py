"""The live meeting's frames on the one socket (docs/protocol.md): the `meeting.live` layer
events (agenda_item, agenda_item_removed, agenda_order, agenda_proposal, meeting_mode,
speakers, attendance) forwarded as they are, and the `agenda` and `meeting_state` frames that
read a meeting's whole agenda and live state (on opening the page, after a reconnect). The
events reach sockets subscribed to the meeting (meetings.socket's `subscribe`, which checks
who may see it) and, for proposals, the officials they concern."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone

from coordination.organisation.socket import SocketModule, event, frame
from coordination.platform import cleaners
from meetings import events, selectors


class LiveMeetingSocket(SocketModule):
    @frame("agenda")
    async def agenda(self, content: dict[str, Any]) -> None:
        """The agenda of a meeting the official may see, as GET .../agenda answers."""
        meeting_id = cleaners.clean_id(content.get("meeting"), "meeting")
        agenda = await database_sync_to_async(selectors.agenda_get_visible)(
            self.official, meeting_id
        )
        await self.socket.reply(content, {"type": "agenda"} | agenda)

    @frame("meeting_state")
    async def meeting_state(self, content: dict[str, Any]) -> None:
        """The meeting mode, the speakers' queue and the attendance of a meeting the official
        may see, with what they may do, as GET .../live answers."""
        meeting_id = cleaners.clean_id(content.get("meeting"), "meeting")
        state = await database_sync_to_async(selectors.live_state_visible)(
            self.official, meeting_id, now=timezone.now()
        )
        await self.socket.reply(content, {"type": "meeting_state"} | state)

    @event(events.MEETING_LIVE)
    async def live(self, message: dict[str, Any]) -> None:
        await self.socket.send_json(message["frame"])
