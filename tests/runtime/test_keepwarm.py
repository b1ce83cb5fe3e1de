"""Keep-warm: exact payload detection, warmup, fan-out through boto3 to a moto server and to an Invoke stub."""

from __future__ import annotations

import io
import json
import threading
import time
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import boto3
import pytest
import requests

from runtime import keepwarm
from runtime.keepwarm import handle_ping, is_keepwarm_ping
from tests.runtime.conftest import Captured

ARN = "arn:aws:lambda:us-east-1:123456789012:function:mocs"


class LambdaContext:
    function_name = "mocs"
    invoked_function_arn = ARN
    aws_request_id = "ping-request-1"


def http_api_event(body: str) -> dict[str, Any]:
    return {
        "version": "2.0", "routeKey": "POST /api/mocs", "rawPath": "/api/mocs", "rawQueryString": "",
        "headers": {"content-type": "application/json", "warmer": "true"},
        "requestContext": {"http": {"method": "POST", "path": "/api/mocs"}}, "body": body,
        "isBase64Encoded": False,
    }


@pytest.mark.parametrize("event", [
    {"warmer": True, "concurrency": 1},
    {"warmer": True, "concurrency": 50},
    {"warmer": True, "concurrency": 1, "__WARMER_INVOCATION__": 3, "__WARMER_CORRELATIONID__": "abc"},
])
def test_warmer_payloads_are_pings(event: dict) -> None:
    assert is_keepwarm_ping(event)


@pytest.mark.parametrize("event", [
    http_api_event('{"warmer": true, "concurrency": 3}'),
    {**http_api_event(""), "warmer": True, "concurrency": 3},  # HTTP API shape plus the keys: still not a ping
    {"warmer": True, "concurrency": 3, "rawPath": "/health"},
    {"warmer": True, "concurrency": 3, "version": "2.0"},
    {"warmer": True, "concurrency": 3, "requestContext": {}},
    {"warmer": "true", "concurrency": 3},
    {"warmer": 1, "concurrency": 3},
    {"warmer": True},
    {"warmer": True, "concurrency": 0},
    {"warmer": True, "concurrency": 51},
    {"warmer": True, "concurrency": True},
    {"warmer": True, "concurrency": "3"},
    {"warmer": True, "concurrency": 2.0},
    {"warmer": True, "concurrency": 2, "extra": 1},
    [{"warmer": True, "concurrency": 1}],
    '{"warmer": true, "concurrency": 1}',
    None,
])
def test_anything_else_is_not_a_ping(event: Any) -> None:
    assert not is_keepwarm_ping(event)


