"""``GET /debug/config`` (the ``health`` function): which backend answered and how it is configured.

The seeds' answer to "which environment is on serverless?": the backend, its
version, migration mode, cache prefix and breaker states. It answers in dev and
staging only; with ``STAGE=prod`` it is a 404 like any unknown path (and
configuration refuses to turn it on there). It needs a valid token, like every
route but ``/health``.
"""

from __future__ import annotations

import os
from importlib import metadata
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from api import health_responses
from api.caller import CallerId
from api.envelope import answers
from runtime.errors import NotFound

if TYPE_CHECKING:
    from guards.breaker_registry import BreakerRegistry
    from runtime.config import Settings


def _version() -> str:
    try:
        return metadata.version("brickguard")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def build_router(settings: Settings, breakers: BreakerRegistry) -> Router:
    """``/debug/config``: these settings and the states of these breakers."""
    router = Router()

    @router.get("/debug/config", tags=["health"], **answers(health_responses.DebugConfigResponse, also=(404,)))
    def debug_config(_signed_in: CallerId) -> dict[str, Any]:  # any signed-in user (API Gateway checks it too)
        if not settings.debug_config or settings.stage == "prod":
            raise NotFound("Resource not found")
        data = {
            "backend": settings.backend,
            "service": settings.service,
            "stage": settings.stage,
            "version": _version(),
            "function_version": os.environ.get("AWS_LAMBDA_FUNCTION_VERSION"),
            "migration_mode": settings.migration_mode,
            "cache_prefix": settings.cache_prefix,
            "breakers": {name: snapshot["state"] for name, snapshot in breakers.snapshot().items()},
        }
        return {"success": True, "data": health_responses.DebugConfig.of(data)}

    return router
