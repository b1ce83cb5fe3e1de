"""X-Ray: what aws-xray-sdk really sends to a UDP listener on loopback, serverful and on Lambda."""

from __future__ import annotations

import json
import re

import pytest

from runtime.telemetry import context, tracing
from runtime.telemetry.context import RequestContext
from runtime.telemetry.tracing import XRayTracer
from tests.runtime.conftest import XRayDaemon, run_python

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
PARENT = "53995c3f42cd8ad8"
ROUTE = "GET /api/mocs/{id}"


def _request(cap, header: str | None, *, status: int = 200, fail: bool = False) -> None:
    ctx = RequestContext(request_id="req-1", backend="express", method="GET")
    with cap.telemetry.invocation(ctx, trace_header=header) as inv:
        ctx.route = ROUTE
        with tracing.dependency_span("redis", breakerState="closed"):
            pass
        context.annotate("degraded", True)
        context.annotate("searchBackend", "postgres")
        try:
            with tracing.dependency_span("opensearch") as span:
                span.annotate("breakerState", "open")
                raise ConnectionError("refused")
        except ConnectionError as exc:
            if fail:
                inv.fail(exc)
        if not fail:
            inv.status = status


@pytest.fixture
def traced(make_telemetry, xray_daemon: XRayDaemon):
    tracer = XRayTracer("lego-projects-api", sampling=False)
    assert tracer.in_lambda is False
    return make_telemetry(backend="express", tracer=tracer)


def test_serverful_segment_continues_the_incoming_trace_header(traced, xray_daemon: XRayDaemon) -> None:
    _request(traced, f"Root={ROOT};Parent={PARENT};Sampled=1")
    (segment,) = xray_daemon.entities(1)
    assert segment["name"] == "lego-projects-api"
    assert segment["trace_id"] == ROOT and segment["parent_id"] == PARENT
    assert segment["annotations"] == {
        "backend": "express", "route": ROUTE, "coldStart": False, "degraded": True, "searchBackend": "postgres"
    }
    assert segment["http"]["request"]["method"] == "GET" and segment["http"]["response"]["status"] == 200
    subsegments = {s["name"]: s for s in segment["subsegments"]}
    assert set(subsegments) == {"redis", "opensearch"}
    assert subsegments["redis"]["namespace"] == "remote"
    assert subsegments["redis"]["annotations"] == {
        "dependency": "redis", "backend": "express", "route": ROUTE, "breakerState": "closed"
    }
    assert subsegments["opensearch"]["annotations"]["breakerState"] == "open"
    assert subsegments["opensearch"]["fault"] is True
    assert subsegments["opensearch"]["cause"]["exceptions"][0]["type"] == "ConnectionError"


def test_serverful_segment_without_header_starts_a_new_trace(traced, xray_daemon: XRayDaemon) -> None:
    _request(traced, None, status=503)
    (segment,) = xray_daemon.entities(1)
    assert re.fullmatch(r"1-[0-9a-f]{8}-[0-9a-f]{24}", segment["trace_id"]) and segment["trace_id"] != ROOT
    assert "parent_id" not in segment
    assert segment["fault"] is True and segment["http"]["response"]["status"] == 503


def test_unsampled_and_malformed_headers(traced, xray_daemon: XRayDaemon) -> None:
    _request(traced, f"Root={ROOT};Parent={PARENT};Sampled=0")  # caller decided: do not sample
    _request(traced, "Root=not-a-trace;Parent=zz;Sampled=1")  # garbage: start a fresh trace
    (segment,) = xray_daemon.entities(1)
    assert segment["trace_id"] not in (ROOT, "not-a-trace") and "parent_id" not in segment


def test_handled_500_is_recorded_as_fault_with_the_exception(traced, xray_daemon: XRayDaemon) -> None:
    _request(traced, None, fail=True)
    (segment,) = xray_daemon.entities(1)
    assert segment["fault"] is True and segment["http"]["response"]["status"] == 500
    # the SDK records the exception once, on the opensearch subsegment, and the segment points at it
    (opensearch,) = [s for s in segment["subsegments"] if s["name"] == "opensearch"]
    assert segment["cause"] == opensearch["cause"]["exceptions"][0]["id"]


