"""A circuit breaker that judges a failure *rate*, counts slow calls, and never serializes calls.

Speaks pybreaker's vocabulary — the same state names (``"closed"``,
``"open"``, ``"half-open"``, pybreaker's ``STATE_*`` values) and an error
raised instead of the call (:class:`BreakerOpenError`, pybreaker's
``CircuitBreakerError``) — without importing it: ``import pybreaker`` imports
redis, 100 to 200 ms of cold start for three strings and a base class. It is not
built on pybreaker's ``CircuitBreaker`` either, for two reasons (details in
``docs/guards.md``):

* pybreaker trips after N *consecutive* failures; one success in between
  resets it, so a dependency failing 70 % of the time never trips. Here the
  breaker opens when, over a sliding time window, at least ``minimum_calls``
  calls were made and at least ``failure_rate_threshold`` of them failed or
  were slower than ``slow_call_seconds``.
* pybreaker 1.4 runs the wrapped function *inside* ``with self._lock`` (an
  RLock, ``CircuitBreaker.call``), so every call through one breaker waits for
  the previous one: a threaded server talking to Redis through it handles one
  Redis call at a time. Here the lock is held only for bookkeeping before and
  after the call; in the closed state the pre-check takes no lock at all.

States: closed → open (rate over threshold) → half-open (after
``reset_timeout``; exactly one probe call is admitted at a time, everything
else fails fast) → closed (probe succeeded in time) or open (probe failed or
was slow). Operators can pin a breaker with :meth:`Breaker.force_open` /
:meth:`Breaker.force_closed` until :meth:`Breaker.release`.

Every transition records ``BreakerState`` (and ``BreakerOpened`` when opening)
through ``runtime.telemetry.recorder`` and writes one log line to
``brickguard.guards.breaker``.

Example::

    breaker = Breaker("redis", BreakerConfig(slow_call_seconds=0.1))
    if breaker.allow():                      # skip the cache instantly when open
        value = breaker.call(client.get, key)
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ParamSpec, TypeVar

from guards import errors
from guards.sliding_window import SlidingWindow
from runtime.telemetry import catalogue, recorder

STATE_CLOSED = "closed"  # pybreaker.STATE_CLOSED
STATE_OPEN = "open"  # pybreaker.STATE_OPEN
STATE_HALF_OPEN = "half-open"  # pybreaker.STATE_HALF_OPEN
FORCED_STATES = (STATE_OPEN, STATE_CLOSED)

log = logging.getLogger("brickguard.guards.breaker")

P = ParamSpec("P")
T = TypeVar("T")
Clock = Callable[[], float]

_CALLS, _FAILURES, _SLOW = 0, 1, 2  # fields of the sliding window


@dataclass(frozen=True, slots=True)
class BreakerConfig:
    """When a breaker opens and how long it stays open. Defaults per dependency: ``breaker_registry``."""

    failure_rate_threshold: float = 0.5
    """Open when at least this share of the window's calls failed or were slow (0 < x <= 1)."""
    minimum_calls: int = 5
    """No verdict on fewer calls than this in the window: one failure of one call is not a rate."""
    window_seconds: float = 10.0
    """Length of the sliding *time* window the rate is judged over."""
    window_buckets: int = 10
    """Slices of the window; events leave the window one slice at a time."""
    slow_call_seconds: float = 1.0
    """A call taking longer than this counts as a failure even when it succeeded."""
    reset_timeout: float = 5.0
    """Seconds an open breaker waits before admitting one probe (half-open)."""
    is_failure: Callable[[BaseException], bool] = field(default=errors.is_dependency_failure)
    """Which exceptions count against the dependency (pybreaker's ``exclude``, inverted).
    Exceptions that do not count are recorded as successful calls: the dependency answered."""

    def __post_init__(self) -> None:
        if not 0 < self.failure_rate_threshold <= 1:
            raise ValueError(f"failure_rate_threshold must be in (0, 1], got {self.failure_rate_threshold}")
        if self.minimum_calls < 1:
            raise ValueError(f"minimum_calls must be at least 1, got {self.minimum_calls}")
        for name in ("window_seconds", "slow_call_seconds", "reset_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")


class BreakerOpenError(Exception):
    """The call was not made: the breaker is open, or half-open with its probe in flight.

    pybreaker's ``CircuitBreakerError`` in meaning, not by inheritance (that would import pybreaker
    and redis); ``guards.errors`` treats both alike.
    """

    def __init__(self, dependency: str, state: str, retry_after: float) -> None:
        super().__init__(f"{dependency} circuit breaker is {state}; retry in {retry_after:.1f}s")
        self.dependency = dependency
        self.state = state
        self.retry_after = retry_after
        """Seconds until the breaker may admit a call again (for a ``Retry-After`` header)."""


