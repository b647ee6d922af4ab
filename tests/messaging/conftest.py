"""Fixtures for messaging: a small cross-agency world with rooms."""

from __future__ import annotations

import pytest

from coordination.models import Role
from messaging import services
from tests.factories import AgencyFactory, OfficialFactory


@pytest.fixture(autouse=True)
def generous_send_rate(settings):
    """Tests send faster than people do; the tests of the limit set their own."""
    settings.RAKOR_SEND_RATE_PER_SECOND = 10_000


@pytest.fixture
def world(db):
    ministry = AgencyFactory(code="kemendagri", name="Kementerian Dalam Negeri")
    sulsel = AgencyFactory(
        code="sulsel", name="Provinsi Sulawesi Selatan", parent=ministry, timezone="Asia/Makassar"
    )
    people = {
        "budi": OfficialFactory(username="budi", agency=ministry, role=Role.COORDINATOR),
        "sari": OfficialFactory(username="sari", agency=ministry),
        "andi": OfficialFactory(username="andi", agency=sulsel, role=Role.COORDINATOR),
        "nurul": OfficialFactory(username="nurul", agency=sulsel),
        "outsider": OfficialFactory(username="outsider", agency=sulsel),
    }
    room = services.room_create_coordination(
        by=people["budi"], name="Rakor inflasi daerah", members=["sari", "andi", "nurul"]
    )
    return {"room": room, "ministry": ministry, "sulsel": sulsel, **people}
