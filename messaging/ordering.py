"""The per-socket ordering guarantee (CONTRACT.md), as a small pure object the consumer keeps.

For each room a socket has a cursor: the seq of the last room event it sent. The cursor starts
at the first live event the socket gets, and `join` resets it to `after`. A live event then
is either the next one (send it), one already sent (drop it), or ahead of the next one: the
events in between were dropped by the channel layer and are read from the database first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Verdict(Enum):
    SEND = "send"
    DROP = "drop"
    FILL_THEN_SEND = "fill"


@dataclass
class Cursors:
    sent: dict[int, int] = field(default_factory=dict)

    def reset(self, room: int, after: int) -> None:
        self.sent[room] = after

    def forget(self, room: int) -> None:
        self.sent.pop(room, None)

    def get(self, room: int) -> int | None:
        return self.sent.get(room)

    def judge(self, room: int, seq: int) -> Verdict:
        cursor = self.sent.get(room)
        if cursor is None or seq == cursor + 1:
            return Verdict.SEND
        if seq <= cursor:
            return Verdict.DROP
        return Verdict.FILL_THEN_SEND

    def advance(self, room: int, seq: int) -> None:
        """Record that the event `seq` of `room` was sent."""
        cursor = self.sent.get(room)
        if cursor is None or seq > cursor:
            self.sent[room] = seq
