"""Test functions for the local Lambda: each handler provokes one platform behaviour."""

from __future__ import annotations

import json
import os
import time
from typing import Any

LAMBDA_VARIABLES = (
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_REGION",
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_XRAY_DAEMON_ADDRESS",
)


def _http(body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The event and the environment as the function saw them."""
    return _http(
        {
            "event": event,
            "pid": os.getpid(),
            "remainingMs": context.get_remaining_time_in_millis(),
            "requestId": context.aws_request_id,
            "arn": context.invoked_function_arn,
            "variables": {name: os.environ.get(name) for name in LAMBDA_VARIABLES},
        }
    )


def sleep(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Sleeps ``?seconds=`` (default 1), then answers with its pid."""
    seconds = float((event.get("queryStringParameters") or {}).get("seconds", "1"))
    time.sleep(seconds)
    return _http({"pid": os.getpid()})


def crash(event: dict[str, Any], context: Any) -> dict[str, Any]:
    os._exit(3)


def fail(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise RuntimeError("function error")


def big_response(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _http({"padding": "x" * (6 * 1024 * 1024 + 200)})


def body_size(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """How many characters of body arrived (the request reached the function)."""
    return _http({"size": len(event.get("body") or "")})


def cors_headers_of_its_own(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answers with CORS headers of its own, which an edge with a CORS configuration ignores."""
    response = _http({"ok": True})
    response["headers"].update({"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "PUT"})
    return response
