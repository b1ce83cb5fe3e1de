"""Structured JSON logs through Powertools Logger: one access line per request, one error line per 500.

The access line carries exactly ``requestId, route, method, status,
responseTimeMs, backend, coldStart, userId`` and nothing else from the
request: never headers, cookies, tokens, bodies, query strings or search
terms (the route is the *template*, so ids and terms in the path stay out too).
The error line for a 500 carries the same ``requestId`` the client sees in its
error envelope, plus the exception type and stack frames (not its message),
server-side only.

Example::

    log = RequestLogger(service="lego-projects-api")
    log.access_log(ctx, status=200, elapsed_ms=3.4)
    log.error_log(ctx, exc)
"""

from __future__ import annotations

import json
import logging
import traceback
from typing import IO, Any

from aws_lambda_powertools import Logger

from runtime.telemetry.access_line import AccessLineWriter
from runtime.telemetry.context import RequestContext


class RequestLogger:
    """The request-scoped log lines of the runtime, on one Powertools Logger configured once."""

    def __init__(self, *, service: str, stream: IO[str] | None = None, level: str | int | None = None) -> None:
        self.logger = Logger(
            service=service,
            stream=stream,
            level=level,
            json_serializer=ENCODER.encode,
            json_deserializer=_json_message,
        )
        handler = self.logger.registered_handler
        if stream is not None and isinstance(handler, logging.StreamHandler) and handler.stream is not stream:
            # Powertools reuses an already-configured logger of the same service; point it at ``stream``.
            handler.setStream(stream)
        self._info = self.logger.log_level <= logging.INFO
        self._writer = AccessLineWriter.for_logger(self.logger, ENCODER)

    def access_log(self, ctx: RequestContext, status: int, elapsed_ms: float) -> None:
        """Write the one access line of a request (through :mod:`access_line` while it can reproduce it)."""
        if not self._info:
            return
        fields = {
            "requestId": ctx.request_id,
            "route": ctx.route,
            "method": ctx.method,
            "status": status,
            "responseTimeMs": round(elapsed_ms, 3),
            "backend": ctx.backend,
            "coldStart": ctx.cold_start,
            "userId": ctx.user_id,
        }
        if self._writer is None or not self._writer.write("request", fields):
            self.logger.info("request", extra=fields)

    def error_log(self, ctx: RequestContext, exc: BaseException) -> None:
        """Write the server-side line of a 500: same ``requestId`` as the envelope, exception type and frames.

        The exception *message* is left out on purpose: validation and database
        errors embed request data in it (``Key (email)=(…) already exists``).
        """
        self.logger.error(
            "unhandled exception",
            extra={
                "requestId": ctx.request_id,
                "route": ctx.route,
                "method": ctx.method,
                "backend": ctx.backend,
                "errorType": qualified_type(exc),
                "causes": [qualified_type(cause) for cause in _causes(exc)],
                "stackTrace": [
                    f"{frame.filename}:{frame.lineno} in {frame.name}"
                    for frame in traceback.extract_tb(exc.__traceback__)
                ],
            },
        )


# Powertools' default serializer (json.dumps with these options) builds an encoder per line; build it once.
ENCODER = json.JSONEncoder(default=str, separators=(",", ":"), ensure_ascii=False)


def _json_message(message: Any) -> Any:
    """Powertools decodes every message that *might* be JSON; fail fast when it obviously is not.

    Same result as ``json.loads`` for JSON messages; plain messages such as
    ``"request"`` skip building a decoder and raising inside it (~5 µs a line).
    """
    if isinstance(message, str) and message[:1] in ("{", "["):
        return json.loads(message)
    raise ValueError("not a JSON message")


def qualified_type(exc: BaseException) -> str:
    """``module.Class`` of an exception (``ValueError`` for builtins): what may be logged of it."""
    cls = type(exc)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current = exc.__cause__ or exc.__context__
    while current is not None and current not in chain and len(chain) < 5:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain
