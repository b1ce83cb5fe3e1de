"""A hung dependency opens the breaker while its calls are in flight; a background probe tests recovery."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest

from guards.breaker import STATE_CLOSED, STATE_HALF_OPEN, STATE_OPEN, Breaker, BreakerConfig, BreakerOpenError

if TYPE_CHECKING:
    from tests.guards.conftest import FakeClock

CONFIG = BreakerConfig(minimum_calls=3, slow_call_seconds=0.1, reset_timeout=5.0)
JOIN_BOUND_S = 10.0


def _hang_calls(breaker: Breaker, count: int) -> tuple[threading.Event, list[threading.Thread]]:
    """``count`` calls that block (in threads) until the returned event is set."""
    release = threading.Event()
    entered = threading.Barrier(count + 1)

    def hung() -> None:
        entered.wait(JOIN_BOUND_S)
        release.wait(JOIN_BOUND_S)

    threads = [threading.Thread(target=breaker.call, args=(hung,), daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    entered.wait(JOIN_BOUND_S)  # every call is inside the breaker now
    return release, threads


def test_minimum_calls_stuck_past_the_slow_threshold_open_the_breaker_before_any_returns(clock: FakeClock):
    breaker = Breaker("redis", CONFIG, clock=clock)
    release, threads = _hang_calls(breaker, CONFIG.minimum_calls)
    try:
        assert breaker.call(lambda: "ok") == "ok"  # in flight, but not yet slow: admitted
        clock.advance(0.2)
        with pytest.raises(BreakerOpenError):
            breaker.call(lambda: "never")
        assert breaker.state == STATE_OPEN
        assert "in flight" in breaker.snapshot()["reason"]
    finally:
        release.set()
        for thread in threads:
            thread.join(JOIN_BOUND_S)


def test_fewer_stuck_calls_than_the_minimum_do_not_open(clock: FakeClock):
    breaker = Breaker("redis", CONFIG, clock=clock)
    release, threads = _hang_calls(breaker, CONFIG.minimum_calls - 1)
    try:
        clock.advance(1.0)
        assert breaker.call(lambda: "ok") == "ok"
        assert breaker.state == STATE_CLOSED
    finally:
        release.set()
        for thread in threads:
            thread.join(JOIN_BOUND_S)


def test_a_pinned_closed_breaker_never_trips_on_stuck_calls(clock: FakeClock):
    breaker = Breaker("redis", CONFIG, clock=clock)
    breaker.force_closed()
    release, threads = _hang_calls(breaker, CONFIG.minimum_calls)
    try:
        clock.advance(1.0)
        assert breaker.call(lambda: "ok") == "ok"
    finally:
        release.set()
        for thread in threads:
            thread.join(JOIN_BOUND_S)


def _opened(clock: FakeClock) -> Breaker:
    breaker = Breaker("redis", CONFIG, clock=clock)
    for _ in range(CONFIG.minimum_calls):
        with pytest.raises(ConnectionRefusedError):
            breaker.call(_refuse)
    assert breaker.state == STATE_OPEN
    return breaker


def _refuse() -> None:
    raise ConnectionRefusedError("refused")


def test_the_background_probe_takes_the_half_open_slot_and_closes_the_breaker(clock: FakeClock):
    breaker = _opened(clock)
    probing = threading.Event()
    answer = threading.Event()
    users: list[str] = []

    def probe() -> None:
        probing.set()
        answer.wait(JOIN_BOUND_S)

    closed = threading.Event()
    breaker.add_listener(lambda change: closed.set() if change.to_state == STATE_CLOSED else None)
    breaker.set_probe(probe)
    clock.advance(CONFIG.reset_timeout)
    assert not breaker.allow()  # the reset timeout started the probe: users still skip the dependency
    assert probing.wait(JOIN_BOUND_S)
    with pytest.raises(BreakerOpenError):
        breaker.call(lambda: users.append("paid"))
    assert users == []
    answer.set()
    assert closed.wait(JOIN_BOUND_S)
    assert breaker.state == STATE_CLOSED
    assert breaker.call(lambda: "ok") == "ok"


def test_a_failed_background_probe_reopens_and_probes_again_after_the_reset_timeout(clock: FakeClock):
    breaker = _opened(clock)
    probes: list[float] = []
    reopened = threading.Semaphore(0)
    breaker.add_listener(lambda change: reopened.release() if change.to_state == STATE_OPEN else None)

    def probe() -> None:
        probes.append(clock())
        raise ConnectionRefusedError("still down")

    breaker.set_probe(probe)
    clock.advance(CONFIG.reset_timeout)
    assert breaker.state in (STATE_HALF_OPEN, STATE_OPEN)
    assert reopened.acquire(timeout=JOIN_BOUND_S)
    assert breaker.snapshot()["state"] == STATE_OPEN
    clock.advance(CONFIG.reset_timeout)
    assert not breaker.allow()
    assert reopened.acquire(timeout=JOIN_BOUND_S)
    assert len(probes) == 2
