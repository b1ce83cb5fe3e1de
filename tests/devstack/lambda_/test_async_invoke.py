"""Lambda's asynchronous invocation locally: two retries with Lambda's waits (scaled), then the on-failure queue."""

from __future__ import annotations

import asyncio
import json

from devstack.lambda_.async_invoke import RETRY_DELAYS_S, AsyncInvoker
from devstack.lambda_.invocation import InvocationResult, Outcome
from devstack.lambda_.pool import Throttled
from tests.conftest import LocalS3

ARN = "arn:aws:lambda:us-east-1:000000000000:function:lego-projects-api-csv-parser"


def _run(outcomes: list[object], scale: float = 0.5) -> tuple[list[bytes], list[float], list[dict]]:
    """Deliver one event to a function answering ``outcomes`` in turn; returns calls, waits and destination records."""
    calls: list[bytes] = []
    waits: list[float] = []
    failed: list[dict] = []

    async def invoke(function: str, payload: bytes, context: str | None) -> InvocationResult:
        calls.append(payload)
        outcome = outcomes[len(calls) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        assert isinstance(outcome, InvocationResult)
        return outcome

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async def destination(function: str, record: dict) -> None:
        failed.append(record)

    async def scenario() -> None:
        events = AsyncInvoker(invoke, lambda function: ARN, on_failure=destination, delay_scale=scale, sleep=sleep)
        events.submit("csv-parser", b'{"fileId": "f1"}', None)
        await events.drain()

    asyncio.run(scenario())
    return calls, waits, failed


ERROR = InvocationResult(Outcome.FUNCTION_ERROR, b'{"errorType": "BreakerOpenError", "errorMessage": "s3 open"}')
OK = InvocationResult(Outcome.SUCCESS, b'{"status": "imported"}')


def test_a_failing_event_runs_three_times_with_lambdas_waits_then_goes_to_the_destination() -> None:
    calls, waits, failed = _run([ERROR, ERROR, ERROR], scale=0.5)
    assert len(calls) == 3
    assert waits == [RETRY_DELAYS_S[0] * 0.5, RETRY_DELAYS_S[1] * 0.5] == [30.0, 60.0]
    (record,) = failed
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"] == ARN + ":$LATEST"
    assert record["requestPayload"] == {"fileId": "f1"}
    assert record["responsePayload"]["errorType"] == "BreakerOpenError"


def test_an_event_that_succeeds_on_a_retry_never_reaches_the_destination() -> None:
    calls, waits, failed = _run([ERROR, OK])
    assert len(calls) == 2 and len(waits) == 1 and failed == []


def test_a_throttled_attempt_is_retried_like_an_error() -> None:
    calls, _, failed = _run([Throttled("ReservedFunctionConcurrentInvocationLimitExceeded"), OK])
    assert len(calls) == 2 and failed == []


def test_up_sends_spent_events_to_an_sqs_queue_on_the_local_aws(local_s3: LocalS3) -> None:
    """The record lands in a real queue (moto's SQS on the local endpoint ``up`` uses), as up wires it."""
    import boto3

    from devstack.lambda_.failure_queue import queue_name, sqs_destination

    name = "lego-projects-api-csv-parser-test"
    to_queue = sqs_destination(local_s3.endpoint, {"csv-parser": name})

    async def invoke(function: str, payload: bytes, context: str | None) -> InvocationResult:
        return ERROR

    async def scenario() -> None:
        events = AsyncInvoker(invoke, lambda function: ARN, on_failure=to_queue, delay_scale=0.0001)
        events.submit("csv-parser", b'{"fileId": "f2"}', None)
        await events.drain()

    asyncio.run(scenario())
    sqs = boto3.client("sqs", endpoint_url=local_s3.endpoint, region_name="us-east-1")
    queue = sqs.get_queue_url(QueueName=queue_name(name))["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert [json.loads(message["Body"])["requestPayload"] for message in messages] == [{"fileId": "f2"}]
