"""GET /healthz: a real database query, channel-layer round trip and cache write."""

from __future__ import annotations

import pytest
from channels.layers import channel_layers

from tests.conftest import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reset_layers():
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def test_healthy_on_this_stack(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == body["channel_layer"] == body["cache"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.needs_redis
def test_healthy_on_redis(client, settings):
    assert "Redis" in settings.CHANNEL_LAYERS["default"]["BACKEND"]
    assert client.get("/healthz").json()["channel_layer"] == "ok"


@pytest.mark.needs_postgres
def test_healthy_on_postgres(client):
    from django.db import connection

    assert connection.vendor == "postgresql"
    assert client.get("/healthz").json()["database"] == "ok"


def test_a_dead_channel_layer_gives_503(client, settings, reset_layers):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["channel_layer"] == "error"
    assert response.json()["database"] == "ok"


def test_a_dead_cache_gives_503(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["cache"] == "error"
