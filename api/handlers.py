"""Lambda entry points, one per function of the architecture: Lambda's composition root.

Module init builds the dependencies from the environment, once per execution environment.
Each function's handler (``api.handlers.health``, ``api.handlers.mocs``, … the handler strings
of :mod:`api.functions`) is built when it is first read, through this module's ``__getattr__``
(PEP 562): the runtime interface client imports this module and reads the one attribute its
``_HANDLER`` names, both during init, so an execution environment builds and imports only its own
function's routes and what they use (the health function never imports the ORM, the models or
image processing, and reaches PostgreSQL through psycopg alone: no SQLAlchemy). A module per
function would do the same but change every handler string the stack declares and spread one
composition root over seven files.

The first handler built also installs the guard's telemetry and opens the PostgreSQL and Redis
connections (bounded, never failing init): a provisioned environment is initialised before
traffic, so its first request finds them open, and an on-demand one pays for them once, in init.
"""

from __future__ import annotations

import threading

from api.composition import AWS_CLIENTS, build_handler, uses_pool
from api.dependencies import Dependencies
from api.functions import FUNCTIONS
from guards.breaker_gauge import InvocationGauge
from runtime import (
    coldstart,  # noqa: F401  - marks the start of init for InitDuration where /proc is missing
    config,
    process,
)
from runtime.wrapper import LambdaHandler

DEPENDENCIES = Dependencies(config.load())
# a frozen environment runs no gauge thread: every invocation (keep-warm pings too) ticks it instead
BREAKER_GAUGE = InvocationGauge(DEPENDENCIES.breakers.snapshot, DEPENDENCIES.settings.breaker_gauge_period_ms / 1000)
HANDLERS: dict[str, LambdaHandler] = {}
"""The functions built in this process, by name: in a Lambda execution environment, its own only."""

_FUNCTION_OF_ATTRIBUTE = {function.handler.rpartition(".")[2]: function.name for function in FUNCTIONS}
_building = threading.Lock()


def __getattr__(name: str) -> LambdaHandler:
    """``api.handlers.<function>``: that function's guarded handler, built on first access."""
    function = _FUNCTION_OF_ATTRIBUTE.get(name)
    if function is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _building:
        if function not in HANDLERS:
            HANDLERS[function] = _build(function)
            globals()[name] = HANDLERS[function]  # later reads find the attribute itself
    return HANDLERS[function]


def _build(function: str) -> LambdaHandler:
    first = not HANDLERS
    handler = build_handler(function, DEPENDENCIES, on_lambda_invocation=BREAKER_GAUGE.tick)
    if first:
        process.get()  # the guard's telemetry (EMF, tracer) installed during init, not by the first request
        DEPENDENCIES.build_aws_clients(AWS_CLIENTS.get(function, ()))
        DEPENDENCIES.open_connections(pool=uses_pool(function))
    return handler
