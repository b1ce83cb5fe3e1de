"""The gate's verdicts on synthetic per-period series (the statistics, not the plumbing)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from rollout.gate import EdgeReading, GateConfig, evaluate, margin
from rollout.metric_source import PeriodStats

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
CONFIG = GateConfig()


def series(p95s: list[float], *, requests: float = 200, errors: float = 0, offset: int = 0) -> list[PeriodStats]:
    return [
        PeriodStats(
            T0 + timedelta(minutes=offset + i), requests, errors, {"p50": p95 / 2, "p95": p95, "p99": p95 * 1.5}
        )
        for i, p95 in enumerate(p95s)
    ]


def noisy(base: float, n: int, seed: int, spread: float = 0.05) -> list[float]:
    rng = random.Random(seed)
    return [base * (1 + rng.uniform(-spread, spread)) for _ in range(n)]


def test_equal_backends_with_enough_periods_go():
    verdict = evaluate(series(noisy(120, 12, 1)), series(noisy(120, 12, 2)), CONFIG)
    assert verdict.decision == "go", verdict.reasons
    assert verdict.figures["periods_compared"] == 12 and verdict.figures["non_inferiority_p"] < 0.05


def test_a_tiny_real_difference_with_huge_traffic_still_goes():
    """1 ms slower in every one of 60 periods of 100 000 requests: inside ε, so more data makes it surer."""
    express = noisy(100, 60, 3, spread=0.01)
    verdict = evaluate(series([v + 1 for v in express], requests=100_000), series(express, requests=100_000), CONFIG)
    assert verdict.decision == "go", verdict.reasons
    assert verdict.figures["median_difference_ms"] == pytest.approx(1.0)


def test_serverless_slower_than_the_margin_is_no_go_with_the_reason():
    express = noisy(100, 12, 4)
    verdict = evaluate(series([v + 80 for v in express]), series(express), CONFIG)
    assert verdict.decision == "no-go"
    assert "slower than express by more than the margin" in verdict.reasons[0]
    assert verdict.figures["median_difference_ms"] == pytest.approx(80.0)


def test_the_margin_is_relative_for_slow_routes_and_absolute_for_fast_ones():
    assert margin(1000, CONFIG) == pytest.approx(100.0)  # δ = 10 %
    assert margin(50, CONFIG) == 25.0  # ε
    express = noisy(400, 12, 5)  # margin 40 ms: 30 ms slower passes, 60 ms slower does not
    assert evaluate(series([v + 30 for v in express]), series(express), CONFIG).decision == "go"
    assert evaluate(series([v + 60 for v in express]), series(express), CONFIG).decision == "no-go"


def test_too_little_traffic_is_inconclusive_never_go():
    verdict = evaluate(series(noisy(100, 12, 6), requests=5), series(noisy(100, 12, 7), requests=5), CONFIG)
    assert verdict.decision == "inconclusive" and "only 0 periods" in verdict.reasons[0]
    few = evaluate(series(noisy(100, 4, 6)), series(noisy(100, 4, 7)), CONFIG)
    assert few.decision == "inconclusive"


def test_periods_of_only_one_backend_are_not_compared():
    verdict = evaluate(series(noisy(100, 10, 8)), series(noisy(100, 10, 9), offset=30), CONFIG)
    assert verdict.decision == "inconclusive" and verdict.figures["periods_compared"] == 0


def test_fixed_limits_fail_even_when_express_is_as_bad():
    slow = noisy(600, 12, 10)
    verdict = evaluate(series(slow), series(slow), CONFIG)
    assert verdict.decision == "no-go" and "p95" in verdict.reasons[0] and "500 ms" in verdict.reasons[0]
    erroring = evaluate(series(noisy(100, 12, 11), errors=3), series(noisy(100, 12, 12)), CONFIG)  # 1.5 %
    assert erroring.decision == "no-go" and "5xx rate 1.50%" in erroring.reasons[0]


def test_sustained_errors_above_two_percent_roll_back():
    healthy = series(noisy(100, 9, 13))
    failing = series([100, 100, 100], errors=10, offset=9)  # 5 % in each of the last 3
    verdict = evaluate(healthy + failing, series(noisy(100, 12, 14)), CONFIG)
    assert verdict.decision == "rollback" and "worst 5xx rate 5.0%" in verdict.reasons[0]
    assert len(verdict.figures["rollback_periods"]) == 3


def test_a_breach_that_is_not_sustained_does_not_roll_back():
    periods = series(noisy(100, 9, 15)) + series([1500, 100, 1500], offset=9)  # a good period breaks the run
    assert evaluate(periods, series(noisy(100, 12, 16)), CONFIG).decision != "rollback"
    slow_tail = series(noisy(100, 9, 15)) + series([1500, 1500, 1500], offset=9)
    assert evaluate(slow_tail, series(noisy(100, 12, 16)), CONFIG).decision == "rollback"


def test_a_breach_on_a_handful_of_requests_is_not_a_rollback():
    periods = series(noisy(100, 9, 17)) + series([100, 100, 100], requests=4, errors=2, offset=9)
    assert evaluate(periods, series(noisy(100, 12, 18)), CONFIG).decision != "rollback"


def test_inside_the_margin_but_too_noisy_is_inconclusive_not_no_go():
    express = [100.0] * 8
    excess_over_margin = [-30, 20, -30, 20, -30, 20, -30, 10]  # typically inside, but swinging both ways
    serverless = [100 + 25 + e for e in excess_over_margin]
    verdict = evaluate(series(serverless), series(express), CONFIG)
    assert verdict.decision == "inconclusive", verdict.reasons
    assert verdict.figures["non_inferiority_p"] >= 0.05 and "not yet enough evidence" in verdict.reasons[0]


def test_a_config_too_small_for_the_test_is_refused():
    with pytest.raises(ValueError, match="at least 5"):
        GateConfig(min_periods=3)


# -- the edge (API Gateway): a backend that holds weight and fails there rolls back ------------------------

STARTS = [T0 + timedelta(minutes=i) for i in range(12)]


def _edge(weight: int, periods: list[PeriodStats]) -> EdgeReading:
    return EdgeReading(weight, periods, STARTS)


def test_init_crash_rolls_back_at_the_edge_although_the_app_reports_nothing():
    """Before the edge was read this was 'inconclusive' for ever: no app-counted request, no breach."""
    failing = series([40.0] * 12, requests=100, errors=100)
    assert evaluate([], series(noisy(100, 12, 1)), CONFIG).decision == "inconclusive"
    verdict = evaluate([], series(noisy(100, 12, 1)), CONFIG, _edge(10, failing))
    assert verdict.decision == "rollback", verdict.reasons
    assert len(verdict.figures["edge_rollback_periods"]) == 3 and "5xx 100.0% at the edge" in verdict.reasons[0]


def test_nothing_served_at_the_edge_while_holding_weight_rolls_back():
    verdict = evaluate([], series(noisy(100, 12, 1)), CONFIG, _edge(25, []))
    assert verdict.decision == "rollback" and "nothing served at the edge" in verdict.reasons[0]


def test_a_backend_at_weight_zero_that_serves_nothing_is_not_a_rollback():
    verdict = evaluate([], series(noisy(100, 12, 1)), CONFIG, _edge(0, []))
    assert verdict.decision == "inconclusive"


def test_slow_at_the_edge_rolls_back_whatever_the_handler_timed():
    """Cold starts and the invoke hop are outside the handler's Latency: the edge's p95 is what users wait."""
    app = series(noisy(120, 12, 1))
    verdict = evaluate(app, series(noisy(120, 12, 2)), CONFIG, _edge(10, series([1400.0] * 12)))
    assert verdict.decision == "rollback" and "p95 1400 ms at the edge" in verdict.reasons[0]


def test_edge_requests_the_app_never_counted_roll_back():
    app = series(noisy(120, 12, 1), requests=20)  # the app saw 20 of the edge's 200 requests
    verdict = evaluate(app, series(noisy(120, 12, 2)), CONFIG, _edge(10, series(noisy(120, 12, 3))))
    assert verdict.decision == "rollback" and "serverless's own metrics 20" in verdict.reasons[0]


def test_two_failing_periods_out_of_the_last_three_are_not_yet_a_rollback():
    edge = series(noisy(120, 12, 3))
    failing = [PeriodStats(p.start, p.requests, p.requests, p.latency_ms) for p in edge[-3:]]
    healthy_last_but_two = [*edge[:-3], edge[-3], *failing[1:]]
    app = series(noisy(120, 12, 1))
    assert evaluate(app, series(noisy(120, 12, 2)), CONFIG, _edge(10, healthy_last_but_two)).decision == "go"
    assert evaluate(app, series(noisy(120, 12, 2)), CONFIG, _edge(10, [*edge[:-3], *failing])).decision == "rollback"


def test_a_few_requests_at_the_edge_breach_only_when_all_of_them_failed():
    one_of_five = series([100.0] * 12, requests=5, errors=1)
    five_of_five = series([100.0] * 12, requests=5, errors=5)
    assert evaluate([], [], CONFIG, _edge(10, one_of_five)).decision == "inconclusive"
    assert evaluate([], [], CONFIG, _edge(10, five_of_five)).decision == "rollback"


def test_a_silent_serverless_edge_breaches_only_while_users_arrive_at_express():
    """Serverless's edge counting nothing is a failure when express's edge shows users arriving (by the weights
    10 % of them should have reached serverless), not when the whole API is idle (a quiet night in staging)."""
    arriving = series([100.0] * 12, requests=90)  # 90 at express at 90/10: 10 expected at serverless
    idle = EdgeReading(10, [], STARTS, express_weight=90, express_periods=[])
    assert evaluate([], [], CONFIG, idle).decision == "inconclusive"
    trickle = EdgeReading(10, [], STARTS, express_weight=90, express_periods=series([100.0] * 12, requests=9))
    assert evaluate([], [], CONFIG, trickle).decision == "inconclusive"  # 1 expected: silence proves nothing
    unreachable = evaluate([], [], CONFIG, EdgeReading(10, [], STARTS, express_weight=90, express_periods=arriving))
    assert unreachable.decision == "rollback", unreachable.reasons
    assert "nothing served at the edge while holding weight (10 requests expected" in unreachable.reasons[0]
