"""The embedded default's channel layer: channels' in-memory layer, with its expiry sweep
run at most once a second instead of on every send and receive, and a group message put in
its members' queues at once, copied once, instead of by a task and a deep copy for each.

The sweep walks every channel's queue and every group's members; run on each of the thousand
receives a broadcast to a thousand sockets makes, it was most of the server's time
(docs/performance.md), and delivery grew with the square of the sockets. Messages expire after
`expiry` seconds (60) and group memberships after days: a second's delay changes nothing a
client can see.
"""

from __future__ import annotations

import asyncio
import time
from copy import deepcopy

from channels.layers import InMemoryChannelLayer

SWEEP_SECONDS = 1.0


class SweptInMemoryChannelLayer(InMemoryChannelLayer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._swept_at = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._swept_at < SWEEP_SECONDS:
            return
        self._swept_at = now
        super()._clean_expired()

    async def group_send(self, group: str, message: dict) -> None:
        """As channels' own, but one copy for every member (the socket's handlers treat an
        event as read-only) and no task per member: a broadcast to a thousand sockets made a
        thousand tasks and a thousand deep copies. A full channel misses the message, as with
        channels' layer and Redis."""
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        members = list(self.groups.get(group, ()))
        if not members:
            return
        item = (time.time() + self.expiry, deepcopy(message))
        for channel in members:
            queue = self.channels.get(channel)
            if queue is None:
                queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
            try:
                queue.put_nowait(item)
            except asyncio.QueueFull:
                pass
