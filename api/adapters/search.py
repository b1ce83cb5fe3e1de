"""The API's search: the OpenSearch client, its breaker and probe, and answering through any failure.

:meth:`Search.run` tries OpenSearch with a timeout that follows its observed
latency and falls back to PostgreSQL ILIKE on any failure. Index writes go
through the outbox; until a recovered cluster has applied the writes it
missed, searches are answered by PostgreSQL.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from guards import deadline, outbox_targets
from guards.adaptive_timeout import AdaptiveTimeout
from guards.dependency_call import call_dependency
from guards.search import FallbackSearch

if TYPE_CHECKING:
    from api.adapters.outbox import Outbox
    from guards.breaker import Breaker, StateChange

T = TypeVar("T")

OPENSEARCH_TIMEOUT_S = 0.25
"""Ceiling of the adaptive search timeout: the OpenSearch breaker's slow-call threshold."""
OPENSEARCH_MIN_TIMEOUT_S = 0.05
SEARCH_TIMEOUT_MULTIPLIER = 2.0


class IndexBehind(RuntimeError):
    """OpenSearch is reachable but still misses writes from an outage: answer from PostgreSQL."""


def _index_behind() -> Any:
    raise IndexBehind("search index has pending writes")


class Search:
    """OpenSearch with a PostgreSQL fallback for one process."""

    def __init__(self, opensearch_url: str | None, breaker: Breaker, changes: Outbox) -> None:
        self.url = opensearch_url
        self.breaker = breaker
        self._changes = changes
        self._index_current = False  # unknown at start: pending index writes may exist
        self.timeouts = AdaptiveTimeout(
            floor=OPENSEARCH_MIN_TIMEOUT_S, ceiling=OPENSEARCH_TIMEOUT_S, multiplier=SEARCH_TIMEOUT_MULTIPLIER
        )
        if opensearch_url:
            changes.register(outbox_targets.SEARCH, self._apply_index_ops)
            breaker.set_probe(self.ping)
            breaker.add_listener(self._on_breaker_change)

    @cached_property
    def client(self) -> Any:
        """The OpenSearch client (no client-side retries: the breaker and fallback decide)."""
        from opensearchpy import OpenSearch

        return OpenSearch(hosts=[self.url], timeout=OPENSEARCH_TIMEOUT_S, max_retries=0, retry_on_timeout=False)

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def run(self, primary: Callable[[Any, float], T] | None, fallback: Callable[[], T]) -> tuple[T, str]:
        """``primary(client, timeout)`` on OpenSearch, or ``fallback()`` on any failure; also the engine used.

        ``timeout`` follows OpenSearch's observed latency (:class:`AdaptiveTimeout`), cut to the
        request's remaining time: a hung cluster costs the requests in flight a couple of its
        usual p99s, not a fixed half second, before the breaker opens.
        """
        run_primary = None
        if self.url and primary is not None:
            run_primary = (lambda: self._timed(primary)) if self._index_is_current() else _index_behind
        return FallbackSearch(self.breaker, run_primary, fallback).run()

    def _timed(self, primary: Callable[[Any, float], T]) -> T:
        started = time.perf_counter()
        result = primary(self.client, deadline.call_timeout(self.timeouts.current()))
        self.timeouts.record(time.perf_counter() - started)
        return result

    def _index_is_current(self) -> bool:
        """Before a recovered OpenSearch answers, apply the index writes it missed."""
        if self._index_current:
            return True
        if not self.breaker.allow():
            return False
        try:
            pending = self._changes.drain([outbox_targets.SEARCH]).pending.get(outbox_targets.SEARCH, 0)
        except Exception:
            return False
        self._index_current = pending == 0
        return self._index_current

    def _on_breaker_change(self, change: StateChange) -> None:
        if change.to_state == "open":
            self._index_current = False

    def _apply_index_ops(self, payloads: Sequence[Any]) -> None:
        from api.adapters.search_index import apply_index_ops

        try:
            call_dependency(self.breaker, apply_index_ops, self.client, payloads)
        except Exception:
            self._index_current = False
            raise

    def warm(self) -> None:
        """Check the index mappings before traffic needs them (:class:`api.adapters.search_index.MappingGate`)."""
        if not self.configured:
            return
        from api.adapters.search_index import IndexNotReady, mapping_gate

        with contextlib.suppress(IndexNotReady):  # the gate logs it; searches fall back until `search init`
            mapping_gate.require(self.client)

    def ping(self) -> None:
        """Cluster health within the ceiling timeout (health probe, breaker probe)."""
        self.client.cluster.health(request_timeout=OPENSEARCH_TIMEOUT_S)
