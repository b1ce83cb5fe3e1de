"""The stack's rollback function: the ``serverless-rollback`` alarm's action moves all traffic back to express.

Auto-rollback runs where the stack runs, not on a laptop (``rollout watch`` stays for humans). CloudWatch
invokes this handler when the composite enters ALARM (serverless breached the seeds' rollback criteria at
the edge, or the edge counts requests serverless never reports). It does what ``brickguard rollout
rollback`` does, with the same parts: ``useServerless=false`` in ``config.json`` first (the fast path,
browsers pick it up within 60 s), both weighted records to 100/0 in one change batch (the slow path), and
one audit record. Packaged with the functions' code (``rollout`` imports ``stack`` contracts and the
standard library only, nothing local-only); its IAM role reaches those records, that object and its log.

The event is CloudWatch's alarm action payload (``alarmData.state.value``, ``alarmData.alarmName``); any
other state than ALARM is ignored, so an OK transition never moves traffic.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from rollout.audit import AuditTrail
from rollout.config_flag import ConfigFlag
from rollout.weights import WeightedRecords, WeightsError

ACTION = "auto-rollback"
ROUTE53_WAIT_SECONDS = 60.0
"""Wait this long for INSYNC, then record the change as submitted: Route53 applies it either way."""
ENVIRONMENT = ("CONFIG_BUCKET", "HOSTED_ZONE_ID", "RECORD_NAME")


def alarm_of(event: Mapping[str, Any]) -> tuple[str, str, str]:
    """``(alarm name, state, reason)`` of a CloudWatch alarm action event."""
    data = event.get("alarmData") or {}
    state = data.get("state") or {}
    return str(data.get("alarmName", "")), str(state.get("value", "")), str(state.get("reason", ""))


def roll_back(
    event: Mapping[str, Any],
    *,
    s3: Any,
    route53: Any,
    bucket: str,
    hosted_zone_id: str,
    record_name: str,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """Act on one alarm event; returns what was done (also the audit record's body)."""
    alarm, state, reason = alarm_of(event)
    if state != "ALARM":
        return {"action": "ignored", "alarm": alarm, "state": state}
    records = WeightedRecords(route53, hosted_zone_id, record_name)
    before = records.current()
    ConfigFlag(s3, bucket).set(False)
    try:
        route53_status = f"INSYNC after {records.apply(0, timeout=ROUTE53_WAIT_SECONDS):.0f} s"
    except WeightsError as error:
        route53_status = f"submitted; {error}"
    record = {
        "action": ACTION,
        "from": before.serverless_percent,
        "to": 0,
        "reason": f"{alarm}: {reason}",
        "alarm": alarm,
        "route53": route53_status,
    }
    return AuditTrail(s3, bucket).append(record, at=now(), who=f"stack rollback function ({alarm})")


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (``rollout.auto_rollback.handler``)."""
    import boto3  # in the Lambda runtime; imported here so tests can call roll_back with any client

    missing = [name for name in ENVIRONMENT if not os.environ.get(name)]
    if missing:
        raise RuntimeError(f"rollback function misconfigured: {', '.join(missing)} not set")
    return roll_back(
        event,
        s3=boto3.client("s3"),
        route53=boto3.client("route53"),
        bucket=os.environ["CONFIG_BUCKET"],
        hosted_zone_id=os.environ["HOSTED_ZONE_ID"],
        record_name=os.environ["RECORD_NAME"],
    )
