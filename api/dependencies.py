"""The one place that builds dependency clients (PostgreSQL, Redis, OpenSearch) and their guards.

Clients are created lazily on first use, so a handler module imports fast and a
keep-warm ping is what opens connections. Every client is wired to its circuit
breaker; route code gets a database session through :meth:`Dependencies.session`
(an outage becomes a 503 with ``Retry-After``), cached reads through
:attr:`Dependencies.cache`, and search through :meth:`Dependencies.search`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from api.database import Database
from guards import db_credentials, deadline, outbox
from guards.adaptive_timeout import AdaptiveTimeout
from guards.cache import CacheAside
from guards.dependency_call import call_dependency
from guards.health import HealthProbe
from guards.object_store import ObjectStore, s3_client
from guards.retry_budget import RetryBudget
from guards.search import FallbackSearch
from runtime import config
from runtime.errors import ServiceUnavailable

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from guards.breaker import BreakerConfig, StateChange

T = TypeVar("T")

REDIS_TIMEOUT_S = 0.05
"""Half the Redis breaker's slow-call threshold: a Redis call that slow is already a failure, and a request
that paid it still answers from PostgreSQL well inside 150 ms, even while the worker threads queue."""
OPENSEARCH_TIMEOUT_S = 0.25
"""Ceiling of the adaptive search timeout: the OpenSearch breaker's slow-call threshold."""
OPENSEARCH_MIN_TIMEOUT_S = 0.05
SEARCH_TIMEOUT_MULTIPLIER = 2.0


class IndexBehind(RuntimeError):
    """OpenSearch is reachable but still misses writes from an outage: answer from PostgreSQL."""


def _index_behind() -> Any:
    raise IndexBehind("search index has pending writes")


class NoCache:
    """Stands in for the cache when ``REDIS_URL`` is not set: every read loads."""

    trusted = False

    def read(self, key: str, namespace: str, ttl_seconds: int, load: Callable[[], T]) -> T:
        return load()


