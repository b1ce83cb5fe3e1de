"""A cold start as its caller waited it: the runtime's ``ColdStartDuration`` (process start -> first invocation, plus
that first request) agrees with the REPORT line's Init Duration plus the first invocation's Duration."""

from __future__ import annotations

import json

import boto3
import pytest

from devstack.lambda_.platform_logs import init_duration_ms
from runtime.telemetry import catalogue
from tests.devstack.conftest import RunningAws, SpecFunction
from tests.support.clients import v2_event

AGREEMENT_MS = 20.0
FUNCTIONS = [
    SpecFunction("slowinit", "tests.devstack.functions.slow_init.handler", ("GET /health",), memory_mb=512,
                 public_routes=("GET /health",)),
    SpecFunction("health", "api.handlers.health", (), memory_mb=512, timeout_seconds=10),
]


@pytest.fixture(scope="module")
def aws(start_aws) -> RunningAws:
    return start_aws(FUNCTIONS)


def _report_and_metric(aws: RunningAws, function: str) -> tuple[float, float]:
    """(REPORT's Init Duration + Duration of the cold invocation, the runtime's ColdStartDuration)."""
    report = aws.logs.wait_for(lambda: aws.logs.reports(function))[0]
    metric = aws.logs.wait_for(lambda: aws.logs.emf(function, catalogue.COLD_START_DURATION.name))
    assert len(metric) == 1  # once per environment
    init = init_duration_ms(report)
    assert init is not None
    return init + float(report["Duration"].removesuffix(" ms")), metric[0]


def test_a_module_sleeping_a_second_on_import_reports_it_in_report_and_metric(aws: RunningAws):
    reply = aws.get("/health")
    assert reply.status_code == 200, reply.text  # a cold first probe is not an outage
    report_ms, metric_ms = _report_and_metric(aws, "slowinit")
    assert report_ms >= 1000 and metric_ms >= 1000
    assert abs(report_ms - metric_ms) <= 2 * AGREEMENT_MS, (report_ms, metric_ms)  # two intervals, two ends each


def test_the_real_handler_module_agrees_with_its_report_line(aws: RunningAws):
    client = boto3.client(
        "lambda",
        endpoint_url=aws.aws.invoke_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    event = v2_event("GET", "/health")
    response = client.invoke(FunctionName="lego-api-health-test", Payload=json.dumps(event).encode())
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read())["statusCode"] == 200
    report_ms, metric_ms = _report_and_metric(aws, "health")
    assert abs(report_ms - metric_ms) <= 2 * AGREEMENT_MS, (report_ms, metric_ms)
