"""Cached reads: the route names the key, namespace and TTL, the service does the loading.

Detail keys (``moc:detail:{id}``) are not user-scoped, so a cached detail is
checked against the caller before it is returned: another user's resource is
a 404 whether it came from Redis or from PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from api import dependencies
from runtime.errors import NotFound

T = TypeVar("T")


def cached(key: str, namespace: str, ttl_seconds: int, load: Callable[[Session], T]) -> T:
    """The cached value of ``key``, or ``load(session)`` (then cached)."""
    deps = dependencies.get()
    return deps.cache.read(key, namespace, ttl_seconds, lambda: deps.database.read(load))


def cached_call(key: str, namespace: str, ttl_seconds: int, load: Callable[[], T]) -> T:
    """Like :func:`cached` for a loader that opens its own sessions (search, say)."""
    return dependencies.get().cache.read(key, namespace, ttl_seconds, load)


def owned_by(data: dict[str, Any], user_id: str, what: str) -> dict[str, Any]:
    """``data`` if it belongs to ``user_id``, else the same 404 as an unknown id."""
    if data.get("userId") != user_id:
        raise NotFound(f"{what} not found")
    return data
