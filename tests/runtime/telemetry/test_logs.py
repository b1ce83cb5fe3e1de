"""Logs: one access line per request with exactly the agreed fields; nothing sensitive, ever."""

from __future__ import annotations

import io
import json
import logging
import re
import time
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from runtime.telemetry import context
from runtime.telemetry.access_line import AccessLineWriter
from runtime.telemetry.context import RequestContext
from runtime.telemetry.logs import ENCODER
from tests.runtime.conftest import Captured

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


FIELDS = {"requestId": 'req-"quoted"\u00e9\n\u2028', "route": "GET /api/mocs/{id}", "method": "GET", "status": 404,
          "responseTimeMs": 1.234, "backend": "serverless", "coldStart": False, "userId": None,
          "big": 10**20, "ratio": float("inf"), "tags": ["a", 1], "when": time.struct_time((2026,) + (1,) * 8)}


def _both_lines(logger: Any, writer: AccessLineWriter, stream: io.StringIO) -> tuple[dict, dict]:
    """Ours and Powertools' line for the same fields at the same instant, from the same function: same text."""
    assert writer.write("request", FIELDS)
    logger.info("request", extra=FIELDS)
    ours, theirs = stream.getvalue().rstrip("\n").split("\n")  # not splitlines(): U+2028 is inside a value
    stream.seek(0)
    stream.truncate()
    anywhere = re.compile(r'"location":"_both_lines:\d+"')
    assert anywhere.sub("", ours) == anywhere.sub("", theirs)  # byte for byte but the line number
    return json.loads(ours), json.loads(theirs)


@pytest.mark.parametrize("setup", ["default", "x-ray trace id", "appended keys", "sampling rate"])
def test_access_line_is_the_line_powertools_logger_writes(monkeypatch: pytest.MonkeyPatch, setup: str) -> None:
    from aws_lambda_powertools import Logger

    now = 1_795_969_884.0417
    monkeypatch.setattr(time, "time", lambda: now)  # LogRecord.created
    monkeypatch.setattr(logging.root, "handlers", [])  # as in Lambda: no root handler without Powertools' filter
    if setup == "x-ray trace id":
        monkeypatch.setenv("_X_AMZN_TRACE_ID", f"Root=1-5759e988-bd862e3fe1be46a994272793;Parent={'5' * 16};Sampled=1")
    if setup == "sampling rate":
        monkeypatch.setenv("POWERTOOLS_LOGGER_SAMPLE_RATE", "0.5")
    stream = io.StringIO()
    logger = Logger(service=f"svc-{setup.replace(' ', '-')}", stream=stream, json_serializer=ENCODER.encode)
    writer = AccessLineWriter.for_logger(logger, ENCODER, clock=lambda: now)
    assert writer is not None
    if setup == "appended keys":
        logger.append_keys(tenant="lego", region="eu-west-1")
    ours, theirs = _both_lines(logger, writer, stream)
    assert ours.pop("location").split(":")[0] == theirs.pop("location").split(":")[0] == "_both_lines"
    assert list(ours.items()) == list(theirs.items())  # same keys, same order, same values
    assert "userId" not in ours and ours["timestamp"].endswith(",041" + ours["timestamp"][-5:])
    expected_extra = {"x-ray trace id": {"xray_trace_id": "1-5759e988-bd862e3fe1be46a994272793"},
                      "appended keys": {"tenant": "lego", "region": "eu-west-1"},
                      "sampling rate": {"sampling_rate": "0.5"}}.get(setup, {})
    assert {key: ours[key] for key in expected_extra} == expected_extra


def test_access_line_falls_back_to_powertools_when_its_layout_cannot_be_reproduced(make_telemetry, monkeypatch) -> None:
    monkeypatch.setattr(logging.root, "handlers", [])
    cap = make_telemetry()
    cap.telemetry.log.logger.thread_safe_append_keys(tenant="lego")  # context keys: Powertools' path writes them
    try:
        ctx = RequestContext(request_id="req-ctx", backend="serverless", method="GET")
        with cap.telemetry.invocation(ctx) as inv:
            inv.status = 200
    finally:
        cap.telemetry.log.logger.thread_safe_clear_keys()
    (line,) = cap.log_lines()
    assert line["tenant"] == "lego" and line["requestId"] == "req-ctx"
    assert AccessLineWriter.for_logger(Logger(service="iso", stream=io.StringIO(), utc=True), ENCODER) is None
    assert AccessLineWriter.for_logger(Logger(service="dumps", stream=io.StringIO()), ENCODER) is None


def test_a_handler_that_would_see_the_record_gets_it(make_telemetry, monkeypatch, caplog) -> None:
    """pytest's capture handler sits on the root logger without Powertools' filter: the record must reach it."""
    monkeypatch.setattr(logging.root, "handlers", [])
    cap = make_telemetry()
    writer = cap.telemetry.log._writer
    assert writer is not None and writer.write("request", {"requestId": "alone"})  # nobody else listening
    caplog.set_level(logging.INFO)  # pytest's LogCaptureHandler joins the root logger
    logging.root.addHandler(caplog.handler)
    assert not writer.write("request", {"requestId": "watched"})
    ctx = RequestContext(request_id="req-watched", backend="serverless", method="GET")
    with cap.telemetry.invocation(ctx) as inv:
        inv.status = 204
    assert [r.requestId for r in caplog.records if r.getMessage() == "request"] == ["req-watched"]
    assert [line["requestId"] for line in cap.log_lines()] == ["alone", "req-watched"]
    assert AccessLineWriter.for_logger(Logger(service="dumps", stream=io.StringIO()), ENCODER) is None
