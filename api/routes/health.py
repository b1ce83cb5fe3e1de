"""``GET /health`` (the ``health`` function)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from api import health_responses
from api.envelope import answers
from guards.health import HEALTHY, UNHEALTHY
from runtime.errors import utc_timestamp

HEALTH_RETRY_AFTER_S = 5


def build_router(probe_components: Callable[[], dict[str, str]], service: str) -> Router:
    """``/health`` of ``service``, from ``probe_components()``: ``{database, redis, opensearch}`` → status."""
    router = Router()

    @router.get("/health", tags=["health"], **answers(health_responses.Health))
    def health() -> Response[dict[str, Any]]:
        components = probe_components()
        if components["database"] != HEALTHY:
            status, code = UNHEALTHY, 503
        elif UNHEALTHY in (components["redis"], components["opensearch"]):
            status, code = "degraded", 200
        else:
            status, code = HEALTHY, 200
        body = {"status": status, "service": service, "components": components, "timestamp": utc_timestamp()}
        headers = {"Retry-After": str(HEALTH_RETRY_AFTER_S)} if code == 503 else None
        return Response(status_code=code, content_type="application/json", body=body, headers=headers)

    return router
