"""Keep-warm pings: recognise the EventBridge warmer payload and keep N environments warm.

A ping is a *direct* invocation whose event is exactly
``{"warmer": true, "concurrency": N}`` (N an int in 1..50), optionally with the
``__WARMER_INVOCATION__`` / ``__WARMER_CORRELATIONID__`` keys our own fan-out
adds. Anything else is not a ping: an HTTP API event (it has ``version``,
``rawPath``, ``requestContext``…) never is, whatever its body or headers say,
and unknown extra keys are refused rather than guessed about.

For N > 1 the first environment fans out N-1 concurrent ``RequestResponse``
self-invocations (like lambda-warmer): each fanned-out ping holds for a short
delay so the others cannot reuse its environment, and the first one waits for
all of them, so N distinct environments are busy at the same moment. Fan-out
errors are counted, logged and never fail the ping.

The wrapper calls :func:`answer_ping` for a ping, before any business code:
it is :func:`handle_ping` plus what telemetry makes of a ping (the init of the
environment it may have woken, logged: no caller waited for it, so it is no
``ColdStartDuration``; ``KeepWarmPing``, one log line, one EMF flush).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from runtime.telemetry import catalogue, recorder

if TYPE_CHECKING:
    from runtime.telemetry.facade import Telemetry

MAX_CONCURRENCY = 50
DEFAULT_DELAY_MS = 75
INVOCATION_KEY = "__WARMER_INVOCATION__"
CORRELATION_KEY = "__WARMER_CORRELATIONID__"
_ALLOWED_KEYS = frozenset({"warmer", "concurrency", INVOCATION_KEY, CORRELATION_KEY})

INSTANCE_ID = str(uuid.uuid4())  # one per process: tells the environments of a fan-out apart

_log = logging.getLogger(__name__)


def is_keepwarm_ping(event: Any) -> bool:
    """True only for the exact warmer payload of a direct invocation."""
    if type(event) is not dict or event.get("warmer") is not True:
        return False
    if not _ALLOWED_KEYS.issuperset(event):  # rejects HTTP API events (version, rawPath, body…) too
        return False
    concurrency = event.get("concurrency")
    return type(concurrency) is int and 1 <= concurrency <= MAX_CONCURRENCY


def _function_name(lambda_context: Any) -> str | None:
    return getattr(lambda_context, "invoked_function_arn", None) or getattr(lambda_context, "function_name", None)


def _invoke_one(client: Any, function: str, payload: bytes) -> bool:
    """One fanned-out ping; True when Lambda ran it without a function error."""
    try:
        response = client.invoke(FunctionName=function, InvocationType="RequestResponse", Payload=payload)
        response["Payload"].read()
    except Exception as exc:
        _log.warning("keep-warm fan-out invocation failed: %s", type(exc).__name__)
        return False
    return "FunctionError" not in response and 200 <= response.get("StatusCode", 0) < 300


def fan_out(
    function: str, count: int, correlation_id: str, invoke_client_factory: Callable[[], Any]
) -> dict[str, int]:
    """Invoke ``function`` ``count`` times concurrently and wait for all; returns ``{invoked, failed}``."""
    if count <= 0:
        return {"invoked": 0, "failed": 0}
    try:
        client = invoke_client_factory()
    except Exception as exc:
        _log.warning("keep-warm fan-out skipped, no Lambda client: %s", type(exc).__name__)
        return {"invoked": 0, "failed": count}
    payloads = [
        json.dumps(
            {"warmer": True, "concurrency": 1, INVOCATION_KEY: i, CORRELATION_KEY: correlation_id}
        ).encode()
        for i in range(1, count + 1)
    ]
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="keepwarm") as pool:
        results = list(pool.map(lambda payload: _invoke_one(client, function, payload), payloads))
    failed = results.count(False)
    return {"invoked": count - failed, "failed": failed}


def handle_ping(
    event: Mapping[str, Any],
    lambda_context: Any,
    *,
    warmup: Callable[[], None],
    invoke_client_factory: Callable[[], Any],
    cold_start: bool,
    delay_ms: float = DEFAULT_DELAY_MS,
) -> dict[str, Any]:
    """Warm this environment (and N-1 others), count ``KeepWarmPing``, return the summary."""
    concurrency = int(event["concurrency"])
    fanned_out = INVOCATION_KEY in event
    correlation_id = str(event.get(CORRELATION_KEY) or getattr(lambda_context, "aws_request_id", "") or uuid.uuid4())
    try:
        warmup()
    except Exception:
        _log.exception("keep-warm warmup failed")
    fan = {"invoked": 0, "failed": 0}
    if concurrency > 1 and not fanned_out:
        function = _function_name(lambda_context)
        if function is None:
            _log.warning("keep-warm fan-out skipped: no function name in the Lambda context")
            fan["failed"] = concurrency - 1
        else:
            fan = fan_out(function, concurrency - 1, correlation_id, invoke_client_factory)
    elif fanned_out and delay_ms > 0:
        time.sleep(delay_ms / 1000.0)  # stay busy so the next fanned-out ping lands elsewhere
    recorder.record(catalogue.KEEP_WARM_PING)
    return {
        "warm": True,
        "coldStart": cold_start,
        "concurrency": concurrency,
        "correlationId": correlation_id,
        "instanceId": INSTANCE_ID,
        "fanOut": fan,
    }


def answer_ping(
    event: Mapping[str, Any],
    lambda_context: Any,
    telemetry: Telemetry,
    *,
    cold_start: bool,
    init_ms: float | None,
    warmup: Callable[[], None],
    invoke_client_factory: Callable[[], Any] | None = None,
    delay_ms: float = DEFAULT_DELAY_MS,
) -> dict[str, Any]:
    """Answer a ping the wrapper recognised: the init it woke logged, fan-out, one log line, one flush."""
    try:
        telemetry.record_environment(cold_start=cold_start, init_ms=init_ms)
        summary = handle_ping(
            event,
            lambda_context,
            warmup=warmup,
            invoke_client_factory=invoke_client_factory or _process_client_factory(),
            cold_start=cold_start,
            delay_ms=delay_ms,
        )
        telemetry.log.logger.info(
            "keep-warm ping",
            extra={
                "correlationId": summary["correlationId"],
                "coldStart": cold_start,
                "concurrency": summary["concurrency"],
                "fanOut": summary["fanOut"],
            },
        )
        return summary
    finally:
        telemetry.flush()


_client_factory: Callable[[], Any] | None = None


def _process_client_factory() -> Callable[[], Any]:
    """One Lambda client factory per process, so every ping of an environment reuses one client."""
    global _client_factory
    if _client_factory is None:
        _client_factory = default_invoke_client_factory()
    return _client_factory


def default_invoke_client_factory() -> Callable[[], Any]:
    """A factory making one boto3 Lambda client on first use (fast timeouts, no retries)."""
    client: list[Any] = []

    def factory() -> Any:
        if not client:
            import boto3
            from botocore.config import Config

            config = Config(connect_timeout=2, read_timeout=10, retries={"total_max_attempts": 1})
            client.append(boto3.client("lambda", config=config))
        return client[0]

    return factory
