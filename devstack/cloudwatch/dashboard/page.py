"""The ``/dashboard`` routes: the page, its static files, and the JSON it refreshes from.

Served by the express backend's ``extra_routes`` (GET, exact paths), so the page lives where the
issue's interface puts it — ``/dashboard`` on the express port — and needs no server of its own.
Everything the browser loads is in this package (uPlot is vendored under ``static/vendor``): no CDN.

* ``/dashboard/data.json`` — every declared dashboard answered from the store, the alarm states,
  PagerDuty notifications, the breakers now, the store's usage;
* ``/dashboard/alarms.json`` — the alarm states alone (``brickguard alarms status`` reads it);
* ``/dashboard/traces.json`` — the newest traces from the local X-Ray collector;
* ``/dashboard/cost.json`` — each backend's cost at the observed traffic, as the composition
  (``brickguard up``) computes it; ``brickguard rollout status`` reads the same route.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from devstack.cloudwatch.dashboard.query import WidgetQuery, frame_ending
from devstack.cloudwatch.dashboard.traces import traces
from devstack.cloudwatch.metrics.live_alarms import LiveAlarms
from devstack.cloudwatch.metrics.store import MetricStore
from runtime.telemetry import aws_metrics

STATIC = Path(__file__).parent / "static"
PREFIX = "/dashboard"
JSON = "application/json"
STATIC_FILES = {
    "": ("index.html", "text/html; charset=utf-8"),
    "/page.js": ("page.js", "text/javascript; charset=utf-8"),
    "/page.css": ("page.css", "text/css; charset=utf-8"),
    "/vendor/uPlot.iife.min.js": ("vendor/uPlot.iife.min.js", "text/javascript; charset=utf-8"),
    "/vendor/uPlot.min.css": ("vendor/uPlot.min.css", "text/css; charset=utf-8"),
    "/vendor/uPlot.LICENSE": ("vendor/uPlot.LICENSE", "text/plain; charset=utf-8"),
}

COST_PATH = PREFIX + "/cost.json"
LOCAL_QUEUEING_PATH = PREFIX + "/local-queueing.json"
"""Invocations the local Lambda queued for this machine's caps, per function (``brickguard load`` reads it)."""
NO_COST = {"observed": False, "reason": "no cost meter in this process"}

Route = Callable[[], tuple[bytes, str]]


def _static(body: bytes, content_type: str) -> Route:
    return lambda: (body, content_type)


def _json(payload: Any) -> tuple[bytes, str]:
    return json.dumps(payload, separators=(",", ":")).encode(), JSON


class DashboardPage:
    """What the page shows, computed on request from the live parts of the observatory."""

    def __init__(
        self,
        store: MetricStore,
        alarms: LiveAlarms,
        bodies: Sequence[tuple[str, dict[str, Any]]],
        *,
        segments: Callable[[], Iterable[dict[str, Any]]] | None = None,
        breakers: Callable[[], Mapping[str, Mapping[str, Any]]] | None = None,
    ) -> None:
        self._store = store
        self._alarms = alarms
        self._bodies = list(bodies)
        self._query = WidgetQuery(store)
        self._segments = segments
        self._breakers = breakers
        self._cost: Callable[[], Mapping[str, Any]] | None = None

    def watch(
        self,
        *,
        segments: Callable[[], Iterable[dict[str, Any]]] | None = None,
        breakers: Callable[[], Mapping[str, Mapping[str, Any]]] | None = None,
        cost: Callable[[], Mapping[str, Any]] | None = None,
    ) -> None:
        """Add sources that start after the page is built (the X-Ray daemon, the express breakers, the cost)."""
        if segments is not None:
            self._segments = segments
        if breakers is not None:
            self._breakers = breakers
        if cost is not None:
            self._cost = cost

    def data(self) -> dict[str, Any]:
        frame = frame_ending(self._store.now())
        usage = self._store.usage()
        return {
            "generated": self._store.now(),
            "period": frame.period,
            "timestamps": frame.timestamps,
            "profile": self._alarms.profile,
            "period_scale": self._alarms.period_scale,
            "dashboards": self._query.dashboards(self._bodies, frame),
            "alarms": self.alarm_states(),
            "transitions": list(self._alarms.history.copy())[-30:],  # copy: atomic against the evaluator thread
            "notifications": self._alarms.sink.recent()[-30:],
            "breakers": self._breaker_states(),
            "local_queueing": self.local_queueing(),
            "store": {"series": usage.series, "samples": usage.samples, "max_samples": usage.max_samples,
                      "dropped": usage.dropped, "retention_s": usage.retention_s},
            "tracing": self._segments is not None,
        }

    def alarm_states(self) -> list[dict[str, Any]]:
        return [view.as_dict() for view in self._alarms.views()]

    def _breaker_states(self) -> dict[str, Any]:
        """The express process's breakers as it sees them (serverless ones are per environment: see the gauge)."""
        if self._breakers is None:
            return {}
        return {name: {"state": snap.get("state"), "forced": snap.get("forced"), "reason": snap.get("reason")}
                for name, snap in self._breakers().items()}

    def traces(self) -> list[dict[str, Any]]:
        return traces(self._segments()) if self._segments is not None else []

    def routes(self) -> dict[str, Route]:
        """``extra_routes`` for the serverful app: path -> ``() -> (body, content type)``."""
        found: dict[str, Route] = {}
        for suffix, (name, content_type) in STATIC_FILES.items():
            found[PREFIX + suffix] = _static((STATIC / name).read_bytes(), content_type)
        found[PREFIX + "/data.json"] = lambda: _json(self.data())
        found[PREFIX + "/alarms.json"] = lambda: _json(
            {"profile": self._alarms.profile, "period_scale": self._alarms.period_scale,
             "alarms": self.alarm_states()})
        found[PREFIX + "/traces.json"] = lambda: _json({"tracing": self._segments is not None,
                                                        "traces": self.traces()})
        found[COST_PATH] = lambda: _json(self._cost() if self._cost is not None else NO_COST)
        found[LOCAL_QUEUEING_PATH] = lambda: _json(self.local_queueing())
        return found

    def local_queueing(self) -> dict[str, int]:
        """Invocations per Lambda function that waited for this machine's caps (retained window)."""
        metric = aws_metrics.LOCAL_LAMBDA_QUEUED
        sums = self._store.sums_by_dimensions(metric.namespace, metric.name)
        return {dict(dimensions).get("FunctionName", "?"): int(total) for dimensions, total in sums.items() if total}
