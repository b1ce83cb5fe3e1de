"""Tracing: one request segment (or span) per request, one subsegment per dependency call.

The tracer is chosen by configuration (``BRICKGUARD_TRACING``) through
:func:`create_tracer`:

* ``xray`` (default) — aws-xray-sdk. Serverful: one segment per request named
  after the service, continuing an incoming ``X-Amzn-Trace-Id`` (Root, Parent,
  Sampled). Lambda: a subsegment under the Lambda facade segment, which the SDK
  builds from ``_X_AMZN_TRACE_ID`` because ``LAMBDA_TASK_ROOT`` is set.
* ``otel`` — opentelemetry-sdk ``TracerProvider``; the parent comes from
  ``X-Amzn-Trace-Id`` (serverful) or ``_X_AMZN_TRACE_ID`` (Lambda) through the
  AWS X-Ray propagators, or from the span ``AwsLambdaInstrumentor`` opened when
  it wraps the handler (see docs/telemetry.md); spans are flushed at the end
  of each Lambda invocation, as the instrumentor does.
* ``off`` — nothing is imported; :func:`dependency_span` yields a no-op handle.

Guards call :func:`dependency_span` around every PostgreSQL, Redis and
OpenSearch call and may annotate the handle::

    with dependency_span("redis", breakerState="closed") as span:
        ...
        span.annotate("breakerState", breaker.current_state)

Tracing libraries are imported only inside the tracer classes, so ``off``
never loads them.
"""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from runtime.telemetry import context as request_context
from runtime.telemetry.context import RequestContext

AnnotationValue = str | int | float | bool
TRACING_MODES = ("xray", "otel", "off")
TRACE_HEADER = "X-Amzn-Trace-Id"

_ROOT = re.compile(r"^1-[0-9a-f]{8}-[0-9a-f]{24}$")
_PARENT = re.compile(r"^[0-9a-f]{16}$")


class Span(Protocol):
    """What a guard can do with the span of its dependency call."""

    def annotate(self, key: str, value: AnnotationValue) -> None: ...


class _NoopSpan:
    __slots__ = ()

    def annotate(self, key: str, value: AnnotationValue) -> None:
        """Tracing is off or no request is being traced: drop it."""


NOOP_SPAN = _NoopSpan()


class Tracer(Protocol):
    """A tracing backend: request spans opened and closed by the facade, dependency spans by the guards."""

    def start_request(self, ctx: RequestContext, trace_header: str | None, lambda_context: Any) -> Any:
        """Open the request span; None means this request is not traced."""

    def end_request(self, token: Any, ctx: RequestContext, status: int, exc: BaseException | None) -> None: ...

    def dependency(self, dependency: str, annotations: dict[str, AnnotationValue]) -> Any:
        """A context manager yielding a :class:`Span`."""


def request_annotations(ctx: RequestContext) -> dict[str, AnnotationValue]:
    """The annotations of a request span: backend, route, coldStart, degraded, searchBackend."""
    notes: dict[str, AnnotationValue] = {
        "backend": ctx.backend,
        "route": ctx.route,
        "coldStart": ctx.cold_start,
        "degraded": bool(ctx.annotations.get("degraded", False)),
    }
    search_backend = ctx.annotations.get("searchBackend")
    if search_backend is not None:
        notes["searchBackend"] = str(search_backend)
    return notes


def _dependency_annotations(dependency: str, extra: dict[str, AnnotationValue]) -> dict[str, AnnotationValue]:
    notes: dict[str, AnnotationValue] = {"dependency": dependency}
    ctx = request_context.current()
    if ctx is not None:
        notes["backend"] = ctx.backend
        notes["route"] = ctx.route
    notes.update(extra)
    return notes


