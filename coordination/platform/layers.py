"""The embedded default's channel layer: channels' in-memory layer, with its expiry sweep
run at most once a second instead of on every send and receive.

The sweep walks every channel's queue and every group's members; run on each of the thousand
receives a broadcast to a thousand sockets makes, it was most of the server's time
(docs/performance.md), and delivery grew with the square of the sockets. Messages expire after
`expiry` seconds (60) and group memberships after days: a second's delay changes nothing a
client can see.
"""

from __future__ import annotations

import time

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
