"""The breaker's state machine: failure rate over a window, slow calls, one probe, pins, reporting."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pybreaker
import pytest

from guards.breaker import (
    STATE_CLOSED,
    STATE_HALF_OPEN,
    STATE_OPEN,
    Breaker,
    BreakerConfig,
    BreakerOpenError,
    StateChange,
)
from runtime.telemetry import catalogue

if TYPE_CHECKING:
    from tests.guards.conftest import FakeClock, RecordingSink

CONFIG = BreakerConfig(
    failure_rate_threshold=0.5,
    minimum_calls=4,
    window_seconds=10.0,
    window_buckets=10,
    slow_call_seconds=0.1,
    reset_timeout=5.0,
)


def refuse() -> None:
    raise ConnectionRefusedError("refused")


def ok() -> str:
    return "ok"


def fail(breaker: Breaker, times: int) -> None:
    for _ in range(times):
        with pytest.raises(ConnectionRefusedError):
            breaker.call(refuse)


def succeed(breaker: Breaker, times: int) -> None:
    for _ in range(times):
        assert breaker.call(ok) == "ok"


def open_breaker(clock: FakeClock) -> Breaker:
    breaker = Breaker("redis", CONFIG, clock=clock)
    fail(breaker, CONFIG.minimum_calls)
    assert breaker.state == STATE_OPEN
    return breaker


def test_no_verdict_below_minimum_calls(clock: FakeClock) -> None:
    breaker = Breaker("redis", CONFIG, clock=clock)
    fail(breaker, CONFIG.minimum_calls - 1)
    assert breaker.state == STATE_CLOSED


def test_opens_on_failure_rate_not_consecutive_failures(clock: FakeClock) -> None:
    """Alternating failures never trip pybreaker's consecutive counter; a 50 % rate trips ours."""
    plain = pybreaker.CircuitBreaker(fail_max=2)
    for _ in range(10):
        plain.call(ok)
        with pytest.raises(ConnectionRefusedError):
            plain.call(refuse)
    assert plain.current_state == pybreaker.STATE_CLOSED

    breaker = Breaker("redis", CONFIG, clock=clock)
    for _ in range(2):
        succeed(breaker, 1)
        fail(breaker, 1)
    assert breaker.state == STATE_OPEN  # 2 of 4 calls failed


def test_stays_closed_below_the_threshold(clock: FakeClock) -> None:
    breaker = Breaker("redis", CONFIG, clock=clock)
    succeed(breaker, 4)
    fail(breaker, 3)  # 3 of 7 = 43 %
    assert breaker.state == STATE_CLOSED
    fail(breaker, 1)  # 4 of 8 = 50 %
    assert breaker.state == STATE_OPEN


def test_consecutive_failures_open_despite_earlier_successes(clock: FakeClock) -> None:
    """A hard outage after a busy healthy minute opens after ``minimum_calls`` failures, not 50 % of the window."""
    breaker = Breaker("redis", CONFIG, clock=clock)
    succeed(breaker, 40)
    fail(breaker, CONFIG.minimum_calls - 1)
    assert breaker.state == STATE_CLOSED
    succeed(breaker, 1)  # a success in between resets the run
    fail(breaker, CONFIG.minimum_calls - 1)
    assert breaker.state == STATE_CLOSED
    fail(breaker, 1)
    assert breaker.state == STATE_OPEN
    assert "consecutive" in breaker.snapshot()["reason"]


def test_old_failures_leave_the_window(clock: FakeClock) -> None:
    breaker = Breaker("redis", CONFIG, clock=clock)
    fail(breaker, 3)
    clock.advance(CONFIG.window_seconds)
    fail(breaker, 1)  # only 1 call in the window now
    assert breaker.state == STATE_CLOSED
    assert breaker.snapshot()["calls"] == 1


def test_slow_successes_count_as_failures(clock: FakeClock) -> None:
    breaker = Breaker("redis", CONFIG, clock=clock)

    def slow() -> str:
        clock.advance(CONFIG.slow_call_seconds * 2)
        return "late"

    for _ in range(CONFIG.minimum_calls):
        assert breaker.call(slow) == "late"  # the caller still gets its answer
    snap = breaker.snapshot()
    assert snap["state"] == STATE_OPEN
    assert snap["slow_calls"] == CONFIG.minimum_calls


def test_excluded_errors_do_not_count(clock: FakeClock) -> None:
    config = BreakerConfig(minimum_calls=2, is_failure=lambda exc: not isinstance(exc, KeyError))
    breaker = Breaker("redis", config, clock=clock)
    for _ in range(5):
        with pytest.raises(KeyError):
            breaker.call(lambda: {}["missing"])
    snap = breaker.snapshot()
    assert snap["state"] == STATE_CLOSED
    assert (snap["calls"], snap["failures"]) == (5, 0)


