"""Retry with full-jitter backoff (tenacity) that never sleeps past the request's deadline.

Four checks decide whether a failed attempt is retried, in this order
before every sleep:

1. the error is retryable (:func:`guards.errors.is_retryable` by default);
2. attempts left (``max_attempts`` includes the first one);
3. the sleep tenacity drew fits before the deadline: ``sleep <= remaining - deadline_margin``
   (``remaining`` from the request context; no deadline, no limit);
4. the dependency's :class:`RetryBudget` still has a retry to spend.

The budget is consulted last, so a retry that would be refused anyway does
not spend it. Each retry is counted as ``RetryAttempt{dependency}``.

Only wrap idempotent work: a write whose connection dropped while committing
may have committed. Put the breaker *inside* the retry
(``retry_call(lambda: breaker.call(op), ...)``) so every attempt is judged by
the breaker and an open breaker (not retryable) ends the retries at once.

Example::

    row = retry_call(lambda: breaker.call(fetch_moc, moc_id), dependency="postgres", budget=budgets["postgres"])
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import tenacity

from guards import errors
from guards.retry_budget import RetryBudget
from runtime.telemetry import catalogue, context, recorder

T = TypeVar("T")

DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_BASE = 0.05
DEFAULT_CAP = 1.0
DEFAULT_DEADLINE_MARGIN = 0.1
"""Seconds kept free before the deadline for the last attempt and the answer."""


class _StopPolicy:
    """tenacity ``stop``: attempts, then deadline, then budget (which spends only when retrying)."""

    def __init__(self, max_attempts: int, deadline_margin: float, budget: RetryBudget | None) -> None:
        self._max_attempts = max_attempts
        self._margin = deadline_margin
        self._budget = budget

    def __call__(self, state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= self._max_attempts:
            return True
        remaining = context.remaining_seconds()
        if remaining is not None and (state.upcoming_sleep or 0.0) > remaining - self._margin:
            return True
        return self._budget is not None and not self._budget.try_spend()


def retry_call(
    fn: Callable[[], T],
    *,
    dependency: str,
    budget: RetryBudget | None,
    is_retryable: Callable[[BaseException], bool] = errors.is_retryable,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    base: float = DEFAULT_BASE,
    cap: float = DEFAULT_CAP,
    deadline_margin: float = DEFAULT_DEADLINE_MARGIN,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn()``; retry retryable errors with full jitter, within deadline and budget.

    The n-th retry sleeps ``uniform(0, min(cap, base * 2**(n-1)))``. The last
    error is re-raised unchanged when retrying stops. ``budget=None`` means no
    budget (see :func:`connect_with_backoff`); ``sleep`` is injectable for tests.
    """
    if max_attempts < 1:
        raise ValueError(f"max_attempts must be at least 1, got {max_attempts}")
    if budget is not None:
        budget.record_call()
    # The first attempt runs outside tenacity: its retry loop costs several microseconds
    # even when the call succeeds (docs/performance.md), and nearly every call does.
    try:
        return fn()
    except Exception as exc:
        if not is_retryable(exc):
            raise
        first_error = exc
    replay = [first_error]

    def attempt() -> T:
        """Tenacity's attempt 1 replays the error already seen; later attempts call ``fn``."""
        if replay:
            raise replay.pop()
        return fn()

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_retryable),
        stop=_StopPolicy(max_attempts, deadline_margin, budget),
        wait=tenacity.wait_random_exponential(multiplier=base, max=cap),
        before_sleep=lambda _state: recorder.record(catalogue.RETRY_ATTEMPT, dependency=dependency),
        sleep=sleep,
        reraise=True,
    )
    return retrying(attempt)


def connect_with_backoff(
    connect_fn: Callable[[], T],
    dependency: str,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    base: float = 0.1,
    cap: float = DEFAULT_CAP,
    deadline_margin: float = DEFAULT_DEADLINE_MARGIN,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """A fresh environment's first connection: retried with backoff even when the budget is spent.

    A cold environment (or a dependency that is itself starting: PostgreSQL's
    57P03, RDS Proxy warming up) often refuses the first connection; that is
    not a storm, and there is no traffic yet to earn a budget. Still bounded
    by ``max_attempts`` and by the request deadline.
    """
    return retry_call(
        connect_fn,
        dependency=dependency,
        budget=None,
        max_attempts=max_attempts,
        base=base,
        cap=cap,
        deadline_margin=deadline_margin,
        sleep=sleep,
    )
