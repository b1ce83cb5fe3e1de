"""Lambda's Runtime API (``/2018-06-01/runtime/…``), served to one execution environment.

The runtime interface client (``awslambdaric``) long-polls ``GET
/invocation/next`` and answers with ``POST /invocation/{id}/response`` or
``/error``; an import failure is reported on ``POST /init/error``. Headers,
status codes and error bodies mirror the runtime interface emulator: ``/next``
carries ``Lambda-Runtime-Aws-Request-Id``, ``-Deadline-Ms``,
``-Invoked-Function-Arn``, ``-Trace-Id`` (awslambdaric sets
``_X_AMZN_TRACE_ID`` from it) and ``-Client-Context``; answers are ``202
{"status":"OK"}``; an unknown request id is ``400 InvalidRequestID``; a
response over 6 MiB + 100 bytes is ``413 RequestEntityTooLarge``.

Each environment gets its own listener, as each Lambda sandbox has its own
Runtime API, so whoever calls is known by the port. Served by aiohttp: HTTP/1.1
with keep-alive, which awslambdaric's native client needs.
"""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from devstack.lambda_.invocation import Invocation

PREFIX = "/2018-06-01/runtime"
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100  # interop.MaxPayloadSize in the emulator
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"


class RuntimeApiHost(Protocol):
    """The execution environment behind one Runtime API."""

    async def next_invocation(self) -> Invocation: ...

    def respond(self, request_id: str, payload: bytes) -> bool: ...

    def fail(self, request_id: str, error_type: str, payload: bytes) -> bool: ...

    def response_too_large(self, request_id: str) -> bool: ...

    def init_failed(self, error_type: str, payload: bytes) -> None: ...


def _accepted() -> web.Response:
    return web.json_response({"status": "OK"}, status=202)


def _invalid_request_id() -> web.Response:
    return web.json_response({"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}, status=400)


def runtime_api_app(host: RuntimeApiHost) -> web.Application:
    """The Runtime API routes bound to ``host``."""

    async def next_invocation(request: web.Request) -> web.Response:
        invocation = await host.next_invocation()
        headers = {
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_epoch_ms),
            "Lambda-Runtime-Invoked-Function-Arn": invocation.function_arn,
            "Lambda-Runtime-Trace-Id": invocation.trace_header,
        }
        if invocation.client_context:
            headers["Lambda-Runtime-Client-Context"] = invocation.client_context
        return web.Response(body=invocation.payload, headers=headers, content_type="application/json")

    async def response(request: web.Request) -> web.Response:
        request_id = request.match_info["request_id"]
        payload = await request.read()
        if len(payload) <= MAX_RESPONSE_BYTES:
            return _accepted() if host.respond(request_id, payload) else _invalid_request_id()
        if not host.response_too_large(request_id):
            return _invalid_request_id()
        return web.json_response(
            {
                "errorMessage": f"Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).",
                "errorType": "RequestEntityTooLarge",
            },
            status=413,
        )

    async def error(request: web.Request) -> web.Response:
        request_id = request.match_info["request_id"]
        payload = await request.read()
        error_type = request.headers.get(ERROR_TYPE_HEADER, "Unhandled")
        return _accepted() if host.fail(request_id, error_type, payload) else _invalid_request_id()

    async def init_error(request: web.Request) -> web.Response:
        payload = await request.read()
        host.init_failed(request.headers.get(ERROR_TYPE_HEADER, "Runtime.Unknown"), payload)
        return _accepted()

    app = web.Application(client_max_size=MAX_RESPONSE_BYTES * 2)
    app.router.add_get(f"{PREFIX}/invocation/next", next_invocation)
    app.router.add_post(f"{PREFIX}/invocation/{{request_id}}/response", response)
    app.router.add_post(f"{PREFIX}/invocation/{{request_id}}/error", error)
    app.router.add_post(f"{PREFIX}/init/error", init_error)
    return app
