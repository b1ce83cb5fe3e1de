"""What the gate reads: per-period request counts, 5xx counts and latency percentiles of one backend.

The gate is judged on the same window for both backends, period by period, so
the source answers one question — "for ``backend``, per ``period_s`` between
``start`` and ``end``: how many requests, how many 5xx, and the latency
percentiles" — and anything that can answer it plugs in: CloudWatch
``GetMetricData`` in AWS (:mod:`rollout.cloudwatch_source`), the local metric
store under ``brickguard up``.

Only 5xx count as errors: a 4xx is the client's mistake and does not depend on
which backend answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

PERCENTILES = ("p50", "p95", "p99")


@dataclass(frozen=True)
class PeriodStats:
    """One backend in one period; a percentile is None when the period had no latency sample."""

    start: datetime
    requests: float
    errors: float
    latency_ms: dict[str, float | None]

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.requests if self.requests else None

    def percentile(self, name: str) -> float | None:
        return self.latency_ms.get(name)


class MetricSource(Protocol):
    """Per-period statistics of one backend; periods without any request may be left out."""

    def periods(self, backend: str, start: datetime, end: datetime, period_s: int) -> list[PeriodStats]: ...


class EdgeSource(Protocol):
    """The same per-period figures measured **at the edge** (runtime/telemetry/objectives.py): API Gateway
    for serverless, the load balancer for express. They count what the backend never saw (a crash at
    init, a refused connection, a timeout), so the gate can roll back when the app reports nothing."""

    def edge_periods(self, backend: str, start: datetime, end: datetime, period_s: int) -> list[PeriodStats]: ...
