"""Classification of dependency errors: retryable, counts against the breaker, or neither.

Built from the real client libraries' exception classes, plus real connection
failures against a closed loopback port.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import psycopg
import psycopg.errors
import pytest
import redis
import redis.exceptions
import sqlalchemy
import sqlalchemy.exc
import valkey.exceptions
from opensearchpy import OpenSearch
from opensearchpy import exceptions as os_exc
from redis.backoff import NoBackoff
from redis.retry import Retry

from guards.breaker import BreakerOpenError
from guards.deadline import DeadlineExceeded
from guards.errors import is_contention, is_dependency_failure, is_retryable, is_transaction_conflict


def wrapped(
    orig: BaseException,
    cls: type[sqlalchemy.exc.DBAPIError] = sqlalchemy.exc.OperationalError,
    *,
    invalidated: bool = False,
) -> sqlalchemy.exc.DBAPIError:
    return cls("SELECT 1", {}, orig, connection_invalidated=invalidated)


RETRYABLE = {
    "refused": ConnectionRefusedError(),
    "reset": ConnectionResetError(),
    "timeout": TimeoutError(),
    "socket.timeout": TimeoutError(),
    "redis connection": redis.exceptions.ConnectionError("down"),
    "redis timeout": redis.exceptions.TimeoutError("slow"),
    "redis loading": redis.exceptions.BusyLoadingError("loading"),
    "valkey connection": valkey.exceptions.ConnectionError("down"),
    "pg refused (no sqlstate)": psycopg.OperationalError("connection failed"),
    "pg too many connections": psycopg.errors.TooManyConnections("53300"),
    "pg starting up": psycopg.errors.CannotConnectNow("57P03"),
    "pg admin shutdown": psycopg.errors.AdminShutdown("57P01"),
    "sqlalchemy wrapping refused": wrapped(psycopg.OperationalError("connection failed")),
    "sqlalchemy invalidated": wrapped(psycopg.errors.QueryCanceled("x"), invalidated=True),
    "opensearch connection": os_exc.ConnectionError("N/A", "refused", None),
    "opensearch timeout": os_exc.ConnectionTimeout("TIMEOUT", "timed out", None),
    "opensearch 429": os_exc.TransportError(429, "too_many_requests", {}),
    "opensearch 503": os_exc.TransportError(503, "unavailable", {}),
}

# Not worth a retry, but the dependency is unhealthy: counts against the breaker.
SERVER_FAULTS = {
    "sqlalchemy pool timeout": sqlalchemy.exc.TimeoutError("QueuePool limit"),
    "redis OOM": redis.exceptions.ResponseError("OOM command not allowed"),
    "opensearch 500": os_exc.TransportError(500, "internal", {}),
    "opensearch 502": os_exc.TransportError(502, "bad gateway", {}),
}

# The caller's fault, our own bug, or our own decision: neither retried nor counted.
NEITHER = {
    "pg unique violation": psycopg.errors.UniqueViolation("23505"),
    "pg undefined table": psycopg.errors.UndefinedTable("42P01"),
    "sqlalchemy integrity": wrapped(psycopg.errors.UniqueViolation("23505"), sqlalchemy.exc.IntegrityError),
    "sqlalchemy integrity invalidated": wrapped(
        psycopg.errors.UniqueViolation("23505"), sqlalchemy.exc.IntegrityError, invalidated=True
    ),
    "redis data": redis.exceptions.DataError("bad value"),
    "opensearch 404": os_exc.NotFoundError(404, "missing", {}),
    "opensearch 400": os_exc.RequestError(400, "parse", {}),
    "breaker open": BreakerOpenError("redis", "open", 3.0),
    "deadline": DeadlineExceeded("no time"),
    "our bug": KeyError("oops"),
    "validation": ValueError("bad input"),
}

# One request's fight over rows: the server is fine, so the breaker never counts these.
CONTENTION = {
    "pg statement timeout": psycopg.errors.QueryCanceled("57014"),
    "sqlalchemy wrapping statement timeout": wrapped(psycopg.errors.QueryCanceled("57014")),
    "pg lock timeout": psycopg.errors.LockNotAvailable("55P03"),
    "sqlalchemy wrapping deadlock": wrapped(psycopg.errors.DeadlockDetected("40P01")),
    "sqlalchemy wrapping serialization failure": wrapped(psycopg.errors.SerializationFailure("40001")),
}
TRANSACTION_CONFLICTS = ("sqlalchemy wrapping deadlock", "sqlalchemy wrapping serialization failure")

REDIS_AUTH = redis.exceptions.AuthenticationError("wrong password")


@pytest.mark.parametrize("exc", RETRYABLE.values(), ids=RETRYABLE.keys())
def test_retryable_errors(exc: BaseException) -> None:
    assert is_retryable(exc)
    assert is_dependency_failure(exc)


@pytest.mark.parametrize("exc", SERVER_FAULTS.values(), ids=SERVER_FAULTS.keys())
def test_server_faults_count_but_are_not_retried(exc: BaseException) -> None:
    assert not is_retryable(exc)
    assert is_dependency_failure(exc)


@pytest.mark.parametrize("exc", NEITHER.values(), ids=NEITHER.keys())
def test_client_faults_are_neither(exc: BaseException) -> None:
    assert not is_retryable(exc)
    assert not is_dependency_failure(exc)


@pytest.mark.parametrize("name", CONTENTION)
def test_contention_is_one_requests_trouble_not_an_outage(name: str) -> None:
    exc = CONTENTION[name]
    assert is_contention(exc)
    assert not is_dependency_failure(exc)
    assert not is_retryable(exc)  # not as a single call: the whole transaction is rerun, or not at all
    assert is_transaction_conflict(exc) == (name in TRANSACTION_CONFLICTS)


def test_a_lost_connection_is_not_contention_whatever_the_statement_said() -> None:
    assert not is_contention(RETRYABLE["sqlalchemy invalidated"])


def test_redis_auth_failure_is_a_connection_error_but_not_retried() -> None:
    assert isinstance(REDIS_AUTH, redis.exceptions.ConnectionError)
    assert not is_retryable(REDIS_AUTH)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_real_connection_failures_are_retryable(closed_port: int) -> None:
    raised: list[BaseException] = []
    attempts = [
        lambda: psycopg.connect(f"host=127.0.0.1 port={closed_port} connect_timeout=2"),
        lambda: sqlalchemy.create_engine(f"postgresql+psycopg://u@127.0.0.1:{closed_port}/db").connect(),
        # redis-py 8 retries 10 times internally by default; retries are retry_call's job.
        lambda: redis.Redis(port=closed_port, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0)).ping(),
        lambda: OpenSearch([f"http://127.0.0.1:{closed_port}"], max_retries=0, timeout=2).info(),
    ]
    for attempt in attempts:
        with pytest.raises(Exception) as caught:
            attempt()
        raised.append(caught.value)
    assert [type(exc).__module__.partition(".")[0] for exc in raised] == [
        "psycopg",
        "sqlalchemy",
        "redis",
        "opensearchpy",
    ]
    assert all(is_retryable(exc) for exc in raised), [repr(exc) for exc in raised]


def test_importing_guards_does_not_import_the_clients() -> None:
    """Cold start: classification works by class name, so no client is imported for it."""
    clients = ["redis", "valkey", "psycopg", "psycopg2", "sqlalchemy", "opensearchpy"]
    code = (
        "import json, sys\n"
        "import guards.errors, guards.retry, guards.retry_budget, guards.deadline\n"
        f"light = [m for m in {clients!r} if m in sys.modules]\n"
        "import guards.breaker, guards.breaker_registry\n"
        f"breaker = [m for m in {clients!r} if m in sys.modules]\n"
        "print(json.dumps([light, breaker]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    light, breaker = json.loads(out)
    assert light == []
    assert breaker == []  # the breaker speaks pybreaker's vocabulary without importing it (and redis with it)
