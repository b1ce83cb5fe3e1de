"""The outbox's targets and the shape of their appliers, without the table (no SQLAlchemy imported).

The adapters that register an applier (cache, search, storage) name their target from here, so an
environment that never writes a change (the health function) imports none of SQLAlchemy for it;
:mod:`guards.outbox` holds the table and the drain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

CACHE = "cache"
SEARCH = "search"
STORAGE = "storage"
"""S3 objects of deleted rows: ``{"keys": [...], "prefixes": [...]}``."""
TARGETS = (CACHE, SEARCH, STORAGE)

Applier = Callable[[Sequence[Mapping[str, Any]]], None]
"""Applies a batch of payloads to one target; raises when the target is unavailable."""
