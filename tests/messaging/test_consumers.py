"""The /ws/ handshake (CONTRACT.md's Origin and auth rules) and the base frame handling."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from coordination.asgi import application
from coordination.organisation.services import token_create, token_revoke
from tests.factories import OfficialFactory

pytestmark = pytest.mark.django_db(transaction=True)

SAME_ORIGIN = [(b"host", b"testserver"), (b"origin", b"http://testserver")]


@database_sync_to_async
def make_official():
    return OfficialFactory()


@database_sync_to_async
def session_cookie(official) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(official)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


@database_sync_to_async
def new_token(official) -> str:
    return token_create(official=official, name="socket")[1]


def bearer(raw: str) -> tuple[bytes, bytes]:
    return (b"authorization", f"Bearer {raw}".encode())


async def handshake(headers):
    communicator = WebsocketCommunicator(application, "/ws/", headers=headers)
    connected, _code = await communicator.connect()
    return communicator, connected


async def assert_refused(headers):
    communicator, connected = await handshake(headers)
    assert not connected
    await communicator.disconnect()


async def test_session_from_the_sites_own_origin_is_accepted():
    official = await make_official()
    communicator, connected = await handshake([*SAME_ORIGIN, await session_cookie(official)])
    assert connected
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong", "heads": {}}
    await communicator.disconnect()


async def test_anonymous_handshake_is_refused():
    await assert_refused(SAME_ORIGIN)
    await assert_refused([*SAME_ORIGIN, (b"cookie", b"sessionid=forged")])


async def test_foreign_origin_is_refused_even_when_signed_in():
    official = await make_official()
    cookie = await session_cookie(official)
    raw = await new_token(official)
    for origin in (
        b"http://evil.example",
        b"null",
        b"http://testserver.evil.example",
        b"http://testserver:8443",
        b"ftp://testserver",
    ):
        await assert_refused([(b"host", b"testserver"), (b"origin", origin), cookie])
        await assert_refused([(b"host", b"testserver"), (b"origin", origin), bearer(raw)])


async def test_origin_must_match_the_host_the_client_connected_to():
    official = await make_official()
    cookie = await session_cookie(official)
    await assert_refused([(b"host", b"localhost"), (b"origin", b"http://testserver"), cookie])


async def test_extra_allowed_origins_are_accepted(settings):
    settings.RAKOR_WS_ALLOWED_ORIGINS = ["https://rakor.example.go.id"]
    official = await make_official()
    communicator, connected = await handshake(
        [
            (b"host", b"internal:8000"),
            (b"origin", b"https://rakor.example.go.id"),
            await session_cookie(official),
        ]
    )
    assert connected
    await communicator.disconnect()


async def test_no_origin_is_refused_without_a_token():
    official = await make_official()
    await assert_refused([(b"host", b"testserver"), await session_cookie(official)])
    await assert_refused([(b"host", b"testserver")])


async def test_no_origin_with_a_valid_token_is_accepted():
    official = await make_official()
    communicator, connected = await handshake([bearer(await new_token(official))])
    assert connected
    await communicator.send_json_to({"type": "ping", "ref": "p1"})
    assert await communicator.receive_json_from() == {"type": "pong", "heads": {}, "ref": "p1"}
    await communicator.disconnect()


async def test_wrong_revoked_or_malformed_tokens_are_refused():
    official = await make_official()
    raw = await new_token(official)
    await assert_refused([bearer("rkr_not-a-real-token")])
    await assert_refused([(b"authorization", b"Basic abc")])
    await assert_refused([(b"authorization", b"Bearer ")])
    token_id = await database_sync_to_async(lambda: official.api_tokens.get().pk)()
    await database_sync_to_async(token_revoke)(by=official, token_id=token_id)
    await assert_refused([bearer(raw)])


async def test_a_deactivated_officials_session_is_refused():
    official = await make_official()
    cookie = await session_cookie(official)
    official.is_active = False
    await database_sync_to_async(official.save)()
    await assert_refused([*SAME_ORIGIN, cookie])


@pytest.fixture
async def socket():
    official = await make_official()
    communicator, connected = await handshake([bearer(await new_token(official))])
    assert connected
    yield communicator
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not json", "invalid_json"),
        ('{"type": ', "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        ('"ping"', "invalid_frame"),
        ("{}", "invalid_frame"),
        ('{"type": 7}', "invalid_frame"),
        ('{"type": "teleport"}', "unknown_type"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_survives(socket, text, code):
    await socket.send_to(text_data=text)
    error = await socket.receive_json_from()
    assert error["type"] == "error" and error["code"] == code and error["message"]
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from())["type"] == "pong"


async def test_errors_carry_the_frames_ref(socket):
    await socket.send_json_to({"type": "teleport", "ref": {"n": 1}})
    assert (await socket.receive_json_from())["ref"] == {"n": 1}


async def test_binary_frames_are_refused_with_an_error(socket):
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await socket.receive_json_from())["code"] == "invalid_frame"
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from())["type"] == "pong"


async def test_a_frame_up_to_the_limit_is_answered(socket, settings):
    limit = settings.RAKOR_WS_MAX_FRAME_BYTES
    frame = {"type": "ping", "ref": ""}
    frame["ref"] = "x" * (limit - len(json.dumps(frame)))
    text = json.dumps(frame)
    assert len(text.encode()) == limit
    await socket.send_to(text_data=text)
    assert (await socket.receive_json_from())["type"] == "pong"


async def test_a_frame_over_the_limit_closes_the_socket_with_4009(socket, settings):
    # Multi-byte characters: the limit is in bytes, not characters.
    await socket.send_to(
        text_data=json.dumps({"type": "ping", "ref": "é" * settings.RAKOR_WS_MAX_FRAME_BYTES})
    )
    error = await socket.receive_json_from()
    assert error["code"] == "too_large"
    assert await socket.receive_output() == {"type": "websocket.close", "code": 4009}


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000, '{"type": "ping", "ref": NaN}', '{"type": "ping", "ref": Infinity}'],
)
async def test_hostile_json_gets_invalid_json_and_the_socket_survives(socket, text):
    await socket.send_to(text_data=text)
    assert (await socket.receive_json_from())["code"] == "invalid_json"
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from())["type"] == "pong"


async def test_other_socket_paths_are_refused_cleanly():
    official = await make_official()
    raw = await new_token(official)
    for path in ("/ws", "/nope/", "/ws/extra"):
        communicator = WebsocketCommunicator(application, path, headers=[bearer(raw)])
        connected, code = await communicator.connect()
        assert not connected and code == 4404
        await communicator.disconnect()


async def assert_closed_for_revocation(communicator):
    assert await communicator.receive_output(5) == {"type": "websocket.close", "code": 4401}
    await communicator.disconnect()


async def test_revoking_a_token_closes_its_sockets_only():
    from django.contrib.auth import get_user_model

    official = await make_official()
    first, second = await new_token(official), await new_token(official)
    by_first, _ = await handshake([bearer(first)])
    by_second, _ = await handshake([bearer(second)])
    tokens = await database_sync_to_async(
        lambda: list(get_user_model().objects.get(pk=official.pk).api_tokens.order_by("pk"))
    )()
    await database_sync_to_async(token_revoke)(by=official, token_id=tokens[0].pk)
    await assert_closed_for_revocation(by_first)
    assert await by_second.receive_nothing(0.2)
    await by_second.send_json_to({"type": "ping"})
    assert (await by_second.receive_json_from())["type"] == "pong"
    await by_second.disconnect()


async def test_deactivating_an_official_closes_all_their_sockets():
    from coordination.organisation.services import official_apply_access

    official = await make_official()
    by_token, _ = await handshake([bearer(await new_token(official))])
    by_session, _ = await handshake([*SAME_ORIGIN, await session_cookie(official)])
    official.is_active = False
    await database_sync_to_async(official.save)()
    await database_sync_to_async(official_apply_access)(official=official)
    await assert_closed_for_revocation(by_token)
    await assert_closed_for_revocation(by_session)


async def test_signing_out_closes_that_sessions_sockets():
    official = await make_official()
    browser = Client()
    await database_sync_to_async(browser.force_login)(official)
    cookie = (b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())
    other_session, _ = await handshake([*SAME_ORIGIN, await session_cookie(official)])
    this_session, connected = await handshake([*SAME_ORIGIN, cookie])
    assert connected
    await database_sync_to_async(browser.post)("/accounts/logout/")
    await assert_closed_for_revocation(this_session)
    assert await other_session.receive_nothing(0.2)
    await other_session.disconnect()


async def test_a_password_change_closes_session_sockets_but_not_token_ones():
    from tests.factories import TEST_PASSWORD

    official = await make_official()
    browser = Client()
    await database_sync_to_async(browser.force_login)(official)
    cookie = (b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())
    by_session, _ = await handshake([*SAME_ORIGIN, cookie])
    by_token, _ = await handshake([bearer(await new_token(official))])
    response = await database_sync_to_async(browser.post)(
        "/accounts/password/change/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "a-new-long-passphrase",
            "new_password2": "a-new-long-passphrase",
        },
    )
    assert response.status_code == 302
    await assert_closed_for_revocation(by_session)
    assert await by_token.receive_nothing(0.2)
    await by_token.disconnect()


async def test_a_revocation_the_layer_dropped_is_caught_on_a_later_frame(monkeypatch):
    from coordination.organisation import socket_auth as ws_auth
    from coordination.organisation.models import ApiToken

    official = await make_official()
    communicator, _ = await handshake([bearer(await new_token(official))])
    # Revoked behind the layer's back: no broadcast reaches the socket.
    await database_sync_to_async(
        lambda: ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    )()
    await communicator.send_json_to({"type": "ping"})
    assert (await communicator.receive_json_from())["type"] == "pong"  # within the minute
    monkeypatch.setattr(ws_auth, "RECHECK_SECONDS", -1)
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_output(5) == {"type": "websocket.close", "code": 4401}
    await communicator.disconnect()


async def test_a_still_valid_session_passes_the_recheck(monkeypatch):
    from coordination.organisation import socket_auth as ws_auth

    official = await make_official()
    communicator, _ = await handshake([*SAME_ORIGIN, await session_cookie(official)])
    monkeypatch.setattr(ws_auth, "RECHECK_SECONDS", -1)
    for _ in range(2):
        await communicator.send_json_to({"type": "ping"})
        assert (await communicator.receive_json_from())["type"] == "pong"
    await database_sync_to_async(official.set_password)("changed-password-123")
    await database_sync_to_async(official.save)()
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_output(5) == {"type": "websocket.close", "code": 4401}
    await communicator.disconnect()


async def test_a_session_that_owes_its_second_factor_cannot_open_the_socket():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from coordination.organisation import second_factor
    from tests.coordination.test_second_factor import code_for

    official = await make_official()
    device = await database_sync_to_async(TOTPDevice.objects.create)(
        user=official, name="Rakor", confirmed=True
    )
    browser = Client()
    await database_sync_to_async(browser.force_login)(official)
    cookie = (b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())
    await assert_refused([*SAME_ORIGIN, cookie])
    # Tokens are not affected.
    communicator, connected = await handshake([bearer(await new_token(official))])
    assert connected
    await communicator.disconnect()
    response = await database_sync_to_async(browser.post)(
        "/accounts/verify/", {"code": code_for(device)}
    )
    assert response.status_code == 302
    communicator, connected = await handshake([*SAME_ORIGIN, cookie])
    assert connected
    await communicator.disconnect()
    assert await database_sync_to_async(second_factor.enrolled)(official)


async def test_a_role_that_requires_a_second_factor_keeps_unenrolled_sessions_out():
    from coordination.organisation import second_factor
    from coordination.organisation.models import Role

    official = await make_official()
    admin = await database_sync_to_async(OfficialFactory)(role=Role.ADMINISTRATOR)
    cookie = await session_cookie(official)
    communicator, connected = await handshake([*SAME_ORIGIN, cookie])
    assert connected
    await communicator.disconnect()
    await database_sync_to_async(second_factor.policy_set)(
        role=official.role, required=True, by=admin
    )
    await assert_refused([*SAME_ORIGIN, cookie])


async def test_a_signed_in_officials_refused_handshake_is_audited():
    from coordination.organisation.models import AuditEntry

    official = await make_official()
    cookie = await session_cookie(official)
    await assert_refused([(b"host", b"testserver"), (b"origin", b"http://evil.example"), cookie])
    entry = await database_sync_to_async(
        lambda: AuditEntry.objects.filter(event="permission_denied").get()
    )()
    assert entry.actor_id == official.pk and "origin" in entry.details["action"]
    await assert_refused([(b"host", b"testserver")])  # nobody in particular: not audited
    count = await database_sync_to_async(
        AuditEntry.objects.filter(event="permission_denied").count
    )()
    assert count == 1
