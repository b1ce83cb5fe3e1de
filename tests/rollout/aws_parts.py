"""The rollout's AWS parts made on a moto server as the stack would make them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import boto3

from rollout.metric_source import PeriodStats
from rollout.target import Target

ZONE_NAME = "lego-moc.example.com"
RECORD = "api.lego-moc.example.com"
BUCKET = "lego-api-config-test"
WINDOW_ALARM = "lego-projects-api-deploy-window"


def make_target(endpoint: str, *, initial_ttl: int = 300) -> Target:
    """Zone with the two weighted CNAMEs (100 % express), config bucket, deploy-window alarm."""
    route53 = boto3.client("route53", endpoint_url=endpoint, region_name="us-east-1")
    zone = route53.create_hosted_zone(Name=ZONE_NAME, CallerReference="rollout-test")["HostedZone"]["Id"]
    records = [
        ("express", 100, "express-alb.example.com"),
        ("serverless", 0, "abc.execute-api.us-east-1.amazonaws.com"),
    ]
    route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={"Changes": [
            {"Action": "CREATE", "ResourceRecordSet": {
                "Name": RECORD, "Type": "CNAME", "SetIdentifier": name, "Weight": weight, "TTL": initial_ttl,
                "ResourceRecords": [{"Value": value}],
            }}
            for name, weight, value in records
        ]},
    )
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    # moto implements no composite alarms; SetAlarmState treats a metric alarm of that name the same way
    boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1").put_metric_alarm(
        AlarmName=WINDOW_ALARM, Namespace="brickguard", MetricName="DeployWindow", Statistic="Maximum",
        Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold",
    )
    return Target(zone, RECORD, BUCKET, WINDOW_ALARM, endpoint_url=endpoint)


@dataclass
class SyntheticSource:
    """A metric source answering fixed per-period figures (the statistics are tested in test_gate)."""

    serverless_p95: float = 100.0
    express_p95: float = 100.0
    serverless_error_rate: float = 0.0
    requests: float = 200.0

    def periods(self, backend: str, start: datetime, end: datetime, period_s: int) -> list[PeriodStats]:
        p95 = self.serverless_p95 if backend == "serverless" else self.express_p95
        errors = self.requests * self.serverless_error_rate if backend == "serverless" else 0.0
        count = int((end - start).total_seconds() // period_s)
        return [
            PeriodStats(start + timedelta(seconds=i * period_s), self.requests, errors,
                        {"p50": p95 / 2, "p95": p95 * (1 + 0.01 * (i % 3)), "p99": p95 * 2})
            for i in range(count)
        ]


def make_stack(endpoint: str, name: str, *, outputs: dict[str, str], parameters: dict[str, str]) -> None:
    """A stack on moto whose outputs and parameters are these values, as ``brickguard deploy`` leaves a real one
    (its one resource, a topic, only because a template needs one)."""
    import json

    template = {
        "Parameters": {key: {"Type": "String"} for key in parameters},
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation", endpoint_url=endpoint, region_name="us-east-1").create_stack(
        StackName=name, TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": key, "ParameterValue": value} for key, value in parameters.items()],
    )
