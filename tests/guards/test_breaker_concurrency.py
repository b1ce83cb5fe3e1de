"""Our breaker lets concurrent calls overlap; pybreaker's lock around the call does not.

Each thread's call waits on one ``threading.Barrier`` for all N threads. The
barrier can only be passed if N calls are inside the breaker at the same time,
so this checks behaviour (overlap), not timing. The barrier's timeout only
bounds how long the pybreaker case takes to fail.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pybreaker

from guards.breaker import STATE_CLOSED, STATE_HALF_OPEN, Breaker, BreakerOpenError

THREADS = 8


def run_concurrently(call: Callable[[], object]) -> list[BaseException | None]:
    """Run ``call`` in THREADS threads; return each thread's exception (None when it returned)."""
    outcomes: list[BaseException | None] = [None] * THREADS

    def worker(index: int) -> None:
        try:
            call()
        except BaseException as exc:
            outcomes[index] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a worker is stuck"
    return outcomes


def test_our_breaker_lets_all_calls_meet_at_the_barrier() -> None:
    barrier = threading.Barrier(THREADS, timeout=10)
    breaker = Breaker("redis")
    outcomes = run_concurrently(lambda: breaker.call(barrier.wait))
    assert outcomes == [None] * THREADS
    assert breaker.state == STATE_CLOSED
    assert breaker.snapshot()["calls"] == THREADS


def test_pybreaker_serializes_calls_so_none_meet() -> None:
    barrier = threading.Barrier(THREADS, timeout=0.5)
    plain = pybreaker.CircuitBreaker(fail_max=THREADS * 2)
    outcomes = run_concurrently(lambda: plain.call(barrier.wait))
    assert all(isinstance(outcome, threading.BrokenBarrierError) for outcome in outcomes)


def test_bookkeeping_stays_exact_under_contention() -> None:
    breaker = Breaker("redis")
    per_thread = 2_000

    def many_calls() -> None:
        for _ in range(per_thread):
            breaker.call(int, "1")

    outcomes = run_concurrently(many_calls)
    assert outcomes == [None] * THREADS
    assert breaker.snapshot()["calls"] == THREADS * per_thread


def test_half_open_admits_one_probe_among_racing_threads() -> None:
    """All threads race for the probe slot; exactly one gets it while it is in flight."""
    now = [1000.0]
    breaker = Breaker("redis", clock=lambda: now[0])
    breaker.force_open()
    breaker.release()  # half-open, probe slot free
    assert breaker.state == STATE_HALF_OPEN

    finish_probe = threading.Event()
    tally = threading.Condition()
    admitted: list[int] = []
    rejected: list[int] = []

    def probe() -> None:
        with tally:
            admitted.append(1)
        assert finish_probe.wait(timeout=10), "the test never released the probe"

    def attempt() -> None:
        try:
            breaker.call(probe)
        except BreakerOpenError:
            with tally:
                rejected.append(1)
                tally.notify_all()

    threads = [threading.Thread(target=attempt) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    with tally:
        assert tally.wait_for(lambda: len(rejected) == THREADS - 1, timeout=10)
    assert len(admitted) == 1
    finish_probe.set()
    for thread in threads:
        thread.join(timeout=10)
    assert breaker.state == STATE_CLOSED
