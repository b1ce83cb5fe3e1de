"""Lambda's asynchronous invocation, locally: queued, retried twice on error, then the on-failure destination.

What AWS documents for ``InvocationType=Event``: the caller gets 202 as soon as
the event is queued; when the function returns an error Lambda runs it two
more times, waiting about one minute before the first retry and two minutes
before the second; an event whose last attempt failed goes to the function's
on-failure destination as an invocation record (``condition: RetriesExhausted``).
A throttled attempt is retried too. ``delay_scale`` shrinks the waits for tests
and local runs (``BRICKGUARD_ASYNC_DELAY_SCALE``); the sequence stays the same.

Example::

    events = AsyncInvoker(invoke, arn_of, on_failure=send_to_queue, delay_scale=0.001)
    events.submit("csv-parser", b'{"fileId": "..."}', None)   # returns at once
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from devstack.lambda_.invocation import InvocationResult, Outcome
from devstack.lambda_.pool import Throttled

RETRY_DELAYS_S = (60.0, 120.0)
"""Lambda's waits before the first and the second retry of a failed asynchronous event."""

Invoke = Callable[[str, bytes, str | None], Awaitable[InvocationResult]]
FailureDestination = Callable[[str, dict[str, Any]], Awaitable[None]]
"""``(function, invocation record)``: where an event goes once its retries are spent."""


class AsyncInvoker:
    """The event queue of the local Lambda: one task per event, bounded by its retries."""

    def __init__(
        self,
        invoke: Invoke,
        arn_of: Callable[[str], str],
        *,
        on_failure: FailureDestination | None = None,
        delay_scale: float = 1.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if delay_scale < 0:
            raise ValueError(f"delay_scale must not be negative, got {delay_scale}")
        self._invoke = invoke
        self._arn_of = arn_of
        self._on_failure = on_failure
        self._delays = tuple(delay * delay_scale for delay in RETRY_DELAYS_S)
        self._sleep = sleep
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, function: str, payload: bytes, client_context: str | None) -> None:
        """Queue one event (call on the loop); Lambda's 202 is the caller's business."""
        task = asyncio.ensure_future(self._deliver(function, payload, client_context))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for every queued event to finish (tests; shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _deliver(self, function: str, payload: bytes, client_context: str | None) -> None:
        request_id = str(uuid.uuid4())
        last: InvocationResult | None = None
        waits = (0.0, *self._delays)
        for delay in waits:
            if delay:
                await self._sleep(delay)
            try:
                last = await self._invoke(function, payload, client_context)
            except Throttled as throttled:  # Lambda retries throttled events too
                last = InvocationResult(Outcome.FUNCTION_ERROR, b"", f"Throttled: {throttled.reason}")
                continue
            if not last.is_error:
                return
        if self._on_failure is not None:
            await self._on_failure(function, self._record(function, request_id, payload, last, len(waits)))

    def _record(
        self, function: str, request_id: str, payload: bytes, result: InvocationResult | None, attempts: int
    ) -> dict[str, Any]:
        """The invocation record Lambda sends to an on-failure destination."""
        return {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "requestContext": {
                "requestId": request_id,
                "functionArn": f"{self._arn_of(function)}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": attempts,
            },
            "requestPayload": _json_or_text(payload),
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": _json_or_text(result.payload) if result is not None else None,
        }


def _json_or_text(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data.decode("utf-8", errors="replace")
