"""Alarm test cases in YAML: synthetic series, manual alarm states and expected states per step.

A file holds one or more scenarios::

    profile: bau                 # rollout | bau (a scenario may override it)
    region: us-east-1            # picks the NA or EU latency threshold
    tests:
      - name: fires when 5xx stay above 2% for 5 minutes
        interval: 1m             # one tick per minute (default)
        series:
          - metric: Requests     # catalogue name; service is filled in
            dimensions: {backend: serverless}
            timeline:
              - {for: 10m, value: 1000}          # one datapoint per tick
              - {for: 5m, missing: true}         # nothing published
              - {for: 5m, samples: {120: 95, 900: 5}}  # per tick: 95 samples of 120, 5 of 900
          - namespace: AWS/Lambda              # AWS metrics name their namespace
            metric: Throttles
            dimensions: {FunctionName: "${ServiceName}-mocs"}
            timeline: [{for: 10m, value: 3}]
        set_state:               # SetAlarmState calls, e.g. the deploy pipeline
          - {at: 2m, alarm: deploy-window, state: ALARM}
        expect:                  # alarms by slug; suppressed_by and actions are optional
          - {at: 10m, alarm: serverless-degraded, state: ALARM, suppressed_by: Alarm, actions: [OK]}

``actions`` lists every action run up to ``at``, in order (the first is usually the OK action of the
creation transition INSUFFICIENT_DATA -> OK). ``suppressed_by: none`` asserts nothing is held.
Top-level keys starting with ``x-`` are ignored, so they can hold YAML anchors shared by scenarios.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from runtime.telemetry import catalogue

_DURATION = re.compile(r"^(\d+)(s|m|h)$")
_UNITS = {"s": 1, "m": 60, "h": 3600}
NOT_GIVEN = "<not given>"


class CaseError(ValueError):
    """A case file is malformed; the message names the file and the place."""


def duration(raw: Any, where: str) -> int:
    """``90s``, ``5m``, ``1h`` or a number of seconds."""
    if isinstance(raw, int) and raw >= 0:
        return raw
    match = _DURATION.match(str(raw).strip())
    if match is None:
        raise CaseError(f"{where}: {raw!r} is not a duration like 30s, 5m or 1h")
    return int(match.group(1)) * _UNITS[match.group(2)]


@dataclass(frozen=True)
class Segment:
    """``seconds`` of ticks each publishing ``samples`` (empty: nothing published)."""

    seconds: int
    samples: tuple[float, ...]


@dataclass(frozen=True)
class SeriesInput:
    namespace: str
    metric: str
    dimensions: dict[str, str]
    timeline: tuple[Segment, ...]


@dataclass(frozen=True)
class Expectation:
    at: int
    alarm: str
    state: str
    suppressed_by: str | None = NOT_GIVEN
    actions: tuple[str, ...] | None = None


@dataclass(frozen=True)
class StateCall:
    at: int
    alarm: str
    state: str


@dataclass
class Scenario:
    name: str
    profile: str
    region: str
    interval: int
    series: list[SeriesInput] = field(default_factory=list)
    set_state: list[StateCall] = field(default_factory=list)
    expect: list[Expectation] = field(default_factory=list)


@dataclass
class CaseFile:
    path: Path
    scenarios: list[Scenario]


def _segment(raw: dict[str, Any], where: str) -> Segment:
    seconds = duration(raw.get("for"), f"{where}.for")
    kinds = [key for key in ("value", "samples", "missing") if key in raw]
    if len(kinds) != 1:
        raise CaseError(f"{where}: give exactly one of value, samples, missing")
    if "value" in raw:
        return Segment(seconds, (float(raw["value"]),))
    if "missing" in raw:
        return Segment(seconds, ())
    samples: list[float] = []
    for value, count in dict(raw["samples"]).items():
        samples.extend([float(value)] * int(count))
    return Segment(seconds, tuple(samples))


def _series(raw: dict[str, Any], where: str) -> SeriesInput:
    namespace = raw.get("namespace", catalogue.DEFAULT_NAMESPACE)
    name = str(raw.get("metric", ""))
    dims = {str(key): str(value) for key, value in (raw.get("dimensions") or {}).items()}
    if namespace == catalogue.DEFAULT_NAMESPACE:
        try:
            spec = catalogue.by_name(name)
        except KeyError as error:
            raise CaseError(f"{where}: {error.args[0]}") from None
        unknown = set(dims) - set(spec.dimensions)
        if unknown:
            raise CaseError(f"{where}: {name} has no dimension(s) {sorted(unknown)}")
        dims.setdefault("service", "${ServiceName}")
    timeline = tuple(_segment(item, f"{where}.timeline[{i}]") for i, item in enumerate(raw.get("timeline") or []))
    if not timeline:
        raise CaseError(f"{where}: timeline is empty")
    return SeriesInput(namespace, name, dims, timeline)


def _expectation(raw: dict[str, Any], where: str) -> Expectation:
    actions = raw.get("actions")
    suppressed = raw.get("suppressed_by", NOT_GIVEN)
    return Expectation(
        at=duration(raw.get("at"), f"{where}.at"),
        alarm=str(raw["alarm"]),
        state=str(raw["state"]),
        suppressed_by=None if suppressed in (None, "none") else str(suppressed),
        actions=None if actions is None else tuple(str(action) for action in actions),
    )


FILE_KEYS = frozenset({"profile", "region", "tests"})
SCENARIO_KEYS = frozenset({"name", "profile", "region", "interval", "series", "set_state", "expect"})


def _check_keys(raw: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    """Unknown keys are typos; ``x-`` keys are free for YAML anchors."""
    unknown = sorted(key for key in raw if key not in allowed and not str(key).startswith("x-"))
    if unknown:
        raise CaseError(f"{where}: unknown key(s) {unknown}; expected {sorted(allowed)}")


def _scenario(raw: dict[str, Any], defaults: dict[str, Any], where: str) -> Scenario:
    if not isinstance(raw, dict):
        raise CaseError(f"{where}: a scenario is a mapping")
    _check_keys(raw, SCENARIO_KEYS, where)
    try:
        return Scenario(
            name=str(raw.get("name") or where),
            profile=str(raw.get("profile", defaults.get("profile", "bau"))),
            region=str(raw.get("region", defaults.get("region", "us-east-1"))),
            interval=duration(raw.get("interval", "1m"), f"{where}.interval"),
            series=[_series(item, f"{where}.series[{i}]") for i, item in enumerate(raw.get("series") or [])],
            set_state=[
                StateCall(duration(item["at"], f"{where}.set_state[{i}]"), str(item["alarm"]), str(item["state"]))
                for i, item in enumerate(raw.get("set_state") or [])
            ],
            expect=[_expectation(item, f"{where}.expect[{i}]") for i, item in enumerate(raw.get("expect") or [])],
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise CaseError(f"{where}: malformed ({error})") from None


def load(path: Path) -> CaseFile:
    """Read and validate one case file."""
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise CaseError(f"{path}: not valid YAML ({error})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("tests"), list) or not raw["tests"]:
        raise CaseError(f"{path}: needs a non-empty 'tests' list")
    _check_keys(raw, FILE_KEYS, str(path))
    scenarios = [_scenario(item, raw, f"{path.name}:tests[{i}]") for i, item in enumerate(raw["tests"])]
    for scenario in scenarios:
        if not scenario.expect:
            raise CaseError(f"{path}: scenario {scenario.name!r} expects nothing")
    return CaseFile(path, scenarios)
