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

import time
import uuid
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from runtime import coldstart, keepwarm, process, resolver_hooks
from runtime.errors import PayloadTooLarge, error_response, internal_error_response
from runtime.telemetry.context import RequestContext

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def _request_id(event: dict[str, Any]) -> str:
    request_context = event.get("requestContext") or {}
    request_id = request_context.get("requestId") if isinstance(request_context, dict) else None
    return request_id if isinstance(request_id, str) and request_id else str(uuid.uuid4())


def _deadline(lambda_context: Any, budget_ms: int) -> float:
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    remaining_ms = remaining() if callable(remaining) else budget_ms
    return time.monotonic() + remaining_ms / 1000.0


def _body_too_large(event: dict[str, Any]) -> bool:
    body = event.get("body")
    if not isinstance(body, str):
        return False
    # base64 inflates by 4/3; compare the decoded size without decoding
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode())
    return size > MAX_BODY_BYTES


def _no_warmup() -> None:
    """Handlers without dependencies have nothing to warm."""


def guarded_handler(
    resolver: APIGatewayHttpResolver,
    *,
    function: str,
    warmup: Callable[[], None] | None = None,
) -> LambdaHandler:
    """Wrap ``resolver`` as a Lambda handler named ``function`` with the guard runtime."""
    resolver_hooks.install(resolver)

    def handler(event: dict[str, Any], lambda_context: Any) -> dict[str, Any]:
        started = time.perf_counter()
        guard = process.get()
        cold = coldstart.take_cold_start()  # whatever this invocation turns out to be, it was the cold start
        if keepwarm.is_keepwarm_ping(event):  # before any business code; never true for an HTTP API event
            return keepwarm.answer_ping(
                event, lambda_context, guard.telemetry,
                cold_start=cold.cold, init_ms=cold.init_ms, warmup=warmup or _no_warmup,
            )
        ctx = RequestContext(
            request_id=_request_id(event),
            backend=guard.settings.backend,
            cold_start=cold.cold,
            method=(event.get("requestContext") or {}).get("http", {}).get("method", ""),
            deadline=_deadline(lambda_context, guard.settings.request_budget_ms),
        )
        trace_header = (event.get("headers") or {}).get("x-amzn-trace-id")
        invocation = guard.telemetry.invocation(
            ctx, lambda_context=lambda_context, trace_header=trace_header, init_ms=cold.init_ms, started=started
        )
        with invocation as inv:
            try:
                if _body_too_large(event):
                    response = error_response(PayloadTooLarge("Request body exceeds 10 MB"), ctx.request_id)
                else:
                    response = resolver.resolve(event, lambda_context)
            except Exception as exc:  # the last line of defence: nothing internal reaches the client
                inv.fail(exc)
                response = internal_error_response(ctx.request_id)
            inv.status = int(response.get("statusCode", 500))
        headers = response.setdefault("headers", {})
        headers["X-Request-Id"] = ctx.request_id
        headers.update(ctx.response_headers)
        return response

    handler.__name__ = function
    handler.__qualname__ = function
    return handler
