"""The serverful ("express") backend: waitress serving the same Lambda handlers.

Each HTTP request becomes an API Gateway HTTP API payload v2.0 event, the JWT
is validated here (API Gateway's authorizer does it for Lambda), and the event
goes to the same guarded handler the Lambda function runs. Only the
``backend`` tag differs, which is what makes the side-by-side comparison honest.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from runtime.auth import TokenValidator, bearer_token
from runtime.errors import ApiError, PayloadTooLarge, Unauthorized, error_response
from runtime.serverful.admin import ADMIN_PREFIX, AdminEndpoints, json_payload
from runtime.serverful.http_channel import EnvelopeChannel
from runtime.wrapper import MAX_BODY_BYTES, LambdaHandler

PUBLIC_PATHS = frozenset({"/health"})
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class ServerfulContext:
    """The slice of the Lambda context object the runtime reads, for one request."""

    function_name = "express"
    memory_limit_in_mb = 0
    invoked_function_arn = "arn:aws:lambda:local:000000000000:function:express"

    def __init__(self, request_id: str, budget_ms: int) -> None:
        self.aws_request_id = request_id
        self._deadline = time.monotonic() + budget_ms / 1000.0

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return headers


def _query_parameters(raw_query: str) -> dict[str, str] | None:
    from urllib.parse import parse_qsl

    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        params.setdefault(key, []).append(value)
    # API Gateway v2 joins repeated parameters with commas
    return {key: ",".join(values) for key, values in params.items()} or None


def _read_body(environ: Mapping[str, Any]) -> bytes:
    """Read at most MAX_BODY_BYTES + 1 bytes; a larger declared or actual body is a 413."""
    declared = environ.get("CONTENT_LENGTH") or "0"
    try:
        length = int(declared)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise PayloadTooLarge("Request body exceeds 10 MB")
    stream = environ["wsgi.input"]
    body: bytes = stream.read(length) if length else stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge("Request body exceeds 10 MB")
    return body


def build_event(environ: Mapping[str, Any], body: bytes, claims: dict[str, Any] | None, request_id: str) -> dict:
    """The API Gateway HTTP API payload v2.0 event for one WSGI request."""
    method = environ["REQUEST_METHOD"].upper()
    path = environ.get("PATH_INFO") or "/"
    raw_query = environ.get("QUERY_STRING", "")
    headers = _headers(environ)
    cookies = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
    try:
        text_body: str | None = body.decode("utf-8") if body else None
        is_base64 = False
    except UnicodeDecodeError:
        text_body, is_base64 = base64.b64encode(body).decode("ascii"), True
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "express",
            "apiId": "express",
            "domainName": headers.get("host", "localhost"),
            "domainPrefix": "express",
            "http": {
                "method": method,
                "path": path,
                "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": environ.get("REMOTE_ADDR", "127.0.0.1"),
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    if cookies:
        event["cookies"] = cookies
    query = _query_parameters(raw_query)
    if query:
        event["queryStringParameters"] = query
    if text_body is not None:
        event["body"] = text_body
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return event


class ServerfulApp:
    """The WSGI application: routing by function, JWT validation, event translation."""

    def __init__(
        self,
        handlers: Mapping[str, LambdaHandler],
        route_function: Callable[[str], str | None],
        validator: TokenValidator,
        *,
        budget_ms: int,
        extra_routes: Mapping[str, Callable[[], tuple[bytes, str]]] | None = None,
        admin: AdminEndpoints | None = None,
    ) -> None:
        self._handlers = handlers
        self._route_function = route_function
        self._validator = validator
        self._budget_ms = budget_ms
        self._extra_routes = dict(extra_routes or {})
        self._admin = admin

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path in self._extra_routes and environ["REQUEST_METHOD"] == "GET":
            payload, content_type = self._extra_routes[path]()
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(payload)))])
            return [payload]
        if self._admin is not None and path.startswith(ADMIN_PREFIX):
            status, body = self._admin.handle(
                environ["REQUEST_METHOD"], path, environ.get("REMOTE_ADDR", ""), environ.get("HTTP_X_BRICKGUARD_ADMIN")
            )
            headers = {"Content-Type": "application/json"}
            return self._respond(
                {"statusCode": status, "headers": headers, "body": json_payload(body).decode()}, start_response
            )
        request_id = str(uuid.uuid4())
        try:
            response = self._dispatch(environ, path, request_id)
        except ApiError as err:  # what API Gateway itself would reject before any Lambda runs
            response = error_response(err, request_id)
            response["headers"]["X-Request-Id"] = request_id
        return self._respond(response, start_response)

    def _dispatch(self, environ: dict[str, Any], path: str, request_id: str) -> dict[str, Any]:
        body = _read_body(environ)
        claims = None
        if path not in PUBLIC_PATHS:
            headers = _headers(environ)
            cookies = [c for c in headers.get("cookie", "").split(";") if c.strip()]
            token = bearer_token(headers, cookies)
            if token is None:
                raise Unauthorized("Authentication required")
            claims = self._validator.claims(token)
        event = build_event(environ, body, claims, request_id)
        function = self._route_function(path) or "health"  # its resolver answers 404 for unknown paths
        return self._handlers[function](event, ServerfulContext(request_id, self._budget_ms))

    @staticmethod
    def _respond(response: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        from http import HTTPStatus

        status = int(response.get("statusCode", 200))
        raw = response.get("body") or ""
        payload = base64.b64decode(raw) if response.get("isBase64Encoded") else str(raw).encode("utf-8")
        headers = [(name, str(value)) for name, value in (response.get("headers") or {}).items()]
        headers += [("Set-Cookie", cookie) for cookie in response.get("cookies") or []]
        headers.append(("Content-Length", str(len(payload))))
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        start_response(f"{status} {reason}", headers)
        return [payload]


def serve(
    app: ServerfulApp, *, host: str, port: int, threads: int = 8, on_ready: Callable[[], None] | None = None
) -> None:
    """Serve ``app`` with waitress until interrupted (Ctrl-C / SIGTERM)."""
    from waitress.server import create_server

    server = create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        max_request_body_size=MAX_BODY_BYTES + 1,  # waitress rejects larger bodies, in the envelope
        ident="brickguard",
        clear_untrusted_proxy_headers=True,
    )
    server.channel_class = EnvelopeChannel  # one listening socket: one server
    if on_ready is not None:
        on_ready()
    try:
        server.run()
    finally:
        server.close()
