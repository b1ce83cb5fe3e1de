"""Cached reads: the route names the key, namespace and TTL, the service does the loading.

Detail keys (``moc:detail:{id}``) are not user-scoped, so a cached detail is
checked against the caller before it is returned: another user's resource is
a 404 whether it came from Redis or from PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from runtime.errors import NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from api.adapters.cache import Cache
    from api.adapters.database import Database

T = TypeVar("T")


def read_through(
    cache: Cache, database: Database, key: str, namespace: str, ttl_seconds: int, load: Callable[[Session], T]
) -> T:
    """The cached value of ``key``, or ``load(session)`` in a read on ``database`` (then cached)."""
    return cache.read(key, namespace, ttl_seconds, lambda: database.read(load))


def owned_by(data: dict[str, Any], user_id: str, what: str) -> dict[str, Any]:
    """``data`` if it belongs to ``user_id``, else the same 404 as an unknown id."""
    if data.get("userId") != user_id:
        raise NotFound(f"{what} not found")
    return data
