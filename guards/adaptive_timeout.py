"""A call timeout that follows the dependency's observed latency instead of a fixed constant.

A fixed timeout is either too long (a hung search engine costs every request
in flight the whole timeout before the breaker opens) or too short (a slower
cluster falls back on good days). Here the timeout is ``multiplier`` times the
p99 of the last ``samples`` successful calls, clamped to ``[floor, ceiling]``;
until ``warmup`` calls have been seen it is the ceiling. Callers still cut it
to the request's remaining time (:func:`guards.deadline.call_timeout`).

Example::

    timeouts = AdaptiveTimeout(floor=0.05, ceiling=0.5)
    started = time.perf_counter()
    client.search(..., request_timeout=deadline.call_timeout(timeouts.current()))
    timeouts.record(time.perf_counter() - started)
"""

from __future__ import annotations

import math
from collections import deque

RECOMPUTE_EVERY = 16
"""Calls between two p99 computations (sorting the window on every call would cost more than it tells)."""


class AdaptiveTimeout:
    """``clamp(multiplier * p99(recent successful calls), floor, ceiling)``; thread-safe enough (see record)."""

    def __init__(
        self, *, floor: float, ceiling: float, multiplier: float = 3.0, samples: int = 256, warmup: int = 20
    ) -> None:
        if not 0 < floor <= ceiling:
            raise ValueError(f"need 0 < floor <= ceiling, got floor={floor}, ceiling={ceiling}")
        if multiplier < 1 or samples < 1 or warmup < 1:
            raise ValueError("multiplier must be >= 1, samples and warmup >= 1")
        self.floor = floor
        self.ceiling = ceiling
        self._multiplier = multiplier
        self._warmup = warmup
        self._recent: deque[float] = deque(maxlen=samples)
        self._seen = 0
        self._current = ceiling

    def record(self, seconds: float) -> None:
        """Add one successful call's duration (deque appends are atomic; a lost count only delays a recompute)."""
        self._recent.append(seconds)
        self._seen += 1
        if self._seen >= self._warmup and self._seen % RECOMPUTE_EVERY == 0:
            ordered = sorted(self._recent)
            p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]
            self._current = min(self.ceiling, max(self.floor, self._multiplier * p99))

    def current(self) -> float:
        """The timeout for the next call, in seconds."""
        return self._current