def test_default_classification_ignores_bugs_in_our_code(clock: FakeClock) -> None:
    breaker = Breaker("redis", CONFIG, clock=clock)
    for _ in range(CONFIG.minimum_calls * 2):
        with pytest.raises(ValueError):
            breaker.call(int, "not a number")
    assert breaker.state == STATE_CLOSED


def test_open_fails_fast_without_calling(clock: FakeClock) -> None:
    breaker = open_breaker(clock)
    calls: list[int] = []
    clock.advance(1.0)
    with pytest.raises(BreakerOpenError) as raised:
        breaker.call(calls.append, 1)
    assert calls == []
    assert raised.value.state == pybreaker.STATE_OPEN  # pybreaker's vocabulary, without importing it
    assert raised.value.dependency == "redis"
    assert raised.value.retry_after == pytest.approx(CONFIG.reset_timeout - 1.0)
    assert breaker.allow() is False


def test_half_open_after_reset_timeout(clock: FakeClock) -> None:
    breaker = open_breaker(clock)
    clock.advance(CONFIG.reset_timeout - 0.01)
    assert breaker.state == STATE_OPEN
    clock.advance(0.01)
    assert breaker.state == STATE_HALF_OPEN
    assert breaker.allow() is True
    assert breaker.allow() is True  # a pre-check reserves nothing
    assert breaker.snapshot()["retry_after"] == 0.0


def test_half_open_admits_exactly_one_probe(clock: FakeClock) -> None:
    breaker = open_breaker(clock)
    clock.advance(CONFIG.reset_timeout)
    seen: list[str] = []

    def probe() -> str:
        # While the probe is in flight every other call fails fast.
        assert breaker.allow() is False
        with pytest.raises(BreakerOpenError):
            breaker.call(seen.append, "second")
        return "probed"

    assert breaker.call(probe) == "probed"
    assert seen == []
    assert breaker.state == STATE_CLOSED


def test_probe_failure_reopens(clock: FakeClock) -> None:
    breaker = open_breaker(clock)
    clock.advance(CONFIG.reset_timeout)
    fail(breaker, 1)
    assert breaker.state == STATE_OPEN
    assert breaker.snapshot()["retry_after"] == pytest.approx(CONFIG.reset_timeout)


def test_slow_probe_reopens(clock: FakeClock) -> None:
    breaker = open_breaker(clock)
    clock.advance(CONFIG.reset_timeout)
    breaker.call(clock.advance, CONFIG.slow_call_seconds * 2)
    assert breaker.state == STATE_OPEN
    assert breaker.snapshot()["reason"].startswith("probe slow")


def test_closing_starts_a_fresh_window(clock: FakeClock) -> None:
    breaker = open_breaker(clock)
    clock.advance(CONFIG.reset_timeout)
    succeed(breaker, 1)
    fail(breaker, 1)  # the failures from before the outage must not re-trip it
    assert breaker.state == STATE_CLOSED


def test_interrupted_probe_frees_the_slot(clock: FakeClock) -> None:
    breaker = open_breaker(clock)
    clock.advance(CONFIG.reset_timeout)

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        breaker.call(interrupted)
    assert breaker.state == STATE_HALF_OPEN
    assert breaker.allow() is True


def test_context_manager_and_decorator_share_the_rules(clock: FakeClock) -> None:
    breaker = Breaker("redis", CONFIG, clock=clock)

    @breaker
    def guarded(value: int) -> int:
        if value < 0:
            raise ConnectionResetError("reset")
        return value * 2

    assert guarded(21) == 42
    with pytest.raises(ConnectionResetError):
        guarded(-1)
    with breaker.calling():
        pass
    assert breaker.state == STATE_CLOSED  # 1 of 3 failed
    with pytest.raises(ConnectionResetError), breaker.calling():
        raise ConnectionResetError("reset")
    assert breaker.state == STATE_OPEN  # 2 of 4 failed
    with pytest.raises(BreakerOpenError), breaker.calling():
        pytest.fail("the block must not run while open")


def test_force_open_pins_until_release(clock: FakeClock) -> None:
    breaker = Breaker("redis", CONFIG, clock=clock)
    breaker.force_open()
    clock.advance(CONFIG.reset_timeout * 10)
    assert breaker.state == STATE_OPEN
    assert breaker.forced == STATE_OPEN
    with pytest.raises(BreakerOpenError):
        breaker.call(ok)
    breaker.release()
    assert breaker.forced is None
    assert breaker.state == STATE_HALF_OPEN  # the next call probes
    succeed(breaker, 1)
    assert breaker.state == STATE_CLOSED


