"""Express vs Serverless: every catalogue metric with both backends side by side.

This is the rollout dashboard: at each stage (10% -> 25% -> 50% -> 100%) SREs read the two lines of
each widget against each other. The p95 widget marks the target and the alarm thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboards.body import Dashboard
from dashboards.facade import compare, rate
from dashboards.widgets import Annotation, Text
from runtime.telemetry import catalogue as c
from runtime.telemetry.aws_metrics import SERVICE

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


def build(marks: LatencyMarks) -> Dashboard:
    """The comparison dashboard for one alarm profile (its thresholds are drawn on the p95 graph)."""
    intro = Text(
        "# Express vs Serverless\nEvery widget shows both backends. Rates are metric math over the "
        f"backend-level series; p95 target and `{marks.profile}` alarm thresholds are drawn on the p95 graph."
    )
    latency = tuple(
        compare(
            c.LATENCY, f"Latency {pct}", (pct,), annotations=marks.annotations() if pct == "p95" else (), width=8
        )
        for pct in PERCENTILES
    )
    traffic = (
        compare(c.REQUESTS, "Request count", width=6),
        rate("Error rate % (5xx / requests)", [c.ERRORS_5XX], [c.REQUESTS], width=6),
        compare(c.ERRORS_4XX, "4xx responses", width=6),
        compare(c.ERRORS_5XX, "5xx responses", width=6),
    )
    lifecycle = (
        compare(c.COLD_START, "Cold starts"),
        compare(c.INIT_DURATION, "Init duration", ("p50", "p99")),
        compare(c.KEEP_WARM_PING, "Keep-warm pings"),
    )
    cache_and_search = (
        rate("Cache hit rate %", [c.CACHE_HIT], [c.CACHE_HIT, c.CACHE_MISS], width=6),
        compare(c.CACHE_ERROR, "Cache errors / breaker skips", width=6),
        rate("Search fallback rate %", [c.SEARCH_FALLBACK], [c.SEARCH_REQUESTS], width=6),
        compare(c.OUTBOX_PENDING, "Outbox backlog", ("Maximum",), width=6),
    )
    breakers = (
        compare(
            c.BREAKER_STATE,
            "Breaker state (0 closed, 1 half-open, 2 open)",
            ("Maximum",),
            annotations=(Annotation(c.BREAKER_STATE_VALUES["open"], "open"),),
            width=12,
        ),
        compare(c.BREAKER_OPENED, "Breaker openings", width=12),
    )
    dependencies = (
        compare(c.DEPENDENCY_LATENCY, "Dependency latency p95", ("p95",)),
        compare(c.DEPENDENCY_ERROR, "Dependency errors"),
        compare(c.RETRY_ATTEMPT, "Retries"),
    )
    return Dashboard(
        f"{SERVICE}-{marks.profile}-express-vs-serverless",
        ((intro,), latency, traffic, lifecycle, cache_and_search, breakers, dependencies),
    )
