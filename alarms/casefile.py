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
          - {at: 20m, pages: 1}  # paging alarms in ALARM whose ALARM action went out (not held by a suppressor)

``actions`` lists every action run up to ``at``, in order (the first is usually the OK action of the
creation transition INSUFFICIENT_DATA -> OK). ``suppressed_by: none`` asserts nothing is held.
Top-level keys starting with ``x-`` are ignored, so they can hold YAML anchors shared by scenarios.
Every other key is checked at every level by the pydantic models below (``extra="forbid"``): a typo
in ``expect`` or in a series entry is an error naming its place, never a silently ignored line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic import ValidationError as SchemaError

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
    """One alarm's ``state`` at ``at`` or, with ``pages`` set (``alarm`` and ``state`` empty), the page count."""

    at: int
    alarm: str
    state: str
    suppressed_by: str | None = NOT_GIVEN
    actions: tuple[str, ...] | None = None
    pages: int | None = None


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


# -- the file as written: every level forbids unknown keys --------------------------------------


def _seconds(raw: Any) -> int:
    return duration(raw, "duration")


Duration = Annotated[int, BeforeValidator(_seconds)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class SegmentEntry(_Strict):
    seconds: Duration = Field(alias="for")
    value: float | None = None
    samples: dict[float, int] | None = None
    missing: bool | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> SegmentEntry:
        if [self.value, self.samples, self.missing].count(None) != 2:
            raise ValueError("give exactly one of value, samples, missing")
        return self

    def segment(self) -> Segment:
        if self.value is not None:
            return Segment(self.seconds, (self.value,))
        if self.samples is None:
            return Segment(self.seconds, ())
        return Segment(self.seconds, tuple(value for value, count in self.samples.items() for _ in range(count)))


class SeriesEntry(_Strict):
    namespace: str = catalogue.DEFAULT_NAMESPACE
    metric: str
    dimensions: dict[str, str] = Field(default_factory=dict)
    timeline: list[SegmentEntry] = Field(min_length=1)


class StateEntry(_Strict):
    at: Duration
    alarm: str
    state: str


class ExpectEntry(_Strict):
    at: Duration
    alarm: str | None = None
    state: str | None = None
    suppressed_by: str | None = NOT_GIVEN
    actions: list[str] | None = None
    pages: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _alarm_or_pages(self) -> ExpectEntry:
        if self.pages is None and (self.alarm is None or self.state is None):
            raise ValueError("give alarm and state, or pages")
        if self.pages is not None and (self.alarm, self.state, self.actions) != (None, None, None):
            raise ValueError("pages counts every paging alarm: give it without alarm, state or actions")
        return self


class ScenarioEntry(_Strict):
    name: str | None = None
    profile: str | None = None
    region: str | None = None
    interval: Duration = 60
    series: list[SeriesEntry] = Field(default_factory=list)
    set_state: list[StateEntry] = Field(default_factory=list)
    expect: list[ExpectEntry] = Field(min_length=1)


class CaseFileEntry(BaseModel):
    model_config = ConfigDict(extra="allow")  # only ``x-`` keys, checked below (YAML anchors)

    profile: str = "bau"
    region: str = "us-east-1"
    tests: list[ScenarioEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _only_anchor_extras(self) -> CaseFileEntry:
        unknown = sorted(key for key in self.model_extra or {} if not key.startswith("x-"))
        if unknown:
            raise ValueError(f"unknown key(s) {unknown}; expected ['profile', 'region', 'tests'] or x-…")
        return self


# -- the file as evaluated ---------------------------------------------------------------------


def _series(entry: SeriesEntry, where: str) -> SeriesInput:
    dims = dict(entry.dimensions)
    if entry.namespace == catalogue.DEFAULT_NAMESPACE:
        try:
            spec = catalogue.by_name(entry.metric)
        except KeyError as error:
            raise CaseError(f"{where}: {error.args[0]}") from None
        if not spec.in_cloudwatch:
            raise CaseError(f"{where}: {entry.metric} is not published to CloudWatch (runtime/telemetry/catalogue.py)")
        unknown = set(dims) - set(spec.published_dimensions)
        if unknown:
            raise CaseError(f"{where}: {entry.metric} has no dimension(s) {sorted(unknown)} in CloudWatch "
                            f"({list(spec.published_dimensions)})")
        dims.setdefault("service", "${ServiceName}")
    return SeriesInput(entry.namespace, entry.metric, dims, tuple(item.segment() for item in entry.timeline))


def _scenario(entry: ScenarioEntry, file: CaseFileEntry, where: str) -> Scenario:
    return Scenario(
        name=entry.name or where,
        profile=entry.profile or file.profile,
        region=entry.region or file.region,
        interval=entry.interval,
        series=[_series(item, f"{where}.series[{i}]") for i, item in enumerate(entry.series)],
        set_state=[StateCall(item.at, item.alarm, item.state) for item in entry.set_state],
        expect=[
            Expectation(
                at=item.at,
                alarm=item.alarm or "",
                state=item.state or "",
                suppressed_by=None if item.suppressed_by in (None, "none") else item.suppressed_by,
                actions=None if item.actions is None else tuple(item.actions),
                pages=item.pages,
            )
            for item in entry.expect
        ],
    )


def _schema_errors(error: SchemaError) -> str:
    """``tests.0.expect.1.stat: unknown key; …``: each problem at its place."""
    return "; ".join(
        f"{'.'.join(str(part) for part in detail['loc']) or 'file'}: "
        f"{'unknown key' if detail['type'] == 'extra_forbidden' else detail['msg']}"
        for detail in error.errors()
    )


def load(path: Path) -> CaseFile:
    """Read and validate one case file."""
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise CaseError(f"{path}: not valid YAML ({error})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("tests"), list) or not raw["tests"]:
        raise CaseError(f"{path}: needs a non-empty 'tests' list")
    try:
        entry = CaseFileEntry.model_validate(raw)
    except SchemaError as error:
        raise CaseError(f"{path}: {_schema_errors(error)}") from None
    return CaseFile(path, [_scenario(item, entry, f"{path.name}:tests[{i}]") for i, item in enumerate(entry.tests)])
