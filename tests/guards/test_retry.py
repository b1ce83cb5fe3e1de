"""retry_call: only retryable errors, full jitter, never past the deadline, within the budget."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import psycopg.errors
import pytest

from guards.breaker import Breaker, BreakerConfig, BreakerOpenError
from guards.retry import connect_with_backoff, retry_call
from guards.retry_budget import RetryBudget
from runtime.telemetry import catalogue, context

if TYPE_CHECKING:
    from tests.guards.conftest import FakeClock, RecordingSink


class Flaky:
    """Raises the given errors in turn, then returns ``"done"``; counts attempts."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.attempts = 0

    def __call__(self) -> str:
        self.attempts += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


class SleepRecorder:
    """An injected sleep: records each sleep and moves the request deadline closer instead of waiting."""

    def __init__(self, ctx: context.RequestContext | None = None) -> None:
        self.ctx = ctx
        self.sleeps: list[float] = []
        self.remaining_before: list[float] = []

    def __call__(self, seconds: float) -> None:
        if self.ctx is not None and self.ctx.deadline is not None:
            self.remaining_before.append(self.ctx.deadline - time.monotonic())
            self.ctx.deadline -= seconds  # the same as `seconds` passing
        self.sleeps.append(seconds)


@contextmanager
def request_with(remaining: float) -> Iterator[context.RequestContext]:
    ctx = context.RequestContext(request_id="r1", backend="serverless", deadline=time.monotonic() + remaining)
    with context.request_scope(ctx):
        yield ctx


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """tenacity draws jitter from the `random` module; seed it and restore it afterwards."""
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


def test_retries_until_success(sink: RecordingSink) -> None:
    fn = Flaky(ConnectionRefusedError(), ConnectionResetError())
    sleep = SleepRecorder()
    assert retry_call(fn, dependency="redis", budget=RetryBudget(), sleep=sleep) == "done"
    assert fn.attempts == 3
    assert len(sleep.sleeps) == 2
    retries = sink.named(catalogue.RETRY_ATTEMPT.name)
    assert [dims["dependency"] for _, dims in retries] == ["redis", "redis"]


def test_gives_up_after_max_attempts_with_the_last_error() -> None:
    last = TimeoutError("third")
    fn = Flaky(ConnectionRefusedError("first"), ConnectionRefusedError("second"), last)
    with pytest.raises(TimeoutError) as raised:
        retry_call(fn, dependency="redis", budget=RetryBudget(), sleep=SleepRecorder())
    assert raised.value is last
    assert fn.attempts == 3


def test_non_retryable_errors_are_raised_at_once(sink: RecordingSink) -> None:
    fn = Flaky(psycopg.errors.UniqueViolation("duplicate"))
    sleep = SleepRecorder()
    budget = RetryBudget(min_retries=1)
    with pytest.raises(psycopg.errors.UniqueViolation):
        retry_call(fn, dependency="postgres", budget=budget, sleep=sleep)
    assert (fn.attempts, sleep.sleeps) == (1, [])
    assert sink.named(catalogue.RETRY_ATTEMPT.name) == []
    assert budget.snapshot()["retries"] == 0


def test_custom_classification() -> None:
    fn = Flaky(KeyError("try me again"))
    assert (
        retry_call(fn, dependency="redis", budget=RetryBudget(), is_retryable=lambda e: True, sleep=SleepRecorder())
        == "done"
    )
    assert fn.attempts == 2


@pytest.mark.parametrize("seed", range(20))
def test_sleeps_follow_full_jitter(seed: int) -> None:
    base, cap = 0.05, 0.15
    sleep = SleepRecorder()
    fn = Flaky(*(ConnectionRefusedError() for _ in range(4)))
    with seeded(seed):
        retry_call(fn, dependency="redis", budget=None, max_attempts=5, base=base, cap=cap, sleep=sleep)
    assert len(sleep.sleeps) == 4
    for n, seconds in enumerate(sleep.sleeps, start=1):
        assert 0 <= seconds <= min(cap, base * 2 ** (n - 1))


