"""Republish every breaker's state as the ``BreakerState`` gauge at a steady interval.

A breaker records ``BreakerState`` when it changes state. That is enough for a graph but not for
the ``breaker-open-<backend>`` alarms: they read the gauge's Maximum per period with
``TreatMissingData=ignore`` and need M of N periods *with data*, so a breaker that opened once and
stays open would publish one datapoint and never alarm. Like a CloudWatch agent sampling a gauge,
the long-running express backend republishes the current state of every breaker each
``interval_s`` (default 10 s, well under the 60 s alarm period), through the recorder, so the
same EMF and Prometheus sinks carry it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from runtime.telemetry import catalogue, recorder

DEFAULT_INTERVAL_S = 10.0

Snapshot = Callable[[], Mapping[str, Mapping[str, Any]]]


def publish_states(snapshot: Snapshot) -> int:
    """Record the current state of each breaker in ``snapshot()``; the number recorded."""
    published = 0
    for dependency, snap in snapshot().items():
        value = catalogue.BREAKER_STATE_VALUES.get(str(snap.get("state")))
        if value is not None:
            recorder.record(catalogue.BREAKER_STATE, float(value), dependency=dependency)
            published += 1
    return published


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
