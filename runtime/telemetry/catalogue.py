"""The metric catalogue: the one place that spells a metric name.

Emitters (EMF, Prometheus), dashboards, alarms and alarm tests all read these
specs; a test fails when anything else spells a metric name. Dimensions are
bounded on purpose: ``service``, ``backend``, ``route`` (the route *template*,
e.g. ``GET /api/mocs/{id}``), ``dependency`` and, on the cold-start metric only, ``function`` (the function
table's names). A user id is never a dimension.

Each spec also says what it costs in CloudWatch, where every distinct set of dimension values is a custom
metric billed by the month (seed 001's budget: 50 metrics, $15 a month; the table of what is kept and why
is in docs/rollout.md, "Custom metrics against the budget"): ``properties`` are dimensions the EMF
writes as plain properties of the document (Logs Insights still groups by them, Prometheus keeps them as
labels), and ``in_cloudwatch=False`` keeps a metric out of the EMF altogether (express's Prometheus and the
recorder's other sinks still get it).

Example::

    from runtime.telemetry import catalogue
    catalogue.LATENCY.name        # "Latency"
    catalogue.by_name("CacheHit").dimensions
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

DEFAULT_NAMESPACE = "LegoApi"

Kind = Literal["counter", "histogram", "gauge"]
Unit = Literal["Count", "Milliseconds", "None"]

ALLOWED_DIMENSIONS = frozenset({"service", "backend", "route", "dependency", "function"})
# The values of the ``backend`` and ``dependency`` dimensions: the one place they are spelled, read by
# the configuration, the breakers, the dashboards, the alarms, the stack, the rollout tools and the CLI.
Backend = Literal["express", "serverless"]
BACKENDS: tuple[str, ...] = get_args(Backend)
EXPRESS, SERVERLESS = BACKENDS
Dependency = Literal["postgres", "redis", "opensearch", "s3", "cognito"]
DEPENDENCIES: tuple[str, ...] = get_args(Dependency)
"""Each dependency has a circuit breaker of the same name."""
POSTGRES, REDIS, OPENSEARCH, S3, COGNITO = DEPENDENCIES

REQUEST_DIMS = ("service", "backend", "route")
BACKEND_DIMS = ("service", "backend")
DEPENDENCY_DIMS = ("service", "backend", "dependency")
FUNCTION_DIMS = ("service", "backend", "function")
ROUTE_PROPERTY = ("route",)
DEPENDENCY_PROPERTY = ("dependency",)
BACKEND_PROPERTY = ("backend",)
"""Of the cold-start metric: only Lambda publishes it, so a ``backend`` dimension adds nothing; kept on the document."""


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One metric: its CloudWatch name and unit, its dimensions, what it means and what CloudWatch gets of it."""

    name: str
    unit: Unit
    kind: Kind
    dimensions: tuple[str, ...]
    description: str
    properties: tuple[str, ...] = ()
    """Dimensions written as EMF document properties, not CloudWatch dimensions (no series per value)."""
    in_cloudwatch: bool = True
    """False: not published as a CloudWatch metric at all (no EMF); Prometheus and other sinks still get it."""

    def __post_init__(self) -> None:
        unknown = set(self.dimensions) - ALLOWED_DIMENSIONS
        if unknown:
            raise ValueError(f"metric {self.name}: unbounded dimension(s) {sorted(unknown)}")
        if not set(self.properties) <= set(self.dimensions) or "service" in self.properties:
            raise ValueError(f"metric {self.name}: properties {self.properties} must be dimensions other than service")

    @property
    def published_dimensions(self) -> tuple[str, ...]:
        """The CloudWatch dimension set: each distinct set of its values is one custom metric."""
        return tuple(name for name in self.dimensions if name not in self.properties)


