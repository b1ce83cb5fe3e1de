"""The migration cache flush: empty the API's data caches without stalling Redis or reviving old entries.

The seeds' flush script names ``mocs:*``, ``gallery:*``, ``wishlist:*``, ``albums:*``
and their ``v2:`` forms. The API really writes (``api/cache_keys.py``):

=================  ==========================================================
seeds' pattern     what the API writes
=================  ==========================================================
``mocs:*``         ``moc:*`` (singular: ``moc:user:…:list:…``, ``moc:detail:…``)
``gallery:*``      ``gallery:*`` (images *and* albums: ``gallery:albums:…``)
``albums:*``       nothing: albums live under ``gallery:``
``wishlist:*``     ``wishlist:*``
(not named)        ``profile:*`` (profile stats count MOCs and images, so they
                   go stale with the rest and are flushed too)
=================  ==========================================================

The seeds' own ``mocs:*`` and ``albums:*`` are flushed as well (keys a legacy
writer may have left); ``sessions:*``, ``ratelimit:*`` and ``user-profiles:*`` are
never touched — only counted, so the report can say they were preserved.

Order matters because the cache uses versioned namespaces (``guards.cache``):
an entry ``{"g": 7, …}`` is read only while its namespace counter
(``…:gen``) says 7. Deleting a counter first would reset it to 0 and revive
every old generation-0 entry; deleting it at all lets an entry written during
the flush come back when the counter climbs to its number again. So entries are
deleted first (``UNLINK``, batch by batch), and the counters are then *bumped*
(``INCR``), which also invalidates anything a reader stored while the flush ran.

Redis is walked with ``SCAN … COUNT batch`` (never ``KEYS`` or ``FLUSHDB``) at a
bounded number of keys per second, so a flush of millions of keys shares Redis
with live traffic instead of stalling it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from guards.cache import GENERATION_TTL_S

API_FAMILIES = ("moc", "gallery", "wishlist", "profile")
SEED_ONLY_FAMILIES = ("mocs", "albums")  # the seeds' names the API never writes
PRESERVED_FAMILIES = ("sessions", "ratelimit", "user-profiles")
PREFIXES = ("", "v2:")  # MIGRATION_MODE=true writes every key under v2:

DEFAULT_BATCH = 500
DEFAULT_KEYS_PER_SECOND = 5_000
MAX_BATCH = 10_000

# a namespace generation counter: {family}:user:{escaped user id}:gen (ids never hold ':')
_COUNTER = re.compile(r"^(?:v2:)?(?:moc|gallery|wishlist|profile):user:[^:]*:gen$")


def flush_patterns() -> list[str]:
    """Every pattern the flush empties, plain and ``v2:``."""
    return [f"{prefix}{family}:*" for prefix in PREFIXES for family in (*API_FAMILIES, *SEED_ONLY_FAMILIES)]


def preserved_patterns() -> list[str]:
    return [f"{prefix}{family}:*" for prefix in PREFIXES for family in PRESERVED_FAMILIES]


def is_generation_counter(key: str) -> bool:
    """Whether ``key`` is a namespace counter (bumped, never deleted) rather than an entry."""
    return _COUNTER.match(key) is not None


@dataclass
class PatternResult:
    matched: int = 0
    deleted: int = 0
    bumped: int = 0

    def as_json(self) -> dict[str, int]:
        return {"matched": self.matched, "deleted": self.deleted, "bumped": self.bumped}


@dataclass
class FlushReport:
    """What a flush found and did, per pattern."""

    dry_run: bool
    patterns: dict[str, PatternResult] = field(default_factory=dict)
    preserved: int = 0

    @property
    def matched(self) -> int:
        return sum(result.matched for result in self.patterns.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "patterns": {pattern: result.as_json() for pattern, result in self.patterns.items()},
            "preserved": self.preserved,
        }


class RateLimiter:
    """Paces work to at most ``per_second`` units, with injected clock and sleep."""

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError(f"rate must be positive, got {per_second}")
        self._per_second = per_second
        self._clock = clock
        self._sleep = sleep
        self._start: float | None = None
        self._done = 0

    def spend(self, units: int) -> None:
        """Account for ``units`` of work, sleeping first if the budget so far is used up."""
        if self._start is None:
            self._start = self._clock()
        self._done += units
        ahead = self._done / self._per_second - (self._clock() - self._start)
        if ahead > 0:
            self._sleep(ahead)


class CacheFlush:
    """Flushes the data caches of one Redis client (``decode_responses=True``)."""

    def __init__(
        self,
        client: Any,
        *,
        batch: int = DEFAULT_BATCH,
        keys_per_second: float = DEFAULT_KEYS_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 1 <= batch <= MAX_BATCH:
            raise ValueError(f"batch must be between 1 and {MAX_BATCH}, got {batch}")
        self._client = client
        self._batch = batch
        self._limiter = RateLimiter(keys_per_second, clock=clock, sleep=sleep)

    def count(self) -> FlushReport:
        """Matched keys per pattern and the preserved count; changes nothing (``--dry-run``)."""
        report = FlushReport(dry_run=True)
        for pattern in flush_patterns():
            result = report.patterns[pattern] = PatternResult()
            for keys in self._scan(pattern):
                result.matched += len(keys)
        report.preserved = self._count_preserved()
        return report

    def flush(self, on_progress: Callable[[int], None] = lambda keys: None) -> FlushReport:
        """Delete every entry, then bump every counter; ``on_progress(n)`` after each batch of n keys."""
        report = FlushReport(dry_run=False)
        counters: dict[str, list[str]] = {}
        for pattern in flush_patterns():
            result = report.patterns[pattern] = PatternResult()
            for keys in self._scan(pattern):
                entries = [key for key in keys if not is_generation_counter(key)]
                counters.setdefault(pattern, []).extend(key for key in keys if is_generation_counter(key))
                result.matched += len(keys)
                if entries:
                    self._limiter.spend(len(entries))
                    result.deleted += int(self._client.unlink(*entries))
                on_progress(len(entries))
        for pattern, keys in counters.items():  # only once every entry is gone
            for start in range(0, len(keys), self._batch):
                chunk = keys[start : start + self._batch]
                self._limiter.spend(len(chunk))
                self._bump(chunk)
                report.patterns[pattern].bumped += len(chunk)
                on_progress(len(chunk))
        report.preserved = self._count_preserved()
        return report

    def _bump(self, counters: list[str]) -> None:
        unique = list(dict.fromkeys(counters))
        pipeline = self._client.pipeline(transaction=False)
        for key in unique:
            pipeline.incr(key)
            pipeline.expire(key, GENERATION_TTL_S)
        results = pipeline.execute(raise_on_error=False)
        garbled = [key for key, result in zip(unique, results[::2], strict=True) if isinstance(result, Exception)]
        if garbled:
            # A counter holding no number (written by hand) cannot be bumped, and the cache reads it as a miss for
            # good. Its entries are all gone by now: start it afresh, above any generation it can have counted to.
            pipeline = self._client.pipeline(transaction=False)
            for key in garbled:
                pipeline.set(key, int(time.time()), ex=GENERATION_TTL_S)
            pipeline.execute()

    def _scan(self, pattern: str) -> Iterator[list[str]]:
        """Batches of keys matching ``pattern``; each key once (SCAN may repeat one)."""
        seen: set[str] = set()
        cursor = 0
        while True:
            cursor, keys = self._client.scan(cursor=cursor, match=pattern, count=self._batch)
            fresh = [key for key in keys if key not in seen]
            seen.update(fresh)
            if fresh:
                yield fresh
            if cursor == 0:
                return

    def _count_preserved(self) -> int:
        return sum(len(keys) for pattern in preserved_patterns() for keys in self._scan(pattern))
