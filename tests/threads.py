"""The suite's one thread harness: code run in threads the way concurrent requests, sockets
and workers run it, each thread with its own database connections (closed when it ends), and
whatever a thread raised raised again in the test, never lost in the thread.

- `run_together(fn, *args_list)`: one thread per argument tuple (or `times=n` threads of
  `fn()`), all released at once behind a barrier; returns their results in order.
- `in_background(fn, *args, **kwargs)`: one thread running while the test goes on (a writer
  while a socket reads, a worker while another one ticks); `join()` waits for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections


def _close_connections() -> None:
    """A thread's connections are its own: close them before it ends (a connection left
    open keeps a transaction=True test's database from being flushed or dropped)."""
    connections.close_all()


def run_together(
    fn: Callable[..., Any],
    *args_list: Sequence[Any],
    times: int | None = None,
    timeout: float = 60.0,
) -> list[Any]:
    """Call `fn(*args)` for each tuple of `args_list` (or `fn()` `times` times), each call in
    its own thread, all of them starting at the same moment (a barrier). Waits for every
    thread, `timeout` seconds at most in all; fails if one is still running then. The first
    exception a thread raised is raised here (the others are noted on it); otherwise the
    results, in the order of `args_list`."""
    if times is not None:
        if args_list:
            raise TypeError("give either argument tuples or times=, not both")
        args_list = tuple(() for _ in range(times))
    if not args_list:
        raise TypeError("nothing to run: give argument tuples or times=")
    count = len(args_list)
    barrier = threading.Barrier(count, timeout=timeout)
    results: list[Any] = [None] * count
    errors: list[tuple[int, BaseException]] = []

    def run(index: int, args: Sequence[Any]) -> None:
        try:
            barrier.wait()
            results[index] = fn(*args)
        except BaseException as exc:  # re-raised in the test below
            errors.append((index, exc))
        finally:
            _close_connections()

    threads = [
        threading.Thread(target=run, args=(index, args), name=f"together-{index}", daemon=True)
        for index, args in enumerate(args_list)
    ]
    for thread in threads:
        thread.start()
    _join_all(threads, timeout)
    if errors:
        errors.sort(key=lambda pair: pair[0])
        index, first = errors[0]
        first.add_note(f"raised in thread {index} of {count} (run_together)")
        for other_index, other in errors[1:]:
            first.add_note(f"thread {other_index} raised too: {other!r}")
        raise first
    return results


def _join_all(threads: list[threading.Thread], timeout: float) -> None:
    import time

    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    running = [thread.name for thread in threads if thread.is_alive()]
    if running:
        raise AssertionError(f"threads still running after {timeout}s: {', '.join(running)}")


class Background:
    """A call running in a thread of its own (see `in_background`)."""

    def __init__(self, fn: Callable[..., Any], args: Sequence[Any], kwargs: dict[str, Any]):
        self.done = threading.Event()  # set when the call returned or raised
        self.result: Any = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(fn, args, kwargs), name="background", daemon=True
        )

    def _run(self, fn, args, kwargs) -> None:
        try:
            self.result = fn(*args, **kwargs)
        except BaseException as exc:  # re-raised by join() and check()
            self.error = exc
        finally:
            _close_connections()
            self.done.set()

    def start(self) -> Background:
        self._thread.start()
        return self

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def check(self) -> None:
        """Raise what the call raised, if it has raised already."""
        if self.error is not None:
            self.error.add_note("raised in a background thread (in_background)")
            error, self.error = self.error, None
            raise error

    def join(self, timeout: float = 60.0) -> Any:
        """Wait for the call (`timeout` seconds at most: fails if it still runs); raise what
        it raised, or return its result."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError(f"the background thread still runs after {timeout}s")
        self.check()
        return self.result


def in_background(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Background:
    """Start `fn(*args, **kwargs)` in a thread of its own and return at once; the thread
    closes its database connections when the call ends. `join()` it before the test ends."""
    return Background(fn, args, kwargs).start()
