"""The gateway answers by the limits table: a case per row, at and past each limit; the doc is the table."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from devstack.apigateway import limits
from devstack.apigateway.throttling import Throttling, TokenBucket
from devstack.lambda_.pool import LocalCapacity
from tests.devstack.conftest import BEHAVIOURS, RawReply, RunningAws, SpecFunction, send_raw

ROOT = Path(__file__).resolve().parents[3]
INTEGRATION_TIMEOUT_S = 2.0
FUNCTIONS = [
    SpecFunction("size", f"{BEHAVIOURS}.body_size", ("POST /size",), memory_mb=256),
    SpecFunction("fail", f"{BEHAVIOURS}.fail", ("GET /fail",)),
    SpecFunction("big", f"{BEHAVIOURS}.big_response", ("GET /big",)),
    SpecFunction("waiter", f"{BEHAVIOURS}.sleep", ("GET /wait",), timeout_seconds=5),
    SpecFunction("single", f"{BEHAVIOURS}.sleep", ("GET /single", "GET /scoped"), reserved_concurrency=1),
]


@pytest.fixture(scope="module")
def aws(start_aws) -> RunningAws:
    return start_aws(
        FUNCTIONS,
        capacity=LocalCapacity(per_function=2, total=8),
        integration_timeout=INTEGRATION_TIMEOUT_S,
        route_scopes={"GET /scoped": ["lego/read"]},
    )


@pytest.fixture(scope="module")
def tight_stage(start_aws) -> RunningAws:
    """A stage with a two-request burst and no refill to speak of."""
    return start_aws([], throttle=Throttling(TokenBucket(burst=2, rate=0.001)))


def _auth(aws: RunningAws, **claims) -> dict[str, str]:
    return {"Authorization": f"Bearer {aws.token(**claims)}"}


def _post_body(aws: RunningAws, size: int) -> requests.Response:
    headers = {**_auth(aws), "Content-Type": "text/plain"}
    return aws.session.post(aws.url("/size"), data=b"x" * size, headers=headers, timeout=60)


def malformed_request(aws: RunningAws, stage: RunningAws) -> RawReply:
    request = b"GET /fail HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1x\r\n\r\nx"
    return send_raw(aws.aws.gateway_url, request)


def headers_too_large(aws: RunningAws, stage: RunningAws) -> requests.Response:
    line = len("GET /fail HTTP/1.1") + 1
    within = {**_auth(aws), "X-Pad": "p" * (limits.REQUEST_LINE_AND_HEADERS_BYTES - line - 3000)}
    assert aws.get("/fail", headers=within).status_code == 500  # reached the function (which fails)
    return aws.get("/fail", headers={**_auth(aws), "X-Pad": "p" * limits.REQUEST_LINE_AND_HEADERS_BYTES})


def no_route(aws: RunningAws, stage: RunningAws) -> requests.Response:
    assert aws.session.delete(aws.url("/fail"), headers=_auth(aws), timeout=10).status_code == 404  # no 405
    return aws.get("/nowhere", headers=_auth(aws))


def unauthorized(aws: RunningAws, stage: RunningAws) -> requests.Response:
    reply = aws.get("/fail")
    assert reply.headers["www-authenticate"].startswith('Bearer scope="" error="invalid_token"')
    return reply


def forbidden_scope(aws: RunningAws, stage: RunningAws) -> requests.Response:
    allowed = aws.get("/scoped?seconds=0", headers=_auth(aws, scope="lego/read profile"))
    assert allowed.status_code == 200
    return aws.get("/scoped?seconds=0", headers=_auth(aws, scope="profile"))


def payload_too_large(aws: RunningAws, stage: RunningAws) -> requests.Response:
    return _post_body(aws, limits.HTTP_API_PAYLOAD_BYTES + 1)


def lambda_request_too_large(aws: RunningAws, stage: RunningAws) -> requests.Response:
    at_limit = limits.LAMBDA_SYNC_PAYLOAD_BYTES - 16 * 1024  # the event's other fields fit in 16 KiB
    reached = _post_body(aws, at_limit)
    assert reached.status_code == 200 and reached.json() == {"size": at_limit}
    return _post_body(aws, limits.LAMBDA_SYNC_PAYLOAD_BYTES + 1)


def lambda_response_too_large(aws: RunningAws, stage: RunningAws) -> requests.Response:
    return aws.get("/big", headers=_auth(aws))


def function_error(aws: RunningAws, stage: RunningAws) -> requests.Response:
    return aws.get("/fail", headers=_auth(aws))


def integration_timeout(aws: RunningAws, stage: RunningAws) -> requests.Response:
    within = aws.get("/wait?seconds=0", headers=_auth(aws))
    assert within.status_code == 200
    finished_before = len(aws.logs.reports("waiter"))
    reply = aws.get(f"/wait?seconds={INTEGRATION_TIMEOUT_S * 2}", headers=_auth(aws))
    assert len(aws.logs.reports("waiter")) == finished_before  # answered while the function still ran
    aws.logs.wait_for(lambda: len(aws.logs.reports("waiter")) > finished_before)  # which then finished
    return reply


def lambda_throttled(aws: RunningAws, stage: RunningAws) -> requests.Response:
    with ThreadPoolExecutor(2) as pool:
        replies = list(pool.map(lambda _: aws.get("/single?seconds=1", headers=_auth(aws)), range(2)))
    assert sorted(reply.status_code for reply in replies) == [200, 500]
    return next(reply for reply in replies if reply.status_code != 200)


def stage_throttled(aws: RunningAws, stage: RunningAws) -> requests.Response:
    assert [stage.get("/anything").status_code for _ in range(2)] == [404, 404]  # the burst
    return stage.get("/anything")


CASES: dict[str, Callable[[RunningAws, RunningAws], requests.Response | RawReply]] = {
    limits.MALFORMED_REQUEST.name: malformed_request,
    limits.HEADERS_TOO_LARGE.name: headers_too_large,
    limits.NO_ROUTE.name: no_route,
    limits.UNAUTHORIZED.name: unauthorized,
    limits.FORBIDDEN_SCOPE.name: forbidden_scope,
    limits.PAYLOAD_TOO_LARGE.name: payload_too_large,
    limits.LAMBDA_REQUEST_TOO_LARGE.name: lambda_request_too_large,
    limits.LAMBDA_RESPONSE_TOO_LARGE.name: lambda_response_too_large,
    limits.FUNCTION_ERROR.name: function_error,
    limits.INTEGRATION_TIMEOUT.name: integration_timeout,
    limits.LAMBDA_THROTTLED.name: lambda_throttled,
    limits.STAGE_THROTTLED.name: stage_throttled,
}


def test_every_row_of_the_table_has_a_case():
    assert set(CASES) == {limit.name for limit in limits.LIMITS}


@pytest.mark.parametrize("limit", limits.LIMITS, ids=lambda limit: limit.name.split(" (")[0])
def test_the_client_sees_what_the_table_says(limit: limits.Limit, aws: RunningAws, tight_stage: RunningAws):
    reply = CASES[limit.name](aws, tight_stage)
    assert (reply.status_code, reply.json()) == (limit.status, limit.body)
    assert reply.headers["apigw-requestid"]


def test_the_doc_shows_the_table():
    assert limits.markdown_table() in (ROOT / "docs" / "local-aws.md").read_text()
