"""The error envelope of DESIGN.md and the exceptions that map onto it.

Route code raises an :class:`ApiError` subclass; the wrapper turns it (or any
unexpected exception, as a 500 that leaks nothing) into::

    {"error": {"code": "NOT_FOUND", "message": "...", "timestamp": "...", "requestId": "..."}}
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


class ApiError(Exception):
    """An error with a status, a stable code and a message safe to show to clients."""

    status = 500
    code = "INTERNAL_SERVER_ERROR"

    def __init__(
        self, message: str, *, details: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}


class ValidationError(ApiError):
    status, code = 400, "VALIDATION_ERROR"


class Unauthorized(ApiError):
    status, code = 401, "UNAUTHORIZED"


class Forbidden(ApiError):
    status, code = 403, "FORBIDDEN"


class NotFound(ApiError):
    status, code = 404, "NOT_FOUND"


class MethodNotAllowed(ApiError):
    status, code = 405, "METHOD_NOT_ALLOWED"


class Conflict(ApiError):
    status, code = 409, "CONFLICT"


class PayloadTooLarge(ApiError):
    status, code = 413, "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(ApiError):
    status, code = 415, "UNSUPPORTED_MEDIA_TYPE"


class HeadersTooLarge(ApiError):
    status, code = 431, "HEADERS_TOO_LARGE"


class NotImplementedByServer(ApiError):
    """A request feature the HTTP server does not implement (an unknown ``Transfer-Encoding``)."""

    status, code = 501, "NOT_IMPLEMENTED"


class ServiceUnavailable(ApiError):
    """A dependency the request needs is down; clients should retry after ``retry_after`` seconds."""

    status, code = 503, "SERVICE_UNAVAILABLE"

    def __init__(self, message: str, *, retry_after: int = 5, details: Any = None) -> None:
        super().__init__(message, details=details, headers={"Retry-After": str(retry_after)})


class GatewayTimeout(ApiError):
    status, code = 504, "GATEWAY_TIMEOUT"


INTERNAL_MESSAGE = "An unexpected error occurred"


def utc_timestamp() -> str:
    """ISO-8601 UTC timestamp with milliseconds, as the legacy backend wrote them."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def envelope(code: str, message: str, request_id: str, details: Any = None) -> dict[str, Any]:
    """The error body every backend returns."""
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    error["timestamp"] = utc_timestamp()
    error["requestId"] = request_id
    return {"error": error}


def error_response(err: ApiError, request_id: str) -> dict[str, Any]:
    """An API Gateway v2 response for ``err``."""
    return http_response(
        err.status,
        envelope(err.code, err.message, request_id, err.details),
        headers=err.headers,
    )


def internal_error_response(request_id: str) -> dict[str, Any]:
    """A 500 that says nothing about the failure beyond its request id."""
    return http_response(500, envelope("INTERNAL_SERVER_ERROR", INTERNAL_MESSAGE, request_id))


def http_response(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An API Gateway HTTP API v2 response with a JSON body."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }
