"""The guard runtime's wrapper for functions invoked directly with an event (no HTTP): the CSV parser.

Same request context, deadline, cold start, metrics, logs and trace as
:func:`runtime.wrapper.guarded_handler`, and keep-warm pings answered the same
way, but no HTTP envelope: ``work(event)`` returns the function's result, and
an exception propagates to Lambda after it is recorded. For an ``Event``
invocation that is what makes Lambda retry (twice) and finally hand the event
to the on-failure destination, so ``work`` raises only for failures a retry
can cure and returns a result for input that will never work.

Example::

    csv_parser = guarded_event_handler(import_parts_list, function="csv-parser", route="Event csv-parser")
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from runtime import coldstart, keepwarm, process
from runtime.telemetry.context import RequestContext
from runtime.telemetry.logs import qualified_type
from runtime.wrapper import invocation_deadline

EventWork = Callable[[dict[str, Any]], dict[str, Any]]


class EventFailed(Exception):
    """What reaches Lambda when ``work`` raised: the failure's type, never its message.

    Lambda's runtime client prints an escaping exception's message into the function's log and
    hands it to the on-failure destination; a database error's message carries the SQL and the
    row's values (a parts list's title, its ids). The error line logged inside the invocation
    already names the type and the frames.
    """

    def __init__(self, error_type: str) -> None:
        super().__init__(f"{error_type} (the event will be retried)")
        self.error_type = error_type


def guarded_event_handler(
    work: EventWork, *, function: str, route: str, warmup: Callable[[], None] | None = None
) -> Callable[[Any, Any], dict[str, Any]]:
    """Wrap ``work`` as the Lambda handler of ``function``; ``route`` is its bounded metric dimension."""

    def handler(event: Any, lambda_context: Any) -> dict[str, Any]:
        started = time.perf_counter()
        guard = process.get()
        cold = coldstart.take_cold_start()
        if keepwarm.is_keepwarm_ping(event):
            return keepwarm.answer_ping(
                event, lambda_context, guard.telemetry,
                cold_start=cold.cold, init_ms=cold.init_ms, warmup=warmup or (lambda: None),
            )
        ctx = RequestContext(
            request_id=str(getattr(lambda_context, "aws_request_id", "") or uuid.uuid4()),
            backend=guard.settings.backend,
            cold_start=cold.cold,
            route=route,
            method="Event",
            deadline=invocation_deadline(lambda_context, guard.settings.request_budget_ms),
        )
        invocation = guard.telemetry.invocation(
            ctx, lambda_context=lambda_context, init_ms=cold.init_ms, started=started, function=function
        )
        try:
            with invocation as inv:
                result = work(event if isinstance(event, dict) else {})
                inv.status = 200
        except Exception as exc:
            raise EventFailed(qualified_type(exc)) from None
        return result

    handler.__name__ = function.replace("-", "_")
    handler.__qualname__ = handler.__name__
    return handler
