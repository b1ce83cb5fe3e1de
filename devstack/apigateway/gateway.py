"""A local API Gateway HTTP API: routes, JWT authorizer, Lambda proxy integration (payload 2.0), limits.

Built from the same function/route table the CloudFormation stack is
synthesized from, with the edge express runs too (:mod:`runtime.edge`: routes, authorizer, event).
A request is matched to a route (most specific first), throttled (the stage's or the route's token
bucket, :mod:`devstack.apigateway.throttling`), sized against the 10 MB payload limit (unmatched is
404), authorized unless the table flags the route public (``GET /health``),
turned into a payload 2.0 event, checked against Lambda's 6 MB request limit,
and invoked synchronously with the 30 s integration timeout. CORS preflights and headers are the
stack's ``CorsConfiguration`` (:mod:`runtime.edge.cors`). Every refusal is
API Gateway's ``{"message": …}`` answer from :mod:`devstack.apigateway.limits`; each
response carries ``apigw-requestid``. Served by aiohttp (HTTP/1.1 keep-alive).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from devstack.apigateway import limits
from devstack.apigateway.http_protocol import new_request_id, refusal
from devstack.apigateway.throttling import Throttling
from devstack.lambda_.invocation import InvocationResult, Outcome
from devstack.lambda_.pool import Throttled
from runtime.edge.authorizer import JwtAuthorizer, Rejected, identity_source
from runtime.edge.cors import PREFLIGHT_STATUS, CorsPolicy
from runtime.edge.payload_v2 import HttpRequest, MalformedResponse, build_event, http_response
from runtime.edge.routes import MalformedPath, Matched, RouteTable, decoded_path

TRACE_HEADER = "x-amzn-trace-id"
INTEGRATION_MS = web.ResponseKey("integration_ms", float)  # kept on the response for IntegrationLatency
PREFLIGHT = web.ResponseKey("preflight", bool)  # answered by the gateway itself

Invoker = Callable[[str, bytes, str], Awaitable[InvocationResult]]
"""``invoke(function, event_bytes, trace_header)``: a synchronous Lambda invocation."""


def trace_header(incoming: str | None) -> str:
    """The ``x-amzn-trace-id`` the integration sees: the client's root, or a new one."""
    if incoming and "Root=" in incoming:
        return incoming
    return f"Root=1-{int(time.time()):08x}-{os.urandom(12).hex()}"


