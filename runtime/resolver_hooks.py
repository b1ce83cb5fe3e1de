"""What the guard runtime installs on every Powertools resolver it wraps.

- the matched route *template* (``GET /api/mocs/{id}``) recorded on the request
  context as soon as the resolver matched it, so metrics never carry a raw path.
  Powertools announces the match through ``append_context(_route=…)``; the hook
  wraps that method on the resolver instance rather than adding a middleware,
  because every middleware adds a frame to the stack Powertools runs per
  request (≈ 8 µs of a warm invocation, measured in
  ``benchmarks/bench_runtime_overhead.py``) and this costs one call;
- exception handlers that turn API errors, validation errors, unknown routes and
  wrong methods into DESIGN.md's error envelope;
- stricter request validation: JSON bodies only, no undeclared query parameters
  (see :class:`StrictRequestValidation`).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.depends import DependencyResolutionError
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from runtime.errors import ApiError, MethodNotAllowed, NotFound, UnsupportedMediaType, ValidationError, envelope
from runtime.telemetry import context

UNMATCHED_ROUTE = "UNMATCHED"
# Per-route facts computed on a route's first request and kept on the Powertools ``Route`` object
# itself: it lives exactly as long as they stay true (the 404 route, built per request, takes its
# own along when it goes), and an attribute read is cheaper than any cache keyed by route.
_TEMPLATE = "_brickguard_template"
_DECLARED_QUERY = "_brickguard_declared_query"


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


def _record_route_templates(app: APIGatewayHttpResolver) -> None:
    """Set ``ctx.route`` when the resolver appends the matched route to its context."""
    append_context = app.append_context

    def append_and_record(**additional_context: Any) -> None:
        append_context(**additional_context)
        route = additional_context.get("_route")
        ctx = context.current()
        if route is not None and ctx is not None:
            template = getattr(route, _TEMPLATE, None)
            if template is None:  # once per route: the f-string is a measurable share of the hook
                template = f"{route.method} {route.openapi_path}"
                setattr(route, _TEMPLATE, template)
            ctx.route = template

    app.append_context = append_and_record  # type: ignore[method-assign]


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Where and why, without echoing the rejected input back (it may be large or sensitive)."""
    details = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part not in ("body",)] or ["body"]
        details.append({"field": ".".join(location), "message": error.get("msg", error.get("type", "invalid"))})
    return details


def _fixed_path_methods(app: APIGatewayHttpResolver, path: str) -> list[str]:
    """The methods of routes whose path is exactly ``path`` (no path parameters)."""
    return sorted({route.method for route in app._static_routes if route.rule.match(path)})  # no public table


def _allowed_methods(app: APIGatewayHttpResolver, path: str) -> list[str]:
    """The methods served at ``path``; a fixed path (``/api/wishlist/reorder``) shadows a template's."""
    fixed = _fixed_path_methods(app, path)
    return fixed or sorted({route.method for route in app._dynamic_routes if route.rule.match(path)})


def _method_not_allowed(app: APIGatewayHttpResolver, allowed: list[str]) -> ApiError:
    return MethodNotAllowed(
        f"{app.current_event.http_method} is not allowed here", headers={"Allow": ", ".join(allowed)}
    )


def _unknown_query_parameter(name: str) -> dict[str, Any]:
    return {"loc": ("query", name), "msg": "Unknown query parameter", "type": "extra_forbidden"}


class StrictRequestValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, as strict as the bodies' ``extra="forbid"``.

    - Bodies are ``application/json`` (or untyped) only. Powertools also parses form and
      multipart bodies, and a multipart ``Content-Type`` without a boundary makes it raise a
      ``ValueError`` (a 500); any other declared type is a 415 here.
    - A query parameter the route does not declare is a 400, not silently ignored.
    """

    def handler(self, app: Any, next_middleware: Any) -> Any:
        route = app.context.get("_route")
        declared = getattr(route, _DECLARED_QUERY, None)
        if declared is None and any(route is served for served in app._static_routes + app._dynamic_routes):
            declared = frozenset(param.alias for param in route.dependant.query_params)
            setattr(route, _DECLARED_QUERY, declared)  # a served route's parameters never change
        if declared is not None:  # not the 404/405 route Powertools builds per request
            query = app.current_event.query_string_parameters
            unknown = sorted(name for name in query if name not in declared) if query else None
            if unknown:
                raise RequestValidationError([_unknown_query_parameter(name) for name in unknown])
        return super().handler(app, next_middleware)

    def _get_body(self, app: Any) -> dict[str, Any]:
        content_type = app.current_event.headers.get("content-type") or ""
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type and media_type != "application/json":
            raise RequestUnsupportedContentType("Unsupported content type", errors=[])
        return super()._get_body(app)


def install(app: APIGatewayHttpResolver) -> None:
    """Install the route-template hook, strict validation and the envelope exception handlers on ``app``."""
    _record_route_templates(app)
    if getattr(app, "_request_validation_middleware", None) is not None:  # built lazily on the first request
        app._request_validation_middleware = StrictRequestValidation()

    @app.exception_handler(ApiError)
    def _api_error(exc: ApiError) -> Response[Any]:
        return envelope_response(exc)

    @app.exception_handler(DependencyResolutionError)
    def _dependency_refused(exc: DependencyResolutionError) -> Response[Any]:
        """Powertools wraps what a ``Depends`` callable raises: a refusal (the caller's 401) is still that."""
        if isinstance(exc.__cause__, ApiError):
            return envelope_response(exc.__cause__)
        raise exc

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response[Any]:
        static_methods = _fixed_path_methods(app, app.current_event.path)
        if static_methods and any((error.get("loc") or ("",))[0] == "path" for error in exc.errors()):
            # "/api/wishlist/reorder" matched "/api/wishlist/{id}" only because this method is not served there
            return envelope_response(_method_not_allowed(app, static_methods))
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
            err: ApiError = _method_not_allowed(app, allowed)
        else:
            err = NotFound("Route not found")
        return envelope_response(err)
