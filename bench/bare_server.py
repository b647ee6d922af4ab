"""The Python limit on this machine: a bare `websockets` broadcast server speaking the part of
Rakor's socket protocol the delivery benchmark uses, with nothing behind it (no database, no
channel layer, no authentication).

    python bench/bare_server.py PORT

`join` answers `joined` and adds the socket to the room; `send` takes the room's next seq,
answers `ack` and broadcasts a `message` frame shaped like Rakor's, serialised once per
broadcast (websockets.broadcast). Compression is off, as in daphne. Plain asyncio, no uvloop:
the event loop daphne runs on.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import sys
from collections import defaultdict

import websockets
from websockets.asyncio.server import broadcast, serve

rooms: dict[int, set] = defaultdict(set)
seqs: dict[int, int] = defaultdict(int)


async def healthz(connection, request):
    if request.path == "/healthz":
        return connection.respond(200, "ok\n")
    return None


async def handle(ws) -> None:
    joined: set[int] = set()
    try:
        async for text in ws:
            frame = json.loads(text)
            kind = frame.get("type")
            room = frame.get("room")
            if kind == "join":
                rooms[room].add(ws)
                joined.add(room)
                await ws.send(json.dumps({"type": "joined", "room": room, "head": seqs[room]}))
            elif kind == "send":
                seqs[room] += 1
                seq = seqs[room]
                message = {
                    "type": "message",
                    "room": room,
                    "seq": seq,
                    "id": seq,
                    "author": {"username": "bench", "name": "Bench sender"},
                    "body": frame["body"],
                    "html": f"<p>{frame['body']}</p>",
                    "client_id": frame["client_id"],
                    "reply_to": None,
                    "attachments": [],
                    "mentions": {"usernames": [], "agencies": []},
                    "directive": None,
                    "sent_at": datetime.datetime.now(datetime.UTC).isoformat(),
                    "edited_at": None,
                    "deleted": False,
                }
                broadcast(rooms[room], json.dumps(message))
                await ws.send(
                    json.dumps(
                        {
                            "type": "ack",
                            "ref": frame.get("ref"),
                            "client_id": frame["client_id"],
                            "room": room,
                            "seq": seq,
                            "id": seq,
                        }
                    )
                )
            elif kind == "ping":
                await ws.send(json.dumps({"type": "pong", "ref": frame.get("ref")}))
    except websockets.ConnectionClosed:
        pass
    finally:
        for room in joined:
            rooms[room].discard(ws)


async def main(port: int) -> None:
    async with serve(
        handle,
        "127.0.0.1",
        port,
        compression=None,
        process_request=healthz,
        max_queue=None,
        ping_interval=None,
    ):
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
