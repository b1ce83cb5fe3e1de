"""Republish every breaker's state as the ``BreakerState`` gauge at a steady interval.

A breaker records ``BreakerState`` when it changes state. That is enough for a graph but not for
the ``breaker-open-<backend>`` alarms: they read the gauge's Maximum per period with
``TreatMissingData=ignore`` and need M of N periods *with data*, so a breaker that opened once and
stays open would publish one datapoint and never alarm. Like a CloudWatch agent sampling a gauge,
the long-running express backend republishes the current state of every breaker each
``interval_s`` (default 10 s, well under the 60 s alarm period), through the recorder, so the
same EMF and Prometheus sinks carry it.

A Lambda environment cannot do that: it is frozen between invocations, and a thread of its own
would run only while an invocation does. :class:`InvocationGauge` is the serverless form: at each
invocation (keep-warm pings included) it writes, stamped when they were due, the samples the frozen
environment owed since its last one, then the sample of now. That is true to the breaker: its
state changes only inside a call, and each change records itself, so the state now is the state
it held while frozen (an elapsed reset timeout shows as half-open now, which can only under-report
"open"). So a breaker pinned open in an environment woken only by keep-warm pings still gives its
alarm a datapoint in every period.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from runtime.telemetry import catalogue, recorder

DEFAULT_INTERVAL_S = 10.0

Snapshot = Callable[[], Mapping[str, Mapping[str, Any]]]


DEFAULT_PERIOD_S = 60.0  # CloudWatch's standard resolution, and the breaker alarms' period
MAX_CATCH_UP = 12  # owed samples written at most: the longest breaker alarm reads 10 periods + 2


def gauge_values(snapshot: Snapshot) -> dict[str, float]:
    """``{dependency: BreakerState value}`` of each breaker in ``snapshot()`` with a known state."""
    values = {}
    for dependency, snap in snapshot().items():
        value = catalogue.BREAKER_STATE_VALUES.get(str(snap.get("state")))
        if value is not None:
            values[dependency] = float(value)
    return values


def publish_states(snapshot: Snapshot) -> int:
    """Record the current state of each breaker in ``snapshot()``; the number recorded."""
    values = gauge_values(snapshot)
    for dependency, value in values.items():
        recorder.record(catalogue.BREAKER_STATE, value, dependency=dependency)
    return len(values)


class BreakerGauge:
    """A daemon thread calling :func:`publish_states` every ``interval_s`` until :meth:`stop`."""

    def __init__(self, snapshot: Snapshot, interval_s: float = DEFAULT_INTERVAL_S,
                 flush: Callable[[], Any] | None = None) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive")
        self._snapshot = snapshot
        self._interval_s = interval_s
        self._flush = flush
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="breaker-gauge", daemon=True)

    def start(self) -> BreakerGauge:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            publish_states(self._snapshot)
            if self._flush is not None:
                self._flush()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._interval_s + 1)


class InvocationGauge:
    """:func:`publish_states` driven by invocations, with the samples a frozen environment owed.

    :meth:`tick` at the start of each invocation: nothing when less than ``period_s`` passed since
    the last sample (under load, one sample a period, not one per request); otherwise a sample at
    each period the environment missed since then (the last ``max_catch_up`` of them, stamped when
    due) and one now. The first period counts from ``started`` (default: construction), the
    environment's init.
    """

    def __init__(self, snapshot: Snapshot, period_s: float = DEFAULT_PERIOD_S, *, started: float | None = None,
                 clock: Callable[[], float] = time.time, max_catch_up: int = MAX_CATCH_UP) -> None:
        if period_s <= 0:
            raise ValueError("period_s must be positive")
        self._snapshot = snapshot
        self._period_s = period_s
        self._clock = clock
        self._max_catch_up = max_catch_up
        self._last = clock() if started is None else started
        self._lock = threading.Lock()

    def tick(self) -> int:
        """Publish what is due; the number of samples recorded."""
        now = self._clock()
        with self._lock:
            if now - self._last < self._period_s:
                return 0
            owed = int((now - self._last) // self._period_s)
            first = max(1, owed - self._max_catch_up + 1)
            due = [self._last + k * self._period_s for k in range(first, owed + 1)]  # all <= now
            self._last = now
        values = gauge_values(self._snapshot)
        for at in due:
            for dependency, value in values.items():
                recorder.record_at(catalogue.BREAKER_STATE, value, at, dependency=dependency)
        for dependency, value in values.items():
            recorder.record(catalogue.BREAKER_STATE, value, dependency=dependency)
        return len(values) * (len(due) + 1)
