"""The serverful backend serves many callers at once from one process: no request sees another's.

Powertools keeps the request being resolved on the resolver *class* (``current_event``) and the
matched route in a context dict shared by the instance: right for Lambda (one invocation per
environment at a time), wrong for the serverful backend, whose thread pool calls the same
guarded handlers at once. These tests send concurrent requests as different users — through the
real handler module from many threads, as waitress does, and through ``brickguard up`` over HTTP —
and check that every answer is the caller's own.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.clients import FakeLambdaContext, v2_event

USERS = 8
REQUESTS_PER_USER = 40


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads every 10 µs instead of 5 ms, so interleavings that load produces show up here."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _own_profile_in_process(handler, user: str) -> list[tuple[int, str | None]]:
    claims = {"sub": user, "email": f"{user}@example.com", "name": user}
    answers = []
    for _ in range(REQUESTS_PER_USER):
        response = handler(v2_event("GET", f"/api/users/{user}", claims=claims), FakeLambdaContext())
        body = json.loads(response.get("body") or "{}")
        answers.append((response["statusCode"], (body.get("data") or {}).get("id")))
    return answers


def _own_profile_over_http(base_url: str, user: str, token: str) -> list[tuple[int, str | None]]:
    with requests.Session() as session:
        answers = []
        for _ in range(REQUESTS_PER_USER):
            headers = {"Authorization": f"Bearer {token}"}
            reply = session.get(f"{base_url}/api/users/{user}", headers=headers, timeout=30)
            answers.append((reply.status_code, (reply.json().get("data") or {}).get("id")))
        return answers


def _assert_each_caller_got_its_own(answers: dict[str, list[tuple[int, str | None]]]) -> None:
    wrong = {user: [answer for answer in replies if answer != (200, user)] for user, replies in answers.items()}
    assert not any(wrong.values()), wrong
    assert sum(len(replies) for replies in answers.values()) == USERS * REQUESTS_PER_USER


def test_one_handler_called_from_many_threads_answers_each_caller(lambda_client, frequent_thread_switches):
    handler = lambda_client.handler("profile")
    users = [f"threaded-{index}" for index in range(USERS)]
    with ThreadPoolExecutor(max_workers=USERS) as pool:
        futures = {user: pool.submit(_own_profile_in_process, handler, user) for user in users}
        _assert_each_caller_got_its_own({user: future.result() for user, future in futures.items()})


def test_concurrent_callers_over_http_each_get_their_own_answer(express_client):
    users = [f"concurrent-{index}" for index in range(USERS)]
    tokens = {user: express_client.token(user) for user in users}
    with ThreadPoolExecutor(max_workers=USERS) as pool:
        futures = {
            user: pool.submit(_own_profile_over_http, express_client.base_url, user, tokens[user]) for user in users
        }
        _assert_each_caller_got_its_own({user: future.result() for user, future in futures.items()})
