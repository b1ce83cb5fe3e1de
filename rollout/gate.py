"""The go/no-go gate: serverless against fixed limits *and* against express on the same window.

Kayenta-style, in plain words:

0. **The edge first.** When serverless holds weight and, in each of the last
   ``rollback_intervals`` periods, its edge (API Gateway) served errors (5xx > 2 %
   or p95 > 1 s), served nothing at all, or counted requests its own metrics
   never saw, the verdict is ``rollback`` whatever the app's own metrics say: a
   function failing its init publishes nothing, which the app-metric rule below
   would read as "not enough data" for ever. At the edge a quiet period with
   fewer than ``rollback_min_requests`` requests breaches only when all of them
   failed (a few requests are noise for a rate, not for "everything fails").
   "Served nothing" needs users to be arriving: when the source also measures
   express's edge, a silent serverless period breaches only if express's edge
   counted enough requests that serverless's share by the weights would have
   been at least ``SILENT_EXPECTED_REQUESTS``; an idle API is not a failing
   backend. Without express's edge every silent period breaches.
1. **Rollback.** When serverless breached the seeds' rollback criteria
   (5xx rate > 2 % or p95 > 1 s) in each of the last ``rollback_intervals``
   periods, the verdict is ``rollback`` whatever else holds. A period with fewer
   than ``rollback_min_requests`` requests cannot be a breach, so it breaks the run.
2. **Enough data, or no verdict.** Only periods where *both* backends served at
   least ``min_requests_per_period`` requests are compared (a p95 of a handful of
   requests is noise). Fewer than ``min_periods`` such periods gives
   ``inconclusive`` — never ``go``.
3. **Fixed limits.** Over the compared periods serverless must keep its 5xx rate
   below 1 % and its typical per-period p95 (the median over periods) below 500 ms.
4. **Non-inferiority to express.** Per period, serverless's p95 may exceed
   express's by the margin ``max(δ · express p95, ε)`` (relative δ, absolute ε).
   The per-period excesses over that margin are tested with a one-sided Wilcoxon
   signed-rank test (``scipy.stats.wilcoxon``): ``go`` needs evidence (p < alpha) that
   the typical excess is below zero, i.e. serverless is *within* the margin. A
   plain "is there a difference" test gets stricter as traffic grows and would
   fail a real but irrelevant 1 ms difference; the margin makes the question
   "is serverless worse by more than we accept", which more data only answers
   more surely. Periods are paired (same minute for both backends), so load
   swings hit both sides of each difference alike.
   When the estimate is inside the margin but the evidence is not yet enough,
   the verdict is ``inconclusive``; when the estimate is outside, ``no-go``.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

from rollout.metric_source import PeriodStats
from runtime.telemetry.objectives import ROLLBACK

Decision = Literal["go", "no-go", "inconclusive", "rollback"]


@dataclass(frozen=True)
class GateConfig:
    """Thresholds and statistics settings; defaults are the seeds' figures."""

    max_error_rate: float = 0.01
    max_p95_ms: float = 500.0
    relative_margin: float = 0.10  # δ
    absolute_margin_ms: float = 25.0  # ε
    alpha: float = 0.05
    min_requests_per_period: int = 30
    min_periods: int = 6
    rollback_error_rate: float = ROLLBACK.error_rate
    rollback_p95_ms: float = ROLLBACK.p95_ms
    rollback_intervals: int = ROLLBACK.periods
    rollback_min_requests: int = 20

    def __post_init__(self) -> None:
        if self.min_periods < 5:
            # one-sided Wilcoxon: with n pairs the smallest possible p is 1/2**n; below 5 it never reaches 0.05
            raise ValueError(f"min_periods must be at least 5 for the signed-rank test, got {self.min_periods}")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, got {self.alpha}")
        if self.rollback_intervals < 1:
            raise ValueError("rollback_intervals must be at least 1")


@dataclass
class Verdict:
    decision: Decision
    reasons: list[str]
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def passes(self) -> bool:
        return self.decision == "go"

    def as_json(self) -> dict[str, Any]:
        return {"decision": self.decision, "reasons": self.reasons, "figures": self.figures}


SILENT_SHARE = 0.5
"""A period where the backend's own metrics count under half the edge's requests is a silent one."""

SILENT_EXPECTED_REQUESTS = 5.0
"""Serverless's share of express's edge traffic (by the weights) that makes a silent serverless edge a breach:
with 5 requests expected, a healthy backend receives none in a period about 0.7 % of the time (Poisson)."""


