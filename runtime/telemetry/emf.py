"""CloudWatch EMF metric sink for the serverless backend, serialized by Powertools Metrics.

Records are buffered for one invocation and written by :meth:`EmfSink.flush`,
which the facade calls once when the invocation ends (also when the handler
raised). Serialization is Powertools' own
``AmazonCloudWatchEMFProvider.serialize_metric_set``, so documents follow the
same schema Powertools emits; we only decide the grouping:

* one EMF document per *(dimension names, dimension values)* group, because an
  EMF document has one value per dimension key (``dependency=redis`` and
  ``dependency=postgres`` cannot share one);
* a spec's ``properties`` (``route`` of the request metrics, ``dependency`` of
  ``DependencyError`` and ``RetryAttempt``) are written as properties of the
  document, not dimensions, and a spec that is not ``in_cloudwatch`` is left out:
  each distinct set of dimension values is a custom metric billed by the month
  (seed 001's budget is 50 and $15; the catalogue says why each is kept). Logs
  Insights still groups the documents by ``route``, the express backend's
  Prometheus keeps every label and metric, and traces annotate the route;
* at most 100 metrics and 100 values per metric in one document (EMF limits),
  more are split into further documents of the same flush.

A value recorded with :meth:`EmfSink.record_at` carries its own timestamp: a gauge sample that
was due while the environment was frozen (``guards.breaker_gauge.InvocationGauge``), written in
a document of its own at the next flush.

Groups are cached across invocations (their cardinality is bounded by the
catalogue), and so is each group's document *shape* per set of metric names:
Powertools serializes (and validates) it once, and the JSON text around the
values (``_aws`` after its timestamp, the dimensions) is kept as a string. A
later flush writes that text with the new timestamp and the values encoded
alone — the same bytes Powertools' document would give, for a fraction of the
cost. A warm invocation allocates little: the value lists and one small
``json`` encoding per document.

Example::

    sink = EmfSink(namespace="LegoApi")
    recorder.install_sink(sink)
    recorder.record(catalogue.REQUESTS, route="GET /health")
    sink.flush()   # prints {"_aws": {...}, "service": ..., "Requests": [1.0]}
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any

from aws_lambda_powertools.metrics.functions import extract_cloudwatch_metric_unit_value
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.constants import MAX_METRICS
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.metric_properties import MetricUnit

from runtime.telemetry.catalogue import DEFAULT_NAMESPACE, MetricSpec

MAX_VALUES_PER_METRIC = 100  # EMF: a metric value array holds at most 100 values
STANDARD_RESOLUTION = 60
MAX_SHAPES_PER_GROUP = 32  # distinct metric-name sets per group worth caching (a handful in practice)
_DOCUMENT_START = '{"_aws":{"Timestamp":'

_log = logging.getLogger(__name__)
_encode = json.JSONEncoder(separators=(",", ":")).encode  # one encoder, not one per document
_UNITS = [unit.value for unit in MetricUnit]
_UNIT_OPTIONS = list(MetricUnit.__members__)


class _Group:
    """Metrics sharing one set of dimension names and values: one EMF document per flush."""

    __slots__ = ("dimensions", "properties", "shapes", "values")

    def __init__(self, dimensions: dict[str, str], properties: dict[str, str]) -> None:
        self.dimensions = dimensions
        self.properties = properties
        self.values: dict[str, list[float]] = {}
        self.shapes: dict[tuple[str, ...], str] = {}  # metric names -> JSON between the timestamp and the values


def _documents(values: dict[str, list[float]]) -> list[dict[str, list[float]]]:
    """Split one group's values into chunks of <= 100 metrics and <= 100 values per metric."""
    if len(values) <= MAX_METRICS and max(map(len, values.values()), default=0) <= MAX_VALUES_PER_METRIC:
        return [values]  # the usual case: one document
    chunks = []
    pending = list(values.items())
    while pending:
        chunk: dict[str, list[float]] = {}
        rest: list[tuple[str, list[float]]] = []
        for name, vals in pending:
            if len(chunk) < MAX_METRICS:
                chunk[name] = vals[:MAX_VALUES_PER_METRIC]
                if len(vals) > MAX_VALUES_PER_METRIC:
                    rest.append((name, vals[MAX_VALUES_PER_METRIC:]))
            else:
                rest.append((name, vals))
        chunks.append(chunk)
        pending = rest
    return chunks


