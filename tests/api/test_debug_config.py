"""``GET /debug/config``: which backend answered, on each entry point; never in prod."""

from __future__ import annotations

import dataclasses

import pytest

from api.composition import build_handlers
from api.dependencies import Dependencies
from runtime import config
from tests.support.clients import LambdaClient


def test_each_backend_says_who_answered_and_how_it_is_configured(client, user):
    reply = client.call("GET", "/debug/config", user=user)
    assert reply.status == 200, reply.text
    data = reply.json["data"]
    assert data["backend"] == ("express" if client.name == "express" else "serverless")
    assert data["stage"] == "dev"
    assert data["cachePrefix"] == ("v2:" if data["migrationMode"] else "")
    if client.name == "serverless":  # brickguard up runs its Lambda environments with MIGRATION_MODE=true
        assert data["migrationMode"] is True and data["functionVersion"] == "$LATEST"
    assert set(data["breakers"]) >= {"postgres", "redis", "opensearch"}
    assert set(data["breakers"].values()) <= {"closed", "open", "half-open"}
    assert data["version"]


def test_it_needs_a_token_like_every_route_but_health(client):
    assert client.call("GET", "/debug/config", user=None).status == 401


def test_in_prod_it_is_not_found(api_dependencies, api_settings, user):
    prod = Dependencies(dataclasses.replace(api_settings, stage="prod", debug_config=False))
    reply = LambdaClient(build_handlers(prod)).call("GET", "/debug/config", user=user)
    assert reply.status == 404 and reply.json["error"]["code"] == "NOT_FOUND"


def test_configuration_never_turns_it_on_in_prod():
    assert config.load({"STAGE": "prod"}).debug_config is False
    assert config.load({"STAGE": "staging"}).debug_config is True
    assert config.load({"STAGE": "dev", "BRICKGUARD_DEBUG_CONFIG": "false"}).debug_config is False
    with pytest.raises(config.ConfigError, match="never answers in prod"):
        config.load({"STAGE": "prod", "BRICKGUARD_DEBUG_CONFIG": "true"})