class XRayTracer:
    """aws-xray-sdk backend: segments serverful, subsegments under the facade segment on Lambda."""

    def __init__(self, service: str, *, sampling: bool = True, daemon_address: str | None = None) -> None:
        from aws_xray_sdk.core import xray_recorder
        from aws_xray_sdk.core.lambda_launcher import LambdaContext
        from aws_xray_sdk.core.models.trace_header import TraceHeader
        from aws_xray_sdk.core.utils.stacktrace import get_stacktrace

        self.service = service
        self._recorder = xray_recorder
        self._header_cls = TraceHeader
        self._stacktrace = get_stacktrace
        address = daemon_address or os.environ.get("AWS_XRAY_DAEMON_ADDRESS")
        xray_recorder.configure(
            service=service, sampling=sampling, daemon_address=address, context_missing="IGNORE_ERROR"
        )
        self.in_lambda = isinstance(xray_recorder.context, LambdaContext)

    def start_request(self, ctx: RequestContext, trace_header: str | None, lambda_context: Any) -> Any:
        """Begin the request's segment (serverful) or subsegment (Lambda); None when there is nothing to trace."""
        if self.in_lambda:
            if not os.environ.get("_X_AMZN_TRACE_ID"):
                return None  # no facade segment to attach to (local emulator, init): skip, don't warn per call
            return self._recorder.begin_subsegment(self.service)
        header = self._header_cls.from_header_str(trace_header)
        root = header.root if header.root and _ROOT.match(header.root) else None
        parent = header.parent if root and header.parent and _PARENT.match(header.parent) else None
        sampled = header.sampled if root and header.sampled in (0, 1) else None
        return self._recorder.begin_segment(name=self.service, traceid=root, parent_id=parent, sampling=sampled)

    def end_request(self, token: Any, ctx: RequestContext, status: int, exc: BaseException | None) -> None:
        """Annotate and close the request entity; the SDK sends it to the daemon."""
        if token is None:
            return
        for key, value in request_annotations(ctx).items():
            token.put_annotation(key, value)
        if ctx.method and not self.in_lambda:  # known once the wrapper checked the event
            token.put_http_meta("method", ctx.method)
        token.put_http_meta("status", status)
        token.apply_status_code(status)
        if exc is not None:
            token.add_exception(exc, self._stacktrace(limit=self._recorder.max_trace_back))
        if self.in_lambda:
            self._recorder.end_subsegment()
        else:
            self._recorder.end_segment()

    @contextmanager
    def dependency(self, dependency: str, annotations: dict[str, AnnotationValue]) -> Iterator[Span]:
        """A remote subsegment named after the dependency, annotated, with the exception when it raised."""
        subsegment = self._recorder.begin_subsegment(dependency, "remote")
        if subsegment is None:
            yield NOOP_SPAN
            return
        for key, value in _dependency_annotations(dependency, annotations).items():
            subsegment.put_annotation(key, value)
        try:
            yield _EntitySpan(subsegment.put_annotation)
        except BaseException as exc:
            subsegment.add_exception(exc, self._stacktrace(limit=self._recorder.max_trace_back))
            raise
        finally:
            self._recorder.end_subsegment()


class _EntitySpan:
    __slots__ = ("annotate",)

    def __init__(self, annotate: Any) -> None:
        self.annotate = annotate


