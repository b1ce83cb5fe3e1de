"""Which dependency errors are worth a retry, and which say the dependency is unhealthy.

Three questions, three predicates, and one verdict that combines them (:func:`classify`,
which ``api.dependency_errors`` turns into HTTP answers: no HTTP here):

* :func:`is_retryable` — would the same call, made again in a moment, probably
  succeed? (connection refused/reset, timeouts, HTTP 429/503, PostgreSQL
  "too many connections" / "starting up" / connection lost). Only for
  idempotent work: a write whose connection dropped mid-commit may have
  committed.
* :func:`is_contention` — did this one request lose a fight with another over
  rows (deadlock, serialization failure, lock or statement timeout)? The server
  is fine: the request is retried or answered 409/503 on its own, and the
  breaker, which speaks for every request of the process, does not count it.
* :func:`is_dependency_failure` — does this error count against the
  dependency's circuit breaker? Transport errors, server-side errors and 5xx
  do; a 404, a unique-key violation, bad SQL or a bug in our own code do not.

Client libraries are recognised by the top-level package and class name found
in the exception's MRO (``("redis", "ConnectionError")``), never by importing
them: importing ``guards`` must not import redis, psycopg, SQLAlchemy and
opensearch-py on a Lambda cold start. The DB-API class names are the same in
psycopg, psycopg2 and SQLAlchemy's wrappers, which keeps the tables short.

Example::

    try:
        client.get(key)
    except Exception as exc:
        if errors.is_retryable(exc): ...
"""

from __future__ import annotations

import enum

from guards.deadline import DeadlineExceeded

# (top-level package, class name) pairs; ``valkey`` is redis-py's fork, same hierarchy.
_REDIS = ("redis", "valkey")
_DBAPI = ("psycopg", "psycopg2", "sqlalchemy")

_RETRYABLE_CLASSES = frozenset(
    {(pkg, name) for pkg in _REDIS for name in ("ConnectionError", "TimeoutError")}
    | {("opensearchpy", "ConnectionError")}  # ConnectionTimeout is a subclass
    # botocore (S3): no connection, connect/read timeout, connection closed mid-answer
    | {("botocore", name) for name in ("EndpointConnectionError", "ConnectionError", "ConnectionClosedError",
                                       "ConnectTimeoutError", "ReadTimeoutError")}
)
_NEVER_RETRYABLE_CLASSES = frozenset(
    {(pkg, name) for pkg in _REDIS for name in ("AuthenticationError", "AuthorizationError")}
    | {("opensearchpy", "SSLError")}
    | {(pkg, name) for pkg in _DBAPI for name in ("IntegrityError", "ProgrammingError", "DataError")}
    | {("pybreaker", "CircuitBreakerError"), ("guards", "BreakerOpenError")}  # retrying is what it forbids
)
_CLIENT_FAULT_CLASSES = frozenset(
    {(pkg, name) for pkg in _REDIS for name in ("DataError",)}
    | {
        (pkg, name)
        for pkg in _DBAPI
        for name in ("IntegrityError", "ProgrammingError", "DataError", "NotSupportedError")
    }
    | {("pybreaker", "CircuitBreakerError"), ("guards", "BreakerOpenError")}
)
_SERVER_FAULT_CLASSES = frozenset(
    {(pkg, "RedisError") for pkg in _REDIS}
    | {(pkg, name) for pkg in _DBAPI for name in ("OperationalError", "InterfaceError", "InternalError")}
    | {("sqlalchemy", "TimeoutError"), ("sqlalchemy", "DisconnectionError")}
)

# Errors that carry the HTTP status the service answered (S3 answers SlowDown as 503).
_HTTP_STATUS_ERRORS = frozenset({("opensearchpy", "TransportError"), ("botocore", "ClientError")})

# SQLSTATEs for "try again shortly": too_many_connections, the server is starting up or
# shutting down (57P01 admin_shutdown is what a stopped server sends), and class 08
# connection_exception. A connection that fails before the server answers has no SQLSTATE.
_RETRYABLE_SQLSTATES = frozenset({"53300", "57P01", "57P02", "57P03"})
_RETRYABLE_SQLSTATE_CLASSES = ("08",)
_RETRYABLE_HTTP_STATUSES = frozenset({429, 503})
# serialization_failure and deadlock_detected: the transaction was rolled back, running it again is safe.
TRANSACTION_CONFLICT_SQLSTATES = frozenset({"40001", "40P01"})
# plus lock_not_available and query_canceled (statement_timeout): this request waited too long.
_CONTENTION_SQLSTATES = TRANSACTION_CONFLICT_SQLSTATES | {"55P03", "57014"}


_keys_by_type: dict[type, frozenset[tuple[str, str]]] = {}  # exception types are few and long-lived


def _class_keys(exc_type: type[BaseException]) -> frozenset[tuple[str, str]]:
    """``(top-level package, class name)`` for every class in the MRO, cached per type."""
    keys = _keys_by_type.get(exc_type)
    if keys is None:
        keys = frozenset((cls.__module__.partition(".")[0], cls.__name__) for cls in exc_type.__mro__)
        _keys_by_type[exc_type] = keys
    return keys


def _sqlstate(exc: BaseException) -> str | None:
    """psycopg 3 says ``sqlstate``, psycopg2 says ``pgcode``."""
    code = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    return code if isinstance(code, str) else None


