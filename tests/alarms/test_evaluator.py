"""Unit tests of the offline evaluator's CloudWatch semantics."""

from __future__ import annotations

from typing import Any

import pytest

from alarms.evaluator.composite import RuleError, parse_rule
from alarms.evaluator.engine import DefinitionError, ManualState, Simulation
from alarms.evaluator.math import MathError, compile_expression
from alarms.evaluator.periods import Datapoint, percentile, significant_samples, statistic
from alarms.evaluator.series import SeriesStore, metric_key
from alarms.evaluator.states import ALARM, INSUFFICIENT_DATA, OK, decide
from alarms.evaluator.suppression import ActionLog

# ---- period statistics -------------------------------------------------------------------------


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 95) == 95.0
    assert percentile(values, 99) == 99.0
    assert percentile([5.0, 1.0, 3.0], 50) == 3.0
    assert percentile([7.0], 99.9) == 7.0


def test_statistics_and_low_sample_flag() -> None:
    assert statistic([], "Sum") == Datapoint(None)
    assert statistic([1.0, 2.0, 3.0], "Sum").value == 6.0
    assert statistic([1.0, 2.0, 3.0], "Average").value == 2.0
    assert statistic([1.0, 2.0, 3.0], "SampleCount").value == 3.0
    assert statistic([1.0, 5.0], "Maximum").value == 5.0 and statistic([1.0, 5.0], "Minimum").value == 1.0
    assert significant_samples(95) == pytest.approx(200) and significant_samples(99) == pytest.approx(1000)
    assert significant_samples(10) == pytest.approx(100)
    assert statistic([1.0] * 199, "p95").low_sample and not statistic([1.0] * 200, "p95").low_sample
    with pytest.raises(ValueError, match="not supported"):
        statistic([1.0], "Median")


# ---- M of N and TreatMissingData ----------------------------------------------------------------

BREACH, FINE, GAP = Datapoint(10.0), Datapoint(1.0), Datapoint(None)


def _decide(points: list[Datapoint], treat: str, current: str = OK, m: int = 3, n: int = 3, ignore_low=False) -> str:
    return decide(
        points,
        comparison="GreaterThanThreshold",
        threshold=5.0,
        evaluations=n,
        datapoints=m,
        treat_missing=treat,
        low_sample_ignore=ignore_low,
        current=current,
    )


@pytest.mark.parametrize("treat", ["missing", "ignore", "breaching", "notBreaching"])
def test_enough_real_points_ignore_treat_missing_data(treat: str) -> None:
    # 0 X X - X over a 5-point range: four real points, the latest three breach.
    assert _decide([FINE, BREACH, BREACH, GAP, BREACH], treat) == ALARM
    # 0 - X - X: three real points, one fine: not 3 of 3.
    assert _decide([FINE, GAP, BREACH, GAP, BREACH], treat) == OK


@pytest.mark.parametrize(
    "treat,expected",
    [("missing", INSUFFICIENT_DATA), ("ignore", "CURRENT"), ("breaching", ALARM), ("notBreaching", OK)],
)
def test_all_missing(treat: str, expected: str) -> None:
    assert _decide([GAP] * 5, treat, current="CURRENT") == expected


@pytest.mark.parametrize(
    "treat,expected", [("missing", ALARM), ("ignore", "CURRENT"), ("breaching", ALARM), ("notBreaching", OK)]
)
def test_single_breaching_point(treat: str, expected: str) -> None:
    assert _decide([GAP, GAP, BREACH, GAP, GAP], treat, current="CURRENT") == expected


@pytest.mark.parametrize("treat", ["missing", "ignore", "breaching", "notBreaching"])
def test_single_fine_point_cannot_reach_alarm(treat: str) -> None:
    # One fine point and two filled gaps: even "breaching" reaches only 2 of 3.
    assert _decide([FINE, GAP, GAP, GAP, GAP], treat, current="CURRENT") == OK


def test_m_of_n() -> None:
    points = [BREACH, FINE, BREACH, BREACH, FINE]
    assert _decide(points, "missing", m=3, n=5) == ALARM
    assert _decide(points, "missing", m=4, n=5) == OK
    assert _decide([GAP, GAP, BREACH, FINE, BREACH], "breaching", m=4, n=5) == ALARM
    assert _decide([GAP, GAP, BREACH, FINE, BREACH], "notBreaching", m=3, n=5) == OK


def test_low_sample_percentiles_keep_state_when_ignored() -> None:
    low = Datapoint(10.0, low_sample=True)
    assert _decide([low, low, low], "missing", current=OK, ignore_low=True) == OK
    assert _decide([low, low, low], "missing", current=OK, ignore_low=False) == ALARM


# ---- metric math --------------------------------------------------------------------------------


def test_math_arithmetic_fill_and_division_by_zero() -> None:
    rate = compile_expression("100 * FILL(errors, 0) / requests")
    assert rate.ids == {"errors", "requests"}
    assert rate.evaluate({"errors": 5.0, "requests": 200.0}) == 2.5
    assert rate.evaluate({"errors": None, "requests": 200.0}) == 0.0
    assert rate.evaluate({"errors": 5.0, "requests": None}) is None
    assert rate.evaluate({"errors": 5.0, "requests": 0.0}) is None
    assert compile_expression("-(a - 2) * 3 + 1").evaluate({"a": 4.0}) == -5.0


def test_math_array_functions_use_present_values() -> None:
    env: dict[str, Any] = {"a": 1.0, "b": None, "c": 2.0}
    assert compile_expression("MAX([a, b, c])").evaluate(env) == 2.0
    assert compile_expression("SUM([a, b, c])").evaluate(env) == 3.0
    assert compile_expression("MIN([a, c])").evaluate(env) == 1.0
    assert compile_expression("AVG([a, c])").evaluate(env) == 1.5
    assert compile_expression("SUM([b])").evaluate(env) is None


@pytest.mark.parametrize("bad", ["100 *", "ANOMALY_DETECTION_BAND(m1)", "Errors / 2", "a $ b", "(a + b", "a b"])
def test_math_outside_the_subset_fails_loudly(bad: str) -> None:
    with pytest.raises(MathError):
        compile_expression(bad)


# ---- composite rules ----------------------------------------------------------------------------


def test_rule_parsing_parentheses_not_and_quoting() -> None:
    rule = parse_rule('ALARM("a-1") AND NOT (OK(b) OR INSUFFICIENT_DATA("c"))')
    assert rule.children == {"a-1", "b", "c"}
    assert rule.evaluate({"a-1": ALARM, "b": ALARM, "c": OK})
    assert not rule.evaluate({"a-1": ALARM, "b": OK, "c": OK})
    assert not rule.evaluate({"a-1": ALARM, "b": ALARM, "c": INSUFFICIENT_DATA})
    assert not rule.evaluate({"a-1": OK, "b": ALARM, "c": OK})


def test_rule_precedence_and_constants() -> None:
    # NOT binds tighter than AND, AND tighter than OR.
    rule = parse_rule("ALARM(a) OR ALARM(b) AND NOT ALARM(c)")
    assert rule.evaluate({"a": ALARM, "b": OK, "c": ALARM})
    assert not rule.evaluate({"a": OK, "b": ALARM, "c": ALARM})
    assert parse_rule("TRUE").evaluate({}) and not parse_rule("FALSE").evaluate({})
    assert parse_rule("NOT FALSE AND (TRUE OR FALSE)").evaluate({})


@pytest.mark.parametrize("bad", ["ALARM(a) AND", "ALARM(a) OR (OK(b)", "alarm(a)", "ALARM", "ALARM(a) XOR OK(b)", ""])
def test_malformed_rules_fail_loudly(bad: str) -> None:
    with pytest.raises(RuleError):
        parse_rule(bad)


