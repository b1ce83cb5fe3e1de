"""The retry budget: at most 10 % of calls in the window, with a floor for a cold process."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from guards.retry_budget import RetryBudget

if TYPE_CHECKING:
    from tests.guards.conftest import FakeClock


def spend_all(budget: RetryBudget) -> int:
    spent = 0
    while budget.try_spend():
        spent += 1
        assert spent <= 10_000, "budget never ran out"
    return spent


def test_a_cold_process_gets_the_floor(clock: FakeClock) -> None:
    budget = RetryBudget(min_retries=3, clock=clock)
    assert spend_all(budget) == 3


def test_retries_are_capped_at_ten_percent_of_calls(clock: FakeClock) -> None:
    budget = RetryBudget(ratio=0.1, min_retries=3, clock=clock)
    for _ in range(200):
        budget.record_call()
    assert spend_all(budget) == 20
    assert budget.snapshot() == {"calls": 200, "retries": 20, "allowed": 20, "window_seconds": 10.0}


def test_a_refused_retry_takes_nothing(clock: FakeClock) -> None:
    budget = RetryBudget(min_retries=1, clock=clock)
    assert budget.try_spend()
    assert not budget.try_spend()
    assert budget.snapshot()["retries"] == 1


def test_the_budget_refills_as_the_window_slides(clock: FakeClock) -> None:
    budget = RetryBudget(min_retries=2, window_seconds=10.0, clock=clock)
    assert spend_all(budget) == 2
    clock.advance(5.0)
    assert not budget.try_spend()
    clock.advance(5.0)
    assert spend_all(budget) == 2


def test_zero_floor_means_no_retry_without_traffic(clock: FakeClock) -> None:
    budget = RetryBudget(min_retries=0, clock=clock)
    assert not budget.try_spend()


@pytest.mark.parametrize("kwargs", [{"ratio": -0.1}, {"ratio": 1.5}, {"min_retries": -1}])
def test_rejects_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryBudget(**kwargs)  # type: ignore[arg-type]
