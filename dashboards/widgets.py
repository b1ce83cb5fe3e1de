"""Widget declarations and their dashboard-body JSON (metric arrays, math, annotations, alarms)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runtime.telemetry.aws_metrics import REGION


@dataclass(frozen=True, slots=True)
class Line:
    """One metric on a graph: ``[Namespace, MetricName, DimName, DimValue, ..., {options}]``."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    label: str
    id: str | None = None
    visible: bool = True

    def to_array(self) -> list[Any]:
        array: list[Any] = [self.namespace, self.name]
        for dim_name, dim_value in self.dimensions:
            array.extend([dim_name, dim_value])
        options: dict[str, Any] = {"stat": self.stat, "label": self.label}
        if self.id is not None:
            options["id"] = self.id
        if not self.visible:
            options["visible"] = False
        array.append(options)
        return array


@dataclass(frozen=True, slots=True)
class MathLine:
    """A metric-math line: ``[{"expression": ..., "label": ..., "id": ...}]``."""

    expression: str
    label: str
    id: str

    def to_array(self) -> list[Any]:
        return [{"expression": self.expression, "label": self.label, "id": self.id}]


@dataclass(frozen=True, slots=True)
class Annotation:
    """A horizontal line marking a target or an alarm threshold."""

    value: float
    label: str
    color: str = "#d62728"

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label, "color": self.color}


@dataclass(frozen=True)
class Graph:
    """A time-series metric widget."""

    title: str
    lines: tuple[Line | MathLine, ...]
    width: int = 8
    height: int = 6
    period: int = 60
    annotations: tuple[Annotation, ...] = ()
    y_label: str = ""
    kind: str = field(default="metric", init=False)

    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "title": self.title,
            "view": "timeSeries",
            "stacked": False,
            "region": REGION,
            "period": self.period,
            "metrics": [line.to_array() for line in self.lines],
        }
        if self.annotations:
            props["annotations"] = {"horizontal": [note.to_dict() for note in self.annotations]}
        if self.y_label:
            props["yAxis"] = {"left": {"label": self.y_label, "showUnits": False, "min": 0}}
        return props


@dataclass(frozen=True)
class Text:
    """A markdown widget (section headers, how to read the dashboard)."""

    markdown: str
    width: int = 24
    height: int = 2
    kind: str = field(default="text", init=False)

    def properties(self) -> dict[str, Any]:
        return {"markdown": self.markdown}


@dataclass(frozen=True)
class AlarmStatus:
    """An alarm status widget listing alarms by ARN (at most 100 per widget)."""

    title: str
    alarms: tuple[Any, ...]
    width: int = 24
    height: int = 6
    kind: str = field(default="alarm", init=False)

    def properties(self) -> dict[str, Any]:
        return {"title": self.title, "alarms": list(self.alarms), "sortBy": "stateUpdatedTimestamp"}


Widget = Graph | Text | AlarmStatus
