"""The facade as the wrapper uses it: tracing off imports nothing, request scope, defaults, robustness."""

from __future__ import annotations

import io
import json

import pytest

from runtime.telemetry import catalogue, context, recorder, tracing
from runtime.telemetry.context import RequestContext
from runtime.telemetry.facade import Telemetry
from tests.runtime.conftest import run_python
from tests.runtime.telemetry.emf_spec import emf_violations


def test_tracing_off_imports_no_tracing_library() -> None:
    code = """
    import sys, io, json
    from runtime.telemetry.facade import Telemetry
    from runtime.telemetry.context import RequestContext
    from runtime.telemetry import tracing
    t = Telemetry.for_backend(backend="serverless", service="svc", tracing="off",
                              emf_stream=io.StringIO(), log_stream=io.StringIO()).install()
    ctx = RequestContext(request_id="r", backend="serverless")
    with t.invocation(ctx) as inv:
        with tracing.dependency_span("redis", breakerState="closed") as span:
            span.annotate("k", 1)
        inv.status = 200
    print(json.dumps(sorted(m for m in sys.modules
                            if m.split(".")[0] in ("aws_xray_sdk", "opentelemetry", "boto3"))))
    """
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_unknown_tracing_mode_and_backend_fail_loudly() -> None:
    with pytest.raises(ValueError, match="tracing mode"):
        tracing.create_tracer("jaeger", "svc")
    with pytest.raises(ValueError, match="backend"):
        Telemetry(backend="lambda", service="svc")


def test_invocation_makes_the_context_current_and_defaults_to_500(make_telemetry) -> None:
    cap = make_telemetry()
    ctx = RequestContext(request_id="r-1", backend="serverless")
    assert context.current() is None
    with cap.telemetry.invocation(ctx):
        assert context.current() is ctx
        ctx.route = "GET /health"
        # the wrapper never set a status
    assert context.current() is None
    (line,) = cap.log_lines()
    assert line["status"] == 500
    (doc,) = cap.emf_documents()
    assert doc["Errors5xx"] == [1.0] and doc["Requests"] == [1.0]


def test_a_serverless_cold_start_records_init_plus_the_first_request_per_function(make_telemetry) -> None:
    cap = make_telemetry()
    for cold, init_ms in ((True, 812.5), (False, None)):
        ctx = RequestContext(request_id="r", backend="serverless", cold_start=cold)
        with cap.telemetry.invocation(ctx, init_ms=init_ms, function="wishlist") as inv:
            ctx.route = "GET /api/wishlist"
            inv.status = 200
    docs = cap.emf_documents()
    assert all(emf_violations(d) == [] for d in docs)
    (cold_doc,) = [d for d in docs if "ColdStartDuration" in d]
    (first, _) = [line["responseTimeMs"] for line in cap.log_lines() if line.get("message") == "request"]
    assert cold_doc["ColdStartDuration"][0] == pytest.approx(812.5 + first, abs=0.01)
    assert cold_doc["function"] == "wishlist" and cold_doc["backend"] == "serverless"  # a property, no series
    assert cold_doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "function"]]
    assert [line["coldStart"] for line in cap.log_lines() if line.get("message") == "request"] == [True, False]


def test_inits_no_caller_waited_for_are_logged_not_measured(make_telemetry) -> None:
    """A provisioned environment's init (ahead of traffic) and express's first request are no cold start metric."""
    provisioned = make_telemetry()
    ctx = RequestContext(request_id="p", backend="serverless", cold_start=False)
    with provisioned.telemetry.invocation(ctx, init_ms=640.0, function="mocs") as inv:
        inv.status = 200
    assert not any("ColdStartDuration" in d for d in provisioned.emf_documents())
    (line,) = [line for line in provisioned.log_lines() if line.get("message") == "environment initialised"]
    assert line["initDurationMs"] == 640.0 and line["coldStart"] is False
    provisioned.telemetry.uninstall()

    express = make_telemetry(backend="express")
    ctx = RequestContext(request_id="e", backend="express", cold_start=True)
    with express.telemetry.invocation(ctx, init_ms=5000.0, function="mocs") as inv:
        inv.status = 200
    assert not any("ColdStartDuration" in d for d in express.emf_documents())


def test_telemetry_failures_never_break_the_request(make_telemetry) -> None:
    cap = make_telemetry()

    class ExplodingTracer:
        def start_request(self, *args):
            raise RuntimeError("tracer down")

        def end_request(self, *args):
            raise AssertionError("never opened, never closed")

        def dependency(self, *args):
            raise AssertionError("unused")

    cap.telemetry.tracer = ExplodingTracer()
    ctx = RequestContext(request_id="r", backend="serverless")
    with cap.telemetry.invocation(ctx) as inv:
        ctx.route = "GET /health"
        inv.status = 200
    assert [line["status"] for line in cap.log_lines()] == [200]
    assert len(cap.emf_documents()) == 1


def test_records_made_by_guards_during_the_request_use_its_route(make_telemetry) -> None:
    cap = make_telemetry()
    ctx = RequestContext(request_id="r", backend="serverless")
    with cap.telemetry.invocation(ctx) as inv:
        ctx.route = "GET /api/mocs"
        recorder.record(catalogue.CACHE_MISS)
        recorder.record(catalogue.RETRY_ATTEMPT, dependency="postgres")
        inv.status = 404
    docs = cap.emf_documents()
    assert len(docs) == 3  # request group, backend group, dependency group: one flush
    request = next(d for d in docs if "Requests" in d)
    assert request["route"] == "GET /api/mocs" and "Errors4xx" not in request  # the edge counts 4xx
    assert next(d for d in docs if "RetryAttempt" in d)["dependency"] == "postgres"


class _SilentTracer:
    """Traces nothing; only its identity matters here."""

    def start_request(self, *args: object) -> None:
        return None


NOOP_TRACER = _SilentTracer()


@pytest.mark.usefixtures("process_sinks_out")
def test_building_telemetry_changes_no_global_state_until_it_is_installed() -> None:
    emf = io.StringIO()
    telemetry = Telemetry(backend="express", service="svc-built", tracer=NOOP_TRACER, emf_stream=emf)
    recorder.record(catalogue.CACHE_HIT)  # before install: reaches no sink of this telemetry
    assert tracing.installed() is None
    assert b"svc-built" not in telemetry.prometheus_exposition()[0]
    telemetry.install()
    try:
        assert tracing.installed() is NOOP_TRACER
        recorder.record(catalogue.CACHE_HIT)
        body, _ = telemetry.prometheus_exposition()
        assert b'brickguard_cache_hit_total{backend="express",service="svc-built"} 1.0' in body
    finally:
        telemetry.uninstall()
    assert tracing.installed() is None
    recorder.record(catalogue.CACHE_HIT)  # after uninstall: no longer counted here
    assert b'service="svc-built"} 1.0' in telemetry.prometheus_exposition()[0]


@pytest.mark.usefixtures("process_sinks_out")
def test_the_guard_process_builds_and_installs_the_configured_backend() -> None:
    from runtime.config import load
    from runtime.process import GuardProcess

    guard = GuardProcess(load({"BRICKGUARD_BACKEND": "express", "BRICKGUARD_TRACING": "off",
                               "POWERTOOLS_SERVICE_NAME": "svc-x"}))
    try:
        telemetry = guard.telemetry
        assert telemetry.tracer is None and telemetry.prometheus is not None
        recorder.record(catalogue.CACHE_HIT)
        body, _ = guard.extra_routes()["/metrics"]()
        assert b'brickguard_cache_hit_total{backend="express",service="svc-x"} 1.0' in body
    finally:
        guard.close()
