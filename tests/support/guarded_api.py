"""The Lambda handlers on the session's real PostgreSQL and Redis, with the production breaker defaults."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.composition import build_handlers
from api.dependencies import Dependencies
from devstack.cognito import local_user_pool
from migrations.apply import upgrade as migrate_schema
from runtime import config, process
from tests.conftest import LocalS3
from tests.support.clients import LambdaClient
from tests.support.guard_process import restore_guard_process


@pytest.fixture(scope="session")
def user_pool_id(local_s3: LocalS3) -> str:
    """A Cognito user pool on the session's moto server: the profiles' names and pictures."""
    return local_user_pool.create_pool(local_s3.endpoint)


@pytest.fixture
def api(
    database_url: str, redis_url: str, local_s3: LocalS3, user_pool_id: str, tmp_path
) -> Iterator[tuple[LambdaClient, Dependencies]]:
    """Handlers serving from a fresh composition of the dependencies (fresh breakers); process guard restored after."""
    saved_process = process._current
    settings = config.Settings(
        backend="serverless", database_url=database_url, redis_url=redis_url, data_dir=str(tmp_path), tracing="off",
        cognito_user_pool_id=user_pool_id, cognito_endpoint_url=local_s3.endpoint,
    )
    deps = Dependencies(settings)
    process.install(settings)
    migrate_schema(deps.database.engine)
    yield LambdaClient(build_handlers(deps)), deps
    deps.database.dispose()
    restore_guard_process(saved_process)
