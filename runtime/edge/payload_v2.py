"""API Gateway HTTP API's Lambda payload format 2.0: the request event and the response rules.

The one builder of the event: the local gateway hands it to the local Lambda, express to the same
handler in-process, the tests' in-process client to the handler directly. Mirrors the developer
guide's 'Create AWS Lambda proxy integrations for HTTP
APIs': ``routeKey`` is the matched route, headers are lower-cased with repeated
values joined by commas, the ``Cookie`` header moves to ``cookies``, repeated
query parameters are joined by commas, ``pathParameters`` come from the route
template, ``requestContext.http`` / ``time`` / ``timeEpoch`` describe the
request, ``rawPath`` and ``pathParameters`` are percent-decoded (HTTP APIs decode them, unlike REST
APIs and function URLs), the JWT authorizer's claims land in ``requestContext.authorizer.jwt``
(every claim value a string, as API Gateway flattens them), and a body that is
not text is base64-encoded with ``isBase64Encoded: true``.

On the way back a response with ``statusCode`` is used as given (``cookies``
become ``Set-Cookie`` headers); valid JSON without ``statusCode`` is a 200
``application/json`` whose body is that JSON; anything else is malformed.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

ACCOUNT_ID = "000000000000"
API_ID = "local"
DOMAIN = "localhost"
TEXT_TYPES = re.compile(
    r"^(text/.*|application/(.*\+)?json|application/(.*\+)?xml|application/javascript|"
    r"application/x-www-form-urlencoded)$"
)


@dataclass(frozen=True)
class HttpRequest:
    """What the edge received, before any AWS shaping (headers in arrival order, repeats kept)."""

    method: str
    path: str
    """Percent-decoded, as HTTP APIs hand ``rawPath`` on (``runtime.edge.routes.decoded_path``)."""
    raw_query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    received_epoch_ms: int
    request_id: str


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class MalformedResponse(ValueError):
    """The function's response cannot be turned into an HTTP response."""


def _is_text(content_type: str, body: bytes) -> bool:
    if content_type and not TEXT_TYPES.match(content_type.split(";")[0].strip().lower()):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def claim_strings(claims: dict[str, Any]) -> dict[str, str]:
    """Claims as API Gateway hands them on: every value a string, lists as ``[a b]``."""

    def text(value: Any) -> str:
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, list):
            return "[" + " ".join(text(item) for item in value) + "]"
        if isinstance(value, dict):
            return json.dumps(value, separators=(",", ":"))
        return str(value)

    return {name: text(value) for name, value in claims.items()}


def build_event(
    request: HttpRequest,
    *,
    route_key: str,
    path_parameters: dict[str, str],
    claims: dict[str, Any] | None,
    scopes: list[str] | None,
) -> dict[str, Any]:
    """The v2.0 event for ``request`` matched to ``route_key``."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        lowered = name.lower()
        if lowered == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[lowered] = f"{headers[lowered]},{value}" if lowered in headers else value
    query: dict[str, str] = {}
    for key, value in parse_qsl(request.raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    received = datetime.fromtimestamp(request.received_epoch_ms / 1000, UTC)
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": headers.get("host", DOMAIN),
        "domainPrefix": headers.get("host", DOMAIN).split(".")[0],
        "http": {
            "method": request.method,
            "path": request.path,
            "protocol": "HTTP/1.1",
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request.request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": received.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": request.received_epoch_ms,
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claim_strings(claims), "scopes": scopes}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": context,
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if request.body:
        if _is_text(headers.get("content-type", ""), request.body):
            event["body"] = request.body.decode("utf-8")
        else:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def http_response(payload: bytes) -> HttpResponse:
    """The HTTP response for the function's ``payload``; raises :class:`MalformedResponse`."""
    try:
        result = json.loads(payload)
    except ValueError:
        raise MalformedResponse("the function returned invalid JSON") from None
    if not (isinstance(result, dict) and "statusCode" in result):
        return HttpResponse(200, [("Content-Type", "application/json")], payload)
    status = result["statusCode"]
    if type(status) is not int or not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status!r} is not an HTTP status")
    headers = result.get("headers") or {}
    cookies = result.get("cookies") or []
    body = result.get("body")
    if not isinstance(headers, dict) or not isinstance(cookies, list):
        raise MalformedResponse("headers must be an object and cookies a list")
    pairs = [(str(name), str(value)) for name, value in headers.items()]
    pairs.extend(("Set-Cookie", str(cookie)) for cookie in cookies)
    if body is None:
        data = b""
    elif not isinstance(body, str):
        raise MalformedResponse("body must be a string")
    elif result.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body, validate=True)
        except ValueError:
            raise MalformedResponse("isBase64Encoded body is not base64") from None
    else:
        data = body.encode("utf-8")
    return HttpResponse(status, pairs, data)
