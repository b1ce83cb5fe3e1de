"""Hostile Lambda events against the real handlers (composed as ``api.handlers`` does), in-process, from a data file.

Each case of ``hostile_events.yaml`` must come back as a response (no exception
escapes the handler), with the expected 4xx status in the error envelope, and
with nothing in the body that looks like a stack trace.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.clients import FakeLambdaContext, LambdaClient, v2_event

CORPUS = Path(__file__).with_name("hostile_events.yaml")
CASES: list[dict[str, Any]] = yaml.safe_load(CORPUS.read_text())
CODES = {400: "VALIDATION_ERROR", 401: "UNAUTHORIZED", 413: "PAYLOAD_TOO_LARGE"}
STACK_TRACE = re.compile(r"Traceback|File \"|\.py\b|line \d+|Error:|Exception")
USER_CLAIMS = {"sub": "hostile-corpus-user", "email": "corpus@example.com", "name": "Corpus"}


class HostileContext(FakeLambdaContext):
    """A Lambda context whose remaining time is whatever the case says, or raises."""

    def __init__(self, remaining: Any = None, raises: bool = False) -> None:
        self._remaining = remaining
        self._raises = raises

    def get_remaining_time_in_millis(self) -> Any:  # type: ignore[override]
        if self._raises:
            raise RuntimeError("the runtime lost its clock")
        return self._remaining


def base_event(user: bool) -> dict[str, Any]:
    return v2_event("GET", "/api/mocs", claims=dict(USER_CLAIMS) if user else None)


def _set(event: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = event
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value


def _delete(event: dict[str, Any], dotted: str) -> None:
    *parents, leaf = dotted.split(".")
    node = event
    for key in parents:
        node = node[key]
    del node[leaf]


def build(case: dict[str, Any]) -> tuple[Any, Any]:
    """The (event, context) of a corpus case."""
    if "event" in case:
        event = copy.deepcopy(case["event"])
    else:
        event = base_event(case.get("user", False))
        for dotted, value in (case.get("set") or {}).items():
            _set(event, dotted, value)
        for dotted in case.get("delete") or ():
            _delete(event, dotted)
    context: Any = FakeLambdaContext()
    if "context" in case:
        spec = case["context"]
        context = None if spec is None else HostileContext(spec.get("remaining"), spec.get("remaining_raises", False))
    return event, context


def test_the_corpus_is_well_formed() -> None:
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names)) and len(names) >= 50
    for case in CASES:
        assert set(case) <= {"name", "event", "set", "delete", "user", "context", "function", "status"}, case
        assert case["status"] in CODES, case


def test_the_base_event_is_served(lambda_client: LambdaClient) -> None:
    """Without this, every edit of the base could be a 400 for the wrong reason."""
    mocs = lambda_client.handler("mocs")
    assert mocs(base_event(user=True), FakeLambdaContext())["statusCode"] == 200
    assert mocs(base_event(user=False), FakeLambdaContext())["statusCode"] == 401


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_hostile_event_gets_a_4xx_envelope(lambda_client: LambdaClient, case: dict[str, Any]) -> None:
    event, context = build(case)
    response = lambda_client.handler(case.get("function", "mocs"))(event, context)  # an exception here fails the test
    assert response["statusCode"] == case["status"], response
    body = json.loads(response["body"])
    error = body["error"]
    assert set(body) == {"error"} and error["code"] == CODES[case["status"]]
    assert {"code", "message", "timestamp", "requestId"} <= set(error) <= {*error, "details"}
    assert response["headers"]["X-Request-Id"] == error["requestId"]
    assert error["requestId"].isprintable() and len(error["requestId"]) <= 128
    assert not STACK_TRACE.search(response["body"]), response["body"]
