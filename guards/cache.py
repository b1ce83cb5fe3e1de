"""Cache-aside on Redis that degrades to the loader and never serves a stale entry.

Reads go ``Redis → loader (PostgreSQL) → Redis``. Three rules keep it correct
when Redis misbehaves:

* **Versioned namespaces instead of deletes.** Every entry is stored with the
  generation of its namespace (``{"g": 7, "v": …}``) and read together with the
  namespace's generation counter in one ``MGET``. A write bumps the counter
  (``INCR``), which invalidates every key of the namespace at once: no ``KEYS``,
  no ``SCAN``, nothing a glob character in an id could widen, and a reader that
  loaded old data just before the bump stores it under a generation nobody reads.
* **Trust is earned back.** After any Redis failure (or while its breaker is
  not closed) the cache is bypassed, and before it is read again the pending
  outbox entries for the cache are drained; only a clean drain restores trust.
  A process that saw no failure still checks for pending entries every
  ``pending_check_seconds``, bounding staleness across processes.
* **No waiting on a dead cache.** An open breaker skips Redis without a call;
  Redis calls have short socket timeouts.
* **Only the dependency degrades.** A Redis failure or an open breaker sends
  the read to the loader; any other exception is a bug in this code or its
  caller, and a bug must not turn into a silent, permanent bypass: it is
  logged with the request id, counted, and raised (a 500). Running out of
  request time (``DeadlineExceeded``) is raised too (a 504). When the check for
  pending invalidations itself fails, the cache stays untrusted: it cannot
  know what it missed.

Stampedes on a cold key are damped by a short ``SET NX`` lock (one loader, the
others poll briefly) and ±10 % TTL jitter so keys written together do not
expire together.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from guards import errors
from guards.dependency_call import call_dependency
from runtime.telemetry import catalogue, context, recorder

if TYPE_CHECKING:
    from guards.breaker import Breaker

T = TypeVar("T")

TTL_JITTER = 0.1
LOCK_MS = 2_000
LOCK_POLLS = 3
LOCK_POLL_SECONDS = 0.02
GENERATION_TTL_S = 24 * 3600  # longer than any entry's TTL, so an expired counter finds no entry
PENDING_CHECK_SECONDS = 2.0
TRUST_RETRY_SECONDS = 1.0  # after a failed drain, wait this long before trying to earn trust again
LOCK_POLL_MARGIN = 0.05  # a poll is skipped when the request has less than this left after it

log = logging.getLogger("brickguard.guards.cache")


class CacheAside:
    """Cache-aside reads and namespace invalidation for one Redis client."""

    def __init__(
        self,
        client: Any,
        breaker: Breaker,
        *,
        prefix: str = "",
        also_invalidate: Sequence[str] = (),
        drain_pending: Callable[[], bool],
        has_pending: Callable[[], bool],
        pending_check_seconds: float = PENDING_CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._breaker = breaker
        self._prefix = prefix
        # other key spaces (the other backend's, while both run) whose entries a write makes stale too
        self._invalidated_prefixes = tuple(dict.fromkeys((prefix, *also_invalidate)))
        self._drain_pending = drain_pending
        self._has_pending = has_pending
        self._pending_check_seconds = pending_check_seconds
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._trusted = False  # earned by a clean drain, like after an outage
        self._next_pending_check = 0.0
        self._next_trust_attempt = 0.0

    # -- reads -------------------------------------------------------------------------------

    def read(self, key: str, namespace: str, ttl_seconds: int, load: Callable[[], T]) -> T:
        """The cached value of ``key`` (in ``namespace``), or ``load()`` stored for ``ttl_seconds``."""
        if not self._usable():
            recorder.record(catalogue.CACHE_ERROR)
            context.annotate("degraded", True)
            return load()
        full_key, generation_key = self._prefix + key, self._generation_key(namespace)
        try:
            raw, raw_generation = call_dependency(self._breaker, self._client.mget, [full_key, generation_key])
        except Exception as exc:
            self._unless_degradable(exc)
            return self._bypass(load)
        generation = _generation(raw_generation)
        cached = _fresh(raw, generation)
        if cached is not None:
            recorder.record(catalogue.CACHE_HIT)
            return cached[0]
        recorder.record(catalogue.CACHE_MISS)
        if generation is None:  # the counter holds a foreign value: load, store nothing, trust intact
            return load()
        return self._load_and_store(full_key, generation_key, generation, ttl_seconds, load)

    def _load_and_store(
        self, full_key: str, generation_key: str, generation: int, ttl_seconds: int, load: Callable[[], T]
    ) -> T:
        lock_key = full_key + ":lock"
        try:
            owner = call_dependency(self._breaker, self._client.set, lock_key, "1", nx=True, px=LOCK_MS)
            if not owner:
                for _ in range(LOCK_POLLS):  # another request is loading this key: give it a moment
                    if not self._time_for_a_poll():
                        break
                    self._sleep(LOCK_POLL_SECONDS)
                    raw, raw_generation = call_dependency(self._breaker, self._client.mget, [full_key, generation_key])
                    cached = _fresh(raw, _generation(raw_generation))
                    if cached is not None:
                        return cached[0]
        except Exception as exc:
            self._unless_degradable(exc)
            return self._bypass(load)
        value = load()
        if owner:
            try:
                ttl = max(1, round(ttl_seconds * random.uniform(1 - TTL_JITTER, 1 + TTL_JITTER)))
                payload = json.dumps({"g": generation, "v": value}, separators=(",", ":"), default=str)
                pipeline = self._client.pipeline(transaction=False)
                pipeline.set(full_key, payload, ex=ttl)
                pipeline.delete(lock_key)
                call_dependency(self._breaker, pipeline.execute)
            except Exception as exc:
                self._unless_degradable(exc)
                self._distrust()
                recorder.record(catalogue.CACHE_ERROR)
        return value

    @staticmethod
    def _time_for_a_poll() -> bool:
        """Whether the request can afford one more lock poll (no deadline: always)."""
        remaining = context.remaining_seconds()
        return remaining is None or remaining - LOCK_POLL_MARGIN > LOCK_POLL_SECONDS

    def _unless_degradable(self, exc: Exception) -> None:
        """Return when ``exc`` is Redis failing (degrade); otherwise distrust, log, count and re-raise it."""
        from guards.breaker import BreakerOpenError

        if isinstance(exc, BreakerOpenError) or errors.is_dependency_failure(exc):
            return
        self._distrust()
        if not isinstance(exc, TimeoutError):  # DeadlineExceeded: out of time, not a bug
            recorder.record(catalogue.CACHE_ERROR)
            ctx = context.current()
            log.error(
                "cache error that is not a Redis failure",
                exc_info=exc,
                extra={"request_id": ctx.request_id if ctx is not None else None},
            )
        raise exc

    def _bypass(self, load: Callable[[], T]) -> T:
        self._distrust()
        recorder.record(catalogue.CACHE_ERROR)
        context.annotate("degraded", True)
        return load()

    # -- invalidation ------------------------------------------------------------------------

    def bump(self, namespaces: Sequence[str]) -> None:
        """Invalidate every entry of ``namespaces``; raises when Redis cannot be reached.

        Called by the outbox drain, which keeps the entry for later when this raises.
        """
        if not namespaces:
            return
        pipeline = self._client.pipeline(transaction=False)
        for namespace in dict.fromkeys(namespaces):
            for prefix in self._invalidated_prefixes:
                key = f"{prefix}{namespace}:gen"
                pipeline.incr(key)
                pipeline.expire(key, GENERATION_TTL_S)
        try:
            call_dependency(self._breaker, pipeline.execute)
        except BaseException:
            self._distrust()
            raise

    # -- trust -------------------------------------------------------------------------------

    def _usable(self) -> bool:
        if not self._breaker.allow():
            self._distrust()
            return False
        now = self._clock()
        if self._trusted and now >= self._next_pending_check:
            self._next_pending_check = now + self._pending_check_seconds
            if self._pending():
                self._distrust()
        if self._trusted:
            return True
        if now < self._next_trust_attempt:
            return False  # a drain just failed: do not make every request try again
        with self._lock:
            if not self._trusted and self._clock() >= self._next_trust_attempt:
                self._trusted = self._drained()
                now = self._clock()
                self._next_pending_check = now + self._pending_check_seconds
                self._next_trust_attempt = now + (0.0 if self._trusted else TRUST_RETRY_SECONDS)
        return self._trusted

    def _pending(self) -> bool:
        """Whether invalidations wait in the outbox; unknown counts as yes (the cache cannot vouch for itself)."""
        try:
            return self._has_pending()
        except Exception:
            log.warning("cache bypassed: the check for pending invalidations failed")
            return True

    def _drained(self) -> bool:
        try:
            return self._drain_pending()
        except Exception:
            log.warning("cache stays bypassed: outbox drain failed")
            return False

    def _distrust(self) -> None:
        self._trusted = False

    @property
    def trusted(self) -> bool:
        """Whether reads currently use Redis (for health output and tests)."""
        return self._trusted

    def _generation_key(self, namespace: str) -> str:
        return f"{self._prefix}{namespace}:gen"


def _generation(raw: Any) -> int | None:
    """The namespace generation stored in Redis (0 when unset); None when it is not a counter."""
    try:
        return int(raw or 0)
    except (TypeError, ValueError):
        return None


def _fresh(raw: str | None, generation: int | None) -> tuple[Any] | None:
    """``(value,)`` when ``raw`` holds an entry of the current generation, else None."""
    if raw is None or generation is None:
        return None
    try:
        entry = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(entry, dict) or entry.get("g") != generation:
        return None
    return (entry.get("v"),)
