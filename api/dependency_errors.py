"""Dependency failures as the API's answers: the one place a guard's verdict becomes an HTTP status.

:func:`guards.errors.classify` says what went wrong; this module says what the client is told
(DESIGN.md's envelope): a dependency that is down is a 503 whose ``details`` name it
(:func:`unavailable`), its ``Retry-After`` the breaker's own wait when the breaker is open; a
request out of time is a 504; a transaction that lost to another is a 409; a request that waited
too long on a lock is a 503 to retry in a second. Adapters wrap their calls in
:func:`answered_as_http` (they know which dependency they call); an adapter that classifies its
dependency's failures itself (the user pool, which reads degrade around) answers with
:func:`unavailable`; the resolver answers a deadline that reaches it unwrapped with :func:`out_of_time`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

from guards import errors
from guards.errors import Failure
from runtime.errors import ApiError, Conflict, GatewayTimeout, ServiceUnavailable
from runtime.telemetry import catalogue

RETRY_AFTER_S = 5
"""When a down dependency's breaker gives no wait of its own."""
BUSY_RETRY_AFTER_S = 1
UNAVAILABLE = {
    catalogue.POSTGRES: "The database is unavailable, retry shortly",
    catalogue.S3: "File storage is unavailable, try again shortly",
    catalogue.COGNITO: "The user pool is unavailable, retry shortly",
}
SOME_DEPENDENCY_UNAVAILABLE = "A service the request needs is unavailable, retry shortly"
OUT_OF_TIME = "The request ran out of time"
OUT_OF_TIME_WAITING = {catalogue.POSTGRES: "The request ran out of time waiting for the database"}
BUSY = "The database is busy, retry shortly"
CONFLICTED = "The resource is being changed by another request, retry shortly"


def api_error(exc: BaseException, dependency: str | None = None) -> ApiError | None:
    """The answer for ``exc`` raised by a call to ``dependency``; None when no dependency caused it."""
    failure = errors.classify(exc)
    if failure is Failure.BREAKER_OPEN:
        return unavailable(getattr(exc, "dependency", dependency), getattr(exc, "retry_after", None))
    if failure is Failure.OUT_OF_TIME:
        return out_of_time(dependency)
    if failure is Failure.CONFLICT:
        return Conflict(CONFLICTED)
    if failure is Failure.BUSY:
        return ServiceUnavailable(BUSY, retry_after=BUSY_RETRY_AFTER_S)
    if failure is Failure.UNAVAILABLE:
        return unavailable(dependency)
    return None


def unavailable(dependency: str | None, wait: float | None = None) -> ServiceUnavailable:
    """The 503 of ``dependency`` being down, named in ``details``; ``wait``: its open breaker's seconds to go."""
    return ServiceUnavailable(
        UNAVAILABLE.get(dependency or "", SOME_DEPENDENCY_UNAVAILABLE),
        retry_after=max(1, math.ceil(wait)) if isinstance(wait, (int, float)) else RETRY_AFTER_S,
        details={"dependency": dependency} if dependency else None,
    )


def out_of_time(dependency: str | None = None) -> GatewayTimeout:
    """The 504 of a request whose deadline ran out (waiting for ``dependency``, when one is known)."""
    return GatewayTimeout(OUT_OF_TIME_WAITING.get(dependency or "", OUT_OF_TIME))


@contextmanager
def answered_as_http(dependency: str) -> Iterator[None]:
    """Re-raise a failure of ``dependency`` as the API's error; anything else propagates unchanged."""
    try:
        yield
    except ApiError:
        raise
    except Exception as exc:
        mapped = api_error(exc, dependency)
        if mapped is None:
            raise
        raise mapped from exc
