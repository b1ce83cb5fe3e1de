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

import pytest
import requests

from runtime.edge import authorizer
from runtime.edge.routes import routes_from_table
from runtime.serverful.server import ServerfulApp, create_server
from tests.devstack.conftest import BEHAVIOURS, RunningAws, SpecFunction
from tests.devstack.functions.behaviours import echo

ROUTES = ("GET /api/things/{id}", "POST /api/things/{id}/parts", "GET /health")
FUNCTIONS = [SpecFunction("echo", f"{BEHAVIOURS}.echo", ROUTES, public_routes=("GET /health",))]
PER_EDGE_CONTEXT = ("requestId", "time", "timeEpoch", "domainName", "domainPrefix", "accountId", "apiId")
TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793"


@pytest.fixture(scope="module")
def aws(start_aws) -> RunningAws:
    return start_aws(FUNCTIONS)


@pytest.fixture(scope="module")
def express_url(aws: RunningAws) -> Iterator[str]:
    app = ServerfulApp(
        {"echo": echo},
        routes_from_table(FUNCTIONS),
        lambda path: "echo",
        authorizer.from_settings(aws.settings),
        budget_ms=10_000,
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
