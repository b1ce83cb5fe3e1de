"""The health function's answers (``GET /health``, ``GET /debug/config``): its init imports no other model."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from api.envelope import Ok, Omittable, Out
from runtime.telemetry import catalogue

ComponentStatus = Literal["healthy", "unhealthy", "not_configured"]


class Components(Out):
    database: ComponentStatus
    redis: ComponentStatus
    opensearch: ComponentStatus


class Health(Out):
    """``GET /health``: 200 when healthy or degraded, 503 when unhealthy (same shape)."""

    status: Literal["healthy", "degraded", "unhealthy"]
    service: str
    components: Components
    timestamp: datetime


class DebugConfig(Out):
    """Which backend answered and how it is configured (dev and staging only)."""

    backend: catalogue.Backend
    service: str
    stage: Literal["dev", "staging"]
    version: str
    function_version: Omittable[str] = None  # Lambda's version ($LATEST, 7, …); left out on express
    migration_mode: bool
    cache_prefix: Literal["", "v2:"]
    breakers: dict[str, Literal["closed", "open", "half-open"]]


class DebugConfigResponse(Ok):
    data: DebugConfig
