"""The ASGI application: HTTP through Django, WebSocket /ws/ through Channels.

In the embedded default the worker's jobs run inside this process (coordination.platform.worker):
under daphne they start with the server; under a server speaking the ASGI lifespan protocol
they start on `lifespan.startup`; failing both, on the first connection.
"""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from coordination.organisation.socket_auth import HandshakeAuthMiddlewareStack  # noqa: E402
from coordination.platform import worker  # noqa: E402
from coordination.wiring.socket import websocket_urlpatterns  # noqa: E402

router = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": HandshakeAuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)


class RakorApplication:
    """The router, plus the in-process jobs of the embedded default, plus a limit on request
    bodies enforced before Django reads them (Django would spool any size to disk)."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.lifespan(receive, send)
        worker.start_embedded()
        if scope["type"] == "http":
            return await self.limited(scope, receive, send)
        return await self.inner(scope, receive, send)

    async def limited(self, scope, receive, send):
        from django.conf import settings

        limit = settings.RAKOR_MAX_REQUEST_BYTES
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return await self.too_large(send, limit)
        seen = 0
        exceeded = started = False

        async def counted():
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # a body without Content-Length: stop reading it
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def watched(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.inner(scope, counted, watched)
        if exceeded and not started:
            # The application stopped at the "disconnect"; the client is still there.
            await self.too_large(send, limit)

    @staticmethod
    async def too_large(send, limit: int) -> None:
        body = (
            b'{"code": "too_large", "message": "The request is larger than '
            + str(limit // (1024 * 1024)).encode()
            + b' MB."}'
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                worker.start_embedded()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await worker.stop_embedded()
                await send({"type": "lifespan.shutdown.complete"})
                return


application = RakorApplication(router)


def _start_with_daphne() -> None:
    """Daphne speaks no lifespan protocol; schedule the start on its reactor's loop.

    Also: Twisted, under daphne, parses every multipart POST body into `request.args`, which
    daphne never reads. That doubles the memory of each upload and answers a malformed body
    with a bare 400 of its own, before Rakor can answer in the API's error shape. Daphne's
    requests are told not to (Twisted's `parsePOSTFormSubmission`); Django parses the body.
    """
    reactor = sys.modules.get("twisted.internet.reactor")
    if reactor is None or "daphne.server" not in sys.modules:
        return
    from daphne.http_protocol import WebRequest

    if not getattr(WebRequest, "_rakor_no_form_parsing", False):
        original_init = WebRequest.__init__

        def init(self, *args, **kwargs):
            kwargs.setdefault("parsePOSTFormSubmission", False)
            original_init(self, *args, **kwargs)

        WebRequest.__init__ = init
        WebRequest._rakor_no_form_parsing = True
    from twisted.internet.asyncioreactor import AsyncioSelectorReactor

    if isinstance(reactor, AsyncioSelectorReactor):
        import asyncio

        from twisted.internet import defer

        reactor.callLater(0, worker.start_embedded)
        # On SIGTERM, let the job in progress finish before the loop stops.
        reactor.addSystemEventTrigger(
            "before",
            "shutdown",
            lambda: defer.Deferred.fromFuture(asyncio.ensure_future(worker.stop_embedded())),
        )


_start_with_daphne()
