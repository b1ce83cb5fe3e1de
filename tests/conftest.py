"""Shared fixtures: real PostgreSQL and Redis on loopback, and the OpenSearch stand-in.

The session servers are shared by every test, so tests must not kill, pause or restart them;
fault tests take their own instance from ``dedicated_postgres`` / ``dedicated_redis``.

PostgreSQL data lives outside pytest's ``tmp_path`` tree: under root the server runs as an
unprivileged user that must traverse the parent directories, and every pytest session that
starts resets ``/tmp/pytest-of-root`` to 0700 (several sessions run at once on a dev box). The
base directory is the tests' own, made traversable (0711) here; brickguard itself never widens
a directory it does not own (a cluster behind one moves under ``ROOT_RUNTIME_DIR``).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devstack.embedded import EmbeddedPostgres, EmbeddedRedis
from tests.support.opensearch_standin import OpenSearchStandIn

pytest_plugins = [
    "tests.support.api_fixtures",
    "tests.support.guarded_api",
    "tests.support.observed_up",
    "tests.support.process_state",
    "tests.support.stack_fixtures",
]
"""Fixtures shared across subjects (the API's clients and `up`, the observed `up`, moto for the stack), and the
check that every test hands process-wide state back (the guard, the recorder, moto's config)."""

WAITING_ON_UP = (
    "tests/devstack/chaos/",
    "tests/devstack/cloudwatch/",
    "tests/devstack/load/",
    "tests/rollout/test_rollout_gate_end_to_end.py",
    "tests/runtime/edge/test_cors_in_chromium.py",
)
"""Tests that mostly wait on a `brickguard up` of their own (alarm periods, load phases, a browser).

``scripts/test`` runs pytest-xdist with three workers and ``--dist loadgroup``: these form one group
on one worker while the two in-order groups run on the others, each in the serial order, so process-global
state (telemetry sinks, ``runtime.process``'s guard) sees exactly what a serial run gives it.
"""

OWN_PROCESSES = (
    "tests/cli/test_cli_config.py",
    "tests/cli/test_serve.py",
    "tests/devstack/test_embedded_postgres.py",
    "tests/devstack/test_embedded_redis.py",
    "tests/devstack/test_supervisor.py",
    "tests/devstack/test_up.py",
    "tests/migrations/test_revisions.py",
    "tests/stack/test_artifacts.py",
    "tests/stack/test_lambda_zip.py",
    "tests/stack/test_package.py",
    "tests/stack/test_template.py",
)
"""Files whose tests drive processes or servers of their own and read no process-wide state of pytest's.

Each file is a group of its own, which xdist hands to whichever worker runs out of work first: in a whole
run that is after the worker's in-order or waiting group, and the two workers end close together. A test
that installs a guard, a sink or moto in pytest's process does not belong here (docs/testing.md).
"""


SECOND_IN_ORDER = ("tests/api/", "tests/fault/", "tests/stack/")
"""A second in-order lane on a third worker: the API's, the fault and the stack tests (a third of the
in-order time). Safe since ``tests/support/process_state.py`` fails a test that leaves process-wide
state changed at its own teardown: no test depends on what an earlier one left behind."""


def xdist_group(nodeid: str) -> str:
    """The worker group of a test: waiting-on-up, its own file (floating), or one of the two in-order lanes."""
    if nodeid.startswith(WAITING_ON_UP):
        return "waiting-on-up"
    path = nodeid.partition("::")[0]
    if path in OWN_PROCESSES:
        return path
    return "in-order-second" if path.startswith(SECOND_IN_ORDER) else "in-order"


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook turns the marks into groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.xdist_group(xdist_group(item.nodeid)))


@pytest.fixture(scope="session")
def _postgres_root() -> Iterator[Path]:
    """Traversable base for PostgreSQL data (see the module docstring)."""
    root = Path(tempfile.mkdtemp(prefix="brickguard-pg-test-"))
    root.chmod(0o711)  # the tests' own directory: enter, not list
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_data_dir(_postgres_root: Path) -> Iterator[Path]:
    """A fresh path for an EmbeddedPostgres data directory (not yet created); removed after."""
    parent = Path(tempfile.mkdtemp(dir=_postgres_root))
    parent.chmod(0o711)
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


@dataclass(frozen=True)
class LocalS3:
    """A moto S3 server on loopback with one bucket; ``env`` is what a process needs to use it."""

    endpoint: str
    bucket: str

    @property
    def env(self) -> dict[str, str]:
        return {**S3_CREDENTIALS, "S3_ENDPOINT_URL": self.endpoint, "S3_BUCKET": self.bucket}

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1")


S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def local_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalS3]:
    """One moto S3 server for the session (tests use their own user ids, so their own keys).

    A process of its own, not a ``ThreadedMotoServer``: moto keeps its backends per process, so the
    stack tests' ``/moto-api/reset`` of their in-process server would also wipe this one's bucket and
    the session's Cognito user pool (``User pool … does not exist`` in every later test).
    """
    from devstack.s3 import local_s3 as local_s3_server

    saved = {name: os.environ.get(name) for name in S3_CREDENTIALS}
    os.environ.update(S3_CREDENTIALS)  # the in-process handlers' boto3 reads them
    try:
        with contextlib.ExitStack() as stack:
            endpoint = local_s3_server.start_moto(stack, tmp_path_factory.mktemp("local-s3"), "moto.log")
            s3 = LocalS3(endpoint, "lego-uploads-test")
            s3.client().create_bucket(Bucket=s3.bucket)
            yield s3
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def opensearch_standin() -> Iterator[OpenSearchStandIn]:
    """A fresh loopback OpenSearch stand-in in ``normal`` mode; stopped (bounded) after."""
    with OpenSearchStandIn() as standin:
        yield standin
