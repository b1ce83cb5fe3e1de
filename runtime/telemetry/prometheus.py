"""Prometheus metric sink for the express (serverful) backend, on its own ``CollectorRegistry``.

Naming follows the Prometheus conventions, derived from the catalogue by
:func:`prometheus_name`: ``brickguard_`` + snake_case of the CloudWatch name,
counters end in ``_total``, durations are exposed in **seconds** with a
``_seconds`` suffix (the Prometheus base unit, so ``histogram_quantile`` and
``rate`` read naturally and Grafana units work), gauges keep their bare name:

    Requests          -> brickguard_requests_total
    Errors4xx         -> brickguard_errors_4xx_total
    Latency (ms)      -> brickguard_latency_seconds   (histogram, 5 ms .. 10 s buckets)
    DependencyLatency -> brickguard_dependency_latency_seconds
    BreakerState      -> brickguard_breaker_state     (gauge)

Labels are the spec's dimensions (``service``, ``backend``, ``route``,
``dependency``). The registry is private so tests and several sinks never see
each other's series, and the global default collectors (process, GC) stay out.

Example::

    sink = PrometheusSink()
    recorder.install_sink(sink)
    body, content_type = sink.exposition()
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from runtime.telemetry.catalogue import CATALOGUE, MetricSpec

PREFIX = "brickguard"
# Latency buckets in seconds: 5 ms .. 10 s.
LATENCY_BUCKETS_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_SCALE = {"Milliseconds": 0.001}

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z0-9])|(?<=[0-9])(?=[A-Z])")


def prometheus_name(spec: MetricSpec) -> str:
    """The exposed Prometheus metric name of ``spec`` (``_total`` for counters, ``_seconds`` for ms)."""
    base = f"{PREFIX}_{_CAMEL_BOUNDARY.sub('_', spec.name).lower()}"
    if spec.kind == "counter":
        return f"{base}_total"
    if spec.unit == "Milliseconds":
        return f"{base}_seconds"
    return base


class PrometheusSink:
    """A :class:`~runtime.telemetry.recorder.MetricSink` backed by prometheus-client (thread-safe)."""

    def __init__(self, specs: tuple[MetricSpec, ...] = CATALOGUE) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._metrics: dict[str, Any] = {spec.name: self._create(spec) for spec in specs}
        self._children: dict[tuple[Any, ...], Any] = {}

    def _create(self, spec: MetricSpec) -> Any:
        name = prometheus_name(spec)
        doc = f"{spec.description} ({spec.unit})" if spec.unit != "None" else spec.description
        labels = list(spec.dimensions)
        if spec.kind == "counter":
            # prometheus-client appends ``_total`` itself; give it the stem.
            return Counter(name.removesuffix("_total"), doc, labels, registry=self.registry)
        if spec.kind == "histogram":
            return Histogram(name, doc, labels, registry=self.registry, buckets=LATENCY_BUCKETS_SECONDS)
        return Gauge(name, doc, labels, registry=self.registry)

    def record(self, spec: MetricSpec, value: float, dimensions: Mapping[str, str]) -> None:
        """Increment, observe or set the series of ``spec`` labelled with ``dimensions``."""
        key = (spec.name, *[dimensions[name] for name in spec.dimensions])
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self._metrics[spec.name].labels(*key[1:])
        if spec.kind == "counter":
            child.inc(value)
        elif spec.kind == "histogram":
            child.observe(value * _SCALE.get(spec.unit, 1.0))
        else:
            child.set(value)

    def record_many(self, entries: Sequence[tuple[MetricSpec, float]], dimensions: Mapping[str, str]) -> None:
        """:meth:`record` for each entry (the series are independent; nothing to share)."""
        for spec, value in entries:
            self.record(spec, value, dimensions)

    def exposition(self) -> tuple[bytes, str]:
        """The text exposition of every series and its content type, for ``GET /metrics``."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
