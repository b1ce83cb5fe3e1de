"""PostgreSQL for the API: sessions bounded by the request's deadline, failures answered by
:mod:`api.dependency_errors`.

Every Redis outage falls back to this path, so an uncached read must be cheap:

* **Reads run in autocommit** (:meth:`Database.read`): no ``BEGIN``/``ROLLBACK``
  round trips around a single ``SELECT``.
* **No pre-ping per checkout.** A dead pooled connection shows itself on its
  first statement; SQLAlchemy then discards the pool's older connections and
  a read is run once more on a fresh one.
* **Prepared statements**: psycopg prepares a statement the second time a
  connection runs it (``prepare_threshold``).

Every unit of work is bounded on the client side by the smaller of the
statement timeout and the request's remaining time: a watchdog shuts the
connection's socket down when time is up (a paused server enforces nothing),
and the abandoned connection is discarded; a new connection's handshake,
which libpq never bounds below 2 s, is waited for no longer than the request
has left. Out of request time is a 504;
an unreachable or timed-out database is a 503 with ``Retry-After`` and counts
against the breaker. One request losing a fight over rows (deadlock,
serialization failure) is retried, then answered 409 — never counted against
the breaker, which speaks for every request of the process.

Building the engine happens in one place, :meth:`Database.connect_params`
(plus the optional ``on_connect`` hook that sees each new connection's
parameters: IAM-auth tokens go there).

Health checks run on a connection of their own, through psycopg without
SQLAlchemy (:meth:`Database.probe`): the health function's init imports no
SQLAlchemy, which was a third of its cold start. That connection is made from
the same URL, parameters and hook, and is guarded the same way (the same
breaker, watchdog, deadline-bounded handshake, backoff, once more when dead).
"""

from __future__ import annotations

import os
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from api.dependency_errors import answered_as_http
from guards import deadline, errors
from guards.bounded_wait import WaitExpired, call_within
from guards.retry import connect_with_backoff, retry_call
from guards.retry_budget import RetryBudget
from guards.watchdog import WATCHDOG
from runtime.config import ConfigError
from runtime.telemetry import catalogue, recorder
from runtime.telemetry.tracing import dependency_span

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy.engine import Connection, Engine
    from sqlalchemy.orm import Session, sessionmaker

    from guards.breaker import Breaker

T = TypeVar("T")
U = TypeVar("U")

CONNECT_TIMEOUT_S = 2
"""libpq's minimum. A request with less time left stops waiting for the handshake at its deadline instead."""
STATEMENT_TIMEOUT_S = 5.0
"""Longest a unit of work may wait on PostgreSQL (client side; the same value is set server side)."""
POOL_TIMEOUT_S = 2
POOL_SIZE = 10
MAX_OVERFLOW = 5
POOL_RECYCLE_S = 300
PREPARE_THRESHOLD = 1
CONFLICT_ATTEMPTS = 3
CONFLICT_BACKOFF_S = 0.02
_ABANDONED = "brickguard_abandoned"


def sqlalchemy_url(database_url: str) -> str:
    """``postgresql://…`` (libpq form) → the SQLAlchemy psycopg 3 URL."""
    scheme, sep, rest = database_url.partition("://")
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg{sep}{rest}"
    return database_url


class Abandoned(TimeoutError):
    """The watchdog ended the unit of work: its time ran out before PostgreSQL answered.

    ``by_deadline``: the request's deadline cut it (out of time, 504), not the statement timeout (503).
    """

    def __init__(self, seconds: float, by_deadline: bool) -> None:
        super().__init__(f"no answer from PostgreSQL within {seconds * 1000:.0f} ms")
        self.by_deadline = by_deadline


class _Cuttable(Protocol):
    """A checked-out connection as the watchdog handles it."""

    def cut(self) -> None:
        """Wake the blocked read by shutting the socket down (from the watchdog's thread)."""

    def discard(self) -> None:
        """Never reuse the connection: it was cut."""


class _PooledConnection:
    """A SQLAlchemy connection of the pool: discarded by invalidating it, without recycling the others."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def cut(self) -> None:
        self.connection.info[_ABANDONED] = True
        _shut_down(self.connection.connection.dbapi_connection.pgconn.socket)  # type: ignore[union-attr]

    def discard(self) -> None:
        self.connection.invalidate()


class _ProbeConnection:
    """The health probes' psycopg connection."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection

    def cut(self) -> None:
        _shut_down(self.connection.pgconn.socket)

    def discard(self) -> None:
        self.connection.close()


