"""The sliding window forgets events one slice at a time and never double-counts a reused slice."""

from __future__ import annotations

import pytest

from guards.sliding_window import SlidingWindow


def add(window: SlidingWindow, now: float, *deltas: int) -> None:
    counts = window.current(now)
    for field, delta in enumerate(deltas):
        counts[field] += delta


def test_counts_events_inside_the_window() -> None:
    window = SlidingWindow(seconds=10.0, buckets=10, fields=2)
    add(window, 100.0, 1, 0)
    add(window, 103.5, 1, 1)
    add(window, 109.9, 1, 1)
    assert window.totals(109.9) == [3, 2]


def test_events_leave_one_slice_at_a_time() -> None:
    window = SlidingWindow(seconds=10.0, buckets=10, fields=1)
    add(window, 100.0, 1)  # slice [100, 101)
    add(window, 105.0, 2)  # slice [105, 106)
    assert window.totals(109.99) == [3]
    assert window.totals(110.0) == [2]  # the [100, 101) slice is now a whole window old
    assert window.totals(115.0) == [0]


def test_a_reused_slice_starts_from_zero() -> None:
    window = SlidingWindow(seconds=1.0, buckets=2, fields=1)
    add(window, 10.0, 5)
    add(window, 11.0, 1)  # same ring position as 10.0, one window later
    assert window.totals(11.0) == [1]


def test_clear_forgets_everything() -> None:
    window = SlidingWindow(seconds=10.0, buckets=5, fields=2)
    add(window, 1.0, 4, 4)
    window.clear()
    assert window.totals(1.0) == [0, 0]
    add(window, 1.0, 1, 0)
    assert window.totals(1.0) == [1, 0]


@pytest.mark.parametrize(("seconds", "buckets", "fields"), [(0, 10, 1), (10, 0, 1), (10, 10, 0)])
def test_rejects_empty_shapes(seconds: float, buckets: int, fields: int) -> None:
    with pytest.raises(ValueError):
        SlidingWindow(seconds, buckets, fields)