class Gateway:
    """The HTTP API in front of the local Lambda functions."""

    def __init__(
        self,
        routes: RouteTable,
        invoke: Invoker,
        authorizer: JwtAuthorizer,
        *,
        throttle: Throttling | None = None,
        integration_timeout: float = limits.INTEGRATION_TIMEOUT_SECONDS,
        on_answer: Callable[[int, float, float | None], None] | None = None,
        cors: CorsPolicy | None = None,
    ) -> None:
        self._routes = routes
        self._invoke = invoke
        self._authorizer = authorizer
        self._throttle = throttle or Throttling.from_edge()
        self._integration_timeout = integration_timeout
        self._in_flight: set[asyncio.Task[InvocationResult]] = set()
        self._on_answer = on_answer
        self._cors = cors

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", r"/{tail:[\s\S]*}", self.handle)  # every path, control characters too
        return app

    def match(self, method: str, path: str) -> Matched | None:
        return self._routes.match(method, path)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Answer one request; API Gateway's own metrics (Count, 4xx, 5xx, Latency, IntegrationLatency) follow."""
        started = time.perf_counter()
        response = await self._answer(request)
        if self._cors is not None:
            _apply_cors(self._cors, request.headers.get("Origin"), response)
        if self._on_answer is not None:
            integration_ms = response.get(INTEGRATION_MS)
            self._on_answer(response.status, (time.perf_counter() - started) * 1000, integration_ms)
        return response

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        request_id = new_request_id()
        received_ms = int(time.time() * 1000)
        raw_path, _, raw_query = request.raw_path.partition("?")
        if _request_line_and_header_bytes(request) > limits.REQUEST_LINE_AND_HEADERS_BYTES:
            return refusal(limits.HEADERS_TOO_LARGE, request_id, {"Connection": "close"})
        try:
            path = decoded_path(raw_path)
        except MalformedPath:
            return refusal(limits.MALFORMED_REQUEST, request_id)
        matched = self.match(request.method, path)
        if not self._throttle.take(matched.route.key if matched else None):
            return refusal(limits.STAGE_THROTTLED, request_id)
        origin = request.headers.get("Origin")
        if self._cors is not None and self._cors.is_preflight(
            request.method, origin, request.headers.get("Access-Control-Request-Method")
        ):
            preflight = web.Response(status=PREFLIGHT_STATUS, headers={"apigw-requestid": request_id})
            preflight[PREFLIGHT] = True
            return preflight
        body = await _read_body(request)
        if body is None:
            return refusal(limits.PAYLOAD_TOO_LARGE, request_id, {"Connection": "close"})
        if matched is None:
            return refusal(limits.NO_ROUTE, request_id)
        route, path_parameters = matched.route, matched.parameters
        claims = scopes = None
        if not route.public:
            try:
                authorized = self._authorizer.authorize(identity_source(list(request.headers.items())), route.scopes)
            except Rejected as rejected:
                limit = limits.UNAUTHORIZED if rejected.status == 401 else limits.FORBIDDEN_SCOPE
                header = rejected.www_authenticate
                return refusal(limit, request_id, {"www-authenticate": header} if header else None)
            claims, scopes = authorized.claims, authorized.scopes
        headers = list(request.headers.items())
        trace = trace_header(request.headers.get(TRACE_HEADER))
        headers = [(name, value) for name, value in headers if name.lower() != TRACE_HEADER]
        headers.append((TRACE_HEADER, trace))
        http_request = HttpRequest(
            method=request.method,
            path=path,
            raw_query=raw_query,
            headers=headers,
            body=body,
            source_ip=request.remote or "127.0.0.1",
            received_epoch_ms=received_ms,
            request_id=request_id,
        )
        event = build_event(
            http_request, route_key=route.key, path_parameters=path_parameters, claims=claims, scopes=scopes
        )
        payload = json.dumps(event).encode()
        if len(payload) > limits.LAMBDA_SYNC_PAYLOAD_BYTES:
            return refusal(limits.LAMBDA_REQUEST_TOO_LARGE, request_id)
        return await self._integrate(route.function, payload, trace, request_id)

    async def _integrate(self, function: str, payload: bytes, trace: str, request_id: str) -> web.Response:
        started = time.perf_counter()
        task = asyncio.ensure_future(self._invoke(function, payload, trace))
        self._in_flight.add(task)  # the function runs on after an integration timeout, as in Lambda
        task.add_done_callback(self._in_flight.discard)
        try:
            result = await asyncio.wait_for(asyncio.shield(task), self._integration_timeout)
        except TimeoutError:
            return refusal(limits.INTEGRATION_TIMEOUT, request_id)
        except Throttled:
            return refusal(limits.LAMBDA_THROTTLED, request_id)  # no integration ran: no IntegrationLatency
        integration_ms = (time.perf_counter() - started) * 1000
        answer = _response_of(result, request_id)
        answer[INTEGRATION_MS] = integration_ms
        return answer


def _response_of(result: InvocationResult, request_id: str) -> web.Response:
    """The HTTP answer for an invocation's result: the function's response, or API Gateway's refusal."""
    if result.outcome is Outcome.RESPONSE_TOO_LARGE:
        return refusal(limits.LAMBDA_RESPONSE_TOO_LARGE, request_id)
    if result.is_error:
        return refusal(limits.FUNCTION_ERROR, request_id)
    try:
        response = http_response(result.payload)
    except MalformedResponse:
        return refusal(limits.FUNCTION_ERROR, request_id)
    answer = web.Response(status=response.status, body=response.body)
    for name, value in response.headers:
        answer.headers.add(name, value)
    answer.headers["apigw-requestid"] = request_id
    return answer


def _apply_cors(cors: CorsPolicy, origin: str | None, response: web.StreamResponse) -> None:
    """API Gateway's CORS headers on every answer (the integration's own are ignored); a preflight's
    allowances on the preflight. A listed origin gets them, any other none."""
    for name in [name for name in response.headers if name.lower().startswith("access-control-")]:
        del response.headers[name]
    preflight = response.get(PREFLIGHT, False)
    response.headers.update(cors.preflight_headers(origin) if preflight else cors.response_headers(origin))


def _request_line_and_header_bytes(request: web.Request) -> int:
    """What API Gateway's 10,240-byte quota counts: the request line and the header values."""
    request_line = len(request.method) + len(request.raw_path) + len(" HTTP/1.1") + 1
    return request_line + sum(len(value) for _name, value in request.raw_headers)


async def _read_body(request: web.Request) -> bytes | None:
    """The request body, or None once it passes the 10 MB HTTP API payload limit."""
    limit = limits.HTTP_API_PAYLOAD_BYTES
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
