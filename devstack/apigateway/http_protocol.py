"""What the local gateway answers to bytes that never become a request: API Gateway's shape, nothing echoed.

aiohttp answers a request it cannot parse (a malformed request line or header line, a bad
``Content-Length``, ``Transfer-Encoding`` with ``Content-Length``, raw non-ASCII in the target, a line
over its size limit) with a plain-text page quoting the parser's message — which can quote the
request, a bearer token included — and logs it with the same text. API Gateway answers
``{"message": …}`` and never echoes. :class:`GatewayRunner` serves an application through a request
handler that answers those refusals from :mod:`devstack.apigateway.limits` (400, or 431 past the size
limit) and logs only the status; an exception escaping the gateway's own code is API Gateway's 500.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import LineTooLong
from aiohttp.web_protocol import RequestHandler

from devstack.apigateway import limits

log = logging.getLogger(__name__)

# The parser refuses a single line past the quota (431); the total of the request line and header
# values is checked against the quota once the request is parsed (the gateway does).
MAX_LINE_BYTES = limits.REQUEST_LINE_AND_HEADERS_BYTES


def refusal(limit: limits.Limit, request_id: str, extra: dict[str, str] | None = None) -> web.Response:
    """API Gateway's own answer for ``limit``: ``{"message": …}`` with the ``apigw-requestid`` header."""
    headers = {"apigw-requestid": request_id, **(extra or {})}
    return web.json_response(limit.body, status=limit.status, headers=headers, dumps=_compact)


def new_request_id() -> str:
    return base64.b64encode(os.urandom(10)).decode()


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


class _GatewayRequestHandler(RequestHandler):
    def handle_error(
        self, request: Any, status: int = 500, exc: BaseException | None = None, message: str | None = None
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:
            raise ConnectionError("the response was already started")
        if status == 500:
            limit = limits.FUNCTION_ERROR
        elif isinstance(exc, LineTooLong):
            limit = limits.HEADERS_TOO_LARGE
        else:
            limit = limits.MALFORMED_REQUEST
        log.info("gateway refused a request it could not parse: %s", limit.status)  # never the parser's text
        response = refusal(limit, new_request_id())
        response.force_close()
        return response


class _GatewayServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _GatewayRequestHandler(self, loop=self._loop, **self._kwargs)


class GatewayRunner(web.AppRunner):
    """An ``AppRunner`` whose connections answer unparseable requests as API Gateway does."""

    def __init__(self, app: web.Application, **kwargs: Any) -> None:
        super().__init__(app, max_line_size=MAX_LINE_BYTES, max_field_size=MAX_LINE_BYTES, **kwargs)

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        return _GatewayServer(server.request_handler, request_factory=server.request_factory, **self._kwargs)
