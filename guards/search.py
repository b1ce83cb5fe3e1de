"""Search that answers through any OpenSearch failure by falling back to PostgreSQL.

The primary engine runs through its breaker with a short timeout; an error, a
timeout or an open breaker sends the same query to the fallback, which must
return the same shape. The answer says which engine produced it (the
``searchBackend`` trace annotation and the ``X-Search-Backend`` header) and a
fallback is counted, so dashboards show how much search is degraded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from guards.dependency_call import call_dependency
from runtime.telemetry import catalogue, context, recorder

if TYPE_CHECKING:
    from guards.breaker import Breaker

T = TypeVar("T")

OPENSEARCH = "opensearch"
POSTGRES = "postgres"
SEARCH_BACKEND_HEADER = "X-Search-Backend"

log = logging.getLogger("brickguard.guards.search")


class FallbackSearch(Generic[T]):
    """``primary`` (None when no engine is configured) guarded by ``breaker``, else ``fallback``."""

    def __init__(self, breaker: Breaker, primary: Callable[[], T] | None, fallback: Callable[[], T]) -> None:
        self._breaker = breaker
        self._primary = primary
        self._fallback = fallback

    def run(self) -> tuple[T, str]:
        """The result and the engine that produced it (``opensearch`` or ``postgres``)."""
        from guards.breaker import BreakerOpenError

        recorder.record(catalogue.SEARCH_REQUESTS)
        if self._primary is not None:
            try:
                return self._answer(call_dependency(self._breaker, self._primary), OPENSEARCH)
            except BreakerOpenError:
                pass
            except Exception as exc:
                log.warning("search falls back to PostgreSQL", extra={"error": type(exc).__name__})
            recorder.record(catalogue.SEARCH_FALLBACK)
            context.annotate("degraded", True)
        return self._answer(self._fallback(), POSTGRES)

    @staticmethod
    def _answer(result: T, engine: str) -> tuple[T, str]:
        context.annotate("searchBackend", engine)
        context.set_response_header(SEARCH_BACKEND_HEADER, engine)
        return result, engine
