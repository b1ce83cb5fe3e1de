"""A per-process, per-dependency cap on retries: at most 10 % of calls over a sliding window.

Retries multiply load exactly when a dependency is struggling: with 3 attempts
per call a full outage triples the traffic. The budget (after Finagle's
``RetryBudget``) lets retries absorb occasional blips but not become a storm.
A floor of ``min_retries`` per window lets a cold process — no calls yet, so
10 % of nothing — still retry its first connection.

Example::

    budget = RetryBudget()            # one per dependency, shared by the whole process
    budget.record_call()              # every logical call (first attempts only)
    if budget.try_spend(): ...        # before each retry
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from guards.sliding_window import SlidingWindow

_CALLS, _RETRIES = 0, 1


class RetryBudget:
    """Allows ``max(min_retries, ratio * calls)`` retries per sliding window. Thread-safe."""

    def __init__(
        self,
        *,
        ratio: float = 0.1,
        min_retries: int = 3,
        window_seconds: float = 10.0,
        buckets: int = 10,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 <= ratio <= 1:
            raise ValueError(f"ratio must be in [0, 1], got {ratio}")
        if min_retries < 0:
            raise ValueError(f"min_retries must not be negative, got {min_retries}")
        self.ratio = ratio
        self.min_retries = min_retries
        self._clock = clock
        self._lock = threading.Lock()
        self._window = SlidingWindow(window_seconds, buckets, 2)

    def record_call(self) -> None:
        """Count one logical call (its first attempt); each earns ``ratio`` of a retry."""
        with self._lock:
            self._window.current(self._clock())[_CALLS] += 1

    def try_spend(self) -> bool:
        """Take one retry from the budget; False (and nothing taken) when it is spent."""
        with self._lock:
            now = self._clock()
            calls, retries = self._window.totals(now)
            if retries >= self._allowed(calls):
                return False
            self._window.current(now)[_RETRIES] += 1
            return True

    def snapshot(self) -> dict[str, Any]:
        """Calls, retries and the current allowance in the window, for status output."""
        with self._lock:
            calls, retries = self._window.totals(self._clock())
        return {
            "calls": calls,
            "retries": retries,
            "allowed": self._allowed(calls),
            "window_seconds": self._window.seconds,
        }

    def _allowed(self, calls: int) -> int:
        return max(self.min_retries, int(self.ratio * calls))
