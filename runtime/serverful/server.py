"""The serverful ("express") backend: waitress serving the same Lambda handlers.

Each HTTP request goes through the API Gateway edge of :mod:`runtime.edge` — the route table its
composition root hands it, the JWT authorizer (API Gateway's does it for Lambda), the one payload
v2.0 event builder — and the event goes to the same guarded handler the Lambda function runs. Only
the ``backend`` tag differs, which is what makes the side-by-side comparison honest. CORS is
answered as the HTTP API's ``CorsConfiguration`` does (:mod:`runtime.edge.cors`). A path no route
matches still reaches the function owning its prefix, whose resolver answers the envelope's 404 or
405 (express has no API Gateway in front of it to answer ``{"message": "Not Found"}``).
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote

from runtime.edge.authorizer import JwtAuthorizer, Rejected, identity_source
from runtime.edge.cors import CorsPolicy, without_cors_headers
from runtime.edge.payload_v2 import HttpRequest, build_event
from runtime.edge.routes import MalformedPath, RouteTable, decoded_path
from runtime.errors import ApiError, Forbidden, PayloadTooLarge, Unauthorized, ValidationError, error_response
from runtime.serverful.admin import ADMIN_PREFIX, AdminEndpoints, json_payload
from runtime.serverful.http_channel import EnvelopeChannel
from runtime.wrapper import MAX_BODY_BYTES, LambdaHandler

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
COOKIE_DEPRECATED = (
    "The token cookie is no longer accepted: send the token in the Authorization header "
    "(API Gateway's JWT authorizer reads only that header)"
)
_WSGI_HEADERS = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}


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


def _headers(environ: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The request's headers as the edge receives them (WSGI has lower-cased names and joined repeats)."""
    headers = [
        (key[5:].replace("_", "-").lower(), value) for key, value in environ.items() if key.startswith("HTTP_")
    ]
    headers += [(name, environ[key]) for key, name in _WSGI_HEADERS.items() if environ.get(key)]
    return headers


def _raw_target(environ: Mapping[str, Any]) -> tuple[str, str]:
    """The request target's raw path and query, as the client sent them (``PATH_INFO`` is decoded)."""
    uri = environ.get("REQUEST_URI")
    if uri and uri.startswith("/"):
        path, _, query = uri.partition("?")
        return path, query
    return quote(environ.get("PATH_INFO") or "/", safe="/%:@!$&'()*+,;="), environ.get("QUERY_STRING", "")


def _cookie_only(headers: list[tuple[str, str]]) -> bool:
    """True when the request carries the retired ``token`` cookie (and no Authorization header)."""
    cookies = (part for name, value in headers if name == "cookie" for part in value.split(";"))
    return any(cookie.strip().partition("=")[0] == "token" for cookie in cookies)


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


