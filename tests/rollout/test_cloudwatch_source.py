"""The gate's CloudWatch source: counts round-trip through a moto server, percentiles in AWS's response shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
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


def test_moto_still_cannot_answer_a_percentile_which_is_why_the_test_above_is_stubbed(moto_endpoint):
    """The day moto answers ``p95`` this fails: then the percentile path can be tested against moto too."""
    client = boto3.client("cloudwatch", endpoint_url=moto_endpoint, region_name="us-east-1",
                          config=Config(retries={"max_attempts": 1}))
    dims = [{"Name": "service", "Value": "lego-projects-api"}, {"Name": "backend", "Value": "express"}]
    at = NOW - timedelta(minutes=2)
    client.put_metric_data(Namespace="LegoApi", MetricData=[
        {"MetricName": "Latency", "Dimensions": dims, "Timestamp": at, "Values": [10, 20, 30, 400],
         "Unit": "Milliseconds"},
    ])
    source = CloudWatchSource(client)
    counted = source.statistics({"n": ("Latency", "SampleCount")}, "express", NOW - timedelta(minutes=5), NOW, 60)
    assert list(counted["n"].values()) == [4]  # the data is there: Sum/SampleCount/Maximum work
    with pytest.raises(ClientError, match=r"\(500\)"):
        source.statistics({"p95": ("Latency", "p95")}, "express", NOW - timedelta(minutes=5), NOW, 60)


def test_edge_periods_read_the_load_balancer_with_its_dimension_and_seconds_as_milliseconds():
    """Express's edge: RequestCount plus the ELB 5xx it leaves uncounted, both 5xx summed, latency s -> ms."""
    client = boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    at = NOW - timedelta(minutes=2)
    results = [
        {"Id": "requests", "Timestamps": [at], "Values": [900.0], "StatusCode": "Complete"},
        {"Id": "bad0", "Timestamps": [at], "Values": [9.0], "StatusCode": "Complete"},
        {"Id": "bad1", "Timestamps": [at], "Values": [100.0], "StatusCode": "Complete"},
        {"Id": "p50", "Timestamps": [at], "Values": [0.12], "StatusCode": "Complete"},
        {"Id": "p95", "Timestamps": [at], "Values": [0.45], "StatusCode": "Complete"},
        {"Id": "p99", "Timestamps": [], "Values": [], "StatusCode": "Complete"},
    ]
    source = CloudWatchSource(client, deployment={"ExpressLoadBalancer": "app/express/0123abcd"})
    with Stubber(client) as stub:
        stub.add_response(
            "get_metric_data", {"MetricDataResults": results},
            {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY, "ScanBy": "TimestampAscending"},
        )
        (period,) = source.edge_periods("express", NOW - timedelta(minutes=5), NOW, 60)
        stub.assert_no_pending_responses()
    assert (period.requests, period.errors) == (1000.0, 109.0)
    assert period.latency_ms == {"p50": 120.0, "p95": 450.0, "p99": None}
