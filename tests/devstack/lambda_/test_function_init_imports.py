"""Each function's init imports only what that function serves: its own routes, never another function's.

The runtime interface client imports ``api.handlers`` and reads the attribute its handler string
names, both during init. Each test runs that init as a local execution environment does: a fresh
``python -S`` process with only the function's artifact and the platform layer on its path, the
variables the stack gives the function, and the real PostgreSQL and Redis (init opens its
connections), then reads ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from api.functions import FUNCTIONS
from cli.up import function_environment
from devstack.lambda_.function_code import FunctionCode, local_code
from runtime import config

INIT = """
import importlib, json, os, sys
module, _, attribute = os.environ["_HANDLER"].rpartition(".")
handler = getattr(importlib.import_module(module), attribute)
dependencies = importlib.import_module(module).DEPENDENCIES
built = {"s3": "client" in vars(dependencies.storage), "cognito": "client" in vars(dependencies.user_pool)}
models = sys.modules.get("api.models")
mappers = None if models is None else all(mapper.configured for mapper in models.Base.registry.mappers)
print(json.dumps({"callable": callable(handler), "modules": sorted(sys.modules), "clients": built, "mappers": mappers}))
"""
OWN_CODE = {
    "health": {"api.routes.health", "api.routes.debug"},
    "mocs": {"api.routes.mocs"},
    "gallery": {"api.routes.gallery"},
    "wishlist": {"api.routes.wishlist"},
    "profile": {"api.routes.profile"},
    "upload": {"api.routes.uploads"},
    "csv-parser": {"api.services.parts_import"},
}
"""The modules that hold each function's own code: imported by its init, by no other function's."""
ORM_AND_MODELS = {"sqlalchemy.orm", "api.models", "api.schemas", "api.responses"}
"""What the health function never needs: it pings PostgreSQL (through psycopg alone), it reads and answers no rows."""
OTEL_SDK = "opentelemetry.sdk"
"""Shipped for ``BRICKGUARD_TRACING=otel``; redis-py imports its metrics whenever installed unless kept from it."""
CLIENTS_IN_INIT = {
    "health": set(), "mocs": set(), "gallery": {"s3"}, "wishlist": {"s3"}, "profile": {"s3", "cognito"},
    "upload": {"s3"}, "csv-parser": set(),
}
"""The AWS clients each function's routes use, built during init (a provisioned environment's first request
finds them; building one imports botocore and its models, about 80 ms): the others' are never built."""
IMAGE_PROCESSING = {"PIL", "PIL.Image"}
"""Imported by the image routes when an image arrives, never during any function's init."""


@pytest.fixture(scope="module")
def function_code() -> dict[str, FunctionCode]:
    """Every function's artifact for this machine (built once per content hash, reused after)."""
    return local_code([function.name for function in FUNCTIONS])


@pytest.fixture(scope="module")
def init_state(
    function_code: dict[str, FunctionCode], database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], dict[str, Any]]:
    """``sys.modules`` after the init of one function, as its execution environment runs it (once per function)."""
    found: dict[str, dict[str, Any]] = {}
    settings = config.Settings(
        backend="serverless", database_url=database_url, redis_url=redis_url,
        data_dir=str(tmp_path_factory.mktemp("init-imports")), tracing="off",
        s3_bucket="init-imports", s3_endpoint_url="http://127.0.0.1:9",  # clients are built, never called
        cognito_user_pool_id="us-east-1_initimports",
    )

    def init(name: str) -> dict[str, Any]:
        if name not in found:
            found[name] = _run_init(name)
        return found[name]

    def _run_init(name: str) -> dict[str, Any]:
        function = next(function for function in FUNCTIONS if function.name == name)
        code = function_code[name]
        variables = {
            **function_environment(settings),
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": code.python_path(),
            "LAMBDA_TASK_ROOT": str(code.task_root),
            "_HANDLER": function.handler,
            "AWS_LAMBDA_FUNCTION_NAME": f"lego-api-{name}-test",
            "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        done = subprocess.run(
            [sys.executable, "-S", "-c", INIT], cwd=code.task_root, env=variables,
            capture_output=True, text=True, timeout=120, check=False,
        )
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        assert answer["callable"], function.handler
        clients = {client for client, built in answer["clients"].items() if built}
        return {"modules": set(answer["modules"]), "clients": clients, "mappers": answer["mappers"]}

    return init


@pytest.fixture(scope="module")
def init_modules(init_state: Callable[[str], dict[str, Any]]) -> Callable[[str], set[str]]:
    """``sys.modules`` after the init of one function."""
    return lambda name: init_state(name)["modules"]


@pytest.mark.parametrize("name", sorted(OWN_CODE))
def test_a_function_that_reads_rows_configures_the_orm_mappers_in_init(
    init_state: Callable[[str], dict[str, Any]], name: str
) -> None:
    """SQLAlchemy configures mappers on the first query otherwise: 60-80 ms of a provisioned first request."""
    assert init_state(name)["mappers"] is (None if name == "health" else True)


@pytest.mark.parametrize("name", sorted(CLIENTS_IN_INIT))
def test_a_function_init_builds_the_aws_clients_its_routes_use_and_no_other(
    init_state: Callable[[str], dict[str, Any]], name: str
) -> None:
    assert init_state(name)["clients"] == CLIENTS_IN_INIT[name]


@pytest.mark.parametrize("name", sorted(OWN_CODE))
def test_a_function_init_imports_its_own_routes_and_no_other_function_routes(
    init_modules: Callable[[str], set[str]], name: str
) -> None:
    modules = init_modules(name)
    others = set().union(*(code for function, code in OWN_CODE.items() if function != name))
    assert OWN_CODE[name] <= modules
    assert sorted(others & modules) == []
    assert sorted(IMAGE_PROCESSING & modules) == []


def test_the_health_function_init_opens_postgresql_through_psycopg_without_sqlalchemy_or_the_models(
    init_modules: Callable[[str], set[str]],
) -> None:
    modules = init_modules("health")
    assert {"psycopg", "redis"} <= modules  # the clients its probes use are built in init
    assert sorted(module for module in modules if module.partition(".")[0] == "sqlalchemy") == []
    assert sorted(ORM_AND_MODELS & modules) == []
    assert [module for module in modules if module.startswith(("api.services", "api.uploads"))] == []


def test_the_health_function_init_imports_no_opentelemetry_sdk_when_tracing_is_off(
    init_modules: Callable[[str], set[str]],
) -> None:
    modules = init_modules("health")
    assert "redis.client" in modules  # the Redis client was built, and it still did not pull the SDK in
    assert sorted(module for module in modules if module == OTEL_SDK or module.startswith(f"{OTEL_SDK}.")) == []
