"""Abandon a blocking call from outside once its time is up.

A paused server (``SIGSTOP``) enforces nothing: no ``statement_timeout``
fires and TCP keepalives never do, so a thread blocked on the socket waits
forever. The client must end the wait itself. One daemon thread per process
keeps a heap of alarms; when an alarm comes due it runs its callback (for
PostgreSQL: shut the connection's socket down, which wakes the blocked read
with an error). A thread, not a ``SIGALRM``, because the calls to bound run in
the server's worker threads.

:meth:`Alarm.cancel` and the callback exclude each other, so once ``cancel``
returns the callback has either finished or will never run: a connection
handed back to the pool is never shut down by a stale alarm.

Example::

    alarm = WATCHDOG.arm(0.5, lambda: sock.shutdown(socket.SHUT_RDWR))
    try:
        cursor.execute(query)
    finally:
        alarm.cancel()
    if alarm.fired: ...  # the call was abandoned; discard the connection
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("brickguard.guards.watchdog")


class Alarm:
    """One armed callback; ``fired`` tells whether it ran."""

    __slots__ = ("_callback", "_lock", "cancelled", "due", "fired")

    def __init__(self, due: float, callback: Callable[[], None]) -> None:
        self.due = due
        self._callback = callback
        self._lock = threading.Lock()
        self.cancelled = False
        self.fired = False

    def cancel(self) -> None:
        """Disarm; waits for a callback already running to finish."""
        with self._lock:
            self.cancelled = True

    def _fire(self) -> None:
        with self._lock:
            if self.cancelled:
                return
            self.fired = True
            try:
                self._callback()
            except Exception:
                log.exception("watchdog callback failed")


class Watchdog:
    """Runs alarms' callbacks when they come due, on one lazily started daemon thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._heap: list[tuple[float, int, Alarm]] = []
        self._order = itertools.count()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, callback: Callable[[], None]) -> Alarm:
        """Run ``callback`` in ``seconds`` unless the returned alarm is cancelled first."""
        alarm = Alarm(self._clock() + seconds, callback)
        with self._condition:
            heapq.heappush(self._heap, (alarm.due, next(self._order), alarm))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="brickguard-watchdog", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is alarm:
                self._condition.notify()
        return alarm

    def _run(self) -> None:
        while True:
            with self._condition:
                while self._heap and self._heap[0][2].cancelled:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._condition.wait()
                    continue
                wait = self._heap[0][0] - self._clock()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                _, _, alarm = heapq.heappop(self._heap)
            alarm._fire()


WATCHDOG = Watchdog()
"""The process's watchdog (one thread however many clients use it)."""
