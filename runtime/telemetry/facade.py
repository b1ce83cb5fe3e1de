"""The one telemetry object the handler wrapper talks to.

:class:`Telemetry` owns, for one process, the metric sinks of the backend
(EMF on both backends — on serverless the log stream CloudWatch Logs reads, on
express the container's stdout that the CloudWatch agent or the awslogs driver
ships — plus Prometheus ``/metrics`` on express), the tracer (X-Ray, OTel or
none) and the request logger. Both backends write the same EMF from the same
catalogue, so every ``backend=express`` series behind the comparison dashboard
and the per-backend alarms exists in CloudWatch too. Building one changes nothing global;
:meth:`Telemetry.install` is the one named step that makes it the process's
telemetry (the recorder's ``service``/``backend`` dimensions and sink, the
tracer :func:`~runtime.telemetry.tracing.dependency_span` uses), and
:meth:`Telemetry.uninstall` undoes it.

Per request the wrapper opens :meth:`Telemetry.invocation`; on exit — normal
or exceptional — it records ``Requests``, ``Errors4xx``, ``Errors5xx`` and
``Latency`` for the route, closes the trace segment with its annotations,
flushes EMF exactly once (both backends), then writes the access line (and the
error line of a 500); both go to stdout, so the line's flush carries the
invocation's EMF out with it.

This package is the floor of the runtime: it knows nothing of cold-start
detection, keep-warm pings or settings. The wrapper decides whether an
invocation is the cold start (``ctx.cold_start``, ``init_ms``) and names its
function; the invocation of a serverless cold start then records
``ColdStartDuration`` (init plus this first request, per function: what the
caller waited). An init no caller waited for (provisioned ahead of traffic, or
woken by a keep-warm ping, which the wrapper answers itself with
:meth:`record_environment` and :meth:`flush`) is one log line, not a metric.
The wrapper's use is ``runtime/wrapper.py``; tests/runtime/telemetry run it.
"""

from __future__ import annotations

import logging
import time
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from runtime.telemetry import catalogue, context, recorder, tracing
from runtime.telemetry.catalogue import DEFAULT_NAMESPACE
from runtime.telemetry.context import RequestContext
from runtime.telemetry.emf import EmfSink
from runtime.telemetry.logs import RequestLogger

if TYPE_CHECKING:
    from runtime.telemetry.prometheus import PrometheusSink

_log = logging.getLogger(__name__)
_record = recorder.record
_record_many = recorder.record_many
_perf = time.perf_counter


class Invocation:
    """One request in flight: the wrapper sets :attr:`status` (default 500) and may call :meth:`fail`."""

    __slots__ = ("_function", "_init_ms", "_lambda_context", "_scope", "_span", "_started", "_telemetry",
                 "_trace_header", "_traced", "_tracer", "ctx", "error", "status")

    def __init__(
        self,
        telemetry: Telemetry,
        ctx: RequestContext,
        lambda_context: Any,
        trace_header: str | None,
        init_ms: float | None,
        started: float | None,
        function: str | None,
    ) -> None:
        self._telemetry = telemetry
        self._function = function
        self.ctx = ctx
        self._lambda_context = lambda_context
        self._trace_header = trace_header
        self._init_ms = init_ms
        self._started = started
        self.status = 500  # a response the wrapper never reported is counted as a server error
        self.error: BaseException | None = None
        self._tracer: tracing.Tracer | None = None
        self._span: Any = None
        self._traced: Any = None
        self._scope: Any = None

    def fail(self, exc: BaseException, status: int = 500) -> None:
        """The wrapper turned ``exc`` into an error response: log it server-side and mark the trace."""
        self.error = exc
        self.status = status

    def __enter__(self) -> Invocation:
        telemetry = self._telemetry
        ctx = self.ctx
        if self._started is None:
            self._started = _perf()
        self._scope = context.activate(ctx)
        tracer = telemetry.tracer
        if tracer is not None:
            try:
                self._span = tracer.start_request(ctx, self._trace_header, self._lambda_context)
                if self._span is not None:
                    self._tracer = tracer
                    self._traced = tracing.mark_request(True)
            except Exception:
                _log.exception("could not open the request trace")
        if self._init_ms is not None and not ctx.cold_start:
            telemetry.record_environment(cold_start=False, init_ms=self._init_ms)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        elapsed_ms = (_perf() - (self._started or 0.0)) * 1000.0
        telemetry = self._telemetry
        ctx = self.ctx
        if exc is not None:
            self.status = 500
            self.error = exc
        status = self.status
        try:
            try:
                _record_many(
                    (
                        (catalogue.REQUESTS, 1.0),
                        (catalogue.ERRORS_4XX, 1.0 if 400 <= status < 500 else 0.0),
                        (catalogue.ERRORS_5XX, 1.0 if status >= 500 else 0.0),
                        (catalogue.LATENCY, elapsed_ms),
                    ),
                    route=ctx.route,
                )
                if ctx.cold_start and self._init_ms is not None and self._function and telemetry.cold_starts:
                    _record(catalogue.COLD_START_DURATION, self._init_ms + elapsed_ms, function=self._function)
            except Exception:
                _log.exception("request metrics failed")
            if self._tracer is not None:
                tracing.unmark_request(self._traced)
                try:
                    self._tracer.end_request(self._span, ctx, status, self.error)
                except Exception:
                    _log.exception("could not close the request trace")
        finally:
            context.deactivate(self._scope)
            telemetry.flush()  # before the access line, whose flush then carries this invocation's EMF out too
        try:
            telemetry.log.access_log(ctx, status, elapsed_ms)
            if self.error is not None and status >= 500:
                telemetry.log.error_log(ctx, self.error)
        except Exception:
            _log.exception("request log failed")


class Telemetry:
    """Metrics sink + tracer + request logger for one process and one backend; see :meth:`install`."""

    def __init__(
        self,
        *,
        backend: str,
        service: str,
        namespace: str = DEFAULT_NAMESPACE,
        tracer: tracing.Tracer | None = None,
        emf_stream: IO[str] | None = None,
        log_stream: IO[str] | None = None,
    ) -> None:
        if backend not in catalogue.BACKENDS:
            raise ValueError(f"backend {backend!r} must be one of {', '.join(catalogue.BACKENDS)}")
        self.backend = backend
        self.cold_starts = backend == catalogue.SERVERLESS
        """Only a Lambda environment's first request waits for its init; express's first one after a process
        start does not (the load balancer routes to a task once its health check passes)."""
        self.service = service
        self.emf = EmfSink(namespace=namespace, stream=emf_stream)
        self.prometheus: PrometheusSink | None = None
        self._sinks: list[recorder.MetricSink] = [self.emf]
        if backend == "express":
            from runtime.telemetry.prometheus import PrometheusSink

            self.prometheus = PrometheusSink()
            self._sinks.append(self.prometheus)
        self.tracer = tracer
        self.log = RequestLogger(service=service, stream=log_stream)

    @classmethod
    def for_backend(
        cls,
        *,
        backend: str,
        service: str,
        namespace: str = DEFAULT_NAMESPACE,
        tracing: str = "xray",
        emf_stream: IO[str] | None = None,
        log_stream: IO[str] | None = None,
    ) -> Telemetry:
        """Build the telemetry of ``backend`` with the tracer named by ``tracing`` (xray, otel, off)."""
        from runtime.telemetry.tracing import create_tracer

        return cls(
            backend=backend,
            service=service,
            namespace=namespace,
            tracer=create_tracer(tracing, service),
            emf_stream=emf_stream,
            log_stream=log_stream,
        )

    def install(self) -> Telemetry:
        """Make this the process's telemetry: what :func:`recorder.record` and ``dependency_span`` reach.

        Sets the recorder's ``service`` and ``backend`` dimensions, adds this
        backend's sinks, and installs the tracer (None: tracing off). Returns
        ``self`` so building and installing read as one line.
        """
        recorder.configure(service=self.service, backend=self.backend)
        for sink in self._sinks:
            recorder.install_sink(sink)
        tracing.install(self.tracer)
        return self

    def uninstall(self) -> None:
        """Undo :meth:`install` (tests, shutdown); the recorder's dimensions return to their defaults."""
        for sink in self._sinks:
            recorder.remove_sink(sink)
        recorder.configure(**recorder.DEFAULT_DIMENSIONS)
        if tracing.installed() is self.tracer:
            tracing.install(None)

    def invocation(
        self,
        ctx: RequestContext,
        *,
        lambda_context: Any = None,
        trace_header: str | None = None,
        init_ms: float | None = None,
        started: float | None = None,
        function: str | None = None,
    ) -> Invocation:
        """Context manager around one request; see the module docstring.

        ``ctx.cold_start`` says whether this is the environment's cold start;
        ``init_ms``, given once per environment, with this request's duration is
        the ``ColdStartDuration`` of ``function`` (on serverless; a provisioned
        environment's init is logged). ``started`` (a ``time.perf_counter()``
        value) defaults to entry time; ``trace_header`` is the incoming
        ``X-Amzn-Trace-Id`` (serverful only). ``ctx`` is made the current
        request context for the block.
        """
        return Invocation(self, ctx, lambda_context, trace_header, init_ms, started, function)

    def record_environment(self, *, cold_start: bool, init_ms: float | None) -> None:
        """Log the init of an environment no caller waited for (provisioned ahead of traffic, or woken by a
        keep-warm ping): free in Logs Insights, and left out of ``ColdStartDuration``, which is what callers wait."""
        if init_ms is not None:
            self.log.logger.info(
                "environment initialised", extra={"initDurationMs": round(init_ms, 3), "coldStart": cold_start}
            )

    def flush(self) -> None:
        """Write the EMF recorded since the last flush (once per invocation; Prometheus keeps its series)."""
        self.emf.flush()

    def prometheus_exposition(self) -> tuple[bytes, str]:
        """``GET /metrics`` body and content type (express backend only)."""
        if self.prometheus is None:
            raise RuntimeError("Prometheus exposition exists on the express backend only")
        return self.prometheus.exposition()
