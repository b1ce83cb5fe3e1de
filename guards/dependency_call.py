"""Every call to a dependency goes through here: breaker, trace subsegment, latency and errors.

One wrapper instead of try/except/timer copies in each client: the breaker
judges the call, the tracer gets a ``postgres``/``redis``/``opensearch``
subsegment annotated with the breaker state, and ``DependencyLatency`` /
``DependencyError`` are recorded with the ``dependency`` dimension.

Example::

    value = call_dependency(breakers["redis"], client.get, key)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from runtime.telemetry import catalogue, recorder
from runtime.telemetry.tracing import dependency_span

if TYPE_CHECKING:
    from guards.breaker import Breaker

P = ParamSpec("P")
T = TypeVar("T")


def call_dependency(breaker: Breaker, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call ``fn`` through ``breaker``, traced and measured; exceptions propagate unchanged."""
    from guards.breaker import BreakerOpenError

    dependency = breaker.name
    with dependency_span(dependency, breakerState=breaker.state) as span:
        started = time.perf_counter()
        try:
            result = breaker.call(fn, *args, **kwargs)
        except BreakerOpenError:
            span.annotate("skipped", True)  # not called: no latency, no dependency error
            raise
        except Exception as exc:
            span.annotate("error", type(exc).__name__)
            recorder.record(catalogue.DEPENDENCY_ERROR, dependency=dependency)
            _record_latency(dependency, started)
            raise
        _record_latency(dependency, started)
        return result


def _record_latency(dependency: str, started: float) -> None:
    recorder.record(catalogue.DEPENDENCY_LATENCY, (time.perf_counter() - started) * 1000.0, dependency=dependency)