def test_force_closed_never_trips(clock: FakeClock) -> None:
    breaker = open_breaker(clock)
    breaker.force_closed()
    assert breaker.state == STATE_CLOSED
    fail(breaker, CONFIG.minimum_calls * 3)
    assert breaker.state == STATE_CLOSED
    assert breaker.snapshot()["failures"] == CONFIG.minimum_calls * 3
    breaker.release()
    fail(breaker, 1)  # judged again on the window it kept while pinned
    assert breaker.state == STATE_OPEN


def test_stale_probe_does_not_settle_a_newer_one(clock: FakeClock) -> None:
    breaker = open_breaker(clock)
    clock.advance(CONFIG.reset_timeout)

    def probe_that_outlives_a_pin() -> None:
        breaker.force_open()
        breaker.release()  # half-open again, with a new probe slot
        raise ConnectionRefusedError("stale probe")

    with pytest.raises(ConnectionRefusedError):
        breaker.call(probe_that_outlives_a_pin)
    assert breaker.state == STATE_HALF_OPEN  # only a current probe may re-open it
    assert breaker.allow() is True


def test_snapshot_reports_counts_and_config(clock: FakeClock) -> None:
    breaker = Breaker("opensearch", CONFIG, clock=clock)
    succeed(breaker, 3)
    fail(breaker, 1)
    snap = breaker.snapshot()
    assert snap["dependency"] == "opensearch"
    assert (snap["calls"], snap["failures"], snap["failure_rate"]) == (4, 1, 0.25)
    assert snap["config"]["slow_call_seconds"] == CONFIG.slow_call_seconds
    assert snap["forced"] is None


def test_transitions_are_reported_to_telemetry(clock: FakeClock, sink: RecordingSink) -> None:
    breaker = open_breaker(clock)
    clock.advance(CONFIG.reset_timeout)
    succeed(breaker, 1)
    breaker.force_open()
    breaker.force_open()  # already open: no transition, nothing reported
    values = catalogue.BREAKER_STATE_VALUES
    assert [value for value, _ in sink.named(catalogue.BREAKER_STATE.name)] == [
        values[STATE_OPEN],
        values[STATE_HALF_OPEN],
        values[STATE_CLOSED],
        values[STATE_OPEN],
    ]
    opened = sink.named(catalogue.BREAKER_OPENED.name)
    assert len(opened) == 2
    assert opened[0][1]["dependency"] == "redis"
    assert all(dims["dependency"] == "redis" for _, dims in sink.named(catalogue.BREAKER_STATE.name))


def test_one_log_line_per_transition(clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="brickguard.guards.breaker")
    breaker = open_breaker(clock)
    fail_fast_attempts = 3
    for _ in range(fail_fast_attempts):
        with pytest.raises(BreakerOpenError):
            breaker.call(ok)
    records = [r for r in caplog.records if r.name == "brickguard.guards.breaker"]
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.WARNING
    assert (record.dependency, record.from_state, record.to_state) == ("redis", STATE_CLOSED, STATE_OPEN)  # type: ignore[attr-defined]
    assert "4/4" in record.reason  # type: ignore[attr-defined]


def test_listeners_hear_transitions_and_cannot_break_calls(clock: FakeClock) -> None:
    breaker = Breaker("redis", CONFIG, clock=clock)
    heard: list[StateChange] = []
    breaker.add_listener(heard.append)
    breaker.add_listener(lambda change: (_ for _ in ()).throw(RuntimeError("listener bug")))
    fail(breaker, CONFIG.minimum_calls)  # the listener's error must not replace the call's
    assert [(c.from_state, c.to_state) for c in heard] == [(STATE_CLOSED, STATE_OPEN)]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"failure_rate_threshold": 0},
        {"failure_rate_threshold": 1.5},
        {"minimum_calls": 0},
        {"slow_call_seconds": 0},
        {"reset_timeout": -1},
        {"window_seconds": 0},
    ],
)
def test_config_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        BreakerConfig(**kwargs)  # type: ignore[arg-type]


def test_the_vocabulary_is_pybreakers_without_importing_it():
    assert (STATE_CLOSED, STATE_OPEN, STATE_HALF_OPEN) == (
        pybreaker.STATE_CLOSED,
        pybreaker.STATE_OPEN,
        pybreaker.STATE_HALF_OPEN,
    )
    from guards.errors import is_dependency_failure, is_retryable

    for refused in (BreakerOpenError("redis", STATE_OPEN, 1.0), pybreaker.CircuitBreakerError("open")):
        assert not is_retryable(refused)
        assert not is_dependency_failure(refused)
