"""Fixtures driving the API through both entry points against real PostgreSQL and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests

from devstack.embedded import free_port
from runtime import config
from tests.conftest import LocalS3
from tests.support.clients import ExpressClient, LambdaClient, ServerlessClient

if TYPE_CHECKING:
    from api.dependencies import Dependencies
    from runtime.wrapper import LambdaHandler

STARTUP_TIMEOUT_S = 240  # measured: up took ~140 s to answer at load average 17 on the shared 2-core machine


@pytest.fixture(scope="session")
def user_pool_id(local_s3: LocalS3) -> str:
    """A Cognito user pool on the session's moto server (the profiles' names and pictures)."""
    from devstack.cognito import local_user_pool

    return local_user_pool.create_pool(local_s3.endpoint)


@pytest.fixture(scope="session")
def api_settings(
    database_url: str, redis_url: str, local_s3: LocalS3, user_pool_id: str, tmp_path_factory: pytest.TempPathFactory
) -> config.Settings:
    data_dir = tmp_path_factory.mktemp("brickguard-data")
    return config.Settings(
        backend="serverless",
        database_url=database_url,
        redis_url=redis_url,
        data_dir=str(data_dir),
        tracing="off",
        s3_bucket=local_s3.bucket,
        s3_endpoint_url=local_s3.endpoint,
        cognito_user_pool_id=user_pool_id,
        cognito_endpoint_url=local_s3.endpoint,
    )


@pytest.fixture(scope="session")
def api_dependencies(api_settings: config.Settings) -> Dependencies:
    """The session's composition of the API's dependencies on the test servers; installs the process guard too."""
    from api.dependencies import Dependencies
    from migrations.apply import upgrade as migrate_schema
    from runtime import process

    deps = Dependencies(api_settings)
    migrate_schema(deps.database.engine)
    process.install(api_settings)
    return deps


@pytest.fixture(scope="session")
def api_handlers(api_dependencies: Dependencies) -> dict[str, LambdaHandler]:
    """Every function's Lambda handler, all serving from the session's dependencies."""
    from api.composition import build_handlers

    return build_handlers(api_dependencies)


@pytest.fixture(scope="session")
def lambda_client(api_handlers: dict[str, LambdaHandler]) -> LambdaClient:
    """The Lambda handlers, called in-process as API Gateway would."""
    return LambdaClient(api_handlers)


@pytest.fixture(scope="session")
def up_urls(api_settings: config.Settings, lambda_client: LambdaClient, local_s3: LocalS3) -> Iterator[dict[str, str]]:
    """``brickguard up`` in a subprocess serving both backends on free ports, using the test servers."""
    port, serverless_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": api_settings.database_url or "",
        "REDIS_URL": api_settings.redis_url or "",
        "BRICKGUARD_TRACING": "off",
        "COGNITO_USER_POOL_ID": api_settings.cognito_user_pool_id or "",
        "COGNITO_ENDPOINT_URL": api_settings.cognito_endpoint_url or "",
        **local_s3.env,
    }
    log = Path(api_settings.data_dir) / "up.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "cli", "up", "--port", str(port)),
                *("--serverless-port", str(serverless_port), "--data-dir", api_settings.data_dir),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"brickguard up exited early:\n{log.read_text()}")
        try:
            if requests.get(base + "/health", timeout=1).status_code in (200, 503):
                break
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or slow on a busy machine
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"brickguard up did not answer within {STARTUP_TIMEOUT_S}s:\n{log.read_text()}")
    yield {"express": base, "serverless": f"http://127.0.0.1:{serverless_port}"}
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture(scope="session")
def express_url(up_urls: dict[str, str]) -> str:
    return up_urls["express"]


@pytest.fixture(scope="session")
def express_client(express_url: str, api_settings: config.Settings) -> ExpressClient:
    from runtime.auth import mint_token

    return ExpressClient(express_url, lambda **claims: mint_token(api_settings, **claims))


@pytest.fixture(scope="session")
def serverless_client(up_urls: dict[str, str], api_settings: config.Settings) -> ServerlessClient:
    from runtime.auth import mint_token

    return ServerlessClient(up_urls["serverless"], lambda **claims: mint_token(api_settings, **claims))


@pytest.fixture(params=["lambda", "express", "serverless"])
def client(request: pytest.FixtureRequest) -> LambdaClient | ExpressClient:
    """The same test against the three entry points: in-process, express and serverless over HTTP."""
    return request.getfixturevalue(f"{request.param}_client")


@pytest.fixture
def user(local_s3: LocalS3, user_pool_id: str) -> str:
    """A fresh user id, so tests never see each other's data; a user of the session's Cognito pool."""
    from devstack.cognito import local_user_pool

    user_id = f"user-{uuid.uuid4().hex[:12]}"
    local_user_pool.ensure_user(local_s3.endpoint, user_pool_id, user_id, email=f"{user_id}@example.com")
    return user_id
