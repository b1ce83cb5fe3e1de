"""Dashboard bodies: render declared rows to the CloudWatch JSON structure, and check that structure.

:func:`problems` enforces what ``PutDashboard`` rejects or renders wrongly: widget types and sizes on
the 24-column grid, overlapping widgets, malformed metric arrays, duplicate or invalid metric ids and
math expressions that read ids the widget does not define.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dashboards.layout import GRID_COLUMNS, flow
from dashboards.widgets import Widget

MAX_WIDGETS = 500
MAX_ALARMS_PER_WIDGET = 100
_ID = re.compile(r"^[a-z][A-Za-z0-9_]*$")
_EXPRESSION_ID = re.compile(r"(?<![A-Za-z0-9_\"])([a-z][A-Za-z0-9_]*)(?![A-Za-z0-9_(])")


@dataclass(frozen=True)
class Dashboard:
    """A named dashboard: rows of widgets laid out top to bottom."""

    name: str
    rows: tuple[tuple[Widget, ...], ...]

    def body(self) -> dict[str, Any]:
        widgets = [
            {
                "type": placed.widget.kind,
                "x": placed.x,
                "y": placed.y,
                "width": placed.widget.width,
                "height": placed.widget.height,
                "properties": placed.widget.properties(),
            }
            for placed in flow(self.rows)
        ]
        return {"start": "-PT6H", "periodOverride": "inherit", "widgets": widgets}

    def body_json(self) -> str:
        return json.dumps(self.body(), separators=(",", ":"), sort_keys=False)


def _metric_array_problems(where: str, array: Any, ids: set[str]) -> list[str]:
    if not isinstance(array, list) or not array:
        return [f"{where}: metric entry must be a non-empty array"]
    options = array[-1] if isinstance(array[-1], dict) else {}
    strings = array[:-1] if options else array
    found: list[str] = []
    if "expression" in options:
        if strings:
            found.append(f"{where}: a math entry holds only its options object")
    elif len(strings) < 2 or len(strings) % 2 or not all(isinstance(item, str) and item for item in strings):
        found.append(f"{where}: expected Namespace, MetricName and Name/Value pairs, got {strings!r}")
    metric_id = options.get("id")
    if metric_id is not None:
        if not isinstance(metric_id, str) or not _ID.match(metric_id):
            found.append(f"{where}: id {metric_id!r} must start with a lowercase letter")
        elif metric_id in ids:
            found.append(f"{where}: duplicate id {metric_id!r}")
        else:
            ids.add(metric_id)
    return found


def _metric_widget_problems(where: str, props: dict[str, Any]) -> list[str]:
    metrics = props.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        return [f"{where}: metric widget needs a non-empty metrics array"]
    found = [] if props.get("region") else [f"{where}: metric widget needs a region"]
    ids: set[str] = set()
    for index, array in enumerate(metrics):
        found.extend(_metric_array_problems(f"{where}.metrics[{index}]", array, ids))
    for index, array in enumerate(metrics):
        expression = array[-1].get("expression") if isinstance(array, list) and isinstance(array[-1], dict) else None
        if expression is None:
            continue
        for used in _EXPRESSION_ID.findall(re.sub(r'"[^"]*"', "", expression)):
            if used not in ids:
                found.append(f"{where}.metrics[{index}]: expression reads undefined id {used!r}")
        if array[-1].get("id") in _EXPRESSION_ID.findall(expression):
            found.append(f"{where}.metrics[{index}]: expression reads its own id")
    return found


def problems(body: dict[str, Any]) -> list[str]:
    """Everything wrong with ``body``; an empty list means it is a valid dashboard body."""
    widgets = body.get("widgets")
    if not isinstance(widgets, list):
        return ["body needs a widgets array"]
    found: list[str] = []
    if len(widgets) > MAX_WIDGETS:
        found.append(f"{len(widgets)} widgets exceed the limit of {MAX_WIDGETS}")
    cells: dict[tuple[int, int], int] = {}
    for index, widget in enumerate(widgets):
        where = f"widgets[{index}]"
        x, y, width, height = (widget.get(key) for key in ("x", "y", "width", "height"))
        if not all(isinstance(value, int) for value in (x, y, width, height)):
            found.append(f"{where}: x, y, width and height must be integers")
            continue
        if not (1 <= width <= GRID_COLUMNS and 1 <= height <= 1000 and x >= 0 and y >= 0):
            found.append(f"{where}: size {width}x{height} at ({x},{y}) is outside the grid")
        if x + width > GRID_COLUMNS:
            found.append(f"{where}: spills past column {GRID_COLUMNS}")
        for column in range(x, x + width):
            for row in range(y, y + height):
                if (column, row) in cells:
                    found.append(f"{where}: overlaps widgets[{cells[(column, row)]}] at ({column},{row})")
                    break
                cells[(column, row)] = index
            else:
                continue
            break
        props = widget.get("properties", {})
        kind = widget.get("type")
        if kind == "metric":
            found.extend(_metric_widget_problems(where, props))
        elif kind == "alarm":
            alarms = props.get("alarms")
            if not isinstance(alarms, list) or not 1 <= len(alarms) <= MAX_ALARMS_PER_WIDGET:
                found.append(f"{where}: alarm widget needs 1..{MAX_ALARMS_PER_WIDGET} alarm ARNs")
        elif kind == "text":
            if not isinstance(props.get("markdown"), str):
                found.append(f"{where}: text widget needs markdown")
        else:
            found.append(f"{where}: unknown widget type {kind!r}")
    return found


def validated(dashboards: Sequence[Dashboard]) -> list[Dashboard]:
    """Return ``dashboards`` unchanged, or raise listing every structural problem."""
    issues = [f"{dash.name}: {issue}" for dash in dashboards for issue in problems(dash.body())]
    if issues:
        raise ValueError("invalid dashboard body:\n" + "\n".join(issues))
    return list(dashboards)
