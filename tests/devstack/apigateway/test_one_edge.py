"""Express and the local gateway build the same v2.0 event for the same request: there is one edge.

The same HTTP request goes to a real express server (``ServerfulApp`` under waitress, in a thread) and
to the real local gateway in front of a real Lambda environment; both run the echo function, which
answers with the event it was handed. Apart from ids, times and the domain (each edge names itself),
the two events are equal: route key, path parameters, headers, cookies, query, body encoding and the
authorizer's claims.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from cli.serverful import cors_policy
from runtime.auth import DEV_KEY_ID, load_or_create_dev_key
from runtime.edge import authorizer
from runtime.edge.routes import routes_from_table
from runtime.serverful.server import ServerfulApp, create_server
from tests.devstack.conftest import BEHAVIOURS, RunningAws, SpecFunction, send_raw
from tests.devstack.functions.behaviours import cors_headers_of_its_own, echo

ROUTES = ("GET /api/things/{id}", "POST /api/things/{id}/parts", "GET /health")
FUNCTIONS = [
    SpecFunction("echo", f"{BEHAVIOURS}.echo", ROUTES, public_routes=("GET /health",)),
    SpecFunction("leaky", f"{BEHAVIOURS}.cors_headers_of_its_own", ("GET /leaky",), public_routes=("GET /leaky",)),
]
HANDLERS = {"echo": echo, "leaky": cors_headers_of_its_own}
CORS = cors_policy()  # the stack's declaration, as `up` hands it to both backends
LISTED = "http://localhost:3002"
UNLISTED = "https://evil.example.com"
PER_EDGE_CONTEXT = ("requestId", "time", "timeEpoch", "domainName", "domainPrefix", "accountId", "apiId")
TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793"


@pytest.fixture(scope="module")
def aws(start_aws) -> RunningAws:
    return start_aws(FUNCTIONS, cors=CORS)


@pytest.fixture(scope="module")
def express_url(aws: RunningAws) -> Iterator[str]:
    app = ServerfulApp(
        HANDLERS,
        routes_from_table(FUNCTIONS),
        lambda path: "echo",
        authorizer.from_settings(aws.settings),
        budget_ms=10_000,
        cors=CORS,
    )
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(timeout=10)


def _comparable(reply: requests.Response) -> dict[str, Any]:
    assert reply.status_code == 200, reply.text
    event: dict[str, Any] = reply.json()["event"]
    context = event["requestContext"]
    for name in PER_EDGE_CONTEXT:
        assert name in context, name  # present on both edges, only its value is the edge's own
        context.pop(name)
    assert event["headers"].pop("host")  # host:port differs by edge
    return event


def _both(aws: RunningAws, express_url: str, method: str, path: str, **kwargs: Any) -> tuple[dict, dict]:
    headers = {"X-Amzn-Trace-Id": TRACE, "User-Agent": "edge-parity/1", **kwargs.pop("headers", {})}
    replies = [
        requests.request(method, base + path, headers=headers, timeout=60, **kwargs)
        for base in (express_url, aws.aws.gateway_url)
    ]
    express_event, gateway_event = (_comparable(reply) for reply in replies)
    return express_event, gateway_event


def test_an_authorized_json_request_becomes_the_same_event(aws: RunningAws, express_url: str) -> None:
    token = aws.token("user-7", groups=["admin", "builders"], email_verified=True)
    express_event, gateway_event = _both(
        aws,
        express_url,
        "POST",
        "/api/things/t-42/parts?colour=red&colour=blue&empty=",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Cookie": "a=1; b=2"},
        data=b'{"quantity": 3}',
    )
    assert express_event == gateway_event
    assert gateway_event["routeKey"] == "POST /api/things/{id}/parts"
    assert gateway_event["pathParameters"] == {"id": "t-42"}
    assert gateway_event["queryStringParameters"] == {"colour": "red,blue", "empty": ""}
    assert gateway_event["cookies"] == ["a=1", "b=2"]
    claims = gateway_event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["sub"] == "user-7" and claims["groups"] == "[admin builders]" and claims["exp"].isdigit()
    assert gateway_event["body"] == '{"quantity": 3}' and gateway_event["isBase64Encoded"] is False


def test_a_binary_body_and_a_public_route_become_the_same_event(aws: RunningAws, express_url: str) -> None:
    token = aws.token("user-8")
    express_event, gateway_event = _both(
        aws,
        express_url,
        "GET",
        "/api/things/x",
        headers={"Authorization": token, "Content-Type": "application/octet-stream"},
        data=bytes(range(256)),
    )
    assert express_event == gateway_event and gateway_event["isBase64Encoded"] is True
    express_event, gateway_event = _both(aws, express_url, "GET", "/health")
    assert express_event == gateway_event and "authorizer" not in gateway_event["requestContext"]
    assert gateway_event["routeKey"] == "GET /health"


def test_each_edge_stamps_its_own_request_id_and_time(aws: RunningAws, express_url: str) -> None:
    before = int(time.time() * 1000)
    replies = [requests.get(base + "/health", timeout=60) for base in (express_url, aws.aws.gateway_url)]
    contexts = [reply.json()["event"]["requestContext"] for reply in replies]
    assert contexts[0]["requestId"] != contexts[1]["requestId"]
    assert all(context["timeEpoch"] >= before for context in contexts)


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [("brick%20fan", "brick fan"), ("eu-west-1%3Aabc", "eu-west-1:abc"), ("Zo%C3%AB%20W%C3%BCrfel", "Zoë Würfel"),
     ("%C3%A9" * 200, "é" * 200)],
)
def test_path_parameters_are_percent_decoded_alike(aws: RunningAws, express_url: str, encoded: str,
                                                   decoded: str) -> None:
    token = aws.token("user-9")
    express_event, gateway_event = _both(
        aws, express_url, "GET", f"/api/things/{encoded}", headers={"Authorization": f"Bearer {token}"}
    )
    assert express_event == gateway_event
    assert gateway_event["pathParameters"] == {"id": decoded}
    assert gateway_event["rawPath"] == gateway_event["requestContext"]["http"]["path"] == f"/api/things/{decoded}"


def _statuses(aws: RunningAws, express_url: str, request: bytes) -> tuple[int, int]:
    express, gateway = (send_raw(base, request) for base in (express_url, aws.aws.gateway_url))
    return express.status_code, gateway.status_code


def _get(path: bytes, *headers: bytes) -> bytes:
    head = [b"GET " + path + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close", *headers]
    return b"\r\n".join(head) + b"\r\n\r\n"


def test_a_path_that_does_not_decode_to_text_is_refused_by_both(aws: RunningAws, express_url: str) -> None:
    token = aws.token("user-9").encode()
    for path in (b"/api/things/a%0Ab", b"/api/things/%FF"):
        assert _statuses(aws, express_url, _get(path, b"Authorization: Bearer " + token)) == (400, 400)


def test_one_authorizer_decides_alike_on_both_backends(aws: RunningAws, express_url: str) -> None:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    valid = aws.token("user-10")
    cases = {
        "valid": (f"Bearer {valid}".encode(), 200),
        "unknown kid": (f"Bearer {aws.token('user-10', kid='someone-elses-key')}".encode(), 401),
        "jku naming another key set, own kid and key": (f"Bearer {_with_jku(aws, None)}".encode(), 200),
        "jku naming another key set, signed by its key": (f"Bearer {_with_jku(aws, other_key)}".encode(), 401),
        "UTF-8 bytes": (b"Bearer \xc3\xa9" + valid.encode(), 401),
        "a byte that is not UTF-8": (b"Bearer \xff" + valid.encode(), 401),
    }
    for case, (authorization, status) in cases.items():
        request = _get(b"/api/things/x", b"Authorization: " + authorization)
        assert _statuses(aws, express_url, request) == (status, status), case
    twice = _get(b"/api/things/x", b"Authorization: Bearer " + valid.encode(), b"Authorization: Bearer junk")
    assert _statuses(aws, express_url, twice) == (401, 401)  # joined by a comma, as the event joins them


def _with_jku(aws: RunningAws, key: Any) -> str:
    claims = {"sub": "user-10", "iss": aws.settings.jwt_issuer, "aud": aws.settings.jwt_audience,
              "iat": int(time.time()), "exp": int(time.time()) + 600}
    signing_key = key or load_or_create_dev_key(aws.settings.data_dir)
    headers = {"kid": DEV_KEY_ID, "jku": "https://attacker.example.com/jwks.json"}
    return jwt.encode(claims, signing_key, algorithm="RS256", headers=headers)


def _cors(reply: requests.Response) -> dict[str, str]:
    return {name.lower(): value for name, value in reply.headers.items() if name.lower().startswith("access-control-")}


def _on_both(aws: RunningAws, express_url: str, method: str, path: str, **headers: str) -> list[requests.Response]:
    bases = (express_url, aws.aws.gateway_url)
    return [requests.request(method, base + path, headers=headers, timeout=60) for base in bases]


def test_a_preflight_from_a_listed_origin_is_answered_by_the_edge_with_every_allowance(
    aws: RunningAws, express_url: str
) -> None:
    before = len(aws.logs.reports("echo"))
    replies = _on_both(aws, express_url, "OPTIONS", "/api/things/x", Origin=LISTED,
                       **{"Access-Control-Request-Method": "PATCH", "Access-Control-Request-Headers": "authorization"})
    expected = {
        "access-control-allow-origin": LISTED,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET,POST,PATCH,DELETE,OPTIONS",
        "access-control-allow-headers": "content-type,authorization,x-requested-with,x-csrf-token",
        "access-control-max-age": "3600",
    }
    assert [(reply.status_code, _cors(reply), reply.content) for reply in replies] == [(204, expected, b"")] * 2
    assert len(aws.logs.reports("echo")) == before  # no token asked, no function invoked


def test_an_unlisted_origin_gets_no_cors_header_from_either_backend(aws: RunningAws, express_url: str) -> None:
    preflights = _on_both(aws, express_url, "OPTIONS", "/api/things/x", Origin=UNLISTED,
                          **{"Access-Control-Request-Method": "GET"})
    assert [(reply.status_code, _cors(reply)) for reply in preflights] == [(204, {})] * 2
    token = aws.token("user-11")
    calls = _on_both(aws, express_url, "GET", "/api/things/x", Origin=UNLISTED, Authorization=f"Bearer {token}")
    assert [(reply.status_code, _cors(reply)) for reply in calls] == [(200, {})] * 2


def test_answers_to_a_listed_origin_carry_the_edges_headers_not_the_functions(
    aws: RunningAws, express_url: str
) -> None:
    allowed = {"access-control-allow-origin": LISTED, "access-control-allow-credentials": "true"}
    token = aws.token("user-12")
    ok = _on_both(aws, express_url, "GET", "/api/things/x", Origin=LISTED, Authorization=f"Bearer {token}")
    refused = _on_both(aws, express_url, "GET", "/api/things/x", Origin=LISTED)  # 401 readable by the frontend
    leaky = _on_both(aws, express_url, "GET", "/leaky", Origin=LISTED)
    assert [(reply.status_code, _cors(reply)) for reply in ok + refused + leaky] == (
        [(200, allowed)] * 2 + [(401, allowed)] * 2 + [(200, allowed)] * 2
    )
    plain = _on_both(aws, express_url, "GET", "/leaky")  # no Origin: not a CORS request, nothing added
    assert [_cors(reply) for reply in plain] == [{}, {}]
