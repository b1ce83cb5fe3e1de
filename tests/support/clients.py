"""Three ways to call the API with the same interface: Lambda handlers, the serverful and the serverless backend.

The Lambda client builds API Gateway HTTP API payload v2.0 events with the edge's one builder
(``runtime.edge.payload_v2``, JWT authorizer claims included); the express and
serverless clients send real HTTP requests over a socket to ``brickguard up``
(the serverless one through the local gateway and execution environments).
"""

from __future__ import annotations

import json
import time
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from api.functions import FUNCTIONS, function_for_path
from runtime.edge.payload_v2 import HttpRequest, build_event
from runtime.edge.routes import decoded_path, routes_from_table


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


EDGE_ROUTES = routes_from_table(FUNCTIONS)
TEST_SOURCE_IP = "192.0.2.1"


def v2_event(
    method: str,
    path: str,
    *,
    body: str | bytes | None = None,
    claims: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The HTTP API payload v2.0 event for ``method path?query``, from the edge's one builder, matched
    to the function table's route and carrying ``claims`` as the JWT authorizer would."""
    raw_path, _, raw_query = path.partition("?")
    decoded = decoded_path(raw_path)
    sent = {"accept": "application/json", "content-type": "application/json", **(headers or {})}
    request = HttpRequest(
        method=method,
        path=decoded,
        raw_query=raw_query,
        headers=list(sent.items()),
        body=body if isinstance(body, bytes) else (body or "").encode("utf-8"),
        source_ip=TEST_SOURCE_IP,
        received_epoch_ms=int(time.time() * 1000),
        request_id=str(uuid.uuid4()),
    )
    matched = EDGE_ROUTES.match(method, decoded)
    return build_event(
        request,
        route_key=matched.route.key if matched else "$default",
        path_parameters=matched.parameters if matched else {},
        claims=claims,
        scopes=None,
    )


class FakeLambdaContext:
    """What the Lambda runtime passes as ``context`` (the fields the runtime reads)."""

    function_name = "lego-api-test"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:lego-api-test"
    memory_limit_in_mb = 512
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/lego-api-test"
    log_stream_name = "2026/11/22/[$LATEST]abc"

    def __init__(self, remaining_ms: int = 29_000) -> None:
        self._deadline = time.monotonic() + remaining_ms / 1000.0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class ApiClient(ABC):
    """The interface the three clients share; each sends the encoded body its own way (:meth:`send`)."""

    name: str

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        raw_body: str | bytes | None = None,
        user: str | None = "user-a",
        headers: dict[str, str] | None = None,
        **options: Any,
    ) -> Reply:
        """``method path`` as ``user`` with ``json_body`` (encoded) or ``raw_body``; ``options`` go to :meth:`send`."""
        body = raw_body if raw_body is not None else (json.dumps(json_body) if json_body is not None else None)
        return self.send(method, path, body, user, headers or {}, **options)

    @abstractmethod
    def send(self, method: str, path: str, body: str | bytes | None, user: str | None,
             headers: dict[str, str]) -> Reply: ...


class LambdaClient(ApiClient):
    """Calls the Lambda handlers in-process, as API Gateway would."""

    name = "lambda"

    def __init__(self, handlers: dict[str, Any]) -> None:
        self._handlers = handlers

    def handler(self, function: str) -> Any:
        """The Lambda entry point of ``function``, for hand-made events."""
        return self._handlers[function]

    def send(
        self,
        method: str,
        path: str,
        body: str | bytes | None,
        user: str | None,
        headers: dict[str, str],
        *,
        claims: dict[str, Any] | None = None,
        remaining_ms: int = 29_000,
    ) -> Reply:
        """``claims`` (default: ``user``'s) as the JWT authorizer hands them on; ``remaining_ms`` of Lambda's time."""
        if claims is None and user is not None:
            claims = {"sub": user, "email": f"{user}@example.com", "name": user.title()}
        function = function_for_path(urlsplit(path).path) or "health"
        lowered = {name.lower(): value for name, value in headers.items()}
        event = v2_event(method, path, body=body, claims=claims, headers=lowered)  # the builder base64s binary
        response = self._handlers[function](event, FakeLambdaContext(remaining_ms))
        answered = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
        return Reply(response["statusCode"], answered, response.get("body") or "")


class ExpressClient(ApiClient):
    """Calls ``brickguard up`` over a real socket with a minted token."""

    name = "express"

    def __init__(self, base_url: str, mint) -> None:
        self.base_url = base_url
        self._mint = mint
        self._tokens: dict[str, str] = {}
        self._session = requests.Session()

    def token(self, user: str) -> str:
        if user not in self._tokens:
            self._tokens[user] = self._mint(sub=user, email=f"{user}@example.com", name=user.title())
        return self._tokens[user]

    def send(self, method: str, path: str, body: str | bytes | None, user: str | None,
             headers: dict[str, str]) -> Reply:
        sent = dict(headers)
        if user is not None and "Authorization" not in sent:
            sent["Authorization"] = f"Bearer {self.token(user)}"
        if body is not None:
            sent.setdefault("Content-Type", "application/json")
        response = self._session.request(method, self.base_url + path, data=body, headers=sent, timeout=30)
        return Reply(response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.text)


class ServerlessClient(ExpressClient):
    """Calls the serverless backend of ``brickguard up`` over HTTP: local gateway, authorizer, environments."""

    name = "serverless"
