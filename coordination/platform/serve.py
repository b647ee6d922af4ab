"""daphne, with a cheaper way to send a text frame: what `make run` and the deployment start.

    python -m coordination.platform.serve -b 127.0.0.1 -p 8000 coordination.asgi:application

takes daphne's own command-line options and runs daphne's own server; only its WebSocket
protocol differs (`BroadcastWebSocketProtocol`), in two ways that keep what goes on the wire
byte for byte the same:

- A text frame is framed once for all its recipients. The fan-out hands the same `str` to
  every socket of a room (`coordination.platform.realtime.frame_text`), so the frame built
  for the first one (autobahn's `PreparedMessage`) is reused for the next ones, looked up by
  identity in a small cache, instead of autobahn framing it again per socket.
- A frame is written to the socket at once when nothing is waiting before it. Twisted's
  `transport.write` only buffers and asks the event loop to write on its next turn, which
  costs two epoll registrations and a turn of the loop per frame and per socket; here the
  frame is sent with the transport's own `writeSomeData`, and whatever the kernel did not
  take is left to `transport.write`, which sends it in order before anything later. A frame
  is never written around data still buffered, so order is kept.

On SQLite the process also keeps the database's write-ahead log open
(coordination.platform.sqlite_wal). Everything else (handshake, close, ping, limits, the HTTP
side) is daphne's. The behaviour
is tested against a real process (tests/e2e/test_serve.py; the frame cache in
tests/coordination/platform/test_serve.py); the speed is measured
in `make bench` (docs/performance.md).
"""

from __future__ import annotations

import sys

from autobahn.websocket.protocol import PreparedMessage
from daphne.cli import CommandLineInterface
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import tcp

from coordination.platform import sqlite_wal

# How many recently framed texts are kept: a fan-out sends one text to all its sockets
# before the next, so a handful covers broadcasts to several rooms interleaving.
PREPARED_KEPT = 8


class PreparedFrames:
    """Frames of recently sent texts, by the identity of the `str` (each entry keeps its
    text alive, so an id is never reused while it is here)."""

    def __init__(self, kept: int = PREPARED_KEPT) -> None:
        self.kept = kept
        self.entries: dict[int, tuple[str, PreparedMessage]] = {}

    def frame(self, text: str) -> PreparedMessage:
        entry = self.entries.get(id(text))
        if entry is not None and entry[0] is text:
            return entry[1]
        prepared = PreparedMessage(
            text.encode("utf8"), isBinary=False, applyMask=False, doNotCompress=True
        )
        if len(self.entries) >= self.kept:
            del self.entries[next(iter(self.entries))]
        self.entries[id(text)] = (text, prepared)
        return prepared


prepared_frames = PreparedFrames()


class BroadcastWebSocketProtocol(WebSocketProtocol):
    """daphne's WebSocket protocol, framing a text once for all its recipients and writing a
    frame through at once when nothing is buffered before it."""

    def serverSend(self, content, binary=False):  # noqa: N802 (autobahn's name)
        if binary or self.state != self.STATE_OPEN or self._perMessageCompress is not None:
            return super().serverSend(content, binary)
        self.trafficStats.outgoingWebSocketMessages += 1
        self.sendPreparedMessage(prepared_frames.frame(content))

    def sendData(self, data, sync=False, chopsize=None):  # noqa: N802 (autobahn's name)
        transport = self.transport
        if (
            sync
            or chopsize
            or self.send_queue
            or self.logOctets
            or not isinstance(transport, tcp.Connection)
            or not transport.connected
            or transport.disconnecting
            or transport._writeDisconnected
            or transport._tempDataBuffer
            or len(transport.dataBuffer) > transport.offset
        ):
            return super().sendData(data, sync, chopsize)
        sent = transport.writeSomeData(data)
        if isinstance(sent, BaseException):
            # The connection is gone: Twisted finds out on its own write and closes it.
            return transport.write(data)
        if sent < len(data):
            transport.write(data[sent:])
        if self.state == self.STATE_OPEN:
            self.trafficStats.outgoingOctetsWireLevel += len(data)
        else:
            self.trafficStats.preopenOutgoingOctetsWireLevel += len(data)


class BroadcastServer(Server):
    """daphne's server with `BroadcastWebSocketProtocol` for its WebSocket connections."""

    protocol_class = BroadcastWebSocketProtocol

    @property
    def ws_factory(self):
        return self._ws_factory

    @ws_factory.setter
    def ws_factory(self, factory) -> None:
        # daphne's `run` makes the factory and starts the reactor in one go; its protocol
        # class is set here, as the factory is handed over.
        factory.protocol = self.protocol_class
        self._ws_factory = factory


class BroadcastCommandLine(CommandLineInterface):
    server_class = BroadcastServer


if __name__ == "__main__":
    sqlite_wal.hold_open()
    BroadcastCommandLine().run(sys.argv[1:])
