"""Shared fixtures: real PostgreSQL and Redis on loopback, and the OpenSearch stand-in.

The session servers are shared by every test, so tests must not kill, pause or restart them;
fault tests take their own instance from ``dedicated_postgres`` / ``dedicated_redis``.

PostgreSQL data lives outside pytest's ``tmp_path`` tree: under root the server runs as an
unprivileged user that must traverse the parent directories, and every pytest session that
starts resets ``/tmp/pytest-of-root`` to 0700 (several sessions run at once on a dev box).
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from runtime.embedded import EmbeddedPostgres, EmbeddedRedis
from tests.support.opensearch_standin import OpenSearchStandIn


@pytest.fixture(scope="session")
def _postgres_root() -> Iterator[Path]:
    """World-traversable base for PostgreSQL data (see the module docstring)."""
    root = Path(tempfile.mkdtemp(prefix="brickguard-pg-test-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_data_dir(_postgres_root: Path) -> Iterator[Path]:
    """A fresh path for an EmbeddedPostgres data directory (not yet created); removed after."""
    parent = Path(tempfile.mkdtemp(dir=_postgres_root))
    yield parent / "pgdata"
    shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server(_postgres_root: Path) -> Iterator[EmbeddedPostgres]:
    """One PostgreSQL for the whole session (fsync off). Do not stop or pause it."""
    with EmbeddedPostgres(_postgres_root / "session", durable=False) as server:
        yield server


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """One in-memory Redis (valkey) for the whole session. Do not stop or pause it."""
    with EmbeddedRedis(tmp_path_factory.mktemp("redis"), persistent=False) as server:
        yield server


@pytest.fixture(scope="session")
def database_url(postgres_server: EmbeddedPostgres) -> str:
    """libpq URI of the session PostgreSQL (TCP, database ``brickguard``)."""
    return postgres_server.url


@pytest.fixture(scope="session")
def redis_url(redis_server: EmbeddedRedis) -> str:
    """URL of the session Redis; tests sharing it should use their own keys or flush it."""
    return redis_server.url


@pytest.fixture
def dedicated_postgres(postgres_data_dir: Path) -> Iterator[Callable[..., EmbeddedPostgres]]:
    """Factory of started PostgreSQL servers this test may kill or pause; always stopped after."""
    numbers = itertools.count()
    with contextlib.ExitStack() as servers:

        def start(*, durable: bool = False) -> EmbeddedPostgres:
            data_dir = postgres_data_dir.with_name(f"pgdata-{next(numbers)}")
            return servers.enter_context(EmbeddedPostgres(data_dir, durable=durable))

        yield start


@pytest.fixture
def dedicated_redis(tmp_path: Path) -> Iterator[Callable[..., EmbeddedRedis]]:
    """Factory of started Redis servers this test may kill or pause; always stopped after."""
    numbers = itertools.count()
    with contextlib.ExitStack() as servers:

        def start(*, persistent: bool = False) -> EmbeddedRedis:
            data_dir = tmp_path / f"redis-{next(numbers)}"
            return servers.enter_context(EmbeddedRedis(data_dir, persistent=persistent))

        yield start


@pytest.fixture
def opensearch_standin() -> Iterator[OpenSearchStandIn]:
    """A fresh loopback OpenSearch stand-in in ``normal`` mode; stopped (bounded) after."""
    with OpenSearchStandIn() as standin:
        yield standin