class Database:
    """One process's PostgreSQL: engine and guarded sessions whose failures become the API's errors."""

    def __init__(
        self,
        database_url: str | None,
        breaker: Breaker,
        *,
        budget: RetryBudget | None = None,
        on_connect: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.url = database_url
        self.breaker = breaker
        self._budget = budget or RetryBudget()
        self._on_connect = on_connect
        self._connected_once = False
        self._probe_connection: psycopg.Connection[Any] | None = None
        self._probe_lock = threading.Lock()

    # -- building ----------------------------------------------------------------------------

    def connect_params(self) -> dict[str, Any]:
        """psycopg connection parameters shared by every connection of the pool."""
        return {
            "connect_timeout": CONNECT_TIMEOUT_S,
            "options": f"-c statement_timeout={int(STATEMENT_TIMEOUT_S * 1000)}",
            "prepare_threshold": PREPARE_THRESHOLD,
        }

    @cached_property
    def engine(self) -> Engine:
        from sqlalchemy import create_engine, event

        if not self.url:
            raise ConfigError("DATABASE_URL is not set")
        engine = create_engine(
            sqlalchemy_url(self.url),
            pool_size=POOL_SIZE,
            max_overflow=MAX_OVERFLOW,
            pool_timeout=POOL_TIMEOUT_S,
            pool_recycle=POOL_RECYCLE_S,
            connect_args=self.connect_params(),
            hide_parameters=True,  # an error's message (logged, or Lambda's error output) never carries row values
        )
        event.listen(engine, "handle_error", _keep_pool_after_abandon)
        if self._on_connect is not None:
            on_connect = self._on_connect
            event.listen(engine, "do_connect", lambda _dialect, _record, _args, params: on_connect(params))
        event.listen(engine, "do_connect", _connect_within_deadline)  # last: it makes the connection
        return engine

    @cached_property
    def _read_engine(self) -> Engine:
        return self.engine.execution_options(isolation_level="AUTOCOMMIT")

    @cached_property
    def _sessions(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.engine, expire_on_commit=False)

    # -- units of work -----------------------------------------------------------------------

    def read(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in autocommit; run once more when the pooled connection turned out dead."""
        return self._once_more_if_dead(lambda: self._guarded(self._session_unit(autocommit=True)), work)

    def _once_more_if_dead(self, guarded: Callable[[], AbstractContextManager[U]], work: Callable[[U], T]) -> T:
        with answered_as_http(catalogue.POSTGRES):
            try:
                with guarded() as unit:
                    return work(unit)
            except Exception as exc:
                if not getattr(exc, "connection_invalidated", False) or not self.breaker.allow():
                    raise
            with guarded() as unit:
                return work(unit)

    def write(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in a transaction (``work`` commits); rerun after a deadlock or serialization failure."""
        attempt = 1
        with answered_as_http(catalogue.POSTGRES):
            while True:
                try:
                    with self._guarded(self._session_unit(autocommit=False)) as session:
                        return work(session)
                except Exception as exc:
                    if not errors.is_transaction_conflict(exc) or attempt == CONFLICT_ATTEMPTS:
                        raise
                    pause = random.uniform(0, CONFLICT_BACKOFF_S * 2**attempt)
                    if pause >= deadline.call_timeout(STATEMENT_TIMEOUT_S):
                        raise
                    recorder.record(catalogue.RETRY_ATTEMPT, dependency="postgres")
                    time.sleep(pause)
                    attempt += 1

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transactional session for code that manages its own unit of work (setup, CLI, tests)."""
        with answered_as_http(catalogue.POSTGRES), self._guarded(self._session_unit(autocommit=False)) as session:
            yield session

    @contextmanager
    def _session_unit(self, *, autocommit: bool) -> Iterator[tuple[Session, _Cuttable]]:
        """An ORM session and the connection it checked out."""
        with self._sessions(bind=self._read_engine if autocommit else self.engine) as session:
            yield session, _PooledConnection(self._checkout(session.connection))

    @contextmanager
    def _connection_unit(self) -> Iterator[tuple[Connection, _Cuttable]]:
        """A Core connection of the pool in autocommit: a round trip that needs no ORM."""
        with self._checkout(self._read_engine.connect) as connection:
            yield connection, _PooledConnection(connection)

    @contextmanager
    def _probe_unit(self) -> Iterator[tuple[psycopg.Connection[Any], _Cuttable]]:
        """The probe connection (kept between probes, opened when there is none), in autocommit.

        A kept connection that turns out dead is closed and its error marked ``connection_invalidated``,
        as SQLAlchemy marks a dead pooled one, so the probe runs once more on a fresh connection.
        A probe still running (hung) keeps it: the next one opens its own, and the later to finish closes its.
        """
        with self._probe_lock:
            connection, self._probe_connection = self._probe_connection, None
        kept = connection is not None
        if connection is None:
            connection = self._checkout(self._connect_for_probe)
        try:
            yield connection, _ProbeConnection(connection)
        except Exception as exc:
            if kept and connection.broken:
                exc.connection_invalidated = True  # type: ignore[attr-defined]
            connection.close()
            raise
        if connection.closed:  # cut by the watchdog
            return
        with self._probe_lock:
            if self._probe_connection is None:
                self._probe_connection, connection = connection, None
        if connection is not None:
            connection.close()

    def _connect_for_probe(self) -> psycopg.Connection[Any]:
        """A psycopg connection from the pool's URL, parameters and hook, its handshake bounded by the deadline."""
        import psycopg

        if not self.url:
            raise ConfigError("DATABASE_URL is not set")
        url, params = self.url, self.connect_params()
        if self._on_connect is not None:
            self._on_connect(params)
        return _within_connect_deadline(lambda: psycopg.connect(url, autocommit=True, **params))

    @contextmanager
    def _guarded(self, unit: AbstractContextManager[tuple[U, _Cuttable]]) -> Iterator[U]:
        """``unit`` (a session or a Core connection) judged by the breaker, abandoned by the watchdog in time."""
        limit = deadline.call_timeout(STATEMENT_TIMEOUT_S)  # DeadlineExceeded when no time is left
        by_deadline = limit < STATEMENT_TIMEOUT_S
        checked_out: list[_Cuttable] = []
        alarm = WATCHDOG.arm(limit, lambda: _abandon(checked_out))
        try:
            with (
                dependency_span("postgres", breakerState=self.breaker.state),
                self.breaker.calling(),
                unit as (opened, connection),
            ):
                checked_out.append(connection)
                if alarm.fired:
                    raise Abandoned(limit, by_deadline)
                try:
                    yield opened
                finally:
                    alarm.cancel()
                    if alarm.fired:
                        checked_out[0].discard()
        except Exception as exc:
            alarm.cancel()
            if alarm.fired and not isinstance(exc, Abandoned):
                recorder.record(catalogue.DEPENDENCY_ERROR, dependency="postgres")
                raise Abandoned(limit, by_deadline) from exc
            raise
        finally:
            alarm.cancel()

    def _checkout(self, connect: Callable[[], T]) -> T:
        """Check out a connection, with backoff: the first one of a fresh environment may be refused."""
        if self._connected_once:
            return retry_call(connect, dependency="postgres", budget=self._budget)
        connection = connect_with_backoff(connect, "postgres")
        self._connected_once = True
        return connection

    def ping(self) -> None:
        """One round trip on a pooled connection (keep-warm, init: it opens the pool), on Core: no ORM imported."""
        from sqlalchemy import text

        self._once_more_if_dead(
            lambda: self._guarded(self._connection_unit()), lambda connection: connection.execute(text("SELECT 1"))
        )

    def probe(self) -> None:
        """One round trip on the probe connection, through psycopg alone (health checks): no SQLAlchemy imported."""
        self._once_more_if_dead(
            lambda: self._guarded(self._probe_unit()), lambda connection: connection.execute("SELECT 1")
        )

    @staticmethod
    def import_probe_driver() -> None:
        """Import psycopg before a probe's timeout starts: a cold import is not an outage."""
        import psycopg  # noqa: F401

    def dispose(self) -> None:
        """Close every pooled connection and the probe connection (tests, shutdown)."""
        if "engine" in self.__dict__:
            self.engine.dispose()
        with self._probe_lock:
            connection, self._probe_connection = self._probe_connection, None
        if connection is not None:
            connection.close()


def _connect_within_deadline(dialect: Any, _record: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> Any:
    """``do_connect``: the pool's new connections, made by :func:`_within_connect_deadline`."""
    return _within_connect_deadline(lambda: dialect.connect(*cargs, **cparams))


def _within_connect_deadline(connect: Callable[[], T]) -> T:
    """``connect()``, its handshake waited for no longer than the request has left.

    libpq never waits less than 2 s (``connect_timeout``'s minimum) and the
    handshake has no socket the watchdog could shut down, so a request with
    less time left waits for it in a helper thread (``guards/bounded_wait.py``)
    and gives up at its deadline: 504, counted against the breaker like an
    abandoned statement (a paused server must still open it). A handshake that
    completes late is closed. With more time left than libpq's timeout, the
    connection is made inline.
    """
    limit = deadline.call_timeout(CONNECT_TIMEOUT_S)  # DeadlineExceeded (504) when no time is left
    if limit >= CONNECT_TIMEOUT_S:
        return connect()
    try:
        return call_within(limit, connect, discard=_close_quietly, name="postgres-connect")
    except WaitExpired as exc:
        recorder.record(catalogue.DEPENDENCY_ERROR, dependency="postgres")
        raise Abandoned(limit, by_deadline=True) from exc


def _close_quietly(connection: Any) -> None:
    connection.close()


def _abandon(checked_out: list[_Cuttable]) -> None:
    """Watchdog callback: wake the blocked read by shutting the socket down; the connection is then discarded."""
    if not checked_out:
        return  # still connecting: _within_connect_deadline stops that wait itself
    checked_out[0].cut()


def _shut_down(fd: int) -> None:
    with socket.socket(fileno=os.dup(fd)) as sock:
        sock.shutdown(socket.SHUT_RDWR)


def _keep_pool_after_abandon(context: Any) -> None:
    """A connection we cut ourselves says nothing about the others: do not recycle the whole pool."""
    connection = context.connection
    if connection is not None and connection.info.get(_ABANDONED):
        context.invalidate_pool_on_disconnect = False
