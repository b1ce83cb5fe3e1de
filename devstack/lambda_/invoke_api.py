"""Lambda's Invoke API (``POST /2015-03-31/functions/{FunctionName}/invocations``) on loopback.

What boto3's ``lambda.invoke`` reaches when ``AWS_ENDPOINT_URL_LAMBDA`` points
here — the keep-warm fan-out inside the environments uses it. Mirrors the
API reference: ``FunctionName`` may be a name, a partial or a full ARN
(a ``:qualifier`` suffix is accepted); ``X-Amz-Invocation-Type`` is
``RequestResponse`` (200, ``X-Amz-Function-Error: Unhandled`` on a function
error), ``Event`` (202, run in the background) or ``DryRun`` (204); an
unknown function is 404 ``ResourceNotFoundException``, a payload over 6 MB is
413 ``RequestEntityTooLargeException``, a payload that is not JSON is 400
``InvalidRequestContentException`` (the function is not invoked), a throttle is 429
``TooManyRequestsException`` with its ``Reason``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from devstack.apigateway.limits import LAMBDA_SYNC_PAYLOAD_BYTES
from devstack.lambda_.async_invoke import AsyncInvoker
from devstack.lambda_.invocation import InvocationResult
from devstack.lambda_.pool import Throttled

EVENT_PAYLOAD_BYTES = 256 * 1024  # asynchronous invocation payload limit
DirectInvoker = Callable[[str, bytes, str | None], Awaitable[InvocationResult]]
"""``invoke(function, payload, client_context)`` with no gateway in front."""


def _error(status: int, error_type: str, message: str, **extra: str) -> web.Response:
    return web.json_response(
        {"Type": "User", "message": message, **extra}, status=status, headers={"x-amzn-ErrorType": error_type}
    )


def _is_json(payload: bytes) -> bool:
    """Lambda parses the payload as JSON before invoking: anything else never reaches the function."""
    try:
        json.loads(payload)
    except ValueError:  # UnicodeDecodeError included
        return False
    return True


def function_key(function_name: str, names: Mapping[str, str]) -> str | None:
    """Our function for ``function_name`` (name, ``…:function:name`` ARN, ``:qualifier`` ignored)."""
    name = function_name.split(":function:", 1)[-1] if ":function:" in function_name else function_name
    name = name.split(":", 1)[0]
    return names.get(name)


def _forget(background: set[asyncio.Task[InvocationResult]]) -> Callable[[asyncio.Task[InvocationResult]], None]:
    """Drop a finished ``Event`` invocation; its outcome is in the function's logs, as in Lambda."""

    def done(task: asyncio.Task[InvocationResult]) -> None:
        background.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved, so a throttled Event invocation is not reported as unhandled

    return done


def invoke_api_app(
    names: Mapping[str, str], invoke: DirectInvoker, events: AsyncInvoker | None = None
) -> web.Application:
    """``names`` maps deployed function names to the table's function names.

    ``events`` queues ``Event`` invocations with Lambda's retries and on-failure destination
    (:mod:`devstack.lambda_.async_invoke`); without it an event runs once in the background.
    """
    background: set[asyncio.Task[InvocationResult]] = set()

    async def invocations(request: web.Request) -> web.Response:
        function = function_key(request.match_info["name"], names)
        if function is None:
            message = f"Function not found: {request.match_info['name']}"
            return _error(404, "ResourceNotFoundException", message)
        invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        payload = await request.read() or b"{}"
        limit = EVENT_PAYLOAD_BYTES if invocation_type == "Event" else LAMBDA_SYNC_PAYLOAD_BYTES
        if len(payload) > limit:
            message = f"Request must be smaller than {limit} bytes for the InvokeFunction operation"
            return _error(413, "RequestEntityTooLargeException", message)
        if not _is_json(payload):
            message = "Could not parse request body into json: Could not parse payload into json"
            return _error(400, "InvalidRequestContentException", message)
        if invocation_type == "DryRun":
            return web.Response(status=204)
        client_context = request.headers.get("X-Amz-Client-Context")
        if invocation_type == "Event" and events is not None:
            events.submit(function, payload, client_context)
            return web.Response(status=202)
        if invocation_type == "Event":
            task = asyncio.ensure_future(invoke(function, payload, client_context))
            background.add(task)
            task.add_done_callback(_forget(background))
            return web.Response(status=202)
        try:
            result = await invoke(function, payload, client_context)
        except Throttled as throttled:
            return _error(429, "TooManyRequestsException", "Rate Exceeded.", Reason=throttled.reason)
        headers = {"X-Amz-Executed-Version": "$LATEST"}
        if result.is_error:
            headers["X-Amz-Function-Error"] = "Unhandled"
        return web.Response(body=result.payload, headers=headers, content_type="application/json")

    app = web.Application(client_max_size=LAMBDA_SYNC_PAYLOAD_BYTES * 2)
    app.router.add_post("/2015-03-31/functions/{name}/invocations", invocations)
    return app
