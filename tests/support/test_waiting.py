"""wait_until returns what the condition gave as soon as it holds, and names the condition when it never does."""

from __future__ import annotations

import itertools

import pytest

from tests.support.waiting import wait_until


def test_returns_the_first_truthy_value_without_waiting_for_the_limit():
    polls = itertools.count(1)
    assert wait_until(lambda: next(polls) >= 3 and "ready", "the third poll", limit=5, step=0.001) == "ready"


def test_fails_with_the_condition_and_its_last_value_after_the_limit():
    with pytest.raises(pytest.fail.Exception, match=r"timed out after 0.05s waiting for the moon; last value: \[\]"):
        wait_until(lambda: [], "the moon", limit=0.05, step=0.01)