class InvokeStub:
    """A loopback stand-in for the Lambda Invoke API that boto3 really calls; can fail some invocations."""

    def __init__(self, hold: float = 0.2, fail: frozenset[int] = frozenset(), error: frozenset[int] = frozenset()):
        self.calls: list[tuple[str, dict, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                name = unquote(self.path.split("/functions/")[1].split("/invocations")[0])
                with stub._lock:
                    stub.calls.append((name, payload, self.headers.get("X-Amz-Invocation-Type", "")))
                    stub.in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
                time.sleep(hold)
                with stub._lock:
                    stub.in_flight -= 1
                index = payload.get("__WARMER_INVOCATION__")
                if index in fail:
                    body, status, headers = b'{"message": "Rate exceeded"}', 429, {
                        "x-amzn-ErrorType": "TooManyRequestsException"}
                elif index in error:
                    body, status, headers = b'{"errorMessage": "boom"}', 200, {"X-Amz-Function-Error": "Unhandled"}
                else:
                    body, status, headers = b'{"warm": true}', 200, {}
                self.send_response(status)
                for key, value in {**headers, "Content-Type": "application/json"}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def stub(aws_env, monkeypatch: pytest.MonkeyPatch) -> Iterator[InvokeStub]:
    s = InvokeStub(fail=frozenset({2}), error=frozenset({4}))
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", s.url)  # boto3 honours it: the real default client is used
    yield s
    s.close()


def test_fan_out_invokes_n_minus_1_concurrently_and_failures_never_fail_the_ping(stub: InvokeStub) -> None:
    warmed: list[str] = []
    summary = handle_ping(
        {"warmer": True, "concurrency": 6}, LambdaContext(),
        warmup=lambda: warmed.append("pool+redis+outbox"),
        invoke_client_factory=keepwarm.default_invoke_client_factory(), cold_start=True,
    )
    assert warmed == ["pool+redis+outbox"]
    assert len(stub.calls) == 5 and stub.in_flight == 0  # the first waited for all of them
    assert stub.max_in_flight == 5  # concurrent, not one after the other
    assert {name for name, _, _ in stub.calls} == {ARN}
    assert {kind for _, _, kind in stub.calls} == {"RequestResponse"}
    payloads = sorted((p for _, p, _ in stub.calls), key=lambda p: p["__WARMER_INVOCATION__"])
    assert [p["__WARMER_INVOCATION__"] for p in payloads] == [1, 2, 3, 4, 5]
    assert all(p["warmer"] is True and p["concurrency"] == 1 for p in payloads)
    assert {p["__WARMER_CORRELATIONID__"] for p in payloads} == {summary["correlationId"]} == {"ping-request-1"}
    assert all(is_keepwarm_ping(p) for p in payloads)  # fanned-out pings are recognised as pings
    assert summary == {
        "warm": True, "coldStart": True, "concurrency": 6, "correlationId": "ping-request-1",
        "instanceId": keepwarm.INSTANCE_ID, "fanOut": {"invoked": 3, "failed": 2},
    }


def test_fanned_out_ping_holds_and_does_not_fan_out_again(stub: InvokeStub) -> None:
    calls: list[float] = []

    def sleeping(seconds: float) -> None:
        calls.append(seconds)

    original = keepwarm.time.sleep
    keepwarm.time.sleep = sleeping  # type: ignore[assignment]
    try:
        summary = handle_ping(
            {"warmer": True, "concurrency": 1, "__WARMER_INVOCATION__": 2, "__WARMER_CORRELATIONID__": "corr-9"},
            LambdaContext(), warmup=lambda: None, invoke_client_factory=keepwarm.default_invoke_client_factory(),
            cold_start=False, delay_ms=75,
        )
    finally:
        keepwarm.time.sleep = original
    assert calls == [0.075]
    assert stub.calls == []
    assert summary["correlationId"] == "corr-9" and summary["fanOut"] == {"invoked": 0, "failed": 0}


def test_warmup_errors_and_unreachable_lambda_api_never_fail_the_ping(aws_env, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", "http://127.0.0.1:9")  # nothing listens there

    def broken_warmup() -> None:
        raise ConnectionRefusedError("postgres down")

    summary = handle_ping({"warmer": True, "concurrency": 3}, LambdaContext(), warmup=broken_warmup,
                          invoke_client_factory=keepwarm.default_invoke_client_factory(), cold_start=False)
    assert summary["warm"] is True and summary["fanOut"] == {"invoked": 0, "failed": 2}


def test_fan_out_against_a_moto_server(aws_env, moto_endpoint: str, monkeypatch) -> None:
    # moto runs Lambda code only in docker; its docker-less backend answers Invoke by echoing the payload
    requests.post(f"{moto_endpoint}/moto-api/config", json={"lambda": {"use_docker": False}},
                  timeout=10).raise_for_status()  # process-wide: the fixture puts moto's config back
    iam = boto3.client("iam", endpoint_url=moto_endpoint)
    role = iam.create_role(RoleName="warmer", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    lam = boto3.client("lambda", endpoint_url=moto_endpoint)
    arn = lam.create_function(FunctionName="mocs", Runtime="python3.11", Role=role, Handler="handler.handler",
                              Code={"ZipFile": code.getvalue()})["FunctionArn"]

    class Context:
        invoked_function_arn = arn
        aws_request_id = "moto-ping"

    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", moto_endpoint)
    summary = handle_ping({"warmer": True, "concurrency": 4}, Context(), warmup=lambda: None,
                          invoke_client_factory=keepwarm.default_invoke_client_factory(), cold_start=False)
    assert summary["fanOut"] == {"invoked": 3, "failed": 0}


def test_answer_ping_counts_the_ping_logs_the_init_it_woke_and_flushes_once(make_telemetry, stub: InvokeStub) -> None:
    cap: Captured = make_telemetry()
    summary = keepwarm.answer_ping({"warmer": True, "concurrency": 2}, LambdaContext(), cap.telemetry,
                                   cold_start=True, init_ms=640.0, warmup=lambda: None)
    assert summary["fanOut"] == {"invoked": 1, "failed": 0} and summary["coldStart"] is True
    docs = cap.emf_documents()
    assert [d["KeepWarmPing"] for d in docs if "KeepWarmPing" in d] == [[1.0]]
    assert not any("ColdStartDuration" in d for d in docs)  # no caller waited for this init
    assert not any("Requests" in d for d in docs)  # a ping is not a request
    init, line = cap.log_lines()
    assert init["message"] == "environment initialised" and init["initDurationMs"] == 640.0
    assert line["message"] == "keep-warm ping" and line["correlationId"] == "ping-request-1"