def sqlstate_of(exc: BaseException) -> str | None:
    """The SQLSTATE of a driver error, also when SQLAlchemy wraps it (``exc.orig``)."""
    code = _sqlstate(exc)
    if code is None:
        orig = getattr(exc, "orig", None)
        if isinstance(orig, BaseException) and orig is not exc:
            code = _sqlstate(orig)
    return code


def is_contention(exc: BaseException) -> bool:
    """True for a deadlock, serialization failure, lock timeout or statement timeout of this request."""
    if getattr(exc, "connection_invalidated", False):
        return False  # the connection is gone, whatever the statement was told
    return sqlstate_of(exc) in _CONTENTION_SQLSTATES


def is_transaction_conflict(exc: BaseException) -> bool:
    """True when the transaction was rolled back by a deadlock or serialization failure: run it again."""
    return sqlstate_of(exc) in TRANSACTION_CONFLICT_SQLSTATES


def http_status(exc: BaseException) -> int | None:
    """opensearch-py's TransportError carries the status (or ``"N/A"``) as ``status_code``,
    botocore's ClientError in ``response["ResponseMetadata"]["HTTPStatusCode"]``."""
    status = getattr(exc, "status_code", None)
    if status is None:
        response = getattr(exc, "response", None)
        metadata = response.get("ResponseMetadata") if isinstance(response, dict) else None
        status = metadata.get("HTTPStatusCode") if isinstance(metadata, dict) else None
    return status if isinstance(status, int) else None


def is_retryable(exc: BaseException) -> bool:
    """True when the same (idempotent) call is likely to succeed if tried again shortly."""
    if isinstance(exc, DeadlineExceeded):
        return False
    if isinstance(exc, (ConnectionError, TimeoutError)):  # refused, reset, aborted, socket.timeout
        return True
    keys = _class_keys(type(exc))
    if keys & _NEVER_RETRYABLE_CLASSES:
        return False
    if keys & _RETRYABLE_CLASSES:
        return True
    if ("sqlalchemy", "DBAPIError") in keys:
        if getattr(exc, "connection_invalidated", False):
            return True
        orig = getattr(exc, "orig", None)
        return isinstance(orig, BaseException) and orig is not exc and is_retryable(orig)
    if any(pkg in ("psycopg", "psycopg2") and name == "OperationalError" for pkg, name in keys):
        code = _sqlstate(exc)
        return code is None or code in _RETRYABLE_SQLSTATES or code.startswith(_RETRYABLE_SQLSTATE_CLASSES)
    if keys & _HTTP_STATUS_ERRORS:
        return http_status(exc) in _RETRYABLE_HTTP_STATUSES
    return False


def is_dependency_failure(exc: BaseException) -> bool:
    """True when ``exc`` says the dependency is unavailable or broken (counts against its breaker).

    Everything retryable counts, and so do server-side errors that are not worth
    a retry (a 500, a PostgreSQL internal error). Errors the caller caused — 4xx,
    constraint violations, bad SQL, bad data — and errors from our own code do not.
    """
    if isinstance(exc, DeadlineExceeded):
        return False  # our request ran out of time; the dependency was never asked
    if is_contention(exc):
        return False  # one request's trouble, not an outage
    if is_retryable(exc) or isinstance(exc, OSError):
        return True
    keys = _class_keys(type(exc))
    if keys & _CLIENT_FAULT_CLASSES:
        return False
    if keys & _HTTP_STATUS_ERRORS:
        status = http_status(exc)
        return status is None or status >= 500 or status == 429
    return bool(keys & _SERVER_FAULT_CLASSES)


class Failure(enum.Enum):
    """What a failed dependency call means for the request that made it."""

    BREAKER_OPEN = "breaker_open"
    """The call was not made: the dependency's breaker is open (or probing)."""
    OUT_OF_TIME = "out_of_time"
    """The request's deadline ran out (before the call, or while waiting on it)."""
    CONFLICT = "conflict"
    """The transaction lost to another one and was rolled back (deadlock, serialization failure)."""
    BUSY = "busy"
    """This request waited too long on a lock or a statement; the dependency is fine."""
    UNAVAILABLE = "unavailable"
    """The dependency is down or broken (see :func:`is_dependency_failure`)."""


_BREAKER_OPEN_CLASSES = frozenset({("pybreaker", "CircuitBreakerError"), ("guards", "BreakerOpenError")})


def classify(exc: BaseException) -> Failure | None:
    """The verdict on ``exc``, or None when the dependency did not cause it (a bug, a 404, a bad key).

    A wait abandoned because the request's deadline came (an exception with a true ``by_deadline``,
    e.g. the database's watchdog) is out of time, like :class:`~guards.deadline.DeadlineExceeded`.
    """
    if _class_keys(type(exc)) & _BREAKER_OPEN_CLASSES:
        return Failure.BREAKER_OPEN
    if isinstance(exc, DeadlineExceeded) or getattr(exc, "by_deadline", False) is True:
        return Failure.OUT_OF_TIME
    if is_transaction_conflict(exc):
        return Failure.CONFLICT
    if is_contention(exc):
        return Failure.BUSY
    if is_dependency_failure(exc):
        return Failure.UNAVAILABLE
    return None
