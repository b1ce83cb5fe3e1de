"""The stack's rollback function against moto: flag off, weights 100/0, one audit record; OK events do nothing."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from rollout import auto_rollback
from rollout.audit import AuditTrail
from rollout.weights import WeightedRecords
from tests.rollout.aws_parts import BUCKET, RECORD, make_target


def _event(state: str) -> dict[str, Any]:
    """CloudWatch's alarm action payload, as documented for Lambda alarm actions."""
    return {
        "source": "aws.cloudwatch",
        "alarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:lego-projects-api-serverless-rollback",
        "alarmData": {
            "alarmName": "lego-projects-api-serverless-rollback",
            "state": {"value": state, "reason": "rollback-serverless in ALARM"},
            "previousState": {"value": "OK"},
        },
    }


def _clients(endpoint: str) -> tuple[Any, Any]:
    return (
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1"),
        boto3.client("route53", endpoint_url=endpoint, region_name="us-east-1"),
    )


def test_alarm_rolls_back_flag_weights_and_writes_the_audit_record(moto_endpoint: str) -> None:
    target = make_target(moto_endpoint)
    s3, route53 = _clients(moto_endpoint)
    records = WeightedRecords(route53, target.hosted_zone_id, RECORD)
    records.apply(10)
    done = auto_rollback.roll_back(
        _event("ALARM"), s3=s3, route53=route53, bucket=BUCKET, hosted_zone_id=target.hosted_zone_id,
        record_name=RECORD,
    )
    weights = records.current()
    assert (weights.express, weights.serverless) == (100, 0)
    flag = json.loads(s3.get_object(Bucket=BUCKET, Key="config.json")["Body"].read())
    assert flag["useServerless"] is False
    (audit,) = AuditTrail(s3, BUCKET).records()
    assert audit == done and audit["action"] == "auto-rollback" and audit["from"] == 10.0
    assert audit["who"].startswith("stack rollback function") and "serverless-rollback" in audit["reason"]


def test_an_ok_transition_moves_nothing(moto_endpoint: str) -> None:
    target = make_target(moto_endpoint)
    s3, route53 = _clients(moto_endpoint)
    records = WeightedRecords(route53, target.hosted_zone_id, RECORD)
    records.apply(25)
    done = auto_rollback.roll_back(
        _event("OK"), s3=s3, route53=route53, bucket=BUCKET, hosted_zone_id=target.hosted_zone_id,
        record_name=RECORD,
    )
    assert done["action"] == "ignored"
    assert records.current().serverless == 25
    assert AuditTrail(s3, BUCKET).records() == []


def test_handler_refuses_to_run_without_its_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in auto_rollback.ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="CONFIG_BUCKET"):
        auto_rollback.handler(_event("ALARM"), None)