@pytest.mark.parametrize("seed", range(50))
def test_never_sleeps_past_the_deadline(seed: int) -> None:
    """With 0.6 s left and sleeps of up to 1 s, every sleep must end `margin` before the deadline."""
    margin = 0.1
    with request_with(0.6) as ctx, seeded(seed):
        sleep = SleepRecorder(ctx)
        fn = Flaky(*(ConnectionRefusedError() for _ in range(10)))
        with pytest.raises(ConnectionRefusedError):
            retry_call(
                fn,
                dependency="redis",
                budget=None,
                max_attempts=10,
                base=0.4,
                cap=1.0,
                deadline_margin=margin,
                sleep=sleep,
            )
    # 1 ms: the clock moves between the retry decision and the (recording) sleep.
    for seconds, remaining in zip(sleep.sleeps, sleep.remaining_before, strict=True):
        assert seconds <= remaining - margin + 0.001
    assert sum(sleep.sleeps) <= 0.6 - margin
    assert fn.attempts == len(sleep.sleeps) + 1
    assert fn.attempts < 10  # the deadline, not max_attempts, ended it


def test_no_retry_when_the_deadline_is_inside_the_margin(sink: RecordingSink) -> None:
    with request_with(0.05):
        fn = Flaky(ConnectionRefusedError())
        sleep = SleepRecorder()
        budget = RetryBudget(min_retries=5)
        with pytest.raises(ConnectionRefusedError):
            retry_call(fn, dependency="redis", budget=budget, deadline_margin=0.1, sleep=sleep)
    assert (fn.attempts, sleep.sleeps) == (1, [])
    assert budget.snapshot()["retries"] == 0  # a retry refused by the deadline spends no budget
    assert sink.named(catalogue.RETRY_ATTEMPT.name) == []


def test_a_spent_budget_stops_retries(clock: FakeClock) -> None:
    budget = RetryBudget(min_retries=1, clock=clock)
    first = Flaky(ConnectionRefusedError(), ConnectionRefusedError())
    with pytest.raises(ConnectionRefusedError):
        retry_call(first, dependency="redis", budget=budget, sleep=SleepRecorder())
    assert first.attempts == 2  # one retry, then the budget was empty
    second = Flaky(ConnectionRefusedError())
    with pytest.raises(ConnectionRefusedError):
        retry_call(second, dependency="redis", budget=budget, sleep=SleepRecorder())
    assert second.attempts == 1
    assert budget.snapshot()["calls"] == 2


def test_connect_with_backoff_ignores_the_budget_but_not_the_deadline() -> None:
    fn = Flaky(ConnectionRefusedError(), psycopg.errors.CannotConnectNow("starting up"))
    assert connect_with_backoff(fn, "postgres", sleep=SleepRecorder()) == "done"
    assert fn.attempts == 3
    with request_with(0.05):
        cold = Flaky(ConnectionRefusedError())
        with pytest.raises(ConnectionRefusedError):
            connect_with_backoff(cold, "postgres", sleep=SleepRecorder())
    assert cold.attempts == 1


def test_an_open_breaker_ends_the_retries(clock: FakeClock) -> None:
    breaker = Breaker("redis", BreakerConfig(minimum_calls=2), clock=clock)
    fn = Flaky(*(ConnectionRefusedError() for _ in range(5)))
    call: Callable[[], str] = lambda: breaker.call(fn)  # noqa: E731
    with pytest.raises(BreakerOpenError):
        retry_call(call, dependency="redis", budget=None, max_attempts=5, sleep=SleepRecorder())
    assert fn.attempts == 2  # the third attempt met the open breaker and was not retried


def test_rejects_zero_attempts() -> None:
    with pytest.raises(ValueError):
        retry_call(Flaky(), dependency="redis", budget=None, max_attempts=0)