class ServerfulApp:
    """The WSGI application: the edge (routes, JWT authorizer, v2.0 event), then the function's handler.

    ``routes`` is the function table's route table; ``fallback_function`` names the function whose
    resolver answers a path no route matches (404 or 405 in the envelope).
    """

    def __init__(
        self,
        handlers: Mapping[str, LambdaHandler],
        routes: RouteTable,
        fallback_function: Callable[[str], str | None],
        authorizer: JwtAuthorizer,
        *,
        budget_ms: int,
        extra_routes: Mapping[str, Callable[[], tuple[bytes, str]]] | None = None,
        admin: AdminEndpoints | None = None,
        cors: CorsPolicy | None = None,
    ) -> None:
        self._handlers = handlers
        self._routes = routes
        self._fallback_function = fallback_function
        self._authorizer = authorizer
        self._budget_ms = budget_ms
        self._extra_routes = dict(extra_routes or {})
        self._admin = admin
        self._cors = cors

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path in self._extra_routes and environ["REQUEST_METHOD"] == "GET":
            payload, content_type = self._extra_routes[path]()
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(payload)))])
            return [payload]
        if self._admin is not None and path.startswith(ADMIN_PREFIX):
            status, body = self._admin.handle(
                environ["REQUEST_METHOD"], path, environ.get("REMOTE_ADDR", ""), environ.get("HTTP_X_BRICKGUARD_ADMIN"),
                environ.get("QUERY_STRING", ""),
            )
            headers = {"Content-Type": "application/json"}
            return self._respond(
                {"statusCode": status, "headers": headers, "body": json_payload(body).decode()}, start_response
            )
        origin = environ.get("HTTP_ORIGIN")
        cors = self._cors
        if cors is not None and cors.is_preflight(
            environ["REQUEST_METHOD"], origin, environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD")
        ):
            start_response("204 No Content", [*cors.preflight_headers(origin).items(), ("Content-Length", "0")])
            return [b""]
        request_id = str(uuid.uuid4())
        try:
            response = self._dispatch(environ, request_id)
        except ApiError as err:  # what API Gateway itself would reject before any Lambda runs
            response = error_response(err, request_id)
            response["headers"]["X-Request-Id"] = request_id
        if cors is not None:
            kept = without_cors_headers(list((response.get("headers") or {}).items()))
            response["headers"] = {**dict(kept), **cors.response_headers(origin)}
        return self._respond(response, start_response)

    def _dispatch(self, environ: dict[str, Any], request_id: str) -> dict[str, Any]:
        body = _read_body(environ)
        method = environ["REQUEST_METHOD"].upper()
        raw_path, raw_query = _raw_target(environ)
        try:
            path = decoded_path(raw_path)
        except MalformedPath as malformed:
            raise ValidationError(f"Malformed request path: {malformed}") from None
        headers = _headers(environ)
        matched = self._routes.match(method, path)
        public = matched.route.public if matched else self._routes.is_public_path(path)
        claims = scopes = None
        if not public:
            claims, scopes = self._authorized(headers, matched.route.scopes if matched else ())
        request = HttpRequest(
            method=method,
            path=path,
            raw_query=raw_query,
            headers=headers,
            body=body,
            source_ip=environ.get("REMOTE_ADDR", "127.0.0.1"),
            received_epoch_ms=int(time.time() * 1000),
            request_id=request_id,
        )
        if matched is not None:
            event = build_event(
                request, route_key=matched.route.key, path_parameters=matched.parameters, claims=claims,
                scopes=scopes,
            )
            function = matched.route.function
        else:
            event = build_event(request, route_key="$default", path_parameters={}, claims=claims, scopes=scopes)
            function = self._fallback_function(path) or "health"  # its resolver answers 404 / 405
        return self._handlers[function](event, ServerfulContext(request_id, self._budget_ms))

    def _authorized(
        self, headers: list[tuple[str, str]], route_scopes: tuple[str, ...]
    ) -> tuple[dict[str, Any], list[str] | None]:
        """The authorizer's verdict, as the envelope's 401/403 when it refuses."""
        authorization = identity_source(headers)
        if authorization is None and _cookie_only(headers):
            raise Unauthorized(COOKIE_DEPRECATED)
        try:
            authorized = self._authorizer.authorize(authorization, route_scopes)
        except Rejected as rejected:
            if rejected.status == 403:
                raise Forbidden(f"Forbidden: {rejected.description}") from None
            if authorization is None:
                raise Unauthorized("Authentication required") from None
            raise Unauthorized(f"Invalid token: {rejected.description}") from None
        return authorized.claims, authorized.scopes

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


def create_server(
    app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]], *, host: str, port: int, threads: int = 8,
    control_port: int | None = None,
) -> Any:
    """The waitress server of ``app`` on ``host:port`` and, given ``control_port``, on loopback there too.

    The control listener (0: any free port) is what operators' commands reach: it keeps answering
    when the public listener is stopped on purpose (``brickguard chaos express stop``).
    """
    from waitress.server import BaseWSGIServer
    from waitress.server import create_server as waitress_server

    public = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    server = waitress_server(
        app,
        listen=public if control_port is None else f"{public} 127.0.0.1:{control_port}",
        threads=threads,
        max_request_body_size=MAX_BODY_BYTES + 1,  # waitress rejects larger bodies, in the envelope
        ident="brickguard",
        clear_untrusted_proxy_headers=True,
    )
    listeners = [server] if isinstance(server, BaseWSGIServer) else list(server.map.values())
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = EnvelopeChannel
    return server
