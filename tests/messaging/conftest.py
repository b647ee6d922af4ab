"""Fixtures for messaging (the `world` of officials and a room is in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def generous_send_rate(settings):
    """Tests send faster than people do; the tests of the limit set their own."""
    settings.RAKOR_SEND_RATE_PER_SECOND = 10_000
