"""Rate limits kept in the cache (Redis in production, so every process shares them)."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def allow(scope: str, subject: str, *, limit: int, window_seconds: int) -> bool:
    """Count one event of `subject` under `scope`; False once more than `limit` events fell
    in the current window of `window_seconds` (a fixed window)."""
    digest = hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    key = f"rl:{scope}:{digest}:{int(time.time() // window_seconds)}"
    cache.add(key, 0, timeout=window_seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds + 1)
        count = 1
    return count <= limit
