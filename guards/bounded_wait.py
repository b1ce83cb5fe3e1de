"""Wait for a blocking call no longer than the caller can afford, without being able to interrupt it.

Some waits cannot be cut from outside: a new PostgreSQL connection's handshake
is driven by the driver, which enforces libpq's ``connect_timeout`` and never
less than 2 s, and until it returns there is no connection whose socket the
watchdog (``guards/watchdog.py``) could shut down. A request with 300 ms left
must not spend 2 s there. :func:`call_within` runs such a call in a helper
thread and stops *waiting* after ``seconds``; the call itself finishes in the
background within its own timeout, and whatever it produces late is handed
to ``discard`` (a connection nobody asked for any more is closed).

Only for calls bounded by their own timeout: the helper thread lives as long
as the call does, never longer.

Example::

    connection = call_within(0.3, psycopg.connect, conninfo, discard=lambda conn: conn.close())
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

log = logging.getLogger("brickguard.guards.bounded_wait")


class WaitExpired(TimeoutError):
    """The caller stopped waiting; the call goes on in the background and its result will be discarded."""


class _Outcome(Generic[T]):
    """The call's result or error, and whether the caller still wants it (decided once, under a lock)."""

    __slots__ = ("done", "error", "lock", "result", "wanted")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.wanted = True
        self.result: T | None = None
        self.error: BaseException | None = None


def call_within(seconds: float, fn: Callable[[], T], *, discard: Callable[[T], object], name: str = "bounded") -> T:
    """``fn()``'s result if it comes within ``seconds``; else :class:`WaitExpired` and ``discard(result)`` later.

    Exceptions of ``fn`` that arrive in time are raised unchanged.
    """
    outcome: _Outcome[T] = _Outcome()

    def run() -> None:
        try:
            result = fn()
        except BaseException as exc:
            outcome.error = exc
            outcome.done.set()
            return
        with outcome.lock:
            outcome.result = result
            late = not outcome.wanted
            outcome.done.set()
        if late:
            try:
                discard(result)
            except Exception:
                log.warning("discarding a late result failed", exc_info=True)

    threading.Thread(target=run, name=f"{name}-wait", daemon=True).start()
    if not outcome.done.wait(seconds):
        with outcome.lock:
            if not outcome.done.is_set():
                outcome.wanted = False
                raise WaitExpired(f"gave up waiting after {seconds * 1000:.0f} ms")
    if outcome.error is not None:
        raise outcome.error
    return outcome.result  # type: ignore[return-value]
