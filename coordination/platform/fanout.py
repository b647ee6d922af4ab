"""Fan-out inside a server process: a group's events reach the process once, and the process
hands each to its own sockets in that group.

A broadcast to a room of a thousand sockets through the channel layer is a thousand layer
messages (on Redis, a thousand pushes, pops and decodings), each woken in its socket's task
and dispatched through channels' consumer machinery; most of a delivery's cost was there
(docs/performance.md). Here the process subscribes once per group, with a channel of its own,
and calls each local member's `fanout_deliver(message)` in turn, in the order the layer
delivered. A member may send at once or hand the event to its socket's own channel (the slow
path: a gap to fill from the database), in order.

The layer going away is retried; once it answers again every group is joined again (a Redis
that restarted forgot them). What was broadcast meanwhile is lost, as it was for a socket's own
groups, and filled from the database by the sockets on their next event or ping.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

from coordination.platform import realtime

logger = logging.getLogger("rakor.ws")

# A subscription older than this is joined again when a member subscribes again (sockets do
# on each re-check, about once a minute): the layer expires memberships (group_expiry), and a
# Redis that restarted without the fan-out's receive noticing has forgotten them.
RENEW_SECONDS = 60


class Member(Protocol):
    async def fanout_deliver(self, message: dict[str, Any]) -> None: ...


class Fanout:
    """The subscriptions of one process (one event loop) to one channel layer's groups."""

    def __init__(self, layer, loop: asyncio.AbstractEventLoop) -> None:
        self.layer = layer
        self.loop = loop
        self.channel: str | None = None
        self.members: dict[str, set[Member]] = {}
        self.joined_at: dict[str, float] = {}
        self.task: asyncio.Task | None = None

    async def subscribe(self, group: str, member: Member) -> None:
        """`member` gets the group's events (idempotent; renews an old subscription)."""
        if self.channel is None:
            # The default prefix, as the sockets' own: channels_redis pulls all of a
            # process's channels of one prefix with one blocking pop, and a second prefix
            # would wait behind the first's timeout.
            self.channel = await self.layer.new_channel()
        self.members.setdefault(group, set()).add(member)
        if time.monotonic() - self.joined_at.get(group, -RENEW_SECONDS) >= RENEW_SECONDS:
            await realtime.layer_call(self.layer.group_add, group, self.channel)
            self.joined_at[group] = time.monotonic()
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._run())

    async def unsubscribe(self, group: str, member: Member) -> None:
        members = self.members.get(group)
        if not members or member not in members:
            return
        members.discard(member)
        if members:
            return
        del self.members[group]
        self.joined_at.pop(group, None)
        try:
            await realtime.layer_call(self.layer.group_discard, group, self.channel, attempts=2)
        except realtime.LayerUnavailable:
            pass  # the group expires by itself (group_expiry)
        if not self.members and self.task is not None:
            task, self.task = self.task, None
            task.cancel()
            # Wait for it to end: a receive left pending would keep the layer's receive lock.
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        failing = False
        while True:
            if failing:
                try:
                    await self._rejoin()
                except realtime.LayerUnavailable:
                    await asyncio.sleep(0.5)
                    continue
                failing = False
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("fan-out: channel layer receive failed", exc_info=True)
                failing = True
                await asyncio.sleep(0.5)
                continue
            for member in list(self.members.get(message.get("group", ""), ())):
                try:
                    await member.fanout_deliver(message)
                except Exception:
                    logger.exception("fan-out: delivery to a socket failed")

    async def _rejoin(self) -> None:
        """After an outage: join every group again (a restarted Redis forgot them);
        LayerUnavailable while the layer is still away."""
        for group in list(self.members):
            await realtime.layer_call(self.layer.group_add, group, self.channel, attempts=2)
            self.joined_at[group] = time.monotonic()
        logger.info("fan-out: channel layer answers again; %d groups joined", len(self.members))


_fanouts: dict[tuple[int, int], Fanout] = {}


def fanout_for(layer) -> Fanout:
    """This event loop's fan-out on `layer` (tests run one loop, and one layer, per test)."""
    loop = asyncio.get_running_loop()
    key = (id(loop), id(layer))
    fanout = _fanouts.get(key)
    if fanout is None or fanout.layer is not layer or fanout.loop is not loop:
        for stale in [k for k, f in _fanouts.items() if f.loop.is_closed()]:
            del _fanouts[stale]
        fanout = _fanouts[key] = Fanout(layer, loop)
    return fanout