class Dependencies:
    """Lazily built, guarded clients for one process, shared by all requests."""

    def __init__(self, settings: config.Settings, breaker_configs: Mapping[str, BreakerConfig] | None = None) -> None:
        from guards.breaker_registry import DEFAULT_CONFIGS, BreakerRegistry

        self.settings = settings
        self.breakers = BreakerRegistry(breaker_configs or DEFAULT_CONFIGS, settings.breaker_overrides)
        self.budgets = {name: RetryBudget() for name in self.breakers}
        self._index_current = False  # unknown at start: pending index writes may exist
        self.breakers.add_listener(self._on_breaker_change)
        self.search_timeouts = AdaptiveTimeout(
            floor=OPENSEARCH_MIN_TIMEOUT_S, ceiling=OPENSEARCH_TIMEOUT_S, multiplier=SEARCH_TIMEOUT_MULTIPLIER
        )
        if settings.redis_url:
            self.breakers["redis"].set_probe(self._probe_redis)
        if settings.opensearch_url:
            self.breakers["opensearch"].set_probe(self._probe_opensearch)

    def _on_breaker_change(self, change: StateChange) -> None:
        if change.dependency == "opensearch" and change.to_state == "open":
            self._index_current = False

    # -- PostgreSQL --------------------------------------------------------------------------

    @cached_property
    def database(self) -> Database:
        if not self.settings.database_url:
            raise config.ConfigError("DATABASE_URL is not set")
        credentials = db_credentials.from_environment(self.settings.database_url)  # RDS IAM token or secret
        return Database(self.settings.database_url, self.breakers["postgres"], budget=self.budgets["postgres"],
                        on_connect=db_credentials.connection_hook(credentials) if credentials else None)

    @property
    def engine(self) -> Engine:
        return self.database.engine

    def session(self) -> AbstractContextManager[Session]:
        """A transactional session judged by the postgres breaker; an outage is a 503."""
        return self.database.session()

    # -- outbox ------------------------------------------------------------------------------

    @cached_property
    def outbox(self) -> outbox.Outbox:
        appliers: dict[str, outbox.Applier] = {}
        if self.settings.redis_url:
            appliers[outbox.CACHE] = self._apply_cache_bumps
        if self.settings.opensearch_url:
            appliers[outbox.SEARCH] = self._apply_index_ops
        if self.settings.s3_bucket:
            appliers[outbox.STORAGE] = self._apply_object_deletes
        return outbox.Outbox(self.engine, appliers)

    def record_change(
        self,
        session: Session,
        *,
        namespaces: Sequence[str] = (),
        index_ops: Sequence[dict[str, Any]] = (),
        deleted_objects: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Enqueue a change's side effects in its transaction (only for targets that are configured).

        ``deleted_objects`` is ``{"keys": [...], "prefixes": [...]}`` of S3 objects the change orphaned.
        """
        if namespaces and self.settings.redis_url:
            outbox.enqueue(session, outbox.CACHE, {"bump": list(namespaces)})
        if index_ops and self.settings.opensearch_url:
            outbox.enqueue(session, outbox.SEARCH, {"ops": list(index_ops)})
        if deleted_objects and self.settings.s3_bucket:
            outbox.enqueue(session, outbox.STORAGE, {name: list(values) for name, values in deleted_objects.items()})

    def after_commit(self) -> None:
        """Apply the side effects just committed; whatever fails stays pending for a later drain."""
        try:
            self.outbox.drain()
        except Exception:  # PostgreSQL went away after the commit: the entries wait for the next drain
            return

    def _apply_cache_bumps(self, payloads: Sequence[Any]) -> None:
        cache = self.cache
        assert isinstance(cache, CacheAside)
        cache.bump([namespace for payload in payloads for namespace in payload["bump"]])

    def _apply_index_ops(self, payloads: Sequence[Any]) -> None:
        from api.search_index import apply_index_ops

        try:
            call_dependency(self.breakers["opensearch"], apply_index_ops, self.opensearch, payloads)
        except Exception:
            self._index_current = False
            raise

    def _apply_object_deletes(self, payloads: Sequence[Any]) -> None:
        self.storage.delete(
            [key for payload in payloads for key in payload.get("keys", ())],
            prefixes=[prefix for payload in payloads for prefix in payload.get("prefixes", ())],
        )

    # -- S3 ----------------------------------------------------------------------------------

    @cached_property
    def storage(self) -> ObjectStore:
        """The upload bucket behind the ``s3`` breaker; uploads are a 503 while ``S3_BUCKET`` is unset."""
        bucket = self.settings.s3_bucket
        if not bucket:
            raise ServiceUnavailable("Uploads are not configured (S3_BUCKET is not set)", retry_after=60)
        endpoint = self.settings.s3_endpoint_url
        public = self.settings.s3_public_url or (
            f"{endpoint.rstrip('/')}/{bucket}" if endpoint else f"https://{bucket}.s3.amazonaws.com"
        )
        return ObjectStore(
            s3_client(endpoint), bucket, self.breakers["s3"], budget=self.budgets["s3"], public_base_url=public
        )

    # -- Redis -------------------------------------------------------------------------------

    @cached_property
    def redis(self) -> Any:
        """The Redis client, or None when ``REDIS_URL`` is not set (the cache is then off)."""
        if not self.settings.redis_url:
            return None
        from redis import Redis

        return Redis.from_url(
            self.settings.redis_url,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
            retry_on_timeout=False,
            decode_responses=True,
        )

    @cached_property
    def cache(self) -> CacheAside | NoCache:
        if self.redis is None:
            return NoCache()
        return CacheAside(
            self.redis,
            self.breakers["redis"],
            prefix=self.settings.cache_prefix,
            also_invalidate=config.CACHE_PREFIXES,  # a write through either backend invalidates both
            drain_pending=lambda: self.outbox.drain([outbox.CACHE]).pending.get(outbox.CACHE, 0) == 0,
            has_pending=lambda: self.outbox.pending().get(outbox.CACHE, 0) > 0,
        )

    # -- OpenSearch --------------------------------------------------------------------------

    @cached_property
    def opensearch(self) -> Any:
        """The OpenSearch client (no client-side retries: the breaker and fallback decide)."""
        if not self.settings.opensearch_url:
            return None
        from opensearchpy import OpenSearch

        return OpenSearch(
            hosts=[self.settings.opensearch_url], timeout=OPENSEARCH_TIMEOUT_S, max_retries=0, retry_on_timeout=False
        )

    def search(self, primary: Callable[[Any, float], T] | None, fallback: Callable[[], T]) -> tuple[T, str]:
        """Run ``primary(client, timeout)`` on OpenSearch, or ``fallback()`` on any failure; returns the engine too.

        ``timeout`` follows OpenSearch's observed latency (:class:`AdaptiveTimeout`), cut to the
        request's remaining time: a hung cluster costs the requests in flight a few times its
        usual p99, not a fixed half second, before the breaker opens.
        """
        client = self.opensearch
        run_primary = None
        if client is not None and primary is not None:
            run_primary = (lambda: self._timed_search(primary, client)) if self._index_is_current() else _index_behind
        return FallbackSearch(self.breakers["opensearch"], run_primary, fallback).run()

    def _timed_search(self, primary: Callable[[Any, float], T], client: Any) -> T:
        started = time.perf_counter()
        result = primary(client, deadline.call_timeout(self.search_timeouts.current()))
        self.search_timeouts.record(time.perf_counter() - started)
        return result

    def _index_is_current(self) -> bool:
        """Before a recovered OpenSearch answers, apply the index writes it missed."""
        if self._index_current:
            return True
        if not self.breakers["opensearch"].allow():
            return False
        try:
            pending = self.outbox.drain([outbox.SEARCH]).pending.get(outbox.SEARCH, 0)
        except Exception:
            return False
        self._index_current = pending == 0
        return self._index_current

    # -- health and warm-up ------------------------------------------------------------------

    @cached_property
    def health(self) -> HealthProbe:
        return HealthProbe(
            {
                "database": self._probe_database,
                "redis": self._probe_redis if self.settings.redis_url else None,
                "opensearch": self._probe_opensearch if self.settings.opensearch_url else None,
            }
        )

    def _probe_database(self) -> None:
        self.database.ping()

    def _probe_redis(self) -> None:
        self.redis.ping()

    def _probe_opensearch(self) -> None:
        self.opensearch.cluster.health(request_timeout=OPENSEARCH_TIMEOUT_S)

    def probe_components(self) -> dict[str, str]:
        """``{database, redis, opensearch}`` → ``healthy | unhealthy | not_configured`` (cached briefly)."""
        return self.health.status()

    def warmup(self) -> None:
        """Open pooled connections and drain the outbox (keep-warm pings call this)."""
        self.database.ping()
        if self.redis is not None and self.breakers["redis"].allow():
            call_dependency(self.breakers["redis"], self.redis.ping)
        self.after_commit()


_lock = threading.Lock()
_current: Dependencies | None = None


def get() -> Dependencies:
    """The process-wide dependencies, built from the environment on first use."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = Dependencies(config.load())
    return _current


def install(dependencies: Dependencies | None) -> None:
    """Replace the process-wide dependencies (the CLI and tests configure them explicitly)."""
    global _current
    with _lock:
        _current = dependencies
