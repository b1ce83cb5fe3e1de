"""Lambda entry points, one per function of the architecture: Lambda's composition root.

Module init builds the dependencies from the environment, once per execution
environment, and every function's guarded handler over them; each takes an API
Gateway HTTP API payload v2.0 event (or a keep-warm ping). Init also installs the
guard's telemetry, builds the clients and opens the PostgreSQL and Redis connections (bounded, never failing
init): a provisioned environment is initialised before traffic, so its first
request finds them open, and an on-demand one pays for them once, in init.
"""

from __future__ import annotations

from api.composition import build_handlers
from api.dependencies import Dependencies
from guards.breaker_gauge import InvocationGauge
from runtime import (
    coldstart,  # noqa: F401  - first import: marks the start of init for InitDuration
    config,
    process,
)

DEPENDENCIES = Dependencies(config.load())
# a frozen environment runs no gauge thread: every invocation (keep-warm pings too) ticks it instead
BREAKER_GAUGE = InvocationGauge(DEPENDENCIES.breakers.snapshot, DEPENDENCIES.settings.breaker_gauge_period_ms / 1000)
HANDLERS = build_handlers(DEPENDENCIES, on_lambda_invocation=BREAKER_GAUGE.tick)
process.get()  # the guard's telemetry (EMF, tracer) installed during init, not by the first request
DEPENDENCIES.open_connections()

health = HANDLERS["health"]
mocs = HANDLERS["mocs"]
gallery = HANDLERS["gallery"]
wishlist = HANDLERS["wishlist"]
profile = HANDLERS["profile"]
upload = HANDLERS["upload"]
csv_parser = HANDLERS["csv-parser"]
