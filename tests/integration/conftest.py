"""The Lambda handlers on the session's real PostgreSQL and Redis, with the production breaker defaults."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api import dependencies
from api.composition import build_handlers
from api.schema_setup import create_schema
from runtime import config, process
from tests.api.clients import LambdaClient


@pytest.fixture
def api(database_url: str, redis_url: str, tmp_path) -> Iterator[tuple[LambdaClient, dependencies.Dependencies]]:
    """A fresh process-wide dependency set (fresh breakers) serving the handlers; restored after."""
    saved_deps, saved_process = dependencies._current, process._current
    settings = config.Settings(
        backend="serverless", database_url=database_url, redis_url=redis_url, data_dir=str(tmp_path), tracing="off"
    )
    deps = dependencies.Dependencies(settings)
    dependencies.install(deps)
    process.install(settings)
    create_schema(deps.database.engine)
    yield LambdaClient(build_handlers(deps)), deps
    deps.database.dispose()
    dependencies.install(saved_deps)
    process._current = saved_process
