"""The deploy window: the stack's ``deploy-window`` alarm (the composites' ``ActionsSuppressor``) held in ALARM.

While it is in ALARM the paging composites keep their actions suppressed, so
the brief error bursts of a traffic shift do not page anyone. Opened and closed
with ``SetAlarmState`` (its rule is ``FALSE``: nothing else changes its state).
"""

from __future__ import annotations

from typing import Any


class DeployWindowError(RuntimeError):
    """The deploy-window alarm does not exist (the stack's alarms are not deployed)."""


class DeployWindow:
    def __init__(self, client: Any, alarm_name: str) -> None:
        self._client = client
        self._name = alarm_name

    def open(self, reason: str) -> None:
        self._set("ALARM", f"brickguard rollout: {reason}")

    def close(self, reason: str) -> None:
        self._set("OK", f"brickguard rollout: {reason}")

    def _set(self, state: str, reason: str) -> None:
        try:
            self._client.set_alarm_state(AlarmName=self._name, StateValue=state, StateReason=reason)
        except self._client.exceptions.ResourceNotFound:
            raise DeployWindowError(
                f"alarm {self._name} not found: deploy the stack's alarms (brickguard deploy) "
                "or give --deploy-window-alarm"
            ) from None


def alarm_states(client: Any, prefix: str) -> dict[str, str]:
    """``{alarm name: state}`` of every metric and composite alarm whose name starts with ``prefix``."""
    states: dict[str, str] = {}
    pages = client.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=prefix, AlarmTypes=["MetricAlarm", "CompositeAlarm"]
    )
    for page in pages:
        for alarm in [*page.get("MetricAlarms", []), *page.get("CompositeAlarms", [])]:
            states[alarm["AlarmName"]] = alarm["StateValue"]
    return states
