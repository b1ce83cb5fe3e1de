"""The serverful backend's composition, shared by ``brickguard serve`` (production) and ``brickguard up`` (local).

One place builds what express runs: the guard runtime's process state (telemetry: EMF, Prometheus,
tracing), the API's dependencies from the settings, every function's guarded handler over them, the
edge (route table, JWT authorizer, the stack's CORS declaration) and the WSGI application. ``up``
adds its local extras (the metric store's page, operator endpoints, chaos); ``serve`` adds nothing
local.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO

from api.composition import build_handlers
from api.dependencies import Dependencies
from api.functions import FUNCTIONS, function_for_path
from runtime import config, process
from runtime.edge import authorizer
from runtime.edge.cors import CorsPolicy
from runtime.edge.routes import routes_from_table
from runtime.serverful.admin import AdminEndpoints
from runtime.serverful.server import ServerfulApp
from stack import edge

CORS_ORIGINS_VARIABLE = "BRICKGUARD_CORS_ORIGINS"


def cors_policy() -> CorsPolicy:
    """The stack's CORS declaration (``stack/edge.py``) for express and the local gateway alike; the
    origins are ``BRICKGUARD_CORS_ORIGINS`` (comma-separated) when set, as the stack's ``CorsAllowOrigins``
    parameter configures them in AWS."""
    configured = os.environ.get(CORS_ORIGINS_VARIABLE, "")
    origins = tuple(origin.strip() for origin in configured.split(",") if origin.strip()) or edge.CORS_DEFAULT_ORIGINS
    return CorsPolicy(origins, edge.CORS_METHODS, edge.CORS_HEADERS, edge.CORS_ALLOW_CREDENTIALS, edge.CORS_MAX_AGE_S)


@dataclass(frozen=True)
class Serverful:
    """The express backend's parts: the process's guard state and the dependencies its handlers share."""

    guard: process.GuardProcess
    dependencies: Dependencies
    connected: bool
    """Whether PostgreSQL (and Redis) answered while composing (else the breakers and /health report it)."""

    def app(
        self,
        *,
        extra_routes: Mapping[str, Callable[[], tuple[bytes, str]]] | None = None,
        admin: AdminEndpoints | None = None,
    ) -> ServerfulApp:
        """The WSGI application: every function's handler, ``/metrics``, and the caller's extra routes."""
        settings = self.dependencies.settings
        return ServerfulApp(
            build_handlers(self.dependencies),
            routes_from_table(FUNCTIONS),
            function_for_path,
            authorizer.from_settings(settings),
            budget_ms=settings.request_budget_ms,
            extra_routes={**self.guard.extra_routes(), **(extra_routes or {})},
            admin=admin,
            cors=cors_policy(),
        )


def compose(settings: config.Settings, *, emf_stream: IO[str] | None = None) -> Serverful:
    """Install the guard runtime for ``settings``, build the dependencies and open their connections.

    The connections are opened before the server listens (bounded, never fatal), so the first
    requests, the load balancer's first health checks among them, do not pay for them.
    """
    guard = process.install(settings, emf_stream=emf_stream)
    dependencies = Dependencies(settings)
    return Serverful(guard, dependencies, dependencies.open_connections())
