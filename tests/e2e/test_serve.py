"""The production server entry (`python -m coordination.platform.serve`, daphne with
`BroadcastWebSocketProtocol`) against a real process and a client that frames by hand.

A broadcast's text is framed once for all its sockets and written through at once when
nothing is buffered before it; this proves that what reaches each socket is unchanged: the
same bytes for every recipient, every frame once and in order, including for a socket that
stopped reading while a burst went out (its frames queue behind what the kernel did not take)
and that the others were not held up by it; and that control frames, binary frames and the
closing handshake still work on such a socket.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
import uuid
from pathlib import Path

import pytest
import websockets

from coordination.organisation.services import token_create
from tests.processes import same_stack_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA


class RawSocket:
    """A WebSocket client over a plain TCP socket with a tiny receive buffer, so that the
    server's writes back up as soon as it stops reading."""

    def __init__(self, address: str, token: str) -> None:
        host, port = address.split(":")
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.settimeout(30)
        self.sock.connect((host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            (
                f"GET /ws/ HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n"
            ).encode()
        )
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.recv()
        head, _sep, self.buffer = self.buffer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head

    def recv(self) -> bytes:
        data = self.sock.recv(65536)
        assert data, "the server closed the connection"
        return data

    def send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        if len(payload) < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | len(payload))
        else:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, len(payload))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send_json(self, frame: dict) -> None:
        self.send(TEXT, json.dumps(frame).encode())

    def frame(self) -> tuple[int, bytes]:
        """The next whole frame from the server (servers never mask, never fragment here);
        daphne's keepalive pings are answered and skipped."""
        while True:
            opcode, payload = self.next_frame()
            if opcode != PING:
                return opcode, payload
            self.send(PONG, payload)

    def next_frame(self) -> tuple[int, bytes]:
        while True:
            if len(self.buffer) >= 2:
                first, second = self.buffer[0], self.buffer[1]
                assert first & 0x80, "a fragmented frame"
                assert not second & 0x80, "a masked frame from the server"
                length, start = second & 0x7F, 2
                if length == 126:
                    start = 4
                    length = (
                        struct.unpack("!H", self.buffer[2:4])[0] if len(self.buffer) >= 4 else -1
                    )
                elif length == 127:
                    start = 10
                    length = (
                        struct.unpack("!Q", self.buffer[2:10])[0] if len(self.buffer) >= 10 else -1
                    )
                if length >= 0 and len(self.buffer) >= start + length:
                    payload = self.buffer[start : start + length]
                    self.buffer = self.buffer[start + length :]
                    return first & 0x0F, payload
            self.buffer += self.recv()

    def text(self) -> dict:
        opcode, payload = self.frame()
        assert opcode == TEXT, (opcode, payload)
        return json.loads(payload)

    def reply(self) -> tuple[int, bytes]:
        """The next frame that is not someone's presence (the readers come and go)."""
        while True:
            opcode, payload = self.frame()
            if opcode != TEXT or json.loads(payload)["type"] != "presence":
                return opcode, payload

    def close(self) -> None:
        self.sock.close()


def test_a_stalled_socket_gets_the_same_frames_in_order_and_holds_up_no_one(daphne_server, world):
    room = world["room"].pk
    address = daphne_server(same_stack_env(RAKOR_SEND_RATE_PER_SECOND="100000"))
    [server] = daphne_server.processes
    assert "coordination.platform.serve" in " ".join(server.popen.args)
    writer = token_create(official=world["budi"], name="writer")[1]
    reader = token_create(official=world["sari"], name="reader")[1]
    stalled = RawSocket(address, token_create(official=world["andi"], name="stalled")[1])
    stalled.send_json({"type": "join", "room": room, "ref": 1})
    while (joined := stalled.text())["type"] != "joined":
        pass
    head = joined["head"]
    count, body = 600, "Laporan inflasi daerah minggu ini: " + "stabil, " * 1100
    # More than the kernel can hold for the stalled socket, so that the server must keep the
    # rest, in order, behind what it could not write.
    kernel_most = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    assert count * len(body) > kernel_most * 1.2

    async def burst():
        connect = dict(
            additional_headers={"Authorization": f"Bearer {reader}"},
            ping_interval=None,
            max_queue=None,
        )
        async with (
            websockets.connect(f"ws://{address}/ws/", **connect) as first,
            websockets.connect(f"ws://{address}/ws/", **connect) as second,
            websockets.connect(
                f"ws://{address}/ws/",
                additional_headers={"Authorization": f"Bearer {writer}"},
                ping_interval=None,
            ) as sender,
        ):
            for ws in (first, second):
                await ws.send(json.dumps({"type": "join", "room": room}))
                while json.loads(await ws.recv())["type"] != "joined":
                    pass
            for n in range(count):
                frame = {"type": "send", "room": room, "client_id": str(uuid.uuid4())}
                await sender.send(json.dumps({**frame, "body": f"{n}. {body}"}))
            acks = []
            while len(acks) < count:
                frame = json.loads(await asyncio.wait_for(sender.recv(), 60))
                if frame["type"] == "ack":
                    acks.append(frame["seq"])
            received = []
            for ws in (first, second):
                texts = []
                while len(texts) < count:
                    text = await asyncio.wait_for(ws.recv(), 60)
                    if json.loads(text)["type"] == "message":
                        texts.append(text)
                received.append(texts)
            return acks, received

    # The stalled socket reads nothing while the burst goes out and every reader gets it.
    acks, (first, second) = asyncio.run(burst())
    assert sorted(acks) == acks == list(range(head + 1, head + 1 + count))
    assert first == second
    assert [json.loads(text)["seq"] for text in first] == acks
    assert json.loads(first[7])["body"] == f"7. {body}"

    # Then it reads: every frame once, in order, byte for byte what the others got.
    stalled.sock.settimeout(60)
    texts = []
    while len(texts) < count:
        opcode, payload = stalled.frame()
        assert opcode == TEXT
        if json.loads(payload)["type"] == "message":
            texts.append(payload)
    assert texts == [text.encode() for text in first]

    # The socket still works: control frames, a text frame, a binary frame, the close.
    stalled.send(PING, b"rakor")
    assert stalled.reply() == (PONG, b"rakor")
    stalled.send_json({"type": "ping", "ref": 2})
    opcode, payload = stalled.reply()
    assert opcode == TEXT and json.loads(payload)["type"] == "pong"
    stalled.send(BINARY, b"\x00\x01")
    opcode, payload = stalled.reply()
    assert opcode == TEXT and json.loads(payload)["code"] == "invalid_frame"
    stalled.send(CLOSE, struct.pack("!H", 1000))
    opcode, payload = stalled.reply()
    assert (opcode, payload[:2]) == (CLOSE, struct.pack("!H", 1000))
    stalled.close()
    assert "Traceback" not in server.output()
