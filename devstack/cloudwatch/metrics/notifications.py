"""The local stand-in for PagerDuty: what each paging alarm action would have sent.

In AWS a composite alarm's ALARM/OK action publishes to the pages topic, whose subscription is the
PagerDuty CloudWatch integration; PagerDuty opens an incident on ALARM and resolves it on OK,
grouped by the dedupe key. Here each executed action becomes one event with the same fields
(``event_action`` trigger/resolve, ``dedup_key``, ``severity``, the summary and the runbook link,
all taken from the rendered alarm request, so they are what AWS would carry), appended to
``notifications.jsonl`` in the data directory and kept in memory (bounded) for the page.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alarms.evaluator.states import ALARM

NOTIFICATIONS_FILE = "notifications.jsonl"
WARNINGS_FILE = "warnings.jsonl"  # the warning route (an SNS topic read in working hours): same events, never paged
KEPT_IN_MEMORY = 200
PAGE_SEVERITY = "critical"  # only composites page, and each one is an incident (docs/dashboards-and-alarms.md)
RESOLVE_SEVERITY = "info"


def _tag(request: Mapping[str, Any], key: str) -> str | None:
    for tag in request.get("Tags", []):
        if tag.get("Key") == key:
            return str(tag.get("Value"))
    return None


def _line(description: str, prefix: str) -> str | None:
    for line in description.splitlines():
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    return None


def pagerduty_event(request: Mapping[str, Any], state: str, at: float) -> dict[str, Any]:
    """The event PagerDuty's CloudWatch integration would receive for ``request`` entering ``state``."""
    description = str(request.get("AlarmDescription", ""))
    return {
        "at": datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds"),
        "alarm": request["AlarmName"],
        "state": state,
        "event_action": "trigger" if state == ALARM else "resolve",
        "dedup_key": _tag(request, "dedupe-key") or _line(description, "Dedupe-Key:"),
        "severity": PAGE_SEVERITY if state == ALARM else RESOLVE_SEVERITY,
        "summary": description.splitlines()[0] if description else request["AlarmName"],
        "runbook": _line(description, "Runbook:"),
    }


def lambda_action_event(request: Mapping[str, Any], state: str, at: float) -> dict[str, Any]:
    """The payload CloudWatch hands a Lambda function named as an alarm action (the fields functions read)."""
    stamp = datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")
    description = str(request.get("AlarmDescription", ""))
    return {
        "source": "aws.cloudwatch",
        "time": stamp,
        "alarmData": {
            "alarmName": request["AlarmName"],
            "state": {"value": state, "reason": description.splitlines()[0] if description else "", "timestamp": stamp},
        },
    }


class NotificationSink:
    """Records PagerDuty events: a JSON line each in ``path`` (when given) and the latest in memory."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._recent: deque[dict[str, Any]] = deque(maxlen=KEPT_IN_MEMORY)
        self._lock = threading.Lock()

    def send(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._recent.append(event)
            if self.path is not None:
                with self.path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(event) + "\n")

    def recent(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._recent)
