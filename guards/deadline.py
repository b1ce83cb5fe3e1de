"""Per-call timeouts that never outlive the request's deadline.

The wrapper puts a deadline in the request context (Lambda: the invocation's
remaining time; serverful backend: a per-request budget). Every dependency
client asks :func:`call_timeout` for its socket/statement timeout instead of
using a fixed one, so a request that has 300 ms left never starts a 2 s query.

Example::

    timeout = deadline.call_timeout(0.1)          # Redis: 100 ms, or less near the deadline
    client.get(key, socket_timeout=timeout)
"""

from __future__ import annotations

from runtime.telemetry import context

DEFAULT_MARGIN = 0.05
"""Seconds kept back for the work after the call (serialising, answering)."""

MIN_CALL_TIMEOUT = 0.01
"""Floor for a per-call timeout: below 10 ms even a loopback round trip fails spuriously."""


class DeadlineExceeded(TimeoutError):
    """The request has no time left for another dependency call.

    A ``TimeoutError`` so callers mapping timeouts to 504 catch it, but neither
    retryable nor a dependency failure (see :mod:`guards.errors`): the dependency
    was never asked.
    """


def call_timeout(
    default_seconds: float, margin: float = DEFAULT_MARGIN, minimum: float = MIN_CALL_TIMEOUT
) -> float:
    """The timeout for the next call: ``min(default, remaining - margin)``, floored at ``minimum``.

    The floor never raises the timeout above ``default_seconds``; near the
    deadline it may overshoot ``remaining - margin`` by less than ``minimum``.

    Outside a request, or without a deadline, this is ``default_seconds``.
    Raises :class:`DeadlineExceeded` when ``remaining - margin`` is not positive.
    """
    if default_seconds <= 0:
        raise ValueError(f"default_seconds must be positive, got {default_seconds}")
    remaining = context.remaining_seconds()
    if remaining is None:
        return default_seconds
    available = remaining - margin
    if available <= 0:
        raise DeadlineExceeded(
            f"{remaining * 1000:.0f} ms left, {margin * 1000:.0f} ms margin: no time for a call"
        )
    return min(default_seconds, max(minimum, available))
