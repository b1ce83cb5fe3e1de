"""Breaker overhead and concurrency: ours against a bare call and against pybreaker, in one run.

(a) Cost per call of a trivial function: bare, through our breaker (``call``
    and ``calling()``), through ``pybreaker.CircuitBreaker.call``, and through
    ``retry_call`` around our breaker — the stack a dependency client builds —
    and, for comparison, a plain ``tenacity.Retrying`` doing the same (why
    ``retry_call`` makes its first attempt outside tenacity). Best of several
    interleaved rounds, in ns/call.
(b) Throughput through ONE breaker of calls that release the GIL
    (``time.sleep(0.001)``, standing in for a network round trip): 8 threads
    against 1 thread, ours and pybreaker. pybreaker runs the call under its
    lock, so its 8 threads should do no better than 1.

Bounded: about 5 seconds. Writes its section of ``docs/performance.md``
between ``<!-- bench:breaker -->`` markers.

Run: ``python -m benchmarks.bench_breaker [--write-docs]``
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pybreaker
import tenacity

from benchmarks.report import DOC, command_line, machine_line, write_section
from guards.breaker import Breaker
from guards.errors import is_retryable
from guards.retry import retry_call
from guards.retry_budget import RetryBudget

CALLS_PER_ROUND = 100_000
ROUNDS = 5
THREADS = 8
THROUGHPUT_SECONDS = 0.5
SLEEP_SECONDS = 0.001
TENACITY_DIVISOR = 10

SECTION = "breaker"


def noop() -> None:
    return None


def per_call_ns(make_loop: Callable[[int], None]) -> float:
    """ns per call of one timed loop of CALLS_PER_ROUND calls."""
    started = time.perf_counter_ns()
    make_loop(CALLS_PER_ROUND)
    return (time.perf_counter_ns() - started) / CALLS_PER_ROUND


def measure_cost() -> dict[str, float]:
    """Best-of-ROUNDS ns/call for each variant, rounds interleaved so drift hits all alike."""
    ours = Breaker("redis")
    theirs = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=5)
    budget = RetryBudget()

    def bare(n: int) -> None:
        for _ in range(n):
            noop()

    def ours_call(n: int) -> None:
        call = ours.call
        for _ in range(n):
            call(noop)

    def ours_with(n: int) -> None:
        for _ in range(n):
            with ours.calling():
                noop()

    def pybreaker_call(n: int) -> None:
        call = theirs.call
        for _ in range(n):
            call(noop)

    def retry_and_breaker(n: int) -> None:
        call = ours.call
        for _ in range(n):
            retry_call(lambda: call(noop), dependency="redis", budget=budget)

    def tenacity_and_breaker(n: int) -> None:
        call = ours.call
        for _ in range(n // TENACITY_DIVISOR):  # far slower: fewer calls, scaled back below
            tenacity.Retrying(
                retry=tenacity.retry_if_exception(is_retryable),
                stop=tenacity.stop_after_attempt(3),
                wait=tenacity.wait_random_exponential(multiplier=0.05, max=1.0),
                reraise=True,
            )(call, noop)

    variants: dict[str, Callable[[int], None]] = {
        "bare call": bare,
        "brickguard Breaker.call": ours_call,
        "brickguard `with calling()`": ours_with,
        "pybreaker CircuitBreaker.call": pybreaker_call,
        "retry_call + Breaker.call": retry_and_breaker,
        "plain tenacity.Retrying + Breaker.call": tenacity_and_breaker,
    }
    best = dict.fromkeys(variants, float("inf"))
    for _ in range(ROUNDS):
        for name, loop in variants.items():
            ns = per_call_ns(loop)
            if loop is tenacity_and_breaker:
                ns *= TENACITY_DIVISOR
            best[name] = min(best[name], ns)
    return best


def throughput(call: Callable[[], object], threads: int) -> float:
    """Calls per second completed by ``threads`` threads looping on ``call`` for THROUGHPUT_SECONDS."""
    stop = threading.Event()
    counts = [0] * threads

    def worker(index: int) -> None:
        done = 0
        while not stop.is_set():
            call()
            done += 1
        counts[index] = done

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    time.sleep(THROUGHPUT_SECONDS)
    stop.set()
    for thread in pool:
        thread.join(timeout=10)
    return sum(counts) / (time.perf_counter() - started)


def measure_concurrency() -> dict[str, dict[int, float]]:
    ours = Breaker("redis", None)
    theirs = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=5)
    rows: dict[str, dict[int, float]] = {}
    for name, call in (
        ("brickguard Breaker", lambda: ours.call(time.sleep, SLEEP_SECONDS)),
        ("pybreaker CircuitBreaker", lambda: theirs.call(time.sleep, SLEEP_SECONDS)),
        ("no breaker", lambda: time.sleep(SLEEP_SECONDS)),
    ):
        rows[name] = {n: throughput(call, n) for n in (1, THREADS)}
    return rows


def render(cost: dict[str, float], concurrency: dict[str, dict[int, float]]) -> str:
    bare = cost["bare call"]
    lines = [
        "## Circuit breaker (`benchmarks/bench_breaker.py`)",
        "",
        machine_line().rstrip(".") + f", pybreaker {pybreaker_version()}.",
        "",
        f"**Cost per call** of a no-op function, best of {ROUNDS} interleaved rounds of "
        f"{CALLS_PER_ROUND:,} calls (breaker closed, no metric sink):",
        "",
        "| variant | ns/call | overhead vs bare (ns) | ratio to bare | ratio to pybreaker |",
        "|---|---:|---:|---:|---:|",
    ]
    theirs = cost["pybreaker CircuitBreaker.call"]
    for name, ns in cost.items():
        lines.append(f"| {name} | {ns:,.0f} | {ns - bare:,.0f} | {ns / bare:.1f} | {ns / theirs:.2f} |")
    lines += [
        "",
        f"**Throughput through one breaker** of calls that release the GIL (`time.sleep({SLEEP_SECONDS})`), "
        f"{THROUGHPUT_SECONDS}s per cell:",
        "",
        f"| breaker | calls/s, 1 thread | calls/s, {THREADS} threads | {THREADS} threads / 1 thread |",
        "|---|---:|---:|---:|",
    ]
    for name, row in concurrency.items():
        lines.append(f"| {name} | {row[1]:,.0f} | {row[THREADS]:,.0f} | {row[THREADS] / row[1]:.2f} |")
    ours8 = concurrency["brickguard Breaker"][THREADS]
    theirs8 = concurrency["pybreaker CircuitBreaker"][THREADS]
    lines += [
        "",
        f"With {THREADS} threads our breaker completes **{ours8 / theirs8:.1f}x** the calls pybreaker does: "
        "pybreaker holds its lock for the whole wrapped call, so its threads take turns; ours holds it "
        "only for bookkeeping.",
    ]
    return "\n".join(lines)


def pybreaker_version() -> str:
    from importlib.metadata import version

    return version("pybreaker")


def main() -> None:
    args = command_line(__doc__).parse_args()
    cost = measure_cost()
    concurrency = measure_concurrency()
    section = render(cost, concurrency)
    print(section)
    if args.write_docs:
        write_section(SECTION, section)
        print(f"\nwrote {DOC}")


if __name__ == "__main__":
    main()
