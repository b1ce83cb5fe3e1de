"""Execution environments are real awslambdaric processes with Lambda's lifecycle, seen through the gateway."""

from __future__ import annotations

import base64
import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from devstack.lambda_.platform_logs import init_duration_ms
from devstack.lambda_.pool import LocalCapacity
from tests.devstack.conftest import BEHAVIOURS, RunningAws, SpecFunction, process_alive

IDLE_SECONDS = 2.0
FUNCTIONS = [
    SpecFunction("echo", f"{BEHAVIOURS}.echo", ("GET /echo/{id}", "POST /echo")),
    SpecFunction("coldwarm", f"{BEHAVIOURS}.echo", ("GET /coldwarm",)),
    SpecFunction("sleeper", f"{BEHAVIOURS}.sleep", ("GET /sleep",), reserved_concurrency=2),
    SpecFunction("slow", f"{BEHAVIOURS}.sleep", ("GET /slow",), timeout_seconds=1),
    SpecFunction("crash", f"{BEHAVIOURS}.crash", ("GET /crash",)),
    SpecFunction("broken", "tests.devstack.functions.broken_init.handler", ("GET /broken",)),
]
INTERNAL_ERROR = {"message": "Internal Server Error"}


@pytest.fixture(scope="module")
def aws(start_aws) -> RunningAws:
    return start_aws(FUNCTIONS, idle_seconds=IDLE_SECONDS, capacity=LocalCapacity(per_function=2, total=8))


def test_the_function_gets_a_payload_v2_event_and_lambdas_environment(aws: RunningAws):
    token = aws.token("user-42")
    parts = urlsplit(aws.aws.gateway_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.putrequest("GET", "/echo/42?a=1&a=2&b=x%20y")
    connection.putheader("Authorization", f"Bearer {token}")
    connection.putheader("X-Multi", "one")
    connection.putheader("X-Multi", "two")
    connection.putheader("Cookie", "theme=dark; lang=en")
    connection.endheaders()
    response = connection.getresponse()
    body = json.loads(response.read())
    assert response.status == 200
    event = body["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /echo/{id}" == event["requestContext"]["routeKey"]
    assert event["rawPath"] == "/echo/42"
    assert event["rawQueryString"] == "a=1&a=2&b=x%20y"
    assert event["queryStringParameters"] == {"a": "1,2", "b": "x y"}
    assert event["pathParameters"] == {"id": "42"}
    assert event["headers"]["x-multi"] == "one,two"
    assert event["cookies"] == ["theme=dark", "lang=en"] and "cookie" not in event["headers"]
    assert event["isBase64Encoded"] is False and "body" not in event
    context = event["requestContext"]
    assert context["http"]["method"] == "GET" and context["http"]["path"] == "/echo/42"
    assert abs(context["timeEpoch"] - time.time() * 1000) < 60_000
    assert context["requestId"] == response.getheader("apigw-requestid")
    claims = context["authorizer"]["jwt"]["claims"]
    assert claims["sub"] == "user-42" and isinstance(claims["exp"], str)
    variables = body["variables"]
    assert variables["AWS_LAMBDA_FUNCTION_NAME"] == "lego-api-echo-test"
    assert variables["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert variables["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert variables["_HANDLER"] == f"{BEHAVIOURS}.echo"
    assert variables["AWS_XRAY_DAEMON_ADDRESS"] == aws.aws.xray_address
    root = event["headers"]["x-amzn-trace-id"].split(";")[0]
    assert variables["_X_AMZN_TRACE_ID"].startswith(root + ";Parent=")  # from Lambda-Runtime-Trace-Id
    assert 0 < body["remainingMs"] <= 3000  # from Lambda-Runtime-Deadline-Ms and the 3 s timeout
    assert body["arn"].endswith(":function:lego-api-echo-test")


def test_a_binary_body_arrives_base64_encoded(aws: RunningAws):
    payload = bytes(range(256))
    response = aws.session.post(
        aws.url("/echo"),
        data=payload,
        headers={"Authorization": f"Bearer {aws.token()}", "Content-Type": "application/octet-stream"},
        timeout=30,
    )
    event = response.json()["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_first_invocation_reports_init_duration_and_an_idle_environment_is_reaped(aws: RunningAws):
    headers = {"Authorization": f"Bearer {aws.token()}"}
    first = aws.get("/coldwarm", headers=headers).json()
    second = aws.get("/coldwarm", headers=headers).json()
    assert first["pid"] == second["pid"]
    reports = aws.logs.wait_for(lambda: len(aws.logs.reports("coldwarm")) >= 2 and aws.logs.reports("coldwarm"))
    assert init_duration_ms(reports[0]) is not None and init_duration_ms(reports[0]) > 0
    assert init_duration_ms(reports[1]) is None
    assert reports[0]["Memory Size"] == "128 MB" and reports[0]["Billed Duration"].endswith(" ms")
    aws.logs.wait_for(lambda: not process_alive(first["pid"]), timeout=IDLE_SECONDS * 5)
    third = aws.get("/coldwarm", headers=headers).json()
    assert third["pid"] != first["pid"]
    reports = aws.logs.wait_for(lambda: len(aws.logs.reports("coldwarm")) >= 3 and aws.logs.reports("coldwarm"))
    assert init_duration_ms(reports[2]) is not None  # a cold start again, after reaping


def test_concurrent_requests_open_a_second_environment_up_to_the_limit_then_throttle(aws: RunningAws):
    headers = {"Authorization": f"Bearer {aws.token()}"}
    with ThreadPoolExecutor(3) as pool:
        replies = list(pool.map(lambda _: aws.get("/sleep?seconds=1.5", headers=headers), range(3)))
    ok = [reply for reply in replies if reply.status_code == 200]
    throttled = [reply for reply in replies if reply.status_code != 200]
    assert len(ok) == 2 and len({reply.json()["pid"] for reply in ok}) == 2
    assert [(reply.status_code, reply.json()) for reply in throttled] == [(500, INTERNAL_ERROR)]


def test_an_invocation_past_the_timeout_kills_its_environment(aws: RunningAws):
    headers = {"Authorization": f"Bearer {aws.token()}"}
    reply = aws.get("/slow?seconds=5", headers=headers)
    assert (reply.status_code, reply.json()) == (500, INTERNAL_ERROR)
    lines = aws.logs.lines("slow")
    assert any(line.endswith("Task timed out after 1.00 seconds") for line in lines)
    assert aws.logs.reports("slow")[-1]["Status"] == "timeout"
    assert aws.aws.environment_pids()["slow"] == []  # Lambda resets the sandbox
    quick = aws.get("/slow?seconds=0", headers=headers)
    assert quick.status_code == 200
    assert init_duration_ms(aws.logs.reports("slow")[-1]) is not None  # a new environment


def test_a_crashing_runtime_is_replaced(aws: RunningAws):
    headers = {"Authorization": f"Bearer {aws.token()}"}
    for _ in range(2):  # each crash takes its environment; the next request gets a new one
        reply = aws.get("/crash", headers=headers)
        assert (reply.status_code, reply.json()) == (500, INTERNAL_ERROR)
    reports = aws.logs.reports("crash")
    assert [report["Status"] for report in reports] == ["error", "error"]
    assert all(init_duration_ms(report) is not None for report in reports)


def test_an_init_error_answers_500_and_is_reported(aws: RunningAws):
    reply = aws.get("/broken", headers={"Authorization": f"Bearer {aws.token()}"})
    assert (reply.status_code, reply.json()) == (500, INTERNAL_ERROR)
    init_reports = [line for line in aws.logs.lines("broken") if line.startswith("INIT_REPORT")]
    assert init_reports and "Status: error" in init_reports[0] and "Runtime.ImportModuleError" in init_reports[0]
    assert aws.aws.environment_pids()["broken"] == []
