"""Rate limits kept in the cache (Redis in production, so every process shares them).

A sliding window, approximated from two fixed windows (the current one counted exactly, the
previous one weighted by how much of it still falls inside the window), so that a burst
across a window boundary cannot pass twice the limit. Counting uses the cache's atomic
increment; no lock is needed.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def allow(scope: str, subject: str, *, limit: int, window_seconds: int) -> bool:
    """Count one event of `subject` under `scope`; False (and the event not counted) once the
    events of the last `window_seconds` would pass `limit`."""
    digest = hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    now = time.time()
    window = int(now // window_seconds)
    elapsed = (now % window_seconds) / window_seconds
    current_key = f"rl:{scope}:{digest}:{window}"
    previous = cache.get(f"rl:{scope}:{digest}:{window - 1}", 0)
    cache.add(current_key, 0, timeout=2 * window_seconds + 1)
    try:
        current = cache.incr(current_key)
    except ValueError:  # expired between add and incr
        cache.set(current_key, 1, timeout=2 * window_seconds + 1)
        current = 1
    if current + previous * (1 - elapsed) > limit:
        cache.decr(current_key)
        return False
    return True