@dataclass(frozen=True)
class EdgeReading:
    """Serverless at the edge: its weight now, and its edge periods over the window whose starts are ``starts``."""

    serverless_weight: int
    periods: list[PeriodStats]
    starts: list[datetime]
    express_weight: int | None = None
    express_periods: list[PeriodStats] | None = None
    """Express's edge over the same window, when the source measures it: who was arriving."""

    def expected_serverless(self, start: datetime) -> float | None:
        """Requests serverless should have had in the period at ``start`` by the weights; None when unknown."""
        if self.express_periods is None or self.express_weight is None:
            return None
        if self.express_weight <= 0:
            return 0.0  # all traffic on serverless: nothing to compare its silence with
        arrived = sum(period.requests for period in self.express_periods if period.start == start)
        return arrived * self.serverless_weight / self.express_weight


def evaluate(
    serverless: list[PeriodStats], express: list[PeriodStats], config: GateConfig, edge: EdgeReading | None = None
) -> Verdict:
    """The verdict for serverless against express over the same periods; ``edge`` adds the edge's view."""
    figures: dict[str, Any] = {"config": asdict(config)}
    if edge is not None:
        edge_breach = _edge_breach(edge, serverless, config)
        if edge_breach:
            figures["edge_rollback_periods"] = edge_breach
            return Verdict("rollback", [_edge_reason(edge_breach, config)], figures)
    breach = _sustained_breach(serverless, config)
    if breach:
        figures["rollback_periods"] = breach
        return Verdict("rollback", [_breach_reason(breach, config)], figures)

    pairs = _paired(serverless, express, config.min_requests_per_period)
    figures["periods_compared"] = len(pairs)
    if len(pairs) < config.min_periods:
        return Verdict(
            "inconclusive",
            [
                f"only {len(pairs)} periods with at least {config.min_requests_per_period} requests on both "
                f"backends; the gate needs {config.min_periods}"
            ],
            figures,
        )
    requests = sum(s.requests for s, _ in pairs)
    error_rate = sum(s.errors for s, _ in pairs) / requests
    serverless_p95 = statistics.median(_p95(s) for s, _ in pairs)
    express_p95 = statistics.median(_p95(e) for _, e in pairs)
    excess = [_p95(s) - _p95(e) - margin(_p95(e), config) for s, e in pairs]
    figures.update(
        serverless_requests=requests,
        serverless_error_rate=error_rate,
        serverless_p95_ms=serverless_p95,
        express_p95_ms=express_p95,
        median_difference_ms=statistics.median(_p95(s) - _p95(e) for s, e in pairs),
        median_margin_ms=statistics.median(margin(_p95(e), config) for _, e in pairs),
    )
    failures = []
    if error_rate >= config.max_error_rate:
        failures.append(f"serverless 5xx rate {error_rate:.2%} is not below {config.max_error_rate:.0%}")
    if serverless_p95 >= config.max_p95_ms:
        failures.append(f"serverless p95 {serverless_p95:.0f} ms is not below {config.max_p95_ms:.0f} ms")
    p_value = _non_inferiority_p(excess)
    figures["non_inferiority_p"] = p_value
    comparison = (
        f"serverless p95 is {figures['median_difference_ms']:+.0f} ms against express "
        f"(margin {figures['median_margin_ms']:.0f} ms = max({config.relative_margin:.0%} of express, "
        f"{config.absolute_margin_ms:.0f} ms); one-sided signed-rank p = {p_value:.3g})"
    )
    if failures:
        return Verdict("no-go", failures, figures)
    if p_value < config.alpha:
        return Verdict("go", [f"within the limits, and non-inferior to express: {comparison}"], figures)
    if statistics.median(excess) >= 0:
        return Verdict("no-go", [f"serverless is slower than express by more than the margin: {comparison}"], figures)
    return Verdict("inconclusive", [f"not yet enough evidence of non-inferiority: {comparison}"], figures)


def margin(express_p95_ms: float, config: GateConfig) -> float:
    """How much slower than express serverless may be in one period: max(δ · express, ε)."""
    return max(config.relative_margin * express_p95_ms, config.absolute_margin_ms)


