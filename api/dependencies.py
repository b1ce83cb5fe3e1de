"""One composition of the API's dependencies: one object per dependency, handed to the code that needs it.

:class:`~api.adapters.database.Database`, :class:`~api.adapters.cache.Cache`,
:class:`~api.adapters.search.Search` and :class:`~api.adapters.outbox.Outbox` are separate
objects, each owning its client, breaker and failure mapping, and so is
:class:`~api.adapters.storage.Storage` (S3): a new dependency is one more object here,
not a larger class. Each builds its client on first use; a composition root that
wants them open before its first request (Lambda's init, ``brickguard serve``'s start)
calls :meth:`Dependencies.open_connections`.

There is no process-wide instance. A composition root builds one and hands it
to :func:`api.composition.build_handlers`, whose router factories give each
route the objects it uses (``mocs.build_router(database, cache, search,
outbox)``); routes pass them on to the services as plain parameters. The roots:
Lambda's module init (:mod:`api.handlers`), the serverful backend
(``brickguard up``) and each test that needs its own.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from api.adapters.cache import Cache
from api.adapters.database import Database
from api.adapters.outbox import Outbox
from api.adapters.search import Search
from api.adapters.storage import Storage
from api.adapters.user_pool import UserPool
from guards import db_credentials
from guards.breaker_registry import DEFAULT_CONFIGS, BreakerRegistry
from guards.health import HealthProbe
from runtime import config
from runtime.telemetry import catalogue

if TYPE_CHECKING:
    from guards.breaker import BreakerConfig

_log = logging.getLogger(__name__)
OPEN_CONNECTIONS_LIMIT_S = 2.0
"""How long init waits for the first connections: PostgreSQL's connect timeout, well inside Lambda's 10 s init."""


class Dependencies:
    """The guarded dependencies of one composition, shared by all the requests it serves."""

    def __init__(self, settings: config.Settings, breaker_configs: Mapping[str, BreakerConfig] | None = None) -> None:
        self.settings = settings
        self.breakers = BreakerRegistry(breaker_configs or DEFAULT_CONFIGS, settings.breaker_overrides)
        self.database = Database(
            settings.database_url, self.breakers[catalogue.POSTGRES], on_connect=_credentials(settings)
        )
        self.outbox = Outbox(self.database)
        self.cache = Cache(
            settings.redis_url,
            self.breakers[catalogue.REDIS],
            self.outbox,
            prefix=settings.cache_prefix,
            also_invalidate=config.CACHE_PREFIXES,
        )
        self.search = Search(settings.opensearch_url, self.breakers[catalogue.OPENSEARCH], self.outbox)
        self.storage = Storage(settings, lambda: self.breakers[catalogue.S3], self.outbox)
        self.user_pool = UserPool(settings, lambda: self.breakers[catalogue.COGNITO])
        self.health = HealthProbe(
            {
                "database": self.database.probe,
                catalogue.REDIS: self.cache.ping if self.cache.configured else None,
                catalogue.OPENSEARCH: self.search.ping if self.search.configured else None,
            }
        )

    def probe_components(self) -> dict[str, str]:
        """``{database, redis, opensearch}`` → ``healthy | unhealthy | not_configured`` (cached briefly)."""
        self._build_probe_clients()
        return self.health.status()

    def _build_probe_clients(self) -> None:
        """Import and build the probes' clients before their timeout starts: a cold import is not an outage.

        In a fresh environment the first health check would otherwise spend its 500 ms importing
        psycopg and redis-py in two probe threads at once, and report both dependencies down.
        """
        self.database.import_probe_driver()
        if self.cache.configured:
            self.cache.client  # noqa: B018 - built on first access
        if self.search.configured:
            self.search.client  # noqa: B018

    def build_aws_clients(self, names: Iterable[str]) -> None:
        """Build the configured AWS clients among ``names`` (``s3``, ``cognito``) now, making no call.

        For init: building one imports botocore and loads its service model (about 80 ms here), which a
        provisioned environment's first request would otherwise pay.
        """
        adapters: dict[str, Storage | UserPool] = {catalogue.S3: self.storage, catalogue.COGNITO: self.user_pool}
        for name in names:
            if adapters[name].configured:
                adapters[name].client  # noqa: B018 - built on first access

    def open_connections(self, limit_s: float = OPEN_CONNECTIONS_LIMIT_S, *, pool: bool = True) -> bool:
        """Build the clients and open PostgreSQL's (and Redis's, when configured) first connection.

        For init: a provisioned environment is initialised before traffic, so what it opens here the
        first request does not pay for; an on-demand one pays it once, here, and its first request
        finds the connection open. ``pool``: the pool's first connection (its requests read and write);
        without it, the health probe's connection only (the health function: no SQLAlchemy imported).
        The clients' imports run inline (they cannot hang); the connections wait at most ``limit_s``
        and never raise: a dependency that is down (or slow) is the breakers' and the health check's
        business at request time, not a reason to fail init. True when the connections opened in time.
        """
        if not self.settings.database_url:
            return False
        opened = threading.Event()
        warm = self.warmup_connections if pool else self.warmup_probes

        def connect() -> None:
            try:
                warm()
                opened.set()
            except Exception as exc:  # init goes on; requests meet the breaker
                _log.warning("connections not opened during init: %s", type(exc).__name__)

        if pool:
            self.database.engine  # noqa: B018 - built on first access
            _configure_mappers()
        self._build_probe_clients()
        threading.Thread(target=connect, name="open-connections", daemon=True).start()
        return opened.wait(limit_s)

    def warmup_connections(self) -> None:
        """Open PostgreSQL's pooled connection and Redis's."""
        self.database.ping()
        self.cache.warm()

    def warmup_probes(self) -> None:
        """Open the health probe's PostgreSQL connection and Redis's (the health function's keep-warm pings)."""
        self.database.probe()
        self.cache.warm()

    def warmup(self) -> None:
        """Open pooled connections, drain the outbox, check the search mappings (keep-warm pings call this)."""
        self.warmup_connections()
        self.outbox.after_commit()
        self.search.warm()


def _credentials(settings: config.Settings) -> Callable[[dict[str, Any]], None] | None:
    """Per-connection password hook (RDS IAM token or Secrets Manager secret), when configured."""
    if not settings.database_url:
        return None
    credentials = db_credentials.from_environment(settings.database_url)
    return db_credentials.connection_hook(credentials) if credentials else None


def _configure_mappers() -> None:
    """Configure the ORM's mappers now, when the function's routes imported the models: SQLAlchemy does it
    on the first query otherwise, which a provisioned environment's first request would pay."""
    if "api.models" in sys.modules:
        from sqlalchemy.orm import configure_mappers

        configure_mappers()
