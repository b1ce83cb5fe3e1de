"""The process's breakers, one per dependency, with their defaults and operator pins.

Built once by the composition root and handed to the dependency clients, so the
cache, search and repositories of one process share one breaker per
dependency. Configuration arrives as plain values (``guards`` never reads
``runtime.config``): per-dependency :class:`BreakerConfig` and the parsed
``BRICKGUARD_BREAKER_FORCE`` pins, e.g. ``{"redis": "open"}``.

Why these defaults: ``docs/guards.md``.

Example::

    registry = BreakerRegistry(DEFAULT_CONFIGS, settings.breaker_overrides)
    registry["redis"].call(client.get, key)
    registry.force("redis", "open")     # brickguard breaker open redis
    registry.snapshot()                 # brickguard breaker status
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from guards.breaker import (
    FORCED_STATES,
    STATE_CLOSED,
    STATE_OPEN,
    Breaker,
    BreakerConfig,
    Clock,
    StateListener,
)
from runtime.telemetry import catalogue

DEFAULT_CONFIGS: Mapping[str, BreakerConfig] = MappingProxyType(
    {
        # Every breaker opens when half the calls of its window (at least 5) fail or are slow: BreakerConfig's
        # defaults. They differ in the window, in what counts as slow, and in how soon they probe again.
        # Source of truth, no fallback: open only on a clear outage, probe again soon.
        catalogue.POSTGRES: BreakerConfig(window_seconds=30.0, slow_call_seconds=2.0, reset_timeout=5.0),
        # Cache with a PostgreSQL fallback: a 100 ms Redis call is already slower than the fallback.
        catalogue.REDIS: BreakerConfig(window_seconds=10.0, slow_call_seconds=0.1, reset_timeout=5.0),
        # Search with an ILIKE fallback and lower traffic: longer window, slower probes.
        catalogue.OPENSEARCH: BreakerConfig(window_seconds=30.0, slow_call_seconds=0.25, reset_timeout=10.0),
        # Uploads only, no fallback: a multi-megabyte PUT takes a while, so only a very slow call is a failure.
        catalogue.S3: BreakerConfig(window_seconds=30.0, slow_call_seconds=5.0, reset_timeout=10.0),
        # Profiles only, with a cached or token-claims fallback: like Redis, fail over quickly; AdminGetUser is fast.
        catalogue.COGNITO: BreakerConfig(window_seconds=30.0, slow_call_seconds=1.0, reset_timeout=10.0),
    }
)


class BreakerRegistry(Mapping[str, Breaker]):
    """A read-only mapping ``dependency -> Breaker`` plus the operator controls."""

    def __init__(
        self,
        defaults: Mapping[str, BreakerConfig] = DEFAULT_CONFIGS,
        overrides: Mapping[str, str] | None = None,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        unbounded = set(defaults) - set(catalogue.DEPENDENCIES)
        if unbounded:
            raise ValueError(
                f"breaker names {sorted(unbounded)} are not catalogue dependencies {catalogue.DEPENDENCIES}"
            )
        self._breakers = {name: Breaker(name, config, clock=clock) for name, config in defaults.items()}
        for name, state in (overrides or {}).items():
            self.force(name, state)

    def __getitem__(self, name: str) -> Breaker:
        try:
            return self._breakers[name]
        except KeyError:
            raise KeyError(f"no breaker named {name!r}; known: {', '.join(self._breakers)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._breakers)

    def __len__(self) -> int:
        return len(self._breakers)

    def force(self, name: str, state: str | None) -> None:
        """Pin ``name`` to ``"open"`` or ``"closed"``; ``None`` releases the pin."""
        breaker = self[name]
        if state is None:
            breaker.release()
        elif state == STATE_OPEN:
            breaker.force_open()
        elif state == STATE_CLOSED:
            breaker.force_closed()
        else:
            raise ValueError(f"breaker {name}: cannot force {state!r}; use one of {', '.join(FORCED_STATES)}")

    def add_listener(self, listener: StateListener) -> None:
        """Listen to every breaker's transitions (e.g. drain the outbox when Redis closes)."""
        for breaker in self._breakers.values():
            breaker.add_listener(listener)

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Every breaker's :meth:`Breaker.snapshot`, keyed by dependency."""
        return {name: breaker.snapshot() for name, breaker in self._breakers.items()}
