"""The ASGI application: HTTP through Django, WebSocket /ws/ through Channels.

In the embedded default the worker's jobs run inside this process (coordination.worker):
under daphne they start with the server; under a server speaking the ASGI lifespan protocol
they start on `lifespan.startup`; failing both, on the first connection.
"""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from coordination import worker  # noqa: E402
from coordination.ws_auth import HandshakeAuthMiddlewareStack  # noqa: E402
from messaging.routing import websocket_urlpatterns  # noqa: E402

router = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": HandshakeAuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)


class RakorApplication:
    """The router, plus the in-process jobs of the embedded default."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.lifespan(receive, send)
        worker.start_embedded()
        return await self.inner(scope, receive, send)

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
    """Daphne speaks no lifespan protocol; schedule the start on its reactor's loop."""
    reactor = sys.modules.get("twisted.internet.reactor")
    if reactor is None or "daphne.server" not in sys.modules:
        return
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
