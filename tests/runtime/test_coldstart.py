"""Cold start: once per process (also when the first invocation fails), never under provisioned concurrency.

A cold start is measured as its first caller waited (``ColdStartDuration`` of the function: init plus that
request); a provisioned environment's init, which no caller waits for, is a log line."""

from __future__ import annotations

import json

from tests.runtime.conftest import run_python

HANDLER = """
import runtime.coldstart  # first import, as the handler modules do
import json, sys, time
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from runtime import config, process
from runtime.wrapper import guarded_handler

app = APIGatewayHttpResolver()
calls = []

@app.get("/health")
def health():
    calls.append(1)
    if FAILS[len(calls) - 1]:
        raise RuntimeError("first invocation fails")
    return {"ok": True}

handler = guarded_handler(app, function="health")
process.install(config.load({"BRICKGUARD_TRACING": "off"}))  # EMF and log lines go to stdout
ready_ms = (time.perf_counter() - runtime.coldstart.init_started_at()) * 1000
time.sleep(0.2)  # the environment idles until the first event
first_ms = (time.perf_counter() - runtime.coldstart.init_started_at()) * 1000
event = {"version": "2.0", "rawPath": "/health", "headers": {},
         "requestContext": {"requestId": "r", "stage": "$default",
                            "http": {"method": "GET", "path": "/health"}}}
statuses = [handler(dict(event), None)["statusCode"] for _ in FAILS]
print(json.dumps({"statuses": statuses, "ready_ms": ready_ms, "first_ms": first_ms}))
"""


def _run(fails: list[bool], env: dict[str, str] | None = None) -> dict:
    """Serve one request per entry of ``fails`` through the real wrapper; what stdout (EMF, logs) says."""
    result = run_python(HANDLER.replace("FAILS", repr(fails)), env=env)
    assert result.returncode == 0, result.stderr
    *lines, summary = [json.loads(line) for line in result.stdout.strip().splitlines()]
    docs = [line for line in lines if "_aws" in line]
    access = [line for line in lines if line.get("message") == "request"]
    out: dict = json.loads(json.dumps(summary))
    out["cold"] = [v for d in docs for v in d.get("ColdStartDuration", [])]
    out["functions"] = [d["function"] for d in docs if "ColdStartDuration" in d]
    out["init"] = [line["initDurationMs"] for line in lines if line.get("message") == "environment initialised"]
    out["flagged"] = [line["coldStart"] for line in access]
    out["first_response_ms"] = access[0]["responseTimeMs"]
    assert [line["status"] for line in access] == out["statuses"]
    return out


def test_cold_start_counted_once_per_process() -> None:
    out = _run([False, False, False])
    assert out["functions"] == ["health"]
    assert out["flagged"] == [True, False, False]
    # process start -> first invocation, plus that first request
    assert len(out["cold"]) == 1 and out["cold"][0] >= out["first_ms"] + out["first_response_ms"]
    assert out["init"] == []  # a caller waited: measured, not merely logged


def test_cold_start_counted_when_the_first_invocation_fails() -> None:
    out = _run([True, False])
    assert out["statuses"] == [500, 200]
    assert len(out["cold"]) == 1
    assert out["flagged"] == [True, False]


def test_provisioned_concurrency_is_not_a_cold_start_but_init_is_measured() -> None:
    out = _run([False, False], env={"AWS_LAMBDA_INITIALIZATION_TYPE": "provisioned-concurrency"})
    assert out["cold"] == []
    assert out["flagged"] == [False, False]
    # process start -> end of init (the guard process installed), not up to the first invocation
    assert len(out["init"]) == 1 and out["init"][0] <= out["ready_ms"] < out["first_ms"]


def test_exactly_one_thread_sees_the_cold_start() -> None:
    code = """
    import runtime.coldstart as cs, threading, json
    barrier = threading.Barrier(16)
    seen = []
    def worker():
        barrier.wait()
        seen.append(cs.take_cold_start().cold)
    threads = [threading.Thread(target=worker) for _ in range(16)]
    [t.start() for t in threads]; [t.join() for t in threads]
    print(json.dumps(seen))
    """
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert sorted(json.loads(result.stdout)) == [False] * 15 + [True]
