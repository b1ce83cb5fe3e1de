"""Objects first, row second: a row never names an object that is not there.

When the row cannot be written (PostgreSQL down, the MOC or album not the
caller's) the objects just written are deleted again, best effort: an object
left over by a failed delete is unreachable (no row names it) and costs
storage, never correctness.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from api.dependency_errors import answered_as_http
from api.uploads.served_as import served_as
from runtime.telemetry import catalogue

if TYPE_CHECKING:
    from guards.object_store import ObjectStore

T = TypeVar("T")

log = logging.getLogger("brickguard.api.uploads")


def store_then_record(store: ObjectStore, objects: Sequence[tuple[str, bytes, str]], record: Callable[[], T]) -> T:
    """PUT every ``(key, data, content_type)`` into ``store``, then ``record()``; if that fails, delete them again."""
    with answered_as_http(catalogue.S3):
        for key, data, content_type in objects:
            store.put(key, data, *served_as(content_type, key.rsplit("/", 1)[-1]))
    try:
        return record()
    except Exception:
        keys = [key for key, _, _ in objects]
        try:
            store.delete(keys)
        except Exception as exc:  # the row was not written: the objects are unreachable, not wrong
            log.warning("orphaned upload objects", extra={"keys": keys, "error": type(exc).__name__})
        raise
