"""Answer the dashboards' widgets from the local metric store, the way CloudWatch draws a body.

The bodies come from :mod:`stack.monitoring_plan` — ``profile_plan`` and ``shared_dashboards``,
rendered by ``dashboard_request`` with the local deployment's values — exactly what the stack puts
for CloudWatch, so the page can never show a second copy of a dashboard. Each metric array
``[Namespace, MetricName, Dim, Value, …, {stat, label, id, visible}]`` is answered with the store's
statistics per period; math entries (``{"expression", "id"}``) are evaluated per timestamp with the
alarm evaluator's metric math, inputs hidden as in CloudWatch.

The page overrides the widgets' period (CloudWatch's "period override"): 60 s points would leave a
live page nearly empty, so it shows ``period_s`` (10 s by default) over the last ``window_s``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alarms import profiles
from alarms.evaluator.math import compile_expression
from alarms.evaluator.series import metric_key
from devstack.cloudwatch.metrics.local_names import LocalNames
from devstack.cloudwatch.metrics.store import MetricStore
from runtime.telemetry import catalogue
from stack.monitoring_plan import dashboard_request, profile_plan, shared_dashboards

DEFAULT_PERIOD_S = 10
DEFAULT_WINDOW_S = 900


def local_dashboards(names: LocalNames, functions: Sequence[str], profile: str) -> list[tuple[str, dict[str, Any]]]:
    """``(name, body)`` of every declared dashboard, resolved for the local deployment."""
    target = names.substitution()
    plan = profile_plan(profiles.get(profile), functions, target, names.region)
    found = []
    for dashboard in [*plan.dashboards, *shared_dashboards(functions)]:
        request = dashboard_request(dashboard, target)
        found.append((str(request["DashboardName"]), json.loads(request["DashboardBody"])))
    return found


def backend_of(label: str, array: Sequence[Any]) -> str | None:
    """Which backend a line belongs to (``backend`` dimension, or the label of a math line)."""
    strings = [item for item in array if isinstance(item, str)]
    for index, item in enumerate(strings[:-1]):
        if item == "backend":
            return strings[index + 1]
    return next((word for word in label.split() if word in catalogue.BACKENDS), None)


@dataclass(frozen=True)
class Frame:
    """The time axis of one answer: period starts (epoch seconds)."""

    start: float
    period: int
    count: int

    @property
    def timestamps(self) -> list[float]:
        return [self.start + index * self.period for index in range(self.count)]


def frame_ending(now: float, period_s: int = DEFAULT_PERIOD_S, window_s: int = DEFAULT_WINDOW_S) -> Frame:
    """Periods aligned to the clock, as CloudWatch aligns them, the last one still open."""
    last = math.floor(now / period_s) * period_s
    count = max(1, window_s // period_s)
    return Frame(last - (count - 1) * period_s, period_s, count)


class WidgetQuery:
    """Turns dashboard bodies into plottable series over a :class:`Frame`."""

    def __init__(self, store: MetricStore) -> None:
        self._store = store

    def _metric(self, array: list[Any], frame: Frame) -> list[float | None]:
        options = array[-1] if isinstance(array[-1], dict) else {}
        strings = array[:-1] if options else array
        namespace, name, pairs = strings[0], strings[1], strings[2:]
        dims = dict(zip(pairs[::2], pairs[1::2], strict=True))
        stat = options.get("stat", "Average")
        points = self._store.statistics(
            metric_key(namespace, name, dims), (stat,), frame.start, frame.start + frame.count * frame.period,
            frame.period,
        )
        return [stats[stat] for _, stats in points]

    def widget(self, widget: dict[str, Any], frame: Frame) -> dict[str, Any]:
        """One widget of a body, with ``series`` for metric widgets."""
        props = widget.get("properties", {})
        answer: dict[str, Any] = {key: widget[key] for key in ("type", "x", "y", "width", "height")}
        if widget["type"] == "text":
            answer["markdown"] = props.get("markdown", "")
            return answer
        answer["title"] = props.get("title", "")
        if widget["type"] == "alarm":
            answer["alarms"] = [str(arn).rsplit(":", 1)[-1] for arn in props.get("alarms", [])]
            return answer
        answer["yLabel"] = props.get("yAxis", {}).get("left", {}).get("label", "")
        answer["annotations"] = props.get("annotations", {}).get("horizontal", [])
        values: dict[str, list[float | None]] = {}
        series = []
        for array in props.get("metrics", []):
            options = array[-1] if isinstance(array[-1], dict) else {}
            if "expression" in options:
                expression = compile_expression(options["expression"])
                points = [
                    expression.evaluate({qid: values[qid][index] for qid in expression.ids})
                    for index in range(frame.count)
                ]
            else:
                points = self._metric(array, frame)
            if "id" in options:
                values[options["id"]] = points
            if options.get("visible", True):
                label = str(options.get("label") or options.get("expression") or array[1])
                series.append({"label": label, "backend": backend_of(label, array), "values": points})
        answer["series"] = series
        return answer

    def dashboards(self, bodies: Sequence[tuple[str, dict[str, Any]]], frame: Frame) -> list[dict[str, Any]]:
        return [
            {"name": name, "widgets": [self.widget(widget, frame) for widget in body["widgets"]]}
            for name, body in bodies
        ]
