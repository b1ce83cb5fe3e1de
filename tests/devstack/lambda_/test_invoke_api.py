"""The local Invoke API refuses what Lambda's refuses, before any function runs."""

from __future__ import annotations

import pytest

from tests.devstack.conftest import BEHAVIOURS, RunningAws, SpecFunction

FUNCTIONS = [SpecFunction("echo", f"{BEHAVIOURS}.echo")]


@pytest.fixture(scope="module")
def aws(start_aws) -> RunningAws:
    return start_aws(FUNCTIONS)


def _invoke(aws: RunningAws, payload: bytes, invocation_type: str = "RequestResponse"):
    url = f"{aws.aws.invoke_url}/2015-03-31/functions/lego-api-echo-test/invocations"
    return aws.session.post(url, data=payload, headers={"X-Amz-Invocation-Type": invocation_type}, timeout=60)


@pytest.mark.parametrize("payload", [b"not json", b"{\"open\": ", b"\xff\xfe", b"{'single': 'quotes'}"])
@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event"])
def test_a_payload_that_is_not_json_is_invalid_request_content_and_nothing_runs(
    aws: RunningAws, payload: bytes, invocation_type: str
) -> None:
    before = len(aws.logs.reports("echo"))
    reply = _invoke(aws, payload, invocation_type)
    assert reply.status_code == 400
    assert reply.headers["x-amzn-ErrorType"] == "InvalidRequestContentException"
    assert reply.json()["message"].startswith("Could not parse request body into json")
    reached = _invoke(aws, b'{"ok": true}')  # the function itself is fine, and runs for JSON
    assert reached.status_code == 200 and reached.json()["statusCode"] == 200
    assert len(aws.logs.wait_for(lambda: len(aws.logs.reports("echo")) > before and aws.logs.reports("echo"))) == (
        before + 1
    )
