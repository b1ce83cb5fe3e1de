"""OpenTelemetry: request and dependency spans in the SDK's in-memory exporter, X-Ray header continuation."""

from __future__ import annotations

import json

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from runtime.telemetry import context, tracing
from runtime.telemetry.context import RequestContext
from runtime.telemetry.tracing import OtelTracer
from tests.runtime.conftest import run_python

ROOT = "1-5759e988-bd862e3fe1be46a994272793"
PARENT = "53995c3f42cd8ad8"
ROUTE = "GET /api/images/{id}"


def _serve(cap, header: str | None = None, lambda_context=None, fail: bool = False) -> None:
    ctx = RequestContext(request_id="req-otel", backend=cap.telemetry.backend, method="GET")
    with cap.telemetry.invocation(ctx, trace_header=header, lambda_context=lambda_context) as inv:
        ctx.route = ROUTE
        context.annotate("searchBackend", "opensearch")
        with tracing.dependency_span("postgres", breakerState="closed") as span:
            span.annotate("rows", 3)
        if fail:
            raise RuntimeError("boom")
        inv.status = 200


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


def test_request_and_dependency_spans_continue_the_xray_header(make_telemetry, exporter) -> None:
    cap = make_telemetry(backend="express", tracer=OtelTracer("lego-projects-api", exporter=exporter, batch=False,
                                                               in_lambda=False))
    _serve(cap, header=f"Root={ROOT};Parent={PARENT};Sampled=1")
    spans = {s.name: s for s in exporter.get_finished_spans()}
    request, postgres = spans[ROUTE], spans["postgres"]
    assert request.kind == SpanKind.SERVER and postgres.kind == SpanKind.CLIENT
    assert format(request.context.trace_id, "032x") == ROOT[2:].replace("-", "")
    assert request.parent is not None and format(request.parent.span_id, "016x") == PARENT
    assert postgres.parent.span_id == request.context.span_id
    assert dict(request.attributes).items() >= {
        "backend": "express", "route": ROUTE, "coldStart": False, "degraded": False,
        "searchBackend": "opensearch", "http.response.status_code": 200, "http.request.method": "GET",
    }.items()
    assert dict(postgres.attributes) == {
        "dependency": "postgres", "backend": "express", "route": ROUTE, "breakerState": "closed", "rows": 3
    }
    assert request.resource.attributes["service.name"] == "lego-projects-api"


def test_an_escaping_exception_marks_the_request_span(make_telemetry, exporter) -> None:
    cap = make_telemetry(backend="express", tracer=OtelTracer("svc", exporter=exporter, batch=False, in_lambda=False))
    with pytest.raises(RuntimeError):
        _serve(cap, fail=True)
    (request,) = [s for s in exporter.get_finished_spans() if s.name == ROUTE]
    assert request.status.status_code == StatusCode.ERROR
    assert request.attributes["http.response.status_code"] == 500
    assert [e.name for e in request.events] == ["exception"]
    assert request.parent is None  # no header: a new trace


def test_lambda_parent_comes_from_the_environment_and_spans_are_flushed(
    make_telemetry, exporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root={ROOT};Parent={PARENT};Sampled=1")
    tracer = OtelTracer("svc", exporter=exporter, batch=True, in_lambda=True)  # batch: relies on the flush
    cap = make_telemetry(tracer=tracer)

    class LambdaContext:
        aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
        invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:gallery:live"

    _serve(cap, lambda_context=LambdaContext())
    spans = {s.name: s for s in exporter.get_finished_spans()}  # no explicit flush: the tracer did it
    request = spans[ROUTE]
    assert format(request.parent.span_id, "016x") == PARENT
    assert request.attributes["faas.invocation_id"] == LambdaContext.aws_request_id
    assert request.attributes["cloud.resource_id"] == "arn:aws:lambda:eu-west-1:123456789012:function:gallery"
    tracer.provider.shutdown()


INSTRUMENTED = """
import json, sys, io
sys.path.insert(0, TMP)
from opentelemetry.instrumentation.aws_lambda import AwsLambdaInstrumentor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from runtime.telemetry.tracing import OtelTracer
from runtime.telemetry.facade import Telemetry

exporter = InMemorySpanExporter()
tracer = OtelTracer("svc", exporter=exporter, batch=False)
telemetry = Telemetry(backend="serverless", service="svc", tracer=tracer,
                      emf_stream=io.StringIO(), log_stream=io.StringIO()).install()
import bg_handler
bg_handler.telemetry = telemetry
AwsLambdaInstrumentor().instrument(tracer_provider=tracer.provider)

class Ctx:
    function_name = "gallery"
    aws_request_id = "req-instrumented"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:gallery"

http = {"method": "GET", "path": "/api/images/1"}
event = {"version": "2.0", "rawPath": "/api/images/1", "requestContext": {"http": http}}
result = bg_handler.handler(event, Ctx())
spans = exporter.get_finished_spans()
print(json.dumps({
    "result": result,
    "spans": [{"name": s.name, "id": s.context.span_id, "parent": s.parent.span_id if s.parent else None,
               "trace": s.context.trace_id, "attrs": {k: v for k, v in s.attributes.items()}} for s in spans],
}))
"""

HANDLER_MODULE = """
import runtime.coldstart
from runtime.telemetry.context import RequestContext
telemetry = None

def handler(event, lambda_context):
    cold = runtime.coldstart.take_cold_start()
    ctx = RequestContext(request_id=lambda_context.aws_request_id, backend="serverless", method="GET",
                         cold_start=cold.cold)
    with telemetry.invocation(ctx, lambda_context=lambda_context) as inv:
        ctx.route = "GET /api/images/{id}"
        inv.status = 200
    return {"statusCode": 200}
"""


def test_aws_lambda_instrumentor_span_is_the_parent_of_the_request_span(tmp_path) -> None:
    (tmp_path / "bg_handler.py").write_text(HANDLER_MODULE)
    env = {
        "LAMBDA_TASK_ROOT": str(tmp_path),
        "AWS_LAMBDA_FUNCTION_NAME": "gallery",
        "_HANDLER": "bg_handler.handler",
        "_X_AMZN_TRACE_ID": f"Root={ROOT};Parent={PARENT};Sampled=1",
        "OTEL_PROPAGATORS": "xray-lambda",
    }
    result = run_python(INSTRUMENTED.replace("TMP", repr(str(tmp_path))), env=env)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["result"] == {"statusCode": 200}
    spans = {s["name"]: s for s in out["spans"]}
    invocation, request = spans["gallery"], spans[ROUTE]
    assert request["parent"] == invocation["id"] and request["trace"] == invocation["trace"]
    assert invocation["attrs"]["faas.invocation_id"] == "req-instrumented"
    assert request["attrs"]["backend"] == "serverless" and request["attrs"]["coldStart"] is True
