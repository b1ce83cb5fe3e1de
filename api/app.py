"""Resolvers: one per Lambda function, plus one holding every route (OpenAPI generation)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from api.routes import debug, gallery, health, mocs, profile, uploads, wishlist
from guards.deadline import DeadlineExceeded
from runtime.errors import GatewayTimeout
from runtime.json_body import parse_json_body
from runtime.resolver_hooks import envelope_response
from runtime.thread_safe_resolver import ThreadSafeHttpResolver

OUT_OF_TIME = "The request ran out of time"

FUNCTION_ROUTERS: dict[str, tuple[Router, ...]] = {
    "health": (health.router, debug.router),
    "mocs": (mocs.router,),
    "gallery": (gallery.router,),
    "wishlist": (wishlist.router,),
    "profile": (profile.router,),
    "upload": (uploads.router,),
}


def build_resolver(*routers: Router) -> ThreadSafeHttpResolver:
    """A validating HTTP API (payload v2.0) resolver serving ``routers``, safe to share between threads."""
    app = ThreadSafeHttpResolver(enable_validation=True, json_body_deserializer=parse_json_body)
    for router in routers:
        app.include_router(router)

    @app.exception_handler(DeadlineExceeded)
    def _out_of_time(_exc: DeadlineExceeded) -> Response[Any]:
        """No time left for the next dependency call: answer 504 before the Lambda or the gateway cuts us off."""
        return envelope_response(GatewayTimeout(OUT_OF_TIME))

    return app


def function_resolver(function: str) -> ThreadSafeHttpResolver:
    """The resolver of one Lambda function of the architecture."""
    return build_resolver(*FUNCTION_ROUTERS[function])


def full_resolver() -> ThreadSafeHttpResolver:
    """Every route in one resolver: the source of ``docs/openapi.yaml``."""
    return build_resolver(*(router for routers in FUNCTION_ROUTERS.values() for router in routers))
