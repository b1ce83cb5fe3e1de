"""Per-call timeouts shrink with the request's remaining time and stop when none is left."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from guards.deadline import MIN_CALL_TIMEOUT, DeadlineExceeded, call_timeout
from runtime.telemetry import context


@contextmanager
def request_with(remaining: float | None) -> Iterator[context.RequestContext]:
    deadline = None if remaining is None else time.monotonic() + remaining
    with context.request_scope(context.RequestContext(request_id="r1", backend="express", deadline=deadline)) as ctx:
        yield ctx


def test_outside_a_request_the_default_applies() -> None:
    assert context.current() is None
    assert call_timeout(0.25) == 0.25


def test_without_a_deadline_the_default_applies() -> None:
    with request_with(None):
        assert call_timeout(0.25) == 0.25


def test_plenty_of_time_keeps_the_default() -> None:
    with request_with(30.0):
        assert call_timeout(0.25, margin=0.05) == 0.25


def test_near_the_deadline_the_timeout_shrinks() -> None:
    with request_with(0.2):
        timeout = call_timeout(1.0, margin=0.05)
    assert 0.1 < timeout <= 0.15


def test_the_floor_applies_when_little_is_left() -> None:
    with request_with(0.053):
        assert call_timeout(1.0, margin=0.05) == MIN_CALL_TIMEOUT


def test_the_floor_never_raises_a_small_default() -> None:
    with request_with(0.053):
        assert call_timeout(0.004, margin=0.05) == 0.004


def test_no_time_left_raises() -> None:
    with request_with(0.04), pytest.raises(DeadlineExceeded):
        call_timeout(1.0, margin=0.05)
    with request_with(-1.0), pytest.raises(DeadlineExceeded):
        call_timeout(1.0)


def test_deadline_exceeded_is_a_timeout() -> None:
    assert issubclass(DeadlineExceeded, TimeoutError)


def test_rejects_a_nonpositive_default() -> None:
    with pytest.raises(ValueError):
        call_timeout(0)
