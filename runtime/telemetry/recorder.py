"""The one entry point for recording a metric: ``record(spec, value, **dims)``.

Code outside ``runtime.telemetry`` never talks to EMF or Prometheus directly; it
records against a catalogue spec, and the sinks installed for this backend
(EMF for serverless, Prometheus for express) turn that into output. ``service``
and ``backend`` are filled from :func:`configure`, ``route`` from the current
request context.

Example::

    from runtime.telemetry import catalogue, recorder
    recorder.record(catalogue.CACHE_HIT)
    recorder.record(catalogue.DEPENDENCY_LATENCY, 3.2, dependency="redis")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from runtime.telemetry import context
from runtime.telemetry.catalogue import MetricSpec


class MetricSink(Protocol):
    """Something that turns recorded values into an output format."""

    def record(self, spec: MetricSpec, value: float, dimensions: Mapping[str, str]) -> None: ...


BatchRecord = Callable[[Sequence[tuple[MetricSpec, float]], Mapping[str, str]], None]


def _batch_record(sink: MetricSink) -> BatchRecord:
    """The sink's own ``record_many`` when it has one (EMF: one lock, one group lookup), else ``record`` each."""
    many = getattr(sink, "record_many", None)
    if callable(many):
        return many

    def each(entries: Sequence[tuple[MetricSpec, float]], dimensions: Mapping[str, str]) -> None:
        for spec, value in entries:
            sink.record(spec, value, dimensions)

    return each


_sinks: list[MetricSink] = []
_batches: list[BatchRecord] = []  # _batch_record of each sink, same order
DEFAULT_DIMENSIONS: dict[str, str] = {"service": "lego-projects-api", "backend": "serverless"}
_defaults = dict(DEFAULT_DIMENSIONS)


def configure(*, service: str, backend: str) -> None:
    """Set the ``service`` and ``backend`` dimensions every metric carries."""
    _defaults["service"] = service
    _defaults["backend"] = backend


def install_sink(sink: MetricSink) -> None:
    """Add a sink (idempotent for the same object)."""
    if sink not in _sinks:
        _sinks.append(sink)
        _batches.append(_batch_record(sink))


def remove_sink(sink: MetricSink) -> None:
    """Remove a sink installed earlier (used by tests and by shutdown)."""
    if sink in _sinks:
        del _batches[_sinks.index(sink)]
        _sinks.remove(sink)


def _dimensions(spec: MetricSpec, given: dict[str, str]) -> dict[str, str]:
    """``spec``'s dimension values: given ones, else ``route`` from the request context, else the defaults."""
    dims: dict[str, str] = {}
    for name in spec.dimensions:
        if name in given:
            dims[name] = given.pop(name)
        elif name == "route":
            ctx = context.current()
            dims[name] = ctx.route if ctx is not None else "UNMATCHED"
        elif name in _defaults:
            dims[name] = _defaults[name]
        else:
            raise ValueError(f"metric {spec.name} needs dimension {name!r}")
    if given:
        raise ValueError(f"metric {spec.name} has no dimension(s) {sorted(given)}")
    return dims


def record(spec: MetricSpec, value: float = 1.0, **dimensions: str) -> None:
    """Record ``value`` for ``spec``; unknown dimensions fail loudly, missing ones are filled in."""
    if not _sinks:
        return
    dims = _dimensions(spec, dimensions)
    for sink in _sinks:
        sink.record(spec, value, dims)


def record_many(entries: Sequence[tuple[MetricSpec, float]], **dimensions: str) -> None:
    """Record values of several specs sharing one dimension set, resolving the dimensions once.

    Same checks and output as :func:`record` per entry; the facade's four
    request metrics of every invocation go through here.
    """
    if not _sinks or not entries:
        return
    names, properties = entries[0][0].dimensions, entries[0][0].properties
    for spec, _ in entries:
        if spec.dimensions != names or spec.properties != properties:
            raise ValueError("record_many needs specs with the same dimensions and properties")
    first = entries[0][0]
    dims = _dimensions(first, dimensions)
    for batch in _batches:
        batch(entries, dims)


def record_at(spec: MetricSpec, value: float, at: float, **dimensions: str) -> None:
    """Record ``value`` as of ``at`` (epoch seconds) in the sinks that keep timestamps (EMF).

    For a gauge sample that was due while nothing could write it (a frozen Lambda environment);
    sinks without timestamps (Prometheus, scraped for the value now) are left alone.
    """
    if not _sinks:
        return
    dims = _dimensions(spec, dimensions)
    for sink in _sinks:
        stamped = getattr(sink, "record_at", None)  # EmfSink.record_at
        if callable(stamped):
            stamped(spec, value, dims, at)
