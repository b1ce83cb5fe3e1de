"""API Gateway HTTP API throttling: token buckets from the stack's edge declaration (``stack/edge.py``).

The stage's ``DefaultRouteSettings`` (burst 500, rate 1000/s) and the upload routes' ``RouteSettings``
(burst and rate 100/s) are read from the same constants the CloudFormation stage is written from, so
the local gateway throttles as the deployed one is configured. A route with route-level settings is
throttled by its own bucket instead of the stage's, as route settings override the stage's defaults;
every other request (unmatched ones included) draws from the stage bucket.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from stack import edge


class TokenBucket:
    """``burst`` tokens refilled at ``rate`` per second."""

    def __init__(self, burst: int, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._burst = burst
        self._rate = rate
        self._tokens = float(burst)
        self._clock = clock
        self._last = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class Throttling:
    """The stage bucket and one bucket per route with route-level settings."""

    def __init__(self, stage: TokenBucket, routes: Mapping[str, TokenBucket] | None = None) -> None:
        self._stage = stage
        self._routes = dict(routes or {})

    @classmethod
    def from_edge(cls, clock: Callable[[], float] = time.monotonic) -> Throttling:
        """The stack's declaration: the stage's defaults and the upload routes' tighter limits."""
        return cls(
            TokenBucket(edge.THROTTLE_BURST, edge.THROTTLE_RATE_PER_S, clock),
            {route: TokenBucket(edge.UPLOAD_BURST, edge.UPLOAD_RATE_PER_S, clock) for route in edge.UPLOAD_ROUTES},
        )

    def take(self, route_key: str | None) -> bool:
        """False when the request's bucket is empty (API Gateway's 429)."""
        return self._routes.get(route_key or "", self._stage).take()
