"""What the dashboard shows of messaging: unread rooms and directives."""

from __future__ import annotations

from typing import Any

from coordination.organisation.models import Official
from messaging import directives, selectors


def sections(official: Official) -> dict[str, Any]:
    rooms = selectors.rooms_for_official(official)
    unread = [room for room in rooms if room["unread"]]
    names = selectors.direct_room_names(
        official, [room["id"] for room in unread if room["kind"] == "direct"]
    )
    for room in unread:
        if room["kind"] == "direct":
            room["name"] = names.get(room["id"], room["name"])
    return {
        "unread_rooms": unread[:8],
        "unread_total": sum(room["unread"] for room in unread),
        "directives_awaiting": directives.directives_awaiting(official)[:5],
        "directives_overdue": directives.directives_sent(official, overdue_only=True)[:5],
    }
