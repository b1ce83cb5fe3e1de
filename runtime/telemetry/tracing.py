"""Tracing facade: one request segment per request, one subsegment per dependency call.

Guards call :func:`dependency_span` around every PostgreSQL, Redis and
OpenSearch call. The tracer behind it (X-Ray, OpenTelemetry or off) is chosen
by configuration and installed by the wrapper; with ``off`` nothing is imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def dependency_span(dependency: str) -> Iterator[None]:
    """Trace one call to ``dependency`` (``postgres``, ``redis`` or ``opensearch``)."""
    yield
