"""The frame cache of the production server entry (coordination.platform.serve); the server
itself is tested against a real process in tests/e2e/test_serve.py."""

from __future__ import annotations

import struct

from coordination.platform.serve import PreparedFrames


def test_a_text_is_framed_once_per_str_and_the_frame_is_plain_websocket():
    frames = PreparedFrames(kept=2)
    text = '{"type": "message", "body": "Rapat dimulai 09.00 WITA"}'
    first = frames.frame(text)
    assert frames.frame(text) is first
    # An equal text built separately is another broadcast: framed again, to the same bytes.
    again = frames.frame("".join(list(text)))
    assert again is not first and again.payloadHybi == first.payloadHybi
    payload = text.encode()
    assert first.payloadHybi == struct.pack("!BB", 0x81, len(payload)) + payload


def test_the_cache_keeps_only_the_latest_texts():
    frames = PreparedFrames(kept=2)
    texts = [f"pesan {n}" for n in range(3)]
    prepared = [frames.frame(text) for text in texts]
    assert len(frames.entries) == 2
    assert frames.frame(texts[2]) is prepared[2]
    assert frames.frame(texts[0]) is not prepared[0]  # evicted, framed anew
    long = "x" * 70_000
    assert frames.frame(long).payloadHybi[:10] == struct.pack("!BBQ", 0x81, 127, 70_000)