_value_keys: dict[str, str] = {}  # metric name -> '"Name":[' (names come from the bounded catalogue)


def _values_json(chunk: dict[str, list[float]]) -> str:
    """``_encode(chunk)[1:]``: the metric values and the closing brace, written directly for finite floats.

    ``json`` writes a finite float as ``float.__repr__`` does, and its repr
    never contains an ``n``; NaN and the infinities (``nan``, ``inf``) do, and
    ``json`` spells them its own way, so such a chunk goes through the encoder.
    """
    parts = []
    for name, vals in chunk.items():
        text = ",".join(map(float.__repr__, vals))
        if "n" in text:
            return _encode(chunk)[1:]
        key = _value_keys.get(name)
        if key is None:
            key = _value_keys[name] = _encode(name) + ":["
        parts.append(key + text + "]")
    return ",".join(parts) + "}"


class EmfSink:
    """A :class:`~runtime.telemetry.recorder.MetricSink` writing EMF documents to stdout once per flush."""

    def __init__(
        self,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        stream: IO[str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._provider = AmazonCloudWatchEMFProvider(namespace=namespace)
        self._provider.service = None  # type: ignore[assignment]  # every group carries its own ``service`` dimension
        self._stream = stream
        self._lock = threading.Lock()
        self._groups: dict[tuple[Any, ...], _Group] = {}
        self._dirty: list[_Group] = []
        self._stamped: list[tuple[float, _Group, str, float]] = []  # (epoch seconds, group, metric name, value)
        self._units: dict[str, str] = {}

    @property
    def namespace(self) -> str:
        return str(self._provider.namespace)

    def record(self, spec: MetricSpec, value: float, dimensions: Mapping[str, str]) -> None:
        """Buffer ``value`` for ``spec`` under its dimension values until the next :meth:`flush`."""
        self.record_many(((spec, value),), dimensions)

    def record_many(self, entries: Sequence[tuple[MetricSpec, float]], dimensions: Mapping[str, str]) -> None:
        """Buffer values of specs sharing one set of dimension names and properties: one lock and one group lookup.

        Specs that are not ``in_cloudwatch`` are skipped (the recorder's other sinks still get them).
        """
        first = entries[0][0]
        key = (first.dimensions, first.properties, *map(dimensions.__getitem__, first.dimensions))
        with self._lock:
            group = self._groups.get(key)
            if group is None:
                group = self._new_group(key, first, dimensions)
            was_clean = not group.values
            for spec, value in entries:
                if not spec.in_cloudwatch:
                    continue
                values = group.values.get(spec.name)
                if values is None:
                    self._learn_unit(spec)
                    group.values[spec.name] = [float(value)]
                else:
                    values.append(float(value))
            if was_clean and group.values:
                self._dirty.append(group)

    def record_at(self, spec: MetricSpec, value: float, dimensions: Mapping[str, str], at: float) -> None:
        """Buffer ``value`` stamped ``at`` (epoch seconds) rather than the flush's time, for the next flush."""
        if not spec.in_cloudwatch:
            return
        key = (spec.dimensions, spec.properties, *map(dimensions.__getitem__, spec.dimensions))
        with self._lock:
            group = self._groups.get(key)
            if group is None:
                group = self._new_group(key, spec, dimensions)
            self._learn_unit(spec)
            self._stamped.append((at, group, spec.name, float(value)))

    def _learn_unit(self, spec: MetricSpec) -> None:
        """Powertools' unit value of ``spec``, validated once per metric name. Lock held."""
        if spec.name not in self._units:
            self._units[spec.name] = extract_cloudwatch_metric_unit_value(
                metric_units=_UNITS, metric_valid_options=_UNIT_OPTIONS, unit=spec.unit
            )

    def _new_group(self, key: tuple[Any, ...], spec: MetricSpec, dimensions: Mapping[str, str]) -> _Group:
        primary = {name: str(dimensions[name]) for name in spec.published_dimensions}
        properties = {name: str(dimensions[name]) for name in spec.properties}
        group = self._groups[key] = _Group(primary, properties)
        return group

    def flush(self) -> int:
        """Write every buffered group as EMF JSON lines and clear the buffer; never raises.

        Returns the number of documents written (0 when nothing was recorded or
        writing failed; a failure is logged, and the buffer is dropped so one
        bad invocation cannot poison the next).
        """
        with self._lock:
            dirty, self._dirty = self._dirty, []
            stamped, self._stamped = self._stamped, []
            batches = []
            for group in dirty:
                batches.append((group, group.values))
                group.values = {}
        if not batches and not stamped:
            return 0
        try:
            lines = self._serialize_stamped(stamped) + self._serialize(batches)
            stream = self._stream or sys.stdout
            stream.write("\n".join(lines) + "\n")
            return len(lines)
        except Exception:
            _log.exception("EMF flush failed; metrics of this invocation dropped")
            return 0

    def _serialize(self, batches: list[tuple[_Group, dict[str, list[float]]]]) -> list[str]:
        timestamp = str(int(self._clock() * 1000))
        lines: list[str] = []
        for group, values in batches:
            for chunk in _documents(values):
                shape = group.shapes.get(tuple(chunk))
                if shape is None:
                    shape = self._shape(group, chunk)
                # '{"_aws":{"Timestamp":' ts ',"CloudWatchMetrics":[…]},"service":…,' '"Requests":[1.0],…}'
                lines.append(_DOCUMENT_START + timestamp + shape + _values_json(chunk))
        return lines

    def _serialize_stamped(self, stamped: list[tuple[float, _Group, str, float]]) -> list[str]:
        """One document per value recorded with :meth:`record_at`, under its own timestamp."""
        lines = []
        for at, group, name, value in stamped:
            chunk = {name: [value]}
            shape = group.shapes.get((name,)) or self._shape(group, chunk)
            lines.append(_DOCUMENT_START + str(int(at * 1000)) + shape + _values_json(chunk))
        return lines

    def _shape(self, group: _Group, chunk: dict[str, list[float]]) -> str:
        """The JSON between timestamp and values of Powertools' document for this group and these names.

        Powertools builds (and validates) the document once; its key order is
        ``_aws`` (``Timestamp``, ``CloudWatchMetrics``), the dimensions, then
        the metric values, which is what the splice in :meth:`_serialize` relies on.
        """
        provider = self._provider
        metric_set = {
            name: {"Unit": self._units[name], "StorageResolution": STANDARD_RESOLUTION, "Value": vals}
            for name, vals in chunk.items()
        }
        document: dict[str, Any] = dict(
            provider.serialize_metric_set(metrics=metric_set, dimensions=group.dimensions, metadata=group.properties)
        )
        keys = list(document)
        aws = document["_aws"]
        if keys[0] != "_aws" or list(aws) != ["Timestamp", "CloudWatchMetrics"] or keys[-len(chunk):] != list(chunk):
            raise RuntimeError(f"unexpected EMF document layout from Powertools: {keys}")
        between = _encode({key: document[key] for key in keys[1:-len(chunk)]})[1:-1]
        shape = ',"CloudWatchMetrics":' + _encode(aws["CloudWatchMetrics"]) + "}," + (between + "," if between else "")
        if len(group.shapes) < MAX_SHAPES_PER_GROUP:
            group.shapes[tuple(chunk)] = shape
        return shape

    def pending(self) -> int:
        """How many values are buffered (for tests and diagnostics)."""
        with self._lock:
            return sum(len(v) for group in self._dirty for v in group.values.values()) + len(self._stamped)
