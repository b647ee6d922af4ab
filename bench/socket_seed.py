"""Officials, rooms and tokens for the delivery benchmark (bench/sockets.py), in the database
the environment names; prints them as JSON.

    python bench/socket_seed.py CLIENTS ROOMS PER_ROOM

CLIENTS officials (bench0001...) each with an API token, all in one coordination room
("all"), and ROOMS coordination rooms of PER_ROOM of them each; the sender (budi, a demo
official) is in every room and has a token too. Officials, memberships and tokens are bulk
inserted (no one is connected while this runs, so no membership event is missed).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(clients: int, room_count: int, per_room: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    from coordination.organisation.models import ApiToken, Official
    from coordination.organisation.services import TOKEN_PREFIX, token_create, token_digest
    from messaging.models import Membership, Room

    sender = Official.objects.get(username="budi")
    agency = sender.agency
    password = make_password(None)
    Official.objects.bulk_create(
        [
            Official(
                username=f"bench{n:04d}",
                first_name="Bench",
                last_name=f"{n:04d}",
                agency=agency,
                password=password,
                language="id",
            )
            for n in range(1, clients + 1)
        ]
    )
    officials = list(Official.objects.filter(username__startswith="bench").order_by("username"))
    raws = [TOKEN_PREFIX + secrets.token_urlsafe(32) for _ in officials]
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                official=o,
                name="bench",
                prefix=raw[: len(TOKEN_PREFIX) + 6],
                digest=token_digest(raw),
            )
            for o, raw in zip(officials, raws, strict=True)
        ]
    )

    def room(name: str, members: list) -> int:
        created = Room.objects.create(kind=Room.Kind.COORDINATION, name=name, created_by=sender)
        Membership.objects.bulk_create(
            [Membership(room=created, official=o) for o in [sender, *members]]
        )
        return created.pk

    everyone = room("Bench: all", officials)
    groups = [
        room(f"Bench {k + 1}", officials[k * per_room : (k + 1) * per_room])
        for k in range(room_count)
    ]
    _token, sender_raw = token_create(official=sender, name="bench sender")
    print(json.dumps({"sender": sender_raw, "all": everyone, "rooms": groups, "tokens": raws}))


if __name__ == "__main__":
    main(*map(int, sys.argv[1:4]))
