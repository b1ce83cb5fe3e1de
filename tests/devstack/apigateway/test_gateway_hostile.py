"""The local gateway answers hostile bytes only as API Gateway would, and never echoes or logs a credential.

Each request is sent byte for byte on a socket (a client library would refuse to send most of them).
Every answer is ``{"message": …}`` with ``apigw-requestid``, the status the limits table names
(docs/local-aws.md), never aiohttp's plain-text page, and neither the answer nor any log line
carries the token or the request's text.
"""

from __future__ import annotations

import logging

import pytest

from devstack.apigateway import limits
from tests.devstack.conftest import BEHAVIOURS, RawReply, RunningAws, SpecFunction, send_raw

FUNCTIONS = [SpecFunction("echo", f"{BEHAVIOURS}.echo", ("GET /echo", "GET /echo/{id}"))]
SECRET = "S3cr3tT0k3nPart"  # planted in every request below: must never come back or reach a log
UNAUTHORIZED = (401, {"message": "Unauthorized"})
BAD_REQUEST = (limits.MALFORMED_REQUEST.status, limits.MALFORMED_REQUEST.body)
HEADERS_TOO_LARGE = (limits.HEADERS_TOO_LARGE.status, limits.HEADERS_TOO_LARGE.body)


@pytest.fixture(scope="module")
def aws(start_aws) -> RunningAws:
    return start_aws(FUNCTIONS)


def _request(target: bytes = b"/echo", *lines: bytes, method: bytes = b"GET", body: bytes = b"") -> bytes:
    head = [method + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1", *lines]
    return b"\r\n".join(head) + b"\r\n\r\n" + body


CASES: dict[str, tuple[bytes, tuple[int, dict[str, str]]]] = {
    "UTF-8 bytes in the Authorization header": (
        _request(b"/echo", b"Authorization: Bearer \xc3\xa9" + SECRET.encode()), UNAUTHORIZED),
    "a byte that is not UTF-8 in the Authorization header": (
        _request(b"/echo", b"Authorization: Bearer \xff" + SECRET.encode()), UNAUTHORIZED),
    "a 100 KB bearer token": (
        _request(b"/echo", b"Authorization: Bearer " + SECRET.encode() * 7000), HEADERS_TOO_LARGE),
    "headers over 10,240 bytes in all, each line short": (
        _request(b"/echo", *(b"X-Pad-%d: " % n + SECRET.encode() * 60 for n in range(12))), HEADERS_TOO_LARGE),
    "a Content-Length that is not a number": (
        _request(b"/echo", b"Content-Length: " + SECRET.encode(), body=b"x"), BAD_REQUEST),
    "a header line without a colon": (_request(b"/echo", b"Authorization Bearer " + SECRET.encode()), BAD_REQUEST),
    "Transfer-Encoding with Content-Length": (
        _request(b"/echo", b"Transfer-Encoding: chunked", b"Content-Length: 5", b"X-Token: " + SECRET.encode(),
                 body=b"0\r\n\r\n"), BAD_REQUEST),
    "a method that is not an HTTP token": (_request(b"/echo", method=b"GE(T" + SECRET.encode()), BAD_REQUEST),
    "raw UTF-8 in the path": (_request(b"/echo/\xc3\xa9" + SECRET.encode()), BAD_REQUEST),
    "%0A in the path": (_request(b"/echo/a%0A" + SECRET.encode()), BAD_REQUEST),
    "a percent-escape that is not UTF-8": (_request(b"/echo/%FF" + SECRET.encode()), BAD_REQUEST),
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_bytes_get_api_gateways_answer_and_nothing_is_echoed_or_logged(
    aws: RunningAws, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    request, expected = CASES[case]
    with caplog.at_level(logging.DEBUG):
        reply: RawReply = send_raw(aws.aws.gateway_url, request)
    assert (reply.status_code, reply.json()) == expected, reply.body[:200]
    assert reply.headers["apigw-requestid"]
    assert SECRET.encode() not in reply.body
    assert not [record for record in caplog.records if SECRET in record.getMessage() or SECRET in str(record.exc_info)]
    assert SECRET not in "".join(aws.logs.lines("echo"))  # nor in what the function logged


def test_headers_just_within_the_quota_reach_the_authorizer(aws: RunningAws) -> None:
    token = aws.token("within")
    padding = [b"X-Pad-%d: " % n + b"p" * 700 for n in range(12)]  # about 8.4 KB with the token
    reply = send_raw(aws.aws.gateway_url, _request(b"/echo", b"Authorization: Bearer " + token.encode(), *padding))
    assert reply.status_code == 200, reply.body[:200]
    assert reply.json()["event"]["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "within"


def test_an_unknown_method_is_a_bad_request(aws: RunningAws) -> None:
    reply = send_raw(aws.aws.gateway_url, _request(b"/echo", b"Authorization: Bearer x", method=b"BREW"))
    assert (reply.status_code, reply.json()) == BAD_REQUEST
    assert reply.headers["apigw-requestid"]
