"""``/dashboard/gate.json``: per-second raw figures of both backends, for ``brickguard rollout``'s gate.

The gate runs in another process (the CLI) and chooses its own period and
window, while the page's routes take no parameters. Percentiles of a period
cannot be built from percentiles of its seconds, so the feed hands over the raw
latency samples of each second (requests and 5xx as sums); the CLI groups the
seconds into periods and computes each statistic with the store's own
:func:`alarms.evaluator.periods.statistic`, so the gate and the page agree.
Bounded: the last :data:`FEED_WINDOW_S` seconds only.

Two views per backend, as the gate reads them in AWS: ``backends`` — the app's own
request metrics (the catalogue's EMF) — and ``edge`` — what the edge in front of it
measured (``runtime/telemetry/objectives.py`` ``EDGES``): the local gateway's
``AWS/ApiGateway`` for serverless, the front door's ``AWS/ApplicationELB`` for
express's share, with the local deployment's dimension values (``LocalNames``).
Their requests, 5xx and latency (in ms) are summed as ``rollout/cloudwatch_source.py``
sums CloudWatch's, so the gate's edge rule sees under ``up`` what it sees in AWS:
requests the app never counted (a function failing its init) included.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from alarms.evaluator.series import MetricKey, metric_key
from devstack.cloudwatch.metrics.local_names import LocalNames
from devstack.cloudwatch.metrics.store import MetricStore
from runtime.telemetry import catalogue
from runtime.telemetry.aws_metrics import AwsMetric
from runtime.telemetry.objectives import EDGES

PATH = "/dashboard/gate.json"
FEED_WINDOW_S = 1800

Row = list[Any]
"""``[second, requests, 5xx, [latency ms…]]``."""


def gate_feed(store: MetricStore, service: str, namespace: str = catalogue.DEFAULT_NAMESPACE) -> dict[str, Any]:
    """``{"now", "window_s", "backends": {backend: [row…]}, "edge": {backend: [row…]}}``, rows of :data:`Row`."""
    now = store.now()
    end = math.floor(now)
    start = end - FEED_WINDOW_S
    backends: dict[str, list[Row]] = {}
    edge: dict[str, list[Row]] = {}
    substitution = LocalNames(service).substitution()
    for backend in catalogue.BACKENDS:
        dims = {"service": service, "backend": backend}
        backends[backend] = _rows(
            store, start, end,
            requests=[metric_key(namespace, catalogue.REQUESTS.name, dims)],
            errors=[metric_key(namespace, catalogue.ERRORS_5XX.name, dims)],
            latency=metric_key(namespace, catalogue.LATENCY.name, dims),
        )
        at_edge = EDGES[backend]
        edge_dims = {at_edge.dimension[0]: substitution.text(at_edge.dimension[1])}
        edge[backend] = _rows(
            store, start, end,
            requests=[_key(metric, edge_dims) for metric in (at_edge.requests, *at_edge.uncounted)],
            errors=[_key(metric, edge_dims) for metric in at_edge.failures],
            latency=_key(at_edge.latency, edge_dims), latency_scale=at_edge.latency_unit_ms,
        )
    return {"now": now, "window_s": FEED_WINDOW_S, "backends": backends, "edge": edge}


def _key(metric: AwsMetric, dims: dict[str, str]) -> MetricKey:
    return metric_key(metric.namespace, metric.name, dims)


def _rows(
    store: MetricStore, start: int, end: int, *, requests: Sequence[MetricKey], errors: Sequence[MetricKey],
    latency: MetricKey, latency_scale: float = 1.0,
) -> list[Row]:
    """One row per second of ``[start, end]`` with at least one request; each metric read once for the window."""
    counts = _per_second(store, requests, start, end)
    failures = _per_second(store, errors, start, end)
    latencies: dict[int, list[float]] = defaultdict(list)
    for at, value in store.timed_samples(latency, start, end + 1):
        latencies[math.floor(at)].append(value * latency_scale)
    return [
        [second, math.fsum(counts[second]), math.fsum(failures.get(second, ())), latencies.get(second, [])]
        for second in sorted(counts)
        if math.fsum(counts[second])
    ]


def _per_second(store: MetricStore, keys: Sequence[MetricKey], start: int, end: int) -> dict[int, list[float]]:
    """The samples of ``keys`` in ``[start, end]`` grouped by the second they were published in."""
    grouped: dict[int, list[float]] = defaultdict(list)
    for key in keys:
        for at, value in store.timed_samples(key, start, end + 1):
            grouped[math.floor(at)].append(value)
    return grouped


def route(store: MetricStore, service: str) -> Callable[[], tuple[bytes, str]]:
    """The feed as a page route: ``() -> (JSON body, content type)``."""
    return lambda: (json.dumps(gate_feed(store, service), separators=(",", ":")).encode(), "application/json")
