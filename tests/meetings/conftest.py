from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone


@pytest.fixture
def soon():
    """A start time two days ahead, on the minute."""
    return (timezone.now() + datetime.timedelta(days=2)).replace(second=0, microsecond=0)


@pytest.fixture
def schedule(world, soon):
    """Schedule a meeting as budi (coordinator, Kemendagri) with andi and nurul by name."""
    from meetings import services

    def make(**kwargs):
        fields = {
            "by": world["budi"],
            "title": "Rakor pengendalian inflasi daerah",
            "start": soon,
            "end": soon + datetime.timedelta(hours=1, minutes=30),
            "timezone_name": "Asia/Jakarta",
            "participants": [
                {"username": "andi", "role": "required"},
                {"username": "nurul", "role": "optional"},
            ],
        }
        fields.update(kwargs)
        return services.meeting_create(**fields)[0]

    return make


@pytest.fixture
def api(world):
    """A client per official of `world`, each with its own Bearer token: api("budi")."""
    from coordination.organisation.services import token_create

    clients: dict[str, Client] = {}

    def as_(who: str) -> Client:
        if who not in clients:
            raw = token_create(official=world[who], name="api")[1]
            clients[who] = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return clients[who]

    return as_