REQUESTS = MetricSpec("Requests", "Count", "counter", REQUEST_DIMS, "HTTP requests answered", ROUTE_PROPERTY)
ERRORS_4XX = MetricSpec(
    "Errors4xx", "Count", "counter", REQUEST_DIMS, "responses with a 4xx status", ROUTE_PROPERTY, in_cloudwatch=False
)
ERRORS_5XX = MetricSpec("Errors5xx", "Count", "counter", REQUEST_DIMS, "responses with a 5xx status", ROUTE_PROPERTY)
LATENCY = MetricSpec(
    "Latency", "Milliseconds", "histogram", REQUEST_DIMS, "time from request to response, per route", ROUTE_PROPERTY
)
COLD_START_DURATION = MetricSpec(
    "ColdStartDuration",
    "Milliseconds",
    "histogram",
    FUNCTION_DIMS,
    "what the first caller of an on-demand Lambda environment waited: init (process start to the first invocation) "
    "plus that first request; one sample per cold start, so its SampleCount is the function's cold starts",
    BACKEND_PROPERTY,
)
KEEP_WARM_PING = MetricSpec("KeepWarmPing", "Count", "counter", BACKEND_DIMS, "keep-warm pings answered")
CACHE_HIT = MetricSpec("CacheHit", "Count", "counter", BACKEND_DIMS, "cache-aside reads served by Redis")
CACHE_MISS = MetricSpec("CacheMiss", "Count", "counter", BACKEND_DIMS, "cache-aside reads that went to PostgreSQL")
CACHE_ERROR = MetricSpec(
    "CacheError", "Count", "counter", BACKEND_DIMS, "cache operations that failed or were skipped by the breaker",
    in_cloudwatch=False,
)
SEARCH_FALLBACK = MetricSpec(
    "SearchFallback", "Count", "counter", BACKEND_DIMS, "searches answered by PostgreSQL ILIKE instead of OpenSearch"
)
SEARCH_REQUESTS = MetricSpec("SearchRequests", "Count", "counter", BACKEND_DIMS, "searches answered by any engine")
BREAKER_OPENED = MetricSpec(
    "BreakerOpened", "Count", "counter", DEPENDENCY_DIMS, "circuit breaker transitions to open", in_cloudwatch=False
)
BREAKER_STATE = MetricSpec(
    "BreakerState", "None", "gauge", DEPENDENCY_DIMS, "breaker state: 0 closed, 1 half-open, 2 open"
)
DEPENDENCY_LATENCY = MetricSpec(
    "DependencyLatency", "Milliseconds", "histogram", DEPENDENCY_DIMS, "time spent in one dependency call"
)
DEPENDENCY_ERROR = MetricSpec(
    "DependencyError", "Count", "counter", DEPENDENCY_DIMS, "dependency calls that failed or timed out",
    DEPENDENCY_PROPERTY,
)
RETRY_ATTEMPT = MetricSpec(
    "RetryAttempt", "Count", "counter", DEPENDENCY_DIMS, "retries made after a retryable dependency error",
    DEPENDENCY_PROPERTY,
)
OUTBOX_PENDING = MetricSpec(
    "OutboxPending", "Count", "gauge", BACKEND_DIMS, "outbox entries not yet applied to Redis/OpenSearch"
)

BREAKER_STATE_VALUES = {"closed": 0, "half-open": 1, "open": 2}

CATALOGUE: tuple[MetricSpec, ...] = (
    REQUESTS,
    ERRORS_4XX,
    ERRORS_5XX,
    LATENCY,
    COLD_START_DURATION,
    KEEP_WARM_PING,
    CACHE_HIT,
    CACHE_MISS,
    CACHE_ERROR,
    SEARCH_REQUESTS,
    SEARCH_FALLBACK,
    BREAKER_OPENED,
    BREAKER_STATE,
    DEPENDENCY_LATENCY,
    DEPENDENCY_ERROR,
    RETRY_ATTEMPT,
    OUTBOX_PENDING,
)

_BY_NAME = {spec.name: spec for spec in CATALOGUE}


def by_name(name: str) -> MetricSpec:
    """Look a metric up by its CloudWatch name; unknown names fail loudly."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not in the metric catalogue") from None