def _non_inferiority_p(excess: list[float]) -> float:
    """p-value of "the typical excess over the margin is below zero" (H0: it is not)."""
    if not any(excess):
        return 1.0  # no period differs from the margin at all: no evidence either way
    from scipy import stats as scipy_stats  # ~1.5 s to import: only a verdict with enough data pays it, never rollback

    result = scipy_stats.wilcoxon(excess, alternative="less", zero_method="zsplit")
    p_value = float(result.pvalue)
    return 1.0 if math.isnan(p_value) else p_value


def _p95(period: PeriodStats) -> float:
    value = period.percentile("p95")
    assert value is not None  # _paired keeps only periods with a p95
    return value


def _paired(
    serverless: list[PeriodStats], express: list[PeriodStats], min_requests: int
) -> list[tuple[PeriodStats, PeriodStats]]:
    by_start = {period.start: period for period in express}
    pairs = []
    for period in sorted(serverless, key=lambda p: p.start):
        other = by_start.get(period.start)
        if other is None:
            continue
        if min(period.requests, other.requests) < min_requests:
            continue
        if period.percentile("p95") is None or other.percentile("p95") is None:
            continue
        pairs.append((period, other))
    return pairs


def _sustained_breach(serverless: list[PeriodStats], config: GateConfig) -> list[dict[str, Any]]:
    """The last ``rollback_intervals`` periods when each breached the rollback criteria, else []."""
    latest = sorted(serverless, key=lambda p: p.start)[-config.rollback_intervals :]
    if len(latest) < config.rollback_intervals:
        return []
    breaches = []
    for period in latest:
        if period.requests < config.rollback_min_requests:
            return []
        error_rate = period.error_rate or 0.0
        p95 = period.percentile("p95")
        if error_rate <= config.rollback_error_rate and (p95 is None or p95 <= config.rollback_p95_ms):
            return []
        breaches.append({"start": _iso(period.start), "error_rate": error_rate, "p95_ms": p95})
    return breaches


def _edge_breach(edge: EdgeReading, app: list[PeriodStats], config: GateConfig) -> list[dict[str, Any]]:
    """The last ``rollback_intervals`` periods when serverless holds weight and each failed at the edge, else []."""
    latest = sorted(edge.starts)[-config.rollback_intervals :]
    if edge.serverless_weight <= 0 or len(latest) < config.rollback_intervals:
        return []
    at_edge = {period.start: period for period in edge.periods}
    own = {period.start: period.requests for period in app}
    breaches = []
    for start in latest:
        problem = _edge_problem(at_edge.get(start), own.get(start, 0.0), edge.expected_serverless(start), config)
        if problem is None:
            return []
        breaches.append({"start": _iso(start), "problem": problem})
    return breaches


def _edge_problem(
    period: PeriodStats | None, own_requests: float, expected: float | None, config: GateConfig
) -> str | None:
    """Why one edge period counts as failing for users, or None."""
    if period is None or period.requests <= 0:
        if expected is None:
            return "nothing served at the edge while holding weight"
        if expected >= SILENT_EXPECTED_REQUESTS:
            return f"nothing served at the edge while holding weight ({expected:.0f} requests expected by the weights)"
        return None
    rate = period.error_rate or 0.0
    if period.requests < config.rollback_min_requests:
        return f"all {period.requests:.0f} requests failed" if rate >= 1.0 else None
    if rate > config.rollback_error_rate:
        return f"5xx {rate:.1%} at the edge"
    p95 = period.percentile("p95")
    if p95 is not None and p95 > config.rollback_p95_ms:
        return f"p95 {p95:.0f} ms at the edge"
    if own_requests < SILENT_SHARE * period.requests:
        return f"the edge counted {period.requests:.0f} requests, serverless's own metrics {own_requests:.0f}"
    return None


def _edge_reason(breach: list[dict[str, Any]], config: GateConfig) -> str:
    problems = "; ".join(dict.fromkeys(b["problem"] for b in breach))
    return (
        f"serverless holds weight and failed at the edge (API Gateway) in each of the last {len(breach)} "
        f"periods, whatever its own metrics say: {problems}"
    )


def _breach_reason(breach: list[dict[str, Any]], config: GateConfig) -> str:
    worst_errors = max(b["error_rate"] for b in breach)
    worst_p95 = max((b["p95_ms"] or 0.0) for b in breach)
    return (
        f"serverless breached the rollback criteria (5xx > {config.rollback_error_rate:.0%} or "
        f"p95 > {config.rollback_p95_ms:.0f} ms) in each of the last {len(breach)} periods: "
        f"worst 5xx rate {worst_errors:.1%}, worst p95 {worst_p95:.0f} ms"
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat()
