"""The API's cache: the Redis client, its breaker and probe, and cache-aside reads over it.

Without ``REDIS_URL`` every read loads. With it, reads go through
:class:`guards.cache.CacheAside`, whose trust is earned by draining the outbox's
cache entries, and the outbox applies namespace bumps through :meth:`Cache.bump`.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from guards import outbox_targets
from guards.cache import CacheAside
from guards.dependency_call import call_dependency
from runtime import config

if TYPE_CHECKING:
    from api.adapters.outbox import Outbox
    from guards.breaker import Breaker

T = TypeVar("T")

REDIS_TIMEOUT_S = 0.05
"""Half the Redis breaker's slow-call threshold: a Redis call that slow is already a failure, and a request
that paid it still answers from PostgreSQL well inside 150 ms, even while the worker threads queue."""
REDIS_CONNECT_TIMEOUT_S = 0.25
"""A paused Redis still completes TCP connects (the kernel answers), so this guards against a dead host only,
and a fresh connection in a cold environment needs more than a command does."""
REDIS_UNUSED_IMPORT = "opentelemetry.sdk.metrics"
_importing_redis = threading.Lock()


def import_redis() -> ModuleType:
    """``redis``, imported without OpenTelemetry's metrics SDK, which redis-py 8 imports for nothing here.

    ``redis/observability/providers.py`` imports ``opentelemetry.sdk.metrics`` whenever it is installed
    (the artifact ships the OTel SDK for ``BRICKGUARD_TRACING=otel``), and every redis-py client module
    imports that package: about a third of ``import redis`` in a cold environment. The SDK's metrics serve
    only an application that calls ``redis.observability.get_observability_instance().init(...)``, which
    brickguard never does (its metrics are EMF; its OTel use is tracing, which never imports the metrics SDK).
    redis-py has no switch, so while it is imported the module reads as absent (``None`` in ``sys.modules``,
    Python's documented way to make an import fail) and redis-py takes its own "OTel not installed" path;
    the entry is removed after, so a later ``import opentelemetry.sdk.metrics`` works as usual.
    """
    with _importing_redis:
        if "redis" in sys.modules or REDIS_UNUSED_IMPORT in sys.modules:
            import redis

            return redis
        sys.modules[REDIS_UNUSED_IMPORT] = None  # type: ignore[assignment]
        try:
            import redis
        finally:
            del sys.modules[REDIS_UNUSED_IMPORT]
        return redis


class Cache:
    """Cache-aside reads on Redis for one process (or straight loads when Redis is not configured)."""

    def __init__(
        self, redis_url: str | None, breaker: Breaker, changes: Outbox, *, prefix: str, also_invalidate: Sequence[str]
    ) -> None:
        self.url = redis_url
        self.breaker = breaker
        self._changes = changes
        self._prefix = prefix
        self._also_invalidate = tuple(also_invalidate)
        if redis_url:
            changes.register(outbox_targets.CACHE, self._apply_bumps)
            breaker.set_probe(self.ping)

    @cached_property
    def client(self) -> Any:
        """The Redis client (short socket timeouts, no client-side retries: the breaker decides)."""
        if not self.url:
            raise config.ConfigError("REDIS_URL is not set")
        return import_redis().Redis.from_url(
            self.url,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_CONNECT_TIMEOUT_S,
            retry_on_timeout=False,
            decode_responses=True,
        )

    @cached_property
    def _aside(self) -> CacheAside:
        return CacheAside(
            self.client,
            self.breaker,
            prefix=self._prefix,
            also_invalidate=self._also_invalidate,  # a write through either backend invalidates both
            drain_pending=lambda: self._changes.drain([outbox_targets.CACHE]).pending.get(outbox_targets.CACHE, 0) == 0,
            has_pending=lambda: self._changes.pending().get(outbox_targets.CACHE, 0) > 0,
        )

    @property
    def configured(self) -> bool:
        return bool(self.url)

    @property
    def trusted(self) -> bool:
        """Whether reads currently use Redis."""
        return self.configured and self._aside.trusted

    def read(self, key: str, namespace: str, ttl_seconds: int, load: Callable[[], T]) -> T:
        """The cached value of ``key``, or ``load()`` (stored when Redis is usable)."""
        if not self.url:
            return load()
        return self._aside.read(key, namespace, ttl_seconds, load)

    def _apply_bumps(self, payloads: Sequence[Any]) -> None:
        self._aside.bump([namespace for payload in payloads for namespace in payload["bump"]])

    def ping(self) -> None:
        """One round trip (health probe, breaker probe)."""
        self.client.ping()

    def warm(self) -> None:
        """Open a connection through the breaker (keep-warm), unless the breaker is open."""
        if self.url and self.breaker.allow():
            call_dependency(self.breaker, self.client.ping)
