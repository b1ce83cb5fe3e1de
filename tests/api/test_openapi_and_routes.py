"""The OpenAPI document and the function/route table match the code."""

from __future__ import annotations

from pathlib import Path

import yaml

from api.app import FUNCTION_ROUTERS, function_resolver
from api.dependencies import Dependencies
from api.functions import FUNCTION_ROUTES, function_for_path
from api.openapi import openapi_document
from runtime import config

ROOT = Path(__file__).resolve().parents[2]


def test_openapi_yaml_is_generated_from_the_code():
    committed = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
    assert committed == openapi_document(), "regenerate: python -m api.openapi > docs/openapi.yaml"


def test_every_route_is_documented():
    paths = openapi_document()["paths"]
    documented = {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}
    declared = {route for routes in FUNCTION_ROUTES.values() for route in routes}
    assert documented == declared


def test_each_function_serves_exactly_its_routes():
    assert set(FUNCTION_ROUTERS) == {function for function, routes in FUNCTION_ROUTES.items() if routes}
    for function in FUNCTION_ROUTERS:
        routes = FUNCTION_ROUTES[function]
        app = function_resolver(function, Dependencies(config.load({})))
        served = {f"{r.method} {r.openapi_path}" for r in app._static_routes + app._dynamic_routes}
        assert served == set(routes), function
        for route in routes:
            path = route.split(" ", 1)[1].replace("{id}", "00000000-0000-0000-0000-000000000000")
            assert function_for_path(path) == function, route