@dataclass(frozen=True, slots=True)
class StateChange:
    """One transition, as given to listeners."""

    dependency: str
    from_state: str
    to_state: str
    reason: str


StateListener = Callable[[StateChange], None]


class _Probe:
    """Identity of the one call admitted in half-open (a stale probe must not settle a newer one)."""

    __slots__ = ()


class Breaker:
    """One dependency's circuit breaker. Thread-safe; the lock never covers the wrapped call."""

    def __init__(self, name: str, config: BreakerConfig | None = None, *, clock: Clock = time.monotonic) -> None:
        self.name = name
        self.config = config or BreakerConfig()
        self._clock = clock
        self._lock = threading.Lock()
        self._window = SlidingWindow(self.config.window_seconds, self.config.window_buckets, 3)
        self._slow_call_seconds = self.config.slow_call_seconds
        self._listeners: tuple[StateListener, ...] = ()
        self._state = STATE_CLOSED
        self._forced: str | None = None
        self._probe: _Probe | None = None
        self._consecutive_failures = 0
        self._run_started = 0.0  # when the current run of consecutive failures began
        self._opened_at = 0.0
        self._changed_at = clock()
        self._reason = "created"
        self._in_flight: dict[object, float] = {}  # call token -> start, in start order
        self._probe_fn: Callable[[], object] | None = None

    # -- calling ---------------------------------------------------------------------------

    def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Call ``fn`` if the breaker admits it, else raise :class:`BreakerOpenError` at once."""
        probe = self._admit()
        token = object()
        started = self._in_flight[token] = self._clock()
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            del self._in_flight[token]
            self._settle(probe, started, exc)
            raise
        del self._in_flight[token]
        self._settle(probe, started, None)
        return result

    def calling(self) -> _Calling:
        """The same as :meth:`call` for a block: ``with breaker.calling(): ...``."""
        return _Calling(self)

    def __call__(self, fn: Callable[P, T]) -> Callable[P, T]:
        """Decorator form: ``@breaker`` routes every call of ``fn`` through :meth:`call`."""

        @functools.wraps(fn)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> T:
            return self.call(fn, *args, **kwargs)

        return guarded

    def allow(self) -> bool:
        """Would a call be admitted now? Reserves nothing: :meth:`call` still decides.

        Lets a caller with a fallback (the cache, search) skip the dependency
        without paying a timeout or building a request once the breaker is open.
        """
        if self._state == STATE_CLOSED:
            return True
        with self._lock:
            change = self._expire_open(self._clock())
            allowed = self._state == STATE_CLOSED or (self._state == STATE_HALF_OPEN and self._probe is None)
        self._notify(change)
        return allowed

    # -- state -----------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """``"closed"``, ``"open"`` or ``"half-open"`` (an elapsed reset timeout shows as half-open)."""
        if self._state != STATE_OPEN:
            return self._state
        with self._lock:
            change = self._expire_open(self._clock())
            state = self._state
        self._notify(change)
        return state

    @property
    def forced(self) -> str | None:
        """``"open"`` or ``"closed"`` while an operator pins the breaker, else None."""
        return self._forced

    def force_open(self) -> None:
        """Pin open: every call fails fast until :meth:`release` (incident response, chaos tests)."""
        self._pin(STATE_OPEN)

    def force_closed(self) -> None:
        """Pin closed: every call is admitted and the breaker never trips until :meth:`release`."""
        self._pin(STATE_CLOSED)

    def release(self) -> None:
        """Unpin. A breaker forced open goes half-open, so its next call probes the dependency."""
        with self._lock:
            was, self._forced = self._forced, None
            change = self._move(STATE_HALF_OPEN, "released") if was == STATE_OPEN else None
        self._notify(change)

    def add_listener(self, listener: StateListener) -> None:
        """Call ``listener`` after every transition (outside the lock, in the thread that caused it)."""
        with self._lock:
            self._listeners = (*self._listeners, listener)

    def snapshot(self) -> dict[str, Any]:
        """State, pin, window counts and configuration, for ``brickguard breaker status`` and /health."""
        with self._lock:
            now = self._clock()
            change = self._expire_open(now)
            calls, failures, slow = self._window.totals(now)
            snap: dict[str, Any] = {
                "dependency": self.name,
                "state": self._state,
                "forced": self._forced,
                "calls": calls,
                "failures": failures,
                "slow_calls": slow,
                "failure_rate": round(failures / calls, 3) if calls else 0.0,
                "probe_in_flight": self._probe is not None,
                "retry_after": round(self._retry_after(now), 3),
                "seconds_in_state": round(now - self._changed_at, 3),
                "reason": self._reason,
                "config": {
                    "failure_rate_threshold": self.config.failure_rate_threshold,
                    "minimum_calls": self.config.minimum_calls,
                    "window_seconds": self.config.window_seconds,
                    "slow_call_seconds": self.config.slow_call_seconds,
                    "reset_timeout": self.config.reset_timeout,
                },
            }
        self._notify(change)
        return snap

    # -- bookkeeping (the only code that runs under the lock) ----------------------------------

    def _admit(self) -> _Probe | None:
        """Let a call through (returning its probe token in half-open) or raise BreakerOpenError."""
        if self._state == STATE_CLOSED:  # lock-free fast path; a racing trip admits one more call
            if len(self._in_flight) >= self.config.minimum_calls:
                self._trip_on_stuck_calls()
            return None
        with self._lock:
            now = self._clock()
            change = self._expire_open(now)
            probe = error = None
            if self._state == STATE_HALF_OPEN and self._probe is None:
                probe = self._probe = _Probe()
            elif self._state != STATE_CLOSED:
                error = BreakerOpenError(self.name, self._state, self._retry_after(now))
        self._notify(change)
        if error is not None:
            raise error
        return probe

    def _trip_on_stuck_calls(self) -> None:
        """Open when ``minimum_calls`` calls are still in flight past the slow-call threshold.

        A hung dependency returns nothing until its timeouts fire; counting only
        finished calls would let every request of that moment join the wait. The
        calls still in flight already say enough. Raises BreakerOpenError when it opened.
        """
        starts = list(self._in_flight.values())  # one atomic copy; insertion order is start order
        cfg = self.config
        if len(starts) < cfg.minimum_calls or self._clock() - starts[cfg.minimum_calls - 1] <= self._slow_call_seconds:
            return
        with self._lock:
            change = None
            if self._state == STATE_CLOSED and self._forced is None:
                change = self._move(
                    STATE_OPEN, f"{cfg.minimum_calls} calls in flight past the {self._slow_call_seconds:g}s threshold"
                )
            retry_after = self._retry_after(self._clock())
        self._notify(change)
        if change is not None:
            raise BreakerOpenError(self.name, STATE_OPEN, retry_after)

    def set_probe(self, probe: Callable[[], object]) -> None:
        """Probe with ``probe()`` in a background thread instead of admitting a user's call in half-open.

        For dependencies with a fallback (cache, search): while the probe runs,
        callers keep skipping the dependency, so no request pays for finding out
        whether it is back. ``probe`` must be bounded by its own timeout.
        """
        self._probe_fn = probe

    def _run_probe(self, probe: _Probe) -> None:
        started = self._clock()
        try:
            assert self._probe_fn is not None
            self._probe_fn()
        except Exception as exc:
            self._settle(probe, started, exc)
            return
        self._settle(probe, started, None)

    def _settle(self, probe: _Probe | None, started: float, exc: BaseException | None) -> None:
        """Count one finished call and make the transition it calls for."""
        now = self._clock()
        duration = now - started
        slow = duration > self._slow_call_seconds
        if exc is None:
            failed = slow
        elif isinstance(exc, Exception):
            failed = slow or self.config.is_failure(exc)
        else:  # KeyboardInterrupt, GeneratorExit…: no verdict, just free the probe slot
            with self._lock:
                if probe is not None and probe is self._probe:
                    self._probe = None
            return
        if not failed and probe is None:
            with self._lock:
                self._window.current(now)[_CALLS] += 1
                self._consecutive_failures = 0
            return  # the common case: a good call outside half-open changes no state
        with self._lock:
            counts = self._window.current(now)
            counts[_CALLS] += 1
            if failed:
                counts[_FAILURES] += 1
                counts[_SLOW] += slow
                if self._consecutive_failures == 0 or now - self._run_started >= self.config.window_seconds:
                    self._consecutive_failures, self._run_started = 0, now  # a run is judged within the window
                self._consecutive_failures += 1
            else:
                self._consecutive_failures = 0
            change = self._judge(probe, now, failed, exc, slow, duration)
        if change is not None:
            self._notify(change)

    def _judge(
        self, probe: _Probe | None, now: float, failed: bool, exc: BaseException | None, slow: bool, duration: float
    ) -> StateChange | None:
        """The transition a finished call calls for, if any. Lock held."""
        is_probe = probe is not None and probe is self._probe  # a stale probe is an ordinary call
        if is_probe:
            self._probe = None
        if self._forced is not None:
            return None
        if is_probe:
            return self._move(STATE_OPEN if failed else STATE_CLOSED, _probe_reason(exc, failed, slow, duration))
        if not failed or self._state != STATE_CLOSED:
            return None
        calls, failures, _slow = self._window.totals(now)
        cfg = self.config
        if calls >= cfg.minimum_calls and failures >= cfg.failure_rate_threshold * calls:
            return self._move(
                STATE_OPEN,
                f"{failures}/{calls} calls failed or slow in {cfg.window_seconds:g}s "
                f"(threshold {cfg.failure_rate_threshold:.0%})",
            )
        if self._consecutive_failures >= cfg.minimum_calls:  # a hard outage: no need to outvote old successes
            return self._move(STATE_OPEN, f"{self._consecutive_failures} consecutive calls failed or slow")
        return None

    def _pin(self, state: str) -> None:
        with self._lock:
            self._forced = state
            change = self._move(state, f"forced {state}")
        self._notify(change)

    def _expire_open(self, now: float) -> StateChange | None:
        """Open → half-open once the reset timeout has passed (never while pinned). Lock held."""
        if self._state == STATE_OPEN and self._forced is None and now - self._opened_at >= self.config.reset_timeout:
            change = self._move(STATE_HALF_OPEN, f"reset timeout {self.config.reset_timeout:g}s elapsed")
            if self._probe_fn is not None:  # the probe slot goes to the background probe, not to a user
                probe = self._probe = _Probe()
                threading.Thread(target=self._run_probe, args=(probe,), name=f"{self.name}-probe", daemon=True).start()
            return change
        return None

    def _retry_after(self, now: float) -> float:
        """Seconds until a call may be admitted. Lock held."""
        if self._state == STATE_CLOSED or (self._state == STATE_HALF_OPEN and self._probe is None):
            return 0.0
        if self._state == STATE_OPEN and self._forced is None:
            return max(0.0, self._opened_at + self.config.reset_timeout - now)
        return self.config.reset_timeout  # pinned open, or half-open waiting on its probe

    def _move(self, to_state: str, reason: str) -> StateChange | None:
        """Change state and report it. Lock held.

        Reporting happens under the lock so the state gauge can never be
        emitted out of order; transitions are rare, so calls do not wait on it.
        """
        from_state = self._state
        if from_state == to_state:
            return None
        now = self._clock()
        self._state = to_state
        self._probe = None
        self._changed_at = now
        self._reason = reason
        if to_state == STATE_OPEN:
            self._opened_at = now
        self._consecutive_failures = 0
        if to_state == STATE_CLOSED:
            self._window.clear()  # old failures must not re-trip a breaker that just recovered
        recorder.record(catalogue.BREAKER_STATE, catalogue.BREAKER_STATE_VALUES[to_state], dependency=self.name)
        if to_state == STATE_OPEN:
            recorder.record(catalogue.BREAKER_OPENED, dependency=self.name)
        log.log(
            logging.WARNING if to_state == STATE_OPEN else logging.INFO,
            "%s breaker %s -> %s: %s",
            self.name,
            from_state,
            to_state,
            reason,
            extra={"dependency": self.name, "from_state": from_state, "to_state": to_state, "reason": reason},
        )
        return StateChange(self.name, from_state, to_state, reason)

    def _notify(self, change: StateChange | None) -> None:
        """Run listeners outside the lock; a failing listener must not fail the call that tripped it."""
        if change is None:
            return
        for listener in self._listeners:
            try:
                listener(change)
            except Exception:
                log.exception("breaker listener %r failed on %s", listener, change, extra={"dependency": self.name})


def _probe_reason(exc: BaseException | None, failed: bool, slow: bool, duration: float) -> str:
    if slow:
        return f"probe slow ({duration * 1000:.0f} ms)"
    if failed:
        return f"probe raised {type(exc).__name__}"
    return "probe succeeded"


class _Calling:
    """Context manager behind :meth:`Breaker.calling`."""

    __slots__ = ("_breaker", "_probe", "_started")

    def __init__(self, breaker: Breaker) -> None:
        self._breaker = breaker
        self._probe: _Probe | None = None
        self._started = 0.0

    def __enter__(self) -> None:
        self._probe = self._breaker._admit()
        self._started = self._breaker._in_flight[self] = self._breaker._clock()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        del self._breaker._in_flight[self]
        self._breaker._settle(self._probe, self._started, exc)
