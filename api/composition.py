"""The API's guarded handlers, composed from one set of dependency objects: one function's, or every function's.

Each backend has one composition root that builds its
:class:`~api.dependencies.Dependencies` once and hands it here: Lambda's module
init (:mod:`api.handlers`, from the environment, one function per execution
environment: :func:`build_handler`), the serverful backend (``brickguard up``,
from its settings, every function in one process: :func:`build_handlers`), and
tests (from theirs). Two compositions in one process serve side by side, each
from its own objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.app import FUNCTION_ROUTERS, function_resolver
from api.dependencies import Dependencies
from runtime.event_handler import guarded_event_handler
from runtime.telemetry import catalogue
from runtime.wrapper import LambdaHandler, guarded_handler

CSV_PARSER = "csv-parser"
HEALTH = "health"
COMPOSED_FUNCTIONS = (*FUNCTION_ROUTERS, CSV_PARSER)
"""Every function a composition can build: the HTTP functions, then the parts-list parser upload invokes."""


def uses_pool(function: str) -> bool:
    """Whether ``function`` reads or writes rows: all but health, whose probe has a connection of its own.

    The health function's environment never builds the pool (init, health checks and keep-warm pings go
    through :meth:`~api.adapters.database.Database.probe`), so it never imports SQLAlchemy.
    """
    return function != HEALTH


AWS_CLIENTS = {"gallery": (catalogue.S3,), "wishlist": (catalogue.S3,), "profile": (catalogue.S3, catalogue.COGNITO),
               "upload": (catalogue.S3,)}
"""The AWS clients each function's routes call (the others call none): its init builds them."""


def build_handler(
    function: str, deps: Dependencies, *, on_lambda_invocation: Callable[[], object] | None = None
) -> LambdaHandler:
    """The guarded handler of ``function``, serving from ``deps``; only its own routes' modules are imported.

    ``on_lambda_invocation`` runs first in each HTTP function's invocations (Lambda's breaker gauge).
    """
    if function == CSV_PARSER:
        return _csv_parser_handler(deps)
    if function not in FUNCTION_ROUTERS:
        raise KeyError(f"no function {function!r}: one of {', '.join(COMPOSED_FUNCTIONS)}")
    return guarded_handler(
        function_resolver(function, deps), function=function,
        warmup=deps.warmup if uses_pool(function) else deps.warmup_probes,
        on_lambda_invocation=on_lambda_invocation,
    )


def build_handlers(
    deps: Dependencies, *, on_lambda_invocation: Callable[[], object] | None = None
) -> dict[str, LambdaHandler]:
    """``{function: handler}`` for every function of the architecture, all serving from ``deps``."""
    return {
        function: build_handler(function, deps, on_lambda_invocation=on_lambda_invocation)
        for function in COMPOSED_FUNCTIONS
    }


def _csv_parser_handler(deps: Dependencies) -> LambdaHandler:
    from api.services import parts_import  # the CSV parser's own code: no other function imports it

    def parse_parts_list(event: Any) -> Any:
        return parts_import.import_parts_list(deps.database, deps.outbox, deps.storage, event)

    return guarded_event_handler(parse_parts_list, function=CSV_PARSER, route="Event csv-parser", warmup=deps.warmup)
