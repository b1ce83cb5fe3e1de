"""The API's guarded handlers, every function's, composed from one set of dependency objects.

Each backend has one composition root that builds its
:class:`~api.dependencies.Dependencies` once and hands it here: Lambda's module
init (:mod:`api.handlers`, from the environment), the serverful backend
(``brickguard up``, from its settings), and tests (from theirs). Two compositions
in one process serve side by side, each from its own objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.app import FUNCTION_ROUTERS, function_resolver
from api.dependencies import Dependencies
from api.services import parts_import
from runtime.event_handler import guarded_event_handler
from runtime.wrapper import LambdaHandler, guarded_handler


def build_handlers(
    deps: Dependencies, *, on_lambda_invocation: Callable[[], object] | None = None
) -> dict[str, LambdaHandler]:
    """``{function: handler}`` for every function of the architecture, all serving from ``deps``.

    ``on_lambda_invocation`` runs first in each HTTP function's invocations (Lambda's breaker gauge).
    """
    handlers = {
        function: guarded_handler(
            function_resolver(function, deps), function=function, warmup=deps.warmup,
            on_lambda_invocation=on_lambda_invocation,
        )
        for function in FUNCTION_ROUTERS
    }

    def parse_parts_list(event: Any) -> Any:
        return parts_import.import_parts_list(deps.database, deps.outbox, deps.storage, event)

    handlers["csv-parser"] = guarded_event_handler(
        parse_parts_list, function="csv-parser", route="Event csv-parser", warmup=deps.warmup
    )
    return handlers
