"""Replay synthetic series through metric and composite alarms, tick by tick.

The inputs are the request dicts that deploy sends (``PutMetricAlarm`` / ``PutCompositeAlarm``), so
what is tested offline is exactly what is deployed. Every tick (the scenario's interval) metric
alarms whose period just ended are evaluated, manual ``SetAlarmState`` calls are applied, composites
are re-evaluated when a child changed (a manual state on a composite holds until then, as in
CloudWatch), and alarm actions run or are held by their suppressor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from alarms.evaluator.composite import Rule, parse_rule
from alarms.evaluator.math import Expression, compile_expression
from alarms.evaluator.periods import Datapoint, statistic
from alarms.evaluator.series import MetricKey, SampleSource, metric_key
from alarms.evaluator.states import ALARM, EXTRA_RANGE_PERIODS, INSUFFICIENT_DATA, OK, decide
from alarms.evaluator.suppression import ActionLog

EVALUATION_INTERVAL_S = 60
"""CloudWatch evaluates an alarm of period one minute or longer every minute over a *sliding* window (the default
``EvaluationWindow``): a 1-hour alarm judges 13:07-14:07, then 13:08-14:08. Shorter periods: every period."""


class DefinitionError(ValueError):
    """An alarm request uses something the evaluator (or CloudWatch) does not accept."""


def _key(metric: Mapping[str, Any]) -> MetricKey:
    dims = {item["Name"]: item["Value"] for item in metric.get("Dimensions", [])}
    return metric_key(metric["Namespace"], metric["MetricName"], dims)


@dataclass
class _MetricAlarm:
    request: Mapping[str, Any]
    period: int = 0
    queries: dict[str, tuple[MetricKey, str]] = field(default_factory=dict)
    expression: Expression | None = None
    single: tuple[MetricKey, str] | None = None

    def __post_init__(self) -> None:
        request = self.request
        if "Metrics" not in request:
            stat = request.get("ExtendedStatistic") or request["Statistic"]
            self.single = (_key(request), stat)
            self.period = int(request["Period"])
            return
        returned = [query for query in request["Metrics"] if query.get("ReturnData", True)]
        if len(returned) != 1 or "Expression" not in returned[0]:
            raise DefinitionError(f"{request['AlarmName']}: exactly one returned expression is required")
        for query in request["Metrics"]:
            if "MetricStat" in query:
                stat = query["MetricStat"]
                self.queries[query["Id"]] = (_key(stat["Metric"]), stat["Stat"])
                if self.period and self.period != int(stat["Period"]):
                    raise DefinitionError(f"{request['AlarmName']}: all queries must share one period")
                self.period = int(stat["Period"])
        self.expression = compile_expression(returned[0]["Expression"])
        unknown = self.expression.ids - set(self.queries)
        if unknown:
            raise DefinitionError(f"{request['AlarmName']}: expression reads unknown ids {sorted(unknown)}")

    @property
    def name(self) -> str:
        return str(self.request["AlarmName"])

    def datapoint(self, store: SampleSource, start: int) -> Datapoint:
        end = start + self.period
        if self.single is not None:
            key, stat = self.single
            return statistic(store.samples(key, start, end), stat)
        assert self.expression is not None
        env = {qid: statistic(store.samples(key, start, end), stat).value for qid, (key, stat) in self.queries.items()}
        return Datapoint(self.expression.evaluate(env))

    def evaluate(self, store: SampleSource, now: int, current: str) -> str:
        request = self.request
        evaluations = int(request["EvaluationPeriods"])
        span = evaluations + EXTRA_RANGE_PERIODS
        points = [self.datapoint(store, now - offset * self.period) for offset in range(span, 0, -1)]
        return decide(
            points,
            comparison=request["ComparisonOperator"],
            threshold=float(request["Threshold"]),
            evaluations=evaluations,
            datapoints=int(request.get("DatapointsToAlarm", evaluations)),
            treat_missing=request.get("TreatMissingData", "missing"),
            low_sample_ignore=request.get("EvaluateLowSampleCountPercentile") == "ignore",
            current=current,
        )


@dataclass
class Track:
    """What happened to one alarm: its state and suppression reason after every tick, and its actions."""

    name: str
    states: list[tuple[int, str]] = field(default_factory=list)
    suppressed: list[tuple[int, str | None]] = field(default_factory=list)
    log: ActionLog | None = None

    def _at(self, series: Sequence[tuple[int, Any]], at: int) -> Any:
        found = [value for tick, value in series if tick <= at]
        if not found:
            raise ValueError(f"{self.name}: nothing evaluated at or before {at}s")
        return found[-1]

    def state_at(self, at: int) -> str:
        return str(self._at(self.states, at))

    def suppressed_by_at(self, at: int) -> str | None:
        value = self._at(self.suppressed, at)
        return None if value is None else str(value)

    def actions_until(self, at: int) -> list[str]:
        return [state for tick, state in (self.log.executed if self.log else []) if tick <= at]


@dataclass(frozen=True)
class ManualState:
    """A ``SetAlarmState`` call at ``at`` seconds."""

    at: int
    alarm: str
    state: str


def _ordered(composites: dict[str, Rule]) -> list[str]:
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise DefinitionError(f"composite alarm {name} depends on itself")
        visiting.add(name)
        for child in sorted(composites[name].children & composites.keys()):
            visit(child)
        visiting.discard(name)
        order.append(name)

    for name in composites:
        visit(name)
    return order


class Simulation:
    """All alarms of one scenario over a shared synthetic metric store."""

    def __init__(
        self,
        metric_requests: Iterable[Mapping[str, Any]],
        composite_requests: Iterable[Mapping[str, Any]],
        store: SampleSource,
        *,
        step: int = 60,
        manual: Sequence[ManualState] = (),
    ) -> None:
        self.store = store
        self.step = step
        self.manual = list(manual)
        self.metric = {alarm.name: alarm for alarm in map(_MetricAlarm, metric_requests)}
        composites = list(composite_requests)
        self.rules = {str(request["AlarmName"]): parse_rule(request["AlarmRule"]) for request in composites}
        known = self.metric.keys() | self.rules.keys()
        for name, rule in self.rules.items():
            if rule.children - known:
                raise DefinitionError(f"{name}: rule names unknown alarms {sorted(rule.children - known)}")
        for event in self.manual:
            if event.alarm not in known:
                raise DefinitionError(f"SetAlarmState names unknown alarm {event.alarm}")
        self.order = _ordered(self.rules)
        self.tracks = {name: Track(name) for name in known}
        bodies: list[Mapping[str, Any]] = [alarm.request for alarm in self.metric.values()] + composites
        for body in bodies:
            if body.get("AlarmActions") or body.get("OKActions"):
                suppressor = body.get("ActionsSuppressor")
                if suppressor is not None and suppressor not in known:
                    raise DefinitionError(f"{body['AlarmName']}: unknown ActionsSuppressor {suppressor}")
                self.tracks[str(body["AlarmName"])].log = ActionLog(
                    suppressor,
                    int(body.get("ActionsSuppressorWaitPeriod", 0)),
                    int(body.get("ActionsSuppressorExtensionPeriod", 0)),
                )

    def run(self, until: int) -> dict[str, Track]:
        """Simulate ticks ``0, step, ... <= until`` and return every alarm's track."""
        state = self.initial_state()
        for now in range(0, until + 1, self.step):
            self.tick(now, state, first=now == 0)
        return self.tracks

    def initial_state(self) -> dict[str, str]:
        """Every alarm INSUFFICIENT_DATA, as CloudWatch creates them."""
        return dict.fromkeys(self.tracks, INSUFFICIENT_DATA)

    def tick(self, now: int, state: dict[str, str], *, first: bool = False) -> None:
        """Advance ``state`` (updated in place) and the tracks to ``now``; composites start on ``first``.

        :meth:`run` calls this for each tick of a scenario; the live evaluator of ``brickguard up``
        calls it as the clock passes each tick, so both judge alarms with the same code.
        """
        before = dict(state)
        for name, alarm in self.metric.items():
            if now > 0 and now % min(alarm.period, EVALUATION_INTERVAL_S) == 0:
                state[name] = alarm.evaluate(self.store, now, state[name])
        set_now = {event.alarm: event.state for event in self.manual if event.at == now}
        state.update(set_now)
        for name in self.order:
            rule = self.rules[name]
            if name in set_now:  # SetAlarmState lands after this tick's evaluation
                continue
            if first or any(state[child] != before[child] for child in rule.children):
                state[name] = ALARM if rule.evaluate(state) else OK
        for name, track in self.tracks.items():
            if track.log is not None:
                suppressor = track.log.suppressor
                track.log.tick(now, state[name], state[name] != before[name], state.get(suppressor or ""))
            track.states.append((now, state[name]))
            track.suppressed.append((now, track.log.suppressed_by if track.log else None))
