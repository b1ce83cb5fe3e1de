"""Per-request context shared by the wrapper, the guards and the emitters.

The wrapper opens one context per request; guards read the deadline from it
(so a retry never sleeps past it) and add trace annotations (``degraded``,
``searchBackend``) to it. It lives in ``runtime.telemetry`` because that is the
only part of ``runtime`` that ``guards`` may import.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class RequestContext:
    """What is known about the request being served."""

    request_id: str
    backend: str
    cold_start: bool = False
    route: str = "UNMATCHED"
    method: str = ""
    user_id: str | None = None
    deadline: float | None = None  # time.monotonic() value; None means no deadline
    annotations: dict[str, Any] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)

    def remaining_seconds(self) -> float | None:
        """Seconds left before the deadline, or None when there is none."""
        if self.deadline is None:
            return None
        return self.deadline - time.monotonic()


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "brickguard_request", default=None
)


def current() -> RequestContext | None:
    """The context of the request being served, if any."""
    return _current.get()


@contextmanager
def request_scope(ctx: RequestContext) -> Iterator[RequestContext]:
    """Make ``ctx`` current for the duration of one request."""
    token = activate(ctx)
    try:
        yield ctx
    finally:
        deactivate(token)


def activate(ctx: RequestContext) -> contextvars.Token[RequestContext | None]:
    """Make ``ctx`` current until :func:`deactivate` (the facade's per-request path; no generator)."""
    return _current.set(ctx)


def deactivate(token: contextvars.Token[RequestContext | None]) -> None:
    """Restore the context that was current before the matching :func:`activate`."""
    _current.reset(token)


def remaining_seconds() -> float | None:
    """Seconds left in the current request's budget (None outside a request or without deadline)."""
    ctx = _current.get()
    return None if ctx is None else ctx.remaining_seconds()


def annotate(key: str, value: Any) -> None:
    """Attach a trace/log annotation (``degraded``, ``searchBackend``…) to the current request."""
    ctx = _current.get()
    if ctx is not None:
        ctx.annotations[key] = value


def set_response_header(name: str, value: str) -> None:
    """Ask the wrapper to add a header to the current response (e.g. ``X-Search-Backend``)."""
    ctx = _current.get()
    if ctx is not None:
        ctx.response_headers[name] = value
