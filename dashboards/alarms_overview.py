"""Alarms overview: one alarm status widget listing every alarm of a profile, composites first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashboards.body import MAX_ALARMS_PER_WIDGET, Dashboard
from dashboards.widgets import AlarmStatus, Text, Widget
from runtime.telemetry.aws_metrics import SERVICE

ROW_HEIGHT_PER_ALARMS = 4  # the widget lists about four alarms per grid row


def build(profile: str, composite_arns: Sequence[Any], metric_arns: Sequence[Any]) -> Dashboard:
    """Pages (composites) in one widget, the signals behind them in another."""
    intro = Text(
        f"# Alarms ({profile} profile)\nOnly composite alarms page (PagerDuty). Metric alarms are the "
        "signals they combine. Each alarm description links its runbook under docs/runbooks/."
    )
    widgets: list[Widget] = [intro]
    for title, arns in (("Paging composite alarms", composite_arns), ("Signal alarms", metric_arns)):
        for start in range(0, len(arns), MAX_ALARMS_PER_WIDGET):
            chunk = tuple(arns[start : start + MAX_ALARMS_PER_WIDGET])
            height = max(3, -(-len(chunk) // ROW_HEIGHT_PER_ALARMS) + 2)
            widgets.append(AlarmStatus(title, chunk, height=height))
    return Dashboard(f"{SERVICE}-{profile}-alarms", tuple((widget,) for widget in widgets))