# ---- actions suppression ------------------------------------------------------------------------


def _log() -> ActionLog:
    return ActionLog("deploy", wait_period=120, extension_period=300)


def test_wait_period_delays_then_runs_the_action() -> None:
    log = _log()
    log.tick(0, ALARM, True, OK)
    assert log.suppressed_by == "WaitPeriod" and log.executed == []
    log.tick(60, ALARM, False, OK)
    log.tick(120, ALARM, False, OK)
    assert log.executed == [(120, ALARM)] and log.suppressed_by is None


def test_suppressor_entering_alarm_within_the_wait_suppresses_until_extension_ends() -> None:
    log = _log()
    log.tick(0, ALARM, True, OK)
    log.tick(60, ALARM, False, ALARM)
    assert log.suppressed_by == "Alarm"
    log.tick(600, ALARM, False, OK)
    assert log.suppressed_by == "ExtensionPeriod"
    log.tick(840, ALARM, False, OK)
    assert log.executed == []
    log.tick(900, ALARM, False, OK)
    assert log.executed == [(900, ALARM)]


def test_action_dropped_when_state_changes_while_held() -> None:
    log = _log()
    log.tick(0, ALARM, True, ALARM)
    log.tick(60, OK, True, ALARM)
    assert log.held is not None and log.held.kind == OK
    log.tick(120, OK, False, OK)
    log.tick(420, OK, False, OK)
    assert log.executed == [(420, OK)]


def test_no_suppressor_runs_actions_at_once() -> None:
    log = ActionLog(None, 0, 0)
    log.tick(0, OK, True, None)
    log.tick(60, ALARM, True, None)
    assert log.executed == [(0, OK), (60, ALARM)]


# ---- engine -------------------------------------------------------------------------------------


def _alarm(name: str, metric: str, threshold: float = 5.0) -> dict[str, Any]:
    return {
        "AlarmName": name, "Namespace": "LegoApi", "MetricName": metric, "Dimensions": [],
        "Statistic": "Maximum", "Period": 60, "EvaluationPeriods": 1, "DatapointsToAlarm": 1,
        "Threshold": threshold, "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "missing",
    }


def test_manual_state_on_a_metric_alarm_lasts_until_the_next_evaluation() -> None:
    store = SeriesStore()
    series = store.get(metric_key("LegoApi", "BreakerState", {}))
    for at in range(0, 600, 60):
        series.publish(at, [0.0])
    simulation = Simulation(
        [_alarm("a", "BreakerState")], [], store, manual=[ManualState(90, "a", ALARM)], step=30
    )
    track = simulation.run(300)["a"]
    assert track.state_at(90) == ALARM and track.state_at(120) == OK


def test_composite_reevaluates_only_when_a_child_changes() -> None:
    store = SeriesStore()
    series = store.get(metric_key("LegoApi", "BreakerState", {}))
    for at in range(0, 600, 60):
        series.publish(at, [9.0])
    composite = {"AlarmName": "c", "AlarmRule": "ALARM(a)"}
    simulation = Simulation([_alarm("a", "BreakerState")], [composite], store, manual=[ManualState(180, "c", OK)])
    track = simulation.run(420)["c"]
    assert track.state_at(60) == ALARM and track.state_at(180) == OK and track.state_at(420) == OK


def test_definitions_are_checked() -> None:
    with pytest.raises(DefinitionError, match="unknown alarms"):
        Simulation([], [{"AlarmName": "c", "AlarmRule": "ALARM(nope)"}], SeriesStore())
    bad_math = _alarm("m", "Requests") | {
        "Metrics": [{"Id": "result", "Expression": "100 * x", "ReturnData": True}],
    }
    with pytest.raises(DefinitionError, match="unknown ids"):
        Simulation([bad_math], [], SeriesStore())