LAMBDA = """
import runtime.coldstart
import io, json
from runtime.telemetry import context, tracing
from runtime.telemetry.context import RequestContext
from runtime.telemetry.facade import Telemetry

telemetry = Telemetry.for_backend(backend="serverless", service="lego-projects-api", tracing="xray",
                                  emf_stream=io.StringIO(), log_stream=io.StringIO()).install()
assert telemetry.tracer.in_lambda
cold = runtime.coldstart.take_cold_start()
ctx = RequestContext(request_id="lambda-req", backend="serverless", method="GET", cold_start=cold.cold)
with telemetry.invocation(ctx, lambda_context=None) as inv:
    ctx.route = "GET /api/mocs/{id}"
    with tracing.dependency_span("postgres", breakerState="closed"):
        pass
    inv.status = 200
print("done")
"""


def test_lambda_request_is_a_subsegment_of_the_facade_segment(xray_daemon: XRayDaemon, tmp_path) -> None:
    env = {
        "LAMBDA_TASK_ROOT": str(tmp_path),
        "AWS_LAMBDA_FUNCTION_NAME": "mocs",
        "_X_AMZN_TRACE_ID": f"Root={ROOT};Parent={PARENT};Sampled=1",
        "AWS_XRAY_DAEMON_ADDRESS": xray_daemon.address,
    }
    result = run_python(LAMBDA, env=env)
    assert result.returncode == 0, result.stderr
    entities = xray_daemon.entities(2)
    assert all(e["type"] == "subsegment" and e["trace_id"] == ROOT for e in entities)
    by_name = {e["name"]: e for e in entities}
    request, postgres = by_name["lego-projects-api"], by_name["postgres"]
    assert request["parent_id"] == PARENT  # under the Lambda facade segment
    assert request["annotations"] == {
        "backend": "serverless", "route": ROUTE, "coldStart": True, "degraded": False
    }
    assert postgres["parent_id"] == request["id"]
    assert postgres["annotations"] == {
        "dependency": "postgres", "backend": "serverless", "route": ROUTE, "breakerState": "closed"
    }
    json.dumps(entities)  # plain JSON all the way down


def test_concurrent_serverful_requests_get_their_own_segments(traced, xray_daemon: XRayDaemon) -> None:
    """waitress serves requests on threads: each thread's segment keeps its own subsegments."""
    import threading

    barrier = threading.Barrier(6)

    def serve(i: int) -> None:
        ctx = RequestContext(request_id=f"req-{i}", backend="express", method="GET")
        barrier.wait()
        with traced.telemetry.invocation(ctx, trace_header=f"Root=1-5759e988-{i:024x};Sampled=1") as inv:
            ctx.route = f"GET /api/route{i}"
            for _ in range(i + 1):
                with tracing.dependency_span("postgres"):
                    pass
            inv.status = 200

    threads = [threading.Thread(target=serve, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    segments = xray_daemon.entities(6)
    assert len(segments) == 6
    for segment in segments:
        i = int(segment["trace_id"].rsplit("-", 1)[1], 16)
        assert segment["annotations"]["route"] == f"GET /api/route{i}"
        assert len(segment["subsegments"]) == i + 1
        assert {s["annotations"]["route"] for s in segment["subsegments"]} == {f"GET /api/route{i}"}


def test_lambda_without_trace_header_traces_nothing_and_stays_quiet(xray_daemon: XRayDaemon, tmp_path) -> None:
    code = LAMBDA.replace("print(\"done\")", "print(json.dumps(inv._span is None))")
    env = {"LAMBDA_TASK_ROOT": str(tmp_path), "AWS_XRAY_DAEMON_ADDRESS": xray_daemon.address}
    result = run_python(code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "true"
    assert "discarded" not in result.stderr
    sentinel = XRayTracer("probe", sampling=False)  # prove the listener works: a serverful segment arrives
    assert sentinel.in_lambda is False
    ctx = RequestContext(request_id="probe", backend="express")
    token = sentinel.start_request(ctx, None, None)
    sentinel.end_request(token, ctx, 200, None)
    assert [e["name"] for e in xray_daemon.entities(1)] == ["probe"]
