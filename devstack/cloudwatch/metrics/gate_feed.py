"""``/dashboard/gate.json``: per-second raw figures of both backends, for ``brickguard rollout``'s gate.

The gate runs in another process (the CLI) and chooses its own period and
window, while the page's routes take no parameters. Percentiles of a period
cannot be built from percentiles of its seconds, so the feed hands over the raw
latency samples of each second (requests and 5xx as sums); the CLI groups the
seconds into periods and computes each statistic with the store's own
:func:`alarms.evaluator.periods.statistic`, so the gate and the page agree.
Bounded: the last :data:`FEED_WINDOW_S` seconds only.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from alarms.evaluator.series import metric_key
from devstack.cloudwatch.metrics.store import MetricStore
from runtime.telemetry import catalogue

PATH = "/dashboard/gate.json"
FEED_WINDOW_S = 1800


def gate_feed(store: MetricStore, service: str, namespace: str = catalogue.DEFAULT_NAMESPACE) -> dict[str, Any]:
    """``{"now", "window_s", "backends": {backend: [[second, requests, errors, [latency ms…]], …]}}``."""
    now = store.now()
    end = math.floor(now)
    start = end - FEED_WINDOW_S
    backends: dict[str, list[list[Any]]] = {}
    for backend in catalogue.BACKENDS:
        dims = {"service": service, "backend": backend}
        requests = metric_key(namespace, catalogue.REQUESTS.name, dims)
        errors = metric_key(namespace, catalogue.ERRORS_5XX.name, dims)
        latency = metric_key(namespace, catalogue.LATENCY.name, dims)
        seconds = []
        for second in range(start, end + 1):
            count = math.fsum(store.samples(requests, second, second + 1))
            if count:
                seconds.append([
                    second, count, math.fsum(store.samples(errors, second, second + 1)),
                    store.samples(latency, second, second + 1),
                ])
        backends[backend] = seconds
    return {"now": now, "window_s": FEED_WINDOW_S, "backends": backends}


def route(store: MetricStore, service: str) -> Callable[[], tuple[bytes, str]]:
    """The feed as a page route: ``() -> (JSON body, content type)``."""
    return lambda: (json.dumps(gate_feed(store, service), separators=(",", ":")).encode(), "application/json")
