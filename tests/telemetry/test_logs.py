"""Logs: one access line per request with exactly the agreed fields; nothing sensitive, ever."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.telemetry import context
from runtime.telemetry.context import RequestContext
from tests.telemetry.conftest import Captured

ACCESS_FIELDS = {"requestId", "route", "method", "status", "responseTimeMs", "backend", "coldStart", "userId"}
POWERTOOLS_FIELDS = {"level", "location", "message", "timestamp", "service"}

EMAIL = "builder.jane@example.com"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.c2lnbmF0dXJl"
COOKIE = "token=s3cr3t-cookie-value"
BODY = '{"title": "Secret Millennium Falcon MOC", "email": "builder.jane@example.com"}'
SEARCH = "ultimate-collector-falcon"
SECRETS = (EMAIL, TOKEN, COOKIE, "s3cr3t-cookie-value", "Secret Millennium Falcon", SEARCH)


def _serve(cap: Captured, *, fail: bool) -> RequestContext:
    """What the wrapper does with a request carrying every kind of sensitive data."""
    event: dict[str, Any] = {
        "rawPath": f"/api/mocs?search={SEARCH}",
        "headers": {"authorization": f"Bearer {TOKEN}", "cookie": COOKIE, "x-user-email": EMAIL},
        "body": BODY,
    }
    ctx = RequestContext(request_id="req-7f3a", backend="serverless", method="GET", user_id="user-42")
    with cap.telemetry.invocation(ctx) as inv:
        ctx.route = "GET /api/mocs"
        context.annotate("searchBackend", "postgres")
        context.annotate("searchTerm", event["rawPath"])  # a careless guard: still must not reach the log
        context.set_response_header("X-Debug", event["headers"]["cookie"])
        if fail:
            try:
                raise ValueError(f"bad input {event['body']} from {EMAIL}")
            except ValueError as exc:
                inv.fail(exc)
        else:
            inv.status = 200
    return ctx


def test_access_line_has_exactly_the_agreed_fields(make_telemetry) -> None:
    cap = make_telemetry()
    _serve(cap, fail=False)
    (line,) = cap.log_lines()
    assert set(line) - POWERTOOLS_FIELDS == ACCESS_FIELDS
    assert line["requestId"] == "req-7f3a" and line["route"] == "GET /api/mocs" and line["method"] == "GET"
    assert line["status"] == 200 and line["backend"] == "serverless" and line["coldStart"] is False
    assert line["userId"] == "user-42" and isinstance(line["responseTimeMs"], float)


@pytest.mark.parametrize("fail", [False, True])
def test_logs_never_contain_sensitive_request_data(make_telemetry, fail: bool) -> None:
    cap = make_telemetry()
    _serve(cap, fail=fail)
    captured = cap.logs.getvalue()
    assert captured.count('"requestId":"req-7f3a"') == (2 if fail else 1)
    for secret in SECRETS:
        assert secret not in captured, secret


def test_a_500_error_line_carries_the_request_id_and_exception_type(make_telemetry) -> None:
    cap = make_telemetry()
    ctx = RequestContext(request_id="req-500", backend="serverless", method="POST")
    with pytest.raises(KeyError), cap.telemetry.invocation(ctx):
        ctx.route = "POST /api/mocs"
        empty: dict[str, int] = {}
        try:
            empty["missing"]
        except KeyError as exc:
            raise KeyError("wrapped") from exc
    access, error = cap.log_lines()
    assert access["status"] == 500 and access["requestId"] == "req-500"
    assert error["level"] == "ERROR" and error["requestId"] == "req-500"
    assert error["errorType"] == "KeyError" and error["causes"] == ["KeyError"]
    assert any("test_logs.py" in frame for frame in error["stackTrace"])
    assert "wrapped" not in cap.logs.getvalue()  # messages stay out
