"""The guard runtime's one handler wrapper, shared by both backends.

Every Lambda entry point and every request of the serverful backend goes
through :func:`guarded_handler`. It opens the request context (request id,
deadline, cold start), resolves the route, and turns any escaping exception
into DESIGN.md's error envelope; a 500 says nothing but its request id.

Example::

    app = APIGatewayHttpResolver(enable_validation=True)
    app.include_router(mocs_router)
    mocs = guarded_handler(app, function="mocs", warmup=deps.warmup)
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from runtime import coldstart, compression, http_event, keepwarm, process, resolver_hooks
from runtime.errors import error_response, internal_error_response
from runtime.telemetry.context import RequestContext

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

_log = logging.getLogger(__name__)


def invocation_deadline(lambda_context: Any, budget_ms: int) -> float:
    """The invocation's end by Lambda's clock; the configured budget when the context cannot say."""
    remaining_ms: Any = budget_ms
    try:
        remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
        if callable(remaining):
            remaining_ms = remaining()
    except Exception:
        remaining_ms = budget_ms
    if type(remaining_ms) not in (int, float) or not math.isfinite(remaining_ms):
        remaining_ms = budget_ms
    return time.monotonic() + remaining_ms / 1000.0


def _trace_header(event: Any) -> str | None:
    headers = event.get("headers") if type(event) is dict else None
    header = headers.get("x-amzn-trace-id") if type(headers) is dict else None
    return header if type(header) is str else None


def _no_warmup() -> None:
    """Handlers without dependencies have nothing to warm."""


def _run_hook(hook: Callable[[], object]) -> None:
    try:
        hook()
    except Exception:  # telemetry never fails a request
        _log.exception("on_lambda_invocation hook failed")


def guarded_handler(
    resolver: APIGatewayHttpResolver,
    *,
    function: str,
    warmup: Callable[[], None] | None = None,
    on_lambda_invocation: Callable[[], object] | None = None,
) -> LambdaHandler:
    """Wrap ``resolver`` as a Lambda handler named ``function`` with the guard runtime.

    Whatever the event and context are, the handler returns a response: a
    malformed event gets a 4xx envelope (:mod:`runtime.http_event`), a
    failure anywhere else a 500 envelope that says nothing but its request id.
    ``on_lambda_invocation`` runs first in every invocation, keep-warm pings
    included: Lambda's composition hands in its breaker gauge (a frozen
    environment runs nothing between invocations); the serverful backend,
    whose threads run, hands in none. Its failure is logged, never the
    invocation's.
    """
    resolver_hooks.install(resolver)

    def handler(event: Any, lambda_context: Any) -> dict[str, Any]:
        started = time.perf_counter()
        guard = process.get()
        cold = coldstart.take_cold_start()  # whatever this invocation turns out to be, it was the cold start
        if on_lambda_invocation is not None:
            _run_hook(on_lambda_invocation)
        if keepwarm.is_keepwarm_ping(event):  # before any business code; never true for an HTTP API event
            return keepwarm.answer_ping(
                event, lambda_context, guard.telemetry,
                cold_start=cold.cold, init_ms=cold.init_ms, warmup=warmup or _no_warmup,
            )
        ctx = RequestContext(
            request_id=http_event.request_id(event) or str(uuid.uuid4()),
            backend=guard.settings.backend,
            cold_start=cold.cold,
            deadline=invocation_deadline(lambda_context, guard.settings.request_budget_ms),
        )
        invocation = guard.telemetry.invocation(
            ctx, lambda_context=lambda_context, trace_header=_trace_header(event), init_ms=cold.init_ms,
            started=started, function=function,
        )
        with invocation as inv:
            try:
                problem = http_event.event_problem(event, max_body_bytes=MAX_BODY_BYTES)
                if problem is None:
                    ctx.method = event["requestContext"]["http"]["method"]
                    response = resolver.resolve(event, lambda_context)
                else:
                    response = error_response(problem, ctx.request_id)
            except Exception as exc:  # the last line of defence: nothing internal reaches the client
                inv.fail(exc)
                response = internal_error_response(ctx.request_id)
            inv.status = int(response.get("statusCode", 500))
        headers = response.setdefault("headers", {})
        headers["X-Request-Id"] = ctx.request_id
        headers.update(ctx.response_headers)
        return compression.gzip_response(event, response) if isinstance(event, dict) else response

    handler.__name__ = function
    handler.__qualname__ = function
    return handler
