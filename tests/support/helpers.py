"""Assertions shared by the API tests."""

from __future__ import annotations

from typing import Any

from tests.support.clients import Reply


def moc_body(title: str, **extra: Any) -> dict[str, Any]:
    return {"type": "moc", "title": title, "author": "tester", **extra}


def assert_envelope(reply: Reply, status: int, code: str) -> dict[str, Any]:
    """The reply is DESIGN.md's error envelope with ``status``/``code`` and leaks no internals."""
    assert reply.status == status, reply.text
    error = reply.json["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert error["requestId"] and error["timestamp"].endswith("Z")
    assert "Traceback" not in reply.text and 'File "' not in reply.text
    return error


# Where API Gateway itself answers, a serverless client sees AWS's body, not the envelope
# (docs/local-aws.md, "Where the serverless backend differs from express").
GATEWAY_ANSWERS: dict[str, tuple[int, str]] = {
    "PAYLOAD_TOO_LARGE": (413, "Request Entity Too Large"),
    "NOT_FOUND": (404, "Not Found"),  # an unmatched route
    "METHOD_NOT_ALLOWED": (404, "Not Found"),  # HTTP APIs have no 405
    "UNAUTHORIZED": (401, "Unauthorized"),
}


def assert_refused(client: Any, reply: Reply, status: int, code: str) -> dict[str, Any] | None:
    """A refusal the edge owns: the envelope from express and the handler, API Gateway's answer from serverless."""
    if client.name != "serverless":
        return assert_envelope(reply, status, code)
    expected_status, message = GATEWAY_ANSWERS[code]
    assert (reply.status, reply.json) == (expected_status, {"message": message}), reply.text
    assert reply.headers["apigw-requestid"]
    return None
