"""Both modes' settings, each read in a fresh process from the environment alone."""

from __future__ import annotations

import os
import stat

import pytest

from tests.processes import clean_env, manage, probe_json, probe_settings

SECRET = "s3cret-" + "k" * 60
PRODUCTION = {
    "RAKOR_ENV": "production",
    "SECRET_KEY": SECRET,
    "ALLOWED_HOSTS": "rakor.example.go.id",
    "DATABASE_URL": "postgres://rakor:pw@db.internal:5432/rakor",
    "REDIS_URL": "redis://redis.internal:6379/0",
}


@pytest.fixture
def var_dir(tmp_path):
    return tmp_path / "var"


def test_embedded_default(var_dir):
    env = clean_env(RAKOR_VAR_DIR=str(var_dir))
    values = probe_json(
        "{'debug': settings.DEBUG, 'db': settings.DATABASES['default'],"
        " 'layer': settings.CHANNEL_LAYERS['default']['BACKEND'],"
        " 'cache': settings.CACHES['default']['BACKEND'],"
        " 'inprocess': settings.RAKOR_INPROCESS_JOBS, 'tz': settings.TIME_ZONE,"
        " 'site': settings.RAKOR_SITE_URL,"
        " 'use_tz': settings.USE_TZ, 'key': settings.SECRET_KEY,"
        " 'journal': connection.cursor().execute('PRAGMA journal_mode').fetchone()[0],"
        " 'busy': connection.cursor().execute('PRAGMA busy_timeout').fetchone()[0]}",
        env,
    )
    # Rakor's own error pages, not Django's debug page (DEBUG=1 turns it on).
    assert values["debug"] is False
    assert values["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["db"]["NAME"] == str(var_dir / "rakor.sqlite3")
    assert values["db"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert values["db"]["CONN_MAX_AGE"] == 0
    assert values["journal"] == "wal"
    assert values["busy"] >= 5000
    assert values["layer"] == "coordination.platform.layers.SweptInMemoryChannelLayer"
    assert values["cache"].endswith("LocMemCache")
    assert values["inprocess"] is True
    assert values["site"] == "http://127.0.0.1:8000"
    assert (values["tz"], values["use_tz"]) == ("Asia/Jakarta", True)

    key_file = var_dir / "secret_key"
    assert key_file.read_text() == values["key"] and len(values["key"]) >= 50
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    # Generated once, kept: the next process signs with the same key.
    again = probe_json("settings.SECRET_KEY", env)
    assert again == values["key"]


def test_redis_url_switches_layer_and_cache(var_dir):
    env = clean_env(RAKOR_VAR_DIR=str(var_dir), REDIS_URL="redis://127.0.0.1:6399/3")
    values = probe_json(
        "{'layer': settings.CHANNEL_LAYERS['default'], 'cache': settings.CACHES['default'],"
        " 'inprocess': settings.RAKOR_INPROCESS_JOBS}",
        env,
    )
    assert values["layer"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    [host] = values["layer"]["CONFIG"]["hosts"]
    assert host["address"] == "redis://127.0.0.1:6399/3"
    assert values["cache"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert values["cache"]["LOCATION"] == "redis://127.0.0.1:6399/3"
    assert values["inprocess"] is False


def test_postgres_uses_the_psycopg_pool(var_dir):
    env = clean_env(RAKOR_VAR_DIR=str(var_dir), DATABASE_URL="postgres://u:p@db:5432/rakor")
    db = probe_json("settings.DATABASES['default']", env)
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["OPTIONS"]["pool"]["max_size"] >= db["OPTIONS"]["pool"]["min_size"] >= 1
    assert db["CONN_MAX_AGE"] == 0


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_its_variables(missing):
    env = clean_env(**{k: v for k, v in PRODUCTION.items() if k != missing})
    result = probe_settings("settings.DEBUG", env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and missing in result.stderr
    others = set(PRODUCTION) - {missing, "RAKOR_ENV"}
    assert not any(
        f" {name}" in result.stderr.split("needs these environment variables:")[-1]
        for name in others
    )


def test_production_check_deploy_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=clean_env(**PRODUCTION))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stderr


def test_production_security_settings():
    values = probe_json(
        "{k: getattr(settings, k, None) for k in ['DEBUG', 'SESSION_COOKIE_SECURE',"
        " 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS',"
        " 'SECURE_PROXY_SSL_HEADER', 'ALLOWED_HOSTS', 'RAKOR_INPROCESS_JOBS']}",
        clean_env(**PRODUCTION),
    )
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_PROXY_SSL_HEADER": None,
        "ALLOWED_HOSTS": ["rakor.example.go.id"],
        "RAKOR_INPROCESS_JOBS": False,
    }


def test_production_behind_a_tls_proxy():
    env = clean_env(**PRODUCTION, RAKOR_BEHIND_TLS_PROXY="1", SECURE_SSL_REDIRECT="0")
    values = probe_json("[settings.SECURE_PROXY_SSL_HEADER, settings.SECURE_SSL_REDIRECT]", env)
    assert values == [["HTTP_X_FORWARDED_PROTO", "https"], False]


def test_production_has_no_fallback_secret(var_dir):
    env = clean_env(**{**PRODUCTION, "SECRET_KEY": ""}, RAKOR_VAR_DIR=str(var_dir))
    assert probe_settings("settings.SECRET_KEY", env).returncode != 0
    assert not (var_dir / "secret_key").exists()


def test_unknown_mode_is_refused():
    result = probe_settings("settings.DEBUG", clean_env(RAKOR_ENV="staging"))
    assert result.returncode != 0 and "RAKOR_ENV" in result.stderr


def test_production_static_files_are_hashed_and_so_are_the_modules_they_import(tmp_path):
    """collectstatic as a deployment runs it: each page module's imports name the hashed
    files, so a browser never mixes a new page script with a cached old module."""
    import re

    root = tmp_path / "static"
    result = manage(
        "collectstatic", "--noinput", env=clean_env(**PRODUCTION, STATIC_ROOT=str(root))
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = __import__("json").loads((root / "staticfiles.json").read_text())["paths"]
    meetings = (root / manifest["js/meetings.js"]).read_text()
    imported = re.findall(r'from "([^"]+)"', meetings)
    assert imported and all(re.search(r"\.[0-9a-f]{12}\.js$", name) for name in imported)
    assert (root / manifest["js/lib/picker.js"]).with_suffix(".js.gz").exists()


def test_redis_connections_wait_longer_than_the_layers_blocking_pop(var_dir):
    """What the channel layer and the cache really build their connections with: a read may
    wait well past the layer's BZPOPMIN (a busy event loop reads the answer late), else the
    client gives up first and the socket closes with 1011. Read from the pools themselves,
    without a Redis to connect to."""
    env = clean_env(RAKOR_VAR_DIR=str(var_dir), REDIS_URL="redis://127.0.0.1:6399/3")
    values = probe_json(
        "(lambda layer, cache: {"
        " 'brpop': layer.brpop_timeout,"
        " 'layer': {k: getattr(layer.create_pool(0).make_connection(), k)"
        "           for k in ('socket_timeout', 'socket_connect_timeout')},"
        " 'cache': {k: getattr(cache._cache._get_connection_pool(True).make_connection(), k)"
        "           for k in ('socket_timeout', 'socket_connect_timeout')}})"
        "(__import__('channels.layers').layers.get_channel_layer(),"
        " __import__('django.core.cache').core.cache.caches['default'])",
        env,
    )
    assert values["layer"]["socket_timeout"] > 2 * values["brpop"], values
    assert values["cache"]["socket_timeout"] > values["brpop"], values
    for pool in ("layer", "cache"):
        assert 0 < values[pool]["socket_connect_timeout"] <= 10, values


def test_jitsi_tokens_need_both_the_app_id_and_the_secret_from_the_environment(var_dir):
    both = clean_env(
        RAKOR_VAR_DIR=str(var_dir), RAKOR_JITSI_APP_ID="rakor", RAKOR_JITSI_APP_SECRET=SECRET
    )
    values = probe_json(
        "{'id': settings.RAKOR_JITSI_APP_ID, 'secret': settings.RAKOR_JITSI_APP_SECRET,"
        " 'minutes': settings.RAKOR_JITSI_JWT_MINUTES,"
        " 'early': settings.RAKOR_VIDEO_JOIN_EARLY_MINUTES}",
        both,
    )
    assert values == {"id": "rakor", "secret": SECRET, "minutes": 10, "early": 15}
    for half in ({"RAKOR_JITSI_APP_ID": "rakor"}, {"RAKOR_JITSI_APP_SECRET": SECRET}):
        result = probe_settings("settings.DEBUG", clean_env(RAKOR_VAR_DIR=str(var_dir), **half))
        assert result.returncode != 0 and "RAKOR_JITSI_APP_SECRET together" in result.stderr
