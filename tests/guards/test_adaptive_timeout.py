"""The search timeout follows OpenSearch's observed latency, within its floor and ceiling."""

from __future__ import annotations

import pytest

from guards.adaptive_timeout import AdaptiveTimeout


def test_the_ceiling_holds_until_enough_calls_were_seen():
    timeouts = AdaptiveTimeout(floor=0.05, ceiling=0.25, warmup=20)
    for _ in range(19):
        timeouts.record(0.001)
    assert timeouts.current() == 0.25


def test_fast_calls_bring_the_timeout_down_to_a_multiple_of_their_p99():
    timeouts = AdaptiveTimeout(floor=0.01, ceiling=0.25, multiplier=2.0, samples=100, warmup=20)
    for _ in range(96):
        timeouts.record(0.020)
    assert timeouts.current() == pytest.approx(0.040)


def test_the_floor_and_the_ceiling_bound_it():
    fast = AdaptiveTimeout(floor=0.05, ceiling=0.25)
    slow = AdaptiveTimeout(floor=0.05, ceiling=0.25)
    for _ in range(64):
        fast.record(0.0005)
        slow.record(0.4)
    assert fast.current() == 0.05
    assert slow.current() == 0.25


def test_it_follows_a_dependency_that_got_slower():
    timeouts = AdaptiveTimeout(floor=0.01, ceiling=1.0, multiplier=2.0, samples=32, warmup=16)
    for _ in range(32):
        timeouts.record(0.010)
    assert timeouts.current() == pytest.approx(0.020)
    for _ in range(32):
        timeouts.record(0.100)
    assert timeouts.current() == pytest.approx(0.200)


@pytest.mark.parametrize(
    "kwargs", [{"floor": 0, "ceiling": 1}, {"floor": 2, "ceiling": 1}, {"floor": 0.1, "ceiling": 1, "multiplier": 0.5}]
)
def test_nonsense_bounds_are_refused(kwargs):
    with pytest.raises(ValueError):
        AdaptiveTimeout(**kwargs)
