"""``GET /health`` (the ``health`` function)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from api import dependencies
from runtime.errors import utc_timestamp

router = Router()


@router.get("/health", tags=["health"])
def health() -> Response[dict[str, Any]]:
    deps = dependencies.get()
    components = deps.probe_components()
    if components["database"] != "up":
        status, code = "unhealthy", 503
    elif "down" in (components["redis"], components["opensearch"]):
        status, code = "degraded", 200
    else:
        status, code = "healthy", 200
    body = {
        "status": status,
        "service": deps.settings.service,
        "components": components,
        "timestamp": utc_timestamp(),
    }
    return Response(status_code=code, content_type="application/json", body=body)
