"""@mentions: of an official by username (@budi), or of a whole agency by its code (@jabar).

Only members of the room are mentioned: a mention never widens who sees a message. An agency
mention names that agency's officials among the room's members.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q

from coordination.organisation.models import Agency, Official
from messaging.models import Membership

# @ followed by a username or an agency code, not inside a word or an e-mail address.
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9._+-]{0,149})")


def mentioned_names(body: str) -> set[str]:
    """The names after @ in a text (trailing dots of a sentence are not part of them)."""
    return {match.rstrip(".") for match in MENTION.findall(body)}


@dataclass(frozen=True)
class Resolved:
    officials: dict[int, int | None]  # official id -> agency id when mentioned through it
    usernames: list[str]
    agency_codes: list[str]


def resolve(room_id: int, author: Official, body: str) -> Resolved:
    """Who a body mentions among the room's members (the author excepted). Two queries."""
    names = mentioned_names(body)
    if not names:
        return Resolved({}, [], [])
    lowered = {name.lower() for name in names}
    agencies = {a.pk: a.code for a in Agency.objects.filter(code__in=lowered)}
    members = (
        Membership.objects.filter(room_id=room_id)
        .filter(Q(official__username__in=names) | Q(official__agency_id__in=agencies))
        .exclude(official_id=author.pk)
        .select_related("official")
    )
    officials: dict[int, int | None] = {}
    usernames: set[str] = set()
    codes: set[str] = set()
    for membership in members:
        official = membership.official
        if official.username in names:
            officials[official.pk] = None
            usernames.add(official.username)
        elif official.agency_id in agencies:
            officials.setdefault(official.pk, official.agency_id)
            codes.add(agencies[official.agency_id])
    return Resolved(officials, sorted(usernames), sorted(codes))
