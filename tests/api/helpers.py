"""Assertions shared by the API tests."""

from __future__ import annotations

from typing import Any

from tests.api.clients import Reply


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
