"""``GET /health`` per DESIGN.md: components healthy / unhealthy / not_configured; degraded; 503 unhealthy.

Each state runs the real health handler against real servers and a refused port standing in
for the dependency that is down.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from api.composition import build_handlers
from api.dependencies import Dependencies
from devstack.embedded import free_port
from runtime import config
from tests.support.clients import LambdaClient


@pytest.fixture
def health_with(api_settings: config.Settings, api_dependencies: Dependencies) -> Iterator:
    """Calls ``/health`` of handlers composed from ``api_settings`` changed by the given fields."""
    composed: list[Dependencies] = []

    def call(**changes: str | None):
        deps = Dependencies(dataclasses.replace(api_settings, **changes))
        composed.append(deps)
        return LambdaClient(build_handlers(deps)).call("GET", "/health", user=None)

    yield call
    for deps in composed:
        deps.database.dispose()


def refused_url(scheme: str) -> str:
    return f"{scheme}://127.0.0.1:{free_port()}/0"


def test_all_up_is_healthy_and_an_unset_dependency_is_not_configured(health_with):
    reply = health_with(opensearch_url=None)
    assert reply.status == 200
    assert reply.json["status"] == "healthy"
    assert reply.json["components"] == {"database": "healthy", "redis": "healthy", "opensearch": "not_configured"}
    assert reply.json["service"] and reply.json["timestamp"].endswith("Z")


def test_redis_down_is_degraded_with_a_200(health_with):
    reply = health_with(redis_url=refused_url("redis"), opensearch_url=None)
    assert reply.status == 200
    assert reply.json["status"] == "degraded"
    assert reply.json["components"] == {"database": "healthy", "redis": "unhealthy", "opensearch": "not_configured"}


def test_opensearch_down_is_degraded(health_with):
    reply = health_with(opensearch_url=f"http://127.0.0.1:{free_port()}")
    assert reply.status == 200
    assert reply.json["status"] == "degraded"
    assert reply.json["components"]["opensearch"] == "unhealthy"


def test_postgres_down_is_unhealthy_with_a_503_and_retry_after(health_with):
    reply = health_with(database_url=f"postgresql://brickguard@127.0.0.1:{free_port()}/brickguard")
    assert reply.status == 503
    assert reply.headers["retry-after"].isdigit()
    assert reply.json["status"] == "unhealthy"
    assert reply.json["components"]["database"] == "unhealthy"
    assert reply.json["components"]["redis"] == "healthy"
