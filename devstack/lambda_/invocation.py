"""One Lambda invocation as the platform tracks it, and how it ended.

Mirrors what Lambda's invoke path hands an execution environment (request id,
payload, deadline, trace header, function ARN) and the outcomes it reports
back to the caller: a response, a function error (the runtime posted to
``/error``), or a platform error (timeout, runtime exit, init error, response
too large) whose ``errorType`` is Lambda's own (``Sandbox.Timedout``,
``Runtime.ExitError``, ``Function.ResponseSizeTooLarge``, ``Runtime.*``).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from enum import Enum


class Outcome(Enum):
    SUCCESS = "success"
    FUNCTION_ERROR = "function_error"
    TIMEOUT = "timeout"
    RUNTIME_EXIT = "runtime_exit"
    INIT_ERROR = "init_error"
    RESPONSE_TOO_LARGE = "response_too_large"


@dataclass(frozen=True)
class InvocationResult:
    """What the invoker gets: the outcome, the bytes Lambda returns, and Lambda's error type if any."""

    outcome: Outcome
    payload: bytes
    error_type: str | None = None

    @property
    def is_error(self) -> bool:
        return self.outcome is not Outcome.SUCCESS


def platform_error(outcome: Outcome, error_type: str, request_id: str, message: str) -> InvocationResult:
    """An error Lambda itself reports, shaped like its ``{"errorType", "errorMessage"}`` payload."""
    body = {"errorMessage": f"RequestId: {request_id} Error: {message}", "errorType": error_type}
    return InvocationResult(outcome, json.dumps(body).encode(), error_type)


@dataclass
class Invocation:
    """An invocation on its way to, and through, one execution environment."""

    function_arn: str
    payload: bytes
    timeout_seconds: float
    trace_header: str
    client_context: str | None = None
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    deadline_epoch_ms: int = 0
    started: float = 0.0  # time.monotonic() when the runtime received it
    result: asyncio.Future[InvocationResult] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def begin(self) -> None:
        """The runtime took the invocation from ``/next``: the function timeout starts now."""
        self.started = time.monotonic()
        self.deadline_epoch_ms = int(time.time() * 1000 + self.timeout_seconds * 1000)

    def finish(self, result: InvocationResult) -> bool:
        """Settle the invocation once; False when it was already settled (a late or duplicate answer)."""
        if self.result.done():
            return False
        self.result.set_result(result)
        return True
