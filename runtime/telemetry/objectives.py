"""Service level objectives as code: what each backend promises its users, measured **at the edge**.

The app's own metrics (the catalogue) see only what reaches the handler; a backend that fails before
or outside it (a crashed process, a function failing its init, a load balancer without healthy
targets) publishes nothing there. So the objectives read what AWS measures in front of each backend:
API Gateway for serverless, the Application Load Balancer for express, and Route53's health checks of
both. One declaration read by the alarms (burn-rate pages), the dashboards, the rollout gate and the
auto-rollback, and ``brickguard up`` (which publishes the same AWS metrics locally).

Targets are the seeds': 99.9 % of requests not answered 5xx (timeouts are 5xx at both edges: API
Gateway's 504, the load balancer's 504), 95 % of requests answered within 500 ms (the seeds' "p95
under 500 ms" as a share, so it has an error budget), and the rollback criteria (5xx over 2 % or p95
over 1 s). Burn-rate windows are the SRE workbook's multi-window pairs (docs/dashboards-and-alarms.md).

Example::

    from runtime.telemetry import objectives
    objectives.EDGES[catalogue.EXPRESS].requests.name   # "RequestCount"
    objectives.AVAILABILITY.burn_threshold_pct(objectives.FAST_BURN)   # 1.44 (% of requests failing)
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.telemetry import aws_metrics as aws
from runtime.telemetry.catalogue import BACKENDS, EXPRESS, SERVERLESS


@dataclass(frozen=True, slots=True)
class BurnWindow:
    """A multi-window burn-rate pair: the error budget burns ``factor`` times too fast over ``long_s``
    seconds, and still does over the last ``short_s`` seconds (so the page stops soon after the burn does)."""

    name: str
    long_s: int
    short_s: int
    factor: float


FAST_BURN = BurnWindow("fast", long_s=3600, short_s=300, factor=14.4)  # 2 % of a 30-day budget in 1 h
SLOW_BURN = BurnWindow("slow", long_s=6 * 3600, short_s=1800, factor=6.0)  # 5 % of a 30-day budget in 6 h
BURN_WINDOWS = (FAST_BURN, SLOW_BURN)


@dataclass(frozen=True, slots=True)
class Objective:
    """One objective: the share of requests that must be good; latency objectives name their threshold."""

    slug: str
    target: float
    threshold_ms: float | None = None

    @property
    def budget(self) -> float:
        """The share of requests allowed to be bad."""
        return 1.0 - self.target

    def burn_threshold_pct(self, window: BurnWindow) -> float:
        """Percentage of bad requests over a window that burns the budget ``window.factor`` times too fast."""
        return round(100.0 * self.budget * window.factor, 6)

    def burns(self, window: BurnWindow) -> bool:
        """Whether this window can fire at all: a budget of 5 % cannot burn more than 20 times too fast."""
        return self.burn_threshold_pct(window) < 100.0


AVAILABILITY = Objective("availability", target=0.999)
LATENCY = Objective("latency", target=0.95, threshold_ms=500.0)
OBJECTIVES = (AVAILABILITY, LATENCY)


@dataclass(frozen=True, slots=True)
class Edge:
    """Where one backend's users are measured: AWS's metrics and the dimension that selects this backend."""

    backend: str
    dimension: tuple[str, str]
    requests: aws.AwsMetric
    failures: tuple[aws.AwsMetric, ...]
    """Summed: requests answered 5xx at the edge (the backend's own and the edge's: timeouts, crashes, refusals)."""
    uncounted: tuple[aws.AwsMetric, ...]
    """Failures the edge may leave out of ``requests`` (ALB's 503 without a registered target is in no
    RequestCount): added to the denominator. The 502/504 it does count are then counted twice, which at worst
    halves the failing share of a total outage (still far above any burn threshold)."""
    latency: aws.AwsMetric
    latency_unit_ms: float
    """Milliseconds per unit of ``latency`` (ALB's TargetResponseTime is in seconds)."""
    health_check: str
    """Placeholder of the Route53 health check id of this backend."""

    def dims(self) -> dict[str, str]:
        return {self.dimension[0]: self.dimension[1]}

    def latency_rank_stat(self, threshold_ms: float) -> str:
        """CloudWatch's percentile rank statistic: the percentage of requests at or under ``threshold_ms``."""
        return f"PR(:{threshold_ms / self.latency_unit_ms:g})"

    def latency_value(self, threshold_ms: float) -> float:
        """``threshold_ms`` in the unit of :attr:`latency`."""
        return threshold_ms / self.latency_unit_ms


EDGES: dict[str, Edge] = {
    EXPRESS: Edge(
        backend=EXPRESS,
        dimension=("LoadBalancer", aws.EXPRESS_LOAD_BALANCER),
        requests=aws.ALB_REQUESTS,
        failures=(aws.ALB_TARGET_5XX, aws.ALB_ELB_5XX),
        uncounted=(aws.ALB_ELB_5XX,),
        latency=aws.ALB_TARGET_RESPONSE_TIME,
        latency_unit_ms=aws.ALB_SECONDS_TO_MS,
        health_check=aws.EXPRESS_HEALTH_CHECK,
    ),
    SERVERLESS: Edge(
        backend=SERVERLESS,
        dimension=("ApiId", aws.API_ID),
        requests=aws.API_COUNT,
        failures=(aws.API_5XX,),
        uncounted=(),
        latency=aws.API_LATENCY,
        latency_unit_ms=1.0,
        health_check=aws.SERVERLESS_HEALTH_CHECK,
    ),
}
assert tuple(EDGES) == BACKENDS


@dataclass(frozen=True, slots=True)
class RollbackCriteria:
    """The seeds' rollback: serverless above these at the edge for ``periods`` periods of ``period_s`` running."""

    error_rate: float = 0.02
    p95_ms: float = 1000.0
    periods: int = 3
    period_s: int = 60


ROLLBACK = RollbackCriteria()

# The seeds' cold-start targets at p99, per function; functions that answer HTTP and are not named here
# have API_COLD_START_P99_MS. Asynchronously invoked functions have none: no user waits for them.
COLD_START_P99_MS: dict[str, float] = {"health": 500.0, "upload": 2000.0}
API_COLD_START_P99_MS = 1500.0


def cold_start_target_ms(function: str) -> float | None:
    """The p99 cold-start target of one function of the architecture, None for asynchronous ones."""
    if function in aws.ASYNC_FUNCTIONS:
        return None
    return COLD_START_P99_MS.get(function, API_COLD_START_P99_MS)
