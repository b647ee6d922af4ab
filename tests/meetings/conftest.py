from __future__ import annotations

import datetime

import pytest
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
