"""The gate's CloudWatch source: counts round-trip through a moto server, percentiles in AWS's response shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
from botocore.stub import ANY, Stubber

from rollout.cloudwatch_source import CloudWatchSource

NOW = datetime.now(UTC).replace(second=0, microsecond=0)


def _put(client, backend: str, minute: int, requests: float, errors: float) -> None:
    dims = [{"Name": "service", "Value": "lego-projects-api"}, {"Name": "backend", "Value": backend}]
    at = NOW - timedelta(minutes=minute)
    client.put_metric_data(
        Namespace="LegoApi",
        MetricData=[
            {"MetricName": "Requests", "Dimensions": dims, "Timestamp": at, "Value": requests, "Unit": "Count"},
            {"MetricName": "Errors5xx", "Dimensions": dims, "Timestamp": at, "Value": errors, "Unit": "Count"},
        ],
    )


def test_request_and_error_sums_per_period_and_backend_come_back_from_moto(moto_endpoint):
    client = boto3.client("cloudwatch", endpoint_url=moto_endpoint, region_name="us-east-1")
    for minute, (requests, errors) in enumerate([(100, 1), (80, 0), (120, 6)], start=2):
        _put(client, "serverless", minute, requests, errors)
        _put(client, "express", minute, requests * 2, 0)
    source = CloudWatchSource(client)
    wanted = {"requests": ("Requests", "Sum"), "errors": ("Errors5xx", "Sum")}
    serverless = source.statistics(wanted, "serverless", NOW - timedelta(minutes=10), NOW, 60)
    express = source.statistics(wanted, "express", NOW - timedelta(minutes=10), NOW, 60)
    assert sorted(serverless["requests"].values()) == [80, 100, 120]
    assert sorted(serverless["errors"].values()) == [0, 1, 6]
    assert sorted(express["requests"].values()) == [160, 200, 240] and set(express["errors"].values()) == {0}


def test_periods_join_counts_and_cloudwatch_percentiles_by_timestamp():
    client = boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    t1, t2 = NOW - timedelta(minutes=2), NOW - timedelta(minutes=1)
    results = [
        {"Id": "requests", "Timestamps": [t1, t2], "Values": [100.0, 0.0], "StatusCode": "Complete"},
        {"Id": "errors", "Timestamps": [t1], "Values": [3.0], "StatusCode": "Complete"},
        {"Id": "p50", "Timestamps": [t1], "Values": [40.0], "StatusCode": "Complete"},
        {"Id": "p95", "Timestamps": [t1], "Values": [180.0], "StatusCode": "Complete"},
        {"Id": "p99", "Timestamps": [], "Values": [], "StatusCode": "Complete"},
    ]
    with Stubber(client) as stub:
        stub.add_response(
            "get_metric_data", {"MetricDataResults": results},
            {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY, "ScanBy": "TimestampAscending"},
        )
        periods = CloudWatchSource(client).periods("serverless", NOW - timedelta(minutes=5), NOW, 60)
    assert len(periods) == 1  # the period without requests is left out
    assert periods[0].requests == 100 and periods[0].error_rate == 0.03
    assert periods[0].latency_ms == {"p50": 40.0, "p95": 180.0, "p99": None}