class OtelTracer:
    """OpenTelemetry backend: a SERVER span per request, a CLIENT span per dependency call.

    ``exporter`` defaults to ``OTEL_TRACES_EXPORTER`` (``otlp`` when the OTLP
    exporter package is installed, ``console``, or ``none``). ``batch=False``
    exports synchronously (tests); on Lambda the provider is flushed at the
    end of every invocation anyway, so a frozen environment loses nothing.
    """

    def __init__(self, service: str, *, exporter: Any = None, batch: bool = True, in_lambda: bool | None = None):
        from opentelemetry import context as otel_context
        from opentelemetry import trace
        from opentelemetry.propagators.aws import AwsXRayLambdaPropagator, AwsXRayPropagator
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

        self.service = service
        self.provider = TracerProvider(resource=Resource.create({"service.name": service}))
        exporter = exporter if exporter is not None else _default_otel_exporter()
        if exporter is not None:
            processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
            self.provider.add_span_processor(processor)
        self._tracer = self.provider.get_tracer("brickguard.runtime")
        self._trace = trace
        self._context = otel_context
        self._propagator = AwsXRayPropagator()
        self._lambda_propagator = AwsXRayLambdaPropagator()
        self.in_lambda = bool(os.environ.get("LAMBDA_TASK_ROOT")) if in_lambda is None else in_lambda

    def _parent(self, trace_header: str | None) -> Any:
        if self.in_lambda:
            if self._trace.get_current_span().get_span_context().is_valid:
                return None  # AwsLambdaInstrumentor's invocation span is current: nest under it
            return self._lambda_propagator.extract({})
        if trace_header:
            return self._propagator.extract({TRACE_HEADER: trace_header})
        return None

    def start_request(self, ctx: RequestContext, trace_header: str | None, lambda_context: Any) -> Any:
        """Start the request span as the current span; returns what :meth:`end_request` needs."""
        from opentelemetry.trace import SpanKind

        attributes: dict[str, AnnotationValue] = {"backend": ctx.backend}
        if lambda_context is not None:
            attributes["faas.invocation_id"] = str(getattr(lambda_context, "aws_request_id", ""))
            arn = getattr(lambda_context, "invoked_function_arn", None)
            if arn:
                attributes["cloud.resource_id"] = ":".join(arn.split(":")[:7])
        span = self._tracer.start_span(
            self.service, context=self._parent(trace_header), kind=SpanKind.SERVER, attributes=attributes
        )
        token = self._context.attach(self._trace.set_span_in_context(span))
        return span, token

    def end_request(self, token: Any, ctx: RequestContext, status: int, exc: BaseException | None) -> None:
        """Name the span after the route, set the attributes and status, end it, flush on Lambda."""
        from opentelemetry.trace import Status, StatusCode

        span, context_token = token
        try:
            span.update_name(ctx.route)
            span.set_attributes(request_annotations(ctx))
            if ctx.method:  # known once the wrapper checked the event
                span.set_attribute("http.request.method", ctx.method)
            span.set_attribute("http.response.status_code", status)
            if exc is not None:
                span.record_exception(exc)
            if exc is not None or status >= 500:
                span.set_status(Status(StatusCode.ERROR))
            span.end()
        finally:
            self._context.detach(context_token)
        if self.in_lambda:
            self.provider.force_flush(2_000)

    @contextmanager
    def dependency(self, dependency: str, annotations: dict[str, AnnotationValue]) -> Iterator[Span]:
        """A CLIENT span named after the dependency, child of the request span."""
        from opentelemetry.trace import SpanKind

        with self._tracer.start_as_current_span(
            dependency, kind=SpanKind.CLIENT, attributes=_dependency_annotations(dependency, annotations)
        ) as span:
            yield _EntitySpan(span.set_attribute)


def _default_otel_exporter() -> Any:
    choice = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").split(",")[0].strip()
    if choice == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if choice == "otlp":
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            import logging

            logging.getLogger(__name__).warning(
                "OTEL_TRACES_EXPORTER=otlp but opentelemetry-exporter-otlp-proto-http is not installed; spans dropped"
            )
            return None
        return OTLPSpanExporter()
    return None


def create_tracer(mode: str, service: str) -> Tracer | None:
    """Build the tracer for ``mode`` (``xray``, ``otel`` or ``off``); ``off`` returns None and imports nothing."""
    if mode == "off":
        return None
    if mode == "xray":
        return XRayTracer(service)
    if mode == "otel":
        return OtelTracer(service)
    raise ValueError(f"tracing mode {mode!r} must be one of {', '.join(TRACING_MODES)}")


_tracer: Tracer | None = None
_in_request: contextvars.ContextVar[bool] = contextvars.ContextVar("brickguard_traced_request", default=False)


def install(tracer: Tracer | None) -> None:
    """Make ``tracer`` the one :func:`dependency_span` uses (None: tracing off)."""
    global _tracer
    _tracer = tracer


def installed() -> Tracer | None:
    """The tracer in use, if any."""
    return _tracer


def mark_request(active: bool) -> contextvars.Token[bool]:
    """Flag whether a request span is open in this context (the facade sets and resets it)."""
    return _in_request.set(active)


def unmark_request(token: contextvars.Token[bool]) -> None:
    """Undo :func:`mark_request` when the request span closes."""
    _in_request.reset(token)


@contextmanager
def dependency_span(dependency: str, **annotations: AnnotationValue) -> Iterator[Span]:
    """Trace one call to ``dependency`` (``postgres``, ``redis`` or ``opensearch``).

    Keyword arguments become annotations (``breakerState="open"``); the yielded
    handle's ``annotate(key, value)`` adds more. Outside a traced request, or
    with tracing off, the handle is a no-op and nothing is recorded.
    """
    tracer = _tracer
    if tracer is None or not _in_request.get():
        yield NOOP_SPAN
        return
    with tracer.dependency(dependency, annotations) as span:
        yield span
