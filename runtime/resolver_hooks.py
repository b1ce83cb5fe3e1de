"""What the guard runtime installs on every Powertools resolver it wraps.

- a middleware that records the matched route *template* (``GET /api/mocs/{id}``)
  on the request context, so metrics never carry a raw path;
- exception handlers that turn API errors, validation errors, unknown routes and
  wrong methods into DESIGN.md's error envelope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from runtime.errors import ApiError, MethodNotAllowed, NotFound, UnsupportedMediaType, ValidationError, envelope
from runtime.telemetry import context

UNMATCHED_ROUTE = "UNMATCHED"


def _request_id() -> str:
    ctx = context.current()
    return ctx.request_id if ctx is not None else "unknown"


def envelope_response(err: ApiError) -> Response[Any]:
    """A Powertools response carrying ``err`` in the error envelope."""
    return Response(
        status_code=err.status,
        content_type="application/json",
        body=envelope(err.code, err.message, _request_id(), err.details),
        headers=err.headers or None,
    )


def _record_route_template(app: APIGatewayHttpResolver, next_middleware: Callable[..., Any]) -> Any:
    route = app.context.get("_route")
    ctx = context.current()
    if route is not None and ctx is not None:
        ctx.route = f"{route.method} {route.openapi_path}"
        ctx.method = route.method
    return next_middleware(app)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Where and why, without echoing the rejected input back (it may be large or sensitive)."""
    details = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part not in ("body",)] or ["body"]
        details.append({"field": ".".join(location), "message": error.get("msg", error.get("type", "invalid"))})
    return details


def _allowed_methods(app: APIGatewayHttpResolver, path: str) -> list[str]:
    routes = app._static_routes + app._dynamic_routes  # Powertools keeps no public route table
    return sorted({route.method for route in routes if route.rule.match(path)})


def install(app: APIGatewayHttpResolver) -> None:
    """Install the route-template middleware and the envelope exception handlers on ``app``."""
    app.use(middlewares=[_record_route_template])

    @app.exception_handler(ApiError)
    def _api_error(exc: ApiError) -> Response[Any]:
        return envelope_response(exc)

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response[Any]:
        return envelope_response(ValidationError("Request validation failed", details=_validation_details(exc)))

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported_media_type(_: RequestUnsupportedContentType) -> Response[Any]:
        return envelope_response(UnsupportedMediaType("Request bodies must be application/json"))

    @app.exception_handler(UnicodeDecodeError)
    def _not_utf8(_: UnicodeDecodeError) -> Response[Any]:  # raised decoding the (base64) request body
        return envelope_response(ValidationError("Request body is not valid UTF-8"))

    @app.not_found
    def _not_found(_: NotFoundError) -> Response[Any]:
        ctx = context.current()
        if ctx is not None:
            ctx.route = UNMATCHED_ROUTE
        path = app.current_event.path
        allowed = _allowed_methods(app, path)
        if allowed:
            err: ApiError = MethodNotAllowed(
                f"{app.current_event.http_method} is not allowed here",
                headers={"Allow": ", ".join(allowed)},
            )
        else:
            err = NotFound("Route not found")
        return envelope_response(err)
