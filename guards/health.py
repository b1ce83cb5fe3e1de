"""Dependency health probes: concurrent, tightly bounded, and cached.

A load balancer or Route53 checking ``/health`` every few seconds from many
places must not turn into a stampede on a struggling dependency, and a hung
dependency must not hang the health check. Each probe runs in a worker thread
with a hard timeout; the combined result is reused for ``ttl`` seconds.

Until a probe has answered once in this process it gets ``first_timeout``
instead: a fresh Lambda environment's first check imports the client and opens
its first connection, which takes longer than a round trip on an open one and
is no sign of an outage (a cold ``/health`` used to answer 503 for that alone).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

HEALTHY, UNHEALTHY, NOT_CONFIGURED = "healthy", "unhealthy", "not_configured"  # DESIGN.md's words
DEFAULT_PROBE_TIMEOUT_S = 0.5
DEFAULT_FIRST_PROBE_TIMEOUT_S = 2.0  # a first connection: the PostgreSQL connect timeout
DEFAULT_TTL_S = 3.0

Probe = Callable[[], None]  # returns when healthy, raises when not


class HealthProbe:
    """Runs named probes (``None`` = not configured) and caches the verdicts."""

    def __init__(
        self,
        probes: Mapping[str, Probe | None],
        *,
        timeout: float = DEFAULT_PROBE_TIMEOUT_S,
        first_timeout: float = DEFAULT_FIRST_PROBE_TIMEOUT_S,
        ttl: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._probes = dict(probes)
        self._timeout = timeout
        self._first_timeout = max(first_timeout, timeout)
        self._answered: set[str] = set()
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[float, dict[str, str]] | None = None
        # Hung probes keep their worker busy; a few spare workers keep later probes running.
        self._pool = ThreadPoolExecutor(max_workers=2 * max(1, len(self._probes)), thread_name_prefix="health")

    def status(self) -> dict[str, str]:
        """``{name: healthy|unhealthy|not_configured}``, at most ``ttl`` seconds old."""
        with self._lock:
            now = self._clock()
            if self._cached is not None and now - self._cached[0] < self._ttl:
                return dict(self._cached[1])
            verdicts = self._run_all()
            self._cached = (self._clock(), verdicts)
            return dict(verdicts)

    def invalidate(self) -> None:
        """Forget the cached verdicts (after a recovery, say)."""
        with self._lock:
            self._cached = None

    def _run_all(self) -> dict[str, str]:
        futures = {
            name: self._pool.submit(probe) for name, probe in self._probes.items() if probe is not None
        }
        started = self._clock()
        verdicts = {name: NOT_CONFIGURED for name, probe in self._probes.items() if probe is None}
        for name, future in futures.items():
            limit = self._timeout if name in self._answered else self._first_timeout
            try:
                future.result(timeout=max(0.0, started + limit - self._clock()))
                verdicts[name] = HEALTHY
                self._answered.add(name)
            except (FutureTimeout, Exception):
                verdicts[name] = UNHEALTHY
        return verdicts
