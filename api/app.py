"""Resolvers: one per Lambda function, plus one holding every route (OpenAPI generation).

Each resolver is built from one :class:`~api.dependencies.Dependencies`
composition: the route modules are router factories taking the dependency
objects they use, so every resolver gets routers of its own, bound to its own
objects (a router is never shared by two resolvers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from api import dependency_errors
from api.routes import debug, gallery, health, mocs, profile, uploads, wishlist
from guards.deadline import DeadlineExceeded
from runtime.json_body import parse_json_body
from runtime.resolver_hooks import envelope_response
from runtime.thread_safe_resolver import ThreadSafeHttpResolver

if TYPE_CHECKING:
    from api.dependencies import Dependencies

FUNCTION_ROUTERS: dict[str, Callable[[Dependencies], tuple[Router, ...]]] = {
    "health": lambda deps: (
        health.build_router(deps.probe_components, deps.settings.service),
        debug.build_router(deps.settings, deps.breakers),
    ),
    "mocs": lambda deps: (mocs.build_router(deps.database, deps.cache, deps.search, deps.outbox),),
    "gallery": lambda deps: (gallery.build_router(deps.database, deps.cache, deps.outbox, deps.storage),),
    "wishlist": lambda deps: (wishlist.build_router(deps.database, deps.cache, deps.outbox, deps.storage),),
    "profile": lambda deps: (
        profile.build_router(deps.database, deps.cache, deps.outbox, deps.storage, deps.user_pool),
    ),
    "upload": lambda deps: (
        uploads.build_router(deps.database, deps.outbox, deps.storage, deps.settings.csv_parser_function),
    ),
}
"""Each function's routers, built from the dependency objects they use."""


def build_resolver(*routers: Router) -> ThreadSafeHttpResolver:
    """A validating HTTP API (payload v2.0) resolver serving ``routers``, safe to share between threads."""
    app = ThreadSafeHttpResolver(enable_validation=True, json_body_deserializer=parse_json_body)
    for router in routers:
        app.include_router(router)

    @app.exception_handler(DeadlineExceeded)
    def _out_of_time(_exc: DeadlineExceeded) -> Response[Any]:
        """No time left for a call no adapter answered for (a cache or search wait): answer 504 before the
        Lambda or the gateway cuts us off."""
        return envelope_response(dependency_errors.out_of_time())

    return app


def function_resolver(function: str, deps: Dependencies) -> ThreadSafeHttpResolver:
    """The resolver of one Lambda function of the architecture, serving from ``deps``."""
    return build_resolver(*FUNCTION_ROUTERS[function](deps))


def full_resolver(deps: Dependencies) -> ThreadSafeHttpResolver:
    """Every route in one resolver: the source of ``docs/openapi.yaml``."""
    return build_resolver(*(router for routers in FUNCTION_ROUTERS.values() for router in routers(deps)))
