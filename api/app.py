"""Resolvers: one per Lambda function, plus one holding every route (OpenAPI generation).

Each resolver is built from one :class:`~api.dependencies.Dependencies`
composition: the route modules are router factories taking the dependency
objects they use, so every resolver gets routers of its own, bound to its own
objects (a router is never shared by two resolvers).

A function's route modules are imported when its routers are built, not with
this module: a Lambda execution environment serves one function, and its init
(``api.handlers``) imports only that function's routes and what they use (the
health function never imports the ORM, the models or image processing).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from api import dependency_errors
from guards.deadline import DeadlineExceeded
from runtime.json_body import parse_json_body
from runtime.resolver_hooks import envelope_response
from runtime.thread_safe_resolver import ThreadSafeHttpResolver

if TYPE_CHECKING:
    from api.dependencies import Dependencies


def _health_routers(deps: Dependencies) -> tuple[Router, ...]:
    from api.routes import debug, health

    return (
        health.build_router(deps.probe_components, deps.settings.service),
        debug.build_router(deps.settings, deps.breakers),
    )


def _mocs_routers(deps: Dependencies) -> tuple[Router, ...]:
    from api.routes import mocs

    return (mocs.build_router(deps.database, deps.cache, deps.search, deps.outbox),)


def _gallery_routers(deps: Dependencies) -> tuple[Router, ...]:
    from api.routes import gallery

    return (gallery.build_router(deps.database, deps.cache, deps.outbox, deps.storage),)


def _wishlist_routers(deps: Dependencies) -> tuple[Router, ...]:
    from api.routes import wishlist

    return (wishlist.build_router(deps.database, deps.cache, deps.outbox, deps.storage),)


def _profile_routers(deps: Dependencies) -> tuple[Router, ...]:
    from api.routes import profile

    return (profile.build_router(deps.database, deps.cache, deps.outbox, deps.storage, deps.user_pool),)


def _upload_routers(deps: Dependencies) -> tuple[Router, ...]:
    from api.routes import uploads

    return (uploads.build_router(deps.database, deps.outbox, deps.storage, deps.settings.csv_parser_function),)


FUNCTION_ROUTERS: dict[str, Callable[[Dependencies], tuple[Router, ...]]] = {
    "health": _health_routers,
    "mocs": _mocs_routers,
    "gallery": _gallery_routers,
    "wishlist": _wishlist_routers,
    "profile": _profile_routers,
    "upload": _upload_routers,
}
"""Each function's routers, built from the dependency objects they use (importing the route modules then)."""


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
