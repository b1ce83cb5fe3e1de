"""Express vs Serverless: every catalogue metric with both backends side by side, led by the edge.

This is the rollout dashboard: at each stage (10% -> 25% -> 50% -> 100%) SREs read the two lines of
each widget against each other. The first rows are what users see (runtime/telemetry/objectives.py):
latency at the edge (API Gateway's, cold starts included; the load balancer's) beside the handler-only
figure, 5xx at the edge, the health checks, and Lambda's own errors and throttles per function. The
p95 widgets mark the target, the rollback limit and the alarm thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dashboards.body import Dashboard
from dashboards.facade import (
    cold_starts,
    compare,
    edge_4xx,
    edge_availability,
    edge_health,
    edge_latency,
    per_resource,
    rate,
)
from dashboards.widgets import Annotation, Text
from runtime.telemetry import aws_metrics as aws
from runtime.telemetry import catalogue as c
from runtime.telemetry.aws_metrics import SERVICE
from runtime.telemetry.objectives import AVAILABILITY, ROLLBACK

PERCENTILES = ("p50", "p95", "p99")


@dataclass(frozen=True)
class LatencyMarks:
    """Horizontal lines on latency graphs: the p95 target and the alarm thresholds of one profile."""

    profile: str
    target_ms: float
    alarm_na_ms: float
    alarm_eu_ms: float

    def annotations(self) -> tuple[Annotation, ...]:
        return (
            Annotation(self.target_ms, f"p95 target {self.target_ms:g} ms", "#2ca02c"),
            Annotation(self.alarm_na_ms, f"{self.profile} p95 alarm NA {self.alarm_na_ms:g} ms", "#ff7f0e"),
            Annotation(self.alarm_eu_ms, f"{self.profile} p95 alarm EU {self.alarm_eu_ms:g} ms", "#d62728"),
        )


def build(marks: LatencyMarks, functions: Sequence[str] = ()) -> Dashboard:
    """The comparison dashboard for one alarm profile (its thresholds are drawn on the p95 graphs)."""
    intro = Text(
        "# Express vs Serverless\nEvery widget shows both backends. The first rows are measured at the edge "
        "(what users get); *handler only* lines start at the handler's entry and leave out API Gateway, the "
        "invoke hop and cold starts. p95 target, rollback limit and "
        f"`{marks.profile}` alarm thresholds are drawn on the p95 graphs."
    )
    rollback = Annotation(ROLLBACK.p95_ms, f"rollback p95 {ROLLBACK.p95_ms:g} ms", "#9467bd")
    per_function = {fn: {"FunctionName": aws.function_name(fn)} for fn in functions}
    edge = (
        edge_latency("p95", annotations=(*marks.annotations(), rollback)),
        edge_latency("p99"),
        edge_availability(annotations=(
            Annotation(100 * ROLLBACK.error_rate, f"rollback {ROLLBACK.error_rate:.0%}", "#9467bd"),
            Annotation(100 * AVAILABILITY.budget, f"budget {AVAILABILITY.budget:.1%}", "#2ca02c"),
        )),
        edge_health(),
    )
    targets = {"express healthy targets": {"TargetGroup": aws.EXPRESS_TARGET_GROUP,
                                           "LoadBalancer": aws.EXPRESS_LOAD_BALANCER}}
    lambda_row = (
        per_resource(aws.ALB_HEALTHY_HOSTS, "Express healthy targets (load balancer)", targets, ("Minimum",)),
        per_resource(aws.LAMBDA_ERRORS, "Lambda errors per function", per_function),
        per_resource(aws.LAMBDA_THROTTLES, "Lambda throttles per function", per_function),
    ) if functions else ()
    latency = tuple(
        compare(
            c.LATENCY, f"Handler-only latency {pct}", (pct,), annotations=marks.annotations() if pct == "p95" else (),
            width=8
        )
        for pct in PERCENTILES
    )
    traffic = (
        compare(c.REQUESTS, "Request count", width=6),
        rate("Error rate % (5xx / requests)", [c.ERRORS_5XX], [c.REQUESTS], width=6),
        edge_4xx(width=6),
        compare(c.ERRORS_5XX, "5xx responses", width=6),
    )
    lifecycle = (
        *cold_starts(functions),
        compare(c.KEEP_WARM_PING, "Keep-warm pings"),
    )
    cache_and_search = (
        rate("Cache hit rate %", [c.CACHE_HIT], [c.CACHE_HIT, c.CACHE_MISS], width=6),
        rate("Search fallback rate %", [c.SEARCH_FALLBACK], [c.SEARCH_REQUESTS], width=9),
        compare(c.OUTBOX_PENDING, "Outbox backlog", ("Maximum",), width=9),
    )
    breakers = (
        compare(
            c.BREAKER_STATE,
            "Breaker state (0 closed, 1 half-open, 2 open)",
            ("Maximum",),
            annotations=(Annotation(c.BREAKER_STATE_VALUES["open"], "open"),),
            width=24,
        ),
    )
    dependencies = (
        compare(c.DEPENDENCY_LATENCY, "Dependency latency p95", ("p95",)),
        compare(c.DEPENDENCY_ERROR, "Dependency errors (all dependencies)"),
        compare(c.RETRY_ATTEMPT, "Retries (all dependencies)"),
    )
    return Dashboard(
        f"{SERVICE}-{marks.profile}-express-vs-serverless",
        tuple(row for row in ((intro,), edge[:2], edge[2:], lambda_row, latency, traffic, lifecycle,
                              cache_and_search, breakers, dependencies) if row),
    )
