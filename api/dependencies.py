"""The one place that builds dependency clients (PostgreSQL, Redis, OpenSearch).

Clients are created lazily on first use, so a handler module imports fast and a
keep-warm ping is what opens connections. Route code asks for a database
session through :func:`Dependencies.session`, which turns "the database is not
there" into a 503 with ``Retry-After`` instead of a 500.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import TYPE_CHECKING

from guards.health import HealthProbe
from runtime import config
from runtime.errors import ServiceUnavailable

if TYPE_CHECKING:
    from redis import Redis
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session, sessionmaker

POSTGRES_CONNECT_TIMEOUT_S = 2
POSTGRES_STATEMENT_TIMEOUT_MS = 5_000
POSTGRES_POOL_TIMEOUT_S = 2
REDIS_TIMEOUT_S = 0.25


def sqlalchemy_url(database_url: str) -> str:
    """``postgresql://…`` (libpq form) → the SQLAlchemy psycopg 3 URL."""
    scheme, sep, rest = database_url.partition("://")
    if scheme in ("postgresql", "postgres"):
        return f"postgresql+psycopg{sep}{rest}"
    return database_url


class Dependencies:
    """Lazily built clients for one process, shared by all requests."""

    def __init__(self, settings: config.Settings) -> None:
        self.settings = settings

    @cached_property
    def engine(self) -> Engine:
        from sqlalchemy import create_engine

        if not self.settings.database_url:
            raise config.ConfigError("DATABASE_URL is not set")
        return create_engine(
            sqlalchemy_url(self.settings.database_url),
            pool_size=5,
            max_overflow=5,
            pool_timeout=POSTGRES_POOL_TIMEOUT_S,
            pool_pre_ping=True,
            connect_args={
                "connect_timeout": POSTGRES_CONNECT_TIMEOUT_S,
                "options": f"-c statement_timeout={POSTGRES_STATEMENT_TIMEOUT_MS}",
            },
        )

    @cached_property
    def _sessions(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for one unit of work; a database outage becomes a 503."""
        from sqlalchemy.exc import DBAPIError, OperationalError
        from sqlalchemy.exc import TimeoutError as PoolTimeout

        try:
            with self._sessions() as session:
                yield session
        except (OperationalError, PoolTimeout) as exc:
            raise ServiceUnavailable("The database is unavailable, retry shortly") from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise ServiceUnavailable("The database is unavailable, retry shortly") from exc
            raise

    @cached_property
    def redis(self) -> Redis | None:
        """The Redis client, or None when ``REDIS_URL`` is not set (the cache is then off)."""
        if not self.settings.redis_url:
            return None
        from redis import Redis

        return Redis.from_url(
            self.settings.redis_url,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
            retry_on_timeout=False,
            decode_responses=True,
        )

    @cached_property
    def health(self) -> HealthProbe:
        return HealthProbe(
            {
                "database": self._probe_database,
                "redis": self._probe_redis if self.settings.redis_url else None,
                "opensearch": None,
            }
        )

    def _probe_database(self) -> None:
        from sqlalchemy import text

        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def _probe_redis(self) -> None:
        assert self.redis is not None
        self.redis.ping()

    def probe_components(self) -> dict[str, str]:
        """``{database, redis, opensearch}`` → ``up | down | not_configured`` (cached briefly)."""
        return self.health.status()

    def warmup(self) -> None:
        """Open a pooled PostgreSQL connection (keep-warm pings call this)."""
        from sqlalchemy import text

        with self.session() as session:
            session.execute(text("SELECT 1"))


_lock = threading.Lock()
_current: Dependencies | None = None


def get() -> Dependencies:
    """The process-wide dependencies, built from the environment on first use."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = Dependencies(config.load())
    return _current


def install(dependencies: Dependencies | None) -> None:
    """Replace the process-wide dependencies (the CLI and tests configure them explicitly)."""
    global _current
    with _lock:
        _current = dependencies
