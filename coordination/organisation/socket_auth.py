"""WebSocket handshake authentication and the Origin rule (CONTRACT.md, "Handshake").

* ``Authorization: Bearer <token>``: the token must be valid (unrevoked, active official).
* otherwise the session cookie must name a signed-in official.
* A handshake carrying an Origin must come from an allowed origin: the page's own origin
  (Origin equal to the Host the client connected to, that host being in ALLOWED_HOSTS) or one
  listed in RAKOR_WS_ALLOWED_ORIGINS. Browsers always send Origin, so a foreign page cannot
  borrow a signed-in official's cookie.
* A handshake without Origin is accepted only with a valid Bearer token: it comes from a
  program, not from a browser.

A refused handshake is closed before it is accepted (daphne answers HTTP 403).
"""

from __future__ import annotations

import logging
from importlib import import_module
from urllib.parse import urlsplit

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.sessions import CookieMiddleware
from django.conf import settings
from django.http.request import split_domain_port, validate_host

from coordination.organisation.permissions import permission_denied
from coordination.organisation.services import token_lookup

logger = logging.getLogger("rakor.ws")


def origin_allowed(origin: str, host: str | None) -> bool:
    if origin in settings.RAKOR_WS_ALLOWED_ORIGINS:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc or host is None:
        return False
    if parts.netloc.lower() != host.lower():
        return False
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


class HandshakeRefused(AsyncWebsocketConsumer):
    """Answers a refused handshake by closing it before acceptance."""

    async def connect(self) -> None:
        await self.close(code=4403)


class HandshakeAuthMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        credentials, reason = await self.authenticate(scope)
        if credentials is None:
            logger.info("websocket handshake refused: %s (path %s)", reason, scope.get("path"))
            await self.audit_refusal(scope, reason)
            return await HandshakeRefused.as_asgi()(scope, receive, send)
        return await self.inner({**scope, **credentials}, receive, send)

    async def audit_refusal(self, scope, reason: str) -> None:
        """A refusal of a signed-in official (a foreign page borrowing their cookie, a session
        without its second factor) is a permission denial for the audit log; refusals of
        nobody in particular are only logged."""
        if "session" not in scope or _header(scope, b"authorization") is not None:
            return
        official = await get_user(scope)
        if official.is_authenticated:
            await database_sync_to_async(permission_denied)(
                official=official, action=f"open a socket ({reason})"
            )

    async def authenticate(self, scope) -> tuple[dict | None, str]:
        """The scope entries of an accepted handshake (`user`, `auth_method`, and `token_id`
        or `session_key`, so that revoking those credentials closes the socket), or None and
        the reason for refusing it."""
        origin = _header(scope, b"origin")
        authorization = _header(scope, b"authorization")
        if origin is not None and not origin_allowed(origin, _header(scope, b"host")):
            return None, f"origin {origin!r} not allowed"
        if authorization is not None:
            scheme, _sep, raw = authorization.partition(" ")
            if scheme.lower() != "bearer" or not raw.strip():
                return None, "malformed Authorization header"
            token = await database_sync_to_async(token_lookup)(raw.strip())
            if token is None:
                return None, "invalid or revoked token"
            return {"user": token.official, "auth_method": "token", "token_id": token.pk}, ""
        if origin is None:
            return None, "no Origin and no token"
        official = await get_user(scope)
        if not official.is_authenticated:
            return None, "not signed in"
        if not await _second_factor_ok(official, scope["session"]):
            return None, "second factor not confirmed in this session"
        session_key = scope["session"].session_key
        return {"user": official, "auth_method": "session", "session_key": session_key}, ""


# How long an open socket trusts its credentials before looking at them again. Revocation
# closes sockets at once through the channel layer; this re-check catches a revocation whose
# broadcast the layer dropped.
RECHECK_SECONDS = 60


async def still_authorised(scope: dict) -> bool:
    """Whether the credentials that opened a socket still hold: the token unrevoked, or the
    session still signed in (same password), and the official still active."""
    official = scope.get("user")
    if scope.get("auth_method") == "token":
        return await database_sync_to_async(_token_still_valid)(scope.get("token_id"), official)
    if scope.get("auth_method") == "session" and scope.get("session_key"):
        store = import_module(settings.SESSION_ENGINE).SessionStore(scope["session_key"])
        current = await get_user({"session": store})
        return (
            current.is_authenticated
            and current.pk == getattr(official, "pk", None)
            and await _second_factor_ok(current, store)
        )
    return False


@database_sync_to_async
def _second_factor_ok(official, session) -> bool:
    from coordination.organisation.second_factor import State, session_state

    return session_state(official, session) == State.OK


def _token_still_valid(token_id: int | None, official) -> bool:
    from coordination.organisation.models import ApiToken

    return ApiToken.objects.filter(
        pk=token_id, revoked_at__isnull=True, official__is_active=True, official=official
    ).exists()


class SocketSessionMiddleware:
    """The session named by the socket's cookie in its scope, as channels' SessionMiddleware
    puts it there, but without wrapping `send`. That wrapper saves a modified session when an
    HTTP response starts, which a socket never sends; it looks at the session on every frame
    sent all the same, and a broadcast sends one frame per socket."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if "session" not in scope:
            store = import_module(settings.SESSION_ENGINE).SessionStore
            key = scope["cookies"].get(settings.SESSION_COOKIE_NAME)
            scope = {**scope, "session": store(key)}
        return await self.inner(scope, receive, send)


def HandshakeAuthMiddlewareStack(inner):  # noqa: N802 (named like channels' AuthMiddlewareStack)
    return CookieMiddleware(SocketSessionMiddleware(HandshakeAuthMiddleware(inner)))
