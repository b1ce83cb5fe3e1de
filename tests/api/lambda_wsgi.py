"""API Gateway in front of the Lambda handlers, as a WSGI app, so HTTP test tools can drive them in-process.

Like API Gateway's JWT authorizer, a valid bearer token puts its claims on the
event and a missing or bad one puts none (the handler answers 401 itself); the
event is the AWS-sample-shaped payload v2.0 of ``tests.support.clients``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from api.functions import function_for_path
from runtime.edge.authorizer import JwtAuthorizer, Rejected, identity_source
from runtime.edge.routes import MalformedPath, decoded_path
from tests.support.clients import FakeLambdaContext, v2_event


class LambdaAsWsgi:
    def __init__(self, handlers: dict[str, Any], authorizer: JwtAuthorizer) -> None:
        self._handlers = handlers
        self._authorizer = authorizer

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        try:
            claims = self._authorizer.authorize(identity_source(list(headers.items()))).claims
        except Rejected:
            claims = None
        path = quote(environ.get("PATH_INFO") or "/", safe="/%")
        try:
            decoded_path(path)
        except MalformedPath:  # refused at API Gateway's front end, before any function (devstack/apigateway)
            payload = b'{"message":"Bad Request"}'
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
            start_response("400 Bad Request", headers)
            return [payload]
        query = environ.get("QUERY_STRING", "")
        try:
            text, is_base64 = body.decode("utf-8"), False
        except UnicodeDecodeError:  # API Gateway base64-encodes bodies that are not text
            text, is_base64 = base64.b64encode(body).decode("ascii"), True
        target = path + (f"?{query}" if query else "")
        event = v2_event(environ["REQUEST_METHOD"], target, body=text or None, claims=claims, headers=headers)
        event["isBase64Encoded"] = is_base64
        if "content-type" not in headers:
            event["headers"].pop("content-type", None)
        function = function_for_path(event["rawPath"]) or "health"
        response = self._handlers[function](event, FakeLambdaContext())
        body = response.get("body") or ""
        payload = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode("utf-8")  # as API Gateway
        status = int(response["statusCode"])
        response_headers = [(name, str(value)) for name, value in (response.get("headers") or {}).items()]
        response_headers.append(("Content-Length", str(len(payload))))
        start_response(f"{status} {HTTPStatus(status).phrase}", response_headers)
        return [payload]

