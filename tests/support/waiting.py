"""One way for a test to wait: poll what it waits for, bounded, and say what never came.

A fixed sleep guesses how long a hidden interval lasts (a reload period, a flush, a cache TTL):
too short and the test flakes on a loaded machine, too long and every run pays for it. Polling
the condition itself ends as soon as it holds and fails with the condition's name when it never does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")

WAIT_LIMIT_S = 20.0
"""Default bound: far past any interval the tests wait on, short enough to fail a hung run."""


def wait_until(predicate: Callable[[], T], what: str, limit: float = WAIT_LIMIT_S, step: float = 0.1) -> T:
    """Poll ``predicate`` until it returns something truthy and return that; fail after ``limit`` seconds.

    ``what`` completes "timed out after N s waiting for …", so name the condition, not the action.
    """
    deadline = time.monotonic() + limit
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {limit:g}s waiting for {what}; last value: {result!r}")
        time.sleep(step)
